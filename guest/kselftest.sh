#!/bin/sh
# kselftest.sh INSTALL KNOWN: run a kselftest install of the vm selftests as
# a developer does (run_kselftest.sh), in the guest of 'make kselftest'
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
export MADV_POPULATE_INVASIVE=1
# Swap, as most machines have: the series' swapped-out page states need it.
"$here/swap.sh" 256M || echo "kselftest.sh: no swap; swapped-out states will skip"
# Line by line: a run that hangs shows how far it got.
(cd "$work" && ./run_kselftest.sh -t vm:run_vmtests) 2>&1 |
	awk -v known="$known" -f "$here/kselftest-ktap.awk"
