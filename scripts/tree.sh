#!/bin/bash
# Make build/linux a git tree: one commit with the pristine base (tag "base"),
# then patches/series applied with 'git am' (exact context, no fuzz).
#
# Re-running is cheap: a tree whose commits already export to patches/ is
# left alone.  A tree with commits that patches/ lacks is never discarded
# unless FORCE=1 ('make export' saves them first).
set -eu
. "$(dirname "$0")/lib.sh"
need git tar xz

LINUX=$BUILD/linux
PATCHES=$TOP/patches

export GIT_AUTHOR_NAME="Debian linux-source" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
# A fixed date makes the base commit id the same on every machine.
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"

make_base() {
	local tarball tmp
	tarball=$("$TOP/scripts/fetch-base.sh")
	stage "unpack base"
	tmp=$BUILD/linux.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xf "$tarball" -C "$tmp" --strip-components=1 ||
		die "cannot unpack $tarball"
	[ -f "$tmp/mm/madvise.c" ] || die "$tarball is not a Linux source tree"
	git -C "$tmp" init -q
	git -C "$tmp" config core.abbrev 12
	git -C "$tmp" config gc.auto 0
	git -C "$tmp" add -A -f
	git -C "$tmp" commit -q -m "Base: $BASE_PKG $BASE_VERSION" \
		-m "Pristine $BASE_DEB_MEMBER from Debian's $BASE_PKG $BASE_VERSION ($BASE_SUITE)."
	git -C "$tmp" tag base
	rm -rf "$LINUX"
	mv "$tmp" "$LINUX"
	stage_done
}

# Print a hash of what the tree's commits above base export to.
tree_hash() {
	local d
	d=$(mktemp -d)
	format_series "$LINUX" "$d"
	series_hash "$d"
	rm -rf "$d"
}


apply_series() {
	local p n=0
	stage "apply series"
	git -C "$LINUX" am --abort >/dev/null 2>&1 || true
	git -C "$LINUX" reset -q --hard base
	git -C "$LINUX" clean -q -fdx
	for p in $(series_list "$PATCHES"); do
		[ -f "$PATCHES/$p" ] || die "patches/series names $p, which does not exist"
		if ! git -C "$LINUX" am -q --keep-cr "$PATCHES/$p" >"$BUILD/am.log" 2>&1; then
			git -C "$LINUX" am --abort >/dev/null 2>&1 || true
			die "patches/$p does not apply to the base (see $BUILD/am.log)"
		fi
		n=$((n + 1))
	done
	tree_hash >"$LINUX/.git/workbench-applied"
	echo "$n patches applied"
	stage_done
}

mkdir -p "$BUILD"
[ -f "$PATCHES/series" ] || die "patches/series missing"
if ! git -C "$LINUX" rev-parse -q --verify base >/dev/null 2>&1; then
	make_base
	apply_series
	exit 0
fi

[ -z "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ] || [ "${FORCE:-0}" = 1 ] ||
	die "build/linux has uncommitted changes; commit them and run 'make export', or FORCE=1 to discard"
now=$(tree_hash)
[ "$now" = "$(series_hash "$PATCHES")" ] && [ "${FORCE:-0}" != 1 ] && exit 0
applied=$(cat "$LINUX/.git/workbench-applied" 2>/dev/null || true)
if [ "$now" != "$applied" ] && [ "${FORCE:-0}" != 1 ]; then
	die "build/linux has commits that patches/ lacks; run 'make export' to keep them, or FORCE=1 to discard them"
fi
apply_series
