#!/bin/bash
# make bench-gate: the performance gate, about ten minutes.  The bench's cells
# at BENCH_GATE_SIZE MiB (default 32), instruction-counted (make bench's
# default clock: two runs agree within 0.5% in every cell), one boot
# each of the series, the peer and the series with each mutants/perf/*.patch applied
# (a change that keeps behaviour and costs time); scripts/bench-gate.py
# judges: every populate cell of the series within its limit (bench/gate.tsv,
# else BENCH_GATE_LIMIT, 1.07) of the peer's time, every perf mutant beyond it in some cell.  Exit 0
# when both hold.  Being make bench, it also keeps make bench and make peer
# from rotting unseen.
#
# The perf mutants build in the worktree of make mutants (build/mutant-src)
# into build/obj-perf-mutant; results in build/bench-gate/.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"
need git

[ "$WB_ARCH" = x86_64 ] || die "make bench-gate runs x86_64 guests only"
SIZE=${BENCH_GATE_SIZE:-32}
LIMIT=${BENCH_GATE_LIMIT:-1.07}
OUT=$BUILD/bench-gate$TSFX
WT=$BUILD/mutant-src
OBJ=$BUILD/obj-perf-mutant$TSFX
mkdir -p "$OUT"

stage "bench-gate: perf mutants"
mutant_worktree "$WT"
kernels="series peer"
for m in "$TOP"/mutants/perf/*.patch; do
	name=perf-$(basename "$m" .patch | cut -d- -f1)
	git -C "$WT" apply "$m" || die "$m does not apply to the series"
	LINUX=$WT OBJ=$OBJ "$TOP/scripts/build.sh" >"$OUT/$name.build.log" 2>&1 || {
		git -C "$WT" checkout -q -- .
		die "$m does not build (see $OUT/$name.build.log)"
	}
	git -C "$WT" checkout -q -- .
	cp "$OBJ/$KIMAGE" "$OUT/$name.img"
	kernels="$kernels $name=$OUT/$name.img"
	echo "bench-gate: $name: $(sed -n 's/^Mutant: //p' "$m" | head -n 1)"
done
stage_done

BENCH_CLOCK=icount BENCH_SIZES=$SIZE BENCH_ROUNDS=1 BENCH_RUNS=1 BENCH_RESULTS='' \
	BENCH_OUT=$OUT BENCH_KERNELS=$kernels "$TOP/scripts/bench.sh" >"$OUT/bench.log" 2>&1 || {
	tail -n 20 "$OUT/bench.log" >&2
	die "the gate's bench did not run (see $OUT/bench.log)"
}
python3 "$TOP/scripts/bench-gate.py" "$OUT/results.tsv" "$LIMIT" | tee "$OUT/gate.txt"
