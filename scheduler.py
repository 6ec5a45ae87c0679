"""The background scheduler: each source at its interval, in a child process per run.

Design (issue 5). Twisted's reactor cannot be restarted inside one process, and a
long-lived reactor shared with APScheduler's thread pool makes it easy to start
overlapping crawls. So each run is a child process (``deltawatch crawl --source
NAME``) started from APScheduler's bounded thread pool: the job's thread waits
for its child, which makes ``max_instances=1`` mean what it says (a source never
overlaps itself), and a crashed crawl cannot take the scheduler down.

Jobs live in a persistent APScheduler job store inside the deltawatch SQLite file
(table ``apscheduler_jobs``), so a restart keeps each source's next run time
instead of running everything at once. Rechecks ride along with each source's
run (due articles are added to its crawl, most overdue first, within a budget).
A source that failed several runs in a row backs off exponentially.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from seeds.config import Source, SourcesConfig, parse_interval
from storage.store import Store

__all__ = ["Daemon", "backoff_delay", "build_trigger", "enqueue_source", "run_source"]

log = logging.getLogger("deltawatch.scheduler")

#: Consecutive failed runs after which a source backs off.
FAILURES_BEFORE_BACKOFF = 3
#: The longest a failing source is left alone between tries.
MAX_BACKOFF = timedelta(days=1)
#: A run that could not start on time may still start this late (then it is skipped).
MISFIRE_GRACE = 600
#: How long a stopping scheduler waits for its crawls to record themselves as interrupted;
#: then they are killed and recorded by the scheduler, so it exits within 10 s of the signal
#: (the systemd unit's TimeoutStopSec is 15 s).
STOP_TIMEOUT = 7.0

_children: set[subprocess.Popen[bytes]] = set()
_children_lock = threading.Lock()
#: Set (under ``_children_lock``) once the scheduler stops: no child starts after it, so
#: none can miss the SIGTERM that stopping sends to every child it knows.
_stopping = threading.Event()
#: Characters of a rich table's borders: never the interesting line of a child's stderr.
_BORDERS = set("─━┄┈═│┃┆┊║┌┍┎┏┐┑┒┓└┕┖┗┘┙┚┛├┝┠┡┢┣┤┥┨┩┪┫┬┯┰┳┴┷┸┻┼┿╀╇╈╋ ")


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


def _backing_off(name: str, db_path: str) -> bool:
    """Is this source waiting out a backoff after failing several runs in a row?"""
    store = Store(db_path)
    try:
        health = store.run_health(name)
    finally:
        store.close()
    if health is not None and health["last_run_at"]:
        failures = health["consecutive_failures"] or 0
        delay = backoff_delay(health["interval"], failures)
        last = datetime.fromisoformat(health["last_run_at"])
        if delay is not None and datetime.now(UTC) < last + delay:
            log.warning(
                "event=backoff source=%s failures=%s until=%s",
                name, failures, (last + delay).isoformat(),
            )  # fmt: skip
            return True
    return False


def run_source(name: str, sources_file: str, db_path: str) -> int:
    """The job: one crawl of one source in a child process; returns its exit code.

    Module-level with plain arguments, because the persistent job store records
    the job by reference and arguments.
    """
    if _stopping.is_set() or _backing_off(name, db_path):
        return 0  # a run queued in the thread pool when the scheduler stopped: dropped
    cmd = [sys.executable, "-m", "deltawatch", "--db", db_path, "crawl", "--sources",
           sources_file, "--source", name, "--trigger", "schedule", "--wait", "0"]  # fmt: skip
    with _children_lock:  # started and registered at once, or not at all once stopping
        if _stopping.is_set():
            return 0
        log.info("event=run_start source=%s", name)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _children.add(proc)
    try:
        _, err = proc.communicate()
    finally:
        with _children_lock:
            _children.discard(proc)
    log.info("event=run_end source=%s exit=%s %s", name, proc.returncode,
             _run_summary(db_path, proc.pid, err))  # fmt: skip
    return proc.returncode


def _run_summary(db_path: str, pid: int, stderr: bytes) -> str:
    """The child's run as key=value counts, read from the store; else its last words.

    The child's stderr ends with a table (the crawl summary), whose last line is a border:
    useless in a log. The run row has the numbers; a crawl that never started a run (a bad
    sources file, or stopped while starting up) gets ``run=none`` and its last line that is
    not part of a table.
    """
    from storage import queries
    from storage.db import open_readonly

    try:
        db = open_readonly(db_path)
        try:
            run = queries.run_of_process(db, pid)
        finally:
            db.close()
    except (OSError, sqlite3.Error):
        run = None
    if run is not None:
        fields = ("id", "status", "pages", "new_articles", "new_versions", "unchanged",
                  "skipped", "errors", "claims", "events")  # fmt: skip
        counts = " ".join(f"{'run' if k == 'id' else k}={run[k] or 0}" for k in fields[2:])
        robots = _robots(run.get("stats"))
        return f"run={run['id']} status={run['status']} {counts} robots_blocked={robots}"
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines()]
    words = [ln for ln in lines if ln and not set(ln) <= _BORDERS]
    return "run=none" + (f" message={words[-1][:200]!r}" if words else "")


def _robots(stats: str | None) -> int:
    """URLs robots.txt kept the run from, summed over its sources (from the run's stats)."""
    import json

    try:
        per_source = json.loads(stats or "{}")
    except ValueError:
        return 0
    return sum(int(v.get("counts", {}).get("robots_blocked", 0)) for v in per_source.values()
               if isinstance(v, dict))  # fmt: skip


def enqueue_source(name: str, sources_file: str, db_path: str, redis_url: str) -> int:
    """The job in ``--redis`` mode: queue one round of one source for the workers (issue 8).

    No child process: queueing is a few Redis writes, and the crawl itself happens in
    ``deltawatch worker`` processes. Returns 0, or 1 when the source was skipped.
    """
    from scrapers.distributed import enqueue
    from seeds.config import load_sources

    if _backing_off(name, db_path):
        return 0
    config = load_sources(sources_file)
    report = enqueue(config.select([name]), db_path=db_path, redis_url=redis_url,
                     trigger="schedule")  # fmt: skip
    for source, why in report.skipped.items():
        log.warning("event=run_skipped source=%s reason=%r", source, why)
    if report.run_id is not None:
        log.info("event=run_queued source=%s run=%s", name, report.run_id)
    return 1 if report.skipped else 0


class Daemon:
    """``deltawatch schedule``: the scheduler with its job store, reconciled with the sources.

    Args:
        config: the validated sources file.
        db_path: the store; also holds the job store.
        max_parallel: crawls running at once (child processes).
        job: the job function (tests pass a recording one).
        redis_url: a cluster's Redis: each run is queued for ``deltawatch worker``s.
    """

    def __init__(
        self,
        config: SourcesConfig,
        db_path: str | Path,
        *,
        max_parallel: int = 2,
        job: Callable[..., int] = run_source,
        redis_url: str | None = None,
    ) -> None:
        self.config = config
        self.db_path = str(Path(db_path).resolve())
        self.redis_url = redis_url  # queue runs for Redis workers instead of crawling here
        self.job = enqueue_source if redis_url and job is run_source else job
        Store(self.db_path).close()  # create and migrate before the job store touches the file
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{self.db_path}")},
            executors={"default": ThreadPoolExecutor(max_workers=max_parallel)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
            timezone=UTC,
        )
        self.scheduler.add_listener(self._after_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.stopped = threading.Event()

    def start(self) -> None:
        """Start paused, keep jobs whose source is unchanged, replace the others, resume."""
        _stopping.clear()  # a new daemon in this process (tests) starts children again
        self.scheduler.start(paused=True)
        wanted = {s.name: s for s in self.config.sources if s.enabled}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                log.info("event=job_removed source=%s", job.id)
                job.remove()
        for source in wanted.values():
            self._ensure_job(source)
        store = Store(self.db_path)
        try:
            store.sync_sources(s.as_row() for s in self.config.sources)
        finally:
            store.close()
        self._record_next_runs()
        self.scheduler.resume()
        log.info("event=scheduler_started sources=%s", len(wanted))

    def _ensure_job(self, source: Source) -> None:
        trigger = build_trigger(source.interval)
        args = [source.name, str(Path(self.config.path).resolve()), self.db_path]
        if self.redis_url:
            args.append(self.redis_url)
        job = self.scheduler.get_job(source.name)
        if job is not None and str(job.trigger) == str(trigger) and list(job.args) == args:
            log.info("event=job_kept source=%s next_run=%s", source.name, job.next_run_time)
            return
        self.scheduler.add_job(
            self.job, trigger, args=args, id=source.name, name=source.name, replace_existing=True
        )
        log.info("event=job_scheduled source=%s trigger=%s", source.name, trigger)

    def _after_run(self, event: JobExecutionEvent) -> None:
        if event.exception is not None:
            log.error("event=job_error source=%s error=%r", event.job_id, event.exception)
        self._record_next_runs()

    def _record_next_runs(self) -> None:
        store = Store(self.db_path)
        try:
            store.set_next_runs(
                {
                    job.id: job.next_run_time.astimezone(UTC).isoformat()
                    if job.next_run_time
                    else None
                    for job in self.scheduler.get_jobs()
                }
            )
        finally:
            store.close()

    def stop(self, *_: Any) -> None:
        """Stop taking new runs; ask running crawls to stop (they record ``interrupted``)."""
        if self.stopped.is_set():
            return
        self.stopped.set()
        log.warning("event=scheduler_stopping")
        with _children_lock:  # after this, no job starts a child (run_source checks)
            _stopping.set()
            children = list(_children)
        self.scheduler.shutdown(wait=False)  # queued runs return at once (_stopping)
        for child in children:
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        killed = []
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("event=crawl_killed pid=%s", child.pid)
                child.kill()
                child.wait()
                killed.append(child.pid)
        if killed:
            store = Store(self.db_path)
            try:
                store.interrupt_runs_of(killed)
            finally:
                store.close()

    def run_forever(self, signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM)) -> None:
        """Foreground: start, then wait for a stop signal."""
        for sig in signals:
            signal.signal(sig, self.stop)
        self.start()
        self.stopped.wait()
        log.warning("event=scheduler_stopped")
