"""Serve the bundled demo site (or any folder of static pages) on 127.0.0.1.

The site lives in layers: ``rev2/`` holds only what revision 2 changes and is
looked up before ``rev1/``. Switching revision is switching the layer list,
while the server keeps running. Pages are sent as the bytes on disk with a
bare ``text/html`` type, no charset, the way many Chinese sites serve GBK.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
import time
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from seeds.config import SEEDS_DIR, SourcesConfig, parse_sources

__all__ = ["DEMO_DIR", "SiteServer", "demo_sources", "running", "serve_site"]

DEMO_DIR = SEEDS_DIR / "demo"
#: The placeholder base URL written in ``seeds/demo/sources.toml`` and the pages.
PLACEHOLDER = "http://127.0.0.1:8765"
_TYPES = {".xml": "application/xml", ".html": "text/html", ".txt": "text/plain"}


class SiteServer(ThreadingHTTPServer):
    """A static server over layered folders; ``layers`` may be swapped at any time."""

    daemon_threads = True
    #: socketserver listens with a backlog of 5: a crawl opening more connections at once on a
    #: busy machine gets some dropped, and their connect waits for the kernel's SYN retry (1 s,
    #: then 3 s), longer than a short download timeout.
    request_queue_size = 128
    layers: Sequence[Path]
    delay: float = 0.0  # seconds before each answer: a slow site, for tests of stopping
    #: False: no ETag and no 304, like the many news sites behind CDNs that send no validator.
    validators: bool = True
    #: (path, answer status) of every request, in order: what a crawl really fetched.
    log: list[tuple[str, int]]
    #: Answer this many HTML pages, then hold every further page until ``released`` is set:
    #: tests freeze a crawl mid-way this way, whatever the machine's speed (None: never hold).
    hold_after: int | None = None
    released: threading.Event
    _pages_started: int = 0

    def hold(self, after: int | None) -> None:
        """Hold HTML pages after the next ``after`` ones (None: answer everything again)."""
        with self._count_lock:
            self._pages_started = 0
            self.hold_after = after
        if after is None:
            self.released.set()
        else:
            self.released.clear()

    def _wait_turn(self, url_path: str) -> None:
        """Block a page request while the site is held (see :attr:`hold_after`)."""
        if self.hold_after is None or not urlsplit(url_path).path.endswith(".html"):
            return
        with self._count_lock:
            self._pages_started += 1
            held = self.hold_after is not None and self._pages_started > self.hold_after
        if held:
            self.released.wait(timeout=120)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.released = threading.Event()
        self.released.set()
        self._count_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def resolve(self, url_path: str) -> Path | None:
        rel = unquote(urlsplit(url_path).path).lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        for layer in self.layers:
            candidate = (layer / rel).resolve()
            if candidate.is_relative_to(layer.resolve()) and candidate.is_file():
                return candidate
        return None


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server._wait_turn(self.path)
        if self.server.delay:
            time.sleep(self.server.delay)
        path = self.server.resolve(self.path)
        if path is None:
            self.server.log.append((self.path, 404))
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = path.read_bytes()
        # Pages carry their own URLs as the placeholder; rewrite to where we really are.
        body = body.replace(PLACEHOLDER.encode(), self.server.base_url.encode())
        # Like a real CMS: a validator per body, and 304 for a conditional request that matches.
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.server.validators and self.headers.get("If-None-Match") == etag:
            self.server.log.append((self.path, 304))
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        self.server.log.append((self.path, 200))
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if self.server.validators:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the crawler reports what matters."""


@contextmanager
def serve_site(layers: Sequence[Path], *, port: int = 0) -> Iterator[SiteServer]:
    """Serve ``layers`` on 127.0.0.1 in a background thread for the ``with`` block."""
    server = SiteServer(("127.0.0.1", port), _Handler)
    server.layers = list(layers)
    server.log = []
    with running(server):
        yield server


@contextmanager
def running(server: HTTPServer, name: str = "site-server") -> Iterator[HTTPServer]:
    """Serve ``server`` from a daemon thread for the ``with`` block, then shut it and close it.

    A daemon thread, so a test or a demo that fails half-way never hangs on a live server.
    """
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def demo_sources(base_url: str) -> SourcesConfig:
    """The demo's sources file, pointed at where the demo site is served."""
    path = DEMO_DIR / "sources.toml"
    text = path.read_text(encoding="utf-8").replace(PLACEHOLDER, base_url)
    return parse_sources(tomllib.loads(text), path)
