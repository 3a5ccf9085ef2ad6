#!/bin/sh
# swap.sh SIZE: swap on the zram device zram0, SIZE big (256M, say), for the
# swapped-out states of madv_populate_promise.  Idempotent.
set -e
grep -q '^/dev/zram0 ' /proc/swaps && exit 0
[ -e /sys/block/zram0/disksize ] || { echo "swap.sh: no zram device (CONFIG_ZRAM)" >&2; exit 1; }
echo "${1:?usage: swap.sh SIZE}" >/sys/block/zram0/disksize
mkswap /dev/zram0 >/dev/null
swapon /dev/zram0
