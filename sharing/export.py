"""Data out: CSV and JSON that load cleanly in pandas and spreadsheets, and an Atom feed.

- CSV: UTF-8 without a BOM, a header row even when nothing matches, RFC 4180 quoting
  (sentences hold commas, quotes and newlines), ISO 8601 timestamps as stored, empty
  cells for missing values, numbers unformatted so they parse as numbers.
- JSON: one array of objects, UTF-8 (Chinese stays readable), the same columns.
- Atom (RFC 4287) of the change log, for feed readers: the feed and every entry carry an
  id, a title and ``updated``; entry ids are derived from the event itself, so the same
  event keeps its id in every later export and readers show only what is new; the feed's
  ``updated`` is its newest event's time, so an unchanged log exports byte for byte the
  same; every entry links to the article, and its HTML content is escaped as text.

Rows come from ``storage.queries.export_rows`` (the SQL lives there); this module only
renders them.
"""

from __future__ import annotations

import csv
import html
import io
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO, TextIO

from sharing.numbers import human

__all__ = [
    "ATOM",
    "FORMATS",
    "WHAT",
    "atom_feed",
    "entry_id",
    "event_title",
    "export",
    "write_csv",
    "write_json",
]

#: What can be exported, and as what.
WHAT = ("changes", "claims", "articles")
FORMATS = ("csv", "json", "atom")

#: The Atom namespace; the feed is written with it as the default namespace.
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)

Row = Mapping[str, Any]

#: Namespace of the feed's and entries' UUIDs (RFC 4122 name-based, version 5).
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/deltawatch/deltawatch")


def write_csv(columns: Sequence[str], rows: Iterable[Row], out: TextIO) -> int:
    """Write a header and the rows; returns how many rows. ``out`` must use ``newline=''``."""
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_json(rows: Iterable[Row], out: TextIO) -> int:
    """Write one JSON array, a row at a time (a large export never sits in memory)."""
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(dict(row), ensure_ascii=False, default=str))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _number(value: float | None, unit: str | None) -> str:
    """A value in a feed reader's title: human form (``87 bn USD``), as in every table."""
    return "none" if value is None else human(value, unit)


def event_title(event: Row) -> str:
    """One line a person can read in a feed reader's list."""
    what = " ".join(str(event[k]) for k in ("subject", "metric") if event.get(k))
    if event.get("period"):
        what += f" ({event['period']})"
    what = what or str(event.get("key"))
    unit = event.get("unit")
    new, old = _number(event.get("new_value"), unit), _number(event.get("old_value"), unit)
    source, prior = event.get("source"), event.get("prior_source")
    match event.get("kind"):
        case "conflict":
            return f"Conflict: {what}: {new} ({source}) vs {old} ({prior})"
        case "changed":
            return f"Changed: {what}: {old} → {new} ({source})"
        case "removed":
            return f"Removed: {what}: {old} no longer reported ({source})"
        case "corroborated":
            return f"Corroborated: {what}: {new} ({source}, as {prior})"
        case kind:
            return f"{str(kind).capitalize()}: {what}: {new} ({source})"


def entry_id(event: Row) -> str:
    """A stable, unique id: the same stored event gets the same id in every export."""
    name = "|".join(str(event.get(k)) for k in ("id", "at", "kind", "key", "source", "version_id"))
    return uuid.uuid5(_NAMESPACE, f"event|{name}").urn


def _content(event: Row, version_url: str | None) -> str:
    """The entry's HTML; every value is escaped (sentences come from scraped pages)."""
    esc = html.escape
    unit = event.get("unit")
    parts = []
    if event.get("sentence"):
        parts.append(f"<blockquote>{esc(str(event['sentence']))}</blockquote>")
    cells = [
        ("figure", event.get("key")),
        ("kind", event.get("kind")),
        (
            "value",
            _number(event.get("new_value"), unit) if event.get("new_value") is not None else None,
        ),
        (
            "before",
            _number(event.get("old_value"), unit) if event.get("old_value") is not None else None,
        ),
        ("source", event.get("source")),
        ("compared with", event.get("prior_source")),
    ]
    rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in cells if v is not None
    )
    parts.append(f"<table>{rows}</table>")
    links = []
    if event.get("article_url"):
        links.append(f'<a href="{esc(str(event["article_url"]))}">article</a>')
    if event.get("prior_article_url") and event.get("prior_article_url") != event.get(
        "article_url"
    ):
        links.append(f'<a href="{esc(str(event["prior_article_url"]))}">earlier report</a>')
    if version_url:
        links.append(f'<a href="{esc(version_url)}">stored version</a>')
    if links:
        parts.append("<p>" + " · ".join(links) + "</p>")
    return "".join(parts)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _stamp(moment: str | datetime) -> str:
    """RFC 3339 with an explicit offset, as Atom requires (stored times are UTC ISO 8601)."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


def atom_feed(
    events: Iterable[Row],
    *,
    site_url: str,
    database: str,
    feed_url: str | None = None,
    title: str = "deltawatch: changes",
) -> bytes:
    """The change log as an Atom 1.0 document (UTF-8 bytes), newest event first.

    Written with :mod:`xml.etree.ElementTree`, which escapes every text and attribute.
    (feedgen 1.0.0, the current release, drops ``rel`` and ``type`` from entry links,
    python-feedgen issue 135, which makes two links per entry invalid Atom.)

    Args:
        events: claim events, newest first (``export_rows(db, "changes")``).
        site_url: where ``deltawatch serve`` (or a published Datasette) is reached; the
            feed links to its change log page and each entry to the stored version there.
        database: the store's name in Datasette (its file name without ``.db``).
        feed_url: where the feed itself will be published, if known (``rel="self"``).
        title: the feed's title.
    """
    base = site_url.rstrip("/")
    events = list(events)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "en"})
    _el(feed, "id", uuid.uuid5(_NAMESPACE, f"feed|{base}/{database}|{title}").urn)
    _el(feed, "title", title)
    _el(
        feed,
        "subtitle",
        "Figures in Shanghai and Yangtze River Delta tech news that are "
        "new, corroborated, conflicting, changed or removed.",
    )
    newest = max((e["at"] for e in events if e.get("at")), default=None)
    # The newest event's time, not "now": an unchanged change log gives an identical feed.
    _el(feed, "updated", _stamp(newest or datetime.now(UTC).replace(microsecond=0)))
    author = _el(feed, "author")
    _el(author, "name", "deltawatch")
    _el(feed, "link", href=f"{base}/{database}/latest_changes", rel="alternate", type="text/html")
    if feed_url:
        _el(feed, "link", href=feed_url, rel="self", type="application/atom+xml")
    _el(feed, "generator", "deltawatch")
    for event in events:
        entry = _el(feed, "entry")
        _el(entry, "id", entry_id(event))
        _el(entry, "title", event_title(event))
        _el(entry, "updated", _stamp(event["at"]))
        _el(entry, "published", _stamp(event["at"]))
        version_url = (
            f"{base}/{database}/article_versions/{event['version_id']}"
            if event.get("version_id") is not None
            else None
        )
        _el(
            entry,
            "link",
            href=event.get("article_url") or f"{base}/{database}/claim_events/{event['id']}",
            rel="alternate",
            type="text/html",
        )
        if version_url:
            _el(
                entry,
                "link",
                href=version_url,
                rel="related",
                type="text/html",
                title="stored version",
            )
        kind = str(event.get("kind"))
        _el(entry, "category", term=kind, label=kind)
        _el(entry, "content", _content(event, version_url), type="html")
    ET.indent(feed, space="  ")
    return ET.tostring(feed, encoding="UTF-8", xml_declaration=True) + b"\n"


def export(
    db: Any,
    out: BinaryIO,
    *,
    what: str,
    fmt: str,
    since: str | None = None,
    limit: int | None = None,
    site_url: str = "http://127.0.0.1:8001",
    feed_url: str | None = None,
    database: str = "deltawatch",
) -> int:
    """Write one export to a binary stream as UTF-8; returns the number of rows written.

    Args:
        db: the store, opened read-only.
        out: where the bytes go (a file, or stdout's buffer); it is left open.
        what: ``changes``, ``claims`` or ``articles``.
        fmt: ``csv``, ``json`` or ``atom`` (``atom`` only for ``changes``).
        since: only rows at or after this ISO time.
        limit: at most this many rows, newest first.
        site_url, feed_url, database: for the Atom feed's links (see :func:`atom_feed`).
    """
    from storage import queries

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "atom" and what != "changes":
        raise ValueError("the Atom feed is of changes: use --what changes with --format atom")
    columns, rows = queries.export_rows(db, what, since=since, limit=limit)
    if fmt == "atom":
        events = list(rows)
        out.write(atom_feed(events, site_url=site_url, database=database, feed_url=feed_url))
        return len(events)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        count = write_csv(columns, rows, text) if fmt == "csv" else write_json(rows, text)
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open
    return count
