#!/bin/bash
# Build the tree's vm selftests through its own kselftest Makefile
# ('make -C tools/testing/selftests/vm', which installs the uapi headers
# first) with the base's own toolchain: in the bullseye build root of
# scripts/bullseye-root.sh (gcc 10, glibc 2.31), on a copy of build/linux's
# sources.  Every program of the Makefile must build, the series' selftest
# among them, and the workbench's verification programs (guest/) too,
# without a warning.  Log: build/logs/kselftest-bullseye.log.
set -eu
. "$(dirname "$0")/lib.sh"
need git tar

LINUX=$BUILD/linux
git -C "$LINUX" rev-parse -q --verify base >/dev/null 2>&1 || die "run 'make tree' first"
root=$("$TOP/scripts/bullseye-root.sh")
log=$BUILD/logs/kselftest-bullseye.log
mkdir -p "$BUILD/logs"
stage "kselftest vm ($TOOLCHAIN_SUITE toolchain)"
rm -rf "$root/src"
mkdir -p "$root/src"
# What headers_install and the vm selftests read: not the whole tree.
git -C "$LINUX" archive HEAD Makefile Kbuild Kconfig scripts include "arch/$KARCH" usr lib tools |
	tar -x -C "$root/src"
# A top-level make of its own: under 'make kselftest-bullseye' the inherited
# MAKELEVEL would make lib.mk leave OUTPUT empty and write to / and /usr.
if ! env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES \
	chroot "$root" /bin/sh -c 'cd /src && gcc --version | head -n 1 && ldd --version | head -n 1 &&
	make -C tools/testing/selftests/vm' >"$log" 2>&1; then
	grep -m 10 -i 'error\|undefined' "$log" >&2 || tail -n 10 "$log" >&2
	die "the vm selftests do not build with $TOOLCHAIN_SUITE's toolchain; see $log"
fi
[ -x "$root/src/tools/testing/selftests/vm/madv_populate" ] || die "madv_populate was not built; see $log"
# The workbench's verification programs with the same compiler, against
# the headers the selftests build installed, as initramfs.sh builds them.
mkdir -p "$root/src/wb"
cp "$TOP"/guest/madv_populate_*.c "$TOP"/guest/madv_populate.h "$root/src/wb/"
for p in madv_populate_cases madv_populate_hostile madv_populate_promise madv_populate_footprint; do
	chroot "$root" /bin/sh -c "cd /src && gcc -O2 -Wall -I usr/include -I tools/testing/selftests \
		-o wb/$p wb/$p.c -lpthread -lrt -lm" >>"$log" 2>&1 || die "$p does not build; see $log"
done
! grep -n 'warning:' "$log" | grep 'madv_populate' >&2 ||
	die "a warning in the series' or the workbench's programs; see $log"
echo "built with $(head -n 1 "$log"), $(sed -n 2p "$log"): $(cd "$root/src/tools/testing/selftests/vm" &&
	find . -maxdepth 1 -type f -perm -u+x ! -name '*.sh' ! -name run_vmtests | wc -l) programs"
rm -rf "$root/src"
stage_done
