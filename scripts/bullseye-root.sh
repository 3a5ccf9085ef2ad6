#!/bin/bash
# Make (once) a Debian 11 "bullseye" build root, the base's own distribution
# and toolchain (gcc 10.2.1, glibc 2.31), and print its path.  debootstrap
# from the Debian mirror this machine's apt already uses; the suite, keyring
# and packages are pinned in base.conf.  Kept in the cache, like the base.
# Needs root (debootstrap, and chroot to use it).
set -eu
. "$(dirname "$0")/lib.sh"

ROOT=$WB_CACHE/$TOOLCHAIN_SUITE-root
if [ -f "$ROOT/.ok" ] && [ "$(cat "$ROOT/.ok")" = "$TOOLCHAIN_PACKAGES" ]; then
	echo "$ROOT"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "a $TOOLCHAIN_SUITE build root needs root (debootstrap, chroot)"
need debootstrap
[ -r "$TOOLCHAIN_KEYRING" ] || die "keyring $TOOLCHAIN_KEYRING missing; install debian-archive-keyring"
uri=$(debian_uri main)
[ -n "$uri" ] || die "no Debian archive in /etc/apt to debootstrap $TOOLCHAIN_SUITE from"
stage "debootstrap $TOOLCHAIN_SUITE" >&2
rm -rf "$ROOT"
mkdir -p "$WB_CACHE"
debootstrap --variant=minbase --keyring="$TOOLCHAIN_KEYRING" \
	--include="$TOOLCHAIN_PACKAGES" "$TOOLCHAIN_SUITE" "$ROOT" "$uri" \
	>"$WB_CACHE/$TOOLCHAIN_SUITE-debootstrap.log" 2>&1 ||
	die "debootstrap $TOOLCHAIN_SUITE failed; see $WB_CACHE/$TOOLCHAIN_SUITE-debootstrap.log"
echo "$TOOLCHAIN_PACKAGES" >"$ROOT/.ok"
echo "$(chroot "$ROOT" gcc --version | head -n 1); $(chroot "$ROOT" ldd --version | head -n 1)" >&2
stage_done >&2
echo "$ROOT"
