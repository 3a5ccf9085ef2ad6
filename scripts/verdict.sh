#!/bin/bash
# verdict.sh LOGDIR: decide a guest run.  The one judging step: boot.sh
# writes its output to LOGDIR/verdict.txt, which report.sh, boot.sh exec
# and bench.sh read.
#
# LOGDIR holds console.log (the kernel's console), ktap.log (the guest's
# KTAP port), status (an exec's exit status, from a port of its own) and
# mode (list, exec or ktap; list when missing).  For a list, counts results from
# the KTAP log: a program's own TAP results (nested under it) when it
# printed any, else the program's result.  For exec, whose output is the
# command's own and not KTAP, only the end-of-run sentinel counts.  A ktap
# run is an exec whose command prints what a list prints (make kselftest):
# judged like a list, and a non-zero exit status of the command fails.
# Then scans the console log for kernel splats, naming the test whose marker
# was the last one seen before it.  A missing end-of-run sentinel is a crash.
#
# Prints the failures and skips with their reasons, then as the very last
# line "N passed, N failed, N skipped".  Exit 0 iff nothing failed.
set -eu
[ $# = 1 ] || { echo "usage: $0 LOGDIR" >&2; exit 2; }
console=$1/console.log ktap=$1/ktap.log
[ -r "$console" ] || { echo "error: no console log $console" >&2; exit 2; }
[ -r "$ktap" ] || ktap=/dev/null
mode=$(cat "$1/mode" 2>/dev/null || echo list)
status=$(tr -d '\r' 2>/dev/null <"$1/status" | grep -x '[0-9]*' | tail -n 1 || true)

# What a kernel splat's first line has, one pattern each (extended regex);
# tests/verdict/ has a real kernel's log for every one (run.sh checks).
# RCU: 5.10 prints "rcu: INFO: rcu_sched self-detected stall on CPU" and
# "rcu: INFO: rcu_sched detected stalls on CPUs/tasks".
SPLATS='BUG:|WARNING:|Oops|Kernel panic|general protection fault|KASAN|UBSAN|possible circular locking|possible recursive locking|Bad page|Bad rss-counter|blocked for more than|soft lockup|rcu: INFO: .* stall'

{
	# Pass 1: the console log.  "S<tab>test<tab>line" for each splat.
	tr -d '\r' <"$console" | awk -v re="$SPLATS" '
		/wb: begin test / { sub(/.*wb: begin test /, ""); cur = $0; next }
		/wb: end test /   { cur = ""; next }
		$0 ~ re && !seen[cur]++ {
			line = $0; sub(/^\[ *[0-9.]+\] /, "", line)
			printf "S\t%s\t%s\n", (cur == "" ? "(no test: boot or shutdown)" : cur), line
		}'
	echo "K"
	if [ "$mode" = exec ]; then
		tr -d '\r' <"$ktap" | grep -x '# wb: end of run' || true
	else
		tr -d '\r' <"$ktap"
	fi
} | awk -v mode="$mode" -v status="$status" '
function result(line, name, indent,   ok, dir) {
	ok = line !~ /^ *not ok/
	dir = ""
	if (match(line, / # .*/))
		dir = substr(line, RSTART + 3)
	if (ok && tolower(dir) ~ /^skip/)
		return "skip\t" dir
	return (ok ? "pass" : "fail") "\t" dir
}
function emit(kind, what) {
	n[kind]++
	if (kind != "pass")
		lines[++nl] = sprintf("%-4s %s", toupper(kind), what)
}
BEGIN { FS = "\n"; phase = "console" }
phase == "console" && /^S\t/ {
	split($0, f, "\t"); splat[++ns] = "kernel splat while running " f[2] ": " f[3]; next
}
phase == "console" && /^K$/ { phase = "ktap"; next }
phase == "console" { next }
/^1\.\.[0-9]+$/ && !planned { planned = substr($0, 4) + 0; next }
/^# wb: begin / { cur = $0; sub(/^# wb: begin /, "", cur); sub(/: .*/, "", cur); sub_n = sub_fail = 0; lastout = ""; next }
/^# wb: end of run$/ { sentinel = 1; next }
/^    (not )?ok [0-9]+/ {
	split(result($0), r, "\t"); sub_n++
	desc = $0; sub(/^ *(not )?ok [0-9]+ *(- )?/, "", desc); sub(/^#.*| # .*/, "", desc)
	if (r[1] == "fail") sub_fail++
	if (r[2] != "")
		desc = desc == "" ? r[2] : desc " (" r[2] ")"
	emit(r[1], cur ": " desc)
	next
}
/^    / { s = $0; sub(/^    /, "", s); if (s !~ /^ *$/) lastout = s; next }
/^(not )?ok [0-9]+ / {
	split(result($0), r, "\t"); done[cur] = 1; nres++
	if (sub_n == 0)
		emit(r[1], cur ": " (r[2] != "" ? r[2] : "") \
		     (r[1] != "pass" && lastout != "" ? " -- " lastout : ""))
	else if (r[1] == "fail" && sub_fail == 0)
		emit("fail", cur ": program failed after its tests passed (" r[2] ")")
	cur = ""
	next
}
END {
	if (cur != "" && !(cur in done))
		emit("fail", cur ": no result (the guest died while it ran)")
	if (mode == "ktap" && status != "" && status != "0")
		emit("fail", "the command exited with status " status)
	else if (mode == "ktap" && status == "" && sentinel)
		emit("fail", "the command sent no exit status")
	if (!sentinel)
		emit("fail", "guest did not reach the end of the run (crash, panic or timeout)")
	else if (planned && nres < planned)
		emit("fail", "only " nres " of " planned " programs reported")
	for (i = 1; i <= ns; i++)
		emit("fail", splat[i])
	for (i = 1; i <= nl; i++)
		print lines[i]
	printf "%d passed, %d failed, %d skipped\n", n["pass"], n["fail"], n["skip"]
	exit n["fail"] > 0
}'
