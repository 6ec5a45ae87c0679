"""Source health counts source failures, not single dead articles (issue 13).

A feed that lists one article gone 404 is a healthy feed: the article is retired and its
error listed, but the source is not marked failed (and so not backed off, run after run).
A feed URL that cannot be read is the source failing. robots.txt blocks are listed apart.
Real crawls (``deltawatch crawl`` in a child process) against a local site.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from deltawatch import cli
from seeds.demo_site import SiteServer
from tests import sites
from tests.conftest import run_cli


def rows(db: Path, query: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


def test_one_dead_article_does_not_fail_a_healthy_feed(
    site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path
) -> None:
    base = site_server.base_url
    sites.write_story(site_dir, "/en/unicorns.html", sites.UNICORNS, base=base)
    sites.write_feed(
        site_dir,
        "/en/feed.xml",
        [
            ("/en/unicorns.html", "Unicorns"),
            ("/en/gone.html", "Gone"),
            ("/private/x.html", "Hidden"),
        ],
        base=base,
    )
    (site_dir / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {"name": "en-feed", "kind": "feed", "url": f"{base}/en/feed.xml"},
                {"name": "dead-feed", "kind": "feed", "url": f"{base}/en/nofeed.xml"},
            ]
        )
    )
    for _ in range(2):
        result = run_cli("crawl", "--all", "--sources", str(sources), db=db_path)
        assert result.returncode == 1  # a page failed: listed, and the run says so
        assert "HTTP 404" in result.stderr
    health = {
        s["name"]: s
        for s in json.loads(
            CliRunner().invoke(cli, ["--db", str(db_path), "sources", "--json"]).stdout
        )
    }
    assert health["en-feed"]["consecutive_failures"] == 0
    assert health["en-feed"]["last_success_at"] is not None
    assert health["en-feed"]["errors"] >= 1 and health["en-feed"]["robots_blocked"] >= 1
    assert health["dead-feed"]["consecutive_failures"] == 2
    assert health["dead-feed"]["last_error"].startswith("feed unreadable: HTTP 404")
    assert health["dead-feed"]["robots_blocked"] == 0
    table = CliRunner().invoke(cli, ["--db", str(db_path), "sources"], env={"COLUMNS": "100"})
    assert "robots" in table.stdout
