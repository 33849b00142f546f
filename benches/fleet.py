#!/usr/bin/env python3
"""A step on 50 hosts over multiplexed OpenSSH (PRODUCT.md §7, §8).

Starts the loopback sshd of the tests (tests/sshd/loopback-sshd.sh) with 50 aliases,
then times `uptime` on all 50 at once, warm masters:
  - runbook's fleet transport (benches/fleet_run.rs: one ControlMaster per alias),
  - `xargs -P 50 ssh -S SOCKET` over those same masters,
  - `ansible -i INV all -m shell -a uptime -f 50` (ansible-core from PyPI, installed by
    this script into its own venv under target/; its own ControlPersist masters, warmed
    by a first run), with Ansible's defaults and again with pipelining on.
Reports the median of each, the ratios (goals: runbook <= 1.3 x xargs, >= 5 x faster
than ansible) and runbook's peak memory (goal <= 60 MiB).

Usage: python3 benches/fleet.py [--hosts 50] [--rounds 5] [--no-ansible]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target", "fleet-bench-venv")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sshd(workdir, hosts):
    port = free_port()
    srv = os.path.join(workdir, "srv")
    log = open(os.path.join(workdir, "sshd.log"), "w")
    proc = subprocess.Popen(
        ["bash", os.path.join(ROOT, "tests", "sshd", "loopback-sshd.sh"), srv, str(port), str(hosts)],
        stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(8).startswith(b"SSH-2.0-"):
                    return proc, os.path.join(srv, "ssh_config")
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    sys.exit("the loopback sshd did not start: " + open(log.name).read())


def bench_binary():
    out = subprocess.run(
        ["cargo", "bench", "--bench", "fleet_run", "--no-run", "--message-format=json", "--quiet"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "fleet_run" \
                and msg.get("executable"):
            return msg["executable"]
    sys.exit("cargo built no fleet_run bench")


def ansible_bin():
    ansible = os.path.join(VENV, "bin", "ansible")
    if not os.path.exists(ansible):
        print("installing ansible-core into", VENV, "(PyPI)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "--quiet", "ansible-core"], check=True)
    return ansible


def time_ansible(ansible, config, workdir, hosts, rounds, pipelining):
    inventory = os.path.join(workdir, "inventory.ini")
    with open(inventory, "w") as f:
        f.write("[fleet]\n")
        for n in range(1, hosts + 1):
            f.write(f"host{n:02d}\n")
        f.write("[fleet:vars]\nansible_python_interpreter=/usr/bin/python3\n")
    control = tempfile.mkdtemp(prefix="rb-ans-", dir="/tmp")
    env = dict(os.environ,
               ANSIBLE_SSH_ARGS=f"-F {config} -o ControlMaster=auto -o ControlPersist=120s",
               ANSIBLE_SSH_CONTROL_PATH_DIR=control,
               ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
               ANSIBLE_PIPELINING="True" if pipelining else "False",
               ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "ansible-tmp"),
               ANSIBLE_REMOTE_TMP=os.path.join(workdir, "ansible-remote-tmp"),
               ANSIBLE_NOCOLOR="1")
    argv = [ansible, "-i", inventory, "all", "-m", "shell", "-a", "uptime", "-f", str(hosts)]
    seconds = []
    for i in range(rounds + 1):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit("ansible failed: " + done.stderr[-2000:])
        if i > 0:  # the first run opens ansible's masters
            seconds.append(time.perf_counter() - start)
    for name in os.listdir(control):
        subprocess.run(["ssh", "-F", config, "-o", f"ControlPath={os.path.join(control, name)}", "-O", "exit", "x"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Ansible's masters may take a moment to remove their sockets after `-O exit`.
    shutil.rmtree(control, ignore_errors=True)
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-ansible", action="store_true")
    args = parser.parse_args()
    binary = bench_binary()
    with tempfile.TemporaryDirectory(prefix="rb-fleet-", dir="/tmp") as workdir:
        sshd, config = start_sshd(workdir, args.hosts)
        try:
            out = subprocess.run([binary, "--ssh-config", config, "--hosts", str(args.hosts),
                                  "--command", "uptime", "--rounds", str(args.rounds)],
                                 check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            ours = statistics.median(result["library_s"])
            xargs = statistics.median(result["xargs_s"])
            mib = result["peak_rss_kib"] / 1024
            print(f"{args.hosts} hosts, `uptime`, warm masters, median of {args.rounds}:")
            print(f"  runbook fleet transport   {ours:7.3f} s   peak {mib:.1f} MiB")
            print(f"  xargs -P {args.hosts} ssh            {xargs:7.3f} s")
            verdict = "ok" if ours <= 1.3 * xargs and mib <= 60 else "OVER TARGET"
            print(f"  runbook / xargs           {ours / xargs:7.2f} x   (goal <= 1.3 x, <= 60 MiB): {verdict}")
            if not args.no_ansible:
                ansible = ansible_bin()
                for pipelining in (False, True):
                    secs = statistics.median(time_ansible(ansible, config, workdir, args.hosts, args.rounds, pipelining))
                    label = "ansible -m shell -f %d%s" % (args.hosts, ", pipelining" if pipelining else "")
                    verdict = "ok" if secs >= 5 * ours else "UNDER GOAL"
                    print(f"  {label:<26}{secs:7.3f} s")
                    print(f"  ansible / runbook         {secs / ours:7.1f} x   (goal >= 5 x): {verdict}")
        finally:
            sshd.send_signal(signal.SIGTERM)
            sshd.wait()


if __name__ == "__main__":
    main()
