#!/bin/bash
# bench-report.sh RESULTS.TSV: from make bench's runs (kernel, round, run,
# size_mib, mapping, backing, method, ms) and the cover letter's table
# (bench/cover-letter.tsv), write next to RESULTS.TSV:
#   ratios.tsv  per kernel, size and cell: POPULATE ÷ manual, and per cell
#               the series' populate time ÷ the peer's; median and spread
#   table.md    the bars and their verdicts, then ratios and times
#   chart.png   POPULATE_READ÷Read and POPULATE_WRITE÷Write at the largest
#               size: this series, the peer, the cover letter
# and copy table.md to bench/results.md (BENCH_RESULTS=FILE elsewhere, or
# BENCH_RESULTS= for nowhere).
#
# Statistics: a ratio is taken within one run (a POPULATE time over the
# manual time measured in the same pass of the same boot; the series over
# the peer in the same round), then summarised over the runs by the median
# and a spread, the range of the runs without the highest and the lowest
# fifth.  A bar is "ok" when the whole spread meets it, "MISS" when none
# of it does, else "inconclusive": the noise is larger than the difference.
# Exit 0 even when bars are missed.
set -eu
. "$(dirname "$0")/lib.sh"
need awk gnuplot

RES=${1:?usage: bench-report.sh RESULTS.TSV}
DIR=$(dirname "$RES")
COVER=$TOP/bench/cover-letter.tsv
RESULTS=${BENCH_RESULTS-$TOP/bench/results.md}

awk -F'\t' -v OFS='\t' -v ratios="$DIR/ratios.tsv" -v md="$DIR/table.md" \
    -v dat="$DIR/chart.dat" -v cmd="${BENCH_CMD:-make bench}" '
function push(key, v) { n[key]++; val[key, n[key]] = v }
# stats(KEY): sets S_med, S_lo, S_hi, S_n from the values pushed on KEY.
function stats(key,   i, j, c, x, a, trim) {
	c = n[key] + 0; S_n = c
	if (!c) { S_med = S_lo = S_hi = ""; return 0 }
	for (i = 1; i <= c; i++) a[i] = val[key, i]
	for (i = 2; i <= c; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	S_med = c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	trim = int(c / 5); S_lo = a[1 + trim]; S_hi = a[c - trim]
	return c
}
function fmt(key) {
	if (!stats(key)) return "-"
	return sprintf("%.2f [%.2f–%.2f]", S_med, S_lo, S_hi)
}
# judge(KEY, LIMIT): ok, MISS or inconclusive, for "the value <= LIMIT".
function judge(key, limit) {
	if (!stats(key)) return "no data"
	if (S_hi <= limit) return "ok"
	if (S_lo > limit) return "MISS"
	return "inconclusive"
}
FNR == 1 { next }
FILENAME ~ /cover-letter/ {	# size mapping backing method ms
	cover[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4] = $5; next
}
$8 == "NA" { next }
{				# kernel round run size mapping backing method ms
	k = $1; size = $4; cell = $5 SUBSEP $6; m = $7
	if (!(size in sz)) { sz[size] = 1; sizes[++nsz] = size; if (size + 0 > max) max = size + 0 }
	if (!(cell in seen)) { seen[cell] = 1; cells[++ncell] = cell }
	if (!(m in mseen)) { mseen[m] = 1; methods[++nm] = m }
	if (!(k in kseen)) { kseen[k] = 1; kernels[++nk] = k }
	if (!(($2) in rseen)) { rseen[$2] = 1; rounds[++nr] = $2 }
	pass = $2 SUBSEP $3
	if (!(pass in pseen)) { pseen[pass] = 1; passes[++np] = pass }
	t[k, pass, size, cell, m] = $8
	push("t" SUBSEP k SUBSEP size SUBSEP cell SUBSEP m, $8)
}
function cov(size, cell, m,   csz) { csz = size == 2 ? 2 : 4096; return cover[csz SUBSEP cell SUBSEP m] }
END {
	nratio = split("PR/Read PW/Write PW/ReadWrite FPR/FRead FPW/FWrite PW/memset", rn, " ")
	split("POPULATE_READ POPULATE_WRITE POPULATE_WRITE FALLOCATE+POPULATE_READ FALLOCATE+POPULATE_WRITE POPULATE_WRITE", num, " ")
	split("Read Write Read/Write FALLOCATE+Read FALLOCATE+Write memset", den, " ")
	npop = split("POPULATE_READ POPULATE_WRITE FALLOCATE+POPULATE_READ FALLOCATE+POPULATE_WRITE", pop, " ")
	# Ratios within each pass, series ÷ peer within each round and run.
	for (s = 1; s <= nsz; s++) for (c = 1; c <= ncell; c++) for (p = 1; p <= np; p++) {
		size = sizes[s]; cell = cells[c]; pass = passes[p]
		for (k = 1; k <= nk; k++) for (r = 1; r <= nratio; r++) {
			a = t[kernels[k], pass, size, cell, num[r]]; b = t[kernels[k], pass, size, cell, den[r]]
			if (a != "" && b != "" && b > 0) push("r" SUBSEP kernels[k] SUBSEP size SUBSEP cell SUBSEP rn[r], a / b)
		}
		for (k = 1; k <= nk; k++) for (q = 1; q <= npop; q++) {
			if (kernels[k] == "series") continue
			a = t["series", pass, size, cell, pop[q]]; b = t[kernels[k], pass, size, cell, pop[q]]
			if (a != "" && b != "" && b > 0) push("v" SUBSEP kernels[k] SUBSEP size SUBSEP cell SUBSEP pop[q], a / b)
		}
	}
	print "kernel", "size_mib", "mapping", "backing", "ratio", "median", "lo", "hi", "runs" > ratios
	for (s = 1; s <= nsz; s++) for (c = 1; c <= ncell; c++) {
		split(cells[c], mb, SUBSEP)
		for (k = 1; k <= nk; k++) for (r = 1; r <= nratio; r++)
			if (stats("r" SUBSEP kernels[k] SUBSEP sizes[s] SUBSEP cells[c] SUBSEP rn[r]))
				print kernels[k], sizes[s], mb[1], mb[2], rn[r], S_med, S_lo, S_hi, S_n > ratios
		for (k = 1; k <= nk; k++) for (q = 1; q <= npop; q++)
			if (stats("v" SUBSEP kernels[k] SUBSEP sizes[s] SUBSEP cells[c] SUBSEP pop[q]))
				print "series/" kernels[k], sizes[s], mb[1], mb[2], pop[q], S_med, S_lo, S_hi, S_n > ratios
	}

	printf "# MADV_POPULATE benchmark\n\n" > md
	printf "Regenerated by `%s` (scripts/bench.sh): kernels", cmd > md
	for (k = 1; k <= nk; k++) printf " %s", kernels[k] > md
	printf ", %d rounds, %d runs per kernel and cell, under QEMU (see the README for the accelerator).\n", nr, np > md
	printf "Times in ms; a ratio is taken within one run (populate ÷ manual in the same pass, series ÷ peer in the same round),\n" > md
	printf "shown as median [spread]: the range of the runs without the highest and lowest fifth.\n" > md
	printf "A bar is ok when the whole spread meets it, MISS when none of it does, else inconclusive.\n" > md
	printf "\"cover\" is the upstream cover letter (real hardware; its large size is 4096 MiB).\n" > md

	# The bars, at the largest size.
	printf "\n## Bars at %d MiB\n\n| bar | mapping | backing | value | limit | verdict |\n|---|---|---|---|---|---|\n", max > md
	for (c = 1; c <= ncell; c++) {
		cell = cells[c]; split(cell, mb, SUBSEP)
		for (r = 1; r <= 5; r++)
			bar(rn[r] " (series)", "r" SUBSEP "series" SUBSEP max SUBSEP cell SUBSEP rn[r], 1.00, mb)
		four = mb[2] == "Anon 4 KiB" || mb[2] == "Memfd 4 KiB" || mb[2] == "tmpfs" || mb[2] == "file"
		for (q = 1; q <= npop; q++) {
			key = "v" SUBSEP "peer" SUBSEP max SUBSEP cell SUBSEP pop[q]
			if (four && q <= 2) bar(pop[q] " series÷peer (4 KiB)", key, 0.80, mb)
			else bar(pop[q] " series÷peer", key, 1.05, mb)
		}
		if (mb[1] == "MAP_PRIVATE" && mb[2] == "Anon 4 KiB")
			bar("PW/memset (series)", "r" SUBSEP "series" SUBSEP max SUBSEP cell SUBSEP "PW/memset", 1.50, mb)
	}
	printf "\nSummary: %d ok, %d MISS, %d inconclusive.\n", nv["ok"], nv["MISS"], nv["inconclusive"] > md
	printf "bench: bars at %d MiB: %d ok, %d MISS, %d inconclusive\n", max, nv["ok"], nv["MISS"], nv["inconclusive"] > "/dev/stderr"

	# Populate times of the series over those of every other kernel, largest size.
	if (nk > 1) {
		printf "\n## Populate time at %d MiB, series ÷ each other kernel\n\n| mapping | backing | method |", max > md
		for (k = 1; k <= nk; k++) if (kernels[k] != "series") printf " ÷ %s |", kernels[k] > md
		printf "\n|---|---|---|" > md
		for (k = 2; k <= nk; k++) printf "---|" > md
		printf "\n" > md
		for (c = 1; c <= ncell; c++) for (q = 1; q <= npop; q++) {
			split(cells[c], mb, SUBSEP); line = ""; any = 0
			for (k = 1; k <= nk; k++) {
				if (kernels[k] == "series") continue
				key = "v" SUBSEP kernels[k] SUBSEP max SUBSEP cells[c] SUBSEP pop[q]
				if (n[key]) any = 1
				line = line " " fmt(key) " |"
			}
			if (any) printf "| %s | %s | %s |%s\n", mb[1], mb[2], pop[q], line > md
		}
	}

	for (s = 1; s <= nsz; s++) {
		size = sizes[s]
		printf "\n## Ratios, %s MiB\n\n| mapping | backing | ratio |", size > md
		for (k = 1; k <= nk; k++) printf " %s |", kernels[k] > md
		printf " cover |\n|---|---|---|" > md
		for (k = 0; k <= nk; k++) printf "---|" > md
		printf "\n" > md
		for (c = 1; c <= ncell; c++) {
			cell = cells[c]; split(cell, mb, SUBSEP)
			for (r = 1; r <= nratio; r++) {
				line = ""; any = 0
				for (k = 1; k <= nk; k++) {
					key = "r" SUBSEP kernels[k] SUBSEP size SUBSEP cell SUBSEP rn[r]
					if (n[key]) any = 1
					line = line " " fmt(key) " |"
				}
				if (!any) continue
				a = cov(size, cell, num[r]); b = cov(size, cell, den[r])
				printf "| %s | %s | %s |%s %s |\n", mb[1], mb[2], rn[r], line,
				       (a != "" && b != "" && b > 0 ? sprintf("%.2f", a / b) : "-") > md
			}
			if (size + 0 == max)
				printf "\"%s\\n%s\" %s %s %s %s %s %s\n", mb[1] == "MAP_SHARED" ? "shared" : "private", mb[2],
				       med("series", size, cell, "PR/Read"), med("peer", size, cell, "PR/Read"),
				       cr(size, cell, "POPULATE_READ", "Read"), med("series", size, cell, "PW/Write"),
				       med("peer", size, cell, "PW/Write"), cr(size, cell, "POPULATE_WRITE", "Write") > dat
		}
	}
	printf "\n## Times (ms): median (min–max)\n\n| size MiB | mapping | backing | method |" > md
	for (k = 1; k <= nk; k++) printf " %s |", kernels[k] > md
	printf " cover |\n|---|---|---|---|" > md
	for (k = 0; k <= nk; k++) printf "---|" > md
	printf "\n" > md
	for (s = 1; s <= nsz; s++) for (c = 1; c <= ncell; c++) {
		split(cells[c], mb, SUBSEP)
		for (m = 1; m <= nm; m++) {
			line = ""; any = 0
			for (k = 1; k <= nk; k++) {
				key = "t" SUBSEP kernels[k] SUBSEP sizes[s] SUBSEP cells[c] SUBSEP methods[m]
				if (n[key]) any = 1
				if (stats(key)) { S_lo = val[key, 1]; S_hi = S_lo
					for (i = 2; i <= n[key]; i++) { if (val[key, i] < S_lo) S_lo = val[key, i]; if (val[key, i] > S_hi) S_hi = val[key, i] } }
				line = line " " (n[key] ? sprintf("%.1f (%.1f–%.1f)", S_med, S_lo, S_hi) : "-") " |"
			}
			if (!any) continue
			cv = cov(sizes[s], cells[c], methods[m])
			printf "| %s | %s | %s | %s |%s %s |\n", sizes[s], mb[1], mb[2], methods[m], line, cv == "" ? "-" : cv > md
		}
	}
	print max > (dat ".size")
}
function bar(name, key, limit, mb,   v) {
	if (!n[key]) return
	v = judge(key, limit); nv[v]++
	printf "| %s | %s | %s | %s | ≤ %.2f | %s |\n", name, mb[1], mb[2], fmt(key), limit, v > md
	if (v != "ok") printf "bench: %s: %s %s: %s, limit %.2f\n", v, mb[1], mb[2], name, limit > "/dev/stderr"
}
function med(k, size, cell, r) { return stats("r" SUBSEP k SUBSEP size SUBSEP cell SUBSEP r) ? S_med : "?" }
function cr(size, cell, a, b) { a = cov(size, cell, a); b = cov(size, cell, b); return a != "" && b != "" && b > 0 ? a / b : "?" }
' "$COVER" "$RES"

max=$(cat "$DIR/chart.dat.size")
gnuplot <<GP || die "gnuplot failed"
set terminal pngcairo size 1400,900 font ",10" noenhanced
set output "$DIR/chart.png"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key outside right top vertical
set xtics rotate by -30 left
set multiplot layout 2,1 title "MADV_POPULATE vs touching every page, $max MiB, median of the runs (lower is better; 1 = same time)"
set title "POPULATE_READ ÷ Read"
plot "$DIR/chart.dat" using 2:xtic(1) title "this series (5.10)", '' using 3 title "peer (Debian 6.1)", '' using 4 title "cover letter (5.14, real hardware)"
set title "POPULATE_WRITE ÷ Write"
plot "$DIR/chart.dat" using 5:xtic(1) title "this series (5.10)", '' using 6 title "peer (Debian 6.1)", '' using 7 title "cover letter (5.14, real hardware)"
unset multiplot
GP
rm -f "$DIR/chart.dat.size"
[ -z "$RESULTS" ] || cp "$DIR/table.md" "$RESULTS"
echo "bench: $DIR/table.md${RESULTS:+ (also $RESULTS)}, $DIR/chart.png, $DIR/results.tsv, $DIR/ratios.tsv"
