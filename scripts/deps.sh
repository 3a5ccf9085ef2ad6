#!/bin/bash
# Install the host packages the workbench needs (Debian 12).  As root this
# runs apt-get; otherwise it prints the exact command and stops.
set -eu
. "$(dirname "$0")/lib.sh"

# command:package pairs; a package is installed when its command is missing.
DEPS="gcc:gcc make:make flex:flex bison:bison bc:bc perl:perl
      xz:xz-utils cpio:cpio git:git dpkg-deb:dpkg apt-get:apt
      busybox:busybox-static
      ccache:ccache gnuplot:gnuplot-nox rsync:rsync mkfs.ext4:e2fsprogs
      debootstrap:debootstrap alpha-linux-gnu-gcc:gcc-alpha-linux-gnu
      mips-linux-gnu-gcc:gcc-mips-linux-gnu hppa-linux-gnu-gcc:gcc-hppa-linux-gnu
      clang:clang ld.lld:lld llvm-ar:llvm python3:python3 losetup:mount
      dpkg-gencontrol:dpkg-dev fakeroot:fakeroot pahole:dwarves depmod:kmod"
# header:package pairs for the kernel build (objtool, sign-file).
HDRS="/usr/include/libelf.h:libelf-dev /usr/include/openssl/ssl.h:libssl-dev
      /usr/lib/x86_64-linux-gnu/libc.a:libc6-dev /usr/include/sys/capability.h:libcap-dev
      /usr/lib/python3/dist-packages/ply/lex.py:python3-ply
      /usr/lib/python3/dist-packages/git/__init__.py:python3-git
      /usr/bin/python:python-is-python3
      /usr/bin/sphinx-build:python3-sphinx
      /usr/lib/python3/dist-packages/sphinx_rtd_theme/__init__.py:python3-sphinx-rtd-theme
      /usr/include/hugetlbfs.h:libhugetlbfs-dev"

# Every guest architecture's QEMU, and its cross compiler where the host is
# of another kind (configs/arch-*.env).
for f in "$TOP"/configs/arch-*.env; do
	DEPS="$DEPS $(. "$f" && echo "$QEMU_BIN:$QEMU_PKG" &&
		[ "$(uname -m)" = "$UNAME_M" ] || echo "$CROSS_DEPS")"
done

missing=
for d in $DEPS; do
	case $d in
	/*) [ -e "${d%%:*}" ] ;;
	*) command -v "${d%%:*}" >/dev/null 2>&1 ;;
	esac || missing="$missing ${d#*:}"
done
for d in $HDRS; do
	[ -e "${d%%:*}" ] || missing="$missing ${d#*:}"
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "missing packages; as root run: apt-get update && $cmd" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null 2>&1 || true
$cmd >"${TMPDIR:-/tmp}/workbench-deps.log" 2>&1 ||
	die "apt-get install failed; see ${TMPDIR:-/tmp}/workbench-deps.log"
