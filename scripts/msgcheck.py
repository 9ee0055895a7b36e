#!/usr/bin/env python3
"""Checks the Chinese catalogue (src/util/msg_zh*.c) against the sources:
every reason an error names (err_why, err_why_of, err_ssl_why, send_err, src/ra's REFUSE and
problems) has a Chinese text, and no
text places a parameter ({n}) that the message does not have.  Prints what
is wrong and exits 1; with --stats, also how many reasons there are; with
--list, every catalogue entry as "reason<TAB>Chinese text", sorted."""
import re, sys, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
cat = ''.join(f.read_text() for f in sorted((root / 'src/util').glob('msg_zh*.c')))
entries = {}
for m in re.finditer(r'\{\s*"([a-z_.]+)",\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\}', cat):
    entries.setdefault(m.group(1), ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))))

STR = r'"(?:[^"\\]|\\.)*"'
conv = re.compile(r'%(?!%)[-+ #0\'I]*[0-9*]*(?:\.[0-9*]*)?(?:hh|h|ll|l|L|q|j|z|Z|t)?[a-zA-Z]')
bad, used = [], {}
for f in sorted((root / 'src').rglob('*.c')):
    text = f.read_text()
    # err_why and the wrappers that name a reason the same way: the
    # refusals of a move (REFUSE) and the problems of a batch or an upload
    for m in re.finditer(r'\b(err_why|err_why_of|err_ssl_why|send_err|REFUSE|ra_problem_why|item_problem|problem|bad|bad_header)\(', text):
        # the call: up to the first ';' outside a string literal
        end = m.end()
        for t in re.finditer(STR + r'|;', text[m.end():]):
            if t.group(0) == ';':
                end = m.end() + t.start()
                break
        call = text[m.end():end]
        lits = list(re.finditer(STR, call))
        # the reason: the first literal with a dot (or "internal")
        for i, l in enumerate(lits):
            s = l.group(0)[1:-1]
            if re.fullmatch(r'[a-z_]+\.[a-z_.]+|internal', s):
                break
        else:
            continue  # a reason given by a variable
        reason = s
        # the format: the literals right after the reason, joined
        rest = call[l.end():]
        fm = re.match(r'\s*,\s*((?:' + STR + r'\s*)+)', rest)
        fmt = ''.join(x[1:-1] for x in re.findall(STR, fm.group(1))) if fm else ''
        n = len(conv.findall(fmt))
        line = text.count('\n', 0, m.start()) + 1
        used.setdefault(reason, []).append((f.relative_to(root), line, n))
for reason, sites in sorted(used.items()):
    zh = entries.get(reason)
    if zh is None:
        bad.append(f'{sites[0][0]}:{sites[0][1]}: reason {reason} has no Chinese text in src/util/msg_zh*.c')
        continue
    places = [int(x) for x in re.findall(r'\{(\d+)\}', zh)]
    for (path, line, n) in sites:
        if places and max(places) > n:
            bad.append(f'{path}:{line}: {reason}: the text places {{{max(places)}}}, the message has {n} parameter(s)')
for b in bad:
    print(b)
if '--list' in sys.argv:
    for r in sorted(entries):
        print(f'{r}\t{entries[r]}')
if '--stats' in sys.argv:
    print(f'{len(used)} reasons named in src/, {len(entries)} catalogue entries')
sys.exit(1 if bad else 0)
