"""The diff: one article version's figures against what the store already knows.

Pure functions over plain values. Storage supplies the prior claims (by key,
through indexes), this module decides the events, storage writes them.

Event kinds (DESIGN.md): ``new``, ``corroborated``, ``conflict``, ``changed``,
``removed``. Periods are part of the key, so 2023 and 2024 figures are a time
series, never a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["EVENT_KINDS", "Prior", "agrees", "diff_version", "metric_similarity"]

T = TypeVar("T")

#: The event kinds of the change log (DESIGN.md), in the order people read them.
EVENT_KINDS = ("new", "corroborated", "conflict", "changed", "removed")

#: Relative tolerance for two "exact" figures to agree (rounding: 3.2 vs 3.21).
EXACT_TOLERANCE = 0.005
#: Relative tolerance for "about"/"nearly" figures.
LOOSE_TOLERANCE = 0.10

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Prior:
    """A stored claim the new version is compared with."""

    claim_id: int
    key: str
    value: float
    approx: str
    unit: str
    subject: str
    metric: str
    source: str
    article_id: int
    article_url: str
    version_id: int
    reported_at: str
    independent: bool = True  # False for the same article or a syndicated copy


def agrees(a: float, a_approx: str, b: float, b_approx: str) -> bool:
    """Do two reported values say the same thing, given how they were hedged?

    "over 400" agrees with 400 and with 430; "nearly 50%" with 48% and 50%;
    "about 1,000" with anything within 10%. Two exact values must be equal up
    to rounding, and so must two bounds of the same direction: "over 1,200" and
    "over 1,500" are compatible in logic, but they are different reports of the
    figure, which is what the change log is for.
    """
    if a == b:
        return True
    if max(abs(a), abs(b)) == 0:
        return False
    rel = abs(a - b) / max(abs(a), abs(b))
    if a_approx == b_approx and a_approx in ("over", "under"):
        return rel <= EXACT_TOLERANCE
    loose = {a_approx, b_approx} & {"about", "nearly", "range"}
    if loose and rel <= LOOSE_TOLERANCE:
        return True
    if "over" in (a_approx, b_approx):
        floor = a if a_approx == "over" else b
        other = b if a_approx == "over" else a
        if other >= floor * (1 - EXACT_TOLERANCE) and other <= floor * 1.5:
            return True
    if "under" in (a_approx, b_approx):
        ceiling = a if a_approx == "under" else b
        other = b if a_approx == "under" else a
        if other <= ceiling * (1 + EXACT_TOLERANCE) and other >= ceiling * 0.5:
            return True
    return rel <= EXACT_TOLERANCE


#: Words that say nothing about what is measured; left out of the fuzzy comparison.
_FILLER = frozenset({
    "a", "an", "the", "of", "in", "on", "for", "at", "to", "by", "and", "or", "s", "its",
    "their", "china", "chinese", "city", "number", "total", "amount",
})  # fmt: skip


def _content_words(metric: str) -> set[str]:
    return {w for w in _WORD.findall(metric.lower().replace("'s", "")) if w not in _FILLER}


def metric_similarity(a: str, b: str) -> float:
    """Overlap (Jaccard) of the content words of two metric names, for the fuzzy match.

    Filler words are left out first, or "share of China's advanced chip output" and
    "share of China's output value" would look alike for their "of China's".
    """
    wa, wb = _content_words(a), _content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def _event(
    kind: str, claim: Mapping[str, Any], ctx: Mapping[str, Any], prior: Prior | None, match: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": claim["key"],
        "subject": claim["subject"],
        "metric": claim["metric"],
        "unit": claim["unit"],
        "period": claim.get("period"),
        "old_value": prior.value if prior else None,
        "new_value": claim["value"] if kind != "removed" else None,
        "source": ctx["source"],
        "article_id": ctx["article_id"],
        "article_url": ctx["article_url"],
        "version_id": ctx["version_id"],
        "run_id": ctx.get("run_id"),
        "claim_id": claim.get("id"),
        "prior_source": prior.source if prior else None,
        "prior_article_url": prior.article_url if prior else None,
        "prior_version_id": prior.version_id if prior else None,
        "prior_claim_id": prior.claim_id if prior else None,
        "match": match,
        "sentence": claim.get("sentence"),
    }


def _unique_by_key(claims: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """One figure per key and version: the first mention (the lede) speaks for the article."""
    out: dict[str, Mapping[str, Any]] = {}
    for claim in claims:
        out.setdefault(claim["key"], claim)
    return _keep_precise(
        out, fact=lambda c: (c["subject"], c["unit"], c["value"], c["approx"]),
        metric=lambda c: c.get("metric") or "",
    )  # fmt: skip


def _keep_precise(
    by_key: dict[str, T], *, fact: Callable[[T], tuple[Any, ...]], metric: Callable[[T], str]
) -> dict[str, T]:
    """Drop a figure that another figure of the same version states more precisely.

    Same subject, unit, value and hedge, and its metric's words a subset of the other's: a
    headline's "1,200 companies" beside the body's "1,200 AI companies" is one fact, and
    makes one event.
    """
    groups: dict[tuple[Any, ...], list[set[str]]] = {}
    for item in by_key.values():
        groups.setdefault(fact(item), []).append(_content_words(metric(item)))
    return {
        key: item
        for key, item in by_key.items()
        if not any(_content_words(metric(item)) < words for words in groups[fact(item)])
    }


def diff_version(
    claims: Sequence[Mapping[str, Any]],
    *,
    context: Mapping[str, Any],
    previous: Sequence[Prior] = (),
    others: Mapping[str, Sequence[Prior]],
    fuzzy: Mapping[str, tuple[Sequence[Prior], str]] | None = None,
) -> list[dict[str, Any]]:
    """Events for one new article version.

    Args:
        claims: the version's figures (claim dicts with ``id`` once stored).
        context: ``source``, ``article_id``, ``article_url``, ``version_id``, ``run_id``.
        previous: the figures of this article's previous trusted version.
        others: by key, current figures of *other* articles (oldest first).
        fuzzy: for keys with no exact match, figures matched on subject, unit
            and a similar metric, with the reason the match was made.
    """
    events: list[dict[str, Any]] = []
    fuzzy = fuzzy or {}
    before = {p.key: p for p in previous}
    before = _keep_precise(
        before, fact=lambda p: (p.subject, p.unit, p.value, p.approx), metric=lambda p: p.metric or ""
    )
    now = _unique_by_key(claims)
    for key, claim in now.items():
        old = before.get(key)
        if old is not None:
            if not agrees(old.value, old.approx, claim["value"], claim["approx"]):
                events.append(_event("changed", claim, context, old, "revision"))
            continue
        match = "key"
        priors = list(others.get(key, ()))
        if not priors and key in fuzzy:
            priors, match = list(fuzzy[key][0]), fuzzy[key][1]
        if not priors:
            events.append(_event("new", claim, context, None, "none"))
            continue
        events.extend(_compare_with_others(claim, context, priors, match))
    for key, old in before.items():
        if key not in now:
            removed = {
                "key": key,
                "subject": old.subject,
                "metric": old.metric,
                "unit": old.unit,
                "value": None,
            }
            events.append(_event("removed", removed, context, old, "revision"))
    return events


def _compare_with_others(
    claim: Mapping[str, Any], context: Mapping[str, Any], priors: list[Prior], match: str
) -> list[dict[str, Any]]:
    """Corroboration, conflict, or a source changing its own figure across articles."""
    source = context["source"]
    independent = [p for p in priors if p.independent]
    if not independent:
        return []  # only syndicated copies know this figure: nothing independent to say
    value, approx = claim["value"], claim["approx"]
    same_source = [p for p in independent if p.source == source]
    other_sources = [p for p in independent if p.source != source]
    events = []
    agreeing = [p for p in other_sources if agrees(p.value, p.approx, value, approx)]
    differing = [p for p in other_sources if not agrees(p.value, p.approx, value, approx)]
    if agreeing:
        events.append(_event("corroborated", claim, context, agreeing[0], match))
    if differing:
        events.append(_event("conflict", claim, context, differing[-1], match))
    if same_source:
        latest = same_source[-1]
        if not agrees(latest.value, latest.approx, value, approx):
            events.append(_event("changed", claim, context, latest, f"{match}; same source"))
    return events
