"""Browsing and sharing: exports (CSV, JSON, Atom), the chart, Datasette's pages and links.

A small store is written through the real ``Store`` with a fixed clock (two outlets that
disagree, a revision, a sentence full of markup and Chinese), so every expected value is
known; Datasette runs in-process on it through its own test client.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import socket
import sqlite3
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

from deltawatch import cli
from sharing import datasette as dw_datasette
from sharing import export as dw_export
from storage import queries
from storage.db import open_readonly
from storage.store import Store
from tests.versions import save_version

KEY = "smic|process node|nm"
TRICKY = 'SMIC said "5nm" <script>alert(1)</script> & more, 中芯国际称已量产。'
PP = "http://127.0.0.1:9/pujiang/smic.html"
DW = "http://127.0.0.1:9/delta/10244.html"


class Clock:
    """A clock the test moves by hand, so stored times are known."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _claim(value: float, sentence: str) -> dict[str, Any]:
    return {
        "key": KEY,
        "subject": "SMIC",
        "metric": "process node",
        "unit": "nm",
        "value": value,
        "approx": "exact",
        "period": None,
        "sentence": sentence,
        "start": 0,
        "end": 3,
        "lang": "en",
    }


def _report(
    store: Store,
    *,
    run: int,
    source: str,
    url: str,
    text: str,
    value: float,
    sentence: str,
    event: dict[str, Any],
) -> tuple[int, int]:
    """One fetched version with one figure and its event, as the pipeline stores them."""
    with store.transaction():
        v, [claim_id] = save_version(
            store,
            source=source,
            url=url,
            text=text,
            claims=[_claim(value, sentence)],
            run_id=run,
            title=f"{source}: SMIC",
            published="2026-10-30",
        )
        store.add_events(
            [
                {
                    "key": KEY,
                    "subject": "SMIC",
                    "metric": "process node",
                    "unit": "nm",
                    "new_value": value,
                    "run_id": run,
                    "source": source,
                    "article_id": v.article_id,
                    "article_url": url,
                    "version_id": v.version_id,
                    "claim_id": claim_id,
                    "sentence": sentence,
                    **event,
                }
            ]
        )
    return v.article_id, v.version_id


def _sources(store: Store, *names: str) -> None:
    store.sync_sources(
        [
            {
                "name": name,
                "kind": "page",
                "urls": [PP],
                "language": "en",
                "topic": 1,
                "interval": "2h",
            }
            for name in names
        ]
    )


@pytest.fixture
def small_store(db_path: Path) -> Path:
    """pujiang-post says 5nm (day 1), delta-wire 3nm (day 2: conflict), pujiang-post then
    revises to 3nm (day 3: changed), which closes the conflict."""
    clock = Clock()
    store = Store(db_path, clock=clock)
    _sources(store, "pujiang-post", "delta-wire")
    run = store.start_run(trigger="manual", sources=["pujiang-post", "delta-wire"])
    _, pp_v1 = _report(
        store,
        run=run,
        source="pujiang-post",
        url=PP,
        text="SMIC 5nm.",
        value=5,
        sentence=TRICKY,
        event={"kind": "new"},
    )
    clock.now += timedelta(days=1)
    _report(
        store,
        run=run,
        source="delta-wire",
        url=DW,
        text="SMIC 3nm.",
        value=3,
        sentence="SMIC has reached 3nm chip production.",
        event={
            "kind": "conflict",
            "old_value": 5,
            "prior_source": "pujiang-post",
            "prior_article_url": PP,
            "prior_version_id": pp_v1,
        },
    )
    store.finish_run(run, status="ok", counts={"pages": 2})
    clock.now += timedelta(days=1)
    run2 = store.start_run(trigger="manual", sources=["pujiang-post"])
    _report(
        store,
        run=run2,
        source="pujiang-post",
        url=PP,
        text="SMIC 3nm, revised.",
        value=3,
        sentence="SMIC makes 3nm chips, the paper now says.",
        event={
            "kind": "changed",
            "old_value": 5,
            "prior_source": "pujiang-post",
            "prior_article_url": PP,
            "prior_version_id": pp_v1,
        },
    )
    store.finish_run(run2, status="ok", counts={"pages": 1})
    store.close()
    return db_path


def _export(db_path: Path, *args: str) -> bytes:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


# -- exports ------------------------------------------------------------------------------


def test_csv_export_loads_as_utf8_with_header_iso_times_and_numbers(small_store: Path) -> None:
    raw = _export(small_store, "--what", "changes", "--format", "csv")
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert [r["kind"] for r in rows] == ["changed", "conflict", "new"]  # newest first
    assert rows[2]["sentence"] == TRICKY  # quotes, commas, markup and Chinese survive
    assert rows[1]["old_value"] == "5.0" and float(rows[1]["new_value"]) == 3.0
    assert rows[2]["old_value"] == ""  # missing is an empty cell, not "None"
    assert datetime.fromisoformat(rows[0]["at"]) == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    assert {"id", "at", "kind", "key", "source", "article_url", "version_id"} <= set(rows[0])


def test_json_export_matches_csv_and_since_filters(small_store: Path) -> None:
    data = json.loads(_export(small_store, "--what", "changes", "--json"))
    assert [d["kind"] for d in data] == ["changed", "conflict", "new"]
    assert data[2]["sentence"] == TRICKY and data[1]["old_value"] == 5.0
    recent = json.loads(_export(small_store, "--format", "json", "--since", "2026-11-02"))
    assert [d["kind"] for d in recent] == ["changed", "conflict"]
    claims = json.loads(_export(small_store, "--what", "claims", "--format", "json"))
    assert sorted((c["source"], c["value"], c["current"]) for c in claims) == [
        ("delta-wire", 3.0, 1),
        ("pujiang-post", 3.0, 1),
        ("pujiang-post", 5.0, 0),
    ]
    articles = json.loads(_export(small_store, "--what", "articles", "--json", "--limit", "1"))
    assert len(articles) == 1 and articles[0]["versions"] in (1, 2)


def test_export_of_nothing_still_has_a_header_and_a_valid_feed(small_store: Path) -> None:
    header = _export(small_store, "--what", "claims", "--since", "2030-01-01").decode()
    assert header.splitlines() == [header.splitlines()[0]] and header.startswith("id,")
    feed = feedparser.parse(_export(small_store, "--format", "atom", "--since", "2030-01-01"))
    assert feed.bozo == 0 and feed.entries == [] and feed.feed.id.startswith("urn:uuid:")


def test_atom_feed_is_valid_stable_linked_and_escaped(small_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "changes.atom"
    args = [
        "--format",
        "atom",
        "--site-url",
        "http://127.0.0.1:8001",
        "--feed-url",
        "https://example.org/changes.atom",
        "-o",
        str(out),
    ]
    _export(small_store, *args)
    first = out.read_bytes()
    _export(small_store, *args)
    assert out.read_bytes() == first  # same log, same bytes: readers see nothing new

    feed = feedparser.parse(first)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "deltawatch: changes"
    assert feed.feed.updated == "2026-11-03T08:00:00+00:00"  # the newest event, not "now"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "alternate": f"http://127.0.0.1:8001/{small_store.stem}/latest_changes",
        "self": "https://example.org/changes.atom",
    }
    changed, conflict, new = feed.entries
    assert conflict.title == "Conflict: SMIC process node: 3 nm (delta-wire) vs 5 nm (pujiang-post)"
    assert changed.title == "Changed: SMIC process node: 5 nm → 3 nm (pujiang-post)"
    assert len({e.id for e in feed.entries}) == 3
    assert conflict.link == DW
    assert [link.rel for link in conflict.links] == ["alternate", "related"]
    assert conflict.updated == "2026-11-02T08:00:00+00:00"
    # The sentence is text inside the HTML content: the markup arrives escaped, never live.
    html_content = new.content[0].value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_content
    assert "<script>" not in html_content and "中芯国际称已量产" in html_content

    root = ET.fromstring(first)
    ns = {"a": dw_export.ATOM}
    for entry in root.findall("a:entry", ns):
        alternates = [x for x in entry.findall("a:link", ns) if x.get("rel") == "alternate"]
        assert len(alternates) == 1  # RFC 4287 4.1.1
        assert entry.find("a:id", ns) is not None and entry.find("a:updated", ns) is not None


def test_atom_of_anything_but_changes_and_a_vague_since_are_bad_usage(small_store: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(small_store), "export", "--what", "claims", "--format", "atom"]
    )
    assert result.exit_code == 2 and "--what changes" in result.output
    vague = CliRunner().invoke(cli, ["--db", str(small_store), "export", "--since", "yesterday"])
    assert vague.exit_code == 2 and "not an ISO date" in vague.output


# -- queries behind the canned queries ----------------------------------------------------


def test_a_revision_that_agrees_closes_the_open_conflict(small_store: Path, db_path: Path) -> None:
    db = open_readonly(small_store)
    assert queries.open_conflicts(db) == []  # pujiang-post's revision now says 3nm too
    history = queries.figure_history(db, KEY)
    assert [(h["source"], h["value"], h["current"]) for h in history] == [
        ("pujiang-post", 5.0, 0),
        ("delta-wire", 3.0, 1),
        ("pujiang-post", 3.0, 1),
    ]
    assert [e["kind"] for e in queries.figure_events(db, KEY)] == ["new", "conflict", "changed"]
    revised = queries.most_revised(db)[0]
    assert (revised["source"], revised["versions"], revised["figure_changes"]) == (
        "pujiang-post",
        2,
        1,
    )
    db.close()


def test_open_conflicts_lists_keys_whose_current_reports_disagree(db_path: Path) -> None:
    store = Store(db_path, clock=Clock())
    _sources(store, "a", "b")
    run = store.start_run(trigger="manual", sources=["a", "b"])
    _report(
        store, run=run, source="a", url=PP, text="5", value=5, sentence="5nm", event={"kind": "new"}
    )
    _report(
        store,
        run=run,
        source="b",
        url=DW,
        text="3",
        value=3,
        sentence="3nm",
        event={"kind": "conflict", "old_value": 5},
    )
    store.close()
    [row] = queries.open_conflicts(open_readonly(db_path))
    assert (row["key"], row["sources"], row["lowest"], row["highest"]) == (KEY, 2, 3.0, 5.0)
    assert row["reports"] == "b: 3; a: 5"


# -- the chart ----------------------------------------------------------------------------


def test_history_plot_writes_png_and_svg_with_every_source(
    small_store: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    png, svg = tmp_path / "smic.png", tmp_path / "smic.svg"
    for path in (png, svg):
        result = runner.invoke(cli, ["--db", str(small_store), "history", KEY, "--plot", str(path)])
        assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = svg.read_text("utf-8")
    for label in ("pujiang-post", "delta-wire", "conflict", "changed", "superseded version", KEY):
        assert label in text
    bad = runner.invoke(cli, ["--db", str(small_store), "history", KEY, "--plot", "x.pdf"])
    assert bad.exit_code == 2 and ".png or .svg" in bad.output
    missing = runner.invoke(
        cli, ["--db", str(small_store), "history", "no|such|key", "--plot", str(png)]
    )
    assert missing.exit_code == 1 and "no figure with key" in missing.output


# -- Datasette ------------------------------------------------------------------------------


def _pages(db_path: Path, *paths: str) -> list[Any]:
    async def fetch() -> list[Any]:
        ds = dw_datasette.make_datasette(db_path)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(fetch())


def test_datasette_canned_queries_links_chart_and_search(small_store: Path) -> None:
    name = small_store.stem
    key_q = "key=smic%7Cprocess+node%7Cnm"
    changes, conflicts, history, chart, search, table, meta = _pages(
        small_store,
        f"/{name}/latest_changes",
        f"/{name}/open_conflicts.json?_shape=array",
        f"/{name}/figure_history?{key_q}",
        f"/-/deltawatch/chart.svg?{key_q}",
        f"/{name}/article_versions.json?_search=revised&_shape=array",
        f"/{name}/claim_events",
        "/-/metadata.json",
    )
    assert changes.status_code == 200
    # An event links to its stored article version, its figure's history and the original.
    assert f'href="/{name}/article_versions/' in changes.text
    assert f'href="/{name}/figure_history?{key_q}"' in changes.text
    assert f'href="{DW}"' in changes.text
    assert "&lt;script&gt;" in changes.text and "<script>alert" not in changes.text
    assert conflicts.json() == []
    assert history.status_code == 200 and '<figure class="deltawatch-chart"' in history.text
    assert "<svg" in history.text and "delta-wire" in history.text
    assert chart.headers["content-type"].startswith("image/svg+xml") and b"<svg" in chart.content
    assert [r["text"] for r in search.json()] == ["SMIC 3nm, revised."]
    assert 'class="facet-info-name"' in table.text and "conflict" in table.text
    tables = meta.json()["databases"][name]["tables"]
    assert tables["claim_events"]["facets"] == ["kind", "source", "unit", "subject"]
    assert tables["article_versions"]["fts_table"] == "article_versions_fts"


def test_datasette_opens_the_store_read_only(small_store: Path) -> None:
    name = small_store.stem
    [write] = _pages(small_store, f"/{name}.json?sql=DELETE+FROM+claims&_shape=array")
    assert write.status_code == 400
    db = open_readonly(small_store)
    assert db.execute("SELECT count(*) FROM claims").fetchone()[0] == 3
    db.close()


def test_serve_refuses_a_missing_store_and_a_busy_port(tmp_path: Path, small_store: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "serve"])
    assert missing.exit_code == 2 and "run 'deltawatch crawl'" in missing.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["--db", str(small_store), "serve", "--port", str(port)])
    assert result.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_a_png_says_once_when_no_font_draws_its_chinese(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sharing import plot

    zh_key = "浦东新区|企业|count"
    monkeypatch.setattr(plot, "cjk_font", lambda: None)
    note = plot.font_note(key=zh_key, fmt="png")
    assert note is not None and "drawn as boxes" in note and ".svg" in note
    assert plot.font_note(key=zh_key, fmt="svg") is None  # the browser draws an SVG's text
    assert plot.font_note(key=KEY, fmt="png") is None
    with sqlite3.connect(small_store) as conn:
        conn.execute("UPDATE claims SET key = ?", (zh_key,))
        conn.execute("UPDATE claim_events SET key = ?", (zh_key,))
    png = tmp_path / "zh.png"
    result = CliRunner().invoke(
        cli, ["--db", str(small_store), "history", zh_key, "--plot", str(png)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("no installed font has Chinese characters") == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr(plot, "cjk_font", lambda: "Noto Sans CJK SC")
    assert plot.font_note(key=zh_key, fmt="png") is None
    assert plot._font_family() == ["DejaVu Sans", "Noto Sans CJK SC"]


def _figures_store(db_path: Path) -> None:
    """Four keys, each reported by its own articles (one figure per article)."""
    store = Store(db_path, clock=Clock())
    _sources(store, "a", "b", "c")
    run = store.start_run(trigger="manual", sources=["a", "b", "c"])
    reports = [  # key, source, value, comparable
        ("agreed|unicorns|count", "a", 43, True),
        ("agreed|unicorns|count", "b", 43, True),
        ("agreed|unicorns|count", "c", 43, True),
        ("two|process node|nm", "a", 5, True),
        ("two|process node|nm", "b", 3, True),
        ("three|foreign talent|count", "a", 1, True),
        ("three|foreign talent|count", "b", 2, True),
        ("three|foreign talent|count", "c", 3, True),
        ("|count|count", "a", 7, False),
        ("|count|count", "b", 8, False),
        ("|count|count", "c", 9, False),
        ("alone|revenue|usd", "a", 1e9, True),
    ]
    for n, (key, source, value, comparable) in enumerate(reports):
        url = f"http://127.0.0.1:9/{n}.html"
        with store.transaction():
            subject, metric, unit = key.split("|")
            claim = {
                **_claim(value, f"{value}"),
                "key": key,
                "subject": subject or None,
                "metric": metric,
                "unit": unit,
                "comparable": comparable,
            }
            save_version(
                store,
                source=source,
                url=url,
                text=f"{value}",
                claims=[claim],
                run_id=run,
                title=key,
                content_hash=f"{n:064x}",
                raw=b"",
            )
    store.close()


def test_figures_are_listed_most_disputed_first(db_path: Path) -> None:
    """Disputed: comparable figures from two or more sources disagree; more values first.
    Three sources that agree come next; generic figures that differ are not disputed."""
    _figures_store(db_path)
    rows = queries.figures(open_readonly(db_path))
    assert [(r["key"], r["disputed"]) for r in rows] == [
        ("three|foreign talent|count", 1),
        ("two|process node|nm", 1),
        ("|count|count", 0),  # three sources, three values, but no specific key: not comparable
        ("agreed|unicorns|count", 0),
        ("alone|revenue|usd", 0),
    ]
    [page] = _pages(db_path, f"/{db_path.stem}/figures.json?_shape=array")
    assert [r["key"] for r in page.json()][:2] == [
        "three|foreign talent|count",
        "two|process node|nm",
    ]


def test_a_stored_version_shows_its_text_not_a_wall_of_hash(db_path: Path) -> None:
    _figures_store(db_path)
    whole = f"{0:064x}"
    html, data = _pages(
        db_path,
        f"/{db_path.stem}/article_versions/1",
        f"/{db_path.stem}/article_versions/1.json?_shape=array",
    )
    assert f'<span title="{whole}">{whole[:10]}…</span>' in html.text
    assert f">{whole}<" not in html.text
    assert data.json()[0]["content_hash"] == whole  # data keeps it whole
