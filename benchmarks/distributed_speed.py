"""Redis workers (issue 8): pages/s with 1, 2 and 3 local workers, and the store they make.

Serves the generated benchmark site from a separate process, starts a real
``redis-server`` on a free port, and for each worker count: starts the workers,
queues one round (``crawl --redis``), and times until every page was fetched,
extracted and pushed, then until ``ingest --drain`` has stored it all. Each
cluster store is compared, in canonical form, with a single-machine crawl's.

Pages/s counts the workers' part (fetch + extraction, from queueing to the last
item pushed); the single writer's time is printed apart. All processes share this
machine's cores: with two cores, three workers, the HTTP server and Redis compete
for them, so the scaling flattens here (expect it on 2 cores); on separate machines
each worker brings its own.
Usage: python benchmarks/distributed_speed.py [PAGES]
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from benchmarks.common import ROOT, free_port, served
from storage.snapshot import canonical_snapshot
from tests import sites

ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
CITIES = ("Shanghai", "Suzhou", "Hangzhou")
FACTS = {
    "Shanghai": "Shanghai is now home to 43 unicorns, according to a survey of startups.",
    "Suzhou": "Suzhou Industrial Park now hosts 2,400 biotech companies, the park said.",
    "Hangzhou": "Hangzhou has 310 robotics makers, up from 190 three years ago, data show.",
}
WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper"]


def build_site(root: Path, pages: int, base: str) -> None:
    """News pages whose change log does not depend on arrival order (see the tests).

    Each city's figure repeats with the same value on its pages, so the comparison with
    a single-machine crawl can be exact although pages arrive in a different order.
    """
    paths = []
    for i in range(pages):
        city, a, b, c = CITIES[i % 3], WORDS[i % 10], WORDS[i // 10 % 10], WORDS[i // 100 % 10]
        story = sites.Story(
            f"n{i}",
            f"{city} tech notes: the {a} {b} {c} edition",
            [
                FACTS[city],
                f"Engineers from the {a}, {b} and {c} teams in {city} showed chip design tools "
                "and AI software at the innovation week, organisers said on Monday.",
                "Analysts said the semiconductor and artificial intelligence sectors would keep "
                "drawing investment to the Yangtze River Delta in the coming years.",
            ],
        )
        paths.append(f"/news/{i}.html")
        sites.write_story(root, paths[-1], story, base=base)
    sites.write_sitemap(root, "/sitemap.xml", paths, base=base)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")


def deltawatch(*args: str) -> list[str]:
    return [sys.executable, "-m", "deltawatch", *args]


def cluster_run(
    workers: int, *, sources: Path, db: Path, redis_url: str, pages: int, client: redis.Redis
) -> tuple[float, float]:
    """(seconds until every item was pushed, seconds for the writer to store them)."""
    client.flushall()
    procs = [
        subprocess.Popen(
            deltawatch("worker", "--redis", redis_url, "--sources", str(sources)),
            cwd=ROOT,
            env=ENV,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        while len(list(client.scan_iter("deltawatch:worker:*"))) < workers:
            time.sleep(0.05)
        start = time.perf_counter()
        subprocess.run(
            deltawatch("--db", str(db), "crawl", "--redis", redis_url, "--sources", str(sources)),
            cwd=ROOT,
            env=ENV,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        while client.llen("deltawatch:items") < pages or client.hlen("deltawatch:bench:inflight"):
            time.sleep(0.02)
        crawled = time.perf_counter() - start
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait()
    start = time.perf_counter()
    subprocess.run(
        deltawatch(
            "--db", str(db), "ingest", "--redis", redis_url, "--sources", str(sources), "--drain"
        ),
        cwd=ROOT,
        env=ENV,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return crawled, time.perf_counter() - start


def main(pages: int = 600) -> None:
    server_bin = shutil.which("redis-server")
    if server_bin is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port, redis_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        build_site(tmp / "site", pages, base)
        sources = tmp / "sources.toml"
        sources.write_text(
            "[defaults]\ndelay = 0\nconcurrency = 8\n[[source]]\nname = 'bench'\n"
            f"kind = 'sitemap'\nurl = '{base}/sitemap.xml'\n"
        )
        redis_proc = subprocess.Popen(
            [
                server_bin,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        client = redis.Redis.from_url(redis_url)
        try:
            for _ in range(100):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            with served(tmp / "site", port):
                start = time.perf_counter()
                subprocess.run(
                    deltawatch("--db", str(tmp / "single.db"), "crawl", "--sources", str(sources)),
                    cwd=ROOT,
                    env=ENV,
                    check=True,
                    stderr=subprocess.DEVNULL,
                )
                single = time.perf_counter() - start
                reference = canonical_snapshot(tmp / "single.db")
                results = []
                for n in (1, 2, 3):
                    db = tmp / f"cluster{n}.db"
                    crawled, ingested = cluster_run(
                        n, sources=sources, db=db, redis_url=redis_url, pages=pages, client=client
                    )
                    same = canonical_snapshot(db) == reference
                    results.append((n, crawled, ingested, same))
        finally:
            redis_proc.terminate()
            redis_proc.wait()
    print(f"site: {pages} article pages served by a separate process; {os.cpu_count()} CPU cores")
    print(
        f"single machine `deltawatch crawl` (fetch + extract + store in one process): "
        f"{single:.2f} s, {pages / single:.1f} pages/s"
    )
    print(
        f"{'workers':>8}{'fetch+extract s':>17}{'pages/s':>10}{'speedup':>9}"
        f"{'ingest s':>10}{'store == single machine':>25}"
    )
    base_rate = pages / results[0][1]
    for n, crawled, ingested, same in results:
        rate = pages / crawled
        print(
            f"{n:>8}{crawled:>17.2f}{rate:>10.1f}{rate / base_rate:>8.2f}x{ingested:>10.2f}"
            f"{'exact' if same else 'DIFFERENT':>25}"
        )
    cores = os.cpu_count() or 1
    print(
        f"note: the workers, the HTTP server, Redis and the timing share this machine's {cores} "
        "core(s); with more workers than cores, extra workers add no CPU, so the scaling "
        "flattens (what they still gain is overlapping network waits and the idle poll). "
        "On separate machines each worker brings its own cores."
    )
    if not all(same for *_, same in results):
        sys.exit("a cluster store differs from the single-machine store")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
