# kselftest-ktap.awk: the output of run_kselftest.sh -t vm:run_vmtests as
# the workbench's KTAP (what a guest list prints), for the verdict.
#
#   awk -v known=FILE -f kselftest-ktap.awk OUTPUT
#
# run_vmtests runs one program after another, each between "running NAME"
# and "[PASS]", "[FAIL]" or "[SKIP]"; the runner prefixes all of it with
# "# ".  Each program becomes a result of its own, "# wb: begin NAME"
# before it, and the TAP results that the program printed itself (the
# series' selftests do) are nested under it.  Everything else is kept as
# comments.  A program that failed and is listed in FILE ("NAME<TAB>why"
# lines: the base's tests that cannot pass in this guest, for reasons
# outside the series) is a skip with that reason.  A program that never
# ended is a failure; the runner's own result comes last: a timeout fails,
# and so does a failure that no failed program explains.  Plain awk: mawk,
# gawk and busybox run it.  Line by line, flushed: a run that hangs shows
# how far it got.

function result(ok, dir) {
	printf "%s %d %s%s\n", ok ? "ok" : "not ok", ++n, name, dir == "" ? "" : " # " dir
	fflush()
	failed += !ok
	name = ""
}

BEGIN {
	while (known != "" && (getline line < known) > 0) {
		if (line ~ /^#/ || index(line, "\t") == 0)
			continue
		why[substr(line, 1, index(line, "\t") - 1)] = substr(line, index(line, "\t") + 1)
	}
	print "KTAP version 1"
}

{ sub(/\r$/, "") }

/^# running / {
	if (name != "")
		result(0, "no result: the next program started")
	name = substr($0, 11)
	printf "# wb: begin %s: run_vmtests\n", name
	fflush()
	next
}

name != "" && /^# \[(PASS|FAIL|SKIP)\]$/ {
	if ($0 == "# [PASS]")
		result(1, "")
	else if ($0 == "# [SKIP]")
		result(1, "SKIP")
	else if (name in why) {
		known_failures++
		result(1, "SKIP known failure here: " why[name])
	} else
		result(0, "")
	next
}

# A program's own TAP results, one level down.
name != "" && /^# (not )?ok [0-9]+/ {
	print "    " substr($0, 3)
	fflush()
	next
}

# The runner's own result for run_vmtests as a whole.
/^(not )?ok [0-9]+ selftests: / {
	runner = $0
	next
}

{ print "# | " $0; fflush() }

END {
	if (name != "")
		result(0, "no result: run_vmtests stopped while it ran")
	# The runner's result for run_vmtests as a whole: its exit status is
	# not 0 for a known failure too.
	print "# wb: begin run_kselftest.sh: the runner"
	name = "run_kselftest.sh"
	dir = substr(runner, index(runner, " # ") + 3)
	if (runner == "")
		result(0, "no result from the runner")
	else if (runner ~ / # TIMEOUT/)
		result(0, dir)
	else if (runner !~ /^not ok/)
		result(1, "")
	else if (failed)
		result(0, dir ", for the failures above")
	else if (known_failures)
		result(1, dir ", for the known failures above")
	else
		result(0, dir ", and no program in run_vmtests failed")
	printf "1..%d\n", n
}
