#!/usr/bin/env python3
"""config-changes.py ORIGINAL FINAL FRAGMENT...: how FINAL differs from ORIGINAL.

PROFILE=debian builds Debian's own config with changes; this says which, and
why.  A line per option that differs, with its reason:
  - set by a fragment: the comment block above the option in that fragment;
  - a module of ORIGINAL now off, or an option hidden because what it
    depends on is off: counted, not listed one by one (--all lists them;
    build.sh keeps that list in the build directory);
  - a value derived from the compiler, a Kconfig default for a symbol that
    ORIGINAL does not mention, a module selected by a built-in option, or
    else olddefconfig's doing, following from the changes above.
Exit status 0; the output is the report.
"""
import re
import sys

SET = re.compile(r'^(CONFIG_\w+)=(.*)$')
UNSET = re.compile(r'^# (CONFIG_\w+) is not set$')


def read_config(path):
    """{symbol: value}; "n" for '# ... is not set'."""
    values = {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = SET.match(line) or UNSET.match(line)
            if m:
                values[m.group(1)] = m.group(2) if m.re is SET else 'n'
    return values


def fragment_reasons(paths):
    """{symbol: 'fragment: comment'} for every option a fragment sets."""
    reasons = {}
    for path in paths:
        name = path.rsplit('/', 1)[-1]
        comment, last_was_option = [], False
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.rstrip('\n')
                m = SET.match(line) or UNSET.match(line)
                if m:
                    why = ' '.join(comment) or 'no comment'
                    reasons[m.group(1)] = f'{name}: {why}'
                elif line.startswith('#'):
                    if not comment or last_was_option:
                        comment = []
                    comment.append(line.lstrip('# ').strip())
                elif not line.strip():
                    comment = []
                last_was_option = bool(m)
    return reasons


TOOLCHAIN = re.compile(r'^CONFIG_(CC_|AS_|LD_|GCC_VERSION|CLANG_VERSION|HAVE_KCSAN_COMPILER|TOOLS_SUPPORT_)')


def classify(sym, a, b, old, new, reasons):
    """(reason, listed): why SYM went from A to B; listed: print it by itself."""
    if sym in reasons:
        return reasons[sym], True
    if a == 'm' and b == 'n':
        return 'a module in Debian: modules are off', False
    if sym not in new:
        return 'hidden: it depends on an option now off (a module, mostly)', False
    if TOOLCHAIN.match(sym):
        return 'the compiler: this build\'s, not the one Debian built with', True
    if sym not in old:
        return 'not in Debian\'s config file: the Kconfig default', True
    if a == 'm' and b == 'y':
        return 'a module in Debian, selected by a built-in option', True
    return 'olddefconfig: follows from the changes above', True


def main(argv):
    show_all = '--all' in argv
    args = [a for a in argv[1:] if a != '--all']
    if len(args) < 2:
        sys.exit('usage: config-changes.py [--all] ORIGINAL FINAL FRAGMENT...')
    old, new = read_config(args[0]), read_config(args[1])
    reasons = fragment_reasons(args[2:])
    listed, quiet = [], {}
    for sym in sorted(set(old) | set(new)):
        a, b = old.get(sym, 'n'), new.get(sym, 'n')
        if a == b:
            continue
        why, loud = classify(sym, a, b, old, new, reasons)
        if loud or show_all:
            listed.append(f'{sym}: {a} -> {b} ({why})')
        if not loud:
            quiet[why] = quiet.get(why, 0) + 1
    print(f'{len(listed) if not show_all else len(listed) - sum(quiet.values())} '
          'options differ from Debian\'s config, and '
          + ', '.join(f'{n} more: {why}' for why, n in sorted(quiet.items())) + ':')
    for line in listed:
        print('  ' + line)


if __name__ == '__main__':
    main(sys.argv)
