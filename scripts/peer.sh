#!/bin/bash
# peer.sh [VERSION]: build an upstream kernel that Debian ships, pinned in
# peer/VERSION.conf (default 6.1: the peer of 'make bench'; 'make upstream'
# builds 6.12 too), with the same config fragments as this profile's
# kernel plus peer/VERSION.config where that kernel needs it.  Tree in
# build/peer-VERSION, build in build/peer-VERSION-obj-... (objdir
# peer-VERSION).
set -eu
. "$(dirname "$0")/lib.sh"
need tar xz

V=${1:-6.1}
[ -f "$TOP/peer/$V.conf" ] ||
	die "no peer/$V.conf; upstream kernels: $(cd "$TOP/peer" && ls *.conf | sed 's/\.conf$//' | tr '\n' ' ')"
PEER=$BUILD/peer-$V
tarball=$("$TOP/scripts/fetch-base.sh" "peer/$V.conf")
if [ ! -f "$PEER/.unpacked" ]; then
	stage "unpack $V"
	rm -rf "$PEER"
	mkdir -p "$PEER"
	tar -xf "$tarball" -C "$PEER" --strip-components=1 || die "cannot unpack $tarball"
	touch "$PEER/.unpacked"
	stage_done
fi
extra=
[ ! -f "$TOP/peer/$V.config" ] || extra=$TOP/peer/$V.config
EXTRA_FRAGMENTS=$extra LINUX=$PEER OBJ=$(objdir "peer-$V") \
	"$TOP/scripts/build.sh"
