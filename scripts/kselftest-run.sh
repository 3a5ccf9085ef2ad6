#!/bin/bash
# make kselftest: the vm selftests as a kernel developer runs them.  Installs
# them with the tree's own kselftest Makefile ('make -C tools/testing/selftests
# TARGETS=vm install', the host's compiler, on a copy of build/linux's
# sources) into build/kselftest-$TAG, boots the kernel of $PROFILE with the
# host's root, runs the install's run_kselftest.sh there
# (guest/kselftest.sh) and judges its output with the verdict, the base's
# known failures (configs/kselftest-known.txt, and configs/kselftest-known-
# $PROFILE.txt where there is one) as skips with their reasons.
# Logs: build/logs/kselftest-install.log, build/logs/kselftest-$TAG/.
set -eu
. "$(dirname "$0")/lib.sh"
need git tar make gcc rsync
[ "$WB_ARCH" = x86_64 ] ||
	die "make kselftest is x86_64 only: the install runs on the host's root"

LINUX=$BUILD/linux
git -C "$LINUX" rev-parse -q --verify base >/dev/null 2>&1 || die "run 'make tree' first"
src=$BUILD/kselftest-src
inst=$BUILD/kselftest-$LOG_TAG
log=$BUILD/logs/kselftest-install.log
mkdir -p "$BUILD/logs"

stage "kselftest install (vm)"
rm -rf "$src" "$inst"
mkdir -p "$src"
git -C "$LINUX" archive HEAD Makefile Kbuild Kconfig scripts include "arch/$KARCH" usr lib tools |
	tar -x -C "$src"
# A top-level make of its own (see scripts/kselftest.sh).
if ! env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES \
	make -C "$src/tools/testing/selftests" TARGETS=vm INSTALL_PATH="$inst" install >"$log" 2>&1; then
	grep -m 10 -i 'error\|undefined' "$log" >&2 || tail -n 10 "$log" >&2
	die "installing the vm selftests failed; see $log"
fi
for f in run_kselftest.sh vm/run_vmtests vm/madv_populate; do
	[ -e "$inst/$f" ] || die "the install lacks $f; see $log"
done
rm -rf "$src"
# run_vmtests as a whole outlasts the runner's default 45 s under TCG: the
# runner reads its timeout from vm/settings (30 minutes here).
echo timeout=1800 >"$inst/vm/settings"
# The workbench's verification programs (guest/madv_populate_*.c), as the
# initramfs built them: guest/kselftest.sh runs them after run_vmtests.
mkdir -p "$inst/workbench"
for p in madv_populate_cases madv_populate_hostile madv_populate_promise madv_populate_footprint; do
	cp "$BUILD/initramfs$SFX/bin/$p" "$inst/workbench/" ||
		die "no $p in build/initramfs$SFX; run 'make initramfs'"
done
echo "installed: $inst ($(find "$inst/vm" -maxdepth 1 -type f -perm -u+x | wc -l) programs)"
stage_done

# The known failures: every profile's, then this profile's own.
cat "$TOP/configs/kselftest-known.txt" >"$inst/known-failures.txt"
[ ! -f "$TOP/configs/kselftest-known-$PROFILE.txt" ] ||
	cat "$TOP/configs/kselftest-known-$PROFILE.txt" >>"$inst/known-failures.txt"
# The guest runs in this directory (boot.sh shares it): relative paths.
rel=${inst#"$TOP"/}
"$TOP/scripts/boot.sh" ktap kselftest "guest/kselftest.sh $rel $rel/known-failures.txt"
"$TOP/scripts/report.sh" kselftest
