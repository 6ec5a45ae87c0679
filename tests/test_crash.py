"""Crash safety: SIGKILL a real ``deltawatch crawl`` at random points, rerun, compare.

A killed run must leave a consistent store (``PRAGMA integrity_check``, foreign keys, the
full-text index), nothing duplicated or half-written, and the next run must finish the job:
the final store equals the store of a run that was never interrupted. Kill points are drawn
from fixed seeds: "after the k-th article version is committed, plus a few milliseconds",
so every kill lands mid-crawl (between or inside page transactions), never before or after.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from seeds.demo_site import SiteServer
from tests import sites
from tests.conftest import ROOT, child_processes, run_cli

SEEDS = (2, 4, 13, 11, 10)  # kill after 0, 1, 2, 3 and 4 stored versions (+ jitter)
#: Seconds the site waits before each answer: a crawl that takes its time, as real ones do.
#: What keeps a killed crawl from finishing first is the site's hold (``SiteServer.hold``).
SERVER_DELAY = 0.1

HEFEI = sites.Story(
    "hefei-quantum",
    "Hefei quantum network links 12 cities in the Yangtze River Delta",
    [
        "A quantum communication network run from Hefei now links 12 cities across the Yangtze "
        "River Delta, the Anhui provincial government said on Friday.",
        "The backbone stretches 2,000 km and carries encrypted traffic for banks and power "
        "companies in Shanghai, Nanjing and Hangzhou, officials said at a technology fair.",
        "Researchers at the University of Science and Technology of China said the network's "
        "error rate had fallen below 2% this year, helped by new photon detectors.",
        "The province plans to invest 5 billion yuan in quantum computing over the next five "
        "years, with a 500-qubit prototype computer due at the Hefei laboratory.",
    ],
)
#: Two sources; every figure is reported by at most one article of each, so which article
#: gets "new" and which "corroborated"/"conflict" may depend on timing, but not the kinds.
STORIES: dict[str, list[sites.Story]] = {
    "wire": [sites.UNICORNS, sites.SMIC, sites.ZH_UNICORNS, sites.OFF_TOPIC],
    "post": [
        replace(  # corroborates the unicorn count
            sites.UNICORNS,
            slug="unicorns-2",
            title="Chip and AI startups push Shanghai to 43 unicorns",
            paragraphs=[p.replace("on Monday", "on Tuesday") for p in sites.UNICORNS.paragraphs],
        ),
        replace(  # conflicts with SMIC's process node
            sites.SMIC,
            slug="smic-3nm",
            title="SMIC said to trial 3nm process in Pudong",
            paragraphs=[p.replace("5nm", "3nm") for p in sites.SMIC.paragraphs],
        ),
        replace(  # conflicts with the venture total and the unicorn count in Chinese
            sites.ZH_UNICORNS,
            slug="zh-venture",
            title="上海科技企业风险投资超过900亿美元",
            paragraphs=[
                p.replace("870亿", "900亿").replace("43家", "45家")
                for p in sites.ZH_UNICORNS.paragraphs
            ],
        ),
        HEFEI,
    ],
}
N_VERSIONS = sum(map(len, STORIES.values())) - 1  # the off-topic story has no version


@pytest.fixture
def crash_site(site_dir: Path, site_server: SiteServer, tmp_path: Path) -> Path:
    """Two feeds of four articles each on a slowish site; returns the sources file."""
    base = site_server.base_url
    entries = []
    for name, stories in STORIES.items():
        items = []
        for story in stories:
            path = f"/{name}/{story.slug}.html"
            sites.write_story(site_dir, path, story, base=base)
            items.append((path, story.title))
        sites.write_feed(site_dir, f"/{name}/feed.xml", items, base=base)
        entries.append({"name": name, "kind": "feed", "url": f"{base}/{name}/feed.xml"})
    site_server.delay = SERVER_DELAY
    sources = tmp_path / "sources.toml"
    sources.write_text(sites.sources_toml(entries).replace("concurrency = 4", "concurrency = 1"))
    return sources


def _count(db: Path, sql: str) -> int:
    """A read that never fails on a store being created or written (WAL: readers don't block)."""
    if not db.exists():
        return -1
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return -1


def _crawl(
    db: Path, sources: Path, *, analysis: bool = False, stderr: int = subprocess.DEVNULL
) -> subprocess.Popen:
    """``deltawatch crawl`` in a child process; ``analysis``: with an analysis process even
    on a machine of one core."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    if analysis:
        env["DELTAWATCH_ANALYZE_PROCESSES"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "deltawatch", "--db", str(db), "crawl", "--sources", str(sources)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def _kill_at(seed: int, sources: Path, db: Path, server: SiteServer) -> dict[str, Any]:
    """Start a crawl, SIGKILL it at the seed's point; returns where it was killed.

    The site answers one page past the kill point and then holds, so however slow the
    machine (or late the analysis process), the kill lands with part of the crawl stored:
    right after the k-th version, or inside the next page's transaction.
    """
    rng = random.Random(seed)
    after_versions = rng.randint(0, N_VERSIONS - 3)  # leave work for the rerun
    jitter = rng.uniform(0.0, 0.1)
    server.hold(after_versions + 1 if after_versions else 0)
    child = _crawl(db, sources)
    try:
        deadline = time.monotonic() + 60
        probe = (
            "SELECT count(*) FROM article_versions"
            if after_versions
            else "SELECT count(*) FROM runs WHERE status = 'running'"
        )
        while _count(db, probe) < max(after_versions, 1):
            assert child.poll() is None, "the crawl ended before its kill point"
            assert time.monotonic() < deadline, "the crawl made no progress"
            time.sleep(0.005)
        time.sleep(jitter)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        server.hold(None)
    return {
        "seed": seed,
        "after_versions": after_versions,
        "versions_at_kill": _count(db, "SELECT count(*) FROM article_versions"),
        "returncode": child.returncode,
    }


def canonical_dump(db: Path) -> dict[str, Any]:
    """The store's content without ids, timestamps or run bookkeeping, in a stable order."""
    with sqlite3.connect(db) as conn:
        q = conn.execute
        articles = sorted(
            q(
                "SELECT url, source, status, skip_reason, title, lang, version_count,"
                " (SELECT content_hash FROM article_versions WHERE id = a.current_version_id)"
                " FROM articles a"
            ).fetchall()
        )
        versions = sorted(
            q(
                "SELECT a.url, v.n, v.content_hash, v.chars, v.title, v.suspect, v.extractor_version"
                " FROM article_versions v JOIN articles a ON a.id = v.article_id"
            ).fetchall()
        )
        claims = sorted(
            q(
                'SELECT v.content_hash, c.key, c.value, c.unit, c.approx, c.start, c."end"'
                " FROM claims c JOIN article_versions v ON v.id = c.version_id"
            ).fetchall()
        )
        events = sorted(q("SELECT kind, key FROM claim_events").fetchall())
    return {"articles": articles, "versions": versions, "claims": claims, "events": events}


def assert_consistent(db: Path) -> None:
    """Integrity, foreign keys, the FTS index, and nothing duplicated or half-written."""
    with sqlite3.connect(db) as conn:
        q = conn.execute
        assert q("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert q("PRAGMA foreign_key_check").fetchall() == []
        # rank 1: also that every version is in the index (an external-content table's
        # plain check reads only the index itself)
        q(
            "INSERT INTO article_versions_fts(article_versions_fts, rank) VALUES ('integrity-check', 1)"
        )
        duplicates = {
            "articles": "SELECT url FROM articles GROUP BY url HAVING count(*) > 1",
            "versions": "SELECT article_id FROM article_versions"
            " GROUP BY article_id, content_hash HAVING count(*) > 1",
            "claims": 'SELECT version_id FROM claims GROUP BY version_id, key, start, "end"'
            " HAVING count(*) > 1",
            "events": "SELECT kind FROM claim_events"
            " GROUP BY kind, key, version_id, claim_id HAVING count(*) > 1",
        }
        for what, sql in duplicates.items():
            assert q(sql).fetchall() == [], f"duplicated {what}"
        half_written = {
            "article without its version": "SELECT id FROM articles WHERE status = 'active'"
            " AND current_version_id NOT IN (SELECT id FROM article_versions)",
            "wrong version count": "SELECT id FROM articles a WHERE version_count !="
            " (SELECT count(*) FROM article_versions v WHERE v.article_id = a.id)",
            "claim without version": "SELECT id FROM claims"
            " WHERE version_id NOT IN (SELECT id FROM article_versions)",
            "event without claim": "SELECT id FROM claim_events"
            " WHERE claim_id IS NOT NULL AND claim_id NOT IN (SELECT id FROM claims)",
            "trusted version without claims": "SELECT id FROM article_versions v"
            " WHERE suspect IS NULL AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.version_id = v.id)",
        }
        for what, sql in half_written.items():
            assert q(sql).fetchall() == [], what


def test_a_killed_crawl_leaves_a_consistent_store_and_the_rerun_completes_it(
    crash_site: Path, tmp_path: Path, site_server: SiteServer
) -> None:
    # Only the crawls to be killed need a slow site; the reference and the reruns run at speed.
    site_server.delay = 0
    reference_db = tmp_path / "reference.db"
    assert run_cli("crawl", "--sources", str(crash_site), db=reference_db).returncode == 0
    assert_consistent(reference_db)
    reference = canonical_dump(reference_db)
    assert len(reference["versions"]) == N_VERSIONS and reference["claims"] and reference["events"]
    assert {kind for kind, _ in reference["events"]} >= {"new", "corroborated", "conflict"}

    kills = []
    for seed in SEEDS:
        db = tmp_path / f"killed-{seed}.db"
        site_server.delay = SERVER_DELAY
        kill = _kill_at(seed, crash_site, db, site_server)
        site_server.delay = 0
        kills.append(kill)
        assert kill["returncode"] == -signal.SIGKILL
        assert_consistent(db)  # right after the kill, before any repair
        rerun = run_cli("crawl", "--sources", str(crash_site), db=db)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert_consistent(db)
        assert canonical_dump(db) == reference, f"seed {seed}: {kill}"
        assert kill["versions_at_kill"] < N_VERSIONS, kill
        with sqlite3.connect(db) as conn:
            # The killed run is reconciled as interrupted by the next run; no lock is left.
            assert conn.execute("SELECT status FROM runs ORDER BY id").fetchall() == [
                ("interrupted",),
                ("ok",),
            ]
            assert conn.execute("SELECT count(*) FROM locks").fetchone() == (0,)
    # The kills did land mid-crawl: before anything was stored and with part of it stored.
    # (Not "at many points": on a loaded machine the analysis process may start late and
    # the queued pages are then stored in one burst of a few milliseconds.)
    stored = [k["versions_at_kill"] for k in kills]
    assert all(0 <= n < N_VERSIONS for n in stored), kills
    assert 0 in stored and any(0 < n < N_VERSIONS for n in stored), kills


# -- durability: online backups ---------------------------------------------------------------


def _rows(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, FTS index included (what "same rows" means)."""
    with sqlite3.connect(db) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Sorted in Python: the FTS shadow tables include WITHOUT ROWID ones.
        return {
            t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables
        }


def test_a_backup_taken_while_a_crawl_writes_is_consistent_and_restores(
    crash_site: Path, tmp_path: Path, site_server: SiteServer
) -> None:
    # The first backup is taken while the site holds the crawl after three pages (so it
    # lands mid-crawl on any machine); the later ones race the running crawl.
    site_server.hold(3)
    db = tmp_path / "live.db"
    crawl = _crawl(db, crash_site)
    snapshots: list[tuple[Path, int]] = []
    try:
        while crawl.poll() is None and len(snapshots) < 12:
            if _count(db, "SELECT count(*) FROM article_versions") < 1:
                time.sleep(0.02)
                continue
            dest = tmp_path / f"mid-{len(snapshots)}.db"
            result = run_cli("backup", str(dest), db=db)
            assert result.returncode == 0, result.stderr
            assert "integrity ok" in result.stdout
            snapshots.append((dest, _count(dest, "SELECT count(*) FROM article_versions")))
            site_server.hold(None)
    finally:
        site_server.hold(None)
        assert crawl.wait(timeout=60) == 0
    # Some copies were taken mid-crawl, with part of the articles in.
    assert any(0 < n < N_VERSIONS for _, n in snapshots), snapshots
    final = canonical_dump(db)
    for dest, _ in snapshots:
        assert_consistent(dest)
        assert not dest.with_name(dest.name + ".partial").exists()
        # A snapshot is a past state of the store: each article in it is whole, as stored.
        part = canonical_dump(dest)
        for what in ("versions", "claims"):
            assert set(part[what]) <= set(final[what]), what
        hashes = {v[2] for v in part["versions"]}
        assert {c for c in final["claims"] if c[0] in hashes} == set(part["claims"])

    # After the crawl: the backup holds exactly the store's rows, and restores.
    dest = tmp_path / "backups" / "final.db"
    assert run_cli("backup", str(dest), db=db).returncode == 0
    assert _rows(dest) == _rows(db)
    restored = tmp_path / "restored.db"
    restored.write_bytes(dest.read_bytes())  # restore = copy the file into place
    assert_consistent(restored)
    same = [run_cli("articles", "--json", db=d).stdout for d in (db, restored)]
    assert same[0] == same[1] and '"versions": 1' in same[0]
    # The restored store carries on: a crawl into it finds everything already there.
    again = run_cli("crawl", "--all", "--sources", str(crash_site), db=restored)
    assert again.returncode == 0, again.stderr[-2000:]
    assert canonical_dump(restored) == final


def _analysis_helpers(crawl: subprocess.Popen, timeout: float = 60) -> tuple[list[int], list[int]]:
    """The crawl's children (fork server, resource tracker) and theirs (the analysis
    process), once the analysis process is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and crawl.poll() is None:
        children = [pid for pid, _ in child_processes(crawl.pid)]
        workers = [w for child in children for w, _ in child_processes(child)]
        if workers:
            return children, workers
        time.sleep(0.05)
    raise AssertionError("the crawl never started its analysis process")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find child processes")
def test_a_killed_crawl_leaves_no_analysis_process_behind(
    crash_site: Path, tmp_path: Path, site_server: SiteServer
) -> None:
    """The analysis process of a SIGKILLed crawl must not wait forever for work (and hold memory)."""
    crawl = _crawl(tmp_path / "k.db", crash_site, analysis=True)
    site_server.hold(1)  # one page (it starts the analysis process), then a wait until the kill
    children, workers = _analysis_helpers(crawl)
    helpers = children + workers
    crawl.kill()
    crawl.wait()
    site_server.hold(None)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in helpers):
        time.sleep(0.2)
    assert not [p for p in helpers if Path(f"/proc/{p}").exists()]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find child processes")
def test_a_killed_analysis_process_costs_no_page(
    crash_site: Path, tmp_path: Path, site_server: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages the analysis process can no longer take are analysed by the crawl process (and
    the next one starts a new process): the store is the store of a crawl that analysed
    every page itself."""
    site_server.delay = 0
    db = tmp_path / "k.db"
    crawl = _crawl(db, crash_site, analysis=True, stderr=subprocess.PIPE)
    site_server.hold(1)  # one page (its analysis process starts), then a wait until the kill
    try:
        _, workers = _analysis_helpers(crawl)
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
    finally:
        site_server.hold(None)
    _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, stderr[-2000:]

    monkeypatch.setenv("DELTAWATCH_ANALYZE_PROCESSES", "0")
    reference_db = tmp_path / "reference.db"
    assert run_cli("crawl", "--sources", str(crash_site), db=reference_db).returncode == 0
    assert_consistent(db)
    reference = canonical_dump(reference_db)
    assert len(reference["versions"]) == N_VERSIONS and reference["claims"]
    assert canonical_dump(db) == reference


def _crawl_in_a_daemon(sources_file: str, db: str) -> None:
    """A crawl inside a daemonic process, which multiprocessing forbids to have children."""
    from scrapers.run import crawl, run_in_reactor
    from seeds.config import load_sources

    sources = load_sources(sources_file).select([])
    run_in_reactor(lambda: crawl(sources, db_path=db))


def test_a_crawl_that_cannot_start_its_analysis_process_analyses_pages_itself(
    crash_site: Path, tmp_path: Path, site_server: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No analysis process to be had (here: the crawl runs in a daemonic process, which may
    not start one): every page is analysed by the crawl process, none is lost."""
    import multiprocessing

    site_server.delay = 0
    monkeypatch.setenv("DELTAWATCH_ANALYZE_PROCESSES", "1")
    db = tmp_path / "d.db"
    child = multiprocessing.get_context("spawn").Process(
        target=_crawl_in_a_daemon, args=(str(crash_site), str(db)), daemon=True
    )
    child.start()
    child.join(120)
    assert child.exitcode == 0
    monkeypatch.setenv("DELTAWATCH_ANALYZE_PROCESSES", "0")
    reference_db = tmp_path / "reference.db"
    assert run_cli("crawl", "--sources", str(crash_site), db=reference_db).returncode == 0
    assert canonical_dump(db) == canonical_dump(reference_db)
