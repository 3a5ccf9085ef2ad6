#!/bin/bash
# Fetch the pinned base (base.conf, or the pin file given) and verify it;
# print the tarball path.
#
# The .deb is fetched with apt itself, with a private sources list and private
# state/cache directories, from the mirror that this machine's own Debian
# security source already uses.  The system's apt configuration is untouched.
# BASE_TARBALL=/path/linux-source-5.10.tar.xz skips all of this;
# BASE_CACHE=DIR keeps the download somewhere else.
set -eu
. "$(dirname "$0")/lib.sh"

# fetch-base.sh [CONF]: another pin file than base.conf (peer/peer.conf).
TARBALL_OVERRIDE_VAR=BASE_TARBALL
if [ -n "${1:-}" ]; then
	[ -r "$TOP/$1" ] || die "no pin file $1"
	. "$TOP/$1"
fi
override=${!TARBALL_OVERRIDE_VAR:-}
if [ -n "$override" ]; then
	[ -r "$override" ] || die "$TARBALL_OVERRIDE_VAR=$override is not a readable file"
	echo "$override"
	exit 0
fi

CACHE=$WB_CACHE
DEB=$CACHE/${BASE_PKG}_${BASE_VERSION}_all.deb
TARBALL=$CACHE/$(basename "$BASE_DEB_MEMBER")

verify() {
	[ "$(stat -c %s "$1")" = "$BASE_DEB_SIZE" ] &&
		echo "$BASE_DEB_SHA256  $1" | sha256sum --quiet -c - >/dev/null 2>&1
}

if [ -f "$TARBALL" ] && [ -f "$TARBALL.ok" ]; then
	echo "$TARBALL"
	exit 0
fi

mkdir -p "$CACHE"
if ! { [ -f "$DEB" ] && verify "$DEB"; }; then
	need apt-get
	[ -r "$BASE_KEYRING" ] ||
		die "keyring $BASE_KEYRING missing; install debian-archive-keyring"
	uri=$(debian_uri security)
	[ -n "$uri" ] ||
		die "no Debian security source in /etc/apt; set $TARBALL_OVERRIDE_VAR=/path/to/$(basename "$BASE_DEB_MEMBER")"
	echo "fetching $BASE_PKG=$BASE_VERSION from $BASE_SUITE at the machine's security mirror" >&2
	apt_download "$CACHE/apt" "$CACHE" \
		"deb [signed-by=$BASE_KEYRING] $uri $BASE_SUITE $BASE_COMPONENT" "" \
		"$BASE_PKG=$BASE_VERSION"
	verify "$DEB" ||
		die "$DEB: size or sha256 differs from the pin; delete it and retry, or set $TARBALL_OVERRIDE_VAR"
fi

echo "extracting $BASE_DEB_MEMBER" >&2
need dpkg-deb tar
rm -f "$TARBALL" "$TARBALL.ok"
dpkg-deb --fsys-tarfile "$DEB" | tar -xO "./$BASE_DEB_MEMBER" >"$TARBALL.tmp" ||
	die "$DEB does not contain $BASE_DEB_MEMBER"
mv "$TARBALL.tmp" "$TARBALL"
touch "$TARBALL.ok"
echo "$TARBALL"
