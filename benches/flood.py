#!/usr/bin/env python3
"""End-to-end flood benchmark: a step printing N lines, run with
`runbook run --plain --yes`, stdout to /dev/null, full audit log written.

Reports wall time and peak memory (max RSS) of the runbook process for
3,000,000 lines (target: <= 0.25 s, <= 40 MiB) and 30,000,000 lines (memory
must stay flat), next to a bare `seq | cat` for scale.

Usage: python3 benches/flood.py [--runs N]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# RUNBOOK_BENCH_BINARY compares another build under the same load (e.g. before/after a change).
BINARY = os.environ.get("RUNBOOK_BENCH_BINARY") or os.path.join(ROOT, "target", "release", "runbook")


def timed(argv, env=None, stdout=subprocess.DEVNULL):
    """Runs argv; returns (seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def flood(lines, runs, workdir):
    runbook = os.path.join(workdir, f"flood-{lines}.md")
    with open(runbook, "w") as f:
        f.write(f"# Flood\n```bash {{name=flood}}\nseq 1 {lines}\n```\n")
    env = dict(os.environ, RUNBOOK_AUDIT_DIR=os.path.join(workdir, "audit"))
    results = []
    for _ in range(runs):
        seconds, mib, code = timed([BINARY, "run", runbook, "--plain", "--yes"], env=env)
        if code != 0:
            sys.exit(f"runbook exited {code}")
        results.append((seconds, mib))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("RUNBOOK_BENCH_BINARY"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as workdir:
        bare = [timed(["sh", "-c", "seq 1 3000000 | cat"])[0] for _ in range(args.runs)]
        print(f"bare `seq 1 3000000 | cat`:          median {statistics.median(bare):.3f} s")
        for lines, target_s in [(3_000_000, 0.25), (30_000_000, None)]:
            results = flood(lines, args.runs if lines < 10_000_000 else 2, workdir)
            median = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results)
            verdict = ""
            if target_s is not None:
                verdict = "  ok" if median <= target_s and peak <= 40 else "  OVER TARGET"
            print(f"runbook --plain, {lines:>10,} lines: median {median:.3f} s, peak {peak:.1f} MiB{verdict}")


if __name__ == "__main__":
    main()
