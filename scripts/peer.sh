#!/bin/bash
# Build the peer kernel of 'make bench' (peer/peer.conf: Debian 12's 6.1)
# with the same config fragments as this profile's kernel, plus
# peer/peer.config where 6.1 needs it.  Tree in build/peer, build in
# build/peer-obj-$PROFILE (objdir peer).
set -eu
. "$(dirname "$0")/lib.sh"
need tar xz

PEER=$BUILD/peer
tarball=$("$TOP/scripts/fetch-base.sh" peer/peer.conf)
if [ ! -f "$PEER/.unpacked" ]; then
	stage "unpack peer"
	rm -rf "$PEER"
	mkdir -p "$PEER"
	tar -xf "$tarball" -C "$PEER" --strip-components=1 || die "cannot unpack $tarball"
	touch "$PEER/.unpacked"
	stage_done
fi
EXTRA_FRAGMENTS=$TOP/peer/peer.config LINUX=$PEER OBJ=$(objdir peer) \
	"$TOP/scripts/build.sh"
