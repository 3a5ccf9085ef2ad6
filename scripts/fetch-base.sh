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

# fetch-base.sh [CONF [PREFIX]]: another pin file than base.conf
# (peer/6.1.conf); PREFIX: the pin is PREFIX_PKG, PREFIX_VERSION... in CONF
# instead of BASE_PKG... (base.conf DEBCONFIG_X86_64: Debian's config).
TARBALL_OVERRIDE_VAR=BASE_TARBALL
if [ -n "${1:-}" ]; then
	[ -r "$TOP/$1" ] || die "no pin file $1"
	. "$TOP/$1"
fi
if [ -n "${2:-}" ]; then
	for v in PKG VERSION ARCH SUITE COMPONENT KEYRING DEB_SIZE DEB_SHA256 DEB_MEMBER; do
		p=${2}_$v
		[ -n "${!p:-}" ] || [ "$v" = ARCH ] || [ "$v" = COMPONENT ] ||
			die "$1 has no $p"
		printf -v "BASE_$v" '%s' "${!p:-}"
	done
	TARBALL_OVERRIDE_VAR=${2}_FILE
fi
# The package's architecture: "all" for the sources, amd64/arm64 for a config.
BASE_DEB_ARCH=${BASE_ARCH:-all}
BASE_COMPONENT=${BASE_COMPONENT:-main}
override=${!TARBALL_OVERRIDE_VAR:-}
if [ -n "$override" ]; then
	[ -r "$override" ] || die "$TARBALL_OVERRIDE_VAR=$override is not a readable file"
	echo "$override"
	exit 0
fi

CACHE=$WB_CACHE
DEB=$CACHE/${BASE_PKG}_${BASE_VERSION}_${BASE_DEB_ARCH}.deb
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
	case $BASE_SUITE in *-security) kind=security ;; *) kind=main ;; esac
	uri=$(debian_uri $kind)
	[ -n "$uri" ] ||
		die "no Debian $kind source in /etc/apt; set $TARBALL_OVERRIDE_VAR=/path/to/$(basename "$BASE_DEB_MEMBER")"
	echo "fetching $BASE_PKG=$BASE_VERSION ($BASE_DEB_ARCH) from $BASE_SUITE at the machine's $kind mirror" >&2
	arch=$BASE_DEB_ARCH
	[ "$arch" != all ] || arch=
	apt_download "$CACHE/apt-$BASE_SUITE-$BASE_DEB_ARCH" "$CACHE" \
		"deb [signed-by=$BASE_KEYRING] $uri $BASE_SUITE $BASE_COMPONENT" "$arch" \
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
