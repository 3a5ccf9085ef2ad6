#!/bin/sh
# bench.sh: set up and run madv_populate_bench in the guest.
# Sizes and runs come from the kernel command line (wb.bench_sizes=2,256
# wb.bench_runs=1, set by scripts/bench.sh), default: a smoke run of
# 2 MiB, one run; make bench adds wb.bench_warmup=1 (a pass not reported
# first) and wb.bench_min=MIB (small sizes run several passes a run);
# scripts/bench-profile.sh adds wb.bench_only=CELL,... (those cells alone)
# and wb.bench_mark=1 (the profiler's markers).  The TSV goes to stdout;
# exit 1 if a cell failed.
set -e
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
sizes=$(arg wb.bench_sizes); sizes=${sizes:-2}
runs=$(arg wb.bench_runs); runs=${runs:-1}
# wb.bench_ram=1 (make bench's instruction-counted clock): the ext4 image
# came with the initramfs (/bench-disk.img) and is mounted from a loop
# device: the guest reads nothing from the host, which completes a read
# when it gets to it, not after a count of instructions.
if [ "$(arg wb.bench_ram)" = 1 ] && ! grep -q " /mnt/disk " /proc/mounts; then
	if [ ! -f /bench-disk.img ]; then
		echo "# wb.bench_ram=1 but no /bench-disk.img in the initramfs" >&2
		exit 1
	fi
	mkdir -p /mnt/disk
	mount -t ext4 -o loop /bench-disk.img /mnt/disk
	echo "# disk: /bench-disk.img from the initramfs, mounted from a loop device" >&2
fi
./mkdisk.sh /mnt/disk
# No I/O while a cell runs: no periodic writeback, dirty data never old
# enough to be written, the journal committed only when it must.  Under
# make bench's instruction-counted clock an I/O completes when the host
# gets to it, not after a count of instructions: it made shared file cells
# differ by up to 14% between two runs.
# Every knob this changes is put back at exit (make test runs it too).
wb=$(cat /proc/sys/vm/dirty_writeback_centisecs)
expire=$(cat /proc/sys/vm/dirty_expire_centisecs)
hp=$(cat /proc/sys/vm/nr_hugepages)
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)
trap 'set +e
echo $wb >/proc/sys/vm/dirty_writeback_centisecs
echo $expire >/proc/sys/vm/dirty_expire_centisecs
echo $hp >/proc/sys/vm/nr_hugepages
echo $thp >/sys/kernel/mm/transparent_hugepage/enabled
mount -o remount,commit=5 /mnt/disk' EXIT
echo 0 >/proc/sys/vm/dirty_writeback_centisecs
echo 360000 >/proc/sys/vm/dirty_expire_centisecs
mount -o remount,commit=3600 /mnt/disk
mkdir -p /mnt/huge
grep -q " /mnt/huge " /proc/mounts || mount -t hugetlbfs none /mnt/huge
# Free huge pages for the largest size, plus one, on top of those in use.
max=$(echo "$sizes" | tr , '\n' | sort -n | tail -n 1)
total=$(awk '/^HugePages_Total:/ { print $2 }' /proc/meminfo)
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
echo $((total - free + max / 2 + 1)) >/proc/sys/vm/nr_hugepages
echo madvise >/sys/kernel/mm/transparent_hugepage/enabled
echo "# clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" >&2
only=$(arg wb.bench_only)
min=$(arg wb.bench_min)
set -- -s "$sizes" -n "$runs" -d /mnt/disk -H /mnt/huge
[ -z "$only" ] || set -- "$@" -o "$only"
[ -z "$min" ] || set -- "$@" -m "$min"
[ "$(arg wb.bench_warmup)" != 1 ] || set -- "$@" -w
[ "$(arg wb.bench_mark)" != 1 ] || set -- "$@" -P
./madv_populate_bench "$@"
