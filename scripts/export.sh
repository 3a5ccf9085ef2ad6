#!/bin/bash
# Write the commits of build/linux above the base as patches, plus the
# series file, into DIR (default: patches/).  Deterministic: zero commit ids,
# no signature, fixed abbreviation, names from the subjects.  The text of
# the cover letter (0000-cover-letter.patch) is written by hand; export
# renews the shortlog and diffstat at its end.
set -eu
. "$(dirname "$0")/lib.sh"
need git

LINUX=${LINUX:-$BUILD/linux}
OUT=${1:-$TOP/patches}
git -C "$LINUX" rev-parse -q --verify base >/dev/null 2>&1 ||
	die "build/linux is not a workbench tree; run 'make tree' first"

mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
format_series "$LINUX" "$tmp"
# The cover letter: its hand-written text is kept, the shortlog and
# diffstat after it are written anew.
cover=$TOP/patches/0000-cover-letter.patch
if [ -f "$cover" ]; then
	{
		sed '/^[^ ].* ([0-9]*):$/,$d' "$cover"
		git -C "$LINUX" shortlog base..HEAD | cat
		echo
		git -C "$LINUX" diff --stat=72 base..HEAD | cat
		echo
		echo "--"
	} >"$tmp/0000-cover-letter.patch"
fi
# Drop patches that the series no longer has.
for f in "$OUT"/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -e "$f" ] || break
	case "$(basename "$f")" in 0000-*) continue ;; esac
	grep -qxF "$(basename "$f")" "$tmp/series" || rm -f "$f"
done
for f in "$tmp"/*; do
	cmp -s "$f" "$OUT/$(basename "$f")" || cp "$f" "$OUT/$(basename "$f")"
done
echo "$(series_list "$tmp" | wc -l) patches exported to $OUT"
