"""The diff's look-ups: where each source stands on a figure, as the store keeps it.

``key_sources`` holds each source's latest current figure per key (migration m010): a
revision that drops the figure, a reprocess that deletes a version's claims and a
syndicated copy must all show in what the diff reads, with no stale figure left behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pipelines.diff import Prior
from storage.store import Store

KEY = "shanghai|unicorns|count"


def _claim(value: float, key: str = KEY) -> dict[str, Any]:
    subject, metric, unit = key.split("|")
    return {
        "key": key,
        "subject": subject.title(),
        "metric": metric,
        "unit": unit,
        "value": value,
        "approx": "exact",
        "period": None,
        "sentence": f"The city has {value:g} {metric}.",
        "start": 13,
        "end": 15,
        "lang": "en",
        "comparable": True,
        "reason": None,
    }


def _version(store: Store, source: str, path: str, text: str, claims: list[dict]) -> Any:
    url = f"http://127.0.0.1:1/{path}"
    with store.transaction():
        v = store.save_version(
            run_id=None,
            source=source,
            url=url,
            fetched_url=url,
            http_status=200,
            title=path,
            author=None,
            published="2026-12-01",
            lang="en",
            text=text,
            content_hash=text,
            raw=text.encode(),
            content_type="text/html",
            extractor_version="test",
            relevance=1.0,
        )
        store.add_claims(
            version_id=v.version_id, article_id=v.article_id, source=source, claims=claims
        )
    return v


def _priors(store: Store, *, root: int = 0) -> list[Prior]:
    rows = store.current_claim_tuples([KEY], exclude_article=0, root=root)
    return [Prior(*row) for row in rows]


def _positions(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT * FROM key_sources").fetchall())


def test_each_source_stands_on_its_latest_current_figure(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.sync_sources(
        {"name": n, "kind": "page", "urls": ["http://127.0.0.1:1/"], "enabled": 1}
        for n in ("wire", "post")
    )
    a = _version(store, "wire", "a", "text a1", [_claim(43)])
    b = _version(store, "post", "b", "text b1", [_claim(50)])
    priors = sorted(_priors(store), key=lambda p: p.claim_id)  # the diff takes any order
    assert [(p.source, p.value, p.article_id, p.independent) for p in priors] == [
        ("wire", 43, a.article_id, True),
        ("post", 50, b.article_id, True),
    ]
    assert priors[0].article_url == "http://127.0.0.1:1/a" and priors[0].comparable

    # A syndicated copy is not independent of its original.
    store.mark_duplicate(b.article_id, of=a.article_id)
    assert [p.independent for p in _priors(store, root=a.article_id)] == [False, False]

    # A revision of the wire story that drops the figure: the wire no longer stands on it.
    _version(store, "wire", "a", "text a2", [_claim(7, "shanghai|fabs|count")])
    assert [(p.source, p.value) for p in _priors(store)] == [("post", 50)]

    # reprocess deletes a version's claims: their positions go with them, none left stale.
    store.delete_claims_of_version(b.version_id)
    assert _priors(store) == []
    with sqlite3.connect(tmp_path / "s.db") as conn:
        # Left: the wire's row, read through the join as "not current" (its revision dropped it).
        rows = conn.execute("SELECT source FROM key_sources WHERE key = ?", [KEY]).fetchall()
        stale = conn.execute(
            "SELECT count(*) FROM key_sources WHERE claim_id NOT IN (SELECT id FROM claims)"
        ).fetchone()[0]
    assert rows == [("wire",)]
    assert stale == 0
    store.close()


def test_rebuilding_the_look_ups_gives_what_adding_claims_kept(tmp_path: Path) -> None:
    """``FILL_KEY_SOURCES`` (migrations, bulk loads) and ``add_claims`` agree row for row."""
    path = tmp_path / "s.db"
    store = Store(path)
    store.sync_sources(
        {"name": n, "kind": "page", "urls": ["http://127.0.0.1:1/"], "enabled": 1}
        for n in ("wire", "post")
    )
    _version(store, "wire", "a", "text a1", [_claim(43), _claim(9, "shanghai|fabs|count")])
    _version(store, "post", "b", "text b1", [_claim(50)])
    _version(store, "post", "c", "text c1", [_claim(52)])  # the post's latest on the key
    kept = _positions(path)
    assert len(kept) == 3
    with store.transaction():
        store.db.execute("DELETE FROM key_sources")
    store.rebuild_claim_keys()
    assert _positions(path) == kept
    store.close()
