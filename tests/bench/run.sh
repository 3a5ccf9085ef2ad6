#!/bin/bash
# Test of scripts/bench-report.sh, the step that judges make bench: a
# made-up results.tsv (5 rounds, one cell, values chosen to land on each
# verdict) and what the report must print and write about it (expected:
# its messages, exit status, then table.md).
# What it pins: ratios taken within a run, spread without the highest and
# lowest fifth, ok / MISS / inconclusive, NA runs left out, only the
# largest size judged.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/results.tsv" "$tmp/"
got=$(BENCH_RESULTS="" "$here/../../scripts/bench-report.sh" "$tmp/results.tsv" 2>&1 >/dev/null |
	grep '^bench: ' | grep -v '^bench: /'; echo "exit ${PIPESTATUS[0]}"; cat "$tmp/table.md")
if [ "$got" = "$(cat "$here/expected")" ]; then
	echo "bench-report test: passed"
else
	echo "bench-report test FAILED; expected:"
	sed 's/^/    /' "$here/expected"
	echo "got:"
	echo "$got" | sed 's/^/    /'
	exit 1
fi
