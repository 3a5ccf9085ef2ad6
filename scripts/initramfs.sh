#!/bin/bash
# Build the guest's initramfs: /init (guest/init.c), busybox, the test
# programs, the lists and scripts, and a small ext4 image, all static.
# The programs are guest/*.c and the selftests the lists run as ./NAME or
# /tests/NAME (tools/testing/selftests/vm/NAME.c of build/linux), built
# against build/linux's uapi headers.  For ARCH=arm64: with Debian's cross
# compiler, and busybox and libcap from Debian's arm64 packages
# (fetch-debs.sh), into build/initramfs-arm64.
set -eu
. "$(dirname "$0")/lib.sh"
need "${CROSS}gcc" cpio mkfs.ext4 busybox

LINUX=$BUILD/linux
OUT=$BUILD/initramfs$SFX
CC=${CROSS}gcc
LIBDIRS=()
if [ -n "$CROSS" ]; then
	debs=$("$TOP/scripts/fetch-debs.sh" "$DEB_ARCH" busybox-static libcap-dev)
	BUSYBOX=$debs/bin/busybox
	LIBDIRS=(-L"$debs/usr/lib/$TRIPLET")
else
	BUSYBOX=$(command -v busybox)
fi
HDR=$OUT/usr
ROOT=$OUT/root
[ -f "$LINUX/Makefile" ] || die "build/linux missing; run 'make tree'"

stage "initramfs"
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,etc/wb,tests,proc,sys,dev,tmp,run,host} "$HDR"
make -s -C "$LINUX" O="$OUT/hdr-obj" ARCH="$KARCH" INSTALL_HDR_PATH="$HDR" headers_install >/dev/null ||
	die "headers_install failed"

CFLAGS=(-static -O2 -g0 -Wall -I"$HDR/include")
"$CC" "${CFLAGS[@]}" -Wextra -o "$ROOT/init" "$TOP/guest/init.c" || die "guest/init.c does not build"

# The programs the lists name as ./NAME or /tests/NAME.
# Every guest/*.c program, and the selftests that the lists run: the last
# ./NAME (or /tests/NAME) of each line, NAME not ending in .sh.  The
# workbench's verification programs (guest/madv_populate_*.c) are written
# on the tree's kselftest_harness.h, as a selftest would be.
CFLAGS+=(-I"$LINUX/tools/testing/selftests")
newest_h=$(ls -t "$TOP"/guest/*.h | head -n 1)
progs=$( (cd "$TOP/guest" && ls *.c | sed 's/\.c$//' | grep -vx init
	  sed -n 's@.*\(\./\|/tests/\)\([A-Za-z0-9_-]*\)\( .*\)\?$@\2@p' "$TOP"/guest/*.list) | sort -u)
for p in $progs; do
	src=$TOP/guest/$p.c
	[ -f "$src" ] || src=$LINUX/tools/testing/selftests/vm/$p.c
	[ -f "$src" ] || die "guest lists run ./$p, but neither guest/$p.c nor selftests/vm/$p.c exists"
	obj=$OUT/bin/$p
	mkdir -p "$OUT/bin"
	if [ ! -x "$obj" ] || [ "$src" -nt "$obj" ] || [ "$HDR/include" -nt "$obj" ] ||
		[ "$newest_h" -nt "$obj" ]; then
		"$CC" "${CFLAGS[@]}" -o "$obj" "$src" "${LIBDIRS[@]}" -lrt -lpthread -lm -lcap \
			>"$OUT/$p.log" 2>&1 || {
			cat "$OUT/$p.log" >&2
			die "$src does not build (log: $OUT/$p.log)"
		}
	fi
	cp "$obj" "$ROOT/tests/$p"
done

cp "$BUSYBOX" "$ROOT/bin/busybox"
# The applet names from the host's busybox: the guest's may be of another
# architecture, and the same Debian release has the same applets.
for a in $(busybox --list); do
	[ -e "$ROOT/bin/$a" ] || ln -s busybox "$ROOT/bin/$a"
done
# A list's "include NAME.list" line stands for that list's lines.
for l in "$TOP"/guest/*.list; do
	awk -v dir="$TOP/guest" '$1 == "include" && NF == 2 {
		f = dir "/" $2
		while ((getline line < f) > 0) print line
		if (close(f)) { print "cannot include " f > "/dev/stderr"; exit 1 }
		next
	} { print }' "$l" >"$ROOT/etc/wb/$(basename "$l")" || die "$l: a broken include"
done
cp "$TOP"/guest/*.sh "$ROOT/tests/"
# A real ext4 (extents, fallocate) for the file-backed cases: mkdisk.sh.
mkfs.ext4 -q -F "$ROOT/etc/wb/disk.img" 16M >/dev/null || die "mkfs.ext4 failed"
# Accounts for tests that must run unprivileged (su nobody -c ...).
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
git -C "$LINUX" log --reverse --format='%s' base..HEAD >"$ROOT/etc/wb/series"

(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$OUT/initramfs.cpio.tmp"
mv "$OUT/initramfs.cpio.tmp" "$OUT/initramfs.cpio"
echo "initramfs: $OUT/initramfs.cpio ($(du -h "$OUT/initramfs.cpio" | cut -f1), programs: $(echo $progs))"
stage_done
