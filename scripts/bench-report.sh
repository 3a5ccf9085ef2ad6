#!/bin/bash
# bench-report.sh RESULTS.TSV: from make bench's results (kernel, size_mib,
# mapping, backing, method, ms) and the cover letter's table
# (bench/cover-letter.tsv), write next to RESULTS.TSV:
#   ratios.tsv  per kernel and cell: POPULATE ÷ manual ratios
#   table.md    the ratios with the bar, then every time on both kernels
#   chart.png   POPULATE_READ÷Read and POPULATE_WRITE÷Write at the largest
#               size: this series, the peer, the cover letter
# and print the cells that miss the bar.  Exit 0 even on misses.
set -eu
. "$(dirname "$0")/lib.sh"
need awk gnuplot

RES=${1:?usage: bench-report.sh RESULTS.TSV}
DIR=$(dirname "$RES")
COVER=$TOP/bench/cover-letter.tsv

awk -F'\t' -v OFS='\t' -v ratios="$DIR/ratios.tsv" -v md="$DIR/table.md" \
    -v dat="$DIR/chart.dat" '
function r(a, b) { return (a != "" && b != "" && a != "NA" && b != "NA" && b > 0) ? a / b : "" }
function f(x, d) { return x == "" ? "-" : sprintf(d ? "%.3f" : "%.2f", x) }
FNR == 1 { next }
FILENAME ~ /cover-letter/ {	# size mapping backing method ms
	ms[$1 SUBSEP "cover" SUBSEP $2 SUBSEP $3 SUBSEP $4] = $5; next
}
{				# kernel size mapping backing method ms
	if (!(($2) in sz)) { sz[$2] = 1; sizes[++nsz] = $2; if ($2 + 0 > max) max = $2 + 0 }
	key = $3 SUBSEP $4
	if (!(key in seen)) { seen[key] = 1; cells[++ncell] = key }
	if (!(($5) in mseen)) { mseen[$5] = 1; methods[++nm] = $5 }
	if (!(($1) in kseen)) { kseen[$1] = 1; kernels[++nk] = $1 }
	ms[$2 SUBSEP $1 SUBSEP $3 SUBSEP $4 SUBSEP $5] = $6
}
function t(size, k, cell, m,   csz) {
	if (k == "cover") { csz = size == 2 ? 2 : 4096; return ms[csz SUBSEP k SUBSEP cell SUBSEP m] }
	return ms[size SUBSEP k SUBSEP cell SUBSEP m]
}
END {
	print "kernel", "size_mib", "mapping", "backing", "ratio", "value" > ratios
	printf "# MADV_POPULATE benchmark\n\nMinimum of the runs, ms, under QEMU TCG. " > md
	printf "\"cover\" is the upstream cover letter (real hardware; its large size is 4096 MiB).\n" > md
	printf "The bar (largest size): POPULATE_READ ≤ 1.05×Read, POPULATE_WRITE ≤ 1.05×Write and ≤ 1.05×Read/Write, " > md
	printf "FALLOCATE+POPULATE_WRITE ≤ 1.05×FALLOCATE+Write; POPULATE÷manual of this series ≤ 1.10× that of the peer.\n" > md
	for (s = 1; s <= nsz; s++) {
		size = sizes[s]
		printf "\n## Ratios, %s MiB\n\n", size > md
		printf "| mapping | backing | PR÷Read series | peer | cover | PW÷Write series | peer | cover | PW÷Read/Write series | F+PW÷F+Write series | PW÷memset series | peer | bar |\n" > md
		printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" > md
		for (c = 1; c <= ncell; c++) {
			cell = cells[c]; split(cell, mb, SUBSEP)
			for (k = 1; k <= 3; k++) {
				kn = k == 1 ? "series" : k == 2 ? "peer" : "cover"
				pr[kn] = r(t(size, kn, cell, "POPULATE_READ"), t(size, kn, cell, "Read"))
				pw[kn] = r(t(size, kn, cell, "POPULATE_WRITE"), t(size, kn, cell, "Write"))
				prw[kn] = r(t(size, kn, cell, "POPULATE_WRITE"), t(size, kn, cell, "Read/Write"))
				fpw[kn] = r(t(size, kn, cell, "FALLOCATE+POPULATE_WRITE"), t(size, kn, cell, "FALLOCATE+Write"))
				pm[kn] = r(t(size, kn, cell, "POPULATE_WRITE"), t(size, kn, cell, "memset"))
				if (kn != "cover")
					print kn, size, mb[1], mb[2], "PR/Read", pr[kn] "\n" \
					      kn, size, mb[1], mb[2], "PW/Write", pw[kn] "\n" \
					      kn, size, mb[1], mb[2], "PW/ReadWrite", prw[kn] "\n" \
					      kn, size, mb[1], mb[2], "FPW/FWrite", fpw[kn] "\n" \
					      kn, size, mb[1], mb[2], "PW/memset", pm[kn] > ratios
			}
			bar = "n/a"
			if (size + 0 == max) {
				bar = ""
				if (pr["series"] != "" && pr["series"] > 1.05) bar = bar " PR>Read"
				if (pw["series"] != "" && pw["series"] > 1.05) bar = bar " PW>Write"
				if (prw["series"] != "" && prw["series"] > 1.05) bar = bar " PW>R/W"
				if (fpw["series"] != "" && fpw["series"] > 1.05) bar = bar " F+PW>F+W"
				if (pr["peer"] != "" && pr["series"] > 1.10 * pr["peer"]) bar = bar " PR>peer"
				if (pw["peer"] != "" && pw["series"] > 1.10 * pw["peer"]) bar = bar " PW>peer"
				if (bar != "") print "bench: misses the bar: " mb[1] " " mb[2] ":" bar > "/dev/stderr"
				bar = bar == "" ? "ok" : "MISS:" bar
				printf "\"%s\\n%s\" %s %s %s %s %s %s\n", mb[1] == "MAP_SHARED" ? "shared" : "private", mb[2],
				       pr["series"] == "" ? "?" : pr["series"], pr["peer"] == "" ? "?" : pr["peer"],
				       pr["cover"] == "" ? "?" : pr["cover"], pw["series"] == "" ? "?" : pw["series"],
				       pw["peer"] == "" ? "?" : pw["peer"], pw["cover"] == "" ? "?" : pw["cover"] > dat
			}
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mb[1], mb[2],
			       f(pr["series"]), f(pr["peer"]), f(pr["cover"]), f(pw["series"]), f(pw["peer"]),
			       f(pw["cover"]), f(prw["series"]), f(fpw["series"]), f(pm["series"]), f(pm["peer"]), bar > md
		}
	}
	printf "\n## Times (ms)\n\n| size MiB | mapping | backing | method | series | peer | cover |\n|---|---|---|---|---|---|---|\n" > md
	for (s = 1; s <= nsz; s++)
		for (c = 1; c <= ncell; c++) {
			split(cells[c], mb, SUBSEP)
			for (m = 1; m <= nm; m++) {
				a = t(sizes[s], "series", cells[c], methods[m]); b = t(sizes[s], "peer", cells[c], methods[m])
				cv = t(sizes[s], "cover", cells[c], methods[m])
				if (a == "" && b == "") continue
				printf "| %s | %s | %s | %s | %s | %s | %s |\n", sizes[s], mb[1], mb[2], methods[m],
				       a == "" ? "-" : a, b == "" ? "-" : b, cv == "" ? "-" : cv > md
			}
		}
	print max > (dat ".size")
}' "$COVER" "$RES"

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
set multiplot layout 2,1 title "MADV_POPULATE vs touching every page, $max MiB (lower is better; 1 = same time)"
set title "POPULATE_READ ÷ Read"
plot "$DIR/chart.dat" using 2:xtic(1) title "this series (5.10)", '' using 3 title "peer (Debian 6.1)", '' using 4 title "cover letter (5.14, real hardware)"
set title "POPULATE_WRITE ÷ Write"
plot "$DIR/chart.dat" using 5:xtic(1) title "this series (5.10)", '' using 6 title "peer (Debian 6.1)", '' using 7 title "cover letter (5.14, real hardware)"
unset multiplot
GP
rm -f "$DIR/chart.dat.size"
echo "bench: $DIR/table.md, $DIR/chart.png, $DIR/results.tsv, $DIR/ratios.tsv"
