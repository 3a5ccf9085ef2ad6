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
# BENCH_SIZES=2,256 (MiB)  BENCH_ROUNDS=5  BENCH_RUNS=1  BENCH_MEM=3G
# BENCH_KERNELS="series peer" (also NAME=PATH-TO-bzImage, e.g. an older
# build of the series)
set -eu
. "$(dirname "$0")/lib.sh"
need mkfs.ext4 truncate

# arm64 would need the disk on virt's virtio-mmio and a peer built for it.
[ "$WB_ARCH" = x86_64 ] || die "make bench runs x86_64 guests only, not ARCH=$WB_ARCH (yet)"

SIZES=${BENCH_SIZES:-2,256}
ROUNDS=${BENCH_ROUNDS:-5}
RUNS=${BENCH_RUNS:-1}
KERNELS=${BENCH_KERNELS:-series peer}
OUT=$BUILD/bench
[ "$PROFILE" = default ] || OUT=$BUILD/bench-$PROFILE
mkdir -p "$OUT"
max=$(echo "$SIZES" | tr , '\n' | sort -n | tail -n 1)
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
	local name=$1 kernel=$2 round=$3 img=$OUT/disk.img pid n last
	local logs
	logs=$(logdir bench "$name-$LOG_TAG")
	rm -f "$img"
	truncate -s $((2 * max + 256))M "$img"
	mkfs.ext4 -q -F "$img" >/dev/null
	echo "bench: round $round/$ROUNDS: $name; progress in $logs/ktap.log"
	KERNEL=$kernel TAG=$name-$LOG_TAG GUEST_MEM=${BENCH_MEM:-3G} \
		GUEST_TIMEOUT=${GUEST_TIMEOUT:-7200} \
		QEMU_EXTRA="-drive file=$img,if=virtio,format=raw" \
		CMDLINE_EXTRA="wb.bench_sizes=$SIZES wb.bench_runs=$RUNS" \
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
	rm -f "$img"
	wait $pid || die "booting the $name kernel failed (logs in $logs)"
	tr -d '\r' <"$logs/ktap.log" | sed -n 's/^    \([0-9][0-9]*\t[0-9][0-9]*\t\)/\1/p' |
		sed "s/^/$name\t$round\t/" >>"$OUT/results.tsv.tmp"
	if ! verdict_passed "$logs"; then
		cat "$logs/verdict.txt" >&2
		echo "bench: the $name kernel's run failed (NA cells or a splat); logs in $logs" >&2
		return 1
	fi
}

echo "bench: kernels$names; sizes $SIZES MiB; $ROUNDS rounds of $RUNS run(s)"
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
BENCH_CMD="BENCH_SIZES=$SIZES BENCH_ROUNDS=$ROUNDS BENCH_RUNS=$RUNS BENCH_KERNELS=\"$KERNELS\" make bench" \
	"$TOP/scripts/bench-report.py" "$OUT/results.tsv" || rc=1
exit $rc
