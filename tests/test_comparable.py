"""Which figures may tie two articles together: a named subject and a metric that says what."""

from __future__ import annotations

import pytest

from pipelines.figures import extract_claims
from pipelines.figures.comparable import judge
from seeds.lexicon import load_metrics


def verdict(origin: str, metric: str, unit: str = "count") -> tuple[bool, str | None]:
    v = judge(subject_origin=origin, metric=metric, unit=unit, lexicon=load_metrics())  # type: ignore[arg-type]
    return v.comparable, v.reason


@pytest.mark.parametrize(
    "metric",
    [
        "unicorns",
        "national laboratories",
        "process node",
        "colour option",
        "global innovation index",
    ],
)
def test_a_named_subject_and_a_specific_metric_are_comparable(metric: str) -> None:
    assert verdict("named", metric) == (True, None)
    assert verdict("reference", metric)[0] and verdict("hint", metric)[0]


@pytest.mark.parametrize("origin", ["default", "none"])
def test_a_default_subject_is_not_a_name(origin: str) -> None:
    comparable, reason = verdict(origin, "unicorns")
    assert not comparable and reason


@pytest.mark.parametrize(
    ("metric", "unit"),
    [
        ("count", "count"),
        ("amount", "usd"),
        ("share", "%"),
        ("duration", "year"),
        ("people", "count"),
        ("number of people", "count"),
        ("fans", "count"),
        ("kg", "kg"),
        ("人", "count"),
        ("数量", "count"),
    ],
)
def test_generic_metrics_are_not_comparable(metric: str, unit: str) -> None:
    comparable, reason = verdict("named", metric, unit)
    assert not comparable and reason is not None and "generic" in reason


@pytest.mark.parametrize(
    ("metric", "why"),
    [
        ("decline of index fell", "market"),
        ("nikkei gain", "market"),
        ("prison term", "age"),
        ("saves", "score"),
        ("goals", "score"),
        ("指数涨幅", "market"),
    ],
)
def test_market_quotes_ages_and_scores_are_never_comparable(metric: str, why: str) -> None:
    comparable, reason = verdict("named", metric)
    assert not comparable and reason is not None and why in reason


def test_the_claim_carries_the_verdict_and_a_list_item_keeps_its_lead_in_subject() -> None:
    text = "Shanghai's tech scene keeps growing.\nThe city now hosts:\n- 43 unicorn startups"
    [claim] = extract_claims(text, lang="en")
    assert (claim.key, claim.comparable, claim.reason) == ("shanghai|unicorns|count", True, None)
    [alone] = extract_claims(
        "Shanghai's tech scene keeps growing.\n- 43 unicorn startups", lang="en"
    )
    assert not alone.comparable  # no lead-in: the subject is only the article's default
