"""A hostile web, end to end: one real crawl over every misbehaving route of the fault server.

Every failed URL must get a ``fetch_errors`` row with a specific reason, the run must go on
and store the good pages, size limits must stop big bodies before they are held, no XML
entity may be expanded, robots.txt and allowed domains must hold, and the CLI must exit 1
with a summary naming the failures. The crawl runs once per module (about 10 s); each test
reads a different aspect of it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scrapers.spiders.feed import REFUSED_ENTITIES, feed_links
from scrapers.spiders.sitemap import sitemap_entries
from tests import sites
from tests.conftest import SECRET
from tests.faults import (
    BIG5_STORY,
    BIG_BODY,
    BILLION_LAUGHS,
    GBK_PROBE,
    SITEMAP_URLS,
    FaultSite,
    closed_port,
    peak_rss_mb,
    run_cli_with,
    sitemap_lastmod,
)

#: Short timeouts and backoff so the suite stays fast; everything else is the product's.
SETTINGS = {
    "DOWNLOAD_TIMEOUT": 3,
    "DELTAWATCH_RETRY_BACKOFF": 0.25,
    "DELTAWATCH_MAX_ARTICLES": 25,
    "AUTOTHROTTLE_ENABLED": False,
}
BACKOFF = SETTINGS["DELTAWATCH_RETRY_BACKOFF"]
RETRY_TIMES = 2  # the product's RETRY_TIMES (scrapers/settings.py), not overridden

#: Article-like URLs of the ``pages`` source that must fail, with the reason's beginning.
PAGE_FAULTS: dict[str, str] = {
    "/status/500.html": "HTTP 500",
    "/status/503.html": "HTTP 503",
    "/status/404.html": "HTTP 404",
    "/status/410.html": "HTTP 410",
    "/status/429-long.html": "HTTP 429 (server asks to retry after 3600)",
    "/slow.html": "timeout (no complete answer within 3 s)",
    "/reset.html": "connection lost mid-response",
    "/redirect/a.html": "redirect loop: ",
    "/redirect/offsite.html": "offsite: redirected to 127.0.0.2",
    "/flaky/redirect-offsite.html": "offsite: redirected to 127.0.0.2",
    "/redirect/file.html": "refused: redirect to a file: URL",
    "/big/declared.html": "too large: 50.0 MB announced, limit 10.0 MB",
    "/big/streamed.html": "too large: body grew past the download size limit",
    "/bomb.html": "too large: body inflates past the size limit",
    "/files/report.html": "binary body (PDF or image)",
    "/files/photo.html": "binary body (PDF or image)",
    "/empty.html": "empty body",
}
#: Feeds and sitemaps that must fail, by source: (path, reason's beginning).
NAV_FAULTS: dict[str, list[tuple[str, str]]] = {
    "bad-feed": [("/feeds/malformed.xml", "malformed feed")],
    "bomb-feed": [("/feeds/bomb.xml", REFUSED_ENTITIES)],
    "bad-sitemap": [("/sitemaps/malformed.xml", "malformed sitemap")],
    "bomb-sitemap": [
        ("/sitemaps/bomb.xml", REFUSED_ENTITIES),
        ("/sitemaps/bomb.xml.gz", "too large: gzipped sitemap inflates past 10.0 MB"),
    ],
}
#: Hostile pages that must still be stored, with a sentence their text must contain.
GOOD_PAGES: dict[str, str] = {
    "/good/unicorns.html": "Shanghai is now home to 43 unicorns",
    "/good/smic.html": "SMIC has reached volume production of 5nm chips",
    "/flaky/429-once.html": "SMIC has reached volume production of 5nm chips",
    "/broken.html": "Shanghai is now home to 43 unicorns",
    "/zh/gbk.html": GBK_PROBE,
    "/zh/gbk-latin1.html": GBK_PROBE,
    "/zh/big5.html": "上海共有獨角獸企業43家",
}
PAGES_SOURCE = [
    *PAGE_FAULTS,
    "/good/unicorns.html",
    "/flaky/429-once.html",
    "/broken.html",
    "/zh/gbk.html",
    "/zh/gbk-latin1.html",
    "/zh/big5.html",
]


@dataclass
class FaultRun:
    site: FaultSite
    db: Path
    returncode: int
    stderr: str
    seconds: float
    down_url: str

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def error(self, url: str) -> tuple[str, int | None, str | None]:
        rows = self.query("SELECT reason, status, detail FROM fetch_errors WHERE url = ?", (url,))
        assert len(rows) == 1, f"{url}: expected one fetch_errors row, got {rows}"
        return rows[0]


@pytest.fixture(scope="module")
def fault_run(fault_site: FaultSite, tmp_path_factory: pytest.TempPathFactory) -> FaultRun:
    """One crawl of nine sources over every fault route, plus good pages among them."""
    tmp = tmp_path_factory.mktemp("fault-run")
    base, other = fault_site.base_url, fault_site.other_url
    down_url = f"http://127.0.0.1:{closed_port()}/news/1.html"
    sources = tmp / "sources.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {
                    "name": "pages",
                    "kind": "page",
                    "topic": False,
                    "concurrency": 8,
                    "urls": [base + p for p in PAGES_SOURCE],
                },
                {"name": "news", "kind": "feed", "topic": False, "url": f"{base}/feeds/news.xml"},
                {"name": "bad-feed", "kind": "feed", "url": f"{base}/feeds/malformed.xml"},
                {"name": "bomb-feed", "kind": "feed", "url": f"{base}/feeds/bomb.xml"},
                {"name": "bad-sitemap", "kind": "sitemap", "url": f"{base}/sitemaps/malformed.xml"},
                {
                    "name": "bomb-sitemap",
                    "kind": "sitemap",
                    "urls": [f"{base}/sitemaps/bomb.xml", f"{base}/sitemaps/bomb.xml.gz"],
                },
                {"name": "big-sitemap", "kind": "sitemap", "url": f"{base}/sitemaps/50k.xml"},
                {
                    "name": "control",
                    "kind": "page",
                    "topic": False,
                    "url": f"{other}/good/control.html",
                },
                {"name": "down", "kind": "page", "url": down_url},
            ]
        )
    )
    db = tmp / "store.db"
    started = time.monotonic()
    result = run_cli_with(SETTINGS, "crawl", "--sources", str(sources), db=db, timeout=90)
    return FaultRun(
        fault_site, db, result.returncode, result.stderr, time.monotonic() - started, down_url
    )


def test_the_run_goes_on_and_exits_1_with_a_summary_naming_the_failures(fault_run: FaultRun):
    assert fault_run.returncode == 1, fault_run.stderr[-3000:]
    assert fault_run.seconds < 60
    [(status, errors)] = fault_run.query("SELECT status, errors FROM runs")
    assert status == "partial"
    n_faults = len(PAGE_FAULTS) + sum(map(len, NAV_FAULTS.values())) + 1  # + "down"
    assert errors == n_faults
    # + the URL robots.txt disallows: recorded with its reason, not counted as a failure
    assert fault_run.query("SELECT count(*) FROM fetch_errors") == [(n_faults + 1,)]
    assert fault_run.query("SELECT count(*) FROM fetch_errors WHERE reason LIKE 'robots.txt%'") == [
        (1,)
    ]
    summary = fault_run.stderr
    assert "run 1: partial" in summary
    failed_lines = [line for line in summary.splitlines() if line.startswith("failed ")]
    assert len(failed_lines) == 20 and f"... and {n_faults - 20} more" in summary
    for line in failed_lines:  # "failed SOURCE: URL — REASON", the reason as stored
        _source, rest = line.removeprefix("failed ").split(": ", 1)
        url, reason = rest.split(" — ", 1)
        assert fault_run.error(url)[0] == reason
    # Every source is in the summary table, including the ones that only failed.
    for name in (
        "pages",
        "news",
        "bad-feed",
        "bomb-feed",
        "bad-sitemap",
        "bomb-sitemap",
        "big-sitemap",
        "control",
        "down",
    ):
        assert any(line.split()[:1] == [name] for line in summary.splitlines()), name


@pytest.mark.parametrize("path", list(PAGE_FAULTS))
def test_each_failed_page_has_a_specific_reason(fault_run: FaultRun, path: str) -> None:
    reason, status, _ = fault_run.error(fault_run.site.base_url + path)
    assert reason.startswith(PAGE_FAULTS[path]), reason
    assert "Traceback" not in reason and "Error:" not in reason
    if reason.startswith("HTTP "):
        assert status == int(reason.split()[1])


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [(source, path, expected) for source, cases in NAV_FAULTS.items() for path, expected in cases],
)
def test_each_broken_feed_and_sitemap_has_a_specific_reason(
    fault_run: FaultRun, source: str, path: str, expected: str
) -> None:
    rows = fault_run.query(
        "SELECT reason FROM fetch_errors WHERE source = ? AND url = ?",
        (source, fault_run.site.base_url + path),
    )
    assert len(rows) == 1 and rows[0][0].startswith(expected), rows


def test_an_unreachable_host_is_a_connection_refused(fault_run: FaultRun) -> None:
    assert fault_run.error(fault_run.down_url)[0] == "connection refused"
    [(error,)] = fault_run.query("SELECT last_error FROM sources WHERE name = 'down'")
    assert "connection refused" in error


def test_redirect_failures_are_recorded_under_the_listed_url_with_the_chain(fault_run: FaultRun):
    base = fault_run.site.base_url
    _, _, loop = fault_run.error(f"{base}/redirect/a.html")
    assert loop == f"{base}/redirect/a.html -> {base}/redirect/b.html"
    _, _, offsite = fault_run.error(f"{base}/redirect/offsite.html")
    assert offsite.endswith(f"{fault_run.site.other_url}/good/offsite.html")
    # The loop is caught on its way back, not after REDIRECT_MAX_TIMES round trips.
    assert len(fault_run.site.requests_to("/redirect/a.html")) == 1
    assert len(fault_run.site.requests_to("/redirect/b.html")) == 1


def test_retries_back_off_and_honour_retry_after(fault_run: FaultRun) -> None:
    site = fault_run.site
    for path in ("/status/500.html", "/status/503.html", "/reset.html", "/slow.html"):
        hits = site.requests_to(path)
        assert len(hits) == RETRY_TIMES + 1, path
        gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
        # Exponential backoff: BACKOFF before the first retry, twice that before the second.
        assert gaps[0] >= BACKOFF * 0.9 and gaps[1] >= 2 * BACKOFF * 0.9, (path, gaps)
    for path in ("/status/404.html", "/status/410.html"):  # not retryable
        assert len(site.requests_to(path)) == 1
    # Retry-After: 1 is waited for, then the page is stored.
    first, second = site.requests_to("/flaky/429-once.html")
    assert second.at - first.at >= 0.95
    # Retry-After: 3600 is beyond DELTAWATCH_RETRY_AFTER_MAX: no retry in this run.
    assert len(site.requests_to("/status/429-long.html")) == 1


def test_a_429_pauses_the_whole_host_not_just_its_url(
    fault_site: FaultSite, tmp_path: Path
) -> None:
    """Issue 5: 429/503 back off the domain. Scrapy frees the host's slot when the 429
    arrives, so without a host-wide pause the next URLs would go out during the wait."""
    base = fault_site.base_url
    pages = [f"/calm/{n}.html" for n in range(4)]
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {
                    "name": "busy",
                    "kind": "page",
                    "topic": False,
                    "delay": 0.1,
                    "concurrency": 1,
                    "urls": [base + "/pause/429.html", *(base + p for p in pages)],
                }
            ]
        )
    )
    result = run_cli_with(SETTINGS, "crawl", "--sources", str(sources), db=tmp_path / "s.db")
    assert result.returncode == 0, result.stderr[-2000:]
    refused, retried = fault_site.requests_to("/pause/429.html")
    assert retried.at - refused.at >= 1.9
    later = [h for p in pages for h in fault_site.requests_to(p) if h.at > refused.at]
    assert later, "the other pages were all fetched before the 429"
    # Nothing went to the host while it asked for a pause (the 2 s of Retry-After).
    assert all(h.at - refused.at >= 1.9 for h in later), [h.at - refused.at for h in later]


def test_size_limits_stop_big_bodies_before_they_are_held(fault_run: FaultRun) -> None:
    for path in ("/big/declared.html", "/big/streamed.html"):
        sent = fault_run.site.sent[path]
        # The server could push only what sockets buffer before the crawler hung up.
        assert sent and max(sent) < BIG_BODY / 2, (path, sent)
    # The crawl's peak memory stays far below even one inflated gzip bomb (200 MB) or body.
    assert peak_rss_mb(fault_run.stderr) < 320
    assert fault_run.query(
        "SELECT count(*) FROM article_versions WHERE length(text) > 1000000"
    ) == [(0,)]


def test_no_xml_entity_is_expanded_and_no_local_file_is_read(fault_run: FaultRun) -> None:
    paths = fault_run.site.paths() + fault_run.site.paths(host="127.0.0.2")
    assert not [p for p in paths if "EXPANDED" in p or "lol" in p or "&" in p]
    assert not _store_contains(fault_run.db, SECRET)
    assert not _store_contains(fault_run.db, "EXPANDEDENTITY")
    # The parsers refuse such documents outright, whatever they are served as.
    bomb = BILLION_LAUGHS.format(secret="/etc/hostname").encode()
    assert feed_links(
        bomb + b"<rss><channel><item><link>http://x/&lol9;</link></item></channel></rss>",
        "http://x/",
    ) == ([], REFUSED_ENTITIES)
    assert sitemap_entries(bomb + b"<urlset><url><loc>http://x/&lol9;</loc></url></urlset>") == (
        "entities",
        [],
    )


def test_robots_txt_disallowed_paths_are_never_fetched(fault_run: FaultRun) -> None:
    assert "/private/secret.html" not in fault_run.site.paths()
    assert "/robots.txt" in fault_run.site.paths()
    [(stats,)] = fault_run.query("SELECT stats FROM runs")
    assert json.loads(stats)["news"]["counts"]["robots_blocked"] == 1


def test_links_outside_the_source_and_other_schemes_are_never_followed(
    fault_run: FaultRun,
) -> None:
    # 127.0.0.2 is reachable (the control source fetched from it) but only the control
    # source, which lives there, ever did: the feed's and the redirect's links were not.
    assert sorted(fault_run.site.paths(host="127.0.0.2")) == ["/good/control.html", "/robots.txt"]
    urls = [u for (u,) in fault_run.query("SELECT url FROM articles")]
    assert not [u for u in urls if not u.startswith(("http://127.0.0.1:", "http://127.0.0.2:"))]
    assert not fault_run.query("SELECT url FROM fetch_errors WHERE url NOT LIKE 'http://127.0.0.%'")


def test_hostile_but_readable_pages_are_stored_with_clean_text(fault_run: FaultRun) -> None:
    base = fault_run.site.base_url
    for path, sentence in GOOD_PAGES.items():
        rows = fault_run.query(
            "SELECT v.text, v.suspect FROM articles a JOIN article_versions v"
            " ON v.id = a.current_version_id WHERE a.url = ?",
            (base + path,),
        )
        assert len(rows) == 1, path
        text, suspect = rows[0]
        assert sentence in text, (path, text[:200])
        assert "\x00" not in text and "\ufffd" not in text and suspect is None
    [(big5_title,)] = fault_run.query(
        "SELECT title FROM articles WHERE url = ?", (f"{base}/zh/big5.html",)
    )
    assert big5_title.startswith(BIG5_STORY.title.split()[0])
    assert fault_run.query("SELECT count(*) FROM articles WHERE source = 'control'") == [(1,)]


def test_a_50000_url_sitemap_is_capped_to_the_newest(fault_run: FaultRun) -> None:
    fetched = sorted(
        int(p.removeprefix("/many/").removesuffix(".html"))
        for p in fault_run.site.paths()
        if p.startswith("/many/")
    )
    cap = SETTINGS["DELTAWATCH_MAX_ARTICLES"]
    newest = sorted(range(SITEMAP_URLS), key=sitemap_lastmod)[-cap:]
    assert fetched == newest
    [(stats,)] = fault_run.query("SELECT stats FROM runs")
    counts = json.loads(stats)["big-sitemap"]["counts"]
    assert counts["pages"] == cap and counts["fetch_errors"] == 0


def _store_contains(db: Path, needle: str) -> bool:
    """Whether ``needle`` is anywhere in the store's text, or in a stored raw page."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM [{table}]"):
                for value in row:
                    if isinstance(value, str) and needle in value:
                        return True
                    if isinstance(value, bytes):
                        with contextlib.suppress(zlib.error):
                            value = zlib.decompress(value)
                        if needle.encode() in value:
                            return True
    return False


def test_a_page_that_breaks_the_pipeline_is_recorded_and_the_crawl_goes_on(
    tmp_path: Path,
) -> None:
    """An error no stage expected (here a page whose body is text, not bytes) fails that page
    with the error as its reason, in ``fetch_errors`` and the run's counts, and the next
    page is stored: uncaught, Scrapy would only log it and the run would report nothing."""
    import asyncio

    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from pipelines.model import Page
    from pipelines.scrapy_pipeline import StorePipeline
    from storage.store import Store

    db = tmp_path / "p.db"
    with Store(db) as store:
        store.sync_sources([{"name": "wire", "kind": "page", "urls": ["http://127.0.0.1:1/"]}])
    stats = MemoryStatsCollector(get_crawler())
    pipeline = StorePipeline(db, run_id=None, stats=stats, analyze_processes=0)
    url = "http://127.0.0.1:1/news/"
    good = sites.page_html(sites.UNICORNS, base=url[:-6], path="/news/good.html")
    pages = [
        Page(
            source="wire",
            url=f"{url}bad.html",
            fetched_url=f"{url}bad.html",
            status=200,
            body=good,
            content_type="text/html",
        ),
        Page(
            source="wire",
            url=f"{url}good.html",
            fetched_url=f"{url}good.html",
            status=200,
            body=good.encode(),
            content_type="text/html",
        ),
    ]

    async def crawl() -> None:
        pipeline.open_spider()
        for page in pages:
            await pipeline.process_item(page)
        pipeline.close_spider()

    asyncio.run(crawl())
    with sqlite3.connect(db) as conn:
        errors = conn.execute("SELECT url, reason FROM fetch_errors").fetchall()
        stored = conn.execute("SELECT url FROM articles").fetchall()
    assert errors == [(f"{url}bad.html", errors[0][1])]
    assert errors[0][1].startswith("internal error (TypeError: ")
    assert stored == [(f"{url}good.html",)]
    assert stats.get_value("deltawatch/fetch_errors") == 1
    assert stats.get_value("deltawatch/pages") == 2
