"""The diff stage as pure functions: which event each situation gives, and why."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipelines.diff import Prior, agreement_range, agrees, diff_version, metric_similarity

CTX = {
    "source": "pujiang-post",
    "article_id": 7,
    "article_url": "http://x/7",
    "version_id": 70,
    "run_id": 3,
}


def claim(key: str, value: float, approx: str = "exact", **extra: Any) -> dict[str, Any]:
    subject, metric, unit = key.split("|")[:3]
    return {
        "key": key,
        "value": value,
        "approx": approx,
        "subject": subject,
        "metric": metric,
        "unit": unit,
        "id": 1000,
        "sentence": f"{metric} is {value}",
        **extra,
    }


def prior(
    key: str,
    value: float,
    source: str,
    *,
    approx: str = "exact",
    article: int = 1,
    independent: bool = True,
    claim_id: int = 1,
) -> Prior:
    subject, metric, unit = key.split("|")[:3]
    return Prior(
        claim_id=claim_id,
        key=key,
        value=value,
        approx=approx,
        unit=unit,
        subject=subject,
        metric=metric,
        source=source,
        article_id=article,
        article_url=f"http://x/{article}",
        version_id=article * 10,
        reported_at="2026-03-01T00:00:00+00:00",
        independent=independent,
    )


UNICORNS = "shanghai|unicorns|count"
NODE = "smic|process node|nm"


@pytest.mark.parametrize(
    ("a", "a_approx", "b", "b_approx", "expected"),
    [
        (43, "exact", 43, "exact", True),
        (3.2, "exact", 3.21, "exact", True),  # rounding
        (5, "exact", 3, "exact", False),
        (400, "over", 400, "exact", True),  # "over 400" agrees with 400 ...
        (400, "over", 430, "exact", True),  # ... and with 430
        (400, "over", 300, "exact", False),
        (1200, "over", 1500, "over", False),  # two different lower bounds: a different report
        (50, "nearly", 48, "exact", True),
        (1000, "about", 1090, "exact", True),
        (1000, "about", 1200, "exact", False),
        (100, "under", 80, "exact", True),
        (0, "exact", 1, "exact", False),
    ],
)
def test_agreement_respects_how_a_figure_is_hedged(a, a_approx, b, b_approx, expected) -> None:
    assert agrees(a, a_approx, b, b_approx) is expected
    assert agrees(b, b_approx, a, a_approx) is expected


HEDGES = st.sampled_from(["exact", "over", "under", "about", "nearly", "range"])
VALUES = st.one_of(st.floats(-1e13, 1e13, allow_nan=False), st.integers(-5000, 5000).map(float))


@given(VALUES, HEDGES, VALUES, HEDGES, st.floats(0.2, 2.5))
@example(100.0, "under", 50.0, "exact", 1.0)  # the widest reach: a bound and half of it
@example(100.0, "exact", 99.5, "exact", 1.0)  # two exact values at the rounding tolerance
@example(-100.0, "about", -91.0, "exact", 1.0)
@example(0.0, "over", 0.0, "exact", 1.0)
def test_no_agreeing_value_falls_outside_the_agreement_range(
    value: float, approx: str, other: float, other_approx: str, scale: float
) -> None:
    """The store leaves out the priors outside the range unread: none of them may agree."""
    for prior_value in (other, value * scale):  # any value, and values near this one
        if agrees(prior_value, other_approx, value, approx):
            low, high = agreement_range(value, approx, prior_exact=other_approx == "exact")
            assert low <= prior_value <= high, (low, high)


def test_fuzzy_metric_similarity_ignores_filler_words() -> None:
    assert metric_similarity("unicorn startups", "startups unicorn") == 1.0
    assert (
        metric_similarity("share of China's advanced chip output", "share of China's output value")
        < 0.6
    )
    assert metric_similarity("the", "of") == 0.0


def test_first_report_anywhere_is_new() -> None:
    [event] = diff_version([claim(UNICORNS, 43)], context=CTX, others={})
    assert event["kind"] == "new" and event["new_value"] == 43 and event["old_value"] is None
    assert event["run_id"] == 3 and event["version_id"] == 70 and event["claim_id"] == 1000


def test_another_source_with_the_same_value_corroborates() -> None:
    others = {UNICORNS: [prior(UNICORNS, 43, "shenhai-keji", claim_id=5)]}
    [event] = diff_version([claim(UNICORNS, 43)], context=CTX, others=others)
    assert event["kind"] == "corroborated"
    assert event["prior_source"] == "shenhai-keji" and event["prior_claim_id"] == 5
    assert event["match"] == "key"


def test_another_source_with_a_different_value_conflicts() -> None:
    others = {NODE: [prior(NODE, 3, "delta-wire")]}
    [event] = diff_version([claim(NODE, 5)], context=CTX, others=others)
    assert (event["kind"], event["old_value"], event["new_value"]) == ("conflict", 3, 5)


def test_a_syndicated_copy_is_not_independent_corroboration() -> None:
    others = {UNICORNS: [prior(UNICORNS, 43, "delta-wire", independent=False)]}
    assert diff_version([claim(UNICORNS, 43)], context=CTX, others=others) == []


def test_a_revision_that_changes_a_figure_is_changed_and_one_that_drops_it_removed() -> None:
    ai_before = prior("shanghai|ai companies|count", 1200, "pujiang-post", approx="over", article=7)
    chips = prior("shanghai|chip design companies|count", 600, "pujiang-post", article=7)
    ai_now = claim("shanghai|ai companies|count", 1500, "over")
    now = [ai_now, claim(UNICORNS, 43)]
    revision = [("changed", ai_before, ai_now), ("removed", chips, None)]
    events = diff_version(now, context=CTX, revision=revision, others={})
    kinds = {(e["kind"], e["key"], e["old_value"], e["new_value"]) for e in events}
    assert kinds == {
        ("changed", "shanghai|ai companies|count", 1200, 1500),
        ("removed", "shanghai|chip design companies|count", 600, None),
    }  # the unchanged 43 unicorns (not in the alignment) says nothing new


def test_a_figure_added_by_a_revision_is_compared_like_a_first_report() -> None:
    added = claim(UNICORNS, 43)
    others = {UNICORNS: [prior(UNICORNS, 43, "shenhai-keji", claim_id=5)]}
    [event] = diff_version([added], context=CTX, revision=[("added", None, added)], others=others)
    assert event["kind"] == "corroborated"


def test_a_repeated_mention_added_or_removed_is_not_news() -> None:
    said = prior(UNICORNS, 43, "pujiang-post", article=7)
    again = claim(UNICORNS, 43)
    events = diff_version(
        [again, claim(UNICORNS, 43)],
        context=CTX,
        previous=[said],
        revision=[("added", None, again)],
        others={},
    )
    assert events == []
    events = diff_version(
        [again], context=CTX, previous=[said, said], revision=[("removed", said, None)], others={}
    )
    assert events == []  # the article still says 43


def test_figures_that_are_not_comparable_never_tie_articles_together() -> None:
    age = claim("united states|count|count", 55, comparable=False, reason="generic metric")
    others = {"united states|count|count": [prior("united states|count|count", 5232, "x")]}
    [event] = diff_version([age], context=CTX, others=others)
    assert event["kind"] == "new"


def test_a_later_article_of_the_same_source_with_another_value_is_changed() -> None:
    others = {UNICORNS: [prior(UNICORNS, 40, "pujiang-post", article=2)]}
    [event] = diff_version([claim(UNICORNS, 43)], context=CTX, others=others)
    assert event["kind"] == "changed" and event["match"] == "key; same source"


def test_different_periods_are_a_time_series_not_a_conflict() -> None:
    key_2024, key_2025 = "shanghai|vc investment|usd|2024", "shanghai|vc investment|usd|2025"
    others = {key_2024: [prior(key_2024, 87e9, "delta-wire")]}
    [event] = diff_version([claim(key_2025, 91e9, period="2025")], context=CTX, others=others)
    assert event["kind"] == "new"


def test_one_event_per_key_per_version_the_first_mention_speaks() -> None:
    others = {UNICORNS: [prior(UNICORNS, 43, "shenhai-keji")]}
    events = diff_version([claim(UNICORNS, 43), claim(UNICORNS, 45)], context=CTX, others=others)
    assert [e["kind"] for e in events] == ["corroborated"]


def test_fuzzy_matches_carry_their_reason() -> None:
    firms = "shanghai|unicorn firms|count"
    others = {firms: [prior(firms, 43, "x")]}
    fuzzy = {UNICORNS: (firms, "fuzzy: ...")}
    [event] = diff_version([claim(UNICORNS, 43)], context=CTX, others=others, fuzzy=fuzzy)
    assert event["kind"] == "corroborated" and event["match"] == "fuzzy: ..."


def test_a_headline_figure_stated_better_in_the_body_makes_one_event() -> None:
    vague = claim("shanghai|companies|count", 1200, "over")
    precise = claim("shanghai|ai companies|count", 1200, "over")
    events = diff_version([vague, precise], context=CTX, others={})
    assert [e["key"] for e in events] == ["shanghai|ai companies|count"]
    # a different value is a different fact: both stay
    other = claim("shanghai|companies|count", 900)
    assert len(diff_version([other, precise], context=CTX, others={})) == 2


def test_one_edit_stated_twice_in_a_revision_makes_one_event() -> None:
    """The headline's "1,200 companies" and the body's "1,200 AI companies" both become 1,500."""
    vague_before = prior("shanghai|companies|count", 1200, "pujiang-post", approx="over", article=7)
    precise_before = prior(
        "shanghai|ai companies|count", 1200, "pujiang-post", approx="over", article=7
    )
    vague = claim("shanghai|companies|count", 1500, "over")
    precise = claim("shanghai|ai companies|count", 1500, "over")
    revision = [("changed", vague_before, vague), ("changed", precise_before, precise)]
    events = diff_version([vague, precise], context=CTX, revision=revision, others={})
    assert [(e["kind"], e["key"]) for e in events] == [("changed", "shanghai|ai companies|count")]
