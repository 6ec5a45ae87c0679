"""Safety: only http(s) is fetched, a source stays on its domains, ``sql`` cannot write,
and a sources file is data (it cannot make the crawler run commands or read local files).

(``serve`` binding and HTML/Atom escaping are tested with those commands.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from seeds.config import ConfigError, parse_sources
from storage.store import Store
from tests import sites
from tests.conftest import ROOT, SECRET, run_cli
from tests.faults import FaultSite

NOT_HTTP = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    " file:///etc/passwd",
    "ftp://127.0.0.1/pub/story.html",
    "data:text/html,<p>Shanghai 43 unicorns</p>",
    "javascript:alert(1)",
    "gopher://127.0.0.1:70/1",
    "view-source:http://127.0.0.1/",
    "http:///etc/passwd",  # no host
    "//127.0.0.1/news/1.html",  # no scheme
    "/etc/passwd",
]


@pytest.mark.parametrize("url", NOT_HTTP)
def test_the_sources_file_takes_only_http_and_https_urls(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_sources({"source": [{"name": "x", "kind": "page", "url": url}]})
    assert "source 'x': field 'url':" in str(refused.value)
    assert "only http and https" in str(refused.value) or "has no host" in str(refused.value)


def test_a_refused_sources_file_fetches_nothing(
    fault_site: FaultSite, tmp_path: Path, db_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {
                    "name": "good",
                    "kind": "page",
                    "url": f"{fault_site.base_url}/good/unicorns.html",
                },
                {"name": "local", "kind": "page", "url": f"file://{fault_site.secret_file}"},
            ]
        )
    )
    before = len(fault_site.hits)
    result = run_cli("crawl", "--sources", str(sources), db=db_path)
    assert result.returncode == 2
    assert f"{sources}: source 'local': field 'url': only http and https" in result.stderr
    assert len(fault_site.hits) == before  # not even the good source ran
    assert not db_path.exists()


@pytest.mark.parametrize("scheme", ["file", "ftp", "data"])
def test_crawl_url_and_extract_refuse_other_schemes(
    fault_site: FaultSite, db_path: Path, scheme: str
) -> None:
    url = {
        "file": f"file://{fault_site.secret_file}",
        "ftp": "ftp://127.0.0.1/pub/story.html",
        "data": "data:text/html,<p>Shanghai has 43 unicorns.</p>",
    }[scheme]
    crawl = run_cli("crawl", "--url", url, db=db_path)
    assert crawl.returncode == 2 and "only http and https" in crawl.stderr
    extract = run_cli("extract", url, "--json")
    assert extract.returncode == 1
    assert SECRET not in extract.stdout and '"error"' in extract.stdout
    assert '"claims"' not in extract.stdout
    if scheme != "data":  # "data:..." has no "://": it is taken for a (missing) file name
        assert "only http and https" in extract.stderr


def test_extract_follows_no_redirect_to_another_scheme(fault_site: FaultSite) -> None:
    for path, scheme in (("/redirect/ftp.html", "ftp"), ("/redirect/file.html", "file")):
        result = run_cli("extract", f"{fault_site.base_url}{path}", "--json")
        assert result.returncode == 1
        assert SECRET not in result.stdout
        if scheme == "ftp":  # urllib itself stops file: redirects; ftp: it would follow
            assert "refused: redirect to a ftp: URL" in result.stderr


def test_a_source_never_follows_links_outside_its_domains(
    fault_site: FaultSite, tmp_path: Path, db_path: Path
) -> None:
    """One listing links on-site, to another host and to other schemes. ``news`` may only
    follow its own host; ``partner`` lists 127.0.0.2 in ``allowed_domains`` and follows
    those links, which proves they were followable."""
    base = fault_site.base_url
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {
                    "name": "news",
                    "kind": "listing",
                    "topic": False,
                    "url": f"{base}/listing.html",
                    "follow": ".",
                },
                {
                    "name": "partner",
                    "kind": "listing",
                    "topic": False,
                    "url": f"{base}/listing.html",
                    "follow": "/good/",
                    "allowed_domains": ["127.0.0.2"],
                },
            ]
        )
    )
    result = run_cli("crawl", "--sources", str(sources), db=db_path)
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT source, url FROM articles ORDER BY source, url").fetchall()
    # Both listings link /good/unicorns.html, one article (one row per URL) whichever
    # source stored it last; the other host's pages only ever come from partner.
    assert {u for _, u in stored} == {
        f"{base}/good/unicorns.html",
        f"{fault_site.other_url}/good/from-listing.html",
        f"{fault_site.other_url}/good/protocol-relative.html",
    }
    assert not [u for s, u in stored if s == "news" and "127.0.0.1" not in u]
    other = fault_site.paths(host="127.0.0.2")
    assert other.count("/good/from-listing.html") == 1  # partner's fetch, not news's
    assert other.count("/good/protocol-relative.html") == 1
    assert not [
        p for p in fault_site.paths() if p.startswith(("/good/js", "/good/ftp", "/good/view"))
    ]


WRITES = [
    "DELETE FROM articles",
    "UPDATE runs SET status = 'ok'",
    "INSERT INTO sources (name) VALUES ('x')",
    "DROP TABLE claims",
    "CREATE TABLE t (x)",
    "CREATE TEMP TABLE t (x)",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA query_only = OFF",
    "ATTACH DATABASE '{tmp}/attached.db' AS other",
    "VACUUM INTO '{tmp}/copy.db'",
    "VACUUM",
    "SELECT load_extension('{tmp}/evil')",
]


@pytest.fixture
def small_store(db_path: Path) -> Path:
    store = Store(db_path)
    store.sync_sources([{"name": "wire", "kind": "page", "urls": ["http://127.0.0.1/"]}])
    store.record_error(run_id=None, source="wire", url="http://127.0.0.1/x", reason="HTTP 503")
    store.close()
    return db_path


@pytest.mark.parametrize("query", WRITES)
def test_sql_cannot_write_the_store_or_any_file(small_store: Path, tmp_path: Path, query: str):
    def files() -> list[str]:  # besides the store's own -wal and -shm
        return sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("store.db"))

    files_before = files()
    result = run_cli("sql", query.format(tmp=tmp_path), db=small_store)
    assert result.returncode != 0
    assert "SQL error" in result.stderr
    assert files() == files_before  # no file made
    assert not (ROOT / "attached.db").exists() and not (ROOT / "copy.db").exists()
    with sqlite3.connect(small_store) as conn:
        assert conn.execute("SELECT count(*) FROM fetch_errors").fetchone() == (1,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'claims'"
        ).fetchone() == (1,)


def test_sql_still_reads_and_runs_reading_pragmas(small_store: Path) -> None:
    for query, expected in (
        ("PRAGMA integrity_check", '"integrity_check": "ok"'),
        ("PRAGMA table_info(fetch_errors)", '"name": "reason"'),
        ("WITH r AS (SELECT reason FROM fetch_errors) SELECT * FROM r", '"reason": "HTTP 503"'),
    ):
        result = run_cli("sql", query, "--json", db=small_store)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout


def test_the_sources_file_is_data_not_code(
    fault_site: FaultSite, tmp_path: Path, db_path: Path
) -> None:
    marker = tmp_path / "PWNED"
    shell = f"$(touch {marker})`touch {marker}`;touch {marker}"
    # Names end up on command lines (the scheduler runs ``crawl --source NAME``) and in
    # logs: only [a-z0-9-]. Unknown keys (no include, no command) are refused too.
    for bad in (
        {"name": f"x;touch {marker}"},
        {"name": "../../etc"},
        {"command": "touch x"},
        {"include": "/etc/passwd"},
        {"exec": ["sh", "-c", "id"]},
    ):
        entry = {"name": "x", "kind": "page", "url": f"{fault_site.base_url}/good/smic.html", **bad}
        with pytest.raises(ConfigError):
            parse_sources({"source": [entry]})
    # Shell syntax inside values is just text: fetched as a URL, matched as a regex.
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sites.sources_toml(
            [
                {
                    "name": "odd",
                    "kind": "listing",
                    "url": f"{fault_site.base_url}/x/{shell}",
                    "follow": shell.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)"),
                },
            ]
        )
    )
    result = run_cli("crawl", "--sources", str(sources), db=db_path)
    assert result.returncode == 1  # the server answers 404: a plain failed URL
    assert not marker.exists()
    [path] = [p for p in fault_site.paths() if p.startswith("/x/")]
    assert "touch" in path and "$(" in path  # sent as the literal path it is
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT reason FROM fetch_errors").fetchall() == [("HTTP 404",)]
