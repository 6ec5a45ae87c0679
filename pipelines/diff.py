"""The diff: one article version's figures against what the store already knows.

Pure functions over plain values. Storage supplies where the other sources stand on a
key (:class:`Positions`: ``pipelines/positions.py`` reads the few figures that decide it,
through indexes), this module decides the events, storage writes them.

Event kinds (DESIGN.md): ``new``, ``corroborated``, ``conflict``, ``changed``,
``removed``. Periods are part of the key, so 2023 and 2024 figures are a time
series, never a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, Protocol, TypeVar, runtime_checkable

__all__ = [
    "EVENT_KINDS",
    "Listed",
    "Positions",
    "Prior",
    "RevisionPair",
    "Standing",
    "agreement_range",
    "agrees",
    "diff_version",
    "metric_similarity",
    "metric_words",
    "report_order",
]

T = TypeVar("T")

#: The event kinds of the change log (DESIGN.md), in the order people read them.
EVENT_KINDS = ("new", "corroborated", "conflict", "changed", "removed")

#: Relative tolerance for two "exact" figures to agree (rounding: 3.2 vs 3.21).
EXACT_TOLERANCE = 0.005
#: Relative tolerance for "about"/"nearly" figures.
LOOSE_TOLERANCE = 0.10

_WORD = re.compile(r"\w+")
#: Hedges that widen agreement to :data:`LOOSE_TOLERANCE`.
_LOOSE = frozenset({"about", "nearly", "range"})


class Prior(NamedTuple):
    """A stored claim the new version is compared with.

    A named tuple: the diff builds one per key and source, hundreds per article in a mature
    store, and a tuple is built in half the time of a frozen dataclass.
    """

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
    comparable: bool = True  # may tie articles together (pipelines/figures/comparable.py)
    sentence: str | None = None


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
    largest = max(abs(a), abs(b))
    if largest == 0:
        return False
    rel = abs(a - b) / largest
    if rel <= EXACT_TOLERANCE:  # agrees however either is hedged (the checks below widen it)
        return True
    if a_approx == b_approx and a_approx in ("exact", "over", "under"):
        return False  # the diff's commonest question: read once per prior, hundreds an article
    if (a_approx in _LOOSE or b_approx in _LOOSE) and rel <= LOOSE_TOLERANCE:
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
    return False


#: How far apart two values may be and still agree when either is hedged: "under 100"
#: agrees down to 50, "over 100" up to 150, and each bound with the exact tolerance.
_HEDGED_REACH = 2.0 / (1 - EXACT_TOLERANCE)
#: The range of two exact values, widened a little so that rounding never leaves one out.
_EXACT_REACH = 1 / (1 - 1.2 * EXACT_TOLERANCE)


def agreement_range(value: float, approx: str, *, prior_exact: bool) -> tuple[float, float]:
    """The values a prior must lie within to agree with ``value`` (a necessary condition).

    :func:`agrees` has the last word; this range lets the store leave out, without a Python
    row each, the priors that cannot agree: within 0.5% when both figures are exact (the
    common case), within a factor of two when either is hedged, never across zero.
    ``tests/test_diff.py`` checks that no pair :func:`agrees` on falls outside it.
    """
    reach = _EXACT_REACH if approx == "exact" and prior_exact else _HEDGED_REACH
    low, high = abs(value) / reach, abs(value) * reach
    return (low, high) if value >= 0 else (-high, -low)


#: Words that say nothing about what is measured; left out of the fuzzy comparison.
_FILLER = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "for",
        "at",
        "to",
        "by",
        "and",
        "or",
        "s",
        "its",
        "their",
        "china",
        "chinese",
        "city",
        "number",
        "total",
        "amount",
    }
)


@lru_cache(maxsize=65536)
def metric_words(metric: str) -> frozenset[str]:
    """The content words :func:`metric_similarity` compares (lowercased, ``'s`` and filler
    words removed): a metric sharing none of them with another scores 0. Cached: the fuzzy
    match scores a new metric against every known metric of a subject and unit, thousands
    in a store of a million claims, each time one is reported."""
    return frozenset(w for w in _WORD.findall(metric.lower().replace("'s", "")) if w not in _FILLER)


def metric_similarity(a: str, b: str) -> float:
    """Overlap (Jaccard) of the content words of two metric names, for the fuzzy match.

    Filler words are left out first, or "share of China's advanced chip output" and
    "share of China's output value" would look alike for their "of China's".
    """
    wa, wb = metric_words(a), metric_words(b)
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
        "prior_sentence": prior.sentence if prior else None,
    }


def _unique_by_key(claims: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """One figure per key and version: the first mention (the lede) speaks for the article.

    The first *comparable* mention, where there is one: a headline's "3nm milestone" whose
    company is only named in the body defers to the body's "SMIC has reached 3nm".
    """
    out: dict[str, Mapping[str, Any]] = {}
    for claim in claims:
        first = out.setdefault(claim["key"], claim)
        if not first.get("comparable", True) and claim.get("comparable", True):
            out[claim["key"]] = claim
    return _keep_precise(
        out,
        fact=lambda c: (c["subject"], c["unit"], c["value"], c["approx"]),
        metric=lambda c: c.get("metric") or "",
    )


def _keep_precise(
    by_key: dict[Any, T], *, fact: Callable[[T], tuple[Any, ...]], metric: Callable[[T], str]
) -> dict[Any, T]:
    """Drop a figure that another figure of the same version states more precisely.

    Same subject, unit, value and hedge, and its metric's words a subset of the other's: a
    headline's "1,200 companies" beside the body's "1,200 AI companies" is one fact, and
    makes one event.
    """
    groups: dict[tuple[Any, ...], list[set[str]]] = {}
    for item in by_key.values():
        groups.setdefault(fact(item), []).append(metric_words(metric(item)))
    return {
        key: item
        for key, item in by_key.items()
        if not any(metric_words(metric(item)) < words for words in groups[fact(item)])
    }


class Standing(NamedTuple):
    """Where the other articles stand on one key against a new figure: all the diff reports.

    ``None`` in place of a standing means no article has a comparable figure on the key.
    """

    independent: bool  # a prior that is not a syndicated copy of the new article exists
    agreeing: Prior | None  # another source's earliest report that agrees
    differing: Prior | None  # another source's latest report that does not
    own: Prior | None  # the new article's source's own report (in another article)


@runtime_checkable
class Positions(Protocol):
    """Where each source stands on the keys of a new version: what the diff compares with.

    The store answers it from ``key_sources`` (``pipelines.positions.StoredPositions``),
    reading only the few priors a standing needs; :class:`Listed` answers it from lists.
    """

    def __contains__(self, key: object) -> bool:
        """Has any other article a current figure on the key?"""
        ...

    def standing(self, key: str, value: float, approx: str, source: str) -> Standing | None:
        """Where the others stand on ``key`` against a figure of ``source``."""
        ...


class Listed:
    """:class:`Positions` over lists of priors by key, judged in one pass, in any order.

    Each prior is judged once: the earliest report that agrees, the latest that differs, the
    source's own latest (by report time, then claim id).
    """

    def __init__(self, others: Mapping[str, Sequence[Prior]]) -> None:
        self.others = others

    def __contains__(self, key: object) -> bool:
        return key in self.others

    def standing(self, key: str, value: float, approx: str, source: str) -> Standing | None:
        priors = [p for p in self.others.get(key, ()) if p.comparable]
        if not priors:
            return None
        independent = False
        agreeing: Prior | None = None
        differing: Prior | None = None
        own: Prior | None = None
        for p in priors:
            if not p.independent:
                continue  # the same story syndicated: not a second voice
            independent = True
            if p.source == source:
                if own is None or report_order(p) >= report_order(own):
                    own = p
            elif agrees(p.value, p.approx, value, approx):
                if agreeing is None or report_order(p) < report_order(agreeing):
                    agreeing = p
            elif differing is None or report_order(p) >= report_order(differing):
                differing = p
        return Standing(independent, agreeing, differing, own)


def report_order(prior: Prior) -> tuple[str, int]:
    """When a prior was reported: its time, then its claim id (the order claims were stored)."""
    return prior.reported_at, prior.claim_id


#: One figure's fate in a revision, from :func:`pipelines.revisions.align_versions`:
#: (``changed`` | ``same`` | ``removed`` | ``added``, the old figure, the new figure).
RevisionPair = tuple[str, Prior | None, Mapping[str, Any] | None]


def diff_version(
    claims: Sequence[Mapping[str, Any]],
    *,
    context: Mapping[str, Any],
    others: Positions | Mapping[str, Sequence[Prior]],
    fuzzy: Mapping[str, tuple[str, str]] | None = None,
    revision: Sequence[RevisionPair] | None = None,
    previous: Sequence[Prior] = (),
) -> list[dict[str, Any]]:
    """Events for one new article version.

    Args:
        claims: the version's figures (claim dicts with ``id`` once stored).
        context: ``source``, ``article_id``, ``article_url``, ``version_id``, ``run_id``.
        others: where *other* articles stand on the version's keys (:class:`Positions`),
            or their current figures by key, in any order (read through :class:`Listed`).
        fuzzy: for keys with no exact match, a known key matched on subject, unit and a
            similar metric, with the reason the match was made.
        revision: for a new version of a known article, its figures aligned with the
            previous version's (only those in edited, added or deleted sentences).
        previous: the previous version's figures (all of them), so that a figure said
            again elsewhere in the article is not taken for news.

    A first version reports each key once (its first mention): comparable figures are
    compared with other articles, the others are ``new``. A revision reports what its
    alignment says: a figure edited in place is ``changed``, one only in deleted sentences
    ``removed``, one only in added sentences is compared like a first report.
    """
    fuzzy = fuzzy or {}
    positions = others if isinstance(others, Positions) else Listed(others)
    if revision is None:
        firsts = _unique_by_key(claims).values()
        return [e for claim in firsts for e in _first_report(claim, context, positions, fuzzy)]
    events: list[dict[str, Any]] = []
    added: list[Mapping[str, Any]] = []
    edited: list[tuple[Prior, Mapping[str, Any]]] = []
    for kind, old, new in revision:
        if kind == "changed" and old is not None and new is not None:
            edited.append((old, new))
        elif kind == "removed" and old is not None and not _still_said(old, claims):
            gone = {
                "key": old.key,
                "subject": old.subject,
                "metric": old.metric,
                "unit": old.unit,
                "value": None,
                "sentence": old.sentence,
            }
            events.append(_event("removed", gone, context, old, "revision"))
        elif kind == "added" and new is not None and not _said_before(new, previous):
            added.append(new)
    # One edit stated twice (headline and body, lede and recap) is one event: the most
    # precisely worded of the figures with the same subject, unit, old and new value.
    precise = _keep_precise(
        dict(enumerate(edited)),
        fact=lambda e: (e[1]["subject"], e[1]["unit"], e[0].value, e[1]["value"]),
        metric=lambda e: e[1].get("metric") or "",
    )
    seen: set[tuple[Any, ...]] = set()
    changed = []
    for old, new in precise.values():
        fact = (new["subject"], new["unit"], old.value, new["value"])
        if fact not in seen:
            seen.add(fact)
            changed.append(_event("changed", new, context, old, "revision"))
    events[:0] = changed
    for claim in _unique_by_key(added).values():
        events.extend(_first_report(claim, context, positions, fuzzy))
    return events


def _still_said(old: Prior, claims: Sequence[Mapping[str, Any]]) -> bool:
    """Does the new version still carry this figure elsewhere (a repeated mention removed)?"""
    return any(
        c["key"] == old.key and agrees(old.value, old.approx, c["value"], c["approx"])
        for c in claims
    )


def _said_before(claim: Mapping[str, Any], previous: Sequence[Prior]) -> bool:
    """Did the previous version already carry this figure (a repeated mention added)?"""
    return any(
        p.key == claim["key"] and agrees(p.value, p.approx, claim["value"], claim["approx"])
        for p in previous
    )


def _first_report(
    claim: Mapping[str, Any],
    context: Mapping[str, Any],
    positions: Positions,
    fuzzy: Mapping[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    """A figure the article reports for the first time: compared across articles if it may be.

    Corroboration, conflict, or a source changing its own figure across articles.
    """
    key = claim["key"]
    if not claim.get("comparable", True):
        return [_event("new", claim, context, None, "none")]
    value, approx, source = claim["value"], claim["approx"], context["source"]
    match = "key"
    standing = positions.standing(key, value, approx, source)
    if standing is None and key in fuzzy:
        known, match = fuzzy[key]
        standing = positions.standing(known, value, approx, source)
    if standing is None:
        return [_event("new", claim, context, None, "none")]
    if not standing.independent:
        return []  # only syndicated copies know this figure: nothing independent to say
    events = []
    if standing.agreeing is not None:
        events.append(_event("corroborated", claim, context, standing.agreeing, match))
    if standing.differing is not None:
        events.append(_event("conflict", claim, context, standing.differing, match))
    own = standing.own
    if own is not None and not agrees(own.value, own.approx, value, approx):
        events.append(_event("changed", claim, context, own, f"{match}; same source"))
    return events
