#!/bin/bash
# Test of scripts/bench-report.py, the step that judges make bench, on
# made-up results.  A case is a results.tsv and what the judge must print
# and write about it (expected: its messages, exit status, then table.md;
# expected-ratios.tsv, where there is one: ratios.tsv).
#   .              5 rounds, one cell, values chosen to land on each verdict
#   three-kernels  series, peer and a third kernel, two sizes, four cells,
#                  NA runs, a clock (its file: the clock line and the
#                  per-page table); its expected files were first written
#                  by the awk judge that the Python one replaced
#   resolution     the results of '.' judged at a 5% resolution (its file
#                  'resolution': BENCH_RESOLUTION): the two cells whose
#                  spread reaches 1.03 over a 1.00 bar are ok, not
#                  inconclusive; the MISS stays
# What they pin: ratios taken within a run, spread without the highest and
# lowest fifth, ok / MISS / inconclusive, bars and goals apart, NA runs left out, only the
# largest size judged, every table of table.md.
# BENCH_REPORT=PROGRAM tests another implementation of the judge.
# Then scripts/bench-gate.py, make bench-gate's judge (gate/*: results.tsv
# and the lines and exit status it must give):
#   gate/pass           a real gate run (2026-12-06): the series within its
#                       limits, the perf mutant caught
#   gate/series-slow    the same, the series' shared memfd READ 10% slower:
#                       over the default 1.07 limit, the gate fails
#   gate/mutant-missed  the same, the mutant's times the series': a perf
#                       mutant the gate does not catch fails it
set -u
here=$(cd "$(dirname "$0")" && pwd)
judge=${BENCH_REPORT:-$here/../../scripts/bench-report.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for case in . three-kernels resolution; do
	rm -rf "${tmp:?}"/*
	cp "$here/$case/results.tsv" "$tmp/"
	clock= res=
	[ ! -f "$here/$case/clock" ] || clock=$(cat "$here/$case/clock")
	[ ! -f "$here/$case/resolution" ] || res=$(cat "$here/$case/resolution")
	got=$(BENCH_RESULTS="" BENCH_CLOCK_DESC=$clock BENCH_RESOLUTION=$res \
		"$judge" "$tmp/results.tsv" 2>&1 >/dev/null |
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
gate=${BENCH_GATE:-$here/../../scripts/bench-gate.py}
for case in pass series-slow mutant-missed; do
	got=$("$gate" "$here/gate/$case/results.tsv" 1.07; echo "exit $?")
	if [ "$got" = "$(cat "$here/gate/$case/expected")" ]; then
		echo "bench-gate test $case: passed"
		continue
	fi
	failed=1
	echo "bench-gate test $case FAILED:"
	diff <(echo "$got") "$here/gate/$case/expected" | sed 's/^/    /'
done
exit $failed
