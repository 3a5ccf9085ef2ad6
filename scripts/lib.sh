# Shared helpers for the workbench scripts; sourced, never run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
PROFILE=${PROFILE:-default}
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

# series_hash DIR: one hash over DIR's series file and every patch it names.
series_hash() {
	(cd "$1" && cat series $(series_list .) | sha256sum | cut -d' ' -f1)
}
