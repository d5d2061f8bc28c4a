#!/usr/bin/env python3
"""Shares of a thread's perf samples spent under given functions.

`perf report` with a call graph answers "who calls the hottest symbol"; this answers the
question a bound needs: of one thread's time, how much went to each part of its work. Reads
`perf script -F tid,ip,sym` output of a recording made with `--call-graph dwarf` (synclog is
built without frame pointers), keeps the samples whose stack contains ROOT (a function only
one thread runs, such as SqliteStore::Impl::writer_loop), and prints, for each PATTERN, the
share of those samples with a frame containing it (a sample counts once per pattern; patterns
may nest), then the leaf symbols.

  perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -p SERVER_PID -o push.data -- sleep 5
  perf script -i push.data -F tid,ip,sym > push.txt
  bench/report/frames.py push.txt writer_loop apply_push SqliteTxn::append SqliteTxn::put ...
"""
import collections
import re
import sys


def samples(path):
    current = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if current:
                    yield current
                current = None
            elif not line.startswith("\t"):
                current = []  # a sample's header line (the thread id)
            elif current is not None:
                parts = line.strip().split(" ", 1)
                current.append(parts[1] if len(parts) > 1 else "?")
    if current:
        yield current


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, root, patterns = sys.argv[1], sys.argv[2], sys.argv[3:]
    every = list(samples(path))
    chosen = [s for s in every if any(root in frame for frame in s)]
    print(f"{len(chosen)} of {len(every)} samples have {root} on the stack")
    if not chosen:
        return
    under = collections.Counter()
    leaves = collections.Counter()
    for s in chosen:
        leaves[re.sub(r"\(.*", "", s[0])[:90]] += 1
        for p in patterns:
            if any(p in frame for frame in s):
                under[p] += 1
    for p in patterns:
        print(f"{100 * under[p] / len(chosen):6.1f}%  {p}")
    print("leaf symbols:")
    for name, n in leaves.most_common(15):
        print(f"{100 * n / len(chosen):6.1f}%  {name}")


if __name__ == "__main__":
    main()
