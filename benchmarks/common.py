"""Shared by the benchmark scripts: a generated local news site served from another process.

The server runs in its own interpreter (``python -m http.server``) so it does not
share the crawler's CPU time or memory figures.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
        paras.append(t.format(place=rnd.choice(PLACES), topic=rnd.choice(TOPICS),
                              n=rnd.randint(12, 4000), p=rnd.randint(2, 90),
                              b=round(rnd.uniform(0.5, 90), 1), r=rnd.randint(2, 30),
                              year=rnd.randint(2018, 2025)))  # fmt: skip
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{place} {topic} report {i}</title><link rel="canonical" href="{base}/news/{i}.html">
<meta property="article:published_time" content="2026-10-{1 + i % 28:02d}"></head><body>
<nav><a href="/">Home</a> <a href="/tech/">Tech</a> <a href="/about.html">About</a></nav>
<article><h1>{place} {topic} report number {i}</h1>{body}</article>
<footer><p>Copyright 2026 Bench News. All rights reserved.</p></footer></body></html>"""


def build_site(root: Path, pages: int, base: str) -> None:
    (root / "news").mkdir(parents=True, exist_ok=True)
    for i in range(pages):
        (root / "news" / f"{i}.html").write_text(article_html(i, base), encoding="utf-8")
    urls = "".join(f"<url><loc>{base}/news/{i}.html</loc></url>" for i in range(pages))
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        encoding="utf-8",
    )
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")


def sitemap_site(tmp: Path, pages: int) -> tuple[int, str, Path]:
    """A generated site of ``pages`` articles under ``tmp/site`` and a sources file crawling
    it through its sitemap (no delay, 8 requests in flight): ``(port, base URL, sources)``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    build_site(tmp / "site", pages, base)
    sources = tmp / "sources.toml"
    sources.write_text(
        "[defaults]\ndelay = 0\nconcurrency = 8\n[[source]]\nname = 'bench'\n"
        f"kind = 'sitemap'\nurl = '{base}/sitemap.xml'\n",
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
        cmd = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
               "--directory", str(root)]  # fmt: skip
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
    """Run a command; return (wall seconds, peak RSS in MB of that child, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)
