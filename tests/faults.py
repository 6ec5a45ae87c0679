"""A local web server that misbehaves on purpose, for the fault tests.

Two ``ThreadingHTTPServer`` instances share one :class:`FaultSite`: the main one on
127.0.0.1 and a second "other domain" on 127.0.0.2 (a different host name for the
crawler's offsite rules; still loopback, so tests stay offline). Every request is
logged with its host and time, and bodies that are streamed record how many bytes
actually went out, so tests can check what the crawler fetched, when, and where it
stopped reading.

Nothing big is built in memory: the 50 MB bodies are streamed in chunks and the
gzip bomb is compressed incrementally once per process (~200 KB on the wire).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from seeds.demo_site import running
from tests import sites

__all__ = [
    "BIG5_STORY",
    "GBK_PROBE",
    "FaultSite",
    "Hit",
    "closed_port",
    "peak_rss_mb",
    "run_cli_with",
    "serve_faults",
    "sitemap_lastmod",
]

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
BIG_BODY = 50 * MB
BOMB_INFLATED = 200 * MB
STALL_SECONDS = 10.0
SITEMAP_URLS = 50_000

#: A traditional-Chinese story for the Big5 page (Big5 has no simplified characters).
BIG5_STORY = sites.Story(
    "big5",
    "上海獨角獸企業增至43家 人工智慧與晶片領域領跑",
    [
        "記者從上海市科委獲悉，截至今年九月，上海共有獨角獸企業43家，數量居全國前列。",
        "這些企業主要集中在積體電路、人工智慧和生物醫藥三大先導產業，其中張江科學城聚集了近一半。",
        "今年前三季度，上海科技型企業獲得風險投資超過870億美元，同比增長明顯。",
        "長三角地區的科技創新協作也在加快，上海與江蘇、浙江、安徽共建的研發平台已超過200個。",
        "業內人士認為，隨著科創板持續擴容，更多獨角獸企業有望在上海上市融資。",
    ],
    lang="zh",
)
#: A sentence of ``sites.ZH_UNICORNS`` that only a right GBK decoding reproduces.
GBK_PROBE = "上海共有独角兽企业43家"

PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    + b"\x00" * 64
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 2000 + b"\n%%EOF\n"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY marker "EXPANDEDENTITY">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY local SYSTEM "file://{secret}">
]>
"""


@dataclass(frozen=True, slots=True)
class Hit:
    """One request the server saw."""

    host: str  # the address the request came in on: 127.0.0.1 or 127.0.0.2
    path: str
    at: float  # time.monotonic()


@dataclass
class FaultSite:
    """Shared state of the fault servers: what was asked, what was sent."""

    secret_file: Path  # a local file no crawl may ever read (XXE target)
    base_url: str = ""
    other_url: str = ""
    hits: list[Hit] = field(default_factory=list)
    sent: dict[str, list[int]] = field(default_factory=dict)  # path -> bytes written, per hit
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def log(self, host: str, path: str) -> int:
        """Record a request; returns how many times this path was asked before."""
        with self.lock:
            before = sum(1 for h in self.hits if h.path == path)
            self.hits.append(Hit(host, path, time.monotonic()))
            return before

    def requests_to(self, path: str, *, host: str = "127.0.0.1") -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path and h.host == host]

    def paths(self, *, host: str = "127.0.0.1") -> list[str]:
        with self.lock:
            return [h.path for h in self.hits if h.host == host]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    #: socketserver listens with a backlog of 5: a crawl opening more connections at once on a
    #: busy machine gets some dropped, and their connect waits for the kernel's SYN retry (1 s,
    #: then 3 s), longer than a short download timeout.
    request_queue_size = 128
    site: FaultSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: crawlers hanging up on big bodies and stalls is the point of this server."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    # -- plumbing ------------------------------------------------------------

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read ``FaultSite.hits`` instead."""

    def _send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str | None = "text/html",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, total: int, *, declare: bool) -> None:
        """``total`` bytes of filler HTML in 64 KB chunks; stops when the client hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declare:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Connection", "close")  # body ends when the connection does
            self.close_connection = True
        self.end_headers()
        chunk = b"<p>" + b"filler " * 9360 + b"</p>\n"  # ~64 KB
        written = 0
        try:
            while written < total and not self.server.site.stop.is_set():
                piece = chunk[: total - written]
                self.wfile.write(piece)
                written += len(piece)
        except OSError:  # BrokenPipe / ConnectionReset: the crawler gave up, as it should
            pass
        finally:
            with self.server.site.lock:
                self.server.site.sent.setdefault(self.path, []).append(written)
        self.close_connection = True

    def _story(
        self,
        story: sites.Story,
        *,
        encoding: str = "utf-8",
        charset: str | None = "utf-8",
        ctype: str = "text/html; charset=utf-8",
    ) -> None:
        html = sites.page_html(
            story, base=self.server.site.base_url, path=self.path, charset=charset or "utf-8"
        )
        if charset is None:
            html = html.replace('<meta charset="utf-8">', "")
        self._send(200, html.encode(encoding, errors="xmlcharrefreplace"), ctype)

    # -- routes ----------------------------------------------------------------

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        before = site.log(self.server.server_address[0], path)
        route = ROUTES.get(path)
        if route is None and path.startswith(("/many/", "/calm/")):
            route = _many
        if route is None:
            self._send(404, b"<html><body>not here</body></html>")
            return
        route(self, before)


def _robots(h: _Handler, _: int) -> None:
    h._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")


def _status(code: int, headers: dict[str, str] | None = None) -> Callable[[_Handler, int], None]:
    def route(h: _Handler, _: int) -> None:
        h._send(code, f"<html><body><h1>{code}</h1></body></html>".encode(), headers=headers)

    return route


def _flaky_429(h: _Handler, before: int) -> None:
    """429 with ``Retry-After: 1`` the first time, the article afterwards."""
    if before == 0:
        h._send(429, b"<html><body>slow down</body></html>", headers={"Retry-After": "1"})
    else:
        h._story(sites.SMIC)


def _pause_429(h: _Handler, before: int) -> None:
    """429 with ``Retry-After: 2`` the first time (a host asking for a pause), then a page."""
    if before == 0:
        h._send(429, b"<html><body>too many requests</body></html>", headers={"Retry-After": "2"})
    else:
        h._story(sites.OFF_TOPIC)


def _flaky_offsite(h: _Handler, before: int) -> None:
    """503 first; the retry (which Scrapy marks ``dont_filter``) redirects to another host."""
    if before == 0:
        h._send(503, b"<html><body>busy</body></html>")
    else:
        h._send(302, b"", headers={"Location": f"{h.server.site.other_url}/good/retried.html"})


def _slow(h: _Handler, _: int) -> None:
    """Headers and a first bit of body, then nothing for longer than the crawl's timeout."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b"<html><body><p>Shanghai is")
    h.wfile.flush()
    h.server.site.stop.wait(STALL_SECONDS)
    h.close_connection = True


def _reset(h: _Handler, _: int) -> None:
    """A third of the announced body, then a TCP reset (SO_LINGER 0)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", "60000")
    h.end_headers()
    h.wfile.write(b"<html><body>" + b"<p>Shanghai chips</p>" * 1000)
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def _redirect(to: Callable[[FaultSite], str]) -> Callable[[_Handler, int], None]:
    def route(h: _Handler, _: int) -> None:
        h._send(302, b"", headers={"Location": to(h.server.site)})

    return route


def _bomb(h: _Handler, _: int) -> None:
    h._send(200, gzip_bomb(), "text/html; charset=utf-8", headers={"Content-Encoding": "gzip"})


def _broken_html(h: _Handler, _: int) -> None:
    """A real story inside unclosed, misnested tags with NUL bytes sprinkled in."""
    html = sites.page_html(sites.UNICORNS, base=h.server.site.base_url, path=h.path)
    html = (
        html.replace("<article>", "<article><div><b><i><font>", 1)
        .replace("</article>", "</b></div></font></span></article></i></td>\x00", 1)
        .replace("<p>", "<p><span>\x00", 2)
        .replace("Shanghai is now home", "Shanghai is now\x00 home", 1)
        .replace("</p>", "", 3)
    )
    h._send(200, html.encode(), "text/html")


def _feed_news(h: _Handler, _: int) -> None:
    site = h.server.site
    items = [
        f"{site.base_url}/good/unicorns.html",
        f"{site.base_url}/good/smic.html",
        f"{site.base_url}/private/secret.html",  # robots.txt disallows
        f"{site.other_url}/good/from-feed.html",  # another host: never followed
        f"file://{site.secret_file}",
        "ftp://127.0.0.1/pub/story.html",
        "data:text/html,<p>Shanghai 43 unicorns</p>",
        "javascript:alert(1)",
    ]
    entries = "".join(
        f"<item><title>Story {i}</title><link>{escape(url)}</link>"
        f"<pubDate>Mon, 0{i % 9 + 1} Sep 2026 08:00:00 +0800</pubDate></item>"
        for i, url in enumerate(items)
    )
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Fault Outlet</title><link>{site.base_url}/</link>{entries}"
        "</channel></rss>"
    )
    h._send(200, body.encode(), "application/rss+xml")


def _feed_malformed(h: _Handler, _: int) -> None:
    h._send(
        200,
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Bro'
        b"ken</tit<item><<link>http://127.0.0.1/x</li\x00nk>&&&</channel",
        "application/rss+xml",
    )


def _feed_bomb(h: _Handler, _: int) -> None:
    site = h.server.site
    body = BILLION_LAUGHS.format(secret=site.secret_file) + (
        '<rss version="2.0"><channel><title>&lol9;</title>'
        f"<item><title>&local;</title><link>{site.base_url}/good/&marker;.html</link></item>"
        "</channel></rss>"
    )
    h._send(200, body.encode(), "application/rss+xml")


def _sitemap_malformed(h: _Handler, _: int) -> None:
    h._send(200, b"<html><body>This is not a sitemap <urlset><url><loc>", "application/xml")


def _sitemap_bomb(h: _Handler, _: int) -> None:
    site = h.server.site
    body = BILLION_LAUGHS.format(secret=site.secret_file) + (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{site.base_url}/good/&marker;.html</loc><lastmod>&lol9;</lastmod></url>"
        "</urlset>"
    )
    h._send(200, body.encode(), "application/xml")


def _sitemap_gz_bomb(h: _Handler, _: int) -> None:
    """A gzipped sitemap file (not a Content-Encoding) that inflates to 200 MB."""
    h._send(200, gzip_bomb(), "application/x-gzip")


def _sitemap_50k(h: _Handler, _: int) -> None:
    h._send(200, big_sitemap(h.server.site.base_url), "application/xml")


def _gbk_bare(h: _Handler, _: int) -> None:
    """GBK with no charset anywhere (header or ``<meta>``): only sniffing can read it."""
    h._story(sites.ZH_UNICORNS, encoding="gbk", charset=None, ctype="text/html")


def _gbk_latin1(h: _Handler, _: int) -> None:
    """GBK under the ISO-8859-1 header old Tomcat/Apache setups send by default."""
    h._story(sites.ZH_UNICORNS, encoding="gbk", charset=None, ctype="text/html; charset=ISO-8859-1")


def _big5_as_utf8(h: _Handler, _: int) -> None:
    """Big5 under a header that says UTF-8."""
    h._story(BIG5_STORY, encoding="big5", charset=None, ctype="text/html; charset=utf-8")


def _listing(h: _Handler, _: int) -> None:
    """A section page linking on-site, off-site (another host, protocol-relative too) and to
    other schemes; a listing's ``follow`` regex matches them all."""
    site = h.server.site
    other_port = site.other_url.rsplit(":", 1)[1]
    links = [
        "/good/unicorns.html",
        f"{site.other_url}/good/from-listing.html",
        f"//127.0.0.2:{other_port}/good/protocol-relative.html",
        f"file://{site.secret_file}",
        "ftp://127.0.0.1/good/ftp.html",
        "data:text/html,<p>good</p>",
        "javascript:location='/good/js.html'",
        f"view-source:{site.base_url}/good/view-source.html",
    ]
    items = "".join(f'<li><a href="{escape(u, {chr(34): "&quot;"})}">story</a></li>' for u in links)
    h._send(200, f"<html><body><h1>News</h1><ul>{items}</ul></body></html>".encode())


def _many(h: _Handler, _: int) -> None:
    h._story(sites.OFF_TOPIC)


ROUTES: dict[str, Callable[[_Handler, int], None]] = {
    "/robots.txt": _robots,
    "/good/unicorns.html": lambda h, _: h._story(sites.UNICORNS),
    "/good/smic.html": lambda h, _: h._story(sites.SMIC),
    "/good/control.html": lambda h, _: h._story(sites.UNICORNS),
    "/good/from-feed.html": lambda h, _: h._story(sites.UNICORNS),
    "/good/offsite.html": lambda h, _: h._story(sites.SMIC),
    "/good/from-listing.html": lambda h, _: h._story(sites.SMIC),
    "/good/protocol-relative.html": lambda h, _: h._story(sites.SMIC),
    "/private/secret.html": lambda h, _: h._story(sites.SMIC),
    "/status/500.html": _status(500),
    "/status/503.html": _status(503),
    "/status/404.html": _status(404),
    "/status/410.html": _status(410),
    "/status/429-long.html": _status(429, {"Retry-After": "3600"}),
    "/flaky/429-once.html": _flaky_429,
    "/pause/429.html": _pause_429,
    "/flaky/redirect-offsite.html": _flaky_offsite,
    "/slow.html": _slow,
    "/reset.html": _reset,
    "/redirect/a.html": _redirect(lambda s: f"{s.base_url}/redirect/b.html"),
    "/redirect/b.html": _redirect(lambda s: "/redirect/a.html"),
    "/redirect/offsite.html": _redirect(lambda s: f"{s.other_url}/good/offsite.html"),
    "/redirect/file.html": _redirect(lambda s: f"file://{s.secret_file}"),
    "/redirect/ftp.html": _redirect(lambda s: "ftp://127.0.0.1/pub/story.html"),
    "/big/declared.html": lambda h, _: h._stream(BIG_BODY, declare=True),
    "/big/streamed.html": lambda h, _: h._stream(BIG_BODY, declare=False),
    "/bomb.html": _bomb,
    "/files/report.html": lambda h, _: h._send(200, PDF, "text/html"),
    "/files/photo.html": lambda h, _: h._send(200, PNG, "text/html; charset=utf-8"),
    "/empty.html": lambda h, _: h._send(200, b"", "text/html"),
    "/broken.html": _broken_html,
    "/zh/gbk.html": _gbk_bare,
    "/zh/gbk-latin1.html": _gbk_latin1,
    "/zh/big5.html": _big5_as_utf8,
    "/listing.html": _listing,
    "/feeds/news.xml": _feed_news,
    "/feeds/malformed.xml": _feed_malformed,
    "/feeds/bomb.xml": _feed_bomb,
    "/sitemaps/malformed.xml": _sitemap_malformed,
    "/sitemaps/bomb.xml": _sitemap_bomb,
    "/sitemaps/bomb.xml.gz": _sitemap_gz_bomb,
    "/sitemaps/50k.xml": _sitemap_50k,
}


@cache
def gzip_bomb() -> bytes:
    """200 MB of spaces, gzip-compressed incrementally (never held inflated): ~200 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip container
    block = b" " * MB
    parts = [packer.compress(block) for _ in range(BOMB_INFLATED // MB)]
    parts.append(packer.flush())
    return b"".join(parts)


def sitemap_lastmod(i: int) -> str:
    """Entry ``i``'s lastmod: one minute apart, so "newest" is unambiguous."""
    return (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:00Z")


@cache
def big_sitemap(base_url: str) -> bytes:
    """50,000 URLs (the protocol's maximum), ``/many/N.html``, higher N more recent,
    listed in a scrambled order (a permutation) so only a real sort finds the newest."""
    order = ((i * 7919) % SITEMAP_URLS for i in range(SITEMAP_URLS))
    rows = "".join(
        f"<url><loc>{base_url}/many/{i}.html</loc><lastmod>{sitemap_lastmod(i)}</lastmod></url>"
        for i in order
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'
    ).encode()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_faults(secret_file: Path) -> Iterator[FaultSite]:
    """Both fault servers (127.0.0.1 and 127.0.0.2) for the ``with`` block."""
    site = FaultSite(secret_file=secret_file)
    gzip_bomb()  # ~1.3 s of CPU, paid before serving: inside a request it looks like a stall
    servers: list[_Server] = []
    for host in ("127.0.0.1", "127.0.0.2"):
        server = _Server((host, 0), _Handler)
        server.site = site
        servers.append(server)
    site.base_url = f"http://127.0.0.1:{servers[0].server_address[1]}"
    site.other_url = f"http://127.0.0.2:{servers[1].server_address[1]}"
    big_sitemap(site.base_url)
    with ExitStack() as stack:
        for server in servers:
            stack.enter_context(running(server, name="fault-server"))
        stack.callback(site.stop.set)  # first thing on the way out: release stalled handlers
        yield site


# -- running the real CLI with test settings ------------------------------------

# The peak is the kernel's VmHWM of this process's own memory: getrusage's ru_maxrss survives
# execve, so a child of a big pytest worker would report the worker's size (384 MB once on CI).
_CHILD = """\
import atexit, json, pathlib, re, sys
atexit.register(lambda: print("maxrss_kb=" + re.search(
    r"VmHWM:\\s*(\\d+)", pathlib.Path("/proc/self/status").read_text())[1], file=sys.stderr))
from scrapers import settings
settings.BASE.update(json.loads(sys.argv[1]))
import deltawatch
sys.argv = ["deltawatch", *sys.argv[2:]]
deltawatch.main()
"""


def run_cli_with(
    settings: dict[str, Any], *args: str, db: Path, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``deltawatch --db DB ARGS`` in a child process whose Scrapy defaults are
    ``scrapers.settings.BASE`` updated with ``settings`` (short timeouts, small backoff).

    The CLI itself is untouched: its exit code, summary and store are the real ones.
    The child's peak memory is printed last on stderr as ``maxrss_kb=N``.
    """
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-c", _CHILD, json.dumps(settings), "--db", str(db), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def peak_rss_mb(stderr: str) -> float:
    """The peak memory a :func:`run_cli_with` child reported."""
    kb = [
        int(line.split("=", 1)[1]) for line in stderr.splitlines() if line.startswith("maxrss_kb=")
    ]
    assert kb, "the child did not report its memory"
    return kb[-1] / 1024
