#!/usr/bin/env python3
"""The full-screen view with 50 health checks at 1 s, inside tmux (release binary).

A local HTTP server answers /health on loopback; a second listener accepts and never
answers (a 51st check with a 500 ms timeout). The view opens a runbook declaring all of
them; once the panel shows 50 OK:

1. CPU of the runbook process over 20 s (no step running): target <= 3 % of a core.
2. Key press to redrawn frame (`?` opens help, `f` closes it): median and p95,
   target <= 50 ms.
3. Samples: the hung check must not delay the others — the audit log's health
   events and the panel show every OK check staying OK (no UNKNOWN/DOWN flaps).

Usage: python3 benches/tui_health.py [--quick]
"""
import argparse
import http.server
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tui  # noqa: E402  (the tmux driver and process helpers)

CHECKS = 50


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # all 50 checks connect at once
    daemon_threads = True


def serve():
    server = Server(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def silent_listener():
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held = []

    def accept():
        while True:
            conn, _ = sock.accept()
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return sock


def write_runbook(workdir, port, hung_port):
    lines = ["---", "title: fifty checks", "health:"]
    for i in range(CHECKS):
        lines.append(f"  - {{name: svc-{i:02}, http: http://127.0.0.1:{port}/health,"
                     f" every: 1s, timeout: 500ms}}")
    lines.append(f"  - {{name: hung, http: http://127.0.0.1:{hung_port}/health,"
                 f" every: 1s, timeout: 500ms}}")
    lines += ["---", "# Fifty checks", "## Watch", "- [ ] the panel is green", ""]
    path = os.path.join(workdir, "fifty.md")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 s CPU window, 8 presses")
    args = parser.parse_args()
    window, press_count = (5, 8) if args.quick else (20, 20)
    if not os.environ.get("RUNBOOK_BENCH_BINARY"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=tui.ROOT, check=True)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    server, hung = serve(), silent_listener()
    tmux = tui.Tmux()
    try:
        with tempfile.TemporaryDirectory(prefix="runbook-health-bench-") as workdir:
            runbook = write_runbook(workdir, server.server_address[1], hung.getsockname()[1])
            audit = tempfile.mkdtemp(dir=workdir)
            name, pid = tui.open_view(tmux, audit, runbook)
            tmux.wait_for(name, lambda s: f"{CHECKS} OK" in s, timeout=20, poll=0.05)
            time.sleep(1.0)
            cpu0, wall0 = tui.cpu_seconds(pid), time.perf_counter()
            time.sleep(window)
            cpu = 100 * (tui.cpu_seconds(pid) - cpu0) / (time.perf_counter() - wall0)
            latencies = tui.presses(tmux, name, press_count)
            screen = tmux.screen(name)
            tui.quit_view(tmux, name, pid)
            log = [os.path.join(audit, f) for f in os.listdir(audit) if f.endswith(".jsonl")][0]
            flaps = 0
            with open(log) as f:
                for line in f:
                    if '"health_changed"' in line and '"svc-' in line and '"to":"OK"' not in line:
                        flaps += 1
    finally:
        tmux.close()
        server.shutdown()
    summary = [s for s in screen.splitlines() if "health:" in s]
    print(f"title bar: {summary[0].strip() if summary else '?'}")
    rows = [
        (f"CPU, {CHECKS} http checks at 1 s + 1 hung, {window} s", f"{cpu:.2f} %", "<= 3 %",
         tui.verdict(cpu, 3.0)),
        ("key to frame, median", f"{statistics.median(latencies):.1f} ms", "<= 50 ms",
         tui.verdict(statistics.median(latencies), 50)),
        ("key to frame, p95", f"{tui.p95(latencies):.1f} ms", "<= 50 ms",
         tui.verdict(tui.p95(latencies), 50)),
        ("OK checks leaving OK (hung endpoint effect)", f"{flaps}", "0",
         "ok" if flaps == 0 else "OVER"),
    ]
    print(f"\n{'measure':<48} {'result':<12} {'target':<10} verdict")
    for row in rows:
        print(f"{row[0]:<48} {row[1]:<12} {row[2]:<10} {row[3]}")


if __name__ == "__main__":
    main()
