#!/bin/bash
# make upstream: guest/upstream.list (the series' selftest, the workbench's
# verification programs, then a reproducer of each upstream bug they found)
# on the series' kernel and on upstream's as Debian ships them
# (peer/VERSION.conf: 6.1 and 6.12), every kernel built with the same
# fragments ($PROFILE's), booted with the same initramfs and QEMU
# arguments; logs in build/logs/upstream-KERNEL-$TAG.
# scripts/upstream-report.py judges: it classifies every failure
# with upstream/differences.tsv, writes build/upstream-$TAG/results.md (and
# upstream/results.md, for the default kernels, profile and architecture)
# and fails on a failure nothing there explains, on any failure of the
# series' kernel, and on a row there that matches no failure (a bug's
# reproducer that passes where upstream is said to be broken).
#
# UPSTREAM_KERNELS="series 6.1 6.12" (peer/*.conf names the upstream ones)
set -eu
. "$(dirname "$0")/lib.sh"

KERNELS=${UPSTREAM_KERNELS:-series 6.1 6.12}
OUT=$BUILD/upstream-$LOG_TAG
mkdir -p "$OUT"

kernel_path() {
	case $1 in
	series) echo "$(objdir)/$KIMAGE" ;;
	*) echo "$(objdir "peer-$1")/$KIMAGE" ;;
	esac
}
for k in $KERNELS; do
	[ "$k" = series ] || "$TOP/scripts/peer.sh" "$k"
done

args=()
for k in $KERNELS; do
	tag=$k-$LOG_TAG
	# A guest that dies or times out is a result like any other: the
	# report says so for that kernel.
	# boot.sh may stop before it clears the logs: no stale verdict judged.
	rm -rf "$(logdir upstream "$tag")"
	KERNEL=$(kernel_path "$k") TAG=$tag "$TOP/scripts/boot.sh" list upstream || true
	args+=("$k" upstream "$(logdir upstream "$tag")")
done
rc=0
python3 "$TOP/scripts/upstream-report.py" "$TOP/upstream/differences.tsv" "$OUT/results.md" \
	"$TOOLCHAIN toolchain, PROFILE=$PROFILE, ARCH=$WB_ARCH" "${args[@]}" || rc=$?
if [ "$KERNELS" = "series 6.1 6.12" ] && [ "$PROFILE$SFX" = default ]; then
	cp "$OUT/results.md" "$TOP/upstream/results.md"
	echo "upstream: wrote upstream/results.md"
fi
exit $rc
