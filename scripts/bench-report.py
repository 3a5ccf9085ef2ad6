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
  cover-table.txt  the series' and the peer's time per page at the largest
              size, as plain text for the cover letter
and copies table.md to bench/results.md and cover-table.txt beside it
(BENCH_RESULTS=FILE elsewhere, BENCH_RESULTS= for nowhere).  A bar missed
is shown with its reason from bench/misses.tsv, for the clock BENCH_CLOCK
names (icount or wall), or "reason not found" (BENCH_MISSES=FILE: another
table of reasons, for the tests).

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
import textwrap

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
        self.size_passes = {}   # size: {pass: None}: small sizes run more
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
            self.size_passes.setdefault(size, {}).setdefault(pas, None)
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


def load_misses(path):
    """[(clock, label, mapping, backings, reason)] of bench/misses.tsv."""
    return [(r['clock'], r['label'], r['mapping'], r['backings'].split(','), r['reason'])
            for r in read_tsv(path)]


def miss_reason(misses, clock, label, cell):
    """The reason of the first line of misses.tsv for this bar and cell."""
    for c, lab, mapping, backings, reason in misses:
        if c in ('*', clock) and lab == label and mapping in ('*', cell[0]) and \
                (backings == ['*'] or cell[1] in backings):
            return reason
    return None


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


def bar_table(title, verdicts, reasons=None):
    """A table of verdicts; with REASONS ({index: reason}), a column "why"."""
    why = reasons is not None
    md = ['\n## %s\n\n| bar | mapping | backing | value | limit | verdict |%s\n'
          '|---|---|---|---|---|---|%s\n' % (title, ' why |' if why else '',
                                             '---|' if why else '')]
    for i, (label, cell, values, limit, v) in enumerate(verdicts):
        md.append('| %s | %s | %s | %s | ≤ %.2f | %s |%s\n' % (
            label, cell[0], cell[1], show(values), limit, v,
            ' %s |' % reasons.get(i, '') if why else ''))
    return md


def cover_table(runs, cmd, clock):
    """cover-table.txt: µs per 4 KiB page at the largest size, the series by
    hand and populating, the first other kernel populating; 72 columns of
    ASCII (a patch's cover letter)."""
    big = runs.largest
    pages = float(big) * 256
    others = [k for k in runs.kernels if k != 'series']
    cols = [('series', 'Read'), ('series', 'Write'), ('series', 'POPULATE_READ'),
            ('series', 'POPULATE_WRITE')]
    cols += [(k, m) for k in others[:1] for m in ('POPULATE_READ', 'POPULATE_WRITE')]

    def cell_us(k, cell, m):
        x = runs.times.get((k, big, cell, m))
        return '%7.2f' % (statistics.median(x) * 1000 / pages) if x else '%7s' % '-'

    text = ('Time per 4 KiB page at %d MiB in microseconds, the median of %d runs a '
            'kernel%s.'
            % (float(big), len(runs.size_passes.get(big, ())), ', ' + clock if clock else ''))
    out = [textwrap.fill(text, 72) + '\n', 'Regenerated by\n']
    line = ' '
    for word in cmd.replace('make ', 'make\0').split(' '):
        word = word.replace('\0', ' ')
        if len(line) + len(word) > 68:
            out.append(line + ' \\\n')
            line = '   '
        line += ' ' + word
    out.append(line + '\n\n')
    groups = ['series by hand', 'series populate'] + ['%s populate' % k for k in others[:1]]
    out.append(('%-22s%s' % ('', ''.join(' %-15s' % g for g in groups))).rstrip() + '\n')
    out.append('%-22s%s\n' % ('', ''.join(' %7s' % h for h in
                                          ('Read', 'Write', 'READ', 'WRITE', 'READ', 'WRITE')
                                          [:len(cols)])))
    for cell in runs.cells:
        if not any(runs.times.get((k, big, cell, m)) for k, m in cols):
            continue
        label = '%s %s' % ('private' if cell[0] == 'MAP_PRIVATE' else 'shared', cell[1])
        out.append('%-22s%s\n' % (label, ''.join(' ' + cell_us(k, cell, m) for k, m in cols)))
    return ''.join(out)


def render(runs, vals, verdicts, cover, cmd, goals=(), clock=None, reasons=None):
    """table.md's text."""
    md = []
    kernels = list(runs.kernels)
    others = [k for k in kernels if k != 'series']
    big = runs.largest
    md.append('# MADV_POPULATE benchmark\n\n')
    counts = [len(runs.size_passes[s]) for s in runs.sizes]
    if len(set(counts)) <= 1:
        per = '%d runs per kernel and cell' % len(runs.passes)
    else:
        per = 'runs per kernel and cell: %s' % ', '.join(
            '%d at %s MiB' % (c, s) for s, c in zip(runs.sizes, counts))
    md.append('Regenerated by `%s` (scripts/bench.sh): kernels %s, %d rounds, %s, '
              'under QEMU (see the README for the accelerator).\n'
              % (cmd, ' '.join(kernels), len(runs.rounds), per))
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

    md += bar_table('Bars at %d MiB' % float(big), verdicts, reasons)
    count = {v: sum(1 for b in verdicts if b[4] == v) for v in ('ok', 'MISS', 'inconclusive')}
    md.append('\nSummary: %d ok, %d MISS, %d inconclusive.\n'
              % (count['ok'], count['MISS'], count['inconclusive']))
    if reasons is not None:
        md.append('A MISS\'s reason is bench/misses.tsv\'s line for it; %d MISS without one.\n'
                  % sum(1 for i, b in enumerate(verdicts)
                        if b[4] == 'MISS' and reasons.get(i) == 'reason not found'))
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
        misses = load_misses(os.environ.get('BENCH_MISSES') or
                             os.path.join(TOP, 'bench', 'misses.tsv'))
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

    clock = os.environ.get('BENCH_CLOCK', '')
    reasons = {i: miss_reason(misses, clock, b[0], b[1]) or 'reason not found'
               for i, b in enumerate(verdicts) if b[4] == 'MISS'}
    write_ratios(os.path.join(outdir, 'ratios.tsv'), runs, vals)
    table = os.path.join(outdir, 'table.md')
    cmd = os.environ.get('BENCH_CMD', 'make bench')
    with open(table, 'w', encoding='utf-8') as f:
        f.write(render(runs, vals, verdicts, cover, cmd, goals,
                       os.environ.get('BENCH_CLOCK_DESC'), reasons))
    ctable = os.path.join(outdir, 'cover-table.txt')
    with open(ctable, 'w', encoding='utf-8') as f:
        f.write(cover_table(runs, cmd, os.environ.get('BENCH_CLOCK_DESC')))
    if not chart(outdir, runs, vals, cover):
        sys.exit('error: gnuplot failed')
    copy = os.environ.get('BENCH_RESULTS', os.path.join(TOP, 'bench', 'results.md'))
    if copy:
        shutil.copyfile(table, copy)
        shutil.copyfile(ctable, os.path.join(os.path.dirname(copy), 'cover-table.txt'))
    print('bench: %s%s, %s, %s, %s' % (table, ' (also %s)' % copy if copy else '',
                                       os.path.join(outdir, 'chart.png'), results,
                                       os.path.join(outdir, 'ratios.tsv')))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
