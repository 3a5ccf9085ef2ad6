#!/bin/bash
# Configure (tinyconfig + configs/guest.config + configs/arch-$ARCH.config
# [+ configs/$PROFILE.config]) and build the kernel image of build/linux
# into build/obj-$PROFILE (build/obj-arm64-$PROFILE for ARCH=arm64, with
# Debian's cross compiler).  Incremental: the .config is rewritten only
# when the fragments change it.
set -eu
. "$(dirname "$0")/lib.sh"
need make gcc flex bison bc

# LINUX and OBJ name another tree and build dir (scripts/peer.sh does).
LINUX=${LINUX:-$BUILD/linux}
OBJ=${OBJ:-$BUILD/$OBJ_NAME}
[ -f "$LINUX/Makefile" ] || die "$LINUX missing; run 'make tree'"

frags=("$TOP/configs/guest.config" "$TOP/configs/arch-$WB_ARCH.config" ${EXTRA_FRAGMENTS:-})
if [ "$PROFILE" != default ]; then
	[ -f "$TOP/configs/$PROFILE.config" ] ||
		die "PROFILE=$PROFILE: no configs/$PROFILE.config"
	frags+=("$TOP/configs/$PROFILE.config")
fi

KMAKE=(make -s -C "$LINUX" O="$OBJ" -j"$(nproc)" ARCH="$KARCH")
[ -z "$CROSS" ] || need "${CROSS}gcc"
# ccache keeps its cache in the user's cache dir, and paths relative to
# the checkout: a fresh clone elsewhere on the same machine hits it too.
if command -v ccache >/dev/null 2>&1; then
	export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
	KMAKE+=(CC="ccache ${CROSS}gcc")
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
"${KMAKE[@]}" O="$cfgtmp" tinyconfig >/dev/null
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
cmp -s "$new" "$OBJ/.config" || cp "$new" "$OBJ/.config"
stage_done

stage "build $(basename "$KIMAGE") ($WB_ARCH, $PROFILE)"
"${KMAKE[@]}" olddefconfig >/dev/null
if ! "${KMAKE[@]}" "$(basename "$KIMAGE")" >"$OBJ/build.log" 2>&1; then
	tail -n 30 "$OBJ/build.log" >&2
	die "kernel build failed; full log in $OBJ/build.log"
fi
grep -i 'warning:' "$OBJ/build.log" >&2 || true
echo "kernel: $OBJ/$KIMAGE ($(cat "$OBJ/include/config/kernel.release"))"
stage_done
