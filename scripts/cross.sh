#!/bin/bash
# make cross: every architecture whose uapi the series touches, compiled.
#
#  - alpha, mips, parisc (Debian's cross compilers): defconfig, then only
#    mm/madvise.o and mm/gup.o of build/linux with the series: minutes,
#    not a kernel per architecture;
#  - those three, xtensa (no Debian compiler) and the guests' architectures
#    (asm-generic users: arm64, x86): 'make headers_install', then a
#    compile of a program against the exported headers that fails unless
#    MADV_POPULATE_READ is 22 and MADV_POPULATE_WRITE 23 (with the cross
#    compiler where there is one, else the host's: the check is of the
#    preprocessor's values).
#
# Build dirs build/cross-ARCH (kept: the next run is incremental), logs
# build/logs/cross-ARCH.log.  CROSS_ARCHES="mips" runs a subset.
set -eu
. "$(dirname "$0")/lib.sh"
need make gcc

LINUX=$BUILD/linux
[ -f "$LINUX/Makefile" ] || die "$LINUX missing; run 'make tree'"
mkdir -p "$BUILD/logs"

# ARCH:CROSS_COMPILE (empty: the host's gcc; for xtensa, Debian has none):
# the architectures without a guest, then the guests' (configs/arch-*.env).
ALL="alpha:alpha-linux-gnu- mips:mips-linux-gnu- parisc:hppa-linux-gnu- xtensa:"
for f in "$TOP"/configs/arch-*.env; do
	ALL="$ALL $(. "$f" && echo "$KARCH:$([ "$(uname -m)" = "$UNAME_M" ] || echo "$TRIPLET-")")"
done
# Only these get the kernel objects built; the guests' are built whole.
OBJS_FOR="alpha mips parisc"

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
cat >"$probe/t.c" <<'EOF'
#include <asm/mman.h>
_Static_assert(MADV_POPULATE_READ == 22, "MADV_POPULATE_READ must be 22");
_Static_assert(MADV_POPULATE_WRITE == 23, "MADV_POPULATE_WRITE must be 23");
EOF

fail=0
for arch in ${CROSS_ARCHES:-$(echo "$ALL" | tr ' ' '\n' | sed -n 's/:.*//p')}; do
	echo "$ALL" | tr ' ' '\n' | grep -q "^$arch:" || die "CROSS_ARCHES: unknown $arch"
	cc=$(echo "$ALL" | tr ' ' '\n' | sed -n "s/^$arch://p")
	obj=$BUILD/cross-$arch
	log=$BUILD/logs/cross-$arch.log
	stage "cross $arch"
	mkdir -p "$obj"
	km=(make -s -C "$LINUX" O="$obj" ARCH="$arch" -j"$(nproc)")
	[ -z "$cc" ] || km+=(CROSS_COMPILE="$cc")
	ok=1
	{
		if [[ " $OBJS_FOR " = *" $arch "* ]]; then
			need "${cc}gcc"
			[ -f "$obj/.config" ] || "${km[@]}" defconfig
			"${km[@]}" mm/madvise.o mm/gup.o
		fi
		"${km[@]}" INSTALL_HDR_PATH="$obj/hdr" headers_install
		gcc=gcc
		[ -z "$cc" ] || gcc=${cc}gcc
		command -v "$gcc" >/dev/null 2>&1 || gcc=gcc
		"$gcc" -fsyntax-only -ffreestanding -nostdinc -I"$obj/hdr/include" "$probe/t.c"
	} >"$log" 2>&1 || ok=0
	# The series' own files must compile without a warning too.
	! grep -q 'mm/\(madvise\|gup\)\.c.*warning' "$log" || ok=0
	if [ $ok = 1 ]; then
		what="uapi values 22/23"
		[[ " $OBJS_FOR " != *" $arch "* ]] || what="mm/madvise.o, mm/gup.o, $what"
		echo "$arch: $what ok"
	else
		tail -n 15 "$log" >&2
		echo "$arch: FAILED (log: $log)" >&2
		fail=1
	fi
	stage_done
done
[ $fail = 0 ] || die "cross checks failed"
