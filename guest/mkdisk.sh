#!/bin/sh
# mkdisk.sh DIR: mount an ext4 filesystem at DIR.  Idempotent.
# The filesystem is /dev/vda when the host attached a disk (make bench),
# else a copy of the 16 MiB image that the initramfs carries, on a loop
# device: every DIR a filesystem of its own, so that a test that fails
# the device's I/O on purpose (-i DIR) cannot leave the others' read-only.
set -e
dir=${1:?usage: mkdisk.sh DIR}
grep -q " $dir " /proc/mounts && exit 0
mkdir -p "$dir"
if [ -b /dev/vda ]; then
	mount -t ext4 /dev/vda "$dir"
else
	img=/etc/wb/disk$(echo "$dir" | tr / -).img
	cp /etc/wb/disk.img "$img"
	mount -t ext4 -o loop "$img" "$dir"
fi
