"""A source that says an article changed gets it refetched now, not at its next recheck (issue 15).

A sitemap's ``<lastmod>`` and a feed entry's ``<updated>`` are the site's own word that a known
page was revised. A plain ``crawl`` (no ``--all``) believes it for the one article whose date
moved, records why on the version, and leaves the others to their recheck ladder.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from seeds.demo_site import SiteServer
from tests import sites
from tests.conftest import run_cli

STORIES = {"/news/unicorns.html": sites.UNICORNS, "/news/smic.html": sites.SMIC}


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def write_sitemap(site_dir: Path, base: str, lastmod: dict[str, str]) -> None:
    urls = "".join(
        f"<url><loc>{base}{p}</loc><lastmod>{m}</lastmod></url>" for p, m in lastmod.items()
    )
    (site_dir / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def write_atom(site_dir: Path, base: str, updated: dict[str, str]) -> None:
    entries = "".join(
        f"<entry><title>{escape(STORIES[p].title)}</title><id>{base}{p}</id>"
        f'<link href="{base}{p}"/><published>2026-09-01T08:00:00Z</published>'
        f"<updated>{u}</updated></entry>"
        for p, u in updated.items()
    )
    (site_dir / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Test Outlet</title><id>{base}/</id><updated>2026-09-01T08:00:00Z</updated>"
        f"{entries}</feed>"
    )


@pytest.mark.parametrize("kind", ["sitemap", "feed"])
def test_a_moved_date_refetches_that_article_only_and_logs_its_change(
    kind: str, site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path
) -> None:
    base = site_server.base_url
    for path, story in STORIES.items():
        sites.write_story(site_dir, path, story, base=base)
    old = "2026-09-01T08:00:00Z"
    write = write_sitemap if kind == "sitemap" else write_atom
    index = "/sitemap.xml" if kind == "sitemap" else "/feed.xml"
    write(site_dir, base, dict.fromkeys(STORIES, old))
    sources = tmp_path / "sources.toml"
    sources.write_text(sites.sources_toml([{"name": "news", "kind": kind, "url": base + index}]))
    assert run_cli("crawl", "--sources", str(sources), db=db_path).returncode == 0

    # The site revises one article and says so; the other keeps its old date.
    revised = sites.Story(
        sites.UNICORNS.slug, sites.UNICORNS.title, list(sites.UNICORNS.paragraphs)
    )
    revised.paragraphs[0] = revised.paragraphs[0].replace("43 unicorns", "47 unicorns")
    sites.write_story(site_dir, "/news/unicorns.html", revised, base=base)
    # A whole second after the first crawl's fetches (feeds carry seconds only), and passed
    # before the second crawl starts, so that crawl's fetch is later than the signal.
    moment = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
    while datetime.now(UTC) <= moment:
        time.sleep(0.05)
    now = moment.isoformat()
    write(site_dir, base, {"/news/unicorns.html": now, "/news/smic.html": old})
    site_server.log.clear()
    result = run_cli("crawl", "--sources", str(sources), db=db_path)
    assert result.returncode == 0, result.stderr
    fetched = [p for p, _status in site_server.log if p.startswith("/news/")]
    assert fetched == ["/news/unicorns.html"]  # the SMIC story is not due and said nothing
    [(signal,)] = rows(db_path, "SELECT refetch_signal FROM article_versions WHERE n = 2")
    label = "sitemap lastmod" if kind == "sitemap" else "feed updated"
    assert signal == f"{label} {now}"
    changed = rows(
        db_path,
        "SELECT old_value, new_value FROM claim_events WHERE kind = 'changed'"
        " AND key = 'shanghai|unicorns|count'",
    )
    assert changed == [(43, 47)]
    [(stats,)] = rows(db_path, "SELECT stats FROM runs ORDER BY id DESC LIMIT 1")
    counts = json.loads(stats)["news"]["counts"]
    assert (counts["refetch_signal"], counts["not_due"]) == (1, 1)

    # The signal is spent: the next crawl refetches nothing.
    site_server.log.clear()
    assert run_cli("crawl", "--sources", str(sources), db=db_path).returncode == 0
    assert [p for p, _ in site_server.log if p.startswith("/news/")] == []


def write_rss(site_dir: Path, base: str, summaries: dict[str, str]) -> None:
    """An RSS 2.0 feed that dates only publication, as most do: no <updated>, no <lastmod>."""
    items = "".join(
        f"<item><title>{escape(STORIES[p].title)}</title><link>{base}{p}</link>"
        f"<description>{escape(text)}</description>"
        "<pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate></item>"
        for p, text in summaries.items()
    )
    (site_dir / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Test Outlet</title><link>{base}/</link>{items}</channel></rss>"
    )


def test_a_rewritten_feed_entry_refetches_that_article_only(
    site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path
) -> None:
    """A feed with no revision dates still says an article changed when its entry's text does."""
    base = site_server.base_url
    for path, story in STORIES.items():
        sites.write_story(site_dir, path, story, base=base)
    summaries = {p: story.paragraphs[0][:120] for p, story in STORIES.items()}
    write_rss(site_dir, base, summaries)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sites.sources_toml([{"name": "news", "kind": "feed", "url": base + "/feed.xml"}])
    )
    assert run_cli("crawl", "--sources", str(sources), db=db_path).returncode == 0

    # Whitespace is not a change: the same entry re-wrapped refetches nothing.
    write_rss(site_dir, base, {p: f"  {text}\n" for p, text in summaries.items()})
    site_server.log.clear()
    assert run_cli("crawl", "--sources", str(sources), db=db_path).returncode == 0
    assert [p for p, _ in site_server.log if p.startswith("/news/")] == []

    revised = sites.Story(
        sites.UNICORNS.slug, sites.UNICORNS.title, list(sites.UNICORNS.paragraphs)
    )
    revised.paragraphs[0] = revised.paragraphs[0].replace("43 unicorns", "47 unicorns")
    sites.write_story(site_dir, "/news/unicorns.html", revised, base=base)
    write_rss(site_dir, base, summaries | {"/news/unicorns.html": revised.paragraphs[0][:120]})
    site_server.log.clear()
    result = run_cli("crawl", "--sources", str(sources), db=db_path)
    assert result.returncode == 0, result.stderr
    assert [p for p, _ in site_server.log if p.startswith("/news/")] == ["/news/unicorns.html"]
    assert rows(db_path, "SELECT refetch_signal FROM article_versions WHERE n = 2") == [
        ("feed entry changed",)
    ]
    changed = rows(
        db_path,
        "SELECT old_value, new_value FROM claim_events WHERE kind = 'changed'"
        " AND key = 'shanghai|unicorns|count'",
    )
    assert changed == [(43, 47)]

    # The new entry is stored with the fetch: the signal is spent.
    site_server.log.clear()
    assert run_cli("crawl", "--sources", str(sources), db=db_path).returncode == 0
    assert [p for p, _ in site_server.log if p.startswith("/news/")] == []
