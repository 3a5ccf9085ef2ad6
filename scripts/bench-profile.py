#!/usr/bin/env python3
"""bench-profile.py OUT SIZE_MIB NAME=SYSTEM.MAP...: charge each profiled
region's instructions (OUT/NAME/regions.txt, from scripts/insn-profile.c) to
the kernel's functions (the block's start address in System.map; user space
as one line), per 4 KiB page of the cell (OUT/NAME/results.tsv names the
cells, in the order they ran; a cell run in several passes is their mean),
and write OUT/profile.tsv and OUT/profile.md:
per cell, each kernel's instructions per page, and the functions that make
the difference.  Python's standard library only."""

import bisect
import os
import sys

TOP_N = 14          # functions per cell in profile.md
USER = '[user space]'
OUTSIDE = '[outside kernel text]'
# Groups of functions in the summary, by what they do (both kernels' names).
GROUPS = (
    ('GUP lookup', ('follow_page_mask', 'follow_page_pte', '__get_user_pages')),
    # exc_page_fault() has do_user_addr_fault() inlined: the mmap_lock and
    # the vma lookup's first step are in it.
    ('fault entry and exit', ('asm_exc_page_fault', 'exc_page_fault', 'error_entry',
                              'sync_regs', 'irqentry_enter', 'irqentry_exit',
                              'irqentry_exit_to_user_mode', 'exit_to_user_mode_prepare',
                              'swapgs_restore_regs_and_return_to_usermode')),
    ('clearing', ('clear_page_erms', 'clear_page_rep', 'clear_page_orig')),
)


def load_map(path):
    """Sorted (address, name) of a System.map: text symbols by their name,
    every other symbol as OUTSIDE, so that a block past the kernel's text
    (a module, the vsyscall page) is not charged to the last function."""
    syms = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            try:
                addr = int(parts[0], 16)
            except ValueError:
                continue
            syms.append((addr, parts[2] if parts[1] in 'tTwW' else OUTSIDE))
    if not any(n != OUTSIDE for _, n in syms):
        raise ValueError('%s: no text symbols' % path)
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def load_regions(path):
    """A list of regions, each a list of (vaddr, insns, execs)."""
    regions = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('# region'):
                regions.append([])
            elif line.strip() and regions:
                a, n, e = line.split('\t')
                regions[-1].append((int(a, 16), int(n), int(e)))
    return regions


def load_cells(path):
    """The cells of results.tsv, in the order they ran (a cell can run more
    than once: make bench runs small sizes in several passes)."""
    cells = []
    with open(path, encoding='utf-8') as f:
        head = f.readline().rstrip('\n').split('\t')
        for line in f:
            row = dict(zip(head, line.rstrip('\n').split('\t')))
            cells.append(None if row['ms'] == 'NA' else
                         '%s %s %s' % (row['mapping'], row['backing'], row['method']))
    return cells


def charge(region, addrs, names):
    """{function: instructions} of one region."""
    out = {}
    for vaddr, insns, execs in region:
        if vaddr < 1 << 47:
            name = USER
        elif vaddr < addrs[0]:
            name = OUTSIDE
        else:
            name = names[bisect.bisect_right(addrs, vaddr) - 1]
        out[name] = out.get(name, 0) + insns * execs
    return out


def summary(order, names, prof):
    """The table of every cell: each kernel's instructions a page, with two
    kernels their ratio with and without clearing, and the GROUPS."""
    two = len(names) == 2
    head = ''.join(' %s |' % k for k in names)
    if two:
        head += ' ÷ | ÷ without clearing |'
    head += ''.join(' %s |' % g for g, _ in GROUPS)
    md = ['\n## Summary: instructions a page%s\n\n| cell |%s\n|---|%s\n' % (
        ' (groups: %s)' % ' / '.join(names) if two else '', head,
        '---:|' * (len(names) + 2 * two + len(GROUPS)))]
    for cell in order:
        per = [prof.get((k, cell), {}) for k in names]
        tot = [sum(p.values()) for p in per]
        grp = [[sum(p.get(f, 0) for f in fs) for p in per] for _, fs in GROUPS]
        row = '| %s |%s' % (cell, ''.join(' %.0f |' % t for t in tot))
        if two:
            clear = grp[-1]
            row += ' %s | %s |' % (
                '%.3f' % (tot[0] / tot[1]) if tot[1] else '-',
                '%.3f' % ((tot[0] - clear[0]) / (tot[1] - clear[1]))
                if tot[1] - clear[1] else '-')
        row += ''.join(' %s |' % ' / '.join('%.0f' % v for v in g) for g in grp)
        md.append(row + '\n')
    return md


def main(argv):
    if len(argv) < 4:
        sys.exit('usage: bench-profile.py OUT SIZE_MIB NAME=SYSTEM.MAP...')
    out, pages = argv[1], float(argv[2]) * 256
    kernels = [a.split('=', 1) for a in argv[3:]]
    prof = {}                   # (kernel, cell) -> {function: insns per page}
    order = []
    try:
        for name, path in kernels:
            addrs, names = load_map(path)
            regions = load_regions(os.path.join(out, name, 'regions.txt'))
            cells = load_cells(os.path.join(out, name, 'results.tsv'))
            if None in cells:
                sys.exit('error: %s: a cell was not measured (NA): its regions cannot be '
                         'told apart' % name)
            if len(regions) != len(cells):
                sys.exit('error: %s: %d regions profiled for %d cells measured'
                         % (name, len(regions), len(cells)))
            runs = {}
            for cell, region in zip(cells, regions):
                p = prof.setdefault((name, cell), {})
                for f, n in charge(region, addrs, names).items():
                    p[f] = p.get(f, 0) + n / pages
                runs[cell] = runs.get(cell, 0) + 1
                if cell not in order:
                    order.append(cell)
            for cell, n in runs.items():
                prof[(name, cell)] = {f: v / n for f, v in prof[(name, cell)].items()}
    except (OSError, KeyError, ValueError) as e:
        sys.exit('error: bench-profile.py: %s' % e)

    names = [n for n, _ in kernels]
    with open(os.path.join(out, 'profile.tsv'), 'w', encoding='utf-8') as f:
        f.write('kernel\tcell\tfunction\tinsns_per_page\n')
        for (k, cell), funcs in sorted(prof.items()):
            for fn, v in sorted(funcs.items(), key=lambda x: (-x[1], x[0])):
                f.write('%s\t%s\t%s\t%.1f\n' % (k, cell, fn, v))

    md = ['# Where the instructions go, per 4 KiB page (%d MiB cells)\n\n' % (pages / 256),
          'Regenerated by `make bench-profile` (scripts/bench-profile.sh): each cell\'s timed '
          'region, instructions counted by a QEMU plugin per translation block, charged to the '
          'function the block starts in.\n']
    md += summary(order, names, prof)
    for cell in order:
        per = [prof.get((k, cell), {}) for k in names]
        md.append('\n## %s\n\n| function |%s' % (cell, ''.join(' %s |' % k for k in names)))
        two = len(names) == 2
        md.append(' %s − %s |\n' % (names[0], names[1]) if two else '\n')
        md.append('|---|' + '---:|' * (len(names) + two) + '\n')
        md.append('| **all** |%s' % ''.join(' **%.0f** |' % sum(p.values()) for p in per))
        md.append(' **%+.0f** |\n' % (sum(per[0].values()) - sum(per[1].values())) if two else '\n')
        funcs = set()
        for p in per:
            funcs.update(sorted(p, key=lambda x: (-p[x], x))[:TOP_N])
        if two:
            funcs.update(sorted(set(per[0]) | set(per[1]),
                                key=lambda x: (-abs(per[0].get(x, 0) - per[1].get(x, 0)), x))[:TOP_N])
        for fn in sorted(funcs, key=lambda x: (-max(p.get(x, 0) for p in per), x)):
            if max(p.get(fn, 0) for p in per) < 1:
                continue
            md.append('| %s |%s' % (fn, ''.join(' %.0f |' % p.get(fn, 0) for p in per)))
            md.append(' %+.0f |\n' % (per[0].get(fn, 0) - per[1].get(fn, 0)) if two else '\n')
    with open(os.path.join(out, 'profile.md'), 'w', encoding='utf-8') as f:
        f.write(''.join(md))
    print('bench-profile: %s, %s' % (os.path.join(out, 'profile.md'),
                                     os.path.join(out, 'profile.tsv')))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
