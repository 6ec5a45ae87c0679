"""Issue 8 for real: a Redis server, worker and ingest processes, a local site of 300 pages.

Everything here is a real process talking to a real ``redis-server`` on 127.0.0.1
(started per module, no persistence) and a local HTTP server that counts the requests
it answers. The reference is a single-machine ``deltawatch crawl`` of the same site.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path

import pytest
import redis

from scheduler import Daemon, enqueue_source
from scrapers.cluster.wire import Keys
from seeds.config import load_sources
from seeds.demo_site import running
from storage.snapshot import canonical_snapshot
from tests import sites
from tests.conftest import ROOT, run_cli

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (apt-get install redis-server; .ci/run does it)",
)

KEYS = Keys()
ENV = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}

# -- the site: facts repeat within a source (the same value: "new" once, then nothing), never
# across sources, so the change log cannot depend on the order pages arrive in ------------------

FACTS = {
    "Shanghai": [
        "Shanghai is now home to 43 unicorns, according to a survey of venture-backed "
        "technology companies.",
        "Venture capital investment in Shanghai technology startups reached $87 billion in 2024, "
        "the survey found.",
    ],
    "Suzhou": ["Suzhou Industrial Park now hosts 2,400 biotech companies, the park said."],
    "Hangzhou": ["Hangzhou has 310 robotics makers, up from 190 three years ago, data show."],
    "Hefei": [
        "Hefei now hosts more than 1,200 artificial intelligence companies, the city's science "
        "bureau said.",
        "The quantum computing laboratories in Hefei employ 3,500 researchers, officials said.",
    ],
    "Nanjing": ["Nanjing's software parks employ 180,000 engineers, the city said."],
}
WORDS = [
    "amber",
    "birch",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "grove",
    "harbor",
    "iris",
    "juniper",
    "kestrel",
    "lotus",
    "maple",
    "nectar",
    "orchid",
    "pine",
    "quartz",
    "river",
    "sierra",
    "tundra",
]
SITEMAP_CITIES = ("Shanghai", "Suzhou", "Hangzhou")
WIRE_CITIES = ("Hefei", "Nanjing")
SITEMAP_PAGES = 240
WIRE_PAGES = 60


def story(i: int, city: str) -> sites.Story:
    a, b = WORDS[i % 20], WORDS[(i // 20) % 20]
    return sites.Story(
        f"s{i}",
        f"{city} tech notes: the {a} {b} edition",
        [
            *FACTS[city],
            f"Engineers from the {a} and {b} teams in {city} presented prototypes of chip "
            "design tools and AI software at the innovation week.",
            "Analysts said the semiconductor and artificial intelligence sectors would keep "
            "drawing investment to the Yangtze River Delta.",
        ],
    )


class CountingServer(ThreadingHTTPServer):
    """Static files; counts and timestamps every request it answers."""

    daemon_threads = True
    #: socketserver listens with a backlog of 5: a crawl opening more connections at once on a
    #: busy machine gets some dropped, and their connect waits for the kernel's SYN retry (1 s,
    #: then 3 s), longer than a short download timeout.
    request_queue_size = 128

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self.root = root
        self.hits: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        #: Requests after the first ``hold_from`` wait until ``released`` is set: a test
        #: freezes a crawl mid-way this way, however slow the machine is.
        self.hold_from: int | None = None
        self.released = threading.Event()
        self.released.set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(path for _, path in self.hits)

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
        self.delay = 0.0
        self.hold_from = None
        self.released.set()


class _Handler(SimpleHTTPRequestHandler):
    server: CountingServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits.append((time.monotonic(), self.path))
            held = (
                self.server.hold_from is not None and len(self.server.hits) > self.server.hold_from
            )
        if held:
            self.server.released.wait(timeout=120)
        if self.server.delay:
            time.sleep(self.server.delay)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def serve(root: Path) -> Iterator[CountingServer]:
    with running(CountingServer(root)) as server:
        yield server


@dataclass
class Site:
    server: CountingServer
    sources: Path
    articles: list[str]  # paths of the article pages
    navigation: list[str]  # the sitemap and the listing
    reference: Path  # the store of a single-machine crawl
    snapshot: dict[str, list[tuple]] = field(default_factory=dict)
    run: tuple = ()


def build_site(root: Path, base: str) -> tuple[list[str], list[str]]:
    """A sitemap source (240 pages, two dead links, one off-topic page) and a listing (60)."""
    paths = []
    for i in range(SITEMAP_PAGES):
        path = f"/city/{i}.html"
        sites.write_story(root, path, story(i, SITEMAP_CITIES[i % 3]), base=base)
        paths.append(path)
    sites.write_story(root, "/city/football.html", sites.OFF_TOPIC, base=base)
    (root / "city" / "blank.html").write_text("<html><body><p></p></body></html>")
    listed = [
        *paths,
        "/city/football.html",
        "/city/blank.html",
        "/city/gone-1.html",
        "/city/gone-2.html",
    ]
    sites.write_sitemap(root, "/city/sitemap.xml", listed, base=base)
    wire = []
    for i in range(WIRE_PAGES):
        path = f"/wire/story/{i}.html"
        sites.write_story(root, path, story(i, WIRE_CITIES[i % 2]), base=base)
        wire.append(path)
    sites.write_listing(root, "/wire/index.html", [(p, p) for p in wire])
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    return [*paths, "/city/football.html", "/city/blank.html", *wire], [
        "/city/sitemap.xml",
        "/wire/index.html",
    ]


def write_sources(path: Path, base: str) -> Path:
    text = sites.sources_toml(
        [
            {"name": "city-news", "kind": "sitemap", "url": f"{base}/city/sitemap.xml"},
            {
                "name": "wire",
                "kind": "listing",
                "url": f"{base}/wire/index.html",
                "follow": r"/wire/story/\d+\.html",
            },
        ]
    )
    path.write_text(text)
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def assert_same_store(db: Path, expected: dict[str, list[tuple]]) -> None:
    """The canonical snapshots are equal; on failure, say which rows differ, table by table."""
    found = canonical_snapshot(db)
    diff = {
        table: {
            "missing": list((Counter(rows_) - Counter(found[table])).elements())[:5],
            "extra": list((Counter(found[table]) - Counter(rows_)).elements())[:5],
        }
        for table, rows_ in expected.items()
        if Counter(rows_) != Counter(found[table])
    }
    assert not diff, diff


RUN_COLUMNS = (
    "status, pages, new_articles, new_versions, unchanged, skipped, errors, claims, events"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The 300-page site, served, and the store one machine's crawl makes of it."""
    tmp = tmp_path_factory.mktemp("distributed")
    (tmp / "site").mkdir()
    with serve(tmp / "site") as server:
        articles, navigation = build_site(tmp / "site", server.base_url)
        sources = write_sources(tmp / "sources.toml", server.base_url)
        reference = tmp / "reference.db"
        result = run_cli("crawl", "--sources", str(sources), db=reference)
        assert result.returncode == 1, result.stderr  # the two dead links
        found = Site(server, sources, articles, navigation, reference)
        found.snapshot = canonical_snapshot(reference)
        [found.run] = rows(reference, f"SELECT {RUN_COLUMNS} FROM runs")
        yield found


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free port of 127.0.0.1, nothing saved to disk."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    assert REDIS_SERVER is not None
    proc = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def client(redis_url: str, site: Site) -> Iterator[redis.Redis]:
    """An empty Redis and fresh request counts for each test."""
    conn = redis.Redis.from_url(redis_url)
    conn.flushall()
    site.server.reset()
    yield conn
    conn.close()


class Procs:
    """Worker and ingest processes of one test, all stopped at its end."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, db: Path | None = None) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-m", "deltawatch"]
        if db is not None:
            cmd += ["--db", str(db)]
        proc = subprocess.Popen(
            [*cmd, *args, "--redis", self.redis_url],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.running.append(proc)
        return proc

    def worker(self, sources: Path) -> subprocess.Popen[bytes]:
        return self.start("worker", "--sources", str(sources), "--heartbeat", "0.5")

    def stop(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()


@pytest.fixture
def procs(redis_url: str) -> Iterator[Procs]:
    running = Procs(redis_url)
    yield running
    running.stop()


def wait_for(what: Callable[[], object], *, timeout: float = 60, why: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, f"timed out waiting: {why}"
        time.sleep(0.1)


def workers_alive(client: redis.Redis) -> list[str]:
    return [k.decode().removeprefix(KEYS.worker("")) for k in client.scan_iter(KEYS.worker("*"))]


def nothing_left(client: redis.Redis, names: tuple[str, ...] = ("city-news", "wire")) -> bool:
    return not any(
        client.llen(start) or client.zcard(queue) or client.hlen(inflight)
        for start, queue, inflight in (KEYS.source_keys(n) for n in names)
    )


def ingest_to_the_end(procs: Procs, db: Path, sources: Path) -> None:
    proc = procs.start("ingest", "--sources", str(sources), "--drain", db=db)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err.decode()


ITEMS = SITEMAP_PAGES + 2 + WIRE_PAGES + 2  # pages, an off-topic and a blank one, 2 dead links


def test_three_workers_fetch_each_page_once_and_store_what_one_machine_stores(
    site: Site, client: redis.Redis, procs: Procs, tmp_path: Path
) -> None:
    for _ in range(3):
        procs.worker(site.sources)
    wait_for(lambda: len(workers_alive(client)) == 3, timeout=30, why="three workers up")
    db = tmp_path / "cluster.db"
    queued = run_cli("crawl", "--redis", procs.redis_url, "--sources", str(site.sources), db=db)
    assert queued.returncode == 0, queued.stderr
    assert "queued city-news" in queued.stderr and "queued wire" in queued.stderr
    wait_for(
        lambda: client.llen("deltawatch:items") == ITEMS and nothing_left(client),
        why="every page fetched and pushed",
    )
    counts = site.server.counts()
    assert {p: counts[p] for p in site.articles + site.navigation} == dict.fromkeys(
        site.articles + site.navigation, 1
    )
    items = [json.loads(raw) for raw in client.lrange("deltawatch:items", 0, -1)]
    by_worker = Counter(item["worker"] for item in items)
    assert len(by_worker) >= 2, by_worker  # the work was shared, not done by one
    # Workers extract: what reaches the writer is the article, not just the page.
    assert Counter("article" in i for i in items if i["kind"] == "page") == {
        True: ITEMS - 3,
        False: 1,
    }
    replay = client.lrange("deltawatch:items", 0, -1)
    ingest_to_the_end(procs, db, site.sources)
    assert_same_store(db, site.snapshot)
    assert rows(db, f"SELECT {RUN_COLUMNS} FROM runs") == [site.run]
    assert rows(db, "SELECT last_error IS NOT NULL FROM sources ORDER BY name") == [(1,), (0,)]
    assert len(site.snapshot["errors"]) == 3  # the blank page and the two dead links
    # Ingesting every item a second time (what a writer killed before its LREM does to
    # one item) changes nothing that matters: the ingest is idempotent.
    client.lpush("deltawatch:items", *reversed(replay))
    ingest_to_the_end(procs, db, site.sources)
    assert_same_store(db, site.snapshot)


def test_killing_a_worker_and_the_ingest_midway_loses_nothing(
    site: Site, client: redis.Redis, procs: Procs, tmp_path: Path
) -> None:
    # The site stops answering after 60 stories until the kill: the doomed worker then
    # holds leases and the writer has stored part of the crawl, on any machine's speed.
    site.server.hold_from = len(site.navigation) + 60
    site.server.released.clear()
    doomed = procs.worker(site.sources)
    procs.worker(site.sources)
    wait_for(lambda: len(workers_alive(client)) == 2, timeout=30, why="two workers up")
    db = tmp_path / "cluster.db"
    assert (
        run_cli(
            "crawl", "--redis", procs.redis_url, "--sources", str(site.sources), db=db
        ).returncode
        == 0
    )
    writer = procs.start("ingest", "--sources", str(site.sources), db=db)

    def stored() -> int:
        return rows(db, "SELECT count(*) FROM article_versions")[0][0] if db.exists() else 0

    [doomed_id] = [w for w in workers_alive(client) if w.split(":")[1] == str(doomed.pid)]

    def leased() -> list[bytes]:
        return [
            t
            for n in ("city-news", "wire")
            for t in client.hkeys(KEYS.inflight(n))
            if t.decode().startswith(doomed_id)
        ]

    wait_for(
        lambda: (
            sum(site.server.counts()[p] for p in site.articles) >= 60 and stored() >= 5 and leased()
        ),
        why="the crawl and the ingest under way",
    )
    doomed.kill()
    writer.kill()
    doomed.wait()
    writer.wait()
    site.server.released.set()
    assert stored() < SITEMAP_PAGES + WIRE_PAGES
    procs.worker(site.sources)  # a replacement, as a supervisor would start
    ingest_to_the_end(procs, db, site.sources)
    assert_same_store(db, site.snapshot)
    assert nothing_left(client)
    counts = site.server.counts()
    assert all(counts[p] >= 1 for p in site.articles)


def test_a_host_gets_its_delay_across_the_cluster_not_per_worker(
    site: Site, client: redis.Redis, procs: Procs, tmp_path: Path
) -> None:
    """Two workers, each crawling its own source on the same host: their requests together
    keep the host's 0.25 s delay (per-worker delays would let them interleave faster)."""
    base = site.server.base_url
    halves = {"wire-a": "[0-3]", "wire-b": "[4-7]"}
    files = {}
    for name, digits in halves.items():
        files[name] = tmp_path / f"{name}.toml"
        files[name].write_text(
            sites.sources_toml(
                [
                    {
                        "name": name,
                        "kind": "listing",
                        "url": f"{base}/wire/index.html",
                        "follow": rf"/wire/story/{digits}\.html",
                    }
                ]
            ).replace("delay = 0", "delay = 0.25")
        )
    both = tmp_path / "both.toml"
    both.write_text(files["wire-a"].read_text() + files["wire-b"].read_text().split("\n\n", 1)[1])
    for name in halves:
        procs.worker(files[name])
    wait_for(lambda: len(workers_alive(client)) == 2, timeout=30, why="two workers up")
    assert (
        run_cli(
            "crawl", "--redis", procs.redis_url, "--sources", str(both), db=tmp_path / "s.db"
        ).returncode
        == 0
    )
    wait_for(
        lambda: client.llen("deltawatch:items") == 8 and nothing_left(client, tuple(halves)),
        why="eight pages",
    )
    by_worker = Counter(
        json.loads(raw)["worker"] for raw in client.lrange("deltawatch:items", 0, -1)
    )
    assert sorted(by_worker.values()) == [4, 4]  # each worker fetched its own source
    with site.server.lock:
        times = sorted(t for t, path in site.server.hits if path != "/robots.txt")
    assert len(times) == 10  # each source's listing, and eight stories
    gaps = sorted(b - a for a, b in pairwise(times))
    # Slots are booked in Redis 0.25 s apart; a worker that stalls (a busy CPU) between its
    # booking and its send shortens one gap and lengthens the next, so the typical gap and
    # the whole span are what a shared delay guarantees. Per-worker delays would interleave
    # the two sources: short gaps between long ones, and a span near 1 s.
    assert gaps[len(gaps) // 2] >= 0.25 - 0.02, gaps
    assert times[-1] - times[0] >= 9 * 0.25 - 0.3, gaps


def test_a_new_round_fetches_again_what_the_last_round_saw(
    site: Site, client: redis.Redis, procs: Procs, tmp_path: Path
) -> None:
    sources = tmp_path / "wire.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {
                    "name": "wire",
                    "kind": "listing",
                    "url": f"{site.server.base_url}/wire/index.html",
                    "follow": r"/wire/story/[0-4]\.html",
                }
            ]
        )
    )
    db = tmp_path / "w.db"
    first = run_cli("crawl", "--redis", procs.redis_url, "--sources", str(sources), db=db)
    busy = run_cli("crawl", "--redis", procs.redis_url, "--sources", str(sources), db=db)
    assert first.returncode == 0 and "queued wire" in first.stderr
    assert "skipped wire: its previous round is still queued" in busy.stderr
    procs.worker(sources)
    ingest_to_the_end(procs, db, sources)
    again = run_cli("crawl", "--all", "--redis", procs.redis_url, "--sources", str(sources), db=db)
    assert again.returncode == 0
    ingest_to_the_end(procs, db, sources)
    counts = site.server.counts()
    stories = [f"/wire/story/{i}.html" for i in range(5)]
    assert [counts[p] for p in ["/wire/index.html", *stories]] == [2] * 6
    assert rows(db, "SELECT count(*) FROM article_versions") == [(5,)]
    assert rows(db, "SELECT status, trigger, new_articles, unchanged FROM runs ORDER BY id") == [
        ("ok", "manual+redis", 5, 0),
        ("ok", "manual+redis", 0, 5),
    ]


def test_the_scheduler_queues_runs_in_redis_mode(
    site: Site, client: redis.Redis, redis_url: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "sched.db")
    daemon = Daemon(load_sources(site.sources), db, redis_url=redis_url)
    assert daemon.job is enqueue_source
    assert enqueue_source("wire", str(site.sources), db, redis_url) == 0
    entries = [json.loads(e) for e in client.lrange(KEYS.start("wire"), 0, -1)]
    assert entries == [{"run": 1, "url": f"{site.server.base_url}/wire/index.html"}]
    assert client.llen(KEYS.start("city-news")) == 0
    assert enqueue_source("wire", str(site.sources), db, redis_url) == 1  # still queued
    assert rows(Path(db), "SELECT trigger, status FROM runs") == [("schedule+redis", "running")]
