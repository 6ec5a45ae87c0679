"""The background scheduler: which sources are due, crawled in batches by a few long-lived
processes (issue 17).

Design. Twisted's reactor cannot be restarted inside one process, and a fresh Python per
source run (issue 5's design) costs 1-2 s of imports and ~100 MB before its first request:
a few hundred sources were the ceiling. So the schedule is data: each source's next run is
``sources.next_run_at`` in the store (kept across restarts; a source never run is due at
once), and one dispatcher thread hands the due ones, oldest-due first, in batches to
``max_parallel`` crawl processes (:mod:`scrapers.pool`), each running many sources in one
reactor. A source is in at most one batch at a time (and its run lock stays), two sources
of one host are never in flight together, and a crawl process is replaced after a number of
batches or when it has grown past a memory limit. Memory follows what is in flight, not the
number of sources: the daemon holds a name, a host and a time per source.

APScheduler's triggers compute the next run (an interval with jitter, or a crontab); a
source that failed several runs in a row backs off exponentially. SIGTERM/SIGINT stop it
within 10 s: nothing is dispatched after the signal, crawls in flight are asked to stop and
record ``interrupted``, and the ones that do not are killed and recorded here.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from seeds.config import Source, SourcesConfig, parse_interval
from storage.store import Store, iso

__all__ = ["CrawlPool", "Daemon", "backoff_delay", "build_trigger", "enqueue_source", "next_run"]

log = logging.getLogger("deltawatch.scheduler")

#: Consecutive failed runs after which a source backs off.
FAILURES_BEFORE_BACKOFF = 3
#: The longest a failing source is left alone between tries.
MAX_BACKOFF = timedelta(days=1)
#: How long a stopping scheduler waits for its crawls to record themselves as interrupted;
#: then they are killed and recorded by the scheduler, so it exits within 10 s of the signal
#: (the systemd unit's TimeoutStopSec is 15 s).
STOP_TIMEOUT = 5.0
#: Sources per batch at most (fewer when few are due: each idle process gets a share).
BATCH_SIZE = 50
#: A crawl process is replaced after this many batches ...
MAX_BATCHES = 100
#: ... or after a batch that leaves it larger than this (MB resident).
MEMORY_LIMIT_MB = 300.0
#: How often the dispatcher looks for due sources when nothing else wakes it.
TICK = 0.5
#: How often the scheduler logs its lag (due, running, late by how much).
LAG_EVERY = 30.0


def build_trigger(interval: str) -> BaseTrigger:
    """A duration becomes an interval trigger, a crontab a cron trigger, both with jitter.

    Jitter (a tenth of the interval, at most five minutes) keeps sources configured
    alike from hitting the network in the same second.
    """
    parsed = parse_interval(interval)
    if isinstance(parsed, timedelta):
        jitter = int(min(parsed.total_seconds() / 10, 300))
        return IntervalTrigger(seconds=parsed.total_seconds(), jitter=jitter or None, timezone=UTC)
    return CronTrigger.from_crontab(parsed, timezone=UTC)


def backoff_delay(interval: str, failures: int) -> timedelta | None:
    """How long a source that failed ``failures`` runs in a row waits since its last run.

    None below the threshold; then the interval doubled per extra failure, capped.
    """
    if failures < FAILURES_BEFORE_BACKOFF:
        return None
    parsed = parse_interval(interval)
    base = parsed if isinstance(parsed, timedelta) else timedelta(hours=1)
    return min(base * 2 ** (failures - FAILURES_BEFORE_BACKOFF + 1), MAX_BACKOFF)


def next_run(interval: str, *, after: datetime, failures: int = 0) -> datetime:
    """When a source run at ``after`` is next due: its interval (or crontab) with jitter,
    or later while it backs off after failing ``failures`` runs in a row."""
    trigger = build_trigger(interval)
    if isinstance(trigger, IntervalTrigger):
        jitter = trigger.jitter or 0
        due = after + trigger.interval + timedelta(seconds=random.uniform(0, jitter))
    else:
        due = trigger.get_next_fire_time(None, after + timedelta(seconds=1)) or after + MAX_BACKOFF
    delay = backoff_delay(interval, failures)
    if delay is not None:
        due = max(due, after + delay)
    return due


def _backing_off(name: str, db_path: str) -> bool:
    """Is this source waiting out a backoff after failing several runs in a row?"""
    with Store(db_path) as store:
        health = store.run_health(name)
    if health is not None and health["last_run_at"]:
        failures = health["consecutive_failures"] or 0
        delay = backoff_delay(health["interval"], failures)
        last = datetime.fromisoformat(health["last_run_at"])
        if delay is not None and datetime.now(UTC) < last + delay:
            log.warning(
                "event=backoff source=%s failures=%s until=%s",
                name,
                failures,
                (last + delay).isoformat(),
            )
            return True
    return False


def enqueue_source(name: str, sources_file: str, db_path: str, redis_url: str) -> int:
    """The job in ``--redis`` mode: queue one round of one source for the workers (issue 8).

    No child process: queueing is a few Redis writes, and the crawl itself happens in
    ``deltawatch worker`` processes. Returns 0, or 1 when the source was skipped.
    """
    from scrapers.cluster.enqueue import enqueue
    from seeds.config import load_sources

    if _backing_off(name, db_path):
        return 0
    config = load_sources(sources_file)
    report = enqueue(
        config.select([name]), db_path=db_path, redis_url=redis_url, trigger="schedule"
    )
    for source, why in report.skipped.items():
        log.warning("event=run_skipped source=%s reason=%r", source, why)
    if report.run_id is not None:
        log.info("event=run_queued source=%s run=%s", name, report.run_id)
    return 1 if report.skipped else 0


def _crawl_process(
    conn: Connection, sources_file: str, db_path: str, max_batches: int, memory_mb: float
) -> None:
    """A crawl process's main (spawned): its sources, notifications after each run, batches.

    Pages are analysed in the crawl process itself, not in an analysis process beside it
    (``crawl``'s default on 2 cores): the crawl processes already keep every core busy, each
    helper adds its fork server and worker (~110 MB each: 100 sources peaked at 563 MB with
    helpers, 1,000 at ~450 MB without), and a multiprocessing child that owns a
    ProcessPoolExecutor never ends on its own: multiprocessing's exit joins the pool's idle
    worker before the executor's shutdown hook runs, so every stop waited for the kill.
    """
    import os
    import sys

    os.environ["DELTAWATCH_ANALYZE_PROCESSES"] = "0"
    from scrapers.pool import serve_batches
    from seeds.config import load_sources

    handler = logging.StreamHandler(
        sys.stderr
    )  # the level on the handler: Scrapy resets the root's
    handler.setLevel(logging.WARNING)
    handler.setFormatter(
        logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    )
    logging.getLogger().addHandler(handler)
    config = load_sources(sources_file)
    after_run = _notifier(db_path, config) if config.notify else None
    serve_batches(
        conn,
        {s.name: s for s in config.sources},
        db_path=db_path,
        max_batches=max_batches,
        memory_mb=memory_mb,
        after_run=after_run,
    )


def _notifier(db_path: str, config: SourcesConfig) -> Callable[[int], None]:
    """Deliver each finished run's events to the [[notify]] targets, as ``crawl`` does; a
    failure is logged and never stops the crawl process (a later run retries)."""
    from sharing.delivery import deliver, describe, register

    try:
        register(db_path, config.notify)
    except Exception as exc:
        log.warning("event=notify_error error=%r", exc)

    def after_run(run_id: int) -> None:
        try:
            for report in deliver(db_path, config.notify, runs=[run_id]):
                for line in describe(report):
                    log.info("event=notify %s", line)
        except Exception as exc:
            log.warning("event=notify_error run=%s error=%r", run_id, exc)

    return after_run


class _Proc:
    """One crawl process, its end of the pipe and the batch it is crawling (None: idle)."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.batch: list[str] | None = None


class CrawlPool:
    """``size`` long-lived crawl processes (:mod:`scrapers.pool`), started when needed and
    replaced when one retires (batches done, memory) or dies."""

    def __init__(
        self, *, size: int, sources_file: str, db_path: str, max_batches: int, memory_mb: float
    ) -> None:
        self.size = size
        self._args = (sources_file, db_path, max_batches, memory_mb)
        self._ctx = multiprocessing.get_context("spawn")  # the scheduler has threads: no fork
        self.procs: list[_Proc] = []
        self.leaving: list[multiprocessing.process.BaseProcess] = []

    def idle(self) -> list[_Proc]:
        """The processes waiting for a batch, starting new ones up to ``size``."""
        while len(self.procs) < self.size:
            parent, child = self._ctx.Pipe()
            process = self._ctx.Process(
                target=_crawl_process, args=(child, *self._args), name="deltawatch-crawl"
            )
            process.start()
            child.close()
            self.procs.append(_Proc(process, parent))
            log.info("event=crawl_process_started pid=%s", process.pid)
        return [p for p in self.procs if p.batch is None]

    def send(self, proc: _Proc, names: list[str]) -> None:
        proc.batch = names
        proc.conn.send(names)

    def busy(self) -> list[_Proc]:
        return [p for p in self.procs if p.batch is not None]

    def collect(self, timeout: float) -> list[tuple[list[str], dict[str, Any] | None, int]]:
        """Finished batches as (names, result, pid); result None: the process ended without
        answering (killed, crashed, or stopped before it began the batch)."""
        if not self.procs:
            time.sleep(timeout)
            return []
        waitables: list[Any] = [p.conn for p in self.procs] + [
            p.process.sentinel for p in self.procs
        ]
        ready = set(wait(waitables, timeout=timeout))
        done = []
        for proc in list(self.procs):
            result, eof = None, False
            if proc.conn in ready:
                try:
                    result = proc.conn.recv()
                except (EOFError, OSError):
                    eof = True
            ended = eof or proc.process.sentinel in ready or bool(result and result["retire"])
            if result is None and not ended:
                continue
            if proc.batch is not None:
                done.append((proc.batch, result, proc.process.pid or 0))
                proc.batch = None
            if ended:
                proc.conn.close()
                self.procs.remove(proc)
                self.leaving.append(proc.process)
        self._reap()
        return done

    def _reap(self) -> None:
        """Join the processes that have left (a retiring one exits a moment after its answer)."""
        for process in list(self.leaving):
            process.join(timeout=0)
            if process.exitcode is not None:
                self.leaving.remove(process)
                log.info("event=crawl_process_ended pid=%s exit=%s", process.pid, process.exitcode)

    def terminate(self) -> None:
        for proc in self.procs:
            if proc.process.is_alive():
                proc.process.terminate()

    def kill(self) -> list[tuple[list[str], int]]:
        """Kill the processes still there; their batches and pids."""
        killed = []
        for process in self.leaving:
            process.join(timeout=1)
            if process.is_alive():
                process.kill()
                process.join()
        self.leaving.clear()
        for proc in self.procs:
            if proc.process.is_alive():
                log.warning("event=crawl_killed pid=%s", proc.process.pid)
                proc.process.kill()
            proc.process.join()
            killed.append((proc.batch or [], proc.process.pid or 0))
        self.procs.clear()
        return killed


class Daemon:
    """``deltawatch schedule``: due sources, oldest first, in batches to crawl processes.

    Args:
        config: the validated sources file.
        db_path: the store; holds each source's next run.
        max_parallel: crawl processes (each runs a batch of sources at a time).
        batch_size: sources per batch at most.
        max_batches: a crawl process is replaced after this many batches ...
        memory_mb: ... or after a batch leaves it larger than this.
        redis_url: a cluster's Redis: each due source's run is queued for ``deltawatch
            worker``s (issue 8) instead of crawled here.
    """

    def __init__(
        self,
        config: SourcesConfig,
        db_path: str | Path,
        *,
        max_parallel: int = 2,
        batch_size: int = BATCH_SIZE,
        max_batches: int = MAX_BATCHES,
        memory_mb: float = MEMORY_LIMIT_MB,
        redis_url: str | None = None,
    ) -> None:
        self.config = config
        self.db_path = str(Path(db_path).resolve())
        self.sources_file = str(Path(config.path).resolve())
        self.redis_url = redis_url
        self.job: Callable[..., int] | None = enqueue_source if redis_url else None
        self.batch_size = max(batch_size, 1)
        self.sources = {s.name: s for s in config.sources if s.enabled}
        self.hosts = {s.name: _host(s) for s in self.sources.values()}
        self.in_flight: dict[str, datetime] = {}  # source -> when its batch was handed out
        self.pool = (
            None
            if redis_url
            else CrawlPool(
                size=max(max_parallel, 1),
                sources_file=self.sources_file,
                db_path=self.db_path,
                max_batches=max_batches,
                memory_mb=memory_mb,
            )
        )
        self.stopped = threading.Event()
        self._lock = threading.Lock()  # held while a batch is handed out; stop takes it
        self._thread: threading.Thread | None = None
        Store(self.db_path).close()  # create and migrate

    def start(self) -> None:
        """Record the configured sources, then dispatch in the background until stopped."""
        with Store(self.db_path) as store:
            store.sync_sources(s.as_row() for s in self.config.sources)
        self._thread = threading.Thread(target=self._loop, name="dispatcher")
        self._thread.start()
        log.info("event=scheduler_started sources=%s", len(self.sources))

    def _loop(self) -> None:
        last_lag = 0.0
        while not self.stopped.is_set():
            try:
                self._collect(TICK)
                if self.stopped.is_set():
                    break
                self._dispatch()
                if time.monotonic() - last_lag >= LAG_EVERY:
                    last_lag = time.monotonic()
                    self._log_lag()
            except Exception:  # the daemon outlives a bad tick (a locked store, ...)
                log.exception("event=dispatch_error")
                time.sleep(TICK)
        self._drain()

    def _due(self, now: datetime) -> list[tuple[str, str | None]]:
        with Store(self.db_path) as store:
            due = store.due_sources(now=iso(now))
        return [(n, at) for n, at in due if n in self.sources and n not in self.in_flight]

    def _dispatch(self) -> None:
        if self.pool is None:
            return self._enqueue()
        with self._lock:
            if self.stopped.is_set():
                return None
            idle = self.pool.idle()
            if not idle:
                return None
            now = datetime.now(UTC)
            hosts = {self.hosts[n] for n in self.in_flight}
            picked: list[str] = []
            for name, _ in self._due(now):
                if self.hosts[name] in hosts:
                    continue  # politeness: one source of a host in flight at a time
                hosts.add(self.hosts[name])
                picked.append(name)
                if len(picked) >= self.batch_size * len(idle):
                    break
            share = math.ceil(len(picked) / len(idle)) if picked else 0
            for i, proc in enumerate(idle):
                batch = picked[i * share : (i + 1) * share]
                if not batch:
                    break
                self.pool.send(proc, batch)
                for name in batch:
                    self.in_flight[name] = now
                    log.info("event=run_start source=%s pid=%s", name, proc.process.pid)
        return None

    def _enqueue(self) -> None:
        """Redis mode: queue each due source's round; the workers crawl it."""
        assert self.job is not None and self.redis_url is not None
        now = datetime.now(UTC)
        next_runs = {}
        for name, _ in self._due(now):
            if self.stopped.is_set():
                break
            self.job(name, self.sources_file, self.db_path, self.redis_url)
            next_runs[name] = iso(next_run(self.sources[name].interval, after=now))
        if next_runs:
            with Store(self.db_path) as store:
                store.set_next_runs(next_runs)

    def _collect(self, timeout: float) -> None:
        if self.pool is None:
            self.stopped.wait(timeout)
            return
        for names, result, pid in self.pool.collect(timeout):
            self._finished(names, result, pid)

    def _finished(self, names: Sequence[str], result: dict[str, Any] | None, pid: int) -> None:
        """Log each source's end; due again after its interval (or backoff). A source whose
        run was interrupted keeps its next run (due at once next time); a crashed batch's
        sources wait their interval, so a source that kills its crawl is not retried in a loop."""
        if result is None:
            with Store(self.db_path) as store:
                store.interrupt_runs_of([pid])  # a run it left open; its locks
        next_runs = {}
        with Store(self.db_path) as store:
            for name in names:
                started = self.in_flight.pop(name, datetime.now(UTC))
                if result is None:
                    status = "interrupted" if self.stopped.is_set() else "crashed"
                    log.warning(
                        "event=run_end source=%s run=none status=%s pid=%s", name, status, pid
                    )
                else:
                    info = dict(result["sources"].get(name) or {"status": "missing"})
                    status = info.pop("status")
                    counts = " ".join(f"{k}={v}" for k, v in info.items())
                    log.info(
                        "event=run_end source=%s run=%s status=%s %s",
                        name,
                        result["run"],
                        status,
                        counts,
                    )
                if status != "interrupted" and name in self.sources:
                    health = store.run_health(name) or {}
                    failures = health.get("consecutive_failures") or 0
                    when = next_run(self.sources[name].interval, after=started, failures=failures)
                    next_runs[name] = iso(when)
            if next_runs:
                store.set_next_runs(next_runs)

    def _log_lag(self) -> None:
        now = datetime.now(UTC)
        due = self._due(now)
        late = [(now - datetime.fromisoformat(at)).total_seconds() for _, at in due if at]
        log.info(
            "event=schedule_lag due=%s never_run=%s running=%s late_max=%.0fs",
            len(due),
            len(due) - len(late),
            len(self.in_flight),
            max(late, default=0.0),
        )

    def _drain(self) -> None:
        """Stopping: crawls in flight are asked to stop and record ``interrupted``; the ones
        still there after STOP_TIMEOUT are killed and recorded here."""
        if self.pool is None:
            return
        self.pool.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.pool.procs and time.monotonic() < deadline:
            for names, result, pid in self.pool.collect(
                min(TICK, max(deadline - time.monotonic(), 0))
            ):
                self._finished(names, result, pid)
        for names, pid in self.pool.kill():
            self._finished(names, None, pid)

    def stop(self, *_: Any) -> None:
        """No batch is handed out after this; crawls in flight stop (``interrupted``)."""
        if self.stopped.is_set():
            return
        with self._lock:
            self.stopped.set()
        log.warning("event=scheduler_stopping")

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def run_forever(self, signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM)) -> None:
        """Foreground: start, then wait for a stop signal and for the crawls to stop."""
        for sig in signals:
            signal.signal(sig, self.stop)
        self.start()
        while not self.stopped.wait(1.0):
            pass
        self.join()
        log.warning("event=scheduler_stopped")


def _host(source: Source) -> str:
    hosts = sorted({urlsplit(u).hostname or "" for u in source.urls})
    return hosts[0] if hosts else source.name
