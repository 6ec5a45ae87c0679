"""Reading the store as a person does (issue 13): times with offsets, limits that say so,
human numbers in tables that fit 80 columns, and search that finds short Chinese words.

A small store is written through the real ``Store`` with a fixed clock: an English
article whose revision moves a figure from 87 bn to 91 bn USD, a Chinese one reporting
4,500亿元, and two English ones, one about AI and one that only has "ai" inside words.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.cells import cell_len

from deltawatch import cli
from sharing.numbers import human
from sharing.tables import Column, fit
from storage.queries import parse_since
from storage.store import Store
from tests.versions import save_version

BASE = "http://127.0.0.1:9"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _claim(key: str, value: float, unit: str, lang: str, sentence: str) -> dict[str, Any]:
    subject, metric = key.split("|")[:2]
    return {
        "key": key,
        "subject": subject,
        "metric": metric,
        "unit": unit,
        "value": value,
        "approx": "exact",
        "period": None,
        "sentence": sentence,
        "start": 0,
        "end": 2,
        "lang": lang,
    }


def _page(
    store: Store,
    *,
    run: int,
    source: str,
    path: str,
    title: str,
    text: str,
    lang: str,
    claims: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> int:
    url = BASE + path
    with store.transaction():
        v, ids = save_version(
            store,
            source=source,
            url=url,
            text=text,
            claims=claims,
            run_id=run,
            title=title,
            published="2026-12-01",
            lang=lang,
        )
        store.add_events(
            [
                {
                    "key": c["key"],
                    "subject": c["subject"],
                    "metric": c["metric"],
                    "unit": c["unit"],
                    "new_value": c["value"],
                    "run_id": run,
                    "source": source,
                    "article_id": v.article_id,
                    "article_url": url,
                    "version_id": v.version_id,
                    "claim_id": claim_id,
                    "sentence": c["sentence"],
                    **event,
                }
                for c, claim_id, event in zip(claims, ids, events, strict=True)
            ]
        )
    return v.article_id


VC = "shanghai|vc investment|usd"
IC = "上海|集成电路产业规模|cny"


@pytest.fixture
def news_store(db_path: Path) -> Path:
    """Events at 22:00 and 22:30 UTC on Dec 1, then 23:30 UTC (07:30 in Shanghai, Dec 2)."""
    clock = Clock()
    store = Store(db_path, clock=clock)
    store.sync_sources(
        [
            {
                "name": n,
                "kind": "page",
                "urls": [BASE],
                "language": "en",
                "topic": 1,
                "interval": "2h",
            }
            for n in ("pujiang-numbers", "shenhai-keji", "delta-wire")
        ]
    )
    run = store.start_run(trigger="manual", sources=["pujiang-numbers"])
    en = "Shanghai drew $87 billion of venture money; 1.5 million graduates; one-seventh share."
    _page(
        store,
        run=run,
        source="pujiang-numbers",
        path="/numbers.html",
        lang="en",
        title="Shanghai tech in numbers",
        text=en,
        claims=[
            _claim(VC, 8.7e10, "USD", "en", "$87 billion"),
            _claim("yrd|graduates|count", 1.5e6, "count", "en", "1.5 million graduates"),
            _claim("yrd|share of firms|%", 100 / 7, "%", "en", "one-seventh"),
        ],
        events=[{"kind": "new"}] * 3,
    )
    clock.now += timedelta(minutes=30)
    _page(
        store,
        run=run,
        source="shenhai-keji",
        path="/ic.html",
        lang="zh",
        title="上海集成电路产业规模达4500亿元",
        text="上海芯片产业规模达4500亿元。",
        claims=[_claim(IC, 4.5e11, "CNY", "zh", "规模达4500亿元")],
        events=[{"kind": "new"}],
    )
    _page(
        store,
        run=run,
        source="delta-wire",
        path="/ai.html",
        lang="en",
        title="AI start-ups draw funds",
        text="Shanghai's AI start-ups raised more.",
        claims=[],
        events=[],
    )
    _page(
        store,
        run=run,
        source="delta-wire",
        path="/rail.html",
        lang="en",
        title="Rail maintains its pace",
        text="The said train remains on time.",
        claims=[],
        events=[],
    )
    clock.now += timedelta(hours=1)
    _page(
        store,
        run=run,
        source="pujiang-numbers",
        path="/numbers.html",
        lang="en",
        title="Shanghai tech in numbers",
        text=en.replace("87", "91"),
        claims=[_claim(VC, 9.1e10, "USD", "en", "$91 billion")],
        events=[{"kind": "changed", "old_value": 8.7e10, "prior_source": "pujiang-numbers"}],
    )
    store.finish_run(run, status="ok", counts={"pages": 5})
    store.close()
    return db_path


def invoke(db: Path, *args: str, columns: int = 80) -> Result:
    return CliRunner().invoke(
        cli, ["--db", str(db), *args], env={"COLUMNS": str(columns), "NO_COLOR": "1"}
    )


def as_json(db: Path, *args: str) -> list[dict[str, Any]]:
    result = invoke(db, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- --since ------------------------------------------------------------------------------


def test_since_with_an_offset_is_compared_in_utc(news_store: Path) -> None:
    """07:00 in Shanghai on Dec 2 is 23:00 UTC on Dec 1: only the revision is after it."""
    events = as_json(news_store, "changes", "--since", "2026-12-02T07:00+08:00")
    assert [(e["kind"], e["new_value"]) for e in events] == [("changed", 9.1e10)]
    assert len(as_json(news_store, "changes", "--since", "2026-12-01")) == 5
    assert len(as_json(news_store, "changes", "--since", "2026-12-01T22:15:00Z")) == 2
    assert len(as_json(news_store, "export", "--since", "2026-12-02T07:00+08:00")) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["changes", "--since", "next week"],
        ["reprocess", "--since", "garbage"],
        ["export", "--since", "yesterday"],
    ],
)
def test_since_that_is_not_a_time_is_bad_usage(news_store: Path, args: list[str]) -> None:
    result = invoke(news_store, *args)
    assert result.exit_code == 2
    assert "not an ISO date or time" in result.output and "2026-12-02T07:00+08:00" in result.output


def test_parse_since_normalizes_dates_offsets_and_ages() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert parse_since("2026-12-02T07:00+08:00") == "2026-12-01T23:00:00+00:00"
    assert parse_since("2026-12-02") == "2026-12-02T00:00:00+00:00"
    assert parse_since("2026-12-02T07:00") == "2026-12-02T07:00:00+00:00"  # no offset: UTC
    assert parse_since("7d", now=now) == "2026-11-25T12:00:00+00:00"
    assert parse_since("12h", now=now) == "2026-12-02T00:00:00+00:00"
    with pytest.raises(ValueError, match="not an ISO date"):
        parse_since("2026-13-45")


# -- --limit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["changes"], ["claims"], ["articles"], ["sources"], ["history", VC]]
)
def test_every_list_command_takes_limit_and_says_when_the_list_is_cut(
    news_store: Path, args: list[str]
) -> None:
    everything = as_json(news_store, *args, "--limit", "0")
    assert len(everything) >= 2
    cut = invoke(news_store, *args, "--limit", "1", "--json")
    assert cut.exit_code == 0 and len(json.loads(cut.stdout)) == 1
    assert "showing the first 1" in cut.stderr and "--limit" in cut.stderr
    whole = invoke(news_store, *args, "--limit", str(len(everything)), "--json")
    assert len(json.loads(whole.stdout)) == len(everything) and whole.stderr == ""


# -- tables for people --------------------------------------------------------------------


def test_tables_show_human_numbers_and_json_keeps_raw_values(news_store: Path) -> None:
    changes = invoke(news_store, "changes", columns=120)
    assert changes.exit_code == 0, changes.output
    for shown in ("87 bn → 91 bn USD", "4,500亿元", "14.3%", "1.5 M"):
        assert shown in changes.stdout, shown
    for args in (["changes"], ["claims"], ["history", VC]):
        assert "e+" not in invoke(news_store, *args).stdout
    raw = as_json(news_store, "changes", "--kind", "changed")
    assert raw[0]["old_value"] == 8.7e10 and raw[0]["new_value"] == 9.1e10
    assert "87000000000" in invoke(news_store, "export", "--what", "claims").stdout  # CSV: raw


@pytest.mark.parametrize(
    "args", [["changes"], ["claims"], ["history", VC], ["articles"], ["sources"]]
)
def test_common_tables_fit_80_columns_with_ids_not_urls_and_whole_source_names(
    news_store: Path, args: list[str]
) -> None:
    result = invoke(news_store, *args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= 80, result.stdout
    assert "http://" not in result.stdout
    assert "pujiang-numbers" in result.stdout  # never cut to "pujiang-…"
    wide = invoke(news_store, *args, "--wide")
    assert "http://" in wide.stdout or args[0] == "sources"
    assert max(cell_len(line) for line in wide.stdout.splitlines()) > 80


def test_changes_table_names_the_article_by_id_for_diff(news_store: Path) -> None:
    [changed] = as_json(news_store, "changes", "--kind", "changed")
    row = next(
        line for line in invoke(news_store, "changes").stdout.splitlines() if "changed" in line
    )
    assert row.rstrip().endswith(f" {changed['article_id']}")


@pytest.mark.parametrize(
    ("value", "unit", "lang", "shown"),
    [
        (8.7e10, "USD", None, "87 bn USD"),
        (1.5e6, "count", None, "1.5 M"),
        (100 / 7, "%", None, "14.3%"),
        (4.5e11, "CNY", "zh", "4,500亿元"),
        (1.5e4, "count", "zh", "1.5万"),
        (42000, "count", None, "42,000"),
        (3, "nm", None, "3 nm"),
        (3, "rank", None, "#3"),
        (3, "x", None, "3x"),
        (2e9, "CNY", "en", "2 bn CNY"),
        (1.2e12, "CNY", "zh", "1.2万亿元"),
        (1e20, "USD", None, "100,000,000 tn USD"),
        (None, "USD", None, ""),
    ],
)
def test_human_numbers(value: float | None, unit: str, lang: str | None, shown: str) -> None:
    assert human(value, unit, lang=lang) == shown


def test_fit_keeps_whole_columns_and_shares_the_rest() -> None:
    columns = [Column("source", str, whole=True), Column("text", str)]
    body = [["pujiang-numbers", "a long sentence " * 10]]
    widths = fit(columns, body, 60)
    assert widths[0] == len("pujiang-numbers") and sum(widths) + 2 <= 60
    assert fit(columns, [["a", "b"]], 60) == [len("source"), len("text")]  # natural widths


# -- search -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "titles"),
    [
        ("上海", ["上海集成电路产业规模达4500亿元"]),
        ("芯片", ["上海集成电路产业规模达4500亿元"]),
        ("AI", ["AI start-ups draw funds"]),  # a word: not the "ai" in "maintains" or "Shanghai"
        ("ai", ["AI start-ups draw funds"]),
        ("集成电路", ["上海集成电路产业规模达4500亿元"]),  # 3+ characters: the trigram index
        ("venture money", ["Shanghai tech in numbers"]),
    ],
)
def test_search_finds_short_chinese_and_english_words(
    news_store: Path, term: str, titles: list[str]
) -> None:
    assert [a["title"] for a in as_json(news_store, "articles", "--search", term)] == titles


def test_a_search_that_finds_nothing_says_so(news_store: Path) -> None:
    result = invoke(news_store, "articles", "--search", "量子")
    assert result.exit_code == 0 and "no stored article mentions '量子'" in result.stdout


# -- history ------------------------------------------------------------------------------


def test_history_of_an_unknown_key_fails_and_keys_match_in_any_case(news_store: Path) -> None:
    missing = invoke(news_store, "history", "no|such|key")
    assert missing.exit_code == 1 and "no figure with key 'no|such|key'" in missing.output
    for typed in ("SHANGHAI|VC investment|USD", "shanghai | vc investment | usd"):
        assert [r["value"] for r in as_json(news_store, "history", typed)] == [8.7e10, 9.1e10]
    assert len(as_json(news_store, "claims", "--key", "Shanghai|VC Investment|USD")) == 1
