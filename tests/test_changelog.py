"""The change log end to end on the bundled demo site (seeds/demo/README.md, "Expected events").

Keys are the extractor's business; these tests hold it to subject, metric meaning, unit,
value and source, which is what a user reads.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_cli


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = free_port()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    result = run_cli("demo", "--port", str(PORT), db=db, timeout=300)
    assert result.returncode == 0, result.stderr
    return db


def events(db: Path, sql: str = "", *params: object) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        query = "SELECT * FROM claim_events " + sql
        return [dict(r) for r in conn.execute(query, params)]


def one(db: Path, sql: str) -> object:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def test_run1_corroboration_across_languages(demo_db: Path) -> None:
    found = events(
        demo_db,
        "WHERE run_id = 1 AND kind = 'corroborated' AND subject = 'Shanghai'"
        " AND unit = 'count' AND new_value = 43",
    )
    assert {(e["source"], e["prior_source"]) for e in found} & {
        ("pujiang-post", "shenhai-keji"),
        ("shenhai-keji", "pujiang-post"),
    }
    assert all("unicorn" in e["metric"] for e in found)


@pytest.mark.parametrize(("unit", "values"), [("nm", {3, 5}), ("count", {28000, 42000})])
def test_run1_conflicts_between_sources(demo_db: Path, unit: str, values: set[int]) -> None:
    found = [
        e
        for e in events(demo_db, "WHERE run_id = 1 AND kind = 'conflict' AND unit = ?", unit)
        if {e["old_value"], e["new_value"]} == values
    ]
    assert len(found) == 1, events(demo_db, "WHERE kind = 'conflict'")
    assert {found[0]["source"], found[0]["prior_source"]} == {"pujiang-post", "delta-wire"}


def test_run1_syndicated_copy_never_corroborates_its_original(demo_db: Path) -> None:
    copies = one(demo_db, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL")
    assert copies == 1
    found = events(
        demo_db,
        "WHERE kind = 'corroborated' AND ((source = 'delta-wire' AND "
        "prior_source = 'pujiang-post') OR (source = 'pujiang-post' AND "
        "prior_source = 'delta-wire')) AND new_value = 20000",
    )
    assert found == []


def test_run1_robots_and_off_topic_pages_give_no_figures(demo_db: Path) -> None:
    assert one(demo_db, "SELECT count(*) FROM articles WHERE url LIKE '%/private/%'") == 0
    assert one(demo_db, "SELECT count(*) FROM claims WHERE value = 45 AND unit = 'count'") == 0
    sport = "SELECT id FROM articles WHERE url LIKE '%/sport/%'"
    assert one(demo_db, f"SELECT count(*) FROM claims WHERE article_id IN ({sport})") == 0


def test_run2_changes_removals_and_corroboration(demo_db: Path) -> None:
    run2 = {
        (e["kind"], e["source"], e["unit"], e["old_value"], e["new_value"])
        for e in events(demo_db, "WHERE run_id = 2 AND kind != 'new'")
    }
    assert ("changed", "pujiang-post", "count", 1200, 1500) in run2
    assert ("changed", "pujiang-numbers", "USD", 8.7e10, 9.1e10) in run2
    assert ("removed", "shenhai-keji", "count", 600, None) in run2
    assert any(k == "corroborated" and s == "delta-wire" and v == 43 for k, s, _, _, v in run2)
    changed = events(demo_db, "WHERE run_id = 2 AND kind = 'changed' AND new_value = 1500")
    assert all(e["prior_version_id"] != e["version_id"] for e in changed)
    assert all(e["match"] == "revision" for e in changed)


def test_run2_new_story_figures_are_new(demo_db: Path) -> None:
    new = {
        (e["unit"], e["new_value"]) for e in events(demo_db, "WHERE run_id = 2 AND kind = 'new'")
    }
    assert {("km", 470), ("qubit", 128)} <= new


def test_every_event_points_at_its_run_version_and_prior(demo_db: Path) -> None:
    assert (
        one(demo_db, "SELECT count(*) FROM claim_events WHERE run_id IS NULL OR version_id IS NULL")
        == 0
    )
    assert (
        one(
            demo_db,
            "SELECT count(*) FROM claim_events WHERE kind != 'new' AND prior_claim_id IS NULL",
        )
        == 0
    )


def test_running_the_demo_again_adds_nothing(demo_db: Path, tmp_path: Path) -> None:
    """Revision 1 again is an A/B/A flip-flop, revision 2 again is unchanged: no new events."""
    copy = tmp_path / "again.db"
    with sqlite3.connect(demo_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    before = (
        one(copy, "SELECT count(*) FROM claim_events"),
        one(copy, "SELECT count(*) FROM article_versions"),
    )
    result = run_cli("demo", "--keep", "--port", str(PORT), db=copy, timeout=300)
    assert result.returncode == 0, result.stderr
    after = (
        one(copy, "SELECT count(*) FROM claim_events"),
        one(copy, "SELECT count(*) FROM article_versions"),
    )
    assert after == before


def test_diff_shows_the_revision_with_its_changed_figures(demo_db: Path) -> None:
    article_id = one(
        demo_db, "SELECT article_id FROM claim_events WHERE kind = 'changed' AND new_value = 1500"
    )
    result = run_cli("diff", str(article_id), "--json", db=demo_db)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["from"], data["to"]) == (1, 2)
    removed = [ln for ln in data["lines"] if ln["op"] == "-"]
    added = [ln for ln in data["lines"] if ln["op"] == "+"]
    assert any("1,200" in ln["text"] for ln in removed) and any(
        "1,500" in ln["text"] for ln in added
    )
    marked = [ln["text"][s:e] for ln in added for s, e in ln["marks"]]
    assert any("1,500" in m for m in marked), marked
    assert {(f["old"], f["new"]) for f in data["figures"]} == {(1200, 1500)}
    readable = run_cli("diff", str(article_id), db=demo_db)
    assert "figures that changed" in readable.stdout and "--- version 1" in readable.stdout
    assert run_cli("diff", "9999", db=demo_db).returncode == 2


def test_reprocess_sets_a_new_baseline_without_events(demo_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "re.db"
    with sqlite3.connect(demo_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    claims = one(copy, "SELECT count(*) FROM claims")
    events_before = one(copy, "SELECT count(*) FROM claim_events")
    # An "old extractor" that missed every figure of one version, and mangled its text.
    with sqlite3.connect(copy) as conn:
        vid = conn.execute("SELECT version_id FROM claims ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute("DELETE FROM claims WHERE version_id = ?", [vid])
        conn.execute(
            "UPDATE article_versions SET extractor_version = 'old', text = 'x' WHERE id = ?", [vid]
        )
    result = run_cli("reprocess", db=copy)
    assert result.returncode == 0, result.stderr
    assert one(copy, "SELECT count(*) FROM claims") == claims
    assert one(copy, "SELECT count(*) FROM claim_events") == events_before
    assert (
        one(
            copy,
            "SELECT count(*) FROM article_versions WHERE extractor_version = 'old' "
            "OR length(text) < 10",
        )
        == 0
    )
    assert (
        one(
            copy,
            "SELECT count(*) FROM claims c JOIN article_versions v ON v.id = c.version_id "
            "WHERE c.reported_at != v.fetched_at",
        )
        == 0
    )
    # and the next crawl of the unchanged site adds no versions: hashes follow the new texts
    again = run_cli("demo", "--keep", "--port", str(PORT), db=copy, timeout=300)
    assert again.returncode == 0, again.stderr
    assert one(copy, "SELECT count(*) FROM claim_events") == events_before
