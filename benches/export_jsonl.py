#!/usr/bin/env python3
"""`runbook export --format jsonl` of a 100 MB audit log: wall time and peak memory.

The log is recorded the way benches/replay.py records it (a step printing `seq 1 N`,
`runbook run --plain --yes`, so it is a real hash-chained session that verifies). The
export streams one record at a time, so its peak memory should not grow with the log:
the run is repeated on a log a quarter the size for comparison. Output goes to
/dev/null; with --no-output too. Every line of one export is parsed as JSON and checked
for the session id.

Usage: python3 benches/export_jsonl.py [--lines N] [--runs R]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay import generate  # noqa: E402
from tui import BINARY, ROOT  # noqa: E402


def export_once(log, extra):
    """(seconds, peak MiB) of one export to /dev/null."""
    start = time.perf_counter()
    proc = subprocess.Popen([BINARY, "export", log, "--format", "jsonl", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("export failed")
    return seconds, usage.ru_maxrss / 1024


def check_lines(log):
    """Every line parses and names the session; returns the line count."""
    with open(log) as f:
        session = json.loads(f.readline())["session_id"]
    proc = subprocess.Popen([BINARY, "export", log, "--format", "jsonl"],
                            stdout=subprocess.PIPE, text=True)
    count = 0
    for line in proc.stdout:
        if json.loads(line)["session_id"] != session:
            raise RuntimeError(f"line {count + 1} names another session")
        count += 1
    if proc.wait() != 0:
        raise RuntimeError("export failed")
    return count


def measure(log, runs, extra):
    results = [export_once(log, extra) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=11_200_000,
                        help="lines the flood step prints (default: about a 100 MB log)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    workdir = tempfile.mkdtemp(prefix="runbook-jsonl-bench-")
    try:
        rows = []
        for lines in (args.lines // 4, args.lines):
            sub = os.path.join(workdir, str(lines))
            os.mkdir(sub)
            log = generate(sub, lines)
            size_mb = os.path.getsize(log) / 1e6
            subprocess.run(["cat", log], stdout=subprocess.DEVNULL, check=True)
            for extra in ([], ["--no-output"]):
                seconds, mib = measure(log, args.runs, extra)
                label = " ".join(["jsonl", *extra])
                rows.append((f"{size_mb:.0f} MB log, {label}", seconds, mib))
            if lines == args.lines:
                print(f"{check_lines(log):,} lines of the {size_mb:.0f} MB export parse,"
                      " each with the session id")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for label, seconds, mib in rows:
        print(f"{label:<36} {seconds:6.2f} s (median of {args.runs})  peak {mib:5.1f} MiB")


if __name__ == "__main__":
    main()
