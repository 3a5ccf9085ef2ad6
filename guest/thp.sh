#!/bin/sh
# thp.sh MODE COMMAND...: run COMMAND with transparent huge pages in MODE
# (always, madvise, never), then put the mode back.  Exits with COMMAND's
# status.
knob=/sys/kernel/mm/transparent_hugepage/enabled
mode=${1:?usage: thp.sh MODE COMMAND...}
shift
old=$(sed 's/.*\[\(.*\)\].*/\1/' "$knob") || exit 1
echo "$mode" >"$knob" || exit 1
"$@"
rc=$?
echo "$old" >"$knob"
exit $rc
