#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a Prometheus text exposition (format 0.0.4) read from stdin and
prints what the http tests compare with the database.

Checked: every line is a comment, a blank or a sample; HELP and TYPE lines
are well formed, a TYPE comes before the samples of its family and names a
known type, each family has one TYPE; metric and label names are valid,
label values are quoted with only \\\\, \\" and \\n escapes, no label is
repeated, values are floats; a histogram's buckets carry le, their counts
never fall as le grows, and the +Inf bucket equals _count.

Prints: "jobs RESULT N" for each result of espstation_jobs_total (summed
over causes), "stage STAGE COUNT" for each histogram, "active N", then
"central NAME N" for each espstation_central_* gauge (by name; none when the
station has no central store).
Exit status 1 with a reason on the first problem."""
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(.*)\})? (\S+)( -?\d+)?$')
LABEL_PAIR = re.compile(r'(' + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


def die(lineno, why, line=''):
    print(f'metrics line {lineno}: {why}: {line!r}')
    sys.exit(1)


def labels_of(lineno, text, line):
    out, pos = {}, 0
    while pos < len(text):
        m = LABEL_PAIR.match(text, pos)
        if not m:
            die(lineno, 'bad label list', line)
        if m.group(1) in out:
            die(lineno, 'repeated label', line)
        out[m.group(1)] = m.group(2)
        pos = m.end()
    return out


def family_of(name, types):
    for suffix in ('_bucket', '_sum', '_count'):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) == 'histogram':
            return name[:-len(suffix)]
    return name


def main():
    types, seen_samples = {}, set()
    jobs, hist, active, central = {}, {}, None, {}
    for lineno, line in enumerate(sys.stdin.read().split('\n'), 1):
        if line == '':
            continue
        if line.startswith('#'):
            parts = line.split(' ', 3)
            if len(parts) >= 2 and parts[1] in ('HELP', 'TYPE'):
                if len(parts) < 3 or not re.fullmatch(NAME, parts[2]):
                    die(lineno, 'bad metric name in comment', line)
                if parts[1] == 'TYPE':
                    if len(parts) != 4 or parts[3] not in TYPES:
                        die(lineno, 'bad TYPE', line)
                    if parts[2] in types:
                        die(lineno, 'second TYPE for a family', line)
                    if parts[2] in seen_samples:
                        die(lineno, 'TYPE after the samples', line)
                    types[parts[2]] = parts[3]
            continue
        m = SAMPLE.match(line)
        if not m:
            die(lineno, 'not a sample', line)
        name, labels = m.group(1), labels_of(lineno, m.group(3) or '', line)
        try:
            value = float(m.group(4))
        except ValueError:
            die(lineno, 'value is not a number', line)
        fam = family_of(name, types)
        if fam not in types:
            die(lineno, 'sample without a TYPE', line)
        seen_samples.add(fam)
        if name == 'espstation_jobs_total':
            jobs[labels['result']] = jobs.get(labels['result'], 0) + value
        if name == 'espstation_active_workers':
            active = value
        if name.startswith('espstation_central_'):
            if types[fam] != 'gauge' or labels:
                die(lineno, 'a central metric is not a plain gauge', line)
            central[name[len('espstation_central_'):]] = value
        if types[fam] == 'histogram':
            key = tuple(sorted((k, v) for k, v in labels.items() if k != 'le'))
            h = hist.setdefault((fam, key), {'buckets': [], 'count': None})
            if name.endswith('_bucket'):
                if 'le' not in labels:
                    die(lineno, 'bucket without le', line)
                le = float('inf') if labels['le'] == '+Inf' else float(labels['le'])
                if h['buckets'] and (le <= h['buckets'][-1][0] or value < h['buckets'][-1][1]):
                    die(lineno, 'buckets out of order or falling', line)
                h['buckets'].append((le, value))
            elif name.endswith('_count'):
                h['count'] = value
    for (fam, key), h in hist.items():
        if not h['buckets'] or h['buckets'][-1][0] != float('inf'):
            die(0, f'{fam}{key}: no +Inf bucket')
        if h['count'] != h['buckets'][-1][1]:
            die(0, f'{fam}{key}: +Inf bucket differs from _count')
    for result in sorted(jobs):
        print(f'jobs {result} {int(jobs[result])}')
    for (fam, key), h in sorted(hist.items()):
        print(f'stage {dict(key).get("stage", "?")} {int(h["count"])}')
    print(f'active {int(active) if active is not None else "missing"}')
    for name in sorted(central):
        print(f'central {name} {int(central[name])}')


main()
