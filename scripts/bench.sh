#!/bin/bash
# make bench: run guest/madv_populate_bench on this series' kernel and on
# the peer (peer/peer.conf), both built for $PROFILE, same initramfs, same
# QEMU arguments, each with a fresh ext4 disk; then scripts/bench-report.sh
# writes the table and chart.
#
# BENCH_SIZES=2,512 (MiB)  BENCH_RUNS=5  BENCH_MEM=3G  BENCH_KERNELS="series peer"
set -eu
. "$(dirname "$0")/lib.sh"
need mkfs.ext4 truncate

# arm64 would need the disk on virt's virtio-mmio and a peer built for it.
[ "$WB_ARCH" = x86_64 ] || die "make bench runs x86_64 guests only, not ARCH=$WB_ARCH (yet)"

SIZES=${BENCH_SIZES:-2,512}
RUNS=${BENCH_RUNS:-5}
OUT=$BUILD/bench
[ "$PROFILE" = default ] || OUT=$BUILD/bench-$PROFILE
mkdir -p "$OUT"
max=$(echo "$SIZES" | tr , '\n' | sort -n | tail -n 1)

: >"$OUT/results.tsv.tmp"
rc=0
for k in ${BENCH_KERNELS:-series peer}; do
	case $k in
	series) kernel=$BUILD/$OBJ_NAME/arch/x86/boot/bzImage ;;
	peer) kernel=$BUILD/peer-obj$TSFX-$PROFILE/arch/x86/boot/bzImage ;;
	*) die "BENCH_KERNELS: unknown kernel $k" ;;
	esac
	[ -f "$kernel" ] || die "no $k kernel at $kernel"
	img=$OUT/disk-$k.img
	rm -f "$img"
	truncate -s $((2 * max + 256))M "$img"
	mkfs.ext4 -q -F "$img" >/dev/null
	logs=$BUILD/logs/bench-bench-$k-$PROFILE
	echo "bench: $k kernel, sizes $SIZES MiB, $RUNS runs; progress in $logs/ktap.log"
	KERNEL=$kernel TAG=bench-$k-$PROFILE GUEST_MEM=${BENCH_MEM:-3G} GUEST_TIMEOUT=${GUEST_TIMEOUT:-7200} \
		QEMU_EXTRA="-drive file=$img,if=virtio,format=raw" \
		CMDLINE_EXTRA="wb.bench_sizes=$SIZES wb.bench_runs=$RUNS" \
		"$TOP/scripts/boot.sh" list bench &
	pid=$!
	# Progress: the guest's "# ... done" lines, a few at a time.
	while kill -0 $pid 2>/dev/null; do
		sleep 30
		prog=$(tr -d '\r' <"$logs/ktap.log" 2>/dev/null | grep ': done$\|: NA: ' || true)
		n=$(echo "$prog" | grep -c . || true)
		last=$(echo "$prog" | tail -n 1 | sed 's/^ *# //')
		[ -z "$last" ] || echo "bench: $k: $n cells, last: $last"
	done
	wait $pid || die "booting the $k kernel failed"
	tr -d '\r' <"$logs/ktap.log" | sed -n 's/^    \([0-9][0-9]*\t\)/\1/p' |
		sed "s/^/$k\t/" >>"$OUT/results.tsv.tmp"
	if ! verdict_passed "$logs"; then
		cat "$logs/verdict.txt" >&2
		echo "bench: the $k kernel's run failed (NA cells or a splat); logs in $logs" >&2
		rc=1
	fi
	rm -f "$img"
done
{ printf 'kernel\tsize_mib\tmapping\tbacking\tmethod\tms\n'; cat "$OUT/results.tsv.tmp"; } >"$OUT/results.tsv"
rm -f "$OUT/results.tsv.tmp"
"$TOP/scripts/bench-report.sh" "$OUT/results.tsv"
exit $rc
