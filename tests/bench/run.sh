#!/bin/bash
# Test of scripts/bench-report.py, the step that judges make bench, on
# made-up results.  A case is a results.tsv and what the judge must print
# and write about it (expected: its messages, exit status, then table.md;
# expected-ratios.tsv, where there is one: ratios.tsv).
#   .              5 rounds, one cell, values chosen to land on each verdict
#   three-kernels  series, peer and a third kernel, two sizes, four cells,
#                  NA runs; its expected files were written by the awk judge
#                  that the Python one replaced, byte for byte
# What they pin: ratios taken within a run, spread without the highest and
# lowest fifth, ok / MISS / inconclusive, NA runs left out, only the
# largest size judged, every table of table.md.
# BENCH_REPORT=PROGRAM tests another implementation of the judge.
set -u
here=$(cd "$(dirname "$0")" && pwd)
judge=${BENCH_REPORT:-$here/../../scripts/bench-report.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for case in . three-kernels; do
	rm -rf "${tmp:?}"/*
	cp "$here/$case/results.tsv" "$tmp/"
	got=$(BENCH_RESULTS="" "$judge" "$tmp/results.tsv" 2>&1 >/dev/null |
		grep '^bench: ' | grep -v '^bench: /'; echo "exit ${PIPESTATUS[0]}"; cat "$tmp/table.md")
	bad=
	[ "$got" = "$(cat "$here/$case/expected")" ] || bad=table.md
	if [ -f "$here/$case/expected-ratios.tsv" ] &&
		! cmp -s "$tmp/ratios.tsv" "$here/$case/expected-ratios.tsv"; then
		bad="$bad ratios.tsv"
	fi
	if [ -z "$bad" ]; then
		echo "bench-report test $case: passed"
		continue
	fi
	failed=1
	echo "bench-report test $case FAILED ($bad):"
	diff <(echo "$got") "$here/$case/expected" | sed 's/^/    /'
	[ ! -f "$here/$case/expected-ratios.tsv" ] ||
		diff "$tmp/ratios.tsv" "$here/$case/expected-ratios.tsv" | sed 's/^/    /'
done
exit $failed
