"""Sending notifications with Apprise after a run's events are committed, and keeping count.

Apprise (changedetection.io's choice) speaks e-mail, Slack, Telegram, Discord, Matrix,
webhooks and 90+ other services through one URL each, so a ``[[notify]]`` target is a name,
a filter and a list of URLs. This module is the edge: it queues a finished run's matching
events (``storage.deliveries``), sends what is due through each URL, and records the
outcome. A failure is recorded (attempts, last error) and retried by the next run: twice at
once, then after a wait that doubles from five minutes, at most :data:`MAX_ATTEMPTS` times.
Nothing here raises into a crawl: its exit code is the crawl's, whatever the mail server says.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from seeds.apprise_urls import ENV_REF, MissingSecret, expand, redact
from seeds.config import NotifyTarget
from sharing.notify import Message, matches, messages, test_message
from storage import deliveries
from storage.store import Clock, Store, iso, utcnow

__all__ = [
    "MAX_ATTEMPTS",
    "TargetReport",
    "backoff",
    "deliver",
    "describe",
    "register",
    "send",
    "send_test",
    "url_hash",
]

log = logging.getLogger(__name__)

#: A delivery that failed this often is given up (it stays listed as ``failed``).
MAX_ATTEMPTS = 8
#: How long a claimed delivery is left to its sender before another process may retry it.
LEASE = timedelta(minutes=10)
#: Seconds one URL may take to accept a message.
SEND_TIMEOUT = 30.0

#: ``send(url, message, env) -> error or None``; tests and callers may pass another.
Sender = Callable[[str, Message, Mapping[str, str]], str | None]


def backoff(attempts: int) -> timedelta | None:
    """The wait after ``attempts`` failed attempts: none for the first two (the next run
    retries), then 5, 10, 20 ... minutes (at most a day); None once there are no more."""
    if attempts >= MAX_ATTEMPTS:
        return None
    if attempts <= 2:
        return timedelta(0)
    return min(timedelta(minutes=5) * 2 ** (attempts - 3), timedelta(days=1))


def _scrub(text: str, url: str, env: Mapping[str, str]) -> str:
    """An error message without the URL, its password or the secrets filled into it."""
    secrets = [url, *(env.get(name, "") for name in ENV_REF.findall(url))]
    try:
        real = expand(url, env)
        secrets += [real, urlsplit(real).password or ""]
    except (MissingSecret, ValueError):
        pass
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "****")
    return text


def send(url: str, message: Message, env: Mapping[str, str]) -> str | None:
    """Send one message to one Apprise URL (``${NAME}`` filled in from ``env``); returns
    why it was not accepted, or None. The reason never holds the URL's secrets."""
    import apprise
    from apprise import AppriseAsset
    from apprise.common import PersistentStoreMode

    try:
        real = expand(url, env)
    except MissingSecret as exc:
        return str(exc)
    # No cache files in the user's home: every send stands alone.
    sender = apprise.Apprise(asset=AppriseAsset(storage_mode=PersistentStoreMode.MEMORY))
    if not sender.add(real):
        return "Apprise cannot use this URL (check its form and the filled-in secrets)"
    try:
        result = sender.notify(
            body=message.body,
            title=message.title,
            body_format=apprise.NotifyFormat.TEXT,
            timeout=SEND_TIMEOUT,
        )
    except Exception as exc:  # a plugin's bug must not stop the other targets
        return _scrub(f"{type(exc).__name__}: {exc}", url, env)
    if result:
        return None
    reasons = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
    return _scrub("; ".join(reasons) or "not accepted", url, env)


def url_hash(url: str) -> str:
    """A URL as written (secrets as ``${NAME}``), hashed: which URLs accepted a delivery."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(slots=True)
class TargetReport:
    """What one delivery pass did for one target."""

    target: str
    queued: int = 0
    delivered: int = 0
    messages: int = 0
    failed: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)


def register(db_path: str | Path, targets: Sequence[NotifyTarget]) -> None:
    """Note the targets before a run starts, so the run is theirs even if it is killed.

    A target seen for the first time gets the runs still going and those that start after
    this, not the archive; a run killed before it could deliver is delivered by the next
    run's :func:`deliver`.
    """
    with Store(db_path) as store:
        deliveries.register_targets(store, {t.name: t.shown_urls for t in targets}, since_run=None)


def deliver(
    db_path: str | Path,
    targets: Sequence[NotifyTarget],
    *,
    runs: Sequence[int] = (),
    clock: Clock = utcnow,
    env: Mapping[str, str] | None = None,
    sender: Sender = send,
) -> list[TargetReport]:
    """Queue the finished runs' matching events for each target, then send what is due.

    Args:
        db_path: the store.
        targets: the sources file's ``[[notify]]`` targets.
        runs: the runs this process just finished; a target seen for the first time
            starts with them (otherwise with the next run).
        clock: "now", for stored times and retry waits.
        env: where ``${NAME}`` secrets come from (default: the environment).
        sender: how one message goes to one URL (:func:`send`).
    """
    env = os.environ if env is None else env
    with Store(db_path, clock=clock) as store:
        deliveries.register_targets(
            store,
            {t.name: t.shown_urls for t in targets},
            since_run=min(runs) - 1 if runs else None,
        )
        reports = []
        for target in targets:
            report = TargetReport(target.name, queued=_queue(store, target))
            _send(store, target, report, env=env, sender=sender)
            reports.append(report)
        return reports


def _queue(store: Store, target: NotifyTarget) -> int:
    """Queue the matching events of every finished run the target has not seen yet."""
    queued = 0
    for run_id in deliveries.unqueued_runs(store, target.name):
        chosen = [e["event_id"] for e in deliveries.run_events(store, run_id) if matches(target, e)]
        queued += deliveries.queue_run(store, target.name, run_id, chosen)
    return queued


def _send(
    store: Store,
    target: NotifyTarget,
    report: TargetReport,
    *,
    env: Mapping[str, str],
    sender: Sender,
) -> None:
    """Send the target's due deliveries through each of its URLs and record the outcome."""
    lease = iso(store.clock() + LEASE)
    due = deliveries.claim_due(store, target.name, lease_until=lease, max_attempts=MAX_ATTEMPTS)
    errors: dict[int, list[str]] = {}
    for url in target.urls:
        done, down = url_hash(url), None
        for message, batch in messages(target, [r for r in due if done not in r["sent_to"]]):
            error = down or sender(url, message, env)  # a URL that is down is not tried again
            if error is None:
                deliveries.record_sent(store, [r["delivery_id"] for r in batch], done)
                for row in batch:
                    row["sent_to"].append(done)
                report.messages += 1
                continue
            if down is None:
                down = error
                error = f"{redact(url)}: {error}"
                log.info("event=notify_failed target=%s error=%s", target.name, error)
                report.errors.append(error)
            for row in batch:
                errors.setdefault(row["delivery_id"], []).append(f"{redact(url)}: {down}")
    hashes = {url_hash(u) for u in target.urls}
    delivered = [r["delivery_id"] for r in due if hashes <= set(r["sent_to"])]
    failed: dict[int, tuple[str, str | None]] = {}
    for row in due:
        if row["delivery_id"] in delivered:
            continue
        wait = backoff(row["attempts"] + 1)
        why = "; ".join(errors.get(row["delivery_id"], ["not sent"]))
        failed[row["delivery_id"]] = (why, iso(store.clock() + wait) if wait is not None else None)
        report.gave_up += wait is None
    deliveries.record_outcomes(store, delivered, failed)
    report.delivered, report.failed = len(delivered), len(failed)


def send_test(
    target: NotifyTarget,
    *,
    clock: Clock = utcnow,
    env: Mapping[str, str] | None = None,
    sender: Sender = send,
) -> list[tuple[str, str | None]]:
    """Send the test message to each of the target's URLs: (redacted URL, error or None)."""
    env = os.environ if env is None else env
    message = test_message(target, at=iso(clock()))
    return [(redact(url), sender(url, message, env)) for url in target.urls]


def describe(report: TargetReport) -> list[str]:
    """One or two plain lines for a person: what was sent, what failed and what happens next."""
    lines = []
    if report.messages and not report.failed:
        lines.append(
            f"notified {report.target}: {report.delivered} event(s) in {report.messages} message(s)"
        )
    elif report.messages:
        lines.append(
            f"notified {report.target}: {report.messages} message(s) sent, "
            f"{report.delivered} event(s) delivered to every URL"
        )
    if report.failed:
        later = (
            f"gave up on {report.gave_up} after {MAX_ATTEMPTS} attempts"
            if report.gave_up
            else "a later run retries"
        )
        lines.append(
            f"notify {report.target}: {report.failed} event(s) not delivered "
            f"({report.errors[0] if report.errors else 'not sent'}); {later}"
        )
    return lines
