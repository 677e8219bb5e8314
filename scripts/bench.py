#!/usr/bin/env python3
"""Runs the benchmarks and rewrites BENCHMARKS.md.

    python3 scripts/bench.py [--reps N] [--quick]

Every surface runs as its own process against one sink server (bench-sink) that answers at
once, so what is measured is the client. For each run the orchestrator records the whole
process (user+sys CPU and peak RSS from wait4, wall time) and the surface reports its own
timed loop (records already in memory). Medians over the repetitions, with the spread
(min–max), and ratios to the baseline measured in the same run.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
REL = TARGET / "release"


def sh(cmd, **kw):
    print("+", " ".join(map(str, cmd)), file=sys.stderr)
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "n/a"


def run_once(cmd, env=None):
    """One process: (its JSON line, user+sys CPU ms, wall ms, peak RSS KiB) of the whole process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    out, err = p.stdout.read().decode(), p.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed: {err[-2000:]}")
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    return json.loads(line), (usage.ru_utime + usage.ru_stime) * 1000, wall, usage.ru_maxrss


def measure(cmd, reps, env=None, expect_accepted=None):
    return summarize(cmd, [run_once(cmd, env) for _ in range(reps)], expect_accepted)


def measure_interleaved(cmds, reps, expect_accepted=None):
    """Runs every surface once per round, `reps` rounds, so a drift of the machine (another
    load, a frequency change) hits every surface alike instead of the ones measured during it:
    the ratios are the point."""
    runs = {name: [] for name in cmds}
    for _ in range(reps):
        for name, cmd in cmds.items():
            print(f"  {name}", file=sys.stderr)
            runs[name].append(run_once(cmd))
    return {name: summarize(cmds[name], runs[name], expect_accepted) for name in cmds}


def summarize(cmd, runs, expect_accepted=None):
    reps = len(runs)
    # A run that lost records did less work than the others: refuse its numbers.
    for r in runs:
        got = r[0].get("accepted")
        if expect_accepted is not None and got is not None and got != expect_accepted:
            sys.exit(f"bench: {cmd[0]} {' '.join(cmd[1:3])}: {got} of {expect_accepted} records accepted")
    keys = set(runs[0][0].keys())
    med = {k: statistics.median(r[0][k] for r in runs) for k in keys if isinstance(runs[0][0][k], (int, float))}
    spread = {k: (min(r[0][k] for r in runs), max(r[0][k] for r in runs)) for k in med}
    proc = {
        "proc_cpu_ms": statistics.median(r[1] for r in runs),
        "proc_cpu_spread": (min(r[1] for r in runs), max(r[1] for r in runs)),
        "proc_wall_ms": statistics.median(r[2] for r in runs),
        "proc_rss_kib": statistics.median(r[3] for r in runs),
    }
    return {**med, **proc, "spread": spread, "reps": reps}


class Surfaces:
    """Each surface: a name and a command line per workload, or None when not available here."""

    def __init__(self, url):
        self.url = url
        client = str(REL / "bench-client")
        self.table = {
            "baseline (plain reqwest, pre-serialized bodies)": lambda w, n: [client, "baseline", w, url, str(n)],
            "baseline + serialization in the loop": lambda w, n: [client, "baseline-ser", w, url, str(n)] if w == "import" else None,
            "bento::Client (async)": lambda w, n: [client, "async", w, url, str(n)],
            "bento::blocking::Client": lambda w, n: [client, "blocking", w, url, str(n)],
        }
        component = REL / "examples" / "bench-component"
        if component.exists():
            self.table["component in wasmtime"] = lambda w, n: [str(component), w, url, str(n)]
            # A server embedding the component calls it async on its own runtime (one thread
            # for guest, wasi:http host and connection); the sync host above blocks on
            # wasmtime-wasi's runtime at every poll (cross-thread wake-ups per call).
            self.table["component in wasmtime, async host"] = (
                lambda w, n: [str(component), "small-async", url, str(n)] if w == "small" else None)
        py = ROOT / "target" / "bench-venv" / "bin" / "python"
        if py.exists():
            script = str(ROOT / "bento-bench" / "python" / "bench.py")
            self.table["Python package (bento-ffi), dict rows"] = (
                lambda w, n: [str(py), script, "import-dicts", url, str(n)] if w == "import" else None)
            self.table["Python package (bento-ffi), typed records"] = lambda w, n: [str(py), script, w, url, str(n)]
            self.table["Python package (bento-ffi), rows as one JSON text"] = (
                lambda w, n: [str(py), script, "import-json", url, str(n)] if w == "import" else None)
            self.table["Python package (bento-ffi), async client, dict rows"] = (
                lambda w, n: [str(py), script, "import-async", url, str(n)] if w == "import" else None)
        node_sdk = ROOT / "bento-bench" / "node" / "node_modules" / "@bentonow" / "bento-node-sdk"
        if node_sdk.exists() and shutil.which("node"):
            self.table["official Node SDK 2.0.0"] = lambda w, n: ["node", str(ROOT / "bento-bench" / "node" / "bench.mjs"), w, url, str(n)]


def fmt_ms(v):
    return f"{v:,.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="small sizes, for checking the script")
    args = ap.parse_args()
    n_import = 10_000 if args.quick else 100_000
    n_small = 1_000 if args.quick else 10_000

    sh(["cargo", "build", "--release", "-q", "-p", "bento-bench"])
    if (ROOT / "host-tests" / "examples" / "bench-component.rs").exists():
        sh(["cargo", "build", "--release", "-q", "-p", "host-tests", "--example", "bench-component"])
    if (ROOT / "bento-bench" / "python" / "setup-venv.sh").exists():
        sh(["bash", str(ROOT / "bento-bench" / "python" / "setup-venv.sh")])
    node_dir = ROOT / "bento-bench" / "node"
    if shutil.which("npm") and not (node_dir / "node_modules").exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=node_dir, check=True)

    sink = subprocess.Popen([str(REL / "bench-sink")], stdout=subprocess.PIPE, text=True)
    port = int(sink.stdout.readline())
    url = f"http://127.0.0.1:{port}/api/v1"
    surfaces = Surfaces(url)
    results = {"import": {}, "small": {}}
    try:
        for workload, n in (("import", n_import), ("small", n_small)):
            cmds = {name: c for name, cmd in surfaces.table.items() if (c := cmd(workload, n)) is not None}
            print(f"[{workload}] {len(cmds)} surfaces, {args.reps} rounds", file=sys.stderr)
            results[workload] = measure_interleaved(cmds, args.reps,
                                                    expect_accepted=n if workload == "import" else None)
        # Streaming from a JSONL file through the helper's iterator.
        jsonl = TARGET / "bench-subscribers.jsonl"
        if not jsonl.exists() or args.quick:
            with open(jsonl, "w") as f:
                for i in range(n_import):
                    f.write(json.dumps({"email": f"user{i:07d}@example.com", "first_name": f"First{i}", "last_name": f"Last{i}",
                                        "tags": "imported,newsletter", "plan": ["free", "pro", "team"][i % 3],
                                        "company": f"Company {i % 997}", "signup_date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                                        "score": i % 100, "vip": i % 10 == 0}) + "\n")
        stream = measure([str(REL / "bench-client"), "async", "jsonl", url, "0", str(jsonl)], args.reps, expect_accepted=n_import)
        core = measure([str(REL / "bench-client"), "core", "core", url], 3)
        component_costs = None
        if (REL / "examples" / "bench-component").exists():
            component_costs = measure([str(REL / "examples" / "bench-component"), "costs", url, "1000"], 3)
    finally:
        sink.terminate()

    write_report(results, stream, core, component_costs, n_import, n_small, args)


def write_report(results, stream, core, component_costs, n_import, n_small, args):
    cpu = version(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).strip()
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} on {cpu}, "
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"{version(['rustc', '--version'])}; node {version(['node', '--version'])}; Python {platform.python_version()}.",
        f"Command: `python3 scripts/bench.py{' --quick' if args.quick else ''}` (rewrites this file). "
        f"Medians over {args.reps} runs per surface, the surfaces run in turn in each of {args.reps} rounds (so a drift of the machine hits all of them alike), spread = min–max. "
        "Every surface is its own process talking to one local sink (`bench-sink`) that answers "
        "`{\"results\": n, \"failed\": 0}` at once; the sink's CPU is not counted.",
        "",
        f"## 1. Bulk import: {n_import:,} subscribers (5 custom fields, 2 tags), chunks of 1,000, 4 in flight",
        "",
        "Loop = the timed import loop inside the process, records already in memory. Process = the "
        "whole process from exec to exit (includes building the records, runtime start-up, and for "
        "Python/Node the interpreter).",
        "",
        "| surface | loop CPU ms (spread) | × baseline loop | loop wall ms | process CPU ms | × baseline process | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    imp = results["import"]
    base = next(iter(imp.values()))
    for name, r in imp.items():
        lo, hi = r["spread"]["loop_cpu_ms"]
        lines.append(
            f"| {name} | {fmt_ms(r['loop_cpu_ms'])} ({fmt_ms(lo)}–{fmt_ms(hi)}) | {r['loop_cpu_ms'] / base['loop_cpu_ms']:.2f} | "
            f"{fmt_ms(r['loop_wall_ms'])} | {fmt_ms(r['proc_cpu_ms'])} | {r['proc_cpu_ms'] / base['proc_cpu_ms']:.2f} | "
            f"{r['proc_rss_kib'] / 1024:.0f} |"
        )
    lines += [
        "",
        f"Streaming the same {n_import:,} subscribers from a JSONL file through the async helper's iterator: "
        f"RSS before the loop {stream['rss_before_kib'] / 1024:.1f} MiB, peak {stream['peak_rss_kib'] / 1024:.1f} MiB "
        f"(growth {(stream['peak_rss_kib'] - stream['rss_before_kib']) / 1024:.1f} MiB, i.e. the chunks in flight; "
        f"the in-memory run's peak is {imp['bento::Client (async)']['peak_rss_kib'] / 1024:.1f} MiB); loop CPU {fmt_ms(stream['loop_cpu_ms'])} ms "
        "(includes reading and parsing the file).",
        "",
        f"## 2. One small call: track one event, {n_small:,} times sequentially over keep-alive",
        "",
        "| surface | p50 µs | p99 µs | CPU µs per call | × baseline CPU |",
        "|---|---:|---:|---:|---:|",
    ]
    small = results["small"]
    sbase = next(iter(small.values()))
    for name, r in small.items():
        lines.append(
            f"| {name} | {r['p50_us']:,.0f} | {r['p99_us']:,.0f} | {r['cpu_us_per_call']:,.1f} | {r['cpu_us_per_call'] / sbase['cpu_us_per_call']:.2f} |"
        )
    lines += ["", "## 3. The component's costs", ""]
    if component_costs:
        c = component_costs
        lines += [
            "| measure | value |",
            "|---|---:|",
            f"| release component size (`release-small`) | {c['size_bytes'] / 1024:,.1f} KiB |",
            f"| `Component::new` (compile) | {c['compile_ms']:,.1f} ms |",
            f"| `Component::deserialize` (precompiled) | {c['deserialize_ms']:,.2f} ms |",
            f"| instantiate (from precompiled, `InstancePre`) | {c['instantiate_us']:,.1f} µs |",
            f"| memory per instance (RSS growth / instances) | {c['kib_per_instance']:,.1f} KiB |",
            f"| 1,000 instances from one compiled component | {c['thousand_instances_ms']:,.1f} ms |",
        ]
    else:
        lines.append("Not measured in this run (the component benchmark was not built).")
    lines += [
        "",
        "## 4. The core alone (no I/O)",
        "",
        "Nanoseconds per operation, median of 3 processes × many iterations, against a plain "
        "`serde_json` round trip of the same data.",
        "",
        "| work | bento-core | plain serde_json | ratio |",
        "|---|---:|---:|---:|",
        f"| build + serialize a request of 1,000 events | {core['events_build_ns']:,.0f} | {core['events_plain_ns']:,.0f} | {core['events_build_ns'] / core['events_plain_ns']:.2f} |",
        f"| parse a 1,000-item list response (tags) | {core['list_parse_ns']:,.0f} | {core['list_plain_ns']:,.0f} | {core['list_parse_ns'] / core['list_plain_ns']:.2f} |",
        "",
    ]
    notes = ROOT / "bento-bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))
    print((ROOT / "BENCHMARKS.md").read_text())


if __name__ == "__main__":
    main()
