#!/bin/bash
# make mutants: prove that the series' tests can fail.  Each mutants/*.patch
# is a deliberate breakage of the series' kernel code; for each one, build
# the series with it applied and run the series' own selftests
# (guest/series.list).  The suite must fail for every mutant: a survivor is
# a missing or weak test, unless its patch carries a line "Equivalent: WHY"
# saying why no test can tell it from the series.
#
# The unbroken series runs first and must pass.  The tree is a worktree of
# build/linux in build/mutant-src, the kernel builds in build/obj-mutant
# (build/obj-mutant-bullseye with TOOLCHAIN=bullseye),
# each run's logs go to build/logs/series-mutant-NAME/.  The table of
# results is written to mutants/results.md, which this regenerates.
#
# MUTANTS="03 09" runs only the mutants whose names start so (table in
# build/mutants.md).
# mutants.sh --check DIR: only check that every mutant applies to the tree
# DIR (make check does that, so that the list cannot rot).
# mutants.sh --table: write the table from the rows of the last run (one
# that was cut short, say).
set -eu
. "$(dirname "$0")/lib.sh"
need git

MUT=$TOP/mutants

# check_apply DIR: every mutant applies to the git tree DIR, the perf
# mutants of make bench-gate (mutants/perf/) too.
check_apply() {
	local m bad=0
	for m in "$MUT"/*.patch "$MUT"/perf/*.patch; do
		git -C "$1" apply --check "$m" 2>/dev/null || {
			echo "mutant $(basename "$m") does not apply to the series any more" >&2
			bad=1
		}
	done
	return $bad
}

if [ "${1:-}" = --check ]; then
	check_apply "${2:?usage: mutants.sh --check DIR}"
	exit
fi

LINUX=$BUILD/linux
WT=$BUILD/mutant-src
OBJ=$BUILD/obj-mutant$TSFX
# write_table ROWS: the table of the mutants run so far, in
# mutants/results.md, or build/mutants.md for a subset (MUTANTS=...),
# which does not replace the table of the whole list.  Written after
# every mutant: a run cut short leaves the table of what it ran, saying so.
write_table() {
	local table=$MUT/results.md done total
	[ -z "${MUTANTS:-}" ] || table=$BUILD/mutants.md
	done=$(grep -c . "$1" || true)
	total=$(ls "$MUT"/*.patch | wc -l)
	{
		echo "# Mutants of the series and the tests that kill them"
		echo
		echo "Written by \`make mutants\` ($(date -u +%Y-%m-%d), series $(git -C "$LINUX" rev-parse --short HEAD),"
		echo "default profile, $TOOLCHAIN toolchain, suite \`guest/series.list\`). Each mutant is \`mutants/NAME.patch\`"
		echo "applied on top of the series; \"killed by\" lists the first tests that failed."
		[ -n "${MUTANTS:-}" ] || [ "$done" = "$total" ] ||
			echo "The run was cut short: $done of $total mutants ran."
		echo
		echo "| mutant | what it breaks | result | killed by |"
		echo "|---|---|---|---|"
		cat "$1"
	} >"$table"
	echo "table: $table"
}

rows=$BUILD/mutants.rows
# mutants.sh --table: the table again from the rows of the last run.
if [ "${1:-}" = --table ]; then
	[ -s "$rows" ] || die "no mutant has run yet"
	write_table "$rows"
	exit
fi
# Either compiler of the default profile: TOOLCHAIN=bullseye reuses the
# ccache of CI's 'TOOLCHAIN=bullseye make test' (a mutant is a relink).
[ "$PROFILE" = default ] && [ "$WB_ARCH" = x86_64 ] &&
	{ [ "$TOOLCHAIN" = host ] || [ "$TOOLCHAIN" = bullseye ]; } ||
	die "make mutants runs the default profile's x86_64 kernel (TOOLCHAIN=host or bullseye) only"
git -C "$LINUX" rev-parse -q --verify base >/dev/null 2>&1 || die "run 'make tree' first"
[ -f "$BUILD/initramfs/initramfs.cpio" ] || die "no initramfs; run 'make initramfs'"

stage "mutants: worktree"
mutant_worktree "$WT"
stage_done

# run NAME [PATCH]: build the worktree (with PATCH applied) and run the
# series' tests.  Prints "passed" or the failing tests, one a line.
run() {
	local name=$1 patch=${2:-} logs blog
	logs=$(logdir series "mutant-$1")
	git -C "$WT" checkout -q -- .
	if [ -n "$patch" ]; then
		git -C "$WT" apply "$patch" || { echo "does not apply"; return; }
	fi
	# A build log per mutant (boot.sh empties the boot's log directory):
	# why one did not build (a warning in the series' files counts) can
	# still be read after the others ran.
	blog=$BUILD/logs/mutant-builds/$name.log
	mkdir -p "$(dirname "$blog")"
	if ! LINUX=$WT OBJ=$OBJ "$TOP/scripts/build.sh" >"$blog" 2>&1; then
		git -C "$WT" checkout -q -- .
		echo "does not build (see $blog)"
		return
	fi
	# wb.stop=1: one failing program kills the mutant; the rest is skipped.
	KERNEL=$OBJ/$KIMAGE TAG=mutant-$name GUEST_TIMEOUT=${GUEST_TIMEOUT:-480} \
		CMDLINE_EXTRA=wb.stop=1 "$TOP/scripts/boot.sh" list series >/dev/null 2>&1 || true
	git -C "$WT" checkout -q -- .
	if verdict_passed "$logs"; then
		echo passed
	else
		sed -n 's/^FAIL //p' "$logs/verdict.txt"
	fi
}

: >"$rows"
fail=0
stage "mutants: the series as it is"
base=$(run none)
echo "series unbroken: $(echo "$base" | head -n 1)"
[ "$base" = passed ] || { echo "$base" >&2; die "the series' own tests fail without a mutant"; }
stage_done

for m in "$MUT"/*.patch; do
	name=$(basename "$m" .patch)
	if [ -n "${MUTANTS:-}" ]; then
		sel=0
		for s in $MUTANTS; do case $name in "$s"*) sel=1 ;; esac; done
		[ $sel = 1 ] || continue
	fi
	what=$(sed -n 's/^Mutant: //p' "$m" | head -n 1 | sed 's/|/\\|/g')
	stage "mutant $name"
	out=$(run "$name" "$m")
	if [ "$out" = passed ]; then
		why=$(sed -n 's/^Equivalent: //p' "$m" | head -n 1)
		if [ -n "$why" ]; then
			res="equivalent: $why"
		else
			res="SURVIVED"
			fail=1
		fi
		by="-"
	elif [ "$out" = "does not apply" ] || [ "${out#does not build}" != "$out" ]; then
		res="BROKEN: $out"
		by="-"
		fail=1
	else
		res="killed"
		n=$(echo "$out" | grep -c .)
		by="$(echo "$out" | head -n 3 | sed 's/|/\\|/g' | paste -sd ';' | sed 's/;/; /g')"
		[ "$n" -le 3 ] || by="$by; and $((n - 3)) more"
	fi
	echo "$name: $res${by:+ ($by)}"
	printf '| %s | %s | %s | %s |\n' "$name" "$what" "$res" "$by" >>"$rows"
	write_table "$rows" >/dev/null
	stage_done
done

write_table "$rows"
[ $fail = 0 ] || die "some mutants survived or did not build; see the table"
echo "every mutant killed"
