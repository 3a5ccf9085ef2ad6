#!/bin/bash
# Configure (tinyconfig + configs/guest.config + configs/arch-$ARCH.config
# [+ configs/$PROFILE.config]; PROFILE=debian: Debian's own config instead
# of tinyconfig + guest.config) and build the kernel image of build/linux
# into build/obj-$PROFILE (build/obj-arm64-$PROFILE for ARCH=arm64, with
# Debian's cross compiler: configs/arch-$ARCH.env names it).  Incremental: the .config is rewritten only
# when the fragments change it.
set -eu
. "$(dirname "$0")/lib.sh"
need make gcc flex bison bc

# LINUX and OBJ name another tree and build dir (scripts/peer.sh does).
LINUX=${LINUX:-$BUILD/linux}
OBJ=${OBJ:-$(objdir)}
[ -f "$LINUX/Makefile" ] || die "$LINUX missing; run 'make tree'"

frags=("$TOP/configs/guest.config" "$TOP/configs/arch-$WB_ARCH.config" ${EXTRA_FRAGMENTS:-})
# PROFILE=debian starts from Debian's own config (base.conf pins it), not
# from tinyconfig + guest.config; configs/debian.config says why.
debian=
if [ "$PROFILE" = debian ]; then
	need python3 xz
	debian=$("$TOP/scripts/fetch-base.sh" base.conf "DEBCONFIG_${WB_ARCH^^}") || exit 1
	frags=("$TOP/configs/arch-$WB_ARCH.config")
fi
if [ "$PROFILE" != default ]; then
	[ -f "$TOP/configs/$PROFILE.config" ] ||
		die "PROFILE=$PROFILE: no configs/$PROFILE.config"
	frags+=("$TOP/configs/$PROFILE.config")
fi

KMAKE=(make -s -C "$LINUX" O="$OBJ" -j"$(nproc)" ARCH="$KARCH")
cc=${CROSS}gcc
if [ "$TOOLCHAIN" = clang ]; then
	need clang ld.lld llvm-ar llvm-nm llvm-objcopy
	cc=clang
	KMAKE+=(LLVM=1)
fi
# What this architecture lacks here, all at once: its kernel options and
# its compiler (a new configs/arch-NAME.env names the compiler's package).
lacks=
[ -f "$TOP/configs/arch-$WB_ARCH.config" ] ||
	lacks="configs/arch-$WB_ARCH.config (the guest's kernel options: console, virtio transport)"
if [ -n "$CROSS" ] && [ "$cc" != clang ] && ! command -v "$cc" >/dev/null 2>&1; then
	pkgs=$(for d in $CROSS_DEPS; do printf '%s ' "${d#*:}"; done)
	lacks="${lacks:+$lacks; }the compiler $cc (Debian: ${pkgs% }; 'make deps' installs it)"
fi
[ -z "$lacks" ] || die "ARCH=$WB_ARCH: missing $lacks"
# ccache keeps its cache in the user's cache dir, and paths relative to
# the checkout: a fresh clone elsewhere on the same machine hits it too.
if command -v ccache >/dev/null 2>&1; then
	export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
	KMAKE+=(CC="ccache $cc")
fi
if [ -n "$CROSS" ]; then
	KMAKE+=(CROSS_COMPILE="$CROSS")
fi
if [ "$TOOLCHAIN" = bullseye ]; then
	[ -z "$CROSS" ] || die "TOOLCHAIN=bullseye builds x86_64 kernels only"
	KMAKE=("$TOP/scripts/in-root.sh" "$("$TOP/scripts/bullseye-root.sh")" "${KMAKE[@]}")
fi

stage "config ($PROFILE, $TOOLCHAIN toolchain)"
mkdir -p "$OBJ"
new=$OBJ/.config.wanted
# Under build/: the bullseye build root sees the checkout, not /tmp.
cfgtmp=$(mktemp -d "$BUILD/config.XXXXXX")
trap 'rm -rf "$cfgtmp"' EXIT
if [ -n "$debian" ]; then
	# Debian's modules off: the guest loads none (configs/debian.config).
	xz -dc "$debian" | sed -E 's/^(CONFIG_[A-Za-z0-9_]+)=m$/# \1 is not set/' >"$cfgtmp/.config"
else
	"${KMAKE[@]}" O="$cfgtmp" tinyconfig >/dev/null
fi
(cd "$cfgtmp" && KCONFIG_CONFIG=.config \
	"$LINUX/scripts/kconfig/merge_config.sh" -m -O . .config "${frags[@]}" \
	>"$OBJ/config.log" 2>&1) || die "merging the fragments failed; see $OBJ/config.log"
"${KMAKE[@]}" O="$cfgtmp" olddefconfig >/dev/null 2>"$OBJ/config.log" ||
	die "olddefconfig failed; see $OBJ/config.log"
cp "$cfgtmp/.config" "$new"

# Every option a fragment asks for must have survived olddefconfig.
missing=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qxF "$line" "$new" || {
			echo "Missing: $line (from $(basename "$f"))" >&2
			missing=1
		} ;;
		'# CONFIG_'*' is not set')
			opt=${line#\# }; opt=${opt%% *}
			grep -q "^$opt=" "$new" && {
				echo "Missing: $line (from $(basename "$f"))" >&2
				missing=1
			} ;;
		esac
	done <"$f"
done
[ "$missing" = 0 ] || die "config fragments not satisfied; fix configs/"
if [ -n "$debian" ]; then
	xz -dc "$debian" >"$cfgtmp/debian.config"
	python3 "$TOP/scripts/config-changes.py" --all "$cfgtmp/debian.config" "$new" "${frags[@]}" \
		>"$OBJ/config-changes.txt"
	python3 "$TOP/scripts/config-changes.py" "$cfgtmp/debian.config" "$new" "${frags[@]}"
	echo "every change, modules too: $OBJ/config-changes.txt"
fi
cmp -s "$new" "$OBJ/.config" || cp "$new" "$OBJ/.config"
stage_done

stage "build $(basename "$KIMAGE") ($WB_ARCH, $PROFILE)"
"${KMAKE[@]}" olddefconfig >/dev/null
if ! "${KMAKE[@]}" "$(basename "$KIMAGE")" >"$OBJ/build.log" 2>&1; then
	tail -n 30 "$OBJ/build.log" >&2
	die "kernel build failed; full log in $OBJ/build.log"
fi
grep -i 'warning:' "$OBJ/build.log" >&2 || true
# The series' own C files build warning-free with every compiler (a file
# that did not need recompiling has nothing in this log).
if git -C "$LINUX" rev-parse -q --verify base >/dev/null 2>&1; then
	for f in $(git -C "$LINUX" diff --name-only base HEAD -- '*.c' '*.h' | grep -v '^tools/'); do
		! grep -qE "(^|/)$f:[0-9]+:([0-9]+:)? warning:" "$OBJ/build.log" ||
			die "$f: the $TOOLCHAIN toolchain warns about the series' code; see $OBJ/build.log"
	done
fi
echo "kernel: $OBJ/$KIMAGE ($(cat "$OBJ/include/config/kernel.release"))"
stage_done
