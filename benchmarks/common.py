"""Shared by the benchmark scripts: a generated local news site served from another process.

The server runs in its own interpreter (``python -m http.server``) so it does not
share the crawler's CPU time or memory figures.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLACES = ["Shanghai", "Pudong", "Zhangjiang", "Lingang", "Suzhou", "Hangzhou", "Hefei", "Nanjing"]
TOPICS = ["chip", "AI", "biotech", "quantum", "robotics", "battery", "satellite", "software"]
TEMPLATES = [
    "{place} now hosts {n} {topic} companies, up {p}% from a year earlier, city data show.",
    "Investment in {place}'s {topic} sector reached ${b} billion in {year}, officials said.",
    "A new {topic} laboratory in {place} will employ more than {n} engineers by next year.",
    "The {place} {topic} cluster ranks {r}th nationally, according to an industry survey.",
    "Local firms filed {n} patents on {topic} technology, nearly a quarter of the regional total.",
    "Researchers in {place} said the {topic} pilot line cut production costs by {p}%.",
    "The park's {topic} incubator has helped {n} startups raise ¥{b} billion since {year}.",
    "Analysts expect the {topic} market in the Yangtze River Delta to grow {p}% annually.",
]


def article_html(i: int, base: str) -> str:
    rnd = random.Random(i)
    place, topic = rnd.choice(PLACES), rnd.choice(TOPICS)
    paras = []
    for _ in range(rnd.randint(8, 14)):
        t = rnd.choice(TEMPLATES)
        paras.append(
            t.format(
                place=rnd.choice(PLACES),
                topic=rnd.choice(TOPICS),
                n=rnd.randint(12, 4000),
                p=rnd.randint(2, 90),
                b=round(rnd.uniform(0.5, 90), 1),
                r=rnd.randint(2, 30),
                year=rnd.randint(2018, 2025),
            )
        )
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{place} {topic} report {i}</title><link rel="canonical" href="{base}/news/{i}.html">
<meta property="article:published_time" content="2026-10-{1 + i % 28:02d}"></head><body>
<nav><a href="/">Home</a> <a href="/tech/">Tech</a> <a href="/about.html">About</a></nav>
<article><h1>{place} {topic} report number {i}</h1>{body}</article>
<footer><p>Copyright 2026 Bench News. All rights reserved.</p></footer></body></html>"""


def build_site(root: Path, pages: int, base: str, *, corpus: Path | None = None) -> int:
    """Write the site's pages, sitemap and robots.txt; returns how many pages it has.

    ``corpus``: a folder of real pages (``*.html``, kept outside the repository) served
    byte for byte, each once (their canonical links name their own articles), at most
    ``pages`` of them; else ``pages`` generated articles.
    """
    (root / "news").mkdir(parents=True, exist_ok=True)
    if corpus is not None:
        files = sorted(corpus.glob("*.html"))[:pages]
        if not files:
            raise SystemExit(f"no *.html pages in {corpus}")
        for i, file in enumerate(files):
            (root / "news" / f"{i}.html").write_bytes(file.read_bytes())
        pages = len(files)
    else:
        for i in range(pages):
            (root / "news" / f"{i}.html").write_text(article_html(i, base), encoding="utf-8")
    urls = "".join(f"<url><loc>{base}/news/{i}.html</loc></url>" for i in range(pages))
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        encoding="utf-8",
    )
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return pages


def sitemap_site(tmp: Path, pages: int, *, corpus: Path | None = None) -> tuple[int, str, Path]:
    """A site of ``pages`` articles under ``tmp/site`` (generated, or real ones from
    ``corpus``, see :func:`build_site`) and a sources file crawling it through its sitemap
    (no delay, 8 requests in flight): ``(port, base URL, sources)``.

    Real pages are not about Shanghai technology: their source is ``topic = false``, so
    they go through the whole pipeline (figures, diff) instead of stopping at relevance.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    build_site(tmp / "site", pages, base, corpus=corpus)
    sources = tmp / "sources.toml"
    topic = "topic = false\n" if corpus is not None else ""
    sources.write_text(
        "[defaults]\ndelay = 0\nconcurrency = 8\n[[source]]\nname = 'bench'\n"
        f"kind = 'sitemap'\nurl = '{base}/sitemap.xml'\n{topic}",
        encoding="utf-8",
    )
    return port, base, sources


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: ``http.server`` without validators: no Last-Modified, no 304, as many CDN-fronted sites.
_NO_VALIDATORS = """
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def send_header(self, key, value):
        if key.lower() != "last-modified":
            super().send_header(key, value)
    def send_head(self):
        for name in ("If-Modified-Since", "If-None-Match"):
            del self.headers[name]
        return super().send_head()
handler = functools.partial(Handler, directory=sys.argv[2])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
"""


@contextmanager
def served(
    root: Path, port: int, *, log: Path | None = None, validators: bool = True
) -> Iterator[str]:
    """``python -m http.server`` in a child process, for the duration of the block.

    With ``log``, its access log (one line per request) is written there. ``validators``
    False: the server sends no Last-Modified and never answers 304.
    """
    sink = log.open("w") if log else subprocess.DEVNULL
    if validators:
        cmd = [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(root),
        ]
    else:
        cmd = [sys.executable, "-c", _NO_VALIDATORS, str(port), str(root)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=sink)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait()
        if log:
            sink.close()


def timed_child(cmd: list[str]) -> tuple[float, float, int]:
    """Run a command; return (wall seconds, peak RSS in MB of that child, exit code).

    ``ru_maxrss`` survives ``execve``: the peak is at least this (small) script's own size.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


@dataclass(slots=True)
class TreeUsage:
    """What a command and every process it started used (Linux ``/proc``, sampled)."""

    wall: float
    code: int
    #: The largest sum of resident memory over the whole process tree at one moment, MB.
    peak_mb: float = 0.0
    #: Each role's largest resident memory, MB ("crawl", "fork server", "analysis", ...).
    peak_by_role: dict[str, float] = field(default_factory=dict)
    #: CPU seconds (user + system) by role, as last seen.
    cpu_by_role: dict[str, float] = field(default_factory=dict)


def _proc(pid: int, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text(errors="replace")
    except OSError:
        return ""


def _tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # the process ended meanwhile
                todo.extend(int(c) for c in children.read_text().split())
    return pids


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "crawl"
    cmd = _proc(pid, "cmdline").replace("\0", " ")
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "forkserver" in cmd:  # the fork server and the processes forked from it share its cmdline
        parent = _proc(pid, "stat").rsplit(")", 1)[-1].split()[1:2]
        return (
            "analysis"
            if parent and "forkserver" in _proc(int(parent[0]), "cmdline")
            else "fork server"
        )
    return "other"


def measured_child(cmd: list[str], *, every: float = 0.1) -> TreeUsage:
    """Run a command; its wall time, exit code, and the memory and CPU of its whole tree.

    The crawl is several processes (the reactor's, the fork server, the analysis process):
    their resident memory is summed at each sample (shared pages counted in each, so the sum
    is an upper bound), and the peak of that sum is reported.
    """
    tick = os.sysconf("SC_CLK_TCK")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    usage = TreeUsage(0.0, 0)
    cpu: dict[int, tuple[str, float]] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            total = 0.0
            for pid in _tree(proc.pid):
                role = cpu[pid][0] if pid in cpu else _role(pid, proc.pid)
                status = _proc(pid, "status")
                rss = next(
                    (
                        int(ln.split()[1]) / 1024
                        for ln in status.splitlines()
                        if ln.startswith("VmRSS:")
                    ),
                    0.0,
                )
                total += rss
                usage.peak_by_role[role] = max(usage.peak_by_role.get(role, 0.0), rss)
                fields = _proc(pid, "stat").rsplit(")", 1)[-1].split()
                if len(fields) > 12:
                    cpu[pid] = (role, (int(fields[11]) + int(fields[12])) / tick)
            usage.peak_mb = max(usage.peak_mb, total)
            stop.wait(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.stderr.read()  # type: ignore[union-attr]
    proc.wait()
    stop.set()
    sampler.join()
    usage.wall = time.perf_counter() - start
    usage.code = proc.returncode
    for role, seconds in cpu.values():
        usage.cpu_by_role[role] = usage.cpu_by_role.get(role, 0.0) + seconds
    return usage
