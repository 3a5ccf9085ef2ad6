#!/bin/sh
# mkdisk.sh DIR: mount a filesystem on a block device at DIR.  Idempotent.
# The first DIR gets /dev/vda when the host attached a disk (make bench
# under the wall clock), else the 16 MiB ext4 image that the initramfs
# carries, on a loop device.
# Every later DIR gets a filesystem of its own, a 4 MiB ext2 made here (it
# costs the guest 4 MiB of memory, not 16), so that a test that fails the
# device's I/O on purpose (hostile's -i DIR) cannot leave the others'
# read-only.
set -e
dir=${1:?usage: mkdisk.sh DIR}
grep -q " $dir " /proc/mounts && exit 0
mkdir -p "$dir"
if [ ! -e /etc/wb/disk.used ]; then
	: >/etc/wb/disk.used
	if [ -b /dev/vda ]; then
		mount -t ext4 /dev/vda "$dir"
	else
		mount -t ext4 -o loop /etc/wb/disk.img "$dir"
	fi
else
	img=/etc/wb/disk$(echo "$dir" | tr / -).img
	dd if=/dev/zero of="$img" bs=1M count=4 2>/dev/null
	mke2fs -q -F "$img" >/dev/null
	mount -t ext4 -o loop "$img" "$dir"
fi
