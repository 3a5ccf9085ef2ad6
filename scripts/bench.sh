#!/bin/bash
# make bench: run guest/madv_populate_bench on this series' kernel and on
# the peer (peer/6.1.conf), both built for $PROFILE, same initramfs, same
# QEMU arguments, each boot with a fresh ext4 disk; then
# scripts/bench-report.py writes the table, judges it against the bars and
# regenerates bench/results.md.
#
# Rounds: every round boots each kernel once and measures every cell once
# (BENCH_RUNS passes in that boot).  The kernels take turns, in the opposite
# order every other round, so that a slow spell of the host lands on both
# kernels' rounds alike instead of on all runs of one kernel's cell.  Every
# run is kept in results.tsv; the report takes medians and spreads.
#
# The guest's clock: BENCH_CLOCK=icount (default) runs QEMU with
# "-icount shift=BENCH_SHIFT,sleep=off,align=off": guest time is the count
# of instructions executed (2^BENCH_SHIFT ns each, one host thread for the
# vCPUs), whatever the host is doing, so two runs agree (within 0.5% in every cell) and a code path
# that does more work shows; it does not see cache misses or memory
# bandwidth.  BENCH_CLOCK=wall: the accelerator as make test picks it (KVM
# where usable, else TCG), the guest's TSC in step with the host's clock:
# real time, with the host's noise.
#
# BENCH_SIZES=2,64 (MiB; wall: 2,256)  BENCH_ROUNDS=2 (wall: 5)  BENCH_RUNS=1
# BENCH_MEM=3G  BENCH_SHIFT=3  BENCH_KERNELS="series peer" (also
# NAME=PATH-TO-bzImage, e.g. an older build of the series)
# BENCH_OUT=DIR (default build/bench[-PROFILE][-wall]): results, table
# BENCH_QEMU_EXTRA, BENCH_CMDLINE_EXTRA: more QEMU arguments and kernel
# parameters for every boot (scripts/bench-profile.sh's plugin and cells)
set -eu
. "$(dirname "$0")/lib.sh"
need mkfs.ext4 truncate cpio gzip

# arm64 would need a peer built for it (and, under the wall clock, the disk
# on virt's virtio-mmio).
[ "$WB_ARCH" = x86_64 ] || die "make bench runs x86_64 guests only, not ARCH=$WB_ARCH (yet)"

RUNS=${BENCH_RUNS:-1}
KERNELS=${BENCH_KERNELS:-series peer}
CLOCK=${BENCH_CLOCK:-icount}
SHIFT=${BENCH_SHIFT:-3}
case "$SHIFT" in [0-9] | 10) ;; *) die "BENCH_SHIFT=$SHIFT: a number from 0 to 10" ;; esac
case $CLOCK in
icount)
	ROUNDS=${BENCH_ROUNDS:-2}
	# An instruction count per page does not grow with the size past a
	# few MiB (no caches, no bandwidth in it): 64 MiB judges as 256 did.
	SIZES=${BENCH_SIZES:-2,64}
	# icount needs TCG, which then runs the vCPUs in one host thread; one
	# vCPU, so one node (two hang the boot under -icount here).
	export ACCEL=tcg GUEST_CPUS=1 GUEST_NODES=1
	# What the host could make differ from boot to boot, the guest does
	# without, as far as the bench knows (it is still not deterministic:
	# docs/bench.md): random numbers (the arch file's CPU has no RDRAND
	# or RDSEED, TCG_CPU_ICOUNT: with them the series' 64 MiB file reads
	# took 1032 or 1056 ms by the boot); reads from the host (the ext4
	# image comes in the initramfs, below: from a virtio disk, whose
	# reads complete when the host gets to them, the peer's 2 MiB shmem
	# fallocate() took 10.95 or 11.16 ms by the boot, every pass of a
	# boot alike); the date (the RTC starts at the same one and runs
	# with the instruction count); addresses drawn (norandmaps; nokaslr
	# for a profile whose kernel has KASLR: the default's has none).
	export ICOUNT_CPU=1
	clock="-icount shift=$SHIFT,sleep=off,align=off -rtc base=2026-01-01T00:00:00,clock=vm"
	# A size under 16 MiB runs as many passes as populate 16 MiB (2 MiB:
	# 8 a run), its median taken over them all: one pass of a 2 MiB cell,
	# a few ms, moved by 2% where an event of 1 ms fell into it (two runs,
	# 3 cells of 268 beyond 1%).
	guest_args="wb.bench_ram=1 norandmaps nokaslr wb.bench_min=16"
	export BENCH_CLOCK_DESC="guest time counted in instructions (QEMU -icount shift=$SHIFT,sleep=off: $((1 << SHIFT)) ns each), not wall clock"
	# What two runs of it repeat to, with room (bench/repeat-icount/
	# compare.txt: every cell within 0.49%): a smaller difference from a
	# bar decides nothing, so it is no verdict's reason.
	export BENCH_RESOLUTION=${BENCH_RESOLUTION:-0.01} ;;
wall)
	ROUNDS=${BENCH_ROUNDS:-5}
	SIZES=${BENCH_SIZES:-2,256}
	clock= guest_args=
	export BENCH_CLOCK_DESC="wall clock (the guest's TSC under TCG, with the host's noise)" ;;
*) die "BENCH_CLOCK=$CLOCK: icount or wall" ;;
esac
# The report's reasons for missed bars hold for one clock (bench/misses.tsv).
export BENCH_CLOCK=$CLOCK
OUT=$BUILD/bench
[ "$PROFILE" = default ] || OUT=$BUILD/bench-$PROFILE
[ "$CLOCK" = icount ] || OUT=$OUT-$CLOCK
OUT=${BENCH_OUT:-$OUT}
mkdir -p "$OUT"
max=$(echo "$SIZES" | tr , '\n' | sort -n | tail -n 1)
DISK_UUID=6d616476-706f-7075-6c61-746562656e63
# The ext4 image (2 x the largest size + 256 MiB) in a newc cpio: under 4 GiB.
[ "$CLOCK" != icount ] || [ $((2 * max + 256)) -lt 4096 ] ||
	die "BENCH_SIZES=$SIZES: the ext4 image would not fit a cpio (the largest size at most 1919 MiB)"
case "$ROUNDS$RUNS" in *[!0-9]*) die "BENCH_ROUNDS and BENCH_RUNS are numbers" ;; esac

# kernel_path NAME: the kernel image of a kernel of BENCH_KERNELS.
kernel_path() {
	case $1 in
	series) echo "$(objdir)/$KIMAGE" ;;
	peer) echo "$(objdir peer-6.1)/$KIMAGE" ;;
	*=*) echo "${1#*=}" ;;
	*) die "BENCH_KERNELS: unknown kernel $1 (series, peer or NAME=PATH)" ;;
	esac
}
names=
for k in $KERNELS; do
	[ -f "$(kernel_path "$k")" ] || die "no $k kernel at $(kernel_path "$k")"
	names="$names ${k%%=*}"
done

# boot_round NAME PATH ROUND: one boot, every cell BENCH_RUNS times.
boot_round() {
	local name=$1 kernel=$2 round=$3 img=$OUT/disk/bench-disk.img pid n last
	local logs disk extra
	logs=$(logdir bench "$name-$LOG_TAG")
	rm -rf "$OUT/disk" "$OUT/disk.cpio.gz"
	mkdir -p "$OUT/disk"
	truncate -s $((2 * max + 256))M "$img" || die "making $img failed"
	# 4 KiB blocks, as on a real disk (mke2fs picks 1 KiB for a small one);
	# inode tables and journal written now, not by the guest's ext4lazyinit
	# thread in the background while the cells run.  The same UUID and
	# directory hash seed in every boot, which mke2fs draws at random:
	# nothing of the disk but its timestamps differs from boot to boot.
	mkfs.ext4 -q -F -b 4096 -U "$DISK_UUID" \
		-E lazy_itable_init=0,lazy_journal_init=0,hash_seed="$DISK_UUID" "$img" >/dev/null ||
		die "mkfs.ext4 $img failed"
	# Instruction-counted: the image goes in with the initramfs, a cpio
	# appended to it (the guest mounts it from a loop device), not on a
	# virtio disk, whose reads complete when the host gets to them, at an
	# instruction count that differs from boot to boot.  Wall clock: a
	# virtio disk.
	disk= extra=
	if [ "$CLOCK" = icount ]; then
		extra=$OUT/disk.cpio.gz
		(cd "$OUT/disk" && echo bench-disk.img | cpio -o -H newc -R 0:0 --quiet -F ../disk.cpio) &&
			gzip -1 -f "$OUT/disk.cpio" || die "packing the ext4 image into a cpio failed"
		rm -f "$img"
	else
		disk="-drive file=$img,if=virtio,format=raw"
	fi
	echo "bench: round $round/$ROUNDS: $name; progress in $logs/ktap.log"
	KERNEL=$kernel TAG=$name-$LOG_TAG GUEST_MEM=${BENCH_MEM:-3G} \
		GUEST_TIMEOUT=${GUEST_TIMEOUT:-7200} \
		EXTRA_CPIO=$extra \
		QEMU_EXTRA="$disk $clock ${BENCH_QEMU_EXTRA:-}" \
		CMDLINE_EXTRA="wb.bench_sizes=$SIZES wb.bench_runs=$RUNS wb.bench_warmup=1 $guest_args ${BENCH_CMDLINE_EXTRA:-}" \
		"$TOP/scripts/boot.sh" list bench &
	pid=$!
	# Progress: the guest's "# ... done" lines, a few at a time.
	while kill -0 $pid 2>/dev/null; do
		sleep 30
		n=$(tr -d '\r' <"$logs/ktap.log" 2>/dev/null | grep -c ': done$\|: NA: ' || true)
		last=$(tr -d '\r' <"$logs/ktap.log" 2>/dev/null | grep ': done$\|: NA: ' | tail -n 1 |
			sed 's/^ *# //')
		[ -z "$last" ] || echo "bench: $name: $n cells, last: $last"
	done
	rm -rf "$OUT/disk" "$OUT/disk.cpio.gz"
	wait $pid || die "booting the $name kernel failed (logs in $logs)"
	tr -d '\r' <"$logs/ktap.log" | sed -n 's/^    \([0-9][0-9]*\t[0-9][0-9]*\t\)/\1/p' |
		sed "s/^/$name\t$round\t/" >>"$OUT/results.tsv.tmp"
	if ! verdict_passed "$logs"; then
		cat "$logs/verdict.txt" >&2
		echo "bench: the $name kernel's run failed (NA cells or a splat); logs in $logs" >&2
		return 1
	fi
}

echo "bench: kernels$names; sizes $SIZES MiB; $ROUNDS rounds of $RUNS run(s); clock: $CLOCK"
: >"$OUT/results.tsv.tmp"
rc=0
order=$KERNELS
for round in $(seq "$ROUNDS"); do
	for k in $order; do
		boot_round "${k%%=*}" "$(kernel_path "$k")" "$round" || rc=1
	done
	order=$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' ')
done
{
	printf 'kernel\tround\trun\tsize_mib\tmapping\tbacking\tmethod\tms\n'
	cat "$OUT/results.tsv.tmp"
} >"$OUT/results.tsv"
rm -f "$OUT/results.tsv.tmp"
BENCH_CMD="BENCH_CLOCK=$CLOCK${clock:+ BENCH_SHIFT=$SHIFT} BENCH_MEM=${BENCH_MEM:-3G} BENCH_SIZES=$SIZES BENCH_ROUNDS=$ROUNDS BENCH_RUNS=$RUNS BENCH_KERNELS=\"$KERNELS\" make bench" \
	"$TOP/scripts/bench-report.py" "$OUT/results.tsv" || rc=1
exit $rc
