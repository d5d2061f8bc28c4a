#!/usr/bin/env python3
"""Writes the benchmark report from one run of bench/run.

Reads the run directory bench/run leaves behind:

  results.tsv     every figure, one per line: subject, workload, devices, metric, value, unit
                  (the format bench/loadgen/measure.hpp defines; synclog_ceilings writes it too)
  meta.tsv        key <TAB> value: when, on what machine, at which commit, with which settings
  commands.tsv    key <TAB> command: the command behind each group of figures
  profile-*.txt   the top of `perf report` for the server during a workload (first line: title)

draws the plots with gnuplot (PNG) into --images, and replaces the part of --doc between
<!-- report:begin --> and <!-- report:end --> with tables, targets and plots. A hand-written
block between <!-- analysis:begin --> and <!-- analysis:end --> inside that part is kept as it
is: the figures can say what was measured, not why, so the why is written by a person.

A figure the run did not produce is shown as "not measured", never guessed. Standard library
only, so that it runs wherever bench/run does.
"""

import argparse
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

BEGIN = "<!-- report:begin -->"
END = "<!-- report:end -->"
ANALYSIS_BEGIN = "<!-- analysis:begin -->"
ANALYSIS_END = "<!-- analysis:end -->"
DEFAULT_ANALYSIS = f"""{ANALYSIS_BEGIN}
*What bounds each target that is not met: not written yet. This block is written by hand;
bench/report/write_report.py keeps it when it writes the figures again.*
{ANALYSIS_END}"""

BATCH = 100  # mutations per push, in the load generator and in synclog_ceilings
NOT_MEASURED = "not measured"
# The paced push whose p99 the latency target is judged on: half the flat-out rate of the same
# devices, a server busy but not saturated. The other offered loads are shown beside it.
JUDGED_SHARE = "50%"


# ---------------------------------------------------------------------------------------------
# Reading the run


class Figures:
    """The figures of results.tsv. A figure measured twice keeps its last value (a step that was
    run again)."""

    def __init__(self, path):
        self.values = {}
        self.units = {}
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 6:
                    if line.strip():
                        print(f"write_report: {path}:{n}: not 6 fields, skipped", file=sys.stderr)
                    continue
                subject, workload, devices, metric, value, unit = parts
                try:
                    key = (subject, workload, int(devices), metric)
                    self.values[key] = float(value)
                except ValueError:
                    print(f"write_report: {path}:{n}: not a number, skipped", file=sys.stderr)
                    continue
                self.units[key] = unit

    def get(self, subject, workload, devices, metric="rate"):
        v = self.values.get((subject, workload, devices, metric))
        return v if v is not None and math.isfinite(v) else None

    def unit(self, subject, workload, devices, metric="rate"):
        return self.units.get((subject, workload, devices, metric), "")

    def devices(self, subject, workload, metric="rate"):
        return sorted({d for (s, w, d, m) in self.values if s == subject and w == workload and m == metric})

    def workloads(self, subject, prefix):
        return sorted({w for (s, w, d, m) in self.values if s == subject and w.startswith(prefix)})

    def __bool__(self):
        return bool(self.values)


def read_pairs(path):
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if "\t" in line:
                    k, v = line.rstrip("\n").split("\t", 1)
                    out[k] = v
    return out


def read_profiles(run_dir):
    """(name, title, text) for each profile-NAME.txt, push first."""
    out = []
    if not os.path.isdir(run_dir):
        return out
    for name in sorted(os.listdir(run_dir)):
        m = re.fullmatch(r"profile-(.+)\.txt", name)
        if not m:
            continue
        with open(os.path.join(run_dir, name), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        if not lines:
            continue
        # perf's symbol column can be hundreds of characters of C++ template; the start says which.
        body = [l if len(l) <= 150 else l[:147] + "..." for l in lines[1:]]
        out.append((m.group(1), lines[0].strip(), "\n".join(body).strip("\n")))
    out.sort(key=lambda p: (p[0] != "push", p[0]))
    return out


# ---------------------------------------------------------------------------------------------
# Formatting


def num(x, unit=""):
    """A rate or count the way docs/benchmarks.md writes them: 42 728, 3.1, 0.57."""
    if x is None:
        return NOT_MEASURED
    if abs(x) >= 100:
        s = f"{x:,.0f}".replace(",", " ")
    elif abs(x) >= 10:
        s = f"{x:.1f}"
    elif abs(x) >= 1:
        s = f"{x:.2f}"
    else:
        s = f"{x:.3f}"
    return f"{s} {unit}".strip()


def ms(x):
    if x is None:
        return NOT_MEASURED
    if x >= 100:
        return num(x, "ms")
    if x >= 10:
        return f"{x:.1f} ms"
    if x >= 1:
        return f"{x:.2f} ms"
    return f"{x:.3f} ms"


def ratio_text(r):
    if r is None:
        return NOT_MEASURED
    if r >= 100:
        return f"{r:.0f}×"
    if r >= 10:
        return f"{r:.1f}×"
    return f"{r:.2f}×"


def div(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def table(header, rows, align=None):
    align = align or ["---"] + ["--:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def code_block(lang, text):
    return f"```{lang}\n{text}\n```"


# ---------------------------------------------------------------------------------------------
# The targets


class Target:
    """One target of the benchmark issue. `ratio` is always "bigger is better": a rate divided by
    the peer's or the ceiling's, or a limit divided by what was measured, so that `ratio >=
    required` is met."""

    def __init__(self, key, label, measured, reference, ratio, required, required_text):
        self.key, self.label, self.measured, self.reference = key, label, measured, reference
        self.ratio, self.required, self.required_text = ratio, required, required_text

    @property
    def verdict(self):
        if self.ratio is None:
            return NOT_MEASURED
        return "**met**" if self.ratio >= self.required else "**not met**"


def judged_paced(fig, devices=32):
    """The paced-push workload the latency target is judged on, and its share label."""
    paced = fig.workloads("synclog", "paced-push-")
    if not paced:
        return None, None
    want = "paced-push-" + JUDGED_SHARE
    if want in paced and fig.get("synclog", want, devices, "p99") is not None:
        return want, JUDGED_SHARE
    # Another share was run: judge the highest one, and say which.
    paced.sort(key=lambda w: float(w.rsplit("-", 1)[1].rstrip("%") or 0))
    return paced[-1], paced[-1].rsplit("-", 1)[1]


def targets(fig, meta):
    t = []
    s, p = fig.get("synclog", "push", 32), fig.get("pouchdb", "push", 32)
    t.append(Target("push-peer", "push throughput at 32 devices (durable) vs pouchdb-server",
                    num(s, "mutations/s"), "pouchdb-server: " + num(p, fig.unit("pouchdb", "push", 32)),
                    div(s, p), 20, "≥ 20×"))

    b, f = fig.get("synclog", "push", 128, "batches"), fig.get("fsync", "fsync", 1)
    t.append(Target("durable-fsync", "durable pushes at 128 devices vs the disk's fsync rate",
                    num(b, "batches/s"), "fsync: " + num(f, "fsyncs/s"), div(b, f), 0.5, "≥ 0.5× (within 2×)"))

    entries = int(meta.get("entries", "100000") or 100000)
    note = "" if entries == 100000 else f" (this run: {num(entries)} entries)"
    s, p = fig.get("synclog", "first-sync", 1), fig.get("pouchdb", "first-sync", 1)
    t.append(Target("first-sync-peer", "first sync of 100 000 entries vs pouchdb-server" + note,
                    num(s, "entries/s"), "pouchdb-server: " + num(p, "entries/s"), div(s, p), 20, "≥ 20×"))
    secs = fig.get("synclog", "first-sync", 1, "seconds")
    # A shorter run is judged on what its rate would take for 100 000 entries, and says so.
    secs_100k = secs * 100000 / entries if secs is not None else None
    measured = NOT_MEASURED if secs is None else f"{secs_100k:.3f} s" + (
        "" if entries == 100000 else f" (scaled from {secs:.3f} s)")
    t.append(Target("first-sync-time", "first sync of 100 000 entries, median time" + note, measured,
                    "limit 0.5 s", div(0.5, secs_100k), 1, "≥ 1 (limit ÷ time)"))

    s, n = fig.get("synclog", "poll", 32), fig.get("nginx", "fixed-200", 32)
    t.append(Target("poll-nginx", "metadataOnly polls at 32 devices vs nginx's fixed 200",
                    num(s, "polls/s"), "nginx: " + num(n, "requests/s"), div(s, n), 0.5, "≥ 0.5×"))

    w, share = judged_paced(fig)
    p99 = fig.get("synclog", w, 32, "p99") if w else None
    offered = fig.get("synclog", w, 32, "offered") if w else None
    label = "p99 push latency at 32 devices, paced"
    if share:
        label += f" at {share} of the flat-out rate ({num(offered)} batches/s offered)"
    t.append(Target("latency", label, ms(p99), "limit 10 ms", div(10.0, p99), 1, "≥ 1 (limit ÷ p99)"))

    streams = fig.devices("synclog", "idle-streams", "rss")
    n = streams[-1] if streams else None
    rss_mib = fig.get("synclog", "idle-streams", n, "rss") if n else None
    rss_mb = rss_mib * 1.048576 if rss_mib is not None else None  # the target is in MB, /proc in KiB
    label = "10 000 idle change streams, server RSS"
    if n and n != 10000:
        label += f" (this run: {num(n)} streams)"
    t.append(Target("streams-rss", label, num(rss_mb, "MB"), "limit 200 MB", div(200.0, rss_mb), 1,
                    "≥ 1 (limit ÷ RSS)"))
    return t


# ---------------------------------------------------------------------------------------------
# Plots


def gnuplot_terminal(gnuplot):
    ok = subprocess.run([gnuplot, "-e", "set terminal pngcairo"], capture_output=True).returncode == 0
    if ok:
        return "set terminal pngcairo size 900,500 noenhanced font 'sans,10'"
    return "set terminal png size 900,500 noenhanced"


def gp_str(s):
    return "'" + s.replace("'", "''") + "'"


class Plotter:
    def __init__(self, images_dir):
        self.images_dir = images_dir
        self.gnuplot = shutil.which("gnuplot")
        self.terminal = gnuplot_terminal(self.gnuplot) if self.gnuplot else None
        self.tmp = tempfile.mkdtemp(prefix="synclog-report-")
        self.made = []
        self.failed = []

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def data(self, name, rows):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            for row in rows:
                f.write("\t".join(str(c) for c in row) + "\n")
        return path

    def plot(self, png, script):
        if not self.gnuplot:
            self.failed.append((png, "gnuplot is not installed"))
            return False
        out = os.path.join(self.images_dir, png)
        text = f"{self.terminal}\nset output {gp_str(out)}\nset datafile separator '\\t'\n{script}\nunset output\n"
        path = os.path.join(self.tmp, png + ".gp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run([self.gnuplot, path], capture_output=True, text=True)
        if r.returncode != 0:
            self.failed.append((png, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "gnuplot failed"))
            return False
        self.made.append(png)
        return True


def plot_push(pl, fig):
    """Mutations/s against devices for synclog and the peer, the ceilings as lines."""
    devs = sorted(set(fig.devices("synclog", "push")) | set(fig.devices("pouchdb", "push")))
    if not devs:
        return False
    rows = []
    for d in devs:
        s, p = fig.get("synclog", "push", d), fig.get("pouchdb", "push", d)
        rows.append([d, s if s is not None else "NaN", p if p is not None else "NaN"])
    path = pl.data("push.dat", rows)
    sqlite = fig.get("sqlite", "insert", 1)
    fsync = fig.get("fsync", "fsync", 1)
    plots = [f"{gp_str(path)} using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'synclog (durable)'",
             f"{gp_str(path)} using 1:3 with linespoints lw 2 pt 5 lc rgb '#d62728' title 'pouchdb-server'"]
    if sqlite:
        plots.append(f"{sqlite} with lines dt 2 lw 2 lc rgb '#2ca02c' title 'ceiling: SQLite alone'")
    if fsync:
        plots.append(f"{fsync * BATCH} with lines dt 3 lw 2 lc rgb '#7f7f7f' title 'ceiling: fsyncs/s x {BATCH}'")
    ys = [v for r in rows for v in r[1:] if v != "NaN"] + [v for v in (sqlite, fsync and fsync * BATCH) if v]
    script = f"""
set title 'Push throughput: batches of {BATCH} new notes, each device waiting for its answer'
set xlabel 'devices (pushing at once)'
set ylabel 'mutations/s (log scale)'
set logscale xy
set xrange [{min(devs) / 1.5}:{max(devs) * 1.5}]
set yrange [{min(ys) / 2}:{max(ys) * 3}]
set xtics ({", ".join(f"'{d}' {d}" for d in devs)})
set key outside right top box
set grid ytics mytics xtics
plot {", ".join(plots)}
"""
    return pl.plot("push-throughput.png", script)


def plot_latency(pl, fig, devices=32):
    """p50/p99 against offered load for the paced pushes, with the closed loop beside them."""
    paced = fig.workloads("synclog", "paced-push-")
    rows = []
    for w in paced:
        off = fig.get("synclog", w, devices, "offered")
        p50, p99 = fig.get("synclog", w, devices, "p50"), fig.get("synclog", w, devices, "p99")
        if off is not None and p50 is not None and p99 is not None:
            rows.append([off, p50, p99, w.rsplit("-", 1)[1]])
    rows.sort()
    closed = fig.get("synclog", "push", devices, "batches")
    c50, c99 = fig.get("synclog", "push", devices, "p50"), fig.get("synclog", "push", devices, "p99")
    if not rows and closed is None:
        return False
    plots = []
    ys = [10.0]
    xs = []
    if rows:
        path = pl.data("paced.dat", rows)
        plots += [f"{gp_str(path)} using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'paced: p50'",
                  f"{gp_str(path)} using 1:3 with linespoints lw 2 pt 5 lc rgb '#d62728' title 'paced: p99'",
                  f"{gp_str(path)} using 1:3:4 with labels offset 0,1 notitle"]
        ys += [r[1] for r in rows] + [r[2] for r in rows]
        xs += [r[0] for r in rows]
    if closed is not None and c50 is not None and c99 is not None:
        path = pl.data("closed.dat", [[closed, c50, c99]])
        plots += [f"{gp_str(path)} using 1:2 with points pt 6 ps 2 lc rgb '#1f77b4' title 'closed loop (flat out): p50'",
                  f"{gp_str(path)} using 1:3 with points pt 4 ps 2 lc rgb '#d62728' title 'closed loop (flat out): p99'"]
        ys += [c50, c99]
        xs.append(closed)
    plots.append("10 with lines dt 2 lw 2 lc rgb '#2ca02c' title 'target: p99 under 10 ms'")
    script = f"""
set title 'Push latency at {devices} devices: paced at a share of the flat-out rate, and flat out'
set xlabel 'offered load, batches/s (pushes of {BATCH})'
set ylabel 'latency, ms (log scale)'
set logscale y
set xrange [0:{max(xs) * 1.15}]
set yrange [{min(ys) / 2}:{max(ys) * 3}]
set key top left box opaque
set grid ytics mytics xtics
plot {", ".join(plots)}
"""
    return pl.plot("latency.png", script)


def workload_ratios(fig):
    """(workload, synclog ÷ pouchdb-server, synclog ÷ ceiling, what the ceiling is)."""
    out = []
    out.append(("push, 32 devices", div(fig.get("synclog", "push", 32), fig.get("pouchdb", "push", 32)),
                div(fig.get("synclog", "push", 32), fig.get("sqlite", "insert", 1)), "SQLite alone, rows/s"))
    out.append(("first sync", div(fig.get("synclog", "first-sync", 1), fig.get("pouchdb", "first-sync", 1)),
                None, ""))
    out.append(("polls, 32 devices", div(fig.get("synclog", "poll", 32), fig.get("pouchdb", "poll", 32)),
                div(fig.get("synclog", "poll", 32), fig.get("nginx", "fixed-200", 32)), "nginx fixed 200"))
    out.append(("stale pushes, 32 devices",
                div(fig.get("synclog", "stale-push", 32), fig.get("pouchdb", "stale-push", 32)),
                div(fig.get("synclog", "stale-push", 32), fig.get("nginx", "fixed-200", 32)), "nginx fixed 200"))
    out.append(("field conflicts, 32 devices",
                div(fig.get("synclog", "field-conflicts", 32), pouch_conflict_docs(fig)), None, ""))
    return out


def pouch_conflict_docs(fig):
    """Documents/s pouchdb-server answers `conflict`: its stale _bulk_docs each hold BATCH, every
    one a conflict, the same judgement as field mode's per-mutation conflicts."""
    ps = fig.get("pouchdb", "stale-push", 32)
    return ps * BATCH if ps is not None and fig.unit("pouchdb", "stale-push", 32) == "batches/s" else None


def plot_workloads(pl, fig):
    rows = workload_ratios(fig)
    if not any(r[1] is not None or r[2] is not None for r in rows):
        return False
    boxes = []
    for i, (name, peer, ceil, _) in enumerate(rows):
        boxes.append([i - 0.18, peer if peer is not None else "NaN", i - 0.34, i - 0.02,
                      ceil if ceil is not None else "NaN", i + 0.02, i + 0.34, i + 0.18])
    vals = [v for r in rows for v in (r[1], r[2]) if v is not None]
    lo, hi = min(vals + [1]) / 3, max(vals + [1]) * 10  # room above the bars for the key
    path = pl.data("workloads.dat", boxes)
    # "push, 32 devices" on two lines: five labels side by side do not fit on one.
    tics = ", ".join('"' + r[0].replace(", ", "\\n", 1) + f'" {i}' for i, r in enumerate(rows))
    script = f"""
set title 'synclog as a multiple of the peer and of the ceiling, per workload (same run, same machine)'
set ylabel 'ratio (log scale; 1 = equal)'
set logscale y
set yrange [{lo}:{hi}]
set xrange [-0.6:{len(rows) - 0.4}]
set xtics ({tics})
set bmargin 4
set style fill solid 0.8 border -1
set key top right box opaque
set grid ytics mytics
plot {gp_str(path)} using 1:2:3:4:({lo}):2 with boxxyerror lc rgb '#1f77b4' title 'synclog ÷ pouchdb-server', \\
     {gp_str(path)} using 8:5:6:7:({lo}):5 with boxxyerror lc rgb '#ff7f0e' title 'synclog ÷ ceiling (SQLite alone; nginx)', \\
     {gp_str(path)} using 1:2:(sprintf('%.2g', $2)) with labels offset 0,0.8 notitle, \\
     {gp_str(path)} using 8:5:(sprintf('%.2g', $5)) with labels offset 0,0.8 notitle, \\
     1 with lines lc rgb '#000000' notitle
"""
    return pl.plot("workloads.png", script)


def plot_targets(pl, ts):
    rows = []
    for i, t in enumerate(ts):
        met = t.ratio is not None and t.ratio >= t.required
        rows.append([i - 0.18, t.ratio if t.ratio is not None else "NaN", i - 0.34, i - 0.02,
                     t.required, i + 0.02, i + 0.34, i + 0.18, 0x2ca02c if met else 0xd62728])
    vals = [t.ratio for t in ts if t.ratio is not None] + [t.required for t in ts]
    if not any(t.ratio is not None for t in ts):
        return False
    lo, hi = min(vals) / 3, max(vals) * 3
    short = {"push-peer": "push 32\\nvs pouchdb", "durable-fsync": "durable 128\\nvs fsync",
             "first-sync-peer": "first sync\\nvs pouchdb", "first-sync-time": "first sync\\n0.5 s ÷ time",
             "poll-nginx": "polls 32\\nvs nginx", "latency": "paced p99\\n10 ms ÷ p99",
             "streams-rss": "idle streams\\n200 MB ÷ RSS"}
    path = pl.data("targets.dat", rows)
    script = f"""
set title 'Targets: the measured ratio (green: met, red: not met) against the required one (grey)'
set ylabel 'ratio (log scale)'
set bmargin 4
set logscale y
set yrange [{lo}:{hi}]
set xrange [-0.6:{len(ts) - 0.4}]
set xtics ({", ".join(f'"{short.get(t.key, t.key)}" {i}' for i, t in enumerate(ts))})
set style fill solid 0.8 border -1
set key top right box opaque
set grid ytics mytics
plot {gp_str(path)} using 1:2:3:4:({lo}):2:9 with boxxyerror lc rgb variable title 'measured', \\
     {gp_str(path)} using 8:5:6:7:({lo}):5 with boxxyerror lc rgb '#bbbbbb' title 'required', \\
     {gp_str(path)} using 1:2:(sprintf('%.2g', $2)) with labels offset 0,0.8 notitle, \\
     {gp_str(path)} using 8:5:(sprintf('%.2g', $5)) with labels offset 0,0.8 notitle
"""
    return pl.plot("targets.png", script)


# ---------------------------------------------------------------------------------------------
# The section


def machine_text(meta):
    """What the run was on; meta.tsv's values, or this machine's when a run left none."""
    def local_cpu():
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("model name"):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or "unknown CPU"

    nproc = meta.get("nproc") or str(os.cpu_count())
    cpu = meta.get("cpu") or local_cpu()
    kernel = meta.get("kernel") or platform.release()
    disk = meta.get("disk") or "unknown"
    return f"{nproc} cores ({cpu}), Linux {kernel}, {disk}"


def other_cpu(profiles):
    """The largest share of the CPU that processes other than the server, the load generator,
    the kernel's threads and perf took during a profiled run (bench/run's "other processes"
    line), with their names."""
    worst = (0.0, "")
    for _, _, text in profiles:
        m = re.search(r"^\s*([\d.]+)%\s+other processes:?\s*(.*)$", text, re.M)
        if m and float(m.group(1)) > worst[0]:
            worst = (float(m.group(1)), m.group(2).strip())
    return worst


def commands_block(commands, keys):
    """The commands behind a group of figures, or nothing when the run recorded none."""
    lines = [commands[k] for k in keys if k in commands]
    if not lines:
        return ""
    head = "Reproduce"
    if any("PORT" in l for l in lines):
        head += " (`PORT`: where bench/run started pouchdb-server or nginx)"
    return head + ":\n\n" + code_block("sh", "\n".join(lines)) + "\n"


def image(plotter, png, alt, rel):
    if png in plotter.made:
        return f"![{alt}]({rel}/{png})"
    why = dict(plotter.failed).get(png, "no figures for it in this run")
    return f"*Plot `{png}` not drawn: {why}.*"


def build_section(fig, meta, commands, profiles, plotter, images_rel, analysis):
    out = []
    add = out.append
    date = meta.get("date") or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = meta.get("commit") or "unknown"
    if meta.get("dirty") == "yes":
        commit += " with uncommitted changes"
    mode = meta.get("mode", "full")
    dur = meta.get("duration")

    add("## Figures from bench/run")
    add("")
    add("<!-- Written by bench/report/write_report.py from a run of bench/run; edit only the "
        "analysis block, the rest is replaced on the next run. -->")
    add("")
    if mode == "quick":
        add("**A `--quick` run: a smoke check of the tools with short measurements. Do not judge by it.**")
        add("")
    facts = [f"{date}, commit {commit}, `{meta.get('command', 'bench/run')}`"]
    if dur:
        facts.append(f"{dur} s a measurement")
    if meta.get("elapsed_min"):
        facts.append(f"{meta['elapsed_min']} min for the whole run after the build")
    add(", ".join(facts) + ".")
    add("")
    add(f"Machine: {machine_text(meta)}; load average {meta.get('loadavg_start', '?')} before the run. "
        f"Build: {meta.get('build_type', 'unknown type')} ({meta.get('build_dir', '?')}).")
    add("")
    peer = [f"pouchdb-server {meta.get('pouchdb_version', '?')} on Node.js {meta.get('node_version', '?')}"]
    add(f"Peer: {peer[0]}, started with `{meta.get('pouchdb_command', 'pouchdb-server')}`. "
        f"Ceilings: nginx {meta.get('nginx_version', '?')} answering a fixed 200 "
        f"(`{meta.get('nginx_body', '')}`, the size of synclog's metadataOnly answer); SQLite "
        f"{meta.get('sqlite_version', '?')} inserting the rows of pushes in one process (synclog's schema, WAL, "
        "synchronous=FULL, one transaction per batch of 100); the disk's 4 KiB append + fdatasync rate. "
        "The server, the load generator, the peer and the ceilings all run on this machine's cores, "
        "so each figure includes the load generator's own cost; compare ratios within this run only.")
    add("")
    if not fig:
        add("*No figures: the run left no results file.*")
        add("")
    share, who = other_cpu(profiles)
    if share >= 5:
        add(f"**Other work had {share:.0f} % of the CPU during a profiled run ({who}): this run's figures "
            "are perturbed; run again on an idle machine before judging by them.**")
        add("")

    # Targets first: they are what the run is for.
    ts = targets(fig, meta)
    add("### Targets")
    add("")
    add(table(["target", "synclog", "set against", "ratio", "required", "result"],
              [[t.label, t.measured, t.reference, ratio_text(t.ratio), t.required_text, t.verdict] for t in ts],
              ["---", "--:", "--:", "--:", "--:", "---"]))
    add("")
    add("Ratios are always \"bigger is better\": synclog's rate divided by the peer's or the ceiling's, "
        "or the limit divided by what was measured.")
    add("")
    add(image(plotter, "targets.png", "Each target's measured ratio against the required one", images_rel))
    add("")
    add(analysis)
    add("")

    # Push.
    add("### Push (durable)")
    add("")
    devs = sorted(set(fig.devices("synclog", "push")) | set(fig.devices("pouchdb", "push")))
    sqlite = fig.get("sqlite", "insert", 1)
    fsync = fig.get("fsync", "fsync", 1)
    rows = []
    for d in devs:
        s, p = fig.get("synclog", "push", d), fig.get("pouchdb", "push", d)
        b = fig.get("synclog", "push", d, "batches")
        rows.append([d, num(s), ms(fig.get("synclog", "push", d, "p50")), ms(fig.get("synclog", "push", d, "p99")),
                     num(b), num(p), ms(fig.get("pouchdb", "push", d, "p99")), ratio_text(div(s, p)),
                     ratio_text(div(s, sqlite)), ratio_text(div(b, fsync))])
    if rows:
        add(table(["devices", "synclog mutations/s", "p50", "p99", "batches/s", "pouchdb-server docs/s", "p99",
                   "÷ pouchdb", "÷ SQLite alone", "batches ÷ fsyncs"], rows))
    else:
        add(f"Push: {NOT_MEASURED}.")
    add("")
    add(f"Ceilings: SQLite alone {num(sqlite, 'rows/s')} ({num(fig.get('sqlite', 'insert', 1, 'batches'), 'batches/s')}, "
        f"p50 {ms(fig.get('sqlite', 'insert', 1, 'p50'))}, p99 {ms(fig.get('sqlite', 'insert', 1, 'p99'))}); "
        f"the disk {num(fsync, 'fsyncs/s')} (p50 {ms(fig.get('fsync', 'fsync', 1, 'p50'))}, "
        f"p99 {ms(fig.get('fsync', 'fsync', 1, 'p99'))}). A batch that waits for its own fsync can go no "
        f"faster than the disk's fsync rate; group commit lets many devices' batches share one.")
    add("")
    add(image(plotter, "push-throughput.png", "Push throughput against devices, with the ceilings", images_rel))
    add("")
    add(commands_block(commands, ["ceilings", "synclog-push", "pouchdb-push"]))
    add("")

    # Latency.
    add("### Push latency at 32 devices")
    add("")
    rows = []
    paced = fig.workloads("synclog", "paced-push-")
    paced.sort(key=lambda w: float(w.rsplit("-", 1)[1].rstrip("%") or 0))
    for w in paced:
        off = fig.get("synclog", w, 32, "offered")
        done = fig.get("synclog", w, 32)
        rows.append([f"paced, {w.rsplit('-', 1)[1]} of flat out", num(off), num(div(done, BATCH)),
                     ms(fig.get("synclog", w, 32, "p50")), ms(fig.get("synclog", w, 32, "p99"))])
    closed = fig.get("synclog", "push", 32, "batches")
    c50, c99 = fig.get("synclog", "push", 32, "p50"), fig.get("synclog", "push", 32, "p99")
    rows.append(["closed loop (flat out)", "as fast as answers come", num(closed), ms(c50), ms(c99)])
    add(table(["run", "offered batches/s", "done batches/s", "p50", "p99"], rows))
    add("")
    little = div(32.0, closed)
    add("A closed loop of N devices, each sending its next push when the last is answered, always "
        "has N pushes in flight. By Little's law its mean latency is N ÷ throughput, whatever the server "
        f"does: 32 ÷ {num(closed, 'batches/s')} = {ms(little * 1000 if little else None)}"
        f" (measured p50 {ms(c50)}). Its latency is the queue that saturation builds, not what a device sees "
        "at a given load. The paced runs offer a fixed rate, a share of the flat-out rate measured just "
        "before, and time each push from when it was due (a stall counts against every push it delays); "
        f"the 10 ms target is judged on the {JUDGED_SHARE} run.")
    add("")
    add(image(plotter, "latency.png", "p50 and p99 push latency against offered load", images_rel))
    add("")
    add(commands_block(commands, ["synclog-push"]))
    add("")

    # First sync.
    add("### First sync")
    add("")
    entries = meta.get("entries", "100000")
    page = meta.get("page", "1000")
    s, p = fig.get("synclog", "first-sync", 1), fig.get("pouchdb", "first-sync", 1)
    add(f"One user with {num(float(entries))} entries read whole by pages of {page} "
        "(synclog: cursor pages of `GET /v1/sync`; pouchdb-server: `_changes?include_docs=true` from the "
        "previous page's `last_seq`); the median of the repeats.")
    add("")
    add(table(["server", "entries/s", "median", "best", "÷ pouchdb"],
              [["synclog", num(s), f"{num(fig.get('synclog', 'first-sync', 1, 'seconds'))} s",
                f"{num(fig.get('synclog', 'first-sync', 1, 'best'))} s", ratio_text(div(s, p))],
               ["pouchdb-server", num(p), f"{num(fig.get('pouchdb', 'first-sync', 1, 'seconds'))} s",
                f"{num(fig.get('pouchdb', 'first-sync', 1, 'best'))} s", ""]]))
    add("")
    add(commands_block(commands, ["synclog-first-sync", "pouchdb-first-sync"]))
    add("")

    # Requests at 32 devices.
    add("### Polls and refused pushes at 32 devices")
    add("")
    n32, n1 = fig.get("nginx", "fixed-200", 32), fig.get("nginx", "fixed-200", 1)
    rows = []

    def row(name, subject, workload, d=32, peer=None, ceiling=None):
        v = fig.get(subject, workload, d)
        rows.append([name, num(v), fig.unit(subject, workload, d) or "", ms(fig.get(subject, workload, d, "p50")),
                     ms(fig.get(subject, workload, d, "p99")),
                     ratio_text(div(v, peer)) if peer is not None else "",
                     ratio_text(div(v, ceiling)) if ceiling is not None else ""])

    pp, ps = fig.get("pouchdb", "poll", 32), fig.get("pouchdb", "stale-push", 32)
    row("synclog: `GET /v1/sync?metadataOnly=true`", "synclog", "poll", peer=pp or 0, ceiling=n32 or 0)
    row("pouchdb-server: `GET /{db}` (update_seq)", "pouchdb", "poll")
    row("synclog: stale push, answered 409", "synclog", "stale-push", peer=ps or 0, ceiling=n32 or 0)
    row("pouchdb-server: `_bulk_docs` of stale revisions, each a conflict", "pouchdb", "stale-push")
    row("synclog: field-mode push, every mutation a conflict", "synclog", "field-conflicts",
        peer=pouch_conflict_docs(fig) or 0)
    row("synclog: push with an Idempotency-Key (its answer stored with it)", "synclog", "keyed-push",
        peer=fig.get("pouchdb", "push", 32) or 0)
    row("nginx: fixed 200, 32 clients", "nginx", "fixed-200", 32)
    row("nginx: fixed 200, 1 client", "nginx", "fixed-200", 1)
    add(table(["what", "rate", "unit", "p50", "p99", "÷ pouchdb", "÷ nginx"], rows,
              ["---", "--:", "---", "--:", "--:", "--:", "--:"]))
    add("")
    add(image(plotter, "workloads.png", "synclog as a multiple of the peer and of the ceiling per workload",
              images_rel))
    add("")
    add(commands_block(commands, ["synclog-32", "pouchdb-32", "nginx"]))
    add("")

    # Idle streams.
    add("### Idle change streams")
    add("")
    streams = fig.devices("synclog", "idle-streams", "rss")
    if streams:
        n = streams[-1]
        before, with_ = fig.get("synclog", "idle-streams", n, "rss_before"), fig.get("synclog", "idle-streams", n, "rss")
        add(f"{num(n)} change streams (`GET /v1/sync/events`, two devices a user) held open: server RSS "
            f"{num(before, 'MiB')} before, {num(with_, 'MiB')} with them "
            f"({num(fig.get('synclog', 'idle-streams', n, 'per_stream'), 'KiB')} a stream).")
    else:
        add(f"Idle streams: {NOT_MEASURED}.")
    add("")
    add(commands_block(commands, ["synclog-idle-streams"]))
    add("")

    # Profiles.
    add("### Where the server's CPU time goes")
    add("")
    if profiles:
        add("`perf record -e cpu-clock -g -a` (this machine has no hardware counters) while the load "
            "generator runs: where the CPU went, then the server's threads and its top symbols by self time.")
        add("")
        for name, title, text in profiles:
            add(f"<details><summary>{title}</summary>")
            add("")
            add(code_block("text", text))
            add("")
            add("</details>")
            add("")
        add(commands_block(commands, ["profile-push", "profile-first-sync", "profile-report"]))
    else:
        add(f"Profiles: {NOT_MEASURED} (perf was not available, or the run skipped them).")
    add("")

    add("### Reproduce everything")
    add("")
    add("From a checkout, as root or with sudo (it installs what is missing: the build dependencies, "
        "gnuplot, perf, and pouchdb-server with npm into a temporary directory):")
    add("")
    add(code_block("sh", "bench/run"))
    add("")
    add("It builds `build/release`, runs every step above, keeps the raw logs and `results.tsv` in a "
        "directory it prints, and writes this section and the plots again.")
    # Groups the run did not record leave empty paragraphs behind; one blank line is enough.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


def replace_section(doc_text, section):
    """The document with its generated part replaced, and the analysis block kept."""
    begin, end = doc_text.find(BEGIN), doc_text.find(END)
    if begin != -1 and end > begin:
        return doc_text[:begin] + BEGIN + "\n" + section + END + doc_text[end + len(END):]
    # No markers yet: the section goes after "## The load generator", before the next "## ".
    m = re.search(r"^## The load generator.*?(?=^## )", doc_text, re.S | re.M)
    at = m.end() if m else len(doc_text)
    block = BEGIN + "\n" + section + END + "\n\n"
    return doc_text[:at] + block + doc_text[at:]


def old_analysis(doc_text):
    begin, end = doc_text.find(BEGIN), doc_text.find(END)
    part = doc_text[begin:end] if begin != -1 and end > begin else ""
    a, b = part.find(ANALYSIS_BEGIN), part.find(ANALYSIS_END)
    if a != -1 and b > a:
        return part[a:b + len(ANALYSIS_END)]
    return DEFAULT_ANALYSIS


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir", help="the directory bench/run wrote (results.tsv, meta.tsv, ...)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--doc", default=os.path.join(root, "docs", "benchmarks.md"),
                    help="the document whose generated section is replaced (default: docs/benchmarks.md)")
    ap.add_argument("--images", help="where the PNGs go (default: benchmarks/ next to --doc)")
    args = ap.parse_args()

    doc = os.path.abspath(args.doc)
    images = os.path.abspath(args.images or os.path.join(os.path.dirname(doc), "benchmarks"))
    os.makedirs(images, exist_ok=True)
    images_rel = os.path.relpath(images, os.path.dirname(doc))

    fig = Figures(os.path.join(args.run_dir, "results.tsv"))
    meta = read_pairs(os.path.join(args.run_dir, "meta.tsv"))
    commands = read_pairs(os.path.join(args.run_dir, "commands.tsv"))
    profiles = read_profiles(args.run_dir)
    if not fig:
        print(f"write_report: no figures in {args.run_dir}/results.tsv", file=sys.stderr)

    doc_text = open(doc, encoding="utf-8").read() if os.path.exists(doc) else "# Benchmarks\n\n"
    plotter = Plotter(images)
    try:
        ts = targets(fig, meta)
        plot_targets(plotter, ts)
        plot_push(plotter, fig)
        plot_latency(plotter, fig)
        plot_workloads(plotter, fig)
        section = build_section(fig, meta, commands, profiles, plotter, images_rel, old_analysis(doc_text))
    finally:
        plotter.close()
    with open(doc + ".tmp", "w", encoding="utf-8") as f:
        f.write(replace_section(doc_text, section))
    os.replace(doc + ".tmp", doc)
    for png, why in plotter.failed:
        print(f"write_report: {png} not drawn: {why}", file=sys.stderr)
    print(f"write_report: wrote {doc} and {len(plotter.made)} plots in {images}")
    for t in ts:
        print(f"  {t.verdict.strip('*'):13} {ratio_text(t.ratio):>8} (required {t.required_text}) {t.label}")


if __name__ == "__main__":
    main()
