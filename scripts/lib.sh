# Shared helpers for the workbench scripts; sourced, never run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
PROFILE=${PROFILE:-default}
# A profile is configs/$PROFILE.config; nothing else may pose as one: not
# the fragments every guest gets (guest, arch-*), not the peer's.
profile_ok=1
case $PROFILE in
default) ;;
guest | arch-* | */* | .*) profile_ok=0 ;;
*) [ -f "$TOP/configs/$PROFILE.config" ] || profile_ok=0 ;;
esac
[ $profile_ok = 1 ] || {
	echo "error: PROFILE=$PROFILE: not a profile; profiles: default $(cd "$TOP/configs" && ls *.config | sed 's/\.config$//' | grep -v '^guest$\|^arch-' | tr '\n' ' ')" >&2
	exit 1
}
# shellcheck source=../base.conf
. "$TOP/base.conf"

# The guest's architecture: configs/arch-NAME.env holds every fact about
# it (ARCH= takes NAME or one of its ARCH_ALIASES; default x86_64).  SFX
# keeps an architecture's builds and logs apart from x86_64's (empty there);
# CROSS is its cross compiler's prefix, empty on a host of its own kind.
want_arch=${ARCH:-${WB_ARCH:-x86_64}}
WB_ARCH=
for f in "$TOP"/configs/arch-*.env; do
	case " $(sed -n 's/^ARCH_ALIASES="\(.*\)"$/\1/p' "$f") " in
	*" $want_arch "*) WB_ARCH=$(basename "$f" .env) WB_ARCH=${WB_ARCH#arch-} ;;
	esac
done
[ -n "$WB_ARCH" ] || {
	echo "error: ARCH=$want_arch: no configs/arch-$want_arch.env; guests: $(cd "$TOP/configs" && ls arch-*.env | sed 's/^arch-//; s/\.env$//' | tr '\n' ' ')(make cross compiles others)" >&2
	exit 1
}
# shellcheck source=../configs/arch-x86_64.env
. "$TOP/configs/arch-$WB_ARCH.env"
SFX=-$WB_ARCH
[ "$WB_ARCH" != x86_64 ] || SFX=
CROSS=$TRIPLET-
[ "$(uname -m)" != "$UNAME_M" ] || CROSS=
# Kernel makes get ARCH=$KARCH on their command line, whatever the caller's.
export WB_ARCH
# The compiler of the kernel: the host's (Debian 12's gcc 12); with
# TOOLCHAIN=bullseye, the base's own distribution's (gcc 10.2.1), in the
# build root of scripts/bullseye-root.sh; with TOOLCHAIN=clang, Debian 12's
# clang and LLVM tools (LLVM=1), as Android's GKI kernels are built.
case ${TOOLCHAIN:-host} in
host) TSFX= ;;
bullseye) TSFX=-bullseye ;;
clang) TSFX=-clang ;;
*) echo "error: TOOLCHAIN=$TOOLCHAIN: use host, bullseye or clang" >&2; exit 1 ;;
esac
export TOOLCHAIN=${TOOLCHAIN:-host}
# build/obj-PROFILE for x86_64, build/obj-arm64-PROFILE for arm64,
# build/obj-bullseye-PROFILE for TOOLCHAIN=bullseye, and so on.
OBJ_NAME=obj$SFX$TSFX-$PROFILE
LOG_TAG=${SFX#-}${SFX:+-}${TSFX#-}${TSFX:+-}$PROFILE

# objdir [peer-VERSION]: the build directory of $PROFILE's kernel (of an
# upstream kernel of peer/).
objdir() {
	echo "$BUILD/${1:+$1-}$OBJ_NAME"
}

# logdir NAME [TAG]: the logs of a boot running guest/NAME.list (or of the
# step NAME), for TAG (default: this architecture, toolchain and profile).
logdir() {
	echo "$BUILD/logs/$1-${2:-$LOG_TAG}"
}

# The guest's QEMU, for boot.sh and accel.sh's probe, from the arch file.
# qemu_ports DIR: the arguments that send the guest's console, its KTAP port
# and the exit status of an exec's command to DIR/console.log, DIR/ktap.log
# and DIR/status; PORTS_CMDLINE tells the kernel and /init where they are.
qemu_ports() {
	echo "-serial file:$1/console.log"
	case $KTAP_PORT in
	uart) echo "-serial file:$1/ktap.log -serial file:$1/status" ;;
	virtio)
		echo "-device virtio-serial-$VIRTIO"
		echo "-chardev file,id=ktap,path=$1/ktap.log -device virtconsole,chardev=ktap"
		echo "-chardev file,id=status,path=$1/status -device virtconsole,chardev=status" ;;
	esac
}
case $KTAP_PORT in
uart) PORTS_CMDLINE="console=$CONSOLE wb.port=/dev/ttyS1 wb.status=/dev/ttyS2" ;;
virtio) PORTS_CMDLINE="console=$CONSOLE wb.port=/dev/hvc0 wb.status=/dev/hvc1" ;;
*) echo "error: configs/arch-$WB_ARCH.env: KTAP_PORT=$KTAP_PORT: uart or virtio" >&2; exit 1 ;;
esac

# Downloads and build roots: once per user, not per clone.
WB_CACHE=${BASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/madv-populate-workbench}

die() {
	echo "error: $*" >&2
	exit 1
}

# stage NAME: announce a stage; stage_done prints how long it took.
stage() {
	STAGE_NAME=$1
	STAGE_T0=$(date +%s)
	echo "==> $STAGE_NAME"
}

stage_done() {
	echo "==> $STAGE_NAME done in $(($(date +%s) - STAGE_T0))s"
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "'$c' not found; run 'make deps' (or scripts/deps.sh) to install it"
	done
}

SERIES_HEADER="# MADV_POPULATE_(READ|WRITE) for Linux 5.10: applied in this order with 'git am'."

# series_list DIR: the patch names of DIR/series, in order.
series_list() {
	grep -v '^[[:space:]]*\(#\|$\)' "$1/series"
}

# format_series LINUX DIR: write the commits of LINUX above base as patches,
# and the series file naming them, into the empty DIR.  Deterministic: zero
# commit ids, no signature, fixed abbreviation, names from the subjects.
format_series() {
	local f
	git -C "$1" -c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c format.signature= -c format.coverLetter=false -c format.useAutoBase=false \
		format-patch -q --zero-commit --no-signature --numbered --no-thread \
		--no-renames --no-attach -o "$2" base..HEAD >/dev/null
	echo "$SERIES_HEADER" >"$2/series"
	for f in "$2"/*.patch; do
		[ -e "$f" ] || break
		basename "$f" >>"$2/series"
	done
}

# series_hash DIR: one hash over DIR's series file and every patch it names.
series_hash() {
	(cd "$1" && cat series $(series_list .) | sha256sum | cut -d' ' -f1)
}

# debian_uri security|main: the URI of the machine's own Debian archive
# (its -security suites, or the others), from either apt sources format.
# Mirrors are never written down: they come from the machine's apt config.
debian_uri() {
	local f want=$1
	{
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -r "$f" ] || continue
			awk -v want="$want" 'BEGIN { RS = ""; IGNORECASE = 1 }
			     match($0, /(^|\n)Suites:[^\n]*/) {
				suites = substr($0, RSTART, RLENGTH)
				sec = suites ~ /-security/
				if ((want == "security") != sec) next
				if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) {
					s = substr($0, RSTART, RLENGTH)
					sub(/^\n?URIs:[ \t]*/, "", s); print s
				}
			     }' "$f"
		done
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			awk -v want="$want" '$1 == "deb" && (want == "security") == ($0 ~ /-security/) {
				for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break }
			     }' "$f"
		done
	} | head -n 1
}

# apt_private APTDIR "SOURCES LINES": set the array opts to apt-get's
# options for a private sources list (the lines), state and cache in
# APTDIR; the system's apt configuration is untouched.
apt_private() {
	need apt-get
	mkdir -p "$1/lists/partial" "$1/cache/archives/partial" "$1/parts"
	printf '%s\n' "$2" >"$1/sources.list"
	opts=(-o "Dir::Etc::SourceList=$1/sources.list" -o "Dir::Etc::SourceParts=$1/parts"
	      -o "Dir::State::Lists=$1/lists" -o "Dir::Cache=$1/cache"
	      -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
}

# apt_download APTDIR DESTDIR "SOURCES LINE" [DEBARCH] PKG...: download
# packages with apt-get, from one sources line, into DESTDIR, using private
# state and cache in APTDIR (DEBARCH "" for the host's architecture): the
# system's apt configuration is untouched.  Logs in APTDIR.
apt_download() {
	local apt=$1 dest=$2 line=$3 arch=$4
	shift 4
	apt_private "$apt" "$line"
	mkdir -p "$dest"
	[ -z "$arch" ] || opts+=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch")
	apt-get -q "${opts[@]}" update >"$apt/update.log" 2>&1 ||
		die "apt-get update failed (network?); see $apt/update.log"
	(cd "$dest" && apt-get -q "${opts[@]}" download "$@") >"$apt/download.log" 2>&1 ||
		die "apt-get download $* failed; see $apt/download.log"
}

# verdict_passed LOGDIR: the verdict boot.sh wrote for LOGDIR found no failure.
verdict_passed() {
	tail -n 1 "$1/verdict.txt" 2>/dev/null | grep -q '^[0-9]* passed, 0 failed, '
}

# mutant_worktree DIR: DIR a git worktree of build/linux at its HEAD, with
# nothing changed in it (make mutants and make bench-gate build mutants there).
mutant_worktree() {
	if [ ! -e "$1/.git" ]; then
		rm -rf "$1"
		git -C "$BUILD/linux" worktree prune
		git -C "$BUILD/linux" worktree add -q --detach "$1" HEAD
	fi
	git -C "$1" checkout -q --detach "$(git -C "$BUILD/linux" rev-parse HEAD)"
	git -C "$1" checkout -q -- .
}
