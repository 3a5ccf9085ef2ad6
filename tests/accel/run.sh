#!/bin/bash
# Tests of the KVM probe's judging step (scripts/accel.sh --judge): each
# folder here holds a recorded probe (kvm: absent, unwritable or present;
# timeout; rc: QEMU's exit status; qemu.log; ktap.log) and the one line the judge
# must print for it (expected).
set -u
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
for d in "$here"/*/; do
	name=$(basename "$d")
	got=$("$here/../../scripts/accel.sh" --judge "$d" 2>&1)
	if [ "$got" = "$(cat "$d/expected")" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "accel test $name FAILED; expected: $(cat "$d/expected")"
		echo "got: $got"
	fi
done
echo "accel tests: $pass passed, $fail failed"
[ $fail = 0 ]
