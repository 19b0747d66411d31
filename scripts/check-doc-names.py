#!/usr/bin/env python3
"""check-doc-names.py — every file and C name a doc mentions in backticks exists.

Usage: python3 scripts/check-doc-names.py [docs/store.md ...]   (default: docs/*.md)
A backticked token that looks like a path (has a '/' or ends in .c/.h/.sh/.md/.S)
must name a tracked file or folder (as written, or as the end of one); one that
looks like a C identifier with a subsystem prefix (store_, k_, rv_, net_, ckpt_,
sym_, STORE_, K_, NET_, SYM_), optionally followed by "()" or "_*", must occur as a
word in a tracked source file. Prints what is missing; exit 1 if anything is.
"""
import glob, re, subprocess, sys

top = subprocess.check_output(['git', 'rev-parse', '--show-toplevel'], text=True).strip()
files = subprocess.check_output(['git', '-C', top, 'ls-files'], text=True).split('\n')
dirs = {f.rsplit('/', 1)[0] + '/' for f in files if '/' in f}
src = '\n'.join(open(f'{top}/{f}', errors='replace').read() for f in files
                if re.search(r'\.(c|h|S|sh|cmake|txt)$', f) and not f.startswith('docs/'))
words = set(re.findall(r'[A-Za-z_][A-Za-z0-9_]*', src))
pref = re.compile(r'^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*$')
docs = sys.argv[1:] or sorted(glob.glob(f'{top}/docs/*.md'))
bad = 0
for d in docs:
    for ln, line in enumerate(open(d), 1):
        for tok in re.findall(r'`([^`\n]+)`', line):
            t = tok.strip()
            if re.fullmatch(r'[\w./-]+/?', t) and ('/' in t or re.search(r'\.(c|h|sh|md|S)$', t)):
                if t.startswith(('/', '.', '<', '@')) or '<' in t:
                    continue  # guest or host paths, placeholders
                p = t.rstrip('/')
                ok = (p in files or p + '/' in dirs or
                      any(f.endswith('/' + p) for f in files) or
                      any(x.endswith('/' + p + '/') or x == p + '/' for x in dirs))
                if not ok:
                    print(f'{d}:{ln}: no file {t}')
                    bad += 1
                continue
            m = re.fullmatch(r'(?:struct |enum )?([A-Za-z_][A-Za-z0-9_]*?)(_\*|\(\)|\(.*\))?', t)
            if not m or not pref.match(m.group(1)):
                continue
            name, star = m.group(1), m.group(2) == '_*'
            ok = any(w.startswith(name + '_') for w in words) if star else name in words
            if not ok:
                print(f'{d}:{ln}: no name {t}')
                bad += 1
sys.exit(1 if bad else 0)
