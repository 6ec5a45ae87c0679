"""The scheduler for real: due sources in batches to crawl processes, a local site, second-scale intervals."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler import Daemon, backoff_delay, build_trigger, next_run
from seeds.config import load_sources
from seeds.demo_site import SiteServer
from storage.store import Store
from tests import sites
from tests.conftest import ROOT


@pytest.fixture
def small_site(site_dir: Path, site_server: SiteServer, tmp_path: Path) -> Path:
    base = site_server.base_url
    sites.write_story(site_dir, "/a/unicorns.html", sites.UNICORNS, base=base)
    sites.write_story(site_dir, "/b/smic.html", sites.SMIC, base=base)
    path = tmp_path / "sources.toml"
    path.write_text(
        sites.sources_toml(
            [
                {
                    "name": "alpha",
                    "kind": "page",
                    "url": f"{base}/a/unicorns.html",
                    "interval": "4s",
                },
                {"name": "beta", "kind": "page", "url": f"{base}/b/smic.html", "interval": "1h"},
            ]
        )
    )
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_triggers_and_backoff() -> None:
    assert str(build_trigger("30m")) == "interval[0:30:00]"
    assert build_trigger("30m").jitter == 180
    assert "hour='*/2'" in str(build_trigger("0 */2 * * *"))
    assert backoff_delay("1h", 2) is None
    assert backoff_delay("1h", 3) == timedelta(hours=2)
    assert backoff_delay("1h", 4) == timedelta(hours=4)
    assert backoff_delay("1h", 30) == timedelta(days=1)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    # Later runs: the interval plus up to a tenth of it (at most 5 min) of jitter.
    assert at + timedelta(minutes=30) <= next_run("30m", after=at) <= at + timedelta(minutes=33)
    assert next_run("0 */2 * * *", after=at) == at + timedelta(hours=2)
    assert next_run("1h", after=at, failures=3) == at + timedelta(hours=2)  # backing off


def test_runs_happen_at_the_interval_and_stop_cleanly(small_site: Path, db_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deltawatch",
            "--db",
            str(db_path),
            "schedule",
            "--sources",
            str(small_site),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")))
    reader.start()

    def starts() -> list[datetime]:
        return [
            datetime.strptime(ln[:23], "%Y-%m-%d %H:%M:%S,%f")
            for ln in list(lines)
            if "event=run_start source=alpha" in ln
        ]

    deadline = time.monotonic() + 120
    while len(starts()) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    reader.join(timeout=10)
    proc.stderr.close()
    err = "".join(lines)
    assert proc.returncode == 0, err
    assert "event=scheduler_started sources=2" in err
    assert "event=schedule_lag due=" in err
    # Runs go to long-lived crawl processes: alpha's runs reuse them, not one process each.
    assert 1 <= err.count("event=crawl_process_started") <= 2, err
    # A source never overlaps itself: each run of alpha ends before its next one starts,
    # however loaded the machine (a tick that finds it still running is skipped).
    events = [
        ln.split("event=")[1].split()[0]
        for ln in lines
        if "source=alpha" in ln and ("event=run_start" in ln or "event=run_end" in ln)
    ]
    assert len(starts()) >= 3, err
    assert events[: 2 * (len(events) // 2)] == ["run_start", "run_end"] * (len(events) // 2)
    # run_end carries the run's counts from the store, not the last line of a table.
    ends = [ln for ln in lines if "event=run_end source=alpha" in ln]
    assert any("status=ok" in ln and "pages=1" in ln and "errors=0" in ln for ln in ends), ends
    assert all("status=" in ln or "run=none" in ln for ln in ends)  # none: stopped starting up
    assert not any(ch in "".join(ends) for ch in "─└┘│"), ends
    statuses = rows(db_path, "SELECT status FROM runs WHERE sources LIKE '%alpha%'")
    assert ("ok",) in statuses, err
    # beta had never run: due at once, then not again for an hour.
    assert rows(db_path, "SELECT count(*) FROM runs WHERE sources LIKE '%beta%'") == [(1,)], err
    assert rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]
    [(next_beta,)] = rows(db_path, "SELECT next_run_at FROM sources WHERE name = 'beta'")
    assert next_beta is not None
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]


def test_new_sources_are_due_at_once_and_a_restart_keeps_the_schedule(
    small_site: Path, db_path: Path
) -> None:
    config = load_sources(small_site)
    daemon = Daemon(config, db_path)
    with Store(db_path) as store:
        store.sync_sources(s.as_row() for s in config.sources)
    now = datetime.now(UTC)
    assert [n for n, _ in daemon._due(now)] == ["alpha", "beta"]  # never run: due now
    later = (now + timedelta(hours=1)).replace(microsecond=0)
    with Store(db_path) as store:
        store.set_next_runs(
            {"alpha": (now - timedelta(minutes=5)).isoformat(), "beta": later.isoformat()}
        )
    again = Daemon(config, db_path)  # a restart: the next runs are the store's
    with Store(db_path) as store:
        store.sync_sources(s.as_row() for s in config.sources)
    assert [n for n, _ in again._due(now)] == ["alpha"]
    [(next_beta,)] = rows(db_path, "SELECT next_run_at FROM sources WHERE name = 'beta'")
    assert datetime.fromisoformat(next_beta) == later


def test_due_sources_oldest_first(fresh_store: Store) -> None:
    rows_ = [
        {"name": n, "kind": "page", "urls": [f"http://127.0.0.1/{n}"], "interval": "1h"}
        for n in ("a", "b", "c", "d")
    ]
    fresh_store.sync_sources(rows_)
    fresh_store.set_next_runs(
        {
            "a": "2026-01-01T10:00:00+00:00",
            "b": "2026-01-01T09:00:00+00:00",
            "c": "2026-01-02T00:00:00+00:00",
        }
    )
    due = fresh_store.due_sources(now="2026-01-01T12:00:00+00:00")
    assert due == [
        ("d", None),
        ("b", "2026-01-01T09:00:00+00:00"),
        ("a", "2026-01-01T10:00:00+00:00"),
    ]


def test_a_concurrent_manual_crawl_waits_or_says_who_holds_the_source(
    small_site: Path, db_path: Path, site_server: SiteServer
) -> None:
    site_server.delay = 3.0
    cmd = [
        sys.executable,
        "-m",
        "deltawatch",
        "--db",
        str(db_path),
        "crawl",
        "--sources",
        str(small_site),
        "--source",
        "alpha",
    ]
    first = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)  # robots.txt and the page take 6s: the lock is held now
    waiting = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    refused = subprocess.run([*cmd, "--wait", "0"], cwd=ROOT, capture_output=True, text=True)
    _, waited_err = waiting.communicate(timeout=60)
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert refused.returncode == 1
    assert "source is being crawled by pid" in refused.stderr
    assert waiting.returncode == 0, waited_err
    assert "waiting: another process is crawling alpha" in waited_err
    assert rows(db_path, "SELECT count(*) FROM locks") == [(0,)]
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]


def test_sigterm_leaves_a_consistent_store_and_an_interrupted_run(
    small_site: Path, db_path: Path, site_server: SiteServer
) -> None:
    site_server.delay = 1.5
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deltawatch",
            "--db",
            str(db_path),
            "crawl",
            "--sources",
            str(small_site),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the run is recorded and pages are in flight
        time.sleep(0.2)
        try:
            if rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'") == [(1,)]:
                break
        except sqlite3.OperationalError:
            pass  # the store is still being created
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in err
    assert rows(db_path, "SELECT status FROM runs") == [("interrupted",)]
    assert rows(db_path, "SELECT count(*) FROM locks") == [(0,)]
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]


def test_sigterm_stops_the_scheduler_at_once(
    site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path
) -> None:
    """Issue 17: after SIGTERM no run starts (queued and misfired runs are dropped, not
    drained), running crawls are recorded ``interrupted`` and the process exits."""
    base = site_server.base_url
    names = [f"slow-{i}" for i in range(6)]
    for name in names:
        sites.write_story(site_dir, f"/{name}.html", sites.UNICORNS, base=base)
    path = tmp_path / "sources.toml"
    path.write_text(
        sites.sources_toml(
            [
                {"name": n, "kind": "page", "url": f"{base}/{n}.html", "interval": "2s"}
                for n in names
            ]
        )
    )
    site_server.delay = 2.0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deltawatch",
            "--db",
            str(db_path),
            "schedule",
            "--sources",
            str(path),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # a crawl is under way, others wait their turn
            time.sleep(0.2)
            try:
                if rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'")[0][0]:
                    break
            except sqlite3.OperationalError:
                pass  # the store is still being created
        signalled = datetime.now(UTC)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)  # generous: the bound is the unit's, not a test's
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    started = [datetime.fromisoformat(s) for (s,) in rows(db_path, "SELECT started_at FROM runs")]
    assert started and all(s <= signalled for s in started), (signalled, started)
    assert rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)], err
    assert ("interrupted",) in rows(db_path, "SELECT status FROM runs")
    assert rows(db_path, "SELECT count(*) FROM locks") == [(0,)]
    assert "event=scheduler_stopped" in err

    # The next start resumes: every source gets a successful run, nothing is stored twice.
    site_server.delay = 0.0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deltawatch",
            "--db",
            str(db_path),
            "schedule",
            "--sources",
            str(path),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _until(
            lambda: rows(db_path, "SELECT count(last_success_at) FROM sources") == [(len(names),)]
        )
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)], err
    [(articles, urls)] = rows(db_path, "SELECT count(*), count(DISTINCT url) FROM articles")
    assert articles == urls == len(names)
    # The pages did not change: one version each, and no event recorded twice.
    assert rows(db_path, "SELECT count(*) FROM article_versions") == [(len(names),)]
    assert rows(
        db_path,
        "SELECT count(*) FROM (SELECT 1 FROM claim_events GROUP BY kind, key,"
        " version_id, claim_id, prior_claim_id HAVING count(*) > 1)",
    ) == [(0,)]


def _until(check: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "never true"
        time.sleep(0.2)


def test_crawl_processes_are_replaced_after_their_batches_or_when_killed(
    small_site: Path, db_path: Path, site_server: SiteServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="deltawatch.scheduler")
    daemon = Daemon(load_sources(small_site), db_path, max_parallel=1, max_batches=1)
    daemon.start()
    try:
        # One batch per process: each of the first runs is crawled by a fresh process.
        _until(lambda: rows(db_path, "SELECT count(*) FROM runs WHERE status = 'ok'")[0][0] >= 2)
        assert caplog.text.count("event=crawl_process_started") >= 2
        site_server.delay = 5.0
        _until(lambda: rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'")[0][0])
        [proc] = [p for p in daemon.pool.procs if p.batch]  # type: ignore[union-attr]
        proc.process.kill()  # a crash mid-run: the scheduler records it, frees its locks
        _until(
            lambda: (
                rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]
                and rows(db_path, "SELECT count(*) FROM locks") == [(0,)]
            )
        )
        assert "status=crashed" in caplog.text
        assert ("interrupted",) in rows(db_path, "SELECT status FROM runs")
    finally:
        daemon.stop()
        daemon.join()
    assert rows(db_path, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]


def test_sources_shows_next_run_and_lateness(fresh_store: Store, db_path: Path) -> None:
    from click.testing import CliRunner

    from deltawatch import cli

    fresh_store.sync_sources(
        [
            {"name": n, "kind": "page", "urls": [f"http://127.0.0.1/{n}"], "interval": "1h"}
            for n in ("early", "late")
        ]
    )
    now = datetime.now(UTC).replace(microsecond=0)
    fresh_store.set_next_runs(
        {
            "early": (now + timedelta(hours=1)).isoformat(),
            "late": (now - timedelta(minutes=30)).isoformat(),
        }
    )
    table = CliRunner().invoke(cli, ["--db", str(db_path), "sources"], env={"COLUMNS": "120"})
    assert "next run" in table.stdout and "late 30m" in table.stdout, table.stdout


def test_a_crawl_process_keeps_no_finished_crawler(small_site: Path, db_path: Path) -> None:
    """Issue 17: a long-lived crawl process runs batch after batch; a finished batch's crawlers
    (held by strongly connected signal receivers: the stop handler's, ``on_item``'s) must go."""
    code = """
import gc, sys
from scrapy.crawler import Crawler
from scrapers.run import crawl, run_in_reactor
from seeds.config import load_sources

sources = load_sources(sys.argv[1]).sources
async def main():
    for _ in range(2):
        await crawl(sources, db_path=sys.argv[2], lock_wait=0, on_item=lambda *_: None)
    gc.collect()
    print("crawlers alive:", sum(isinstance(o, Crawler) for o in gc.get_objects()))
run_in_reactor(main)
"""
    done = subprocess.run(
        [sys.executable, "-c", code, str(small_site), str(db_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "crawlers alive: 0" in done.stdout, done.stdout + done.stderr
    assert rows(db_path, "SELECT status FROM runs") == [("ok",), ("ok",)]
