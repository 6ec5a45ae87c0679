"""Queueing a round: the start URLs and due rechecks of some sources, pushed into Redis.

``deltawatch crawl --redis`` and the scheduler in Redis mode call :func:`enqueue`; workers
take the entries (:mod:`scrapers.cluster.worker`) and the writer finishes the round
(:mod:`scrapers.cluster.writer`). The round is planned exactly as a local run is
(:func:`scrapers.plan.plan_round`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapers.cluster.frontier import ROUND_TTL
from scrapers.cluster.wire import DEFAULT_PREFIX, Keys, connect
from scrapers.plan import RECHECK_BUDGET, plan_round
from seeds.config import Source
from storage.store import Store

__all__ = ["EnqueueReport", "enqueue", "source_busy"]


@dataclass(slots=True)
class EnqueueReport:
    """What ``crawl --redis`` queued: the run, its sources, and the ones skipped (with why)."""

    run_id: int | None
    queued: dict[str, int] = field(default_factory=dict)  # source -> start entries
    skipped: dict[str, str] = field(default_factory=dict)


def source_busy(client: Any, source: str, *, keys: Keys) -> bool:
    """Is a previous round of this source still queued or in flight?"""
    start, queue, inflight = keys.source_keys(source)
    with client.pipeline() as pipe:
        pipe.llen(start)
        pipe.zcard(queue)
        pipe.hlen(inflight)
        return any(pipe.execute())


def enqueue(
    sources: Sequence[Source],
    *,
    db_path: str | Path,
    redis_url: str,
    trigger: str = "manual",
    prefix: str = DEFAULT_PREFIX,
    refetch: bool = False,
    recheck_budget: int = RECHECK_BUDGET,
) -> EnqueueReport:
    """Push the start URLs and due rechecks of ``sources`` into Redis as one round.

    The round is a ``runs`` row (trigger ``<trigger>+redis``, status ``running`` until
    the writer finds the round's work all done). Each source's known articles go along,
    so workers make the same conditional, new-or-due-only requests a local crawl makes.
    """
    client = connect(redis_url)
    keys = Keys(prefix)
    report = EnqueueReport(run_id=None)
    taken = []
    for source in sources:
        if source_busy(client, source.name, keys=keys):
            report.skipped[source.name] = "its previous round is still queued or in flight"
        else:
            taken.append(source)
    if not taken:
        return report
    with Store(db_path) as store:
        store.sync_sources(s.as_row() for s in sources)
        run_id = store.start_run(trigger=f"{trigger}+redis", sources=[s.name for s in taken])
        plans = plan_round(store, taken, now=store.now(), budget=recheck_budget)
    report.run_id = run_id
    for source in taken:
        known, due = plans[source.name]
        entries = [{"run": run_id, "url": u} for u in source.urls]
        entries += [{"run": run_id, "url": u, "recheck": True} for u in due]
        with client.pipeline() as pipe:
            if known:
                key = keys.known(source.name, run_id)
                pipe.hset(
                    key, mapping={u: json.dumps(row, default=str) for u, row in known.items()}
                )
                pipe.expire(key, ROUND_TTL)
            if refetch:
                pipe.set(keys.refetch(source.name, run_id), "1", ex=ROUND_TTL)
            pipe.lpush(keys.start(source.name), *(json.dumps(e) for e in entries))
            pipe.execute()
        report.queued[source.name] = len(entries)
    return report
