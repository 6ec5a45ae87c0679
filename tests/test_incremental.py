"""Rechecks and incremental fetching, against a local site that logs every request it answers."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from seeds.demo_site import SiteServer
from tests import sites
from tests.conftest import run_cli

STORIES = [("/news/unicorns.html", sites.UNICORNS), ("/news/smic.html", sites.SMIC)]


@pytest.fixture
def feed_site(site_dir: Path, site_server: SiteServer, tmp_path: Path) -> Path:
    base = site_server.base_url
    for path, story in STORIES:
        sites.write_story(site_dir, path, story, base=base)
    sites.write_feed(site_dir, "/feed.xml", [(p, s.title) for p, s in STORIES], base=base)
    sources = tmp_path / "sources.toml"
    text = sites.sources_toml([{"name": "news", "kind": "feed", "url": f"{base}/feed.xml"}])
    # A ladder in seconds: rechecked 2s after the last change, then 4s after it, then never.
    sources.write_text(text.replace("[defaults]", '[defaults]\nrecheck = ["2s", "4s"]', 1))
    return sources


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def crawl(sources: Path, db: Path, server: SiteServer) -> list[tuple[str, int]]:
    """One crawl; returns the article requests it made, with the status they got."""
    server.log.clear()
    result = run_cli("crawl", "--sources", str(sources), db=db)
    assert result.returncode in (0, 1), result.stderr
    return [(p, s) for p, s in server.log if p.startswith("/news/")]


def test_second_run_over_an_unchanged_site_fetches_no_article(
    feed_site: Path, db_path: Path, site_server: SiteServer
) -> None:
    feed_site.write_text(feed_site.read_text().replace('["2s", "4s"]', '["1h"]'))
    first = crawl(feed_site, db_path, site_server)
    assert sorted(first) == [("/news/smic.html", 200), ("/news/unicorns.html", 200)]
    second = crawl(feed_site, db_path, site_server)
    assert second == []  # the feed lists nothing new and nothing is due yet
    [(stats,)] = rows(db_path, "SELECT stats FROM runs ORDER BY id DESC LIMIT 1")
    assert '"not_due": 2' in stats


def test_due_articles_are_rechecked_with_conditional_requests_along_the_ladder(
    feed_site: Path, db_path: Path, site_server: SiteServer, site_dir: Path
) -> None:
    crawl(feed_site, db_path, site_server)
    time.sleep(2.2)  # first rung: both are due
    assert sorted(crawl(feed_site, db_path, site_server)) == [
        ("/news/smic.html", 304),
        ("/news/unicorns.html", 304),
    ]
    assert rows(db_path, "SELECT DISTINCT check_stage FROM articles") == [(1,)]
    # An edit: the changed article goes back to the start of the ladder.
    page = site_dir / "news" / "smic.html"
    page.write_text(page.read_text().replace("5nm", "3nm"))
    time.sleep(2.0)  # second rung (4s after the first fetch): both due again
    again = dict(crawl(feed_site, db_path, site_server))
    assert again == {"/news/smic.html": 200, "/news/unicorns.html": 304}
    stages = dict(rows(db_path, "SELECT url LIKE '%smic%', check_stage FROM articles"))
    assert stages == {1: 0, 0: 2}
    # unicorns has climbed off the ladder: never checked again; smic is due in 2s
    assert rows(
        db_path, "SELECT next_check_at IS NULL FROM articles WHERE url LIKE '%unicorns%'"
    ) == [(1,)]
    assert rows(db_path, "SELECT version_count FROM articles WHERE url LIKE '%smic%'") == [(2,)]


def test_an_article_gone_for_good_is_retired_and_left_alone(
    feed_site: Path, db_path: Path, site_server: SiteServer, site_dir: Path
) -> None:
    crawl(feed_site, db_path, site_server)
    (site_dir / "news" / "unicorns.html").unlink()
    time.sleep(2.2)
    assert ("/news/unicorns.html", 404) in crawl(feed_site, db_path, site_server)
    assert rows(db_path, "SELECT status FROM articles WHERE url LIKE '%unicorns%'") == [
        ("retired",)
    ]
    time.sleep(2.2)
    assert ("/news/unicorns.html", 404) not in crawl(feed_site, db_path, site_server)


def test_an_unchanged_page_without_validators_is_not_extracted_again(
    feed_site: Path, db_path: Path, site_server: SiteServer
) -> None:
    """Most CDNs send neither ETag nor Last-Modified: the body hash is compared before extraction."""
    site_server.validators = False
    crawl(feed_site, db_path, site_server)
    site_server.log.clear()
    result = run_cli("crawl", "--all", "--sources", str(feed_site), db=db_path)
    assert result.returncode == 0, result.stderr
    assert [s for p, s in site_server.log if p.startswith("/news/")] == [200, 200]
    [(stats,)] = rows(db_path, "SELECT stats FROM runs ORDER BY id DESC LIMIT 1")
    counts = json.loads(stats)["news"]["counts"]
    assert (counts["pages"], counts["unchanged"], counts["extracted"]) == (2, 2, 0)
    [(first,)] = rows(db_path, "SELECT stats FROM runs ORDER BY id LIMIT 1")
    assert json.loads(first)["news"]["counts"]["extracted"] == 2
