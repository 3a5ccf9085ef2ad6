#!/bin/bash
# bench-compare.sh A/ratios.tsv B/ratios.tsv [TOLERANCE]: does make bench
# repeat?  For every ratio of both runs at the largest size (POPULATE ÷
# manual per kernel, series ÷ peer populate times), compare the medians:
# print those that differ by more than TOLERANCE (default 0.05 = 5%), the
# largest difference, and exit 1 if any differs by more.
# bench-compare.sh A/results.tsv B/results.tsv [TOLERANCE]: the same for
# the times of every cell at every size (kernel, size, mapping, backing,
# method; the median of a run's passes, as the report takes it), with a
# count per size.
set -eu
. "$(dirname "$0")/lib.sh"
need awk

A=${1:?usage: bench-compare.sh A/ratios.tsv B/ratios.tsv [TOLERANCE]}
B=${2:?usage: bench-compare.sh A/ratios.tsv B/ratios.tsv [TOLERANCE]}
if head -n 1 "$A" | grep -q '^kernel	round	'; then
	awk -F'\t' -v tol="${3:-0.05}" '
	# The median of the n values v[1..n], as the report takes it.
	function median(v, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function med(x, key, n,   i, v) {
		for (i = 1; i <= n; i++) v[i] = x[key, i]
		return median(v, n)
	}
	FNR == 1 || $8 == "NA" { next }
	{ key = $1 ", " $4 " MiB " $5 " " $6 " " $7; size[key] = $4 }
	NR == FNR { xa[key, ++na[key]] = $8; next }
	{ xb[key, ++nb[key]] = $8 }
	END {
		for (k in na) {
			if (!(k in nb)) continue
			a = med(xa, k, na[k]); b = med(xb, k, nb[k])
			if (a <= 0) continue
			d = b / a - 1; if (d < 0) d = -d
			cmp++; n[size[k]]++
			if (d > worst) { worst = d; wk = k }
			if (d > tol) { bad++; nbad[size[k]]++
				printf "differs by %.2f%%: %s: %.3f vs %.3f ms\n", 100 * d, k, a, b }
		}
		if (!cmp) { print "bench-compare: no cell in both files"; exit 2 }
		for (s in n) printf "bench-compare: %s MiB: %d cells, %d differ by more than %.1f%%\n", s, n[s], nbad[s], 100 * tol
		printf "bench-compare: largest difference %.2f%% (%s)\n", 100 * worst, wk
		exit bad ? 1 : 0
	}' "$A" "$B"
	exit
fi
awk -F'\t' -v tol="${3:-0.05}" '
FNR == 1 { next }
{ key = $1 ", " $3 " " $4 ", " $5 }
NR == FNR { a[$2, key] = $6; if ($2 + 0 > max) max = $2 + 0; next }
{ b[$2, key] = $6 }
END {
	for (k in a) {
		split(k, sk, SUBSEP)
		if (sk[1] + 0 != max || !((k) in b) || a[k] <= 0 || b[k] <= 0) continue
		d = b[k] / a[k] - 1; if (d < 0) d = -d
		cmp++
		if (d > worst) { worst = d; wk = sk[2] }
		if (d > tol) { bad++; printf "differs by %.1f%%: %s: %.3f vs %.3f\n", 100 * d, sk[2], a[k], b[k] }
	}
	if (!cmp) { print "bench-compare: no ratio of the largest size in both files"; exit 2 }
	printf "bench-compare: %d ratios at %d MiB, %d differ by more than %.0f%%; largest difference %.1f%% (%s)\n",
	       cmp, max, bad, 100 * tol, 100 * worst, wk
	exit bad ? 1 : 0
}' "$A" "$B"
