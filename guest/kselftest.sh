#!/bin/sh
# kselftest.sh INSTALL KNOWN: run a kselftest install of the vm selftests as
# a developer does (run_kselftest.sh), then the workbench's verification
# programs (INSTALL/workbench), in the guest of 'make kselftest'
# (boot.sh ktap, on the host's root), and print the results as the
# workbench's KTAP (guest/kselftest-ktap.awk; KNOWN: the base's known
# failures).  The install is read-only here and run_vmtests writes next to
# itself (mkdir ./huge): it runs from a copy in /tmp.  The guest is thrown
# away afterwards, so the series' invasive cases run too, with swap on zram.
set -u
install=${1:?usage: kselftest.sh INSTALL KNOWN}
known=${2:?usage: kselftest.sh INSTALL KNOWN}
here=$(dirname "$0")
work=/tmp/kselftest
rm -rf "$work"
cp -a "$install" "$work" || { echo "kselftest.sh: cannot copy $install"; exit 1; }
# Swap, as most machines have: the series' swapped-out page states need it.
"$here/swap.sh" 256M || echo "kselftest.sh: no swap; swapped-out states will skip"
# The workbench's verification programs after run_vmtests, in its format
# ("running NAME", the output, [PASS]/[FAIL]/[SKIP]) and with the runner's
# "# " prefix, so that kselftest-ktap.awk reads them the same way.
workbench() {
	echo 160 >/proc/sys/vm/nr_hugepages
	# An ext4 image on a loop device for the file and I/O-error cases
	# (the host's root has no /etc/wb/disk.img for mkdisk.sh, and is
	# read-only: all of it under /tmp).  Without it they are given a
	# directory that does not exist, and the file cases fail.
	disk=/tmp/wb-disk
	mkdir -p "$disk"
	{ truncate -s 64M /tmp/wb-disk.img && mkfs.ext4 -q -F /tmp/wb-disk.img &&
	  mount -t ext4 -o loop /tmp/wb-disk.img "$disk"; } || {
		echo "kselftest.sh: no ext4 at $disk; the file cases will fail"
		disk=/tmp/wb-no-disk
	}
	for p in "madv_populate_cases -i $disk" "madv_populate_hostile -i $disk" \
		"madv_populate_promise -d $disk" "madv_populate_footprint -d $disk"; do
		echo "running ${p%% *}"
		"$work/workbench/"$p
		case $? in
		0) echo "[PASS]" ;;
		4) echo "[SKIP]" ;;
		*) echo "[FAIL]" ;;
		esac
	done 2>&1 | sed 's/^/# /'
}
# Line by line: a run that hangs shows how far it got.
{ (cd "$work" && ./run_kselftest.sh -t vm:run_vmtests) 2>&1; workbench; } |
	awk -v known="$known" -f "$here/kselftest-ktap.awk"
