#!/bin/bash
# Static checks of the series in patches/:
#  - every patch in series exists, and every patch file is in series;
#  - the series applies to the base with 'git am' (exact context, no fuzz);
#  - 'make export' of that result reproduces patches/ byte for byte;
#  - scripts/checkpatch.pl --strict: no error, warning or check, except
#    those the cover letter explains ("checkpatch exception: NNNN MESSAGE");
#  - each patch has a subject, an explanatory body and a Signed-off-by;
#  - each patch has the DEP-3 fields a distribution asks for (Origin,
#    Forwarded, Last-Update), so that Debian's check-patches.sh is silent;
#    a backport names its upstream commit in Origin and in the subject;
#  - the cover letter names every patch, and carries bench/cover-table.txt
#    (make bench's time per page) as it is;
#  - every mutant in mutants/ still applies on top of the series;
#  - scripts/kernel-doc -none has nothing to say about the C files the
#    series touches, and the tree's own Sphinx build of admin-guide/mm
#    renders the series' .rst files without a warning.
set -eu
. "$(dirname "$0")/lib.sh"
need git perl

PATCHES=$TOP/patches
LINUX=$BUILD/linux
WT=$BUILD/check-tree
fail=0
bad() {
	echo "check: $*" >&2
	fail=1
}

git -C "$LINUX" rev-parse -q --verify base >/dev/null 2>&1 || die "run 'make tree' first"
stage "check series"
list=$(series_list "$PATCHES" || true)
for p in $list; do
	[ -f "$PATCHES/$p" ] || bad "series names $p, which is missing"
done
for f in "$PATCHES"/*.patch; do
	[ -e "$f" ] || break
	p=$(basename "$f")
	case "$p" in 0000-cover-letter.patch) continue ;; esac
	echo "$list" | grep -qxF "$p" || bad "$p is not in patches/series"
done
[ $fail = 0 ] || die "series file and patches/ disagree"

# Apply to a clean worktree of the base.
if [ ! -d "$WT/.git" ] && [ ! -f "$WT/.git" ]; then
	rm -rf "$WT"
	git -C "$LINUX" worktree prune
	git -C "$LINUX" worktree add -q --detach "$WT" base
fi
git -C "$WT" am --abort >/dev/null 2>&1 || true
git -C "$WT" checkout -q --detach base
git -C "$WT" reset -q --hard base
for p in $list; do
	git -C "$WT" -c user.name=check -c user.email=check@localhost \
		am -q "$PATCHES/$p" >"$BUILD/check-am.log" 2>&1 || {
		git -C "$WT" am --abort >/dev/null 2>&1 || true
		die "$p does not apply cleanly to the base (see $BUILD/check-am.log)"
	}
done

"$TOP/scripts/mutants.sh" --check "$WT" || bad "mutants/ must apply on top of the series"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
LINUX=$WT "$TOP/scripts/export.sh" "$out" >/dev/null
for f in "$out"/*; do
	cmp -s "$f" "$PATCHES/$(basename "$f")" ||
		bad "patches/$(basename "$f") differs from what 'make export' writes"
done

for p in $list; do
	f=$PATCHES/$p
	# checkpatch runs scripts/spdxcheck.py with "python": the system one,
	# which has python3-ply and python3-git.
	(cd "$WT" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --quiet --no-summary "$f") >"$out/cp.txt" 2>&1 || true
	# Drop the complaints that the cover letter explains, as lines
	# "checkpatch exception: NNNN MESSAGE"; any other one fails.
	grep "^checkpatch exception: ${p%%-*} " "$PATCHES/0000-cover-letter.patch" 2>/dev/null |
		sed "s/^checkpatch exception: ${p%%-*} //" >"$out/exceptions.txt" || true
	awk -v exc="$out/exceptions.txt" '
		BEGIN { while ((getline e < exc) > 0) x[++n] = e; RS = "" }
		{ for (i = 1; i <= n; i++) if (index($0, x[i])) next; print $0 "\n" }' \
		"$out/cp.txt" >"$out/cp-left.txt"
	! grep -q '^\(ERROR\|WARNING\|CHECK\)\|Traceback' "$out/cp-left.txt" ||
		bad "$p: checkpatch --strict complains:$(echo; sed 's/^/    /' "$out/cp-left.txt")"
	grep -q '^Subject: \[PATCH[^]]*\] .' "$f" || bad "$p: no subject"
	grep -q '^Signed-off-by: .* <.*@.*>' "$f" || bad "$p: no Signed-off-by"
	origin=$(sed -n 's/^Origin: //p' "$f")
	case $origin in
	backport,\ http*/[0-9a-f]*)
		sed -n '/^Subject:/,/^$/p' "$f" | grep -q "${origin##*/}" ||
			bad "$p: a backport names its upstream commit ${origin##*/} in the subject" ;;
	vendor|vendor,\ *|upstream,\ http*|other,\ *) ;;
	*) bad "$p: no DEP-3 'Origin: upstream|backport|vendor|other[, URL]' line" ;;
	esac
	grep -q '^Forwarded: \(not-needed\|https\?://\)' "$f" ||
		bad "$p: no DEP-3 'Forwarded: not-needed|URL' line ('no' asks for forwarding)"
	grep -q '^Last-Update: [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]$' "$f" ||
		bad "$p: no DEP-3 'Last-Update: YYYY-MM-DD' line"
	body=$(awk '/^$/ && !h { h = 1; next } h && /^---$/ { exit } h' "$f" |
		grep -v '^\(Signed-off-by\|Cc\|Reviewed-by\|Acked-by\|Tested-by\|Link\|Fixes\|Origin\|Forwarded\|Last-Update\):' |
		grep -c '[a-z]' || true)
	[ "$body" -ge 3 ] || bad "$p: the commit message needs a body (what, why, how tested)"
done

# Documentation: kernel-doc of the touched C files, Sphinx of the pages.
cfiles=$(git -C "$WT" diff --name-only base HEAD -- '*.c' '*.h' | grep -v '^tools/' || true)
if [ -n "$cfiles" ]; then
	(cd "$WT" && perl scripts/kernel-doc -none $cfiles) >"$out/kdoc.txt" 2>&1 || true
	[ ! -s "$out/kdoc.txt" ] || bad "kernel-doc warns:$(echo; sed 's/^/    /' "$out/kdoc.txt")"
fi
rsts=$(git -C "$WT" diff --name-only --diff-filter=AM base HEAD -- 'Documentation/*.rst' | grep -v '/index.rst$' || true)
if [ -n "$rsts" ]; then
	need sphinx-build
	for d in $(echo "$rsts" | xargs -n1 dirname | sort -u); do
		sub=${d#Documentation/}
		make -s -C "$WT" O="$out/doc" SPHINXDIRS="$sub" htmldocs >"$out/sphinx.txt" 2>&1 ||
			bad "Sphinx build of $d failed:$(echo; tail -n 5 "$out/sphinx.txt" | sed 's/^/    /')"
		for r in $rsts; do
			! grep -F "$r" "$out/sphinx.txt" | grep -qi 'warning\|error' ||
				bad "Sphinx warns about $r:$(echo; grep -F "$r" "$out/sphinx.txt" | sed 's/^/    /')"
		done
	done
fi

if [ -n "$list" ]; then
	cover=$PATCHES/0000-cover-letter.patch
	if [ ! -f "$cover" ]; then
		bad "no patches/0000-cover-letter.patch"
	else
		for p in $list; do
			s=$(sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$PATCHES/$p")
			grep -qF "$s" "$cover" || bad "cover letter does not name '$s'"
		done
		# Its performance table is the one make bench last wrote, as is.
		table=$TOP/bench/cover-table.txt
		python3 -c 'import sys; sys.exit(open(sys.argv[2]).read() not in open(sys.argv[1]).read())' \
			"$cover" "$table" 2>/dev/null ||
			bad "the cover letter does not carry bench/cover-table.txt as make bench wrote it"
	fi
fi
[ $fail = 0 ] || die "series checks failed"
echo "series: $(echo "$list" | grep -c . || true) patches apply, export identically and pass checkpatch --strict"
stage_done
