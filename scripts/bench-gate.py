#!/usr/bin/env python3
"""bench-gate.py RESULTS.TSV LIMIT: judge make bench-gate's one round.

For every kernel but the peer, each populate method of each cell: its time
over the peer's (the gate runs one round).  The series passes when every ratio is at
most its cell's limit (bench/gate.tsv, else LIMIT); a perf mutant (any other
kernel) must not: it fails in at least one cell.  Prints a line per kernel (its worst cell) and the verdict; exit 0
when the series passes and every perf mutant fails, 1 otherwise (2: the
input cannot be judged).
"""
import csv
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

POPULATE = ('POPULATE_READ', 'POPULATE_WRITE',
            'FALLOCATE+POPULATE_READ', 'FALLOCATE+POPULATE_WRITE')


def read_tsv(path):
    with open(path, encoding='utf-8', newline='') as f:
        return list(csv.DictReader((line for line in f if not line.startswith('#')),
                                   delimiter='\t'))


def limits(path, default):
    """{(mapping, backing, method): limit}, and the default for the rest."""
    own = {(r['mapping'], r['backing'], r['method']): float(r['limit']) for r in read_tsv(path)}
    if min([default] + list(own.values())) <= 0:
        raise ValueError('a limit must be above 0')
    return lambda cell: own.get(cell, default)


def ratios(path, limit):
    """{kernel: [(ratio, its limit, cell name)]} against the peer, NA runs left
    out; every kernel of the results is there, with no cell if none could be
    judged."""
    every = read_tsv(path)
    rows = [r for r in every if r['ms'] != 'NA']
    t = {(r['kernel'], r['size_mib'], r['mapping'], r['backing'], r['method']): float(r['ms'])
         for r in rows if r['method'] in POPULATE}
    out = {r['kernel']: [] for r in every if r['kernel'] != 'peer'}
    for (k, size, mapping, backing, method), ms in t.items():
        if k == 'peer':
            continue
        peer = t.get(('peer', size, mapping, backing, method))
        if peer:
            out.setdefault(k, []).append(
                (ms / peer, limit((mapping, backing, method)),
                 '%s MiB %s %s %s' % (size, mapping, backing, method)))
    return out


def main(argv):
    if len(argv) != 3:
        sys.exit('usage: bench-gate.py RESULTS.TSV LIMIT')
    try:
        r = ratios(argv[1], limits(os.path.join(TOP, 'bench', 'gate.tsv'), float(argv[2])))
    except (OSError, KeyError, ValueError) as e:
        print('gate: cannot judge %s: %s' % (argv[1], e))
        return 2
    if not r.get('series'):
        print('gate: no series cell with a peer cell beside it in %s' % argv[1])
        return 2
    ok = True
    for k in sorted(r, key=lambda k: (k != 'series', k)):
        if not r[k]:
            print('gate: %s: no populate cell could be judged' % k)
            ok = False
            continue
        worst, lim, where = max(r[k], key=lambda x: x[0] / x[1])
        over = sum(1 for x, own, _ in r[k] if x > own)
        if k == 'series':
            good = over == 0
            what = 'passes' if good else 'FAILS'
        else:
            good = over > 0
            what = 'caught' if good else 'NOT CAUGHT (a perf mutant within the limit)'
        ok = ok and good
        print('gate: %s: %s: %d of %d populate cells over their limit; worst against its limit %.3f x the peer'
              ' (limit %.2f, %s)' % (k, what, over, len(r[k]), worst, lim, where))
    print('gate: %s' % ('passed' if ok else 'FAILED'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
