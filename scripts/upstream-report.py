#!/usr/bin/env python3
"""upstream-report.py DIFFERENCES OUT.md BUILT (KERNEL LIST LOGDIR)...

The judging step of 'make upstream'.  Each LOGDIR is one boot of
guest/LIST.list on KERNEL, already judged by scripts/verdict.sh into
LOGDIR/verdict.txt: its FAIL lines are the failures, its last line the
totals.  LOGDIR/ktap.log gives the per-program counts, counted as the
verdict counts them (a program's nested results when it printed any, else
its own result).

BUILT says how the kernels were built, for the header.
DIFFERENCES (upstream/differences.tsv) explains failures: KERNELS, PATTERN,
CLASS, WHY, tab-separated; KERNELS a comma list of upstream kernels, PATTERN
an fnmatch pattern over a failure as verdict.txt words it (without "FAIL ").
CLASS is one of
  upstream  upstream's choice, documented (WHY names the commit)
  series    the series differs from upstream on purpose (WHY says why)
  bug       upstream is wrong (WHY says whose bug and the fix; a reproducer
            of guest/upstream.list fails by it)
Fails (exit 1) when the series' kernel fails anything or skips a
reproducer (repro_*), when a failure matches no row, and when a row matches
nothing on a kernel it names (a row that no longer describes a kernel is
wrong, and a bug row whose reproducer passes there proves nothing); exits
with a message when a row names a kernel without a peer/NAME.conf.  Writes
OUT.md either way.
"""
import fnmatch
import os
import re
import sys
from collections import OrderedDict

# The upstream kernels a row may name: peer/NAME.conf (UPSTREAM_PEERS=DIR
# elsewhere, for tests).
PEERS = os.environ.get("UPSTREAM_PEERS",
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer"))

CLASSES = {
    "upstream": "upstream's choice, documented",
    "series": "the series differs on purpose",
    "bug": "a bug",
}


def program_counts(ktap_path):
    """{program: [passed, failed, skipped]} from a list's KTAP log."""
    counts = OrderedDict()
    cur, nested, nested_fail = None, 0, 0
    try:
        lines = open(ktap_path, errors="replace").read().replace("\r", "").split("\n")
    except OSError:
        return counts
    for line in lines:
        m = re.match(r"^# wb: begin ([^:]+)", line)
        if m:
            if cur is not None:  # no result: the guest died while it ran
                counts[cur][1] += 1
            cur, nested, nested_fail = m.group(1), 0, 0
            counts.setdefault(cur, [0, 0, 0])
            continue
        m = re.match(r"^( *)(not )?ok [0-9]+(.*)$", line)
        if not m or cur is None:
            continue
        ok = m.group(2) is None
        skip = ok and re.search(r" # *skip", m.group(3), re.I) is not None
        kind = 2 if skip else (0 if ok else 1)
        if m.group(1) == "    ":
            nested += 1
            nested_fail += kind == 1
            counts[cur][kind] += 1
        elif m.group(1) == "":
            # As the verdict: the program's own result counts when it
            # printed none of its own, or when it failed after they passed.
            if nested == 0 or (kind == 1 and nested_fail == 0):
                counts[cur][kind] += 1
            cur = None
    if cur is not None:
        counts[cur][1] += 1
    return counts


def verdict(logdir):
    """(failures, skips, totals line) from verdict.txt, without 'FAIL '/'SKIP '."""
    try:
        lines = open(logdir + "/verdict.txt").read().splitlines()
    except OSError:
        return ["no verdict: the boot did not run"], [], "0 passed, 1 failed, 0 skipped"
    fails = [l[5:] for l in lines if l.startswith("FAIL ")]
    skips = [l[5:] for l in lines if l.startswith("SKIP ")]
    return fails, skips, (lines[-1] if lines else "")


def main():
    if len(sys.argv) < 7 or (len(sys.argv) - 4) % 3:
        sys.exit(__doc__)
    rows = []
    for n, line in enumerate(open(sys.argv[1]), 1):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) != 4 or f[2] not in CLASSES:
            sys.exit("%s:%d: want KERNELS<tab>PATTERN<tab>%s<tab>WHY"
                     % (sys.argv[1], n, "|".join(CLASSES)))
        names = [k.strip() for k in f[0].split(",")]
        unknown = [k for k in names if not os.path.exists(os.path.join(PEERS, k + ".conf"))]
        if unknown:
            sys.exit("%s:%d: no peer/%s.conf" % (sys.argv[1], n, unknown[0]))
        rows.append({"kernels": names, "pattern": f[1],
                     "class": f[2], "why": f[3], "hits": {}})
    out = sys.argv[2]
    built = sys.argv[3]
    runs = [sys.argv[i:i + 3] for i in range(4, len(sys.argv), 3)]
    kernels = list(OrderedDict.fromkeys(k for k, _, _ in runs))

    table = OrderedDict()  # program -> kernel -> counts
    failures = OrderedDict((k, []) for k in kernels)  # kernel -> [(line, row)]
    totals = OrderedDict((k, []) for k in kernels)
    skipped = OrderedDict((k, []) for k in kernels)
    problems = []
    for k, lst, logdir in runs:
        for prog, c in program_counts(logdir + "/ktap.log").items():
            table.setdefault(prog, OrderedDict())[k] = c
        fails, skips, total = verdict(logdir)
        skipped[k] += skips
        totals[k].append("%s: %s" % (lst, total))
        for fl in fails:
            row = None
            if k != "series":
                row = next((r for r in rows if k in r["kernels"]
                            and fnmatch.fnmatchcase(fl, r["pattern"])), None)
            failures[k].append((fl, row))
            if row:
                row["hits"][k] = row["hits"].get(k, 0) + 1
            elif k == "series":
                problems.append("the series' kernel fails: " + fl)
            else:
                problems.append("%s: a failure nothing explains: %s" % (k, fl))
    for x in skipped.get("series", []):
        if x.startswith("repro_"):
            problems.append("a reproducer skips on the series' kernel: " + x)
    for r in rows:
        for k in r["kernels"]:
            if k in kernels and not r["hits"].get(k):
                problems.append("%s: the row '%s' (%s) matches no failure"
                                % (k, r["pattern"], r["class"]))

    md = ["# The verification programs on upstream's kernels", "",
          "Written by `make upstream` (scripts/upstream.sh, judged by",
          "scripts/upstream-report.py against upstream/differences.tsv); do not edit.",
          "Every kernel: %s, same initramfs, same QEMU arguments." % built,
          "Counts are passed / failed / skipped.", "",
          "| program | " + " | ".join(kernels) + " |",
          "|---" * (len(kernels) + 1) + "|"]
    for prog, per in table.items():
        md.append("| %s | " % prog + " | ".join(
            "%d / %d / %d" % tuple(per[k]) if k in per else "-" for k in kernels) + " |")
    md += ["", "Totals (the verdict of each boot, splats and crashes included):", ""]
    for k in kernels:
        md.append("- %s: %s" % (k, "; ".join(totals[k])))
    md += ["", "## Differences from the series, classified", ""]
    for cls, title in CLASSES.items():
        these = [r for r in rows if r["class"] == cls]
        if not these:
            continue
        md += ["### " + title[0].upper() + title[1:], ""]
        # One item a reason; under it, each pattern and what it matched.
        for why in OrderedDict.fromkeys(r["why"] for r in these):
            md.append("- " + why)
            for r in (r for r in these if r["why"] == why):
                hits = ", ".join("%s: %d" % (k, r["hits"].get(k, 0))
                                 for k in r["kernels"] if k in kernels)
                md.append("  - `%s` (failures matched: %s)" % (r["pattern"], hits or "kernel not run"))
        md.append("")
    md += ["## Every failure, by kernel", ""]
    for k in kernels:
        md.append("### " + k)
        md.append("")
        if not failures[k]:
            md.append("No failure.")
        for fl, row in failures[k]:
            md.append("- %s: %s" % (row["class"] if row else "UNEXPLAINED", fl))
        md.append("")
    md += ["## Skipped on an upstream kernel, not on the series", "",
           "Not failures; listed because a skip can hide one.", ""]
    for k in kernels[1:] if kernels and kernels[0] == "series" else kernels:
        new = [x for x in skipped[k] if x not in skipped.get("series", [])]
        md += ["- %s: %s" % (k, x) for x in new] or ["- %s: none" % k]
    md += ["", "## Verdict", ""]
    md += ["- " + p for p in problems] or ["Every failure is explained; the series' kernel fails nothing."]
    open(out, "w").write("\n".join(md) + "\n")
    for p in problems:
        print("upstream: " + p, file=sys.stderr)
    print("upstream: %s; %s" % (out, "FAILED" if problems else "every difference classified"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
