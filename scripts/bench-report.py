#!/usr/bin/env python3
"""bench-report.py RESULTS.TSV: judge make bench's runs.

RESULTS.TSV has one line per measurement (kernel, round, run, size_mib,
mapping, backing, method, ms; ms "NA" for a cell that could not run).  With
the cover letter's table (bench/cover-letter.tsv) and the bars
(bench/bars.tsv) it writes, next to RESULTS.TSV:
  ratios.tsv  per kernel, size and cell: POPULATE / manual, and per cell the
              series' populate time / each other kernel's; median and spread
  table.md    the bars and their verdicts, then ratios and times
  chart.png   POPULATE_READ/Read and POPULATE_WRITE/Write at the largest
              size: this series, the peer, the cover letter (gnuplot)
and copies table.md to bench/results.md (BENCH_RESULTS=FILE elsewhere,
BENCH_RESULTS= for nowhere).

Statistics: a ratio is taken within one run (a POPULATE time over the manual
time measured in the same pass of the same boot; the series over another
kernel in the same round), then summarised over the runs by the median and a
spread, the range of the runs without the highest and the lowest fifth.  A
bar is "ok" when the whole spread meets it, "MISS" when none of it does,
else "inconclusive": the noise is larger than the difference.  With
BENCH_RESOLUTION=R (a fraction: what the clock repeats to, 0.01 for the
instruction-counted one) a value meets a bar up to limit x (1 + R): a
difference the clock cannot repeat decides nothing.  Messages go to
standard error, a line per bar that is not ok and a summary.  Exit status 0
even when bars are missed; 1 when the input cannot be read.
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (numerator method, denominator method), all within one pass.
RATIOS = {
    'PR/Read': ('POPULATE_READ', 'Read'),
    'PW/Write': ('POPULATE_WRITE', 'Write'),
    'PW/ReadWrite': ('POPULATE_WRITE', 'Read/Write'),
    'FPR/FRead': ('FALLOCATE+POPULATE_READ', 'FALLOCATE+Read'),
    'FPW/FWrite': ('FALLOCATE+POPULATE_WRITE', 'FALLOCATE+Write'),
    'PW/memset': ('POPULATE_WRITE', 'memset'),
}
# The methods that populate: compared across kernels.
POPULATE = ('POPULATE_READ', 'POPULATE_WRITE',
            'FALLOCATE+POPULATE_READ', 'FALLOCATE+POPULATE_WRITE')
# The cover letter measured 2 MiB and 4096 MiB; ours is smaller.
COVER_SMALL = '2'
COVER_LARGE = '4096'


def num(s):
    """awk's way of printing a number: integers without a point, else %.6g."""
    if s == int(s) and abs(s) < 1e15:
        return str(int(s))
    return '%.6g' % s


def read_tsv(path):
    """The rows of a tab-separated file with a header line, comments skipped."""
    with open(path, encoding='utf-8', newline='') as f:
        lines = [line for line in f if not line.startswith('#')]
    return list(csv.DictReader(lines, delimiter='\t'))


class Runs:
    """make bench's measurements, in the order they were first seen."""

    def __init__(self, rows):
        self.time = {}      # (kernel, pass, size, cell, method): ms
        self.times = {}     # (kernel, size, cell, method): [ms...]
        self.sizes, self.cells, self.methods = {}, {}, {}
        self.kernels, self.rounds, self.passes = {}, {}, {}
        for r in rows:
            if r['ms'] == 'NA':
                continue
            k, size, m = r['kernel'], r['size_mib'], r['method']
            cell = (r['mapping'], r['backing'])
            pas = (r['round'], r['run'])
            for seen, key in ((self.sizes, size), (self.cells, cell), (self.methods, m),
                              (self.kernels, k), (self.rounds, r['round']),
                              (self.passes, pas)):
                seen.setdefault(key, None)
            ms = float(r['ms'])
            self.time[k, pas, size, cell, m] = ms
            self.times.setdefault((k, size, cell, m), []).append(ms)
        self.largest = max(self.sizes, key=float) if self.sizes else '0'


def within_runs(runs):
    """The ratios, a value per pass: {('r', kernel, size, cell, RATIO): [...],
    ('v', kernel, size, cell, METHOD): [series / kernel, ...]}."""
    out = {}
    t = runs.time
    for size in runs.sizes:
        for cell in runs.cells:
            for pas in runs.passes:
                for k in runs.kernels:
                    for name, (a, b) in RATIOS.items():
                        x, y = t.get((k, pas, size, cell, a)), t.get((k, pas, size, cell, b))
                        if x is not None and y is not None and y > 0:
                            out.setdefault(('r', k, size, cell, name), []).append(x / y)
                for k in runs.kernels:
                    if k == 'series':
                        continue
                    for m in POPULATE:
                        x, y = t.get(('series', pas, size, cell, m)), t.get((k, pas, size, cell, m))
                        if x is not None and y is not None and y > 0:
                            out.setdefault(('v', k, size, cell, m), []).append(x / y)
    return out


def spread(values):
    """(median, low, high): low and high without the highest and lowest fifth."""
    v = sorted(values)
    trim = len(v) // 5
    return statistics.median(v), v[trim], v[len(v) - 1 - trim]


try:
    RESOLUTION = float(os.environ.get('BENCH_RESOLUTION') or 0)
except ValueError:
    RESOLUTION = -1
if not 0 <= RESOLUTION < 1:
    sys.exit('error: BENCH_RESOLUTION=%s: a fraction from 0 to 1 (0.01 is 1%%)'
             % os.environ.get('BENCH_RESOLUTION'))


def verdict(values, limit):
    """ok, MISS or inconclusive, for "the value <= limit", at RESOLUTION."""
    _, lo, hi = spread(values)
    if hi <= limit * (1 + RESOLUTION):
        return 'ok'
    if lo > limit * (1 + RESOLUTION):
        return 'MISS'
    return 'inconclusive'


def show(values):
    if not values:
        return '-'
    return '%.2f [%.2f–%.2f]' % spread(values)


def load_cover(path):
    """{(size, mapping, backing, method): ms as written}."""
    return {(r['size_mib'], r['mapping'], r['backing'], r['method']): r['ms']
            for r in read_tsv(path)}


def cover_time(cover, size, cell, method):
    csize = COVER_SMALL if float(size) == 2 else COVER_LARGE
    return cover.get((csize, cell[0], cell[1], method), '')


def cover_ratio(cover, size, cell, name):
    """The cover letter's value of ratio NAME, or None."""
    a, b = (cover_time(cover, size, cell, m) for m in RATIOS[name])
    if a == '' or b == '' or float(b) <= 0:
        return None
    return float(a) / float(b)


def load_bars(path):
    bars = []
    for r in read_tsv(path):
        who, what = r['value'].split(' ', 1)
        kind = r.get('kind') or 'bar'
        if kind not in ('bar', 'goal'):
            raise ValueError('bars.tsv: kind %r: bar or goal' % kind)
        bars.append({'label': r['label'], 'who': who, 'what': what,
                     'mapping': r['mapping'], 'backings': r['backings'].split(','),
                     'limit': float(r['limit']), 'kind': kind})
    return bars


def judge(runs, vals, bars):
    """[(label, cell, values, limit, verdict)] at the largest size: for each
    cell, each value by the first bar that matches the cell.  Goals (kind
    goal) are judged as bars, apart: a goal is no bar."""
    out = []
    for cell in runs.cells:
        done = set()
        for bar in bars:
            if bar['mapping'] not in ('*', cell[0]):
                continue
            if bar['backings'] != ['*'] and cell[1] not in bar['backings']:
                continue
            if (bar['who'], bar['what']) in done:
                continue
            done.add((bar['who'], bar['what']))
            if bar['who'] == 'series':
                key = ('r', 'series', runs.largest, cell, bar['what'])
            else:
                key = ('v', bar['who'].split('/')[1], runs.largest, cell, bar['what'])
            if key in vals:
                out.append((bar['label'], cell, vals[key], bar['limit'],
                            verdict(vals[key], bar['limit'])))
    return out


def write_ratios(path, runs, vals):
    with open(path, 'w', encoding='utf-8') as f:
        f.write('kernel\tsize_mib\tmapping\tbacking\tratio\tmedian\tlo\thi\truns\n')
        for size in runs.sizes:
            for cell in runs.cells:
                rows = [(k, ('r', k, size, cell, name), name)
                        for k in runs.kernels for name in RATIOS]
                rows += [('series/' + k, ('v', k, size, cell, m), m)
                         for k in runs.kernels if k != 'series' for m in POPULATE]
                for who, key, name in rows:
                    if key in vals:
                        f.write('\t'.join([who, size, cell[0], cell[1], name] +
                                          [num(x) for x in spread(vals[key])] +
                                          [str(len(vals[key]))]) + '\n')


def per_page(runs, big):
    """The per-page section: µs per 4 KiB page at size BIG, each kernel."""
    kernels = list(runs.kernels)
    pages = float(big) * 256
    md = ['\n## Per 4 KiB page at %d MiB: µs, median\n\n| mapping | backing | method |'
          % float(big)]
    md.append(''.join(' %s |' % k for k in kernels))
    md.append('\n|---|---|---|' + '---|' * len(kernels) + '\n')
    for cell in runs.cells:
        for m in runs.methods:
            ts = [runs.times.get((k, big, cell, m)) for k in kernels]
            if not any(ts):
                continue
            md.append('| %s | %s | %s |%s\n' % (cell[0], cell[1], m, ''.join(
                ' %s |' % ('%.3f' % (statistics.median(x) * 1000 / pages) if x else '-')
                for x in ts)))
    return md


def bar_table(title, verdicts):
    md = ['\n## %s\n\n| bar | mapping | backing | value | limit | verdict |\n'
          '|---|---|---|---|---|---|\n' % title]
    for label, cell, values, limit, v in verdicts:
        md.append('| %s | %s | %s | %s | ≤ %.2f | %s |\n' % (label, cell[0], cell[1],
                                                          show(values), limit, v))
    return md


def render(runs, vals, verdicts, cover, cmd, goals=(), clock=None):
    """table.md's text."""
    md = []
    kernels = list(runs.kernels)
    others = [k for k in kernels if k != 'series']
    big = runs.largest
    md.append('# MADV_POPULATE benchmark\n\n')
    md.append('Regenerated by `%s` (scripts/bench.sh): kernels %s, %d rounds, %d runs per kernel '
              'and cell, under QEMU (see the README for the accelerator).\n'
              % (cmd, ' '.join(kernels), len(runs.rounds), len(runs.passes)))
    md.append('Times in ms; a ratio is taken within one run (populate ÷ manual in the same pass, '
              'series ÷ peer in the same round),\n')
    md.append('shown as median [spread]: the range of the runs without the highest and lowest '
              'fifth.\n')
    md.append('A bar is ok when the whole spread meets it, MISS when none of it does, else '
              'inconclusive.\n')
    if RESOLUTION:
        md.append('Resolution %g%%: a value meets a bar up to its limit × %g (what this clock '
                  'repeats to).\n' % (RESOLUTION * 100, 1 + RESOLUTION))
    md.append('"cover" is the upstream cover letter (real hardware; its large size is 4096 '
              'MiB).\n')
    if clock:
        md.append('Clock: %s.\n' % clock)

    md += bar_table('Bars at %d MiB' % float(big), verdicts)
    count = {v: sum(1 for b in verdicts if b[4] == v) for v in ('ok', 'MISS', 'inconclusive')}
    md.append('\nSummary: %d ok, %d MISS, %d inconclusive.\n'
              % (count['ok'], count['MISS'], count['inconclusive']))
    if goals:
        md += bar_table('Goals at %d MiB (a cheaper populate than upstream\'s: not failures)'
                        % float(big), goals)

    if others:
        md.append('\n## Populate time at %d MiB, series ÷ each other kernel\n\n'
                  '| mapping | backing | method |' % float(big))
        md.append(''.join(' ÷ %s |' % k for k in others))
        md.append('\n|---|---|---|' + '---|' * len(others) + '\n')
        for cell in runs.cells:
            for m in POPULATE:
                keys = [('v', k, big, cell, m) for k in others]
                if any(key in vals for key in keys):
                    md.append('| %s | %s | %s |%s\n' % (cell[0], cell[1], m, ''.join(
                        ' %s |' % show(vals.get(key)) for key in keys)))

    for size in runs.sizes:
        md.append('\n## Ratios, %s MiB\n\n| mapping | backing | ratio |' % size)
        md.append(''.join(' %s |' % k for k in kernels))
        md.append(' cover |\n|---|---|---|' + '---|' * (len(kernels) + 1) + '\n')
        for cell in runs.cells:
            for name in RATIOS:
                keys = [('r', k, size, cell, name) for k in kernels]
                if not any(key in vals for key in keys):
                    continue
                c = cover_ratio(cover, size, cell, name)
                md.append('| %s | %s | %s |%s %s |\n' % (
                    cell[0], cell[1], name, ''.join(' %s |' % show(vals.get(key)) for key in keys),
                    '-' if c is None else '%.2f' % c))

    md.append('\n## Times (ms): median (min–max)\n\n| size MiB | mapping | backing | method |')
    md.append(''.join(' %s |' % k for k in kernels))
    md.append(' cover |\n|---|---|---|---|' + '---|' * (len(kernels) + 1) + '\n')
    for size in runs.sizes:
        for cell in runs.cells:
            for m in runs.methods:
                ts = [runs.times.get((k, size, cell, m)) for k in kernels]
                if not any(ts):
                    continue
                line = ''.join(' %s |' % ('%.1f (%.1f–%.1f)' % (statistics.median(x), min(x), max(x))
                                          if x else '-') for x in ts)
                cv = cover_time(cover, size, cell, m)
                md.append('| %s | %s | %s | %s |%s %s |\n' % (size, cell[0], cell[1], m, line,
                                                            cv or '-'))
    if clock:
        md += per_page(runs, big)
    return ''.join(md)


def chart(outdir, runs, vals, cover):
    """chart.png with gnuplot: two bar groups per cell at the largest size."""
    big = runs.largest

    def med(k, cell, name):
        key = ('r', k, big, cell, name)
        return num(statistics.median(vals[key])) if key in vals else '?'

    def cov(cell, name):
        c = cover_ratio(cover, big, cell, name)
        return '?' if c is None else num(c)

    dat = os.path.join(outdir, 'chart.dat')
    with open(dat, 'w', encoding='utf-8') as f:
        for cell in runs.cells:
            mapping = 'shared' if cell[0] == 'MAP_SHARED' else 'private'
            f.write('"%s\\n%s" %s\n' % (mapping, cell[1], ' '.join(
                [med('series', cell, 'PR/Read'), med('peer', cell, 'PR/Read'), cov(cell, 'PR/Read'),
                 med('series', cell, 'PW/Write'), med('peer', cell, 'PW/Write'),
                 cov(cell, 'PW/Write')])))
    plot = ('"{d}" using {a}:xtic(1) title "this series (5.10)", '
            "'' using {b} title \"peer (Debian 6.1)\", "
            "'' using {c} title \"cover letter (5.14, real hardware)\"\n")
    script = f'''set terminal pngcairo size 1400,900 font ",10" noenhanced
set output "{os.path.join(outdir, 'chart.png')}"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key outside right top vertical
set xtics rotate by -30 left
set multiplot layout 2,1 title "MADV_POPULATE vs touching every page, {float(big):.0f} MiB, \
median of the runs (lower is better; 1 = same time)"
set title "POPULATE_READ ÷ Read"
plot {plot.format(d=dat, a=2, b=3, c=4)}set title "POPULATE_WRITE ÷ Write"
plot {plot.format(d=dat, a=5, b=6, c=7)}unset multiplot
'''
    done = subprocess.run(['gnuplot'], input=script, text=True, check=False)
    return done.returncode == 0


def main(argv):
    if len(argv) != 2:
        sys.exit('usage: bench-report.py RESULTS.TSV')
    results = argv[1]
    outdir = os.path.dirname(results) or '.'
    if shutil.which('gnuplot') is None:
        sys.exit("error: 'gnuplot' not found; run 'make deps' (or scripts/deps.sh) to install it")
    try:
        runs = Runs(read_tsv(results))
        cover = load_cover(os.path.join(TOP, 'bench', 'cover-letter.tsv'))
        bars = load_bars(os.path.join(TOP, 'bench', 'bars.tsv'))
    except (OSError, KeyError, ValueError) as e:
        sys.exit('error: bench-report.py: cannot read the results: %s' % e)
    vals = within_runs(runs)
    verdicts = judge(runs, vals, [b for b in bars if b['kind'] == 'bar'])
    goals = judge(runs, vals, [b for b in bars if b['kind'] == 'goal'])

    for label, cell, _, limit, v in verdicts:
        if v != 'ok':
            print('bench: %s: %s %s: %s, limit %.2f' % (v, cell[0], cell[1], label, limit),
                  file=sys.stderr)
    print('bench: bars at %d MiB: %d ok, %d MISS, %d inconclusive' % (
        float(runs.largest), *(sum(1 for b in verdicts if b[4] == v)
                               for v in ('ok', 'MISS', 'inconclusive'))), file=sys.stderr)
    if goals:
        print('bench: goals at %d MiB (not failures): %d met of %d' % (
            float(runs.largest), sum(1 for b in goals if b[4] == 'ok'), len(goals)),
              file=sys.stderr)

    write_ratios(os.path.join(outdir, 'ratios.tsv'), runs, vals)
    table = os.path.join(outdir, 'table.md')
    with open(table, 'w', encoding='utf-8') as f:
        f.write(render(runs, vals, verdicts, cover, os.environ.get('BENCH_CMD', 'make bench'),
                       goals, os.environ.get('BENCH_CLOCK_DESC')))
    if not chart(outdir, runs, vals, cover):
        sys.exit('error: gnuplot failed')
    copy = os.environ.get('BENCH_RESULTS', os.path.join(TOP, 'bench', 'results.md'))
    if copy:
        shutil.copyfile(table, copy)
    print('bench: %s%s, %s, %s, %s' % (table, ' (also %s)' % copy if copy else '',
                                       os.path.join(outdir, 'chart.png'), results,
                                       os.path.join(outdir, 'ratios.tsv')))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
