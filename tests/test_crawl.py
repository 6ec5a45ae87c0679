"""End to end: real Scrapy crawls a local site (feed, sitemap, listing, page) into SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from seeds.demo_site import SiteServer
from tests import sites
from tests.conftest import run_cli


@pytest.fixture
def news_site(site_dir: Path, site_server: SiteServer, tmp_path: Path) -> Path:
    """A three-section site: an RSS feed, a sitemap (GBK page inside), a listing; + robots."""
    base = site_server.base_url
    sites.write_story(site_dir, "/en/unicorns.html", sites.UNICORNS, base=base)
    sites.write_story(site_dir, "/en/smic.html", sites.SMIC, base=base)
    sites.write_story(site_dir, "/en/football.html", sites.OFF_TOPIC, base=base)
    sites.write_feed(
        site_dir,
        "/en/feed.xml",
        [
            ("/en/unicorns.html", "Unicorns"),
            ("/en/smic.html", "SMIC"),
            ("/en/football.html", "Cup"),
        ],
        base=base,
    )
    # A GBK page that declares its charset only in a <meta> tag; the server sends none.
    sites.write_story(
        site_dir, "/zh/unicorns.html", sites.ZH_UNICORNS, base=base, encoding="gbk", charset="gbk"
    )
    sites.write_sitemap(site_dir, "/zh/sitemap.xml", ["/zh/unicorns.html"], base=base)
    sites.write_story(site_dir, "/wire/story/1.html", sites.SMIC, base=base)
    sites.write_listing(
        site_dir, "/wire/index.html", [("/wire/story/1.html", "SMIC"), ("/wire/about.html", "x")]
    )
    (site_dir / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {"name": "en-feed", "kind": "feed", "url": f"{base}/en/feed.xml"},
                {"name": "zh-sitemap", "kind": "sitemap", "url": f"{base}/zh/sitemap.xml"},
                {
                    "name": "wire",
                    "kind": "listing",
                    "url": f"{base}/wire/index.html",
                    "follow": r"/wire/story/\d+\.html",
                },
            ]
        )
    )
    return sources


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_crawl_stores_each_on_topic_article_once_with_clean_text(
    news_site: Path, db_path: Path
) -> None:
    result = run_cli("crawl", "--sources", str(news_site), db=db_path)
    assert result.returncode == 0, result.stderr
    stored = dict(rows(db_path, "SELECT url, status FROM articles"))
    assert sum(1 for s in stored.values() if s == "active") == 4
    skipped = rows(db_path, "SELECT url, skip_reason FROM articles WHERE status = 'skipped'")
    assert [u.rsplit("/", 1)[1] for u, _ in skipped] == ["football.html"]
    assert "no Shanghai/YRD place" in skipped[0][1]
    texts = rows(db_path, "SELECT text FROM article_versions")
    for (text,) in texts:
        for junk in ("419", "许可证", "hotline", "cookies", "CHOOSE YOUR", "Related", "⏱"):
            assert junk not in text
    assert rows(db_path, "SELECT count(*) FROM article_versions") == [(4,)]
    run = rows(db_path, "SELECT status, pages, new_articles, skipped, errors FROM runs")
    assert run == [("ok", 5, 4, 1, 0)]


def test_gbk_page_without_charset_header_is_readable_chinese(
    news_site: Path, db_path: Path
) -> None:
    run_cli("crawl", "--sources", str(news_site), "--source", "zh-sitemap", db=db_path)
    [(text, lang)] = rows(db_path, "SELECT text, lang FROM article_versions")
    assert lang == "zh"
    assert "上海共有独角兽企业43家" in text
    assert "龙凤" not in text


def test_unchanged_page_adds_no_version_and_edited_page_does(
    news_site: Path, db_path: Path, site_dir: Path, site_server: SiteServer
) -> None:
    assert run_cli("crawl", "--sources", str(news_site), db=db_path).returncode == 0
    assert run_cli("crawl", "--all", "--sources", str(news_site), db=db_path).returncode == 0
    assert rows(db_path, "SELECT count(*) FROM article_versions") == [(4,)]
    assert rows(db_path, "SELECT unchanged, skipped FROM runs WHERE id = 2") == [(4, 1)]
    events_before = rows(db_path, "SELECT count(*) FROM claim_events")
    # Whitespace and dateline-only change: still no new version.
    page = site_dir / "en" / "unicorns.html"
    page.write_text(page.read_text().replace("08:00 🔖", "09:30 🔖").replace("</p>", "</p>\n"))
    run_cli("crawl", "--all", "--sources", str(news_site), db=db_path)
    assert rows(db_path, "SELECT count(*) FROM article_versions") == [(4,)]
    assert rows(db_path, "SELECT count(*) FROM claim_events") == events_before
    # A real edit: a new version of the same article.
    page.write_text(page.read_text().replace("$87 billion", "$91 billion"))
    run_cli("crawl", "--all", "--sources", str(news_site), db=db_path)
    assert rows(
        db_path,
        "SELECT a.version_count FROM articles a WHERE a.url LIKE '%/en/unicorns.html'",
    ) == [(2,)]


def test_failures_are_recorded_and_the_run_goes_on(
    news_site: Path, db_path: Path, site_dir: Path, site_server: SiteServer, tmp_path: Path
) -> None:
    base = site_server.base_url
    sources = tmp_path / "more.toml"
    sources.write_text(
        news_site.read_text()
        + sites.sources_toml(
            [
                {"name": "gone", "kind": "page", "url": f"{base}/missing.html"},
                {"name": "secret", "kind": "page", "url": f"{base}/private/x.html"},
                {"name": "broken-feed", "kind": "feed", "url": f"{base}/en/unicorns.html"},
            ]
        ).split("\n", 4)[4]  # drop the second [defaults]
    )
    result = run_cli("crawl", "--sources", str(sources), db=db_path)
    assert result.returncode == 1
    errors = dict(rows(db_path, "SELECT source, reason FROM fetch_errors"))
    assert errors["gone"] == "HTTP 404"
    # robots.txt is obeyed: recorded with its reason, but politeness, not a failure.
    assert errors["secret"] == "robots.txt disallows this URL"
    assert "failed secret" not in result.stderr
    assert rows(db_path, "SELECT last_error FROM sources WHERE name = 'secret'") == [(None,)]
    [(stats,)] = rows(db_path, "SELECT stats FROM runs")
    assert json.loads(stats)["secret"]["counts"]["robots_blocked"] == 1
    assert errors["broken-feed"].startswith(("malformed feed", "feed has no entries"))
    assert "gone" in result.stderr and "HTTP 404" in result.stderr
    assert rows(db_path, "SELECT count(*) FROM articles WHERE status = 'active'") == [(4,)]
    assert rows(db_path, "SELECT status FROM runs") == [("partial",)]


def test_manual_url_and_json_queries(news_site: Path, db_path: Path, site_server: SiteServer):
    url = f"{site_server.base_url}/en/smic.html"
    assert run_cli("crawl", "--url", url, db=db_path).returncode == 0
    out = run_cli("articles", "--json", db=db_path)
    [article] = json.loads(out.stdout)
    assert article["url"] == url and article["versions"] == 1 and article["source"] == "manual"
    found = json.loads(run_cli("articles", "--search", "wafers", "--json", db=db_path).stdout)
    assert [a["id"] for a in found] == [article["id"]]
    health = json.loads(run_cli("sources", "--json", db=db_path).stdout)
    assert health[0]["name"] == "manual" and health[0]["last_success_at"]
