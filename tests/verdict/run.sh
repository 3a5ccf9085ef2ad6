#!/bin/bash
# Tests of scripts/verdict.sh: each folder here holds a recorded guest run
# (console.log, ktap.log, mode if not list, status for an exec) and what the
# verdict must say about it (expected: its full output, then "exit N" as the
# last line); and every splat pattern of the verdict must show in one of
# their console logs.  A folder with
# raw (what run_kselftest.sh printed) and known (the known failures) has its
# ktap.log made by guest/kselftest-ktap.awk, as make kselftest makes it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
verdict=$here/../../scripts/verdict.sh
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in "$here"/*/; do
	name=$(basename "$d")
	if [ -f "$d/raw" ]; then
		rm -rf "$tmp/run" && cp -r "$d" "$tmp/run" && d=$tmp/run
		{ awk -v known="$d/known" -f "$here/../../guest/kselftest-ktap.awk" "$d/raw"
		  printf '# wb: end of run\n'; } >"$d/ktap.log"
		[ -f "$d/status" ] || echo 0 >"$d/status"
	fi
	got=$("$verdict" "$d" 2>&1; echo "exit $?")
	if [ "$got" = "$(cat "$d/expected")" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "verdict test $name FAILED; expected:"
		sed 's/^/    /' "$d/expected"
		echo "got:"
		echo "$got" | sed 's/^/    /'
	fi
done
# Every splat pattern of the verdict has a recorded log that shows it
# (tests/verdict/record.sh records them from real kernels).
splats=$(sed -n "s/^SPLATS='\(.*\)'$/\1/p" "$verdict")
[ -n "$splats" ] || { echo "verdict test: no SPLATS= line in $verdict"; fail=$((fail + 1)); }
IFS='|' read -ra patterns <<<"$splats"
for p in "${patterns[@]}"; do
	if cat "$here"/*/console.log | tr -d '\r' | grep -Eq -- "$p"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "verdict test: no recorded log shows the splat pattern '$p' (tests/verdict/record.sh)"
	fi
done
echo "verdict tests: $pass passed, $fail failed"
[ $fail = 0 ]
