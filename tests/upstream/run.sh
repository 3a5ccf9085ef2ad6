#!/bin/bash
# Test of scripts/upstream-report.py, the step that judges make upstream,
# on made-up logs (case/): the series' kernel with a failure, a kernel k1
# with a failure classified as upstream's choice, a reproducer's failure
# classified as a bug, a failure nothing explains, a skip the series does
# not have, a row naming a failure that k1 does not have, and two programs
# counted as the verdict counts them (one failed after its tests passed,
# one never finished).  The series' failure, the unexplained ones and the
# stale row must fail the judge.  expected: its messages, exit status, then
# the results file, byte for byte.  Then a row naming a kernel that
# peers/ does not have (case/typo.tsv): the judge must refuse the file.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export UPSTREAM_PEERS=$here/peers
got=$(cd "$here" && python3 ../../scripts/upstream-report.py case/differences.tsv "$tmp/results.md" \
	"made-up logs" series upstream case/series k1 upstream case/k1 2>&1 | sed "s|$tmp/||"
	echo "exit ${PIPESTATUS[0]}"; cat "$tmp/results.md")
if [ "$got" != "$(cat "$here/expected")" ]; then
	echo "upstream-report test FAILED; diff expected got:"
	diff <(cat "$here/expected") <(echo "$got")
	exit 1
fi
got=$(cd "$here" && python3 ../../scripts/upstream-report.py case/typo.tsv "$tmp/results.md" \
	"made-up logs" series upstream case/series k1 upstream case/k1 2>&1; echo "exit $?")
if [ "$got" != "$(printf 'case/typo.tsv:2: no peer/k3.conf\nexit 1')" ]; then
	echo "upstream-report test FAILED: a row naming an unknown kernel; got:"
	echo "$got"
	exit 1
fi
echo "upstream-report tests: 2 passed"
