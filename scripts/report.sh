#!/bin/bash
# report.sh NAME: show what guest/NAME.list printed and the verdict on it.
# The verdict's last line, "N passed, N failed, N skipped", is the last
# line printed; the exit status is the verdict's.
set -eu
. "$(dirname "$0")/lib.sh"

LOGS=$(logdir "${1:?usage: report.sh NAME}")
[ -f "$LOGS/console.log" ] || die "no logs in $LOGS; boot first"
if [ "${1}" = run ] || [ -n "${VERBOSE:-}" ]; then
	tr -d '\r' <"$LOGS/ktap.log" | sed -n 's/^    //p'
fi
tr -d '\r' <"$LOGS/ktap.log" | grep '^\(not \)\?ok \|wb: .* took \|^# wb: guest: ' | sed 's/^# wb: /  /' || true
[ -f "$LOGS/verdict.txt" ] || die "no verdict in $LOGS; boot again"
echo "logs: $LOGS (console.log: kernel, ktap.log: tests)"
cat "$LOGS/verdict.txt"
verdict_passed "$LOGS"
