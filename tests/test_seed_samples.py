"""The five sample articles the project was created from, as five sources, oldest first.

They live outside the repository (``../shared/seeds``), so a clean clone skips these tests: an
extra for a machine that has them. ``test_seed_traits.py`` tests the same traits everywhere, on
articles written for the repository (``tests/fixtures/seed_traits/``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SHARED_SEEDS, SHARED_SEEDS_SKIP, ingest_as_sources

SAMPLES = sorted(SHARED_SEEDS.glob("*.txt")) if SHARED_SEEDS.exists() else []
pytestmark = pytest.mark.skipif(len(SAMPLES) != 5, reason=SHARED_SEEDS_SKIP)


@pytest.fixture
def seeded(db_path: Path) -> Path:
    ingest_as_sources(db_path, SAMPLES, prefix="sample")
    return db_path


def kinds(db: Path, where: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            f"SELECT e.kind, e.source, e.new_value FROM claim_events e WHERE {where} ORDER BY e.id"
        ).fetchall()


def test_43_unicorns_are_new_then_corroborated(seeded: Path) -> None:
    found = kinds(
        seeded,
        "e.subject = 'Shanghai' AND e.unit = 'count' AND e.new_value = 43 "
        "AND e.metric LIKE '%unicorn%'",
    )
    assert [k for k, _, _ in found][:2] == ["new", "corroborated"], found
    assert found[0][1] != found[1][1]


def test_smic_process_nodes_conflict_rather_than_stand_alone(seeded: Path) -> None:
    found = kinds(seeded, "e.subject = 'SMIC' AND e.unit = 'nm'")
    assert found[0][:2] == ("new", "sample-0"), found  # 14nm, the oldest sample
    conflicts = {(s, v) for k, s, v in found if k == "conflict"}
    assert {("sample-3", 5), ("sample-4", 3)} <= conflicts, found
    # Sample 2's 3nm chip is made by "a team of engineers"; SMIC is named three paragraphs on,
    # not with the figure, so the chip is not SMIC's and ties no article together.
    assert [k for k, s, _ in found if s == "sample-2"] == [], found
    assert ("corroborated", "sample-4", 3) not in found, found
