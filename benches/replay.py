#!/usr/bin/env python3
"""Replay and follow of a 100 MB audit log: the release binary in tmux.

1. Generate: a runbook whose `flood` step prints `seq 1 N` is recorded with
   `runbook run --plain --yes` (the real writer, so the log is a valid
   hash-chained session of about 100 MB; `runbook verify` checks it).
2. `runbook replay LOG` in a 120x40 tmux pane: time from starting the pane
   until the first frame (`REPLAY` on screen), until the index is complete
   (no `indexing` on the timeline), and for `G` (seek to the end: the whole
   log folded) and `[` (back one step: from a checkpoint); peak memory
   (VmHWM) of the process. Targets: first frame <= 300 ms, <= 60 MiB.
3. `runbook follow LOG` the same way: first frame (`FOLLOW` on screen) and
   caught up (`session ended` in the status line); peak memory.
4. Without a terminal: `runbook replay --json-state LOG` (read and fold the
   whole log) wall time and peak memory, for scale.

Usage: python3 benches/replay.py [--quick] [--lines N]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tui import BINARY, ROOT, Tmux, runbook_pid, vm_hwm_mib, wait_exit  # noqa: E402

FIRST_FRAME_TARGET_MS = 300
MEMORY_TARGET_MIB = 60

RUNBOOK = """# Big session

## Pre-flight

- [ ] Change ticket approved

```bash {{name=warmup}}
echo "warming up"
```

## Flood

```bash {{name=flood}}
seq 1 {lines}
```

## Go/No-Go

- Flood finished

## After

```bash {{name=after}}
echo "after the flood"
```
"""


def generate(workdir, lines):
    """Records the session; returns the log's path."""
    runbook = os.path.join(workdir, "big.md")
    with open(runbook, "w") as f:
        f.write(RUNBOOK.format(lines=lines))
    audit = os.path.join(workdir, "audit")
    subprocess.run([BINARY, "run", runbook, "--plain", "--yes", "--audit-dir", audit],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    (log,) = [os.path.join(audit, n) for n in os.listdir(audit) if n.endswith(".jsonl")]
    verify = subprocess.run([BINARY, "verify", log], capture_output=True, text=True)
    if verify.returncode != 0:
        raise RuntimeError(f"the generated log does not verify: {verify.stdout}")
    return log


def timed_view(tmux, argv, first, done, keys=()):
    """(first frame ms, done ms, [(key, ms)], MiB): a view from pane start to `first`
    on screen, then to `done`, then each key until its expected text shows."""
    start = time.perf_counter()
    name, pane = tmux.new(argv)
    pid = runbook_pid(pane)
    tmux.pids.append(pid)
    try:
        tmux.wait_for(name, lambda s: first in s, timeout=30, poll=0.002)
        first_ms = (time.perf_counter() - start) * 1000
        tmux.wait_for(name, done, timeout=60, poll=0.005)
        done_ms = (time.perf_counter() - start) * 1000
        pressed = []
        for key, shown in keys:
            t0 = time.perf_counter()
            tmux.keys(name, key)
            tmux.wait_for(name, shown, timeout=30, poll=0.002)
            pressed.append((key, (time.perf_counter() - t0) * 1000))
        mib = vm_hwm_mib(pid)
        tmux.keys(name, "q")
        wait_exit(pid)
        return first_ms, done_ms, pressed, mib
    finally:
        tmux.kill(name, pid)


def replay_once(tmux, log):
    return timed_view(
        tmux,
        [BINARY, "replay", log],
        "REPLAY",
        lambda s: "REPLAY" in s and "indexing" not in s and "event" in s,
        keys=[("G", lambda s: "end of the replay" in s),
              ("[", lambda s: "❚❚ paused" in s and "end of the replay" not in s)],
    )


def follow_once(tmux, log):
    return timed_view(tmux, [BINARY, "follow", log], "FOLLOW",
                      lambda s: "session ended" in s)


def headless(log):
    """(seconds, MiB) of `replay --json-state`: read and fold everything, no terminal."""
    start = time.perf_counter()
    proc = subprocess.Popen([BINARY, "replay", "--json-state", log], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"replay --json-state exited {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def verdict(value, target):
    return "ok" if value <= target else "OVER"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--lines", type=int, default=11_200_000,
                        help="lines the flood step prints (default: about a 100 MB log)")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    if not os.environ.get("RUNBOOK_BENCH_BINARY"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.2f}"
          + ("  (busy machine: figures will be noisy)" if load > 0.5 else ""))
    workdir = tempfile.mkdtemp(prefix="runbook-replay-bench-")
    tmux = Tmux()
    try:
        t0 = time.perf_counter()
        log = generate(workdir, args.lines)
        size_mb = os.path.getsize(log) / 1e6
        print(f"generated {size_mb:.1f} MB log ({args.lines:,} output lines)"
              f" in {time.perf_counter() - t0:.1f} s; it verifies")
        # Read it once so every run starts from the page cache, as a re-opened log does.
        subprocess.run(["cat", log], stdout=subprocess.DEVNULL, check=True)
        replays = [replay_once(tmux, log) for _ in range(runs)]
        follows = [follow_once(tmux, log) for _ in range(runs)]
        plain = [headless(log) for _ in range(runs)]
    finally:
        tmux.close()
        shutil.rmtree(workdir, ignore_errors=True)

    for r in replays:
        keys = ", ".join(f"{k} {ms:.0f} ms" for k, ms in r[2])
        print(f"replay run: first frame {r[0]:.0f} ms, indexed {r[1]:.0f} ms, {keys}, {r[3]:.1f} MiB")
    for f in follows:
        print(f"follow run: first frame {f[0]:.0f} ms, caught up {f[1]:.0f} ms, {f[3]:.1f} MiB")
    replay_first = statistics.median(r[0] for r in replays)
    follow_first = statistics.median(f[0] for f in follows)
    replay_mib = max(r[3] for r in replays)
    follow_mib = max(f[3] for f in follows)
    rows = [
        (f"replay {size_mb:.0f} MB: first frame", f"{replay_first:.0f} ms (median of {runs})",
         f"<= {FIRST_FRAME_TARGET_MS} ms", verdict(replay_first, FIRST_FRAME_TARGET_MS)),
        ("  index complete", f"{statistics.median(r[1] for r in replays):.0f} ms", "", ""),
        ("  G (fold to the end) / [ (back a step)",
         f"{statistics.median(r[2][0][1] for r in replays):.0f} / "
         f"{statistics.median(r[2][1][1] for r in replays):.0f} ms", "", ""),
        ("replay: peak memory", f"{replay_mib:.1f} MiB", f"<= {MEMORY_TARGET_MIB} MiB",
         verdict(replay_mib, MEMORY_TARGET_MIB)),
        (f"follow {size_mb:.0f} MB: first frame", f"{follow_first:.0f} ms (median of {runs})",
         f"<= {FIRST_FRAME_TARGET_MS} ms", verdict(follow_first, FIRST_FRAME_TARGET_MS)),
        ("  caught up (whole log folded, on screen)",
         f"{statistics.median(f[1] for f in follows):.0f} ms", "", ""),
        ("follow: peak memory", f"{follow_mib:.1f} MiB", f"<= {MEMORY_TARGET_MIB} MiB",
         verdict(follow_mib, MEMORY_TARGET_MIB)),
        ("replay --json-state (no terminal)",
         f"{statistics.median(p[0] for p in plain) * 1000:.0f} ms, "
         f"{max(p[1] for p in plain):.1f} MiB", "", ""),
    ]
    print(f"\n{'measure':<42} {'result':<26} {'target':<12} verdict")
    for row in rows:
        print(f"{row[0]:<42} {row[1]:<26} {row[2]:<12} {row[3]}")
    print("(times from starting the tmux pane; control-mode capture-pane polled every 2 ms)")


if __name__ == "__main__":
    main()
