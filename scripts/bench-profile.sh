#!/bin/bash
# make bench-profile: where populate's instructions go, function by function,
# on the series and on the peer.  guest/madv_populate_bench -P marks the
# timed region of each cell of BENCH_PROFILE_CELLS; scripts/insn-profile.c,
# a QEMU plugin, counts the instructions of every translation block executed
# in each region; scripts/bench-profile.py charges them to the kernel's
# functions (System.map: the guests boot with nokaslr) per 4 KiB page.
#
# The plugin is built against qemu-plugin.h of the QEMU installed here: the
# header of its Debian source package, fetched with apt from the machine's
# own Debian mirror (private apt state, as fetch-base.sh does), kept in the
# download cache.
#
# BENCH_PROFILE_CELLS=MAPPING:BACKING:METHOD,...  ('_' for a space, '*' for
# any; default: every cell of the 4 KiB backings)
# BENCH_PROFILE_SIZE=16 (MiB)  BENCH_KERNELS="series peer"
# Output: build/bench-profile/profile.md (and each kernel's regions.txt),
# copied to bench/profile.md (BENCH_PROFILE_RESULTS=FILE elsewhere, empty
# for nowhere).
set -eu
. "$(dirname "$0")/lib.sh"
need gcc python3 dpkg-query

# Every cell of the 4 KiB backings: those whose bars bench/misses.tsv
# explains, and the cells beside them.
CELLS=${BENCH_PROFILE_CELLS:-*:Anon_4_KiB:*,*:Memfd_4_KiB:*,*:tmpfs:*,*:file:*}
SIZE=${BENCH_PROFILE_SIZE:-16}
KERNELS=${BENCH_KERNELS:-series peer}
OUT=$BUILD/bench-profile
case "$CELLS" in *[!A-Za-z0-9_:+/,*]*) die "BENCH_PROFILE_CELLS=$CELLS: MAPPING:BACKING:METHOD,... with '_' for a space, '*' for any" ;; esac
case "$SIZE" in '' | *[!0-9]*) die "BENCH_PROFILE_SIZE=$SIZE: MiB, a number" ;; esac
[ "$WB_ARCH" = x86_64 ] || die "the profiler's markers are x86 instructions: ARCH=x86_64 only"

# The plugin header of the installed QEMU.
read -r src ver < <(dpkg-query -W -f '${source:Package} ${source:Version}\n' "$QEMU_PKG" 2>/dev/null) ||
	die "$QEMU_PKG is not installed; run make deps"
hdr=$WB_CACHE/qemu-plugin-$ver
if [ ! -f "$hdr/qemu-plugin.h" ]; then
	uri=$(debian_uri main) suri=$(debian_uri security)
	[ -n "$uri" ] || die "no Debian source in /etc/apt to fetch $src's source from"
	apt=$WB_CACHE/apt-source-$src
	mkdir -p "$hdr"
	apt_private "$apt" "deb-src $uri bookworm main${suri:+
deb-src $suri bookworm-security main}"
	echo "bench-profile: fetching $src $ver's source for qemu-plugin.h" >&2
	apt-get -q "${opts[@]}" update >"$apt/update.log" 2>&1 ||
		die "apt-get update failed (network?); see $apt/update.log"
	# The installed version, else the archive's current one (a mirror keeps
	# only the newest point release; the plugin API is the same in all of
	# a release's updates).
	(cd "$apt" && apt-get -q "${opts[@]}" source --download-only "$src=$ver") >"$apt/source.log" 2>&1 ||
		(cd "$apt" && apt-get -q "${opts[@]}" source --download-only "$src") >>"$apt/source.log" 2>&1 ||
		die "apt-get source $src failed; see $apt/source.log"
	orig=$(ls "$apt"/"${src}"_*.orig.tar.* | head -n 1)
	tar -xaf "$orig" -C "$hdr" --wildcards --strip-components=3 '*/include/qemu/qemu-plugin.h' ||
		die "$orig has no include/qemu/qemu-plugin.h"
	rm -f "$apt"/*.tar.* "$apt"/*.dsc
fi
mkdir -p "$OUT"
gcc -shared -fPIC -O2 -Wall -I "$hdr" "$TOP/scripts/insn-profile.c" -o "$OUT/insn-profile.so" ||
	die "building the QEMU plugin failed"

maps=
for k in $KERNELS; do
	name=${k%%=*}
	case $k in
	series) map=$(objdir)/System.map ;;
	peer) map=$(objdir peer-6.1)/System.map ;;
	*) die "BENCH_KERNELS=$KERNELS: bench-profile knows series and peer" ;;
	esac
	[ -f "$map" ] || die "no System.map for $name at $map"
	rm -rf "${OUT:?}/$name"
	echo "bench-profile: $name: $CELLS at $SIZE MiB"
	BENCH_CLOCK=icount BENCH_KERNELS=$k BENCH_ROUNDS=1 BENCH_RUNS=1 BENCH_SIZES=$SIZE BENCH_OUT=$OUT/$name \
		BENCH_RESULTS= \
		BENCH_QEMU_EXTRA="-plugin $OUT/insn-profile.so,out=$OUT/$name/regions.txt" \
		BENCH_CMDLINE_EXTRA="nokaslr wb.bench_only=$CELLS wb.bench_mark=1" \
		"$TOP/scripts/bench.sh" >"$OUT/$name.log" 2>&1 ||
		{ tail -n 5 "$OUT/$name.log" >&2; die "the $name boot failed; see $OUT/$name.log"; }
	maps="$maps $name=$map"
done
# shellcheck disable=SC2086
"$TOP/scripts/bench-profile.py" "$OUT" "$SIZE" $maps
copy=${BENCH_PROFILE_RESULTS-$TOP/bench/profile.md}
[ -z "$copy" ] || cp "$OUT/profile.md" "$copy"
