#!/bin/bash
# make deb: the series' kernel as a Debian package, and the proof that it
# installs and boots.
#
#  1. 'make bindeb-pkg' of build/linux with $PROFILE's config (PROFILE=debian:
#     Debian's own, modules off; see configs/debian.config) in
#     build/obj-$PROFILE.  The kernel release and the package version name
#     the series and its version (from the cover letter's changelog):
#     linux-image-5.10.262-madvpopulate-v5, version 5.10.262-1+madvpopulate5.
#     The packages go to build/deb-$PROFILE/.
#  2. dpkg -i of the linux-image package into a throwaway copy of the
#     bullseye root (scripts/bullseye-root.sh: a debootstrapped Debian 11,
#     the base's own distribution), as a user installs it.
#  3. The suite (guest/tests.list) booted with the kernel that dpkg put in
#     that root's /boot; logs in build/logs/tests-deb-$PROFILE/.
# Needs root (chroot, dpkg --root).  x86_64 only.
#
# DEB_CONFIG=full (with PROFILE=debian): Debian's config as it is, modules
# and debug info included, in build/obj-debian-full, for users with more
# cores: about 12,850 compile units and 3,900 modules, BTF (pahole from
# dwarves); measured on mm/ (DEB_PART=mm/, 2 cores): 2.3 core-seconds and
# 540 KiB of objects a unit, so about 8 core-hours and 7 GB of objects
# before modules and packages.  Packages only, installed into the root but
# not booted (the guest loads no modules).  DEB_PART="mm/ fs/ext4/" builds
# only those directories of it and prints the time per compile unit and
# the size of the objects, to size a full build before starting one.
set -eu
. "$(dirname "$0")/lib.sh"
need make dpkg dpkg-deb dpkg-gencontrol
[ "$WB_ARCH" = x86_64 ] || die "make deb builds x86_64 packages only"
[ "$TOOLCHAIN" = host ] || die "make deb builds with the host's compiler (TOOLCHAIN=host)"
[ "$(id -u)" = 0 ] || die "make deb installs into a build root: run it as root"

LINUX=$BUILD/linux
OBJ=$(objdir)
full=
if [ "${DEB_CONFIG:-}" = full ]; then
	[ "$PROFILE" = debian ] || die "DEB_CONFIG=full is Debian's full config: use it with PROFILE=debian"
	need xz
	# BTF of the whole vmlinux needs pahole (Debian: dwarves); a part does not.
	[ -n "${DEB_PART:-}" ] || need pahole
	full=1 OBJ=$BUILD/obj-debian-full
	mkdir -p "$OBJ"
	xz -dc "$("$TOP/scripts/fetch-base.sh" base.conf DEBCONFIG_X86_64)" >"$OBJ/.config.debian"
	cmp -s "$OBJ/.config.debian" "$OBJ/.config.orig" || {
		cp "$OBJ/.config.debian" "$OBJ/.config" && cp "$OBJ/.config.debian" "$OBJ/.config.orig"
	}
	make -s -C "$LINUX" O="$OBJ" ARCH="$KARCH" olddefconfig >/dev/null
elif [ -n "${DEB_CONFIG:-}" ]; then
	die "DEB_CONFIG=$DEB_CONFIG: the only one is 'full' (default: \$PROFILE's config)"
fi
[ -f "$OBJ/.config" ] || die "no $OBJ/.config; run 'make kernel PROFILE=$PROFILE' first"
v=$(sed -n 's/^Changes in v\([0-9]*\):$/\1/p' "$TOP/patches/0000-cover-letter.patch" | head -n 1)
[ -n "$v" ] || die "the cover letter has no 'Changes in vN:' line to take the series version from"
base=$(make -s -C "$LINUX" kernelversion)
release=$base-madvpopulate-v$v
pkgversion=$BASE_VERSION+madvpopulate$v
DEBS=$BUILD/deb-$PROFILE${full:+-full}

stage "deb: ${DEB_PART:+DEB_PART=$DEB_PART of }bindeb-pkg ($PROFILE${full:+ full}, $release)"
KMAKE=(make -s -C "$LINUX" O="$OBJ" -j"$(nproc)" ARCH="$KARCH" LOCALVERSION=-madvpopulate-v$v
       KDEB_PKGVERSION="$pkgversion" KBUILD_BUILD_USER=workbench KBUILD_BUILD_HOST=madv-populate)
if command -v ccache >/dev/null 2>&1; then
	export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
	KMAKE+=(CC="ccache gcc")
fi
if [ -n "$full" ] && [ -n "${DEB_PART:-}" ]; then
	# A measured part of the full build: time per compile unit, object sizes.
	"${KMAKE[@]}" prepare >"$OBJ/deb.log" 2>&1 || die "make prepare failed; see $OBJ/deb.log"
	t=$(date +%s)
	# shellcheck disable=SC2086
	"${KMAKE[@]}" $DEB_PART >>"$OBJ/deb.log" 2>&1 || die "make $DEB_PART failed; see $OBJ/deb.log"
	t=$(($(date +%s) - t))
	n=0 kb=0
	for d in $DEB_PART; do
		n=$((n + $(find "$OBJ/$d" -name '*.o' ! -name '*.mod.o' ! -name 'built-in.a' | wc -l)))
		kb=$((kb + $(du -sk "$OBJ/$d" | cut -f1)))
	done
	echo "DEB_CONFIG=full, $DEB_PART: $n objects in ${t}s on $(nproc) cores ($(awk -v t="$t" -v n="$n" -v c="$(nproc)" 'BEGIN { printf "%.2f", n ? t * c / n : 0 }') core-seconds each), ${kb} KiB"
	stage_done
	exit 0
fi
# builddeb writes the packages next to the build directory.
rm -f "$BUILD"/linux-*.deb "$BUILD"/linux-*.buildinfo "$BUILD"/linux-*.changes
if ! "${KMAKE[@]}" bindeb-pkg >"$OBJ/deb.log" 2>&1; then
	tail -n 20 "$OBJ/deb.log" >&2
	die "make bindeb-pkg failed; see $OBJ/deb.log"
fi
rm -rf "$DEBS"
mkdir -p "$DEBS"
mv "$BUILD"/linux-*.deb "$DEBS/"
rm -f "$BUILD"/linux-*.buildinfo "$BUILD"/linux-*.changes
image=$DEBS/linux-image-${release}_${pkgversion}_amd64.deb
[ -f "$image" ] || die "no $image; see $OBJ/deb.log"
for f in "$DEBS"/*.deb; do
	echo "  $(basename "$f") ($(du -k "$f" | cut -f1) KiB)"
done
stage_done

stage "deb: dpkg -i in a bullseye root"
root=$BUILD/deb-root
rm -rf "$root"
cp -a "$("$TOP/scripts/bullseye-root.sh")" "$root"
cp "$image" "$root/tmp/"
if ! chroot "$root" dpkg -i "/tmp/$(basename "$image")" >"$DEBS/dpkg.log" 2>&1; then
	tail -n 20 "$DEBS/dpkg.log" >&2
	die "dpkg -i of $(basename "$image") failed; see $DEBS/dpkg.log"
fi
chroot "$root" dpkg-query -W -f '  installed: ${Package} ${Version}\n' "linux-image-$release"
kernel=$root/boot/vmlinuz-$release
[ -f "$kernel" ] || die "dpkg put no /boot/vmlinuz-$release into the root"
mkdir -p "$DEBS/boot"
cp "$kernel" "$DEBS/boot/"
rm -rf "$root"
stage_done
if [ -n "$full" ]; then
	echo "deb: $(basename "$image") installs with dpkg (not booted: its drivers are modules)"
	exit 0
fi

KERNEL=$DEBS/boot/vmlinuz-$release TAG=deb-$PROFILE "$TOP/scripts/boot.sh" list tests
LOGS=$(logdir tests "deb-$PROFILE")
cat "$LOGS/verdict.txt"
verdict_passed "$LOGS" || die "the packaged kernel failed the suite; logs: $LOGS"
echo "deb: $(basename "$image") installs with dpkg and boots; the suite passes"
