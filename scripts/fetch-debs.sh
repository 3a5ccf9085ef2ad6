#!/bin/bash
# fetch-debs.sh DEBARCH PKG...: Debian packages of another architecture
# (the arm64 guest's static busybox and libcap), downloaded with apt-get
# download from this machine's own Debian mirror and suite, into a private
# apt state (the system's apt configuration is untouched), and unpacked
# with dpkg -x.  Prints the directory they are unpacked in.  Cached.
set -eu
. "$(dirname "$0")/lib.sh"
need dpkg-deb

debarch=${1:?usage: fetch-debs.sh DEBARCH PKG...}
shift
[ $# -gt 0 ] || die "usage: fetch-debs.sh DEBARCH PKG..."
dir=$WB_CACHE/debs-$debarch
root=$dir/root
want="$*"
if [ -f "$dir/.ok" ] && [ "$(cat "$dir/.ok")" = "$want" ]; then
	echo "$root"
	exit 0
fi
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
uri=$(debian_uri main)
[ -n "$suite" ] && [ -n "$uri" ] || die "cannot tell this machine's Debian suite and mirror from /etc"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "keyring $keyring missing; install debian-archive-keyring"
echo "fetching $want ($debarch, $suite) from the machine's Debian mirror" >&2
rm -rf "$dir"
mkdir -p "$root"
apt_download "$dir/apt" "$dir" "deb [signed-by=$keyring arch=$debarch] $uri $suite main" \
	"$debarch" "$@"
for deb in "$dir"/*.deb; do
	dpkg-deb -x "$deb" "$root" || die "cannot unpack $deb"
done
echo "$want" >"$dir/.ok"
echo "$root"
