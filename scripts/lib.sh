# Shared helpers for the workbench scripts; sourced, never run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
PROFILE=${PROFILE:-default}
# A profile is configs/$PROFILE.config; nothing else may pose as one.
[ "$PROFILE" = default ] || [ -f "$TOP/configs/$PROFILE.config" ] || {
	echo "error: PROFILE=$PROFILE: no configs/$PROFILE.config; profiles: default $(cd "$TOP/configs" && ls *.config | sed 's/\.config$//' | grep -vx guest | tr '\n' ' ')" >&2
	exit 1
}
# shellcheck source=../base.conf
. "$TOP/base.conf"

die() {
	echo "error: $*" >&2
	exit 1
}

# stage NAME: announce a stage; stage_done prints how long it took.
stage() {
	STAGE_NAME=$1
	STAGE_T0=$(date +%s)
	echo "==> $STAGE_NAME"
}

stage_done() {
	echo "==> $STAGE_NAME done in $(($(date +%s) - STAGE_T0))s"
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "'$c' not found; run 'make deps' (or scripts/deps.sh) to install it"
	done
}

SERIES_HEADER="# MADV_POPULATE_(READ|WRITE) for Linux 5.10: applied in this order with 'git am'."

# series_list DIR: the patch names of DIR/series, in order.
series_list() {
	grep -v '^[[:space:]]*\(#\|$\)' "$1/series"
}

# format_series LINUX DIR: write the commits of LINUX above base as patches,
# and the series file naming them, into the empty DIR.  Deterministic: zero
# commit ids, no signature, fixed abbreviation, names from the subjects.
format_series() {
	local f
	git -C "$1" -c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c format.signature= -c format.coverLetter=false -c format.useAutoBase=false \
		format-patch -q --zero-commit --no-signature --numbered --no-thread \
		--no-renames --no-attach -o "$2" base..HEAD >/dev/null
	echo "$SERIES_HEADER" >"$2/series"
	for f in "$2"/*.patch; do
		[ -e "$f" ] || break
		basename "$f" >>"$2/series"
	done
}

# series_hash DIR: one hash over DIR's series file and every patch it names.
series_hash() {
	(cd "$1" && cat series $(series_list .) | sha256sum | cut -d' ' -f1)
}

# verdict_passed LOGDIR: the verdict boot.sh wrote for LOGDIR found no failure.
verdict_passed() {
	tail -n 1 "$1/verdict.txt" 2>/dev/null | grep -q '^[0-9]* passed, 0 failed, '
}
