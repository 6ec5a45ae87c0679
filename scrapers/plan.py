"""Planning a round: what a crawl of a source already knows and which articles are due.

One function, :func:`plan_round`, used by a local run (:func:`scrapers.run.crawl`) and
by the cluster (:func:`scrapers.cluster.enqueue.enqueue`), so both make the same
conditional, new-or-due-only requests: changing how a round is planned changes both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from seeds.config import Source
from storage.store import Store

__all__ = ["RECHECK_BUDGET", "SourcePlan", "known_articles", "plan_round"]

#: At most this many due rechecks per source and round, most overdue first.
RECHECK_BUDGET = 200


class SourcePlan(NamedTuple):
    """One source's part of a round.

    Attributes:
        known: stored articles by every URL they are listed under (``url`` and
            ``fetched_url``), each with a ``due`` flag; the spider uses them for
            conditional requests and to skip articles that are not due.
        due: URLs of articles due for a recheck, most overdue first, at most the budget.
    """

    known: dict[str, dict[str, Any]]
    due: list[str]


def known_articles(store: Store, source: str, now: str) -> dict[str, dict[str, Any]]:
    """Stored articles of a source by every URL they are listed under, with a ``due`` flag."""
    known: dict[str, dict[str, Any]] = {}
    for row in store.known_articles(source):
        row["due"] = row["status"] == "active" and (row["next_check_at"] or "~") <= now
        known[row["url"]] = row
        if row["fetched_url"]:
            known[row["fetched_url"]] = row
    return known


def plan_round(
    store: Store, sources: Iterable[Source], *, now: str, budget: int = RECHECK_BUDGET
) -> dict[str, SourcePlan]:
    """Each source's known articles and due rechecks at ``now``, by source name."""
    return {
        s.name: SourcePlan(
            known_articles(store, s.name, now),
            store.due_articles(s.name, now=now, budget=budget),
        )
        for s in sources
    }
