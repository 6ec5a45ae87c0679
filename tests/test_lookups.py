"""The diff's look-ups: where each source stands on a figure, as the store keeps it.

``key_sources`` holds each source's latest current figure per key (migration m010): a
revision that drops the figure, a reprocess that deletes a version's claims and a
syndicated copy must all show in what the diff reads, with no stale figure left behind.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.diff import Listed, Prior
from pipelines.positions import StoredPositions
from storage.store import Store
from tests.versions import save_version

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
        v, _ids = save_version(
            store,
            source=source,
            url=url,
            text=text,
            claims=claims,
            title=path,
            published="2026-12-01",
            content_hash=text,
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


HEDGES = ("exact", "exact", "exact", "over", "under", "about", "nearly", "range")


def test_the_store_gives_the_standing_a_full_reading_gives(tmp_path: Path) -> None:
    """``StoredPositions`` reads a few of a key's figures (the source's own, those in the
    agreement range, the latest outside it); judging every figure (``Listed``) must give
    the same standing, for figures that agree, differ, are hedged, syndicated, revised away,
    not comparable, or reported at the same moment."""
    rnd = random.Random(5)
    sources = [f"s{n}" for n in range(6)]
    store = Store(tmp_path / "s.db", clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    store.sync_sources(
        {"name": n, "kind": "page", "urls": ["http://127.0.0.1:1/"], "enabled": 1} for n in sources
    )
    keys = [KEY, "shanghai|fabs|count", "shanghai|ai companies|count"]
    values = [40.0, 43.0, 43.1, 45.0, 60.0, 80.0, 86.0, 120.0, 0.0, -43.0]
    articles = []
    for n in range(60):
        source = rnd.choice(sources)
        claims = [
            _claim(rnd.choice(values), rnd.choice(keys))
            | {"approx": rnd.choice(HEDGES), "comparable": rnd.random() > 0.15}
            for _ in range(rnd.randint(1, 3))
        ]
        path = f"a{rnd.randint(0, 30)}"  # a known path is a revision of its article
        articles.append(_version(store, source, path, f"text {n}", claims))
        if rnd.random() < 0.1 and len(articles) > 2:  # a syndicated copy
            store.mark_duplicate(articles[-1].article_id, of=rnd.choice(articles).article_id)
    roots = [0, *(a.article_id for a in articles[:8])]
    checked = 0
    for key in [*keys, "shanghai|never reported|count"]:
        for value in values:
            for approx in ("exact", "over", "about", "under"):
                for source in sources:
                    root = rnd.choice(roots)
                    exclude = rnd.choice([0, *(a.article_id for a in articles[:5])])
                    rows = store.current_claim_tuples([key], exclude_article=exclude, root=root)
                    listed = Listed({key: [Prior(*row) for row in rows]})
                    stored = StoredPositions(
                        store, [key], source=source, exclude_article=exclude, root=root
                    )
                    expected = listed.standing(key, value, approx, source)
                    assert stored.standing(key, value, approx, source) == expected
                    assert (key in stored) == bool(rows)
                    checked += expected is not None and expected.agreeing is not None
    assert checked > 50  # agreeing figures were found, not only differing ones
    store.close()
