#!/bin/sh
# mkdisk.sh DIR: mount an ext4 filesystem at DIR.  Idempotent.
# The filesystem is /dev/vda when the host attached a disk (make bench),
# else the 16 MiB image that the initramfs carries, on a loop device.
set -e
dir=${1:?usage: mkdisk.sh DIR}
grep -q " $dir " /proc/mounts && exit 0
mkdir -p "$dir"
if [ -b /dev/vda ]; then
	mount -t ext4 /dev/vda "$dir"
else
	mount -t ext4 -o loop /etc/wb/disk.img "$dir"
fi
