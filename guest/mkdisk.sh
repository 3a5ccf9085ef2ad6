#!/bin/sh
# mkdisk.sh DIR: mount a fresh 32 MiB filesystem on a loop device at DIR
# (busybox mke2fs writes ext2; the ext4 driver mounts it).  Idempotent.
set -e
dir=${1:?usage: mkdisk.sh DIR}
grep -q " $dir " /proc/mounts && exit 0
dd if=/dev/zero of=/tmp/disk.img bs=1M count=32 2>/dev/null
mke2fs -F -q /tmp/disk.img
mkdir -p "$dir"
mount -t ext4 -o loop /tmp/disk.img "$dir"
