"""The traits of the five sample articles, on articles written for this repository.

The samples the project started from (``../shared/seeds``, tested as an extra by
``test_seed_samples.py``) are not in the repository. ``tests/fixtures/seed_traits/`` holds five
articles written here that carry the same traits: SEO-spam tokens glued to paragraphs and on lines
of their own, licence, ICP and hotline lines, a photo caption, a dateline with icons, numbered
list markers, typos; SMIC's process node reported as 14nm, 5nm and 3nm by three articles (and a
3nm chip nobody names a maker for), 43 unicorns in English twice and in Chinese once (43家独角兽企业),
and 28,000 international specialists against 42,000 foreign experts. They are ingested as five
sources, oldest first, into a real store, as a crawl would.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ingest_as_sources

FIXTURES = Path(__file__).parent / "fixtures" / "seed_traits"
ARTICLES = sorted(FIXTURES.glob("*.txt"))
UNICORNS = "shanghai|unicorns|count"
SMIC_NODE = "smic|process node|nm"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    assert len(ARTICLES) == 5, ARTICLES
    db = tmp_path_factory.mktemp("seed_traits") / "store.db"
    ingest_as_sources(db, ARTICLES, prefix="seed")
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def texts(conn: sqlite3.Connection) -> dict[str, str]:
    rows = conn.execute(
        "SELECT a.source, v.text FROM article_versions v JOIN articles a ON a.id = v.article_id"
    )
    return {r["source"]: r["text"] for r in rows}


def events(conn: sqlite3.Connection, where: str = "1") -> list[tuple]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT kind, source, new_value, prior_source FROM claim_events "
            f"WHERE {where} ORDER BY id"
        )
    ]


# -- cleaning ----------------------------------------------------------------------------------

SPAM_AND_CHROME = [
    "419",
    "1314",
    "sh1314",
    "龙凤",
    "千花",
    "品茶",
    "上海娱乐",
    "许可证",
    "ICP备",
    "举报电话",
    "hotline",
    "85061466",
    "CHOOSE YOUR",
    "⏱",
    "🔖",
    "📢",
    "/VCG",
    "2025-03-18 09:30",
]


def test_spam_tokens_licence_hotline_and_dateline_lines_are_gone(
    seeded: sqlite3.Connection,
) -> None:
    stored = texts(seeded)
    assert len(stored) == 5
    for source, text in stored.items():
        for marker in SPAM_AND_CHROME:
            assert marker not in text, (source, marker)


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("seed-0", "1. Talent corridors: researchers hold joint posts"),  # spam glued before
        ("seed-0", "By the numbers"),
        ("seed-0", "Agility: when sanctions cut off foreign design software"),
        ("seed-1", "与此同时，长三角其他城市也在加快布局。"),
        ("seed-1", "1. 资本：陆家嘴聚集了大批创投机构"),
        ("seed-2", "Chips first"),
        ("seed-2", "Start-ups\nShanghai's young-company scene has boomed"),
        ("seed-2", "American export rules have forced costly workarounds"),
        ("seed-4", "AI in daily life. The city has installed"),
        ("seed-4", "Start-ups at scale."),
    ],
)
def test_the_story_around_the_spam_stays(
    seeded: sqlite3.Connection, source: str, kept: str
) -> None:
    assert kept in texts(seeded)[source]


def test_typos_are_kept_as_written(seeded: sqlite3.Connection) -> None:
    """Cleaning removes what is not the story; it does not correct the story."""
    assert "crteeaa single market" in texts(seeded)["seed-0"]


# -- what is never a figure --------------------------------------------------------------------


def test_list_markers_dates_licence_and_phone_numbers_are_not_figures(
    seeded: sqlite3.Connection,
) -> None:
    rows = seeded.execute(
        "SELECT c.value, c.unit, c.start, c.[end], c.source, v.text FROM claims c "
        "JOIN article_versions v ON v.id = c.version_id"
    ).fetchall()
    assert len(rows) > 20
    never = {
        419,
        1314,
        10120180008,
        31120180017,
        5050403,
        85061466,
        62578899,
        2018,
        2020,
        2023,
        2025,
        28,
    }  # 28: "28-year-old founder"
    for value, unit, start, end, source, text in rows:
        span = text[start:end]
        assert value not in never, (source, value, unit, span)
        at_line_start = start == 0 or text[start - 1] == "\n"
        assert not (at_line_start and re.match(r"\d{1,2}\.\s", text[start:])), (source, span)
        window = text[max(0, start - 2) : end + 2]  # "1+8 Innovation Corridor", "1+X": names
        assert not re.search(r"\d\+[0-9A-Z]", window), (source, span)


# -- the change log ----------------------------------------------------------------------------


def test_43_unicorns_are_corroborated_across_sources_and_languages(
    seeded: sqlite3.Connection,
) -> None:
    found = events(seeded, f"key = '{UNICORNS}'")
    assert found == [
        ("new", "seed-1", 43.0, None),  # 43家独角兽企业, the Chinese report
        ("corroborated", "seed-2", 43.0, "seed-1"),  # "home to 43 unicorns"
        (
            "corroborated",
            "seed-3",
            43.0,
            "seed-1",
        ),  # "The city now hosts:" / "- 43 unicorn startups"
    ], found
    langs = {r[0] for r in seeded.execute("SELECT lang FROM claims WHERE key = ?", (UNICORNS,))}
    assert langs == {"en", "zh"}


def test_smic_process_nodes_conflict(seeded: sqlite3.Connection) -> None:
    found = events(seeded, f"key = '{SMIC_NODE}'")
    assert found[0] == ("new", "seed-0", 14.0, None), found
    conflicts = {(source, value) for kind, source, value, _ in found if kind == "conflict"}
    assert {("seed-3", 5.0), ("seed-4", 3.0)} <= conflicts, found
    assert not [e for e in found if e[0] == "corroborated"], found


def test_a_3nm_chip_without_a_named_maker_is_not_smics(seeded: sqlite3.Connection) -> None:
    """Seed 2's 3nm chips are "a group of young engineers'"; SMIC is named two paragraphs on."""
    assert events(seeded, "source = 'seed-2' AND subject = 'SMIC'") == []
    row = seeded.execute(
        "SELECT key, comparable FROM claims WHERE source = 'seed-2' AND unit = 'nm'"
    ).fetchone()
    assert row is not None and (row["key"] != SMIC_NODE or not row["comparable"]), dict(row)


def test_foreign_talent_figures_differ_and_engineers_are_not_talent(
    seeded: sqlite3.Connection,
) -> None:
    talent = seeded.execute(
        "SELECT source, value FROM claims WHERE subject = 'Shanghai' AND metric = 'foreign talent'"
    ).fetchall()
    assert {tuple(r) for r in talent} == {("seed-2", 28000.0), ("seed-4", 42000.0)}
    # Seed 4's "28,000 engineers" is another figure with the same number: it ties nothing.
    assert events(seeded, "new_value = 28000 AND kind != 'new'") == []


def test_unrelated_figures_do_not_tie_articles(seeded: sqlite3.Connection) -> None:
    others = events(seeded, f"kind != 'new' AND key NOT IN ('{UNICORNS}', '{SMIC_NODE}')")
    assert len(others) <= 2, others
    assert events(seeded, "kind = 'removed'") == []


def test_extract_drops_the_spam_and_keeps_the_title() -> None:
    from click.testing import CliRunner

    from deltawatch import cli

    result = CliRunner().invoke(
        cli, ["extract", str(FIXTURES / "2_zhangjiang_rising.txt"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data = data[0] if isinstance(data, list) else data
    assert data["title"] == "Zhangjiang Rising: Shanghai's bid to lead China's tech race"
    assert "爱上海" not in data["text"] and "hotline" not in data["text"]
    assert {(c["value"], c["unit"]) for c in data["claims"]} >= {(43.0, "count"), (3.0, "nm")}
