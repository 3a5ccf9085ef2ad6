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
#                  inconclusive; the MISS stays; with its own reasons
#                  (misses.tsv; BENCH_CLOCK from its file 'clock-name'):
#                  the MISS shown with the first line that matches it
# cover-table.txt, where the case has expected-cover-table.txt: the
# series' and the peer's time per page for the cover letter.
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
# Then scripts/bench-profile.py, make bench-profile's accounting (profile/:
# two made-up kernels' System.map, regions and cells): a block charged to
# the symbol it starts in (at or past the symbol's address; data symbols
# and user space apart, a block past every symbol outside kernel text), a
# cell of two passes their mean, per 4 KiB page, the summary of groups,
# the difference column (expected.md, expected.tsv); and a profile with a
# region fewer than its cells is refused.
set -u
here=$(cd "$(dirname "$0")" && pwd)
judge=${BENCH_REPORT:-$here/../../scripts/bench-report.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for case in . three-kernels resolution; do
	rm -rf "${tmp:?}"/*
	cp "$here/$case/results.tsv" "$tmp/"
	clock= res= name= misses=/dev/null
	[ ! -f "$here/$case/clock" ] || clock=$(cat "$here/$case/clock")
	[ ! -f "$here/$case/resolution" ] || res=$(cat "$here/$case/resolution")
	[ ! -f "$here/$case/clock-name" ] || name=$(cat "$here/$case/clock-name")
	[ ! -f "$here/$case/misses.tsv" ] || misses=$here/$case/misses.tsv
	got=$(BENCH_RESULTS="" BENCH_CLOCK_DESC=$clock BENCH_RESOLUTION=$res \
		BENCH_CLOCK=$name BENCH_MISSES=$misses BENCH_CMD="make bench" \
		"$judge" "$tmp/results.tsv" 2>&1 >/dev/null |
		grep '^bench: ' | grep -v '^bench: /'; echo "exit ${PIPESTATUS[0]}"; cat "$tmp/table.md")
	bad=
	[ "$got" = "$(cat "$here/$case/expected")" ] || bad=table.md
	if [ -f "$here/$case/expected-ratios.tsv" ] &&
		! cmp -s "$tmp/ratios.tsv" "$here/$case/expected-ratios.tsv"; then
		bad="$bad ratios.tsv"
	fi
	if [ -f "$here/$case/expected-cover-table.txt" ] &&
		! cmp -s "$tmp/cover-table.txt" "$here/$case/expected-cover-table.txt"; then
		bad="$bad cover-table.txt"
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
	[ ! -f "$here/$case/expected-cover-table.txt" ] ||
		diff "$tmp/cover-table.txt" "$here/$case/expected-cover-table.txt" | sed 's/^/    /'
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
prof=${BENCH_PROFILE:-$here/../../scripts/bench-profile.py}
rm -rf "${tmp:?}"/*
cp -r "$here/profile/series" "$here/profile/peer" "$tmp/"
if "$prof" "$tmp" 1 series="$here/profile/series.map" peer="$here/profile/peer.map" >/dev/null &&
	cmp -s "$tmp/profile.md" "$here/profile/expected.md" &&
	cmp -s "$tmp/profile.tsv" "$here/profile/expected.tsv"; then
	echo "bench-profile test: passed"
else
	failed=1
	echo "bench-profile test FAILED:"
	diff "$tmp/profile.md" "$here/profile/expected.md" | sed 's/^/    /'
	diff "$tmp/profile.tsv" "$here/profile/expected.tsv" | sed 's/^/    /'
fi
sed -i '$d' "$tmp/peer/regions.txt" && sed -i '$d' "$tmp/peer/regions.txt" && sed -i '$d' "$tmp/peer/regions.txt"
got=$("$prof" "$tmp" 1 series="$here/profile/series.map" peer="$here/profile/peer.map" 2>&1; echo "exit $?")
if [ "$got" = "error: peer: 2 regions profiled for 3 cells measured
exit 1" ]; then
	echo "bench-profile test (a region missing): passed"
else
	failed=1
	echo "bench-profile test (a region missing) FAILED: $got"
fi
exit $failed
