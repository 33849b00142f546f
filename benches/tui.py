#!/usr/bin/env python3
"""Full-screen view benchmark: the release binary run inside tmux.

1. Flood: a step printing `seq 1 3000000` (22.9 MB). Time from the `y` that
   confirms the run until the screen shows `exit 0`, and the peak memory
   (VmHWM) of the runbook process. Targets: <= 0.6 s, <= 40 MiB. For scale,
   the same `seq` straight in a tmux pane, until `3000000` is on screen.
2. Key latency while output floods: `?` (the help box `Keys` opens) and `f`
   (it closes), from send-keys until capture-pane shows the change; median
   and p95, next to the same presses against an idle screen (the floor of
   the measurement). Target <= 50 ms.
3. Idle CPU: the view open on runbooks/deploy-day7.md, no step running, for
   20 s: utime+stime over wall time, % of one core. Target <= 1 %.

tmux is driven through one control-mode client on a private server socket,
so a capture-pane costs well under a millisecond instead of a process spawn.

Usage: python3 benches/tui.py [--quick]
"""
import argparse
import datetime
import glob
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# RUNBOOK_BENCH_BINARY compares another build under the same load (e.g. before/after a change).
BINARY = os.environ.get("RUNBOOK_BENCH_BINARY") or os.path.join(ROOT, "target", "release", "runbook")
DAY7 = os.path.join(ROOT, "runbooks", "deploy-day7.md")
WIDTH, HEIGHT = 120, 40
FLOOD_POLL = 0.005  # seconds between captures while timing a flood
HELP_OPEN = "╭ Keys "


class Tmux:
    """A private tmux server and one control-mode client attached to it."""

    def __init__(self):
        self.base = ["tmux", "-L", f"runbook-bench-{os.getpid()}", "-f", "/dev/null"]
        self.proc = subprocess.Popen(
            self.base + ["-C", "new-session", "-s", "keeper", "--", "sleep", "86400"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
        )
        self._block()  # the reply to new-session itself
        self.cmd("refresh-client -f no-output")
        self.cmd("set -g remain-on-exit on")
        self.socket = self.cmd("display -p '#{socket_path}'").strip()
        self.names = 0
        self.pids = []

    def _block(self):
        lines, inside = [], False
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("tmux control client went away")
            if line.startswith(b"%begin"):
                inside = True
            elif inside and line.startswith((b"%end", b"%error")):
                text = b"".join(lines).decode("utf-8", "replace")
                if line.startswith(b"%error"):
                    raise RuntimeError(f"tmux: {text.strip()}")
                return text
            elif inside:
                lines.append(line)

    def cmd(self, command):
        self.proc.stdin.write(command.encode() + b"\n")
        return self._block()

    def new(self, argv, env=None):
        """A detached WIDTH x HEIGHT session running argv; returns (name, pane pid)."""
        self.names += 1
        name = f"b{self.names}"
        opts = "".join(f" -e {quote(f'{k}={v}')}" for k, v in (env or {}).items())
        args = " ".join(quote(a) for a in argv)
        self.cmd(f"new-session -d -s {name} -x {WIDTH} -y {HEIGHT}{opts} -- {args}")
        return name, int(self.cmd(f"display -p -t {name} '#{{pane_pid}}'"))

    def keys(self, name, *keys):
        self.cmd(f"send-keys -t {name} " + " ".join(quote(k) for k in keys))

    def screen(self, name):
        return self.cmd(f"capture-pane -p -t {name}")

    def wait_for(self, name, test, timeout, poll=0.0):
        """Polls the screen until test(screen); returns (seconds, screen)."""
        start = time.perf_counter()
        while True:
            text = self.screen(name)
            elapsed = time.perf_counter() - start
            if test(text):
                return elapsed, text
            if elapsed > timeout:
                raise RuntimeError(f"timed out after {timeout} s; screen:\n{text}")
            if poll:
                time.sleep(poll)

    def kill(self, name, pid=None):
        """Ends the session; a runbook still in it first gets TERM (then KILL) while
        its terminal is alive: crossterm spins on a hung-up tty instead of exiting."""
        if pid is not None:
            stop(pid)
        try:
            self.cmd(f"kill-session -t {name}")
        except RuntimeError:
            pass

    def close(self):
        for pid in self.pids:
            stop(pid)
        subprocess.run(self.base + ["kill-server"], stderr=subprocess.DEVNULL, check=False)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        try:
            os.unlink(self.socket)
        except OSError:
            pass


def quote(arg):
    if "'" in arg:
        raise ValueError(f"cannot quote {arg!r}")
    return f"'{arg}'"


def runbook_pid(pane_pid):
    """The runbook process: the pane itself (once it has exec'd), or its child."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for pid in [pane_pid] + children(pane_pid):
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "runbook":
                        return pid
            except OSError:
                pass
        time.sleep(0.01)
    raise RuntimeError(f"no runbook process under pane pid {pane_pid}")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def ours(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[0] == BINARY.encode()
    except OSError:
        return False


def stop(pid):
    """TERM, then KILL, a runbook process this script started."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not alive(pid) or not ours(pid):
            return
        os.kill(pid, sig)
        wait_exit(pid, timeout=3)


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_exit(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def p95(values):
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def write_runbook(workdir, name, command):
    path = os.path.join(workdir, f"{name}.md")
    with open(path, "w") as f:
        f.write(f"# Flood\n```bash {{name={name}}}\n{command}\n```\n")
    return path


def open_view(tmux, audit, runbook, *extra):
    env = {"RUNBOOK_AUDIT_DIR": audit}
    name, pane = tmux.new([BINARY, "run", runbook, *extra], env=env)
    pid = runbook_pid(pane)
    tmux.pids.append(pid)
    tmux.wait_for(name, lambda s: "?  help" in s, timeout=10, poll=0.01)
    return name, pid


def confirm_run(tmux, name):
    """Enter on the current step, then wait for the confirmation dialog."""
    tmux.keys(name, "Enter")
    tmux.wait_for(name, lambda s: "Run this step?" in s, timeout=5, poll=0.005)


def step_times(audit):
    """Wall-clock times of step_started and step_finished in the session's audit log."""
    (log,) = glob.glob(os.path.join(audit, "*.jsonl"))
    times = {}
    with open(log, "rb") as f:
        for line in f:
            if b'step_started' in line[:160] or b'step_finished' in line[:160]:
                event = json.loads(line)
                if event["kind"] in ("step_started", "step_finished"):
                    stamp = event["ts"].replace("Z", "+00:00")
                    times[event["kind"]] = datetime.datetime.fromisoformat(stamp).timestamp()
    return times["step_started"], times["step_finished"]


def flood_once(tmux, workdir, runbook):
    """(seconds, MiB, runbook CPU s, key to step start, step run, step end to screen)."""
    audit = tempfile.mkdtemp(dir=workdir)
    name, pid = open_view(tmux, audit, runbook)
    try:
        confirm_run(tmux, name)
        cpu0, wall0, start = cpu_seconds(pid), time.time(), time.perf_counter()
        tmux.keys(name, "y")
        _, text = tmux.wait_for(name, lambda s: "exit " in s, timeout=60, poll=FLOOD_POLL)
        seconds, wall1, cpu = time.perf_counter() - start, time.time(), cpu_seconds(pid) - cpu0
        if "exit 0" not in text:
            raise RuntimeError(f"the flood step failed:\n{text}")
        mib = vm_hwm_mib(pid)
        tmux.keys(name, "q")  # the walk is finished: q alone ends it
        wait_exit(pid)
        started, finished = step_times(audit)
        return seconds, mib, cpu, max(0.0, started - wall0), finished - started, wall1 - finished
    finally:
        tmux.kill(name, pid)
        shutil.rmtree(audit, ignore_errors=True)


def bare_once(tmux):
    name, _ = tmux.new(["sh", "-c", "read _; seq 1 3000000; exec sleep 600"])
    try:
        time.sleep(0.2)
        start = time.perf_counter()
        tmux.keys(name, "Enter")
        last = re.compile(r"^3000000$", re.M)
        tmux.wait_for(name, lambda s: last.search(s) is not None, timeout=60, poll=FLOOD_POLL)
        return time.perf_counter() - start
    finally:
        tmux.kill(name)


def presses(tmux, name, count, guard=None):
    """count x (`?` until the help box shows, `f` until it is gone); latencies in ms."""
    samples = []
    for i in range(count):
        for key, shown in (("?", True), ("f", False)):
            time.sleep(0.03 + 0.007 * (i % 7))  # off the frame clock
            start = time.perf_counter()
            tmux.keys(name, key)
            _, text = tmux.wait_for(name, lambda s: (HELP_OPEN in s) == shown, timeout=5)
            samples.append((time.perf_counter() - start) * 1000)
            if guard and not guard(text):
                raise RuntimeError(f"the flood ended before the presses did:\n{text}")
    return samples


def still_running(screen):
    return "▶ running" in screen


def quit_view(tmux, name, pid):
    """q, then l: leave the session (it stays resumable)."""
    tmux.keys(name, "q")
    tmux.wait_for(name, lambda s: "l: leave" in s, timeout=5, poll=0.005)
    tmux.keys(name, "l")
    wait_exit(pid)


def latency_once(tmux, workdir, runbook, count):
    audit = tempfile.mkdtemp(dir=workdir)
    name, pid = open_view(tmux, audit, runbook)
    try:
        idle = presses(tmux, name, count)
        confirm_run(tmux, name)
        tmux.keys(name, "y")
        tmux.wait_for(name, lambda s: "output · following" in s, timeout=10, poll=0.005)
        time.sleep(0.5)
        flooding = presses(tmux, name, count, guard=still_running)
        mib = vm_hwm_mib(pid)
        tmux.keys(name, "x")
        tmux.wait_for(name, lambda s: "Cancel?" in s, timeout=5, poll=0.005)
        tmux.keys(name, "y")
        tmux.wait_for(name, lambda s: "⊘ cancelled" in s and "x  cancel step" not in s,
                      timeout=10, poll=0.01)
        quit_view(tmux, name, pid)
        return idle, flooding, mib
    finally:
        tmux.kill(name, pid)
        shutil.rmtree(audit, ignore_errors=True)


def idle_once(tmux, workdir, seconds):
    audit = tempfile.mkdtemp(dir=workdir)  # a fresh one: no session to resume
    name, pid = open_view(tmux, audit, DAY7, "--param", "version=v1.0.0")
    try:
        time.sleep(1.0)  # let the first frames settle
        cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
        time.sleep(seconds)
        cpu1, wall1 = cpu_seconds(pid), time.perf_counter()
        quit_view(tmux, name, pid)
        return 100 * (cpu1 - cpu0) / (wall1 - wall0)
    finally:
        tmux.kill(name, pid)


def verdict(value, target):
    return "ok" if value <= target else "OVER"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs and a 5 s idle window")
    args = parser.parse_args()
    flood_runs, bare_runs, latency_runs, press_count, idle_runs, idle_s = (
        (2, 1, 1, 8, 1, 5) if args.quick else (5, 3, 3, 20, 3, 20)
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    if not os.environ.get("RUNBOOK_BENCH_BINARY"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.2f}"
          + ("  (busy machine: figures will be noisy)" if load > 0.5 else ""))
    tmux = Tmux()
    try:
        with tempfile.TemporaryDirectory(prefix="runbook-tui-bench-") as workdir:
            flood_md = write_runbook(workdir, "flood", "seq 1 3000000")
            long_md = write_runbook(workdir, "longflood", "seq 1 1000000000")

            bare = [bare_once(tmux) for _ in range(bare_runs)]
            flood = [flood_once(tmux, workdir, flood_md) for _ in range(flood_runs)]
            flood_s = statistics.median(f[0] for f in flood)
            flood_mib = max(f[1] for f in flood)
            for run in flood:
                print("flood run: {:.3f} s, {:.1f} MiB, runbook CPU {:.2f} s;"
                      " y to step start {:.3f} s, step {:.3f} s, step end to screen {:.3f} s"
                      .format(*run))
            print(f"bare tmux runs: {', '.join(f'{s:.3f} s' for s in bare)}")

            idle_ms, flood_ms, long_mib = [], [], 0.0
            for _ in range(latency_runs):
                idle, flooding, mib = latency_once(tmux, workdir, long_md, press_count)
                idle_ms += idle
                flood_ms += flooding
                long_mib = max(long_mib, mib)

            cpu = [idle_once(tmux, workdir, idle_s) for _ in range(idle_runs)]
            cpu_pct = statistics.median(cpu)
            print(f"idle CPU runs: {', '.join(f'{c:.2f} %' for c in cpu)}")
    finally:
        tmux.close()

    rows = [
        ("flood 3,000,000 lines: y to `exit 0`", f"{flood_s:.3f} s (median of {flood_runs})",
         "<= 0.6 s", verdict(flood_s, 0.6)),
        ("  of which step run / step end to screen",
         f"{statistics.median(f[4] for f in flood):.3f} / "
         f"{statistics.median(f[5] for f in flood):.3f} s", "", ""),
        ("flood 3,000,000 lines: peak memory", f"{flood_mib:.1f} MiB", "<= 40 MiB",
         verdict(flood_mib, 40)),
        ("  same seq straight in a tmux pane", f"{statistics.median(bare):.3f} s", "", ""),
        ("key latency while flooding, median", f"{statistics.median(flood_ms):.1f} ms",
         "<= 50 ms", verdict(statistics.median(flood_ms), 50)),
        ("key latency while flooding, p95", f"{p95(flood_ms):.1f} ms", "<= 50 ms",
         verdict(p95(flood_ms), 50)),
        ("  floor (idle screen), median / p95",
         f"{statistics.median(idle_ms):.1f} / {p95(idle_ms):.1f} ms", "", ""),
        ("  peak memory after the long flood", f"{long_mib:.1f} MiB", "<= 40 MiB",
         verdict(long_mib, 40)),
        (f"idle CPU, deploy-day7, {idle_s} s", f"{cpu_pct:.2f} % (median of {idle_runs})",
         "<= 1 %", verdict(cpu_pct, 1.0)),
    ]
    print(f"\n{'measure':<42} {'result':<26} {'target':<10} verdict")
    for row in rows:
        print(f"{row[0]:<42} {row[1]:<26} {row[2]:<10} {row[3]}")
    print(f"(key latency: {len(flood_ms)} samples each while flooding and idle, {latency_runs} runs"
          f" x {press_count} x (`?` opens, `f` closes); control-mode capture-pane polled back to back)")


if __name__ == "__main__":
    main()
