"""What a notification says, and to whom: pure functions, no I/O (sending is ``delivery.py``).

A message reads like the Atom feed's entry titles (``Conflict: SMIC process node: 3 nm
(delta-wire) vs 5 nm (pujiang-post)``, from :func:`sharing.export.event_title`, values in
human form through :mod:`sharing.numbers`), grouped by kind, the most pressing first, each
with the sentence it stands in and a link to the article. A digest is one message for a
run's events; a target with ``digest = false`` gets one message per event.

Only comparable figures reach a message: an event is sent only when every claim it names is
a comparable figure (``comparable`` of :func:`storage.deliveries.run_events`), whatever the
target asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from seeds.config import NotifyTarget
from sharing.export import event_title

__all__ = ["KIND_ORDER", "Message", "digest", "matches", "messages", "single", "test_message"]

Event = Mapping[str, Any]

#: The order of a digest's groups: what disagrees or moved before what agrees or is new.
KIND_ORDER = ("conflict", "changed", "removed", "corroborated", "new")
_HEADINGS = {
    "conflict": "Conflicts",
    "changed": "Changed",
    "removed": "Removed",
    "corroborated": "Corroborated",
    "new": "New figures",
}
#: A sentence longer than this is cut (with "…"): a message lists events, not articles.
SENTENCE_CHARS = 300


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str


def matches(target: NotifyTarget, event: Event) -> bool:
    """Does the target want this event? Kinds, subjects (any case), key globs and sources
    (the reporting source or the one it is compared with); never a non-comparable figure."""
    if not event.get("comparable"):
        return False
    if event.get("kind") not in target.kinds:
        return False
    if target.subjects and str(event.get("subject") or "").casefold() not in {
        s.casefold() for s in target.subjects
    }:
        return False
    key = str(event.get("key") or "").casefold()
    if target.keys and not any(fnmatchcase(key, glob.casefold()) for glob in target.keys):
        return False
    return not target.sources or bool(
        {event.get("source"), event.get("prior_source")} & set(target.sources)
    )


def _quote(sentence: str | None) -> str | None:
    if not sentence:
        return None
    text = " ".join(str(sentence).split())
    return f"“{text[: SENTENCE_CHARS - 1]}…”" if len(text) > SENTENCE_CHARS else f"“{text}”"


def _entry(event: Event) -> str:
    """One event: its title, the sentence, the article (and the one it is compared with)."""
    lines = [event_title(event)]
    if quoted := _quote(event.get("sentence")):
        lines.append(f"  {quoted}")
    if event.get("article_url"):
        lines.append(f"  {event['article_url']}")
    prior_url = event.get("prior_article_url")
    if prior_url and prior_url != event.get("article_url"):
        lines.append(f"  vs {event.get('prior_source') or 'earlier report'}: {prior_url}")
    elif (prior := _quote(event.get("prior_sentence"))) and prior != _quote(event.get("sentence")):
        lines.append(f"  before: {prior}")
    return "\n".join(lines)


def _count(kind: str, n: int) -> str:
    return f"{n} {kind}s" if kind == "conflict" and n != 1 else f"{n} {kind}"


def digest(events: Sequence[Event]) -> Message:
    """One message for several events, grouped by kind (conflicts first)."""
    groups = {k: [e for e in events if e.get("kind") == k] for k in KIND_ORDER}
    groups = {k: g for k, g in groups.items() if g}
    if len(events) == 1:
        return single(events[0])
    title = "deltawatch: " + ", ".join(_count(k, len(g)) for k, g in groups.items())
    parts = []
    for kind, group in groups.items():
        parts.append(f"{_HEADINGS[kind]} ({len(group)})\n\n" + "\n\n".join(map(_entry, group)))
    return Message(title, "\n\n\n".join(parts) + "\n")


def single(event: Event) -> Message:
    """One message for one event: the Atom title as its subject."""
    return Message(event_title(event), _entry(event) + "\n")


def messages(
    target: NotifyTarget, events: Sequence[Event], *, per_message: int = 50
) -> list[tuple[Message, list[Event]]]:
    """The messages a target gets for these events, each with the events it carries: one
    digest per ``per_message`` events, or one message per event without ``digest``."""
    if not target.digest:
        return [(single(e), [e]) for e in events]
    batches = [list(events[i : i + per_message]) for i in range(0, len(events), per_message)]
    return [(digest(batch), batch) for batch in batches]


def test_message(target: NotifyTarget, *, at: str) -> Message:
    """What ``deltawatch notify --test`` sends."""
    wants = ", ".join(target.kinds)
    return Message(
        f"deltawatch: test message for {target.name}",
        f"This is a test of the [[notify]] target {target.name!r}, sent at {at}.\n"
        f"It will receive: {wants}"
        + (f"; subjects {', '.join(target.subjects)}" if target.subjects else "")
        + (f"; keys {', '.join(target.keys)}" if target.keys else "")
        + (f"; sources {', '.join(target.sources)}" if target.sources else "")
        + ("; one digest per run." if target.digest else "; one message per event.")
        + "\n",
    )
