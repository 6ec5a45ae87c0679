"""The scheduler under load (issue 17): N feeds on N distinct loopback hosts, ``interval = 2m``.

Each source is a small RSS feed of two small articles (five sentences each) on its own host 127.0.x.y (Linux routes
all of 127.0.0.0/8 to loopback; one server process answers on every address of it and
refuses anything else). ``deltawatch schedule`` runs for a bounded time, then gets SIGTERM.
Prints source runs per second, the time until every source had a run (and a successful
one), the scheduler's lag, peak memory of the scheduler's whole process tree (sampled from
/proc: the peak of the summed RSS, and the sum of each process's own peak), and how long
stopping took. No assertions: numbers to read; on a shared machine they are noisy.

Usage: python benchmarks/scheduler_scale.py [--sources N] [--duration S] [--max-parallel P]
       [--batch-size B] [--delay D]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, free_port

#: The server: every 127.x address, a feed of two articles per host, robots.txt allowing all.
_SERVER = r"""
import http.server, random, sys
sys.path.insert(0, sys.argv[2])
from benchmarks.common import PLACES, TEMPLATES, TOPICS

def article_html(i, base):
    # A small article: a title and five sentences with figures.
    rnd = random.Random(i)
    place, topic = rnd.choice(PLACES), rnd.choice(TOPICS)
    paras = "".join("<p>" + rnd.choice(TEMPLATES).format(
        place=place, topic=topic, n=rnd.randint(12, 4000), p=rnd.randint(2, 90),
        b=round(rnd.uniform(0.5, 90), 1), r=rnd.randint(2, 30), year=rnd.randint(2018, 2025))
        + "</p>" for _ in range(5))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{place} {topic} '
            f'report {i}</title><link rel="canonical" href="{base}/news/{i}.html"></head><body>'
            f"<article><h1>{place} {topic} report number {i}</h1>{paras}</article></body></html>")

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if not self.client_address[0].startswith("127."):
            self.send_error(403)
            return
        host = self.headers.get("Host", "127.0.0.1")
        base = f"http://{host}"
        octets = host.split(":")[0].split(".")
        n = (int(octets[2]) - 1) * 254 + int(octets[3]) - 1
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif self.path == "/feed.xml":
            items = "".join(
                f"<item><title>Report {k}</title><link>{base}/news/{k}.html</link></item>"
                for k in (2 * n, 2 * n + 1))
            body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                    f"<title>Feed {n}</title><link>{base}/</link>{items}</channel></rss>").encode()
            ctype = "application/rss+xml"
        elif self.path.startswith("/news/") and self.path.endswith(".html"):
            body, ctype = article_html(int(self.path[6:-5]), base).encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

# Every source is its own server in real life; here one process answers all of them, and
# socketserver's listen backlog of 5 dropped the connections of a batch starting at once
# (each retried a second or more later: a batch of 100 idled 70 s of its 80).
http.server.ThreadingHTTPServer.request_queue_size = 1024
server = http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler)
server.daemon_threads = True
server.serve_forever()
"""


def host(i: int) -> str:
    return f"127.0.{1 + i // 254}.{1 + i % 254}"


def sources_file(path: Path, n: int, port: int, delay: float) -> None:
    lines = ["[defaults]", 'interval = "2m"', f"delay = {delay}", "concurrency = 2", ""]
    for i in range(n):
        lines += [
            "[[source]]",
            f'name = "s{i}"',
            'kind = "feed"',
            f'url = "http://{host(i)}:{port}/feed.xml"',
            "topic = false",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def tree(root: int) -> list[int]:
    """``root`` and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Memory:
    """Samples the process tree twice a second: peak summed RSS, each process's VmHWM, and
    the CPU time each has used (how busy the crawl was, against how long it took)."""

    def __init__(self, root: int) -> None:
        self.root, self.peak_sum, self.hwm, self.peak_procs = root, 0, {}, 0
        self.cpu: dict[int, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(0.5):
            pids = tree(self.root)
            self.peak_sum = max(self.peak_sum, sum(status_kb(p, "VmRSS") for p in pids))
            self.peak_procs = max(self.peak_procs, len(pids))
            for p in pids:
                self.hwm[p] = max(self.hwm.get(p, 0), status_kb(p, "VmHWM"))
                self.cpu[p] = max(self.cpu.get(p, 0.0), cpu_seconds(p))


def query(db: Path, sql: str) -> list[tuple]:
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.Error:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds before SIGTERM")
    parser.add_argument("--max-parallel", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--delay", type=float, default=1.0, help="per-source download delay")
    args = parser.parse_args()
    n = min(max(args.sources, 1), 10_000)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db, src = tmp / "bench.db", tmp / "sources.toml"
        sources_file(src, n, port, args.delay)
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(port), str(ROOT)], stderr=subprocess.DEVNULL
        )  # resets at SIGTERM: noise
        log_path = Path(os.environ.get("BENCH_LOG") or tmp / "schedule.log")  # BENCH_LOG: keep it
        log = log_path.open("w")  # closed after the run, before reading it
        try:
            time.sleep(1.0)
            load_before = os.getloadavg()[0]
            start = time.monotonic()
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "deltawatch",
                    "--db",
                    str(db),
                    "schedule",
                    "--sources",
                    str(src),
                    "--max-parallel",
                    str(args.max_parallel),
                    "--batch-size",
                    str(args.batch_size),
                ],
                cwd=ROOT,
                stderr=log,
                stdout=subprocess.DEVNULL,
            )
            memory = Memory(proc.pid)
            all_ran = all_ok = None
            while time.monotonic() - start < args.duration and proc.poll() is None:
                time.sleep(1.0)
                [(ran, ok)] = query(
                    db, "SELECT count(last_run_at), count(last_success_at) FROM sources"
                ) or [(0, 0)]
                if all_ran is None and ran >= n:
                    all_ran = time.monotonic() - start
                if all_ok is None and ok >= n:
                    all_ok = time.monotonic() - start
            elapsed = time.monotonic() - start
            load_after = os.getloadavg()[0]
            signalled = time.monotonic()
            signalled_at = datetime.now(UTC).isoformat()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            stop_s = time.monotonic() - signalled
            memory.done.set()
            memory.thread.join()
        finally:
            server.terminate()
            server.wait()
        log.close()
        lines = log_path.read_text().splitlines()
        runs = query(db, "SELECT sources, status FROM runs")
        [(late_starts,)] = query(
            db, f"SELECT count(*) FROM runs WHERE started_at > '{signalled_at}'"
        )
    per_source_runs = sum(len(json.loads(s)) for s, st in runs if st != "running")
    left_running = sum(1 for _, st in runs if st == "running")
    lags = [ln.split("event=schedule_lag ")[1] for ln in lines if "event=schedule_lag" in ln]
    procs = sum(1 for ln in lines if "event=crawl_process_started" in ln)
    errors = [ln for ln in lines if "Traceback" in ln or "dispatch_error" in ln]

    def secs(v: float | None) -> str:
        return f"{v:.0f} s" if v is not None else f"not within {elapsed:.0f} s"

    print(
        f"sources: {n} feeds of 2 articles on distinct hosts 127.0.x.y, interval 2m, "
        f"delay {args.delay} s; max-parallel {args.max_parallel}, batch {args.batch_size}"
    )
    print(
        f"ran for {elapsed:.0f} s; source runs: {per_source_runs} "
        f"({per_source_runs / elapsed:.1f} per second), batches (runs): {len(runs)}"
    )
    print(f"every source had a run after: {secs(all_ran)}; a successful run: {secs(all_ok)}")
    print(f"lag (last schedule_lag line): {lags[-1] if lags else 'none logged'}")
    print(
        f"peak memory of the scheduler's process tree: {memory.peak_sum / 1024:.0f} MB summed RSS"
        f" (sampled), {sum(memory.hwm.values()) / 1024:.0f} MB sum of each process's peak;"
        f" {memory.peak_procs} processes at most, {procs} crawl processes started"
    )
    others = sorted((kb for pid, kb in memory.hwm.items() if pid != proc.pid), reverse=True)
    print(
        f"  scheduler process peak {memory.hwm.get(proc.pid, 0) / 1024:.0f} MB; crawl processes' "
        f"peaks: {', '.join(f'{kb / 1024:.0f}' for kb in others[:6])} MB"
    )
    cpu = sum(memory.cpu.values())
    print(
        f"CPU used by the process tree: {cpu:.0f} s in {elapsed + stop_s:.0f} s "
        f"({cpu / (elapsed + stop_s):.2f} cores of {os.cpu_count()}); load average "
        f"{load_before:.1f} before, {load_after:.1f} at the end"
    )
    print(
        f"SIGTERM to exit: {stop_s:.1f} s, exit code {proc.returncode}, runs started after it: "
        f"{late_starts}, runs left running: {left_running}, log errors: {len(errors)}"
    )
    print("(a shared 2-core machine: timings are noisy)")


if __name__ == "__main__":
    main()
