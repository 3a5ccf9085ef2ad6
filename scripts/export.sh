#!/bin/bash
# Write the commits of build/linux above the base as patches, plus the
# series file, into DIR (default: patches/).  Deterministic: zero commit ids,
# no signature, fixed abbreviation, names from the subjects.  The cover
# letter (0000-cover-letter.patch) is written by hand and left alone.
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
git -C "$LINUX" -c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
	-c format.signature= -c format.coverLetter=false -c format.useAutoBase=false \
	format-patch -q --zero-commit --no-signature --numbered --no-thread \
	--no-renames --no-attach -o "$tmp" base..HEAD >/dev/null
echo "$SERIES_HEADER" >"$tmp/series"
for f in "$tmp"/*.patch; do
	[ -e "$f" ] || break
	echo "$(basename "$f")" >>"$tmp/series"
done
# Drop patches that the series no longer has; keep the cover letter.
for f in "$OUT"/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -e "$f" ] || break
	case "$(basename "$f")" in 0000-*) continue ;; esac
	grep -qxF "$(basename "$f")" "$tmp/series" || rm -f "$f"
done
for f in "$tmp"/*; do
	cmp -s "$f" "$OUT/$(basename "$f")" || cp "$f" "$OUT/$(basename "$f")"
done
echo "$(series_list "$tmp" | wc -l) patches exported to $OUT"
