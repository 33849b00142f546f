#!/usr/bin/env python3
"""One step on 50 hosts, walked by a real session (PRODUCT.md §7, §8).

Starts the loopback sshd of the tests (tests/sshd/loopback-sshd.sh) with 50 aliases and
walks a runbook with `runbook run --plain --yes` (the release binary): a first step opens
the session's masters (`true` on every host), the second runs `uptime` on all 50 at once
over them — the timed part, from the audit log's `step_started` to its `step_finished`
(monotonic `mono_ms`), so it holds everything the session does for a step: batches,
50 ssh runs, output and ends recorded in the hash-chained log. Against:
  - `xargs -P 50 ssh uptime` over warm masters this script opened for the same aliases
    (goal: the session's step <= 1.3 x; each round times one session and one xargs run
    side by side),
  - `ansible -i INV all -m shell -a uptime -f 50` (ansible-core from PyPI, installed by
    benches/fleet.py's helper into target/fleet-bench-venv; its masters warmed by a first
    run; goal: the session >= 5 x faster),
and the session's peak resident memory (goal <= 60 MiB: the largest of the driver and the
processes it waited for).

Usage: python3 benches/fleet_session.py [--hosts 50] [--rounds 5] [--no-ansible] [--binary PATH]
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402  (the sshd and ansible helpers of the transport bench)

ROOT = fleet.ROOT

RUNBOOK = """---
title: Fleet bench
hosts:
  fleet: ["host[01:{last:02d}]"]
---
# Uptime

```bash {{name=warm on=fleet serial=100% confirm=none}}
true
```

```bash {{name=uptime on=fleet serial=100% confirm=none}}
uptime
```
"""


def runbook_binary():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "runbook"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "runbook")


# Runs the session and prints its peak resident memory (KiB): the largest of the driver
# and the processes it waited for, nothing of this script or of cargo.
MEASURED = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


def session_round(binary, config, workdir, n):
    audit = os.path.join(workdir, f"audit-{n}")
    book = os.path.join(workdir, "bench.md")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURED, binary, "run", book, "--plain", "--yes",
                           "--ssh-config", config, "--audit-dir", audit],
                          capture_output=True, text=True, cwd=workdir)
    whole = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit("the session failed: " + done.stderr[-2000:])
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    [log] = [os.path.join(audit, f) for f in os.listdir(audit) if f.endswith(".jsonl")]
    marks = {}
    hosts = 0
    with open(log) as f:
        for line in f:
            record = json.loads(line)
            if record.get("step") != "uptime":
                continue
            if record["kind"] in ("step_started", "step_finished"):
                marks[record["kind"]] = record["mono_ms"]
            if record["kind"] == "host_finished" and record["data"]["ok"]:
                hosts += 1
    return (marks["step_finished"] - marks["step_started"]) / 1000, whole, hosts, peak_kib


def open_masters(config, hosts, control):
    procs = [subprocess.Popen(["ssh", "-F", config, "-o", "BatchMode=yes", "-o", "ControlMaster=yes",
                               "-o", f"ControlPath={control}/%n", "-o", "ControlPersist=120s", "-N", "-f",
                               f"host{n:02d}"], stdin=subprocess.DEVNULL)
             for n in range(1, hosts + 1)]
    for p in procs:
        p.wait()


def close_masters(config, hosts, control):
    for n in range(1, hosts + 1):
        subprocess.run(["ssh", "-F", config, "-o", f"ControlPath={control}/%n", "-O", "exit",
                        f"host{n:02d}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def xargs_round(config, hosts, control):
    names = "".join(f"host{n:02d}\n" for n in range(1, hosts + 1))
    start = time.perf_counter()
    subprocess.run(["xargs", "-P", str(hosts), "-I{}", "ssh", "-F", config, "-o", "BatchMode=yes",
                    "-o", "ControlMaster=no", "-o", f"ControlPath={control}/%n", "{}", "uptime"],
                   input=names, text=True, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-ansible", action="store_true")
    parser.add_argument("--binary", help="a runbook binary to time instead of the release build")
    args = parser.parse_args()
    binary = args.binary or runbook_binary()
    with tempfile.TemporaryDirectory(prefix="rb-fsess-", dir="/tmp") as workdir:
        with open(os.path.join(workdir, "bench.md"), "w") as f:
            f.write(RUNBOOK.format(last=args.hosts))
        sshd, config = fleet.start_sshd(workdir, args.hosts)
        control = tempfile.mkdtemp(prefix="rb-x-", dir="/tmp")
        try:
            # Paired rounds: each session step is timed right beside an xargs round, so a
            # machine whose load drifts weighs on both alike.
            open_masters(config, args.hosts, control)
            xargs_round(config, args.hosts, control)  # warm
            steps, wholes, peaks, xargs_times = [], [], [], []
            for n in range(args.rounds):
                step, whole, ok, peak = session_round(binary, config, workdir, n)
                if ok != args.hosts:
                    sys.exit(f"only {ok} of {args.hosts} hosts ran uptime")
                steps.append(step)
                wholes.append(whole)
                peaks.append(peak)
                xargs_times.append(xargs_round(config, args.hosts, control))
            close_masters(config, args.hosts, control)
            peak_mib = max(peaks) / 1024
            xargs = statistics.median(xargs_times)
            paired = statistics.median(s / x for s, x in zip(steps, xargs_times))
            ours = statistics.median(steps)
            print(f"{args.hosts} hosts, `uptime`, warm masters, median of {args.rounds}:")
            print(f"  runbook session, the step  {ours:7.3f} s   (whole session with connecting: "
                  f"{statistics.median(wholes):.3f} s)   peak {peak_mib:.1f} MiB")
            print(f"  xargs -P {args.hosts} ssh             {xargs:7.3f} s")
            verdict = "ok" if ours <= 1.3 * xargs and peak_mib <= 60 else "OVER TARGET"
            print(f"  session / xargs            {ours / xargs:7.2f} x   (goal <= 1.3 x, <= 60 MiB): {verdict}")
            print(f"  round by round             {paired:7.2f} x   (median of each round's ratio; "
                  f"rounds {', '.join(f'{s / x:.2f}' for s, x in zip(steps, xargs_times))})")
            if not args.no_ansible:
                ansible = fleet.ansible_bin()
                secs = statistics.median(fleet.time_ansible(ansible, config, workdir, args.hosts, args.rounds, False))
                verdict = "ok" if secs >= 5 * ours else "UNDER GOAL"
                print(f"  ansible -m shell -f {args.hosts}       {secs:7.3f} s")
                print(f"  ansible / session          {secs / ours:7.1f} x   (goal >= 5 x): {verdict}")
        finally:
            if not os.listdir(control):
                os.rmdir(control)
            sshd.send_signal(signal.SIGTERM)
            sshd.wait()


if __name__ == "__main__":
    main()
