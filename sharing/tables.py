"""What the CLI's tables show: the columns people read, in the form people read.

Query rows carry everything (full URLs, ISO times with offsets, values in full units);
``--json`` prints them as they are. A table for a person on an 80-column terminal needs
less and shorter: the article's id (``deltawatch diff ID`` takes it) instead of its URL,
times to the minute, values in human form (:func:`sharing.numbers.human`), an event's
old and new value in one cell. Source names are never cut: they are what people filter
on (``--source NAME``). ``--wide`` shows every column of the row, values still readable.

Pure: rows in, header and cell strings out; the CLI draws them with rich.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sharing.numbers import human

__all__ = ["VALUE_COLUMNS", "VIEWS", "Column", "cells", "short_time", "spaced_key"]

Row = Mapping[str, Any]

#: Columns holding a figure's value in full units; shown in human form with the row's unit.
VALUE_COLUMNS = ("value", "old_value", "new_value", "old", "new", "lowest", "highest")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its header, how a cell is made, and how it may be laid out."""

    header: str
    cell: Callable[[Row], str]
    whole: bool = False  # never wrapped or cut (source names, ids, times)
    right: bool = False  # numbers align right
    time: bool = False  # a time: the year moves to the header when all rows share it


def short_time(text: str | None) -> str:
    """``2026-12-02T02:11:24+00:00`` -> ``2026-12-02 02:11`` (the store's times are UTC)."""
    if not text:
        return ""
    try:
        return datetime.fromisoformat(str(text)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(text)


def _value(column: str) -> Callable[[Row], str]:
    return lambda row: human(row.get(column), row.get("unit"), lang=row.get("lang"))


def _change(row: Row) -> str:
    """``87 bn → 91 bn USD``: the unit once, after the new value."""
    old, new = row.get("old_value"), row.get("new_value")
    unit, lang = row.get("unit"), row.get("lang")
    if old is None or old == new or row.get("kind") in ("new", "corroborated"):
        return human(new if new is not None else old, unit, lang=lang)
    if new is None:
        return f"{human(old, unit, lang=lang)} → none"
    return f"{human(old, None if unit != '%' else unit, lang=lang)} → {human(new, unit, lang=lang)}"


def spaced_key(key: str | None) -> str:
    """``shanghai|ai companies|count`` -> ``shanghai | ai companies | count``: a narrow column
    wraps between the parts instead of inside a word (``history`` and ``--key`` accept both)."""
    return "" if key is None else " | ".join(str(key).split("|"))


def _key(row: Row) -> str:
    return spaced_key(row.get("key"))


def _source_vs(row: Row) -> str:
    """The source, and on a second line the source it is compared with (if another)."""
    prior = _prior(row)
    return f"{row.get('source') or ''}\nvs {prior}" if prior else str(row.get("source") or "")


def _text(column: str) -> Callable[[Row], str]:
    return lambda row: "" if row.get(column) is None else str(row.get(column))


def _time(column: str) -> Callable[[Row], str]:
    return lambda row: short_time(row.get(column))


def _next_run(row: Row) -> str:
    """When ``schedule`` runs the source next, or how late it is (issue 17: lag shows here)."""
    text = row.get("next_run_at")
    if not text:
        return ""
    try:
        late = (datetime.now(UTC) - datetime.fromisoformat(str(text))).total_seconds()
    except ValueError:
        return str(text)
    if late < 60:
        return short_time(text)
    minutes = int(late // 60)
    return f"late {minutes}m" if minutes < 120 else f"late {minutes // 60}h"


def _prior(row: Row) -> str:
    prior = row.get("prior_source")
    return "" if not prior or prior == row.get("source") else str(prior)


def _version(row: Row) -> str:
    return f"v{row.get('version')}"


def _yes(column: str, word: str) -> Callable[[Row], str]:
    return lambda row: word if row.get(column) else ""


#: The narrow table of each command (80 columns for the common ones).
VIEWS: dict[str, tuple[Column, ...]] = {
    "changes": (
        Column("at (UTC)", _time("at"), whole=True, time=True),
        Column("kind", _text("kind"), whole=True),
        Column("figure (key)", _key),
        Column("value", _change),
        Column("source", _source_vs, whole=True),
        Column("art.", _text("article_id"), whole=True, right=True),
    ),
    "claims": (
        Column("figure (key)", _key),
        Column("value", _value("value"), right=True),
        Column("approx", _text("approx"), whole=True),
        Column("source", _text("source"), whole=True),
        Column("art.", _text("article_id"), whole=True, right=True),
        Column("reported (UTC)", _time("reported_at"), whole=True, time=True),
    ),
    "history": (
        Column("reported (UTC)", _time("reported_at"), whole=True, time=True),
        Column("source", _text("source"), whole=True),
        Column("value", _value("value"), right=True),
        Column("approx", _text("approx"), whole=True),
        Column("version", _version, whole=True),
        Column("current", _yes("current", "yes"), whole=True),
        Column("conflict", _yes("conflict", "conflict"), whole=True),
        Column("art.", _text("article_id"), whole=True, right=True),
    ),
    "articles": (
        Column("id", _text("id"), whole=True, right=True),
        Column("source", _text("source"), whole=True),
        Column("lang", _text("lang"), whole=True),
        Column("vers.", _text("versions"), whole=True, right=True),
        Column("status", _text("status"), whole=True),
        Column("title", _text("title")),
    ),
    "sources": (
        Column("source", _text("name"), whole=True),
        Column("last run (UTC)", _time("last_run_at"), whole=True, time=True),
        Column("last ok", _time("last_success_at"), whole=True, time=True),
        Column("next run", _next_run, whole=True),
        Column("fails", _text("consecutive_failures"), right=True),
        Column("articles", _text("articles"), right=True),
        Column("errors", _text("errors"), right=True),
        Column("robots", _text("robots_blocked"), right=True),
        Column("last error", _text("last_error")),
    ),
    "run": (  # crawl and demo: what each source's run did
        Column("source", _text("source"), whole=True),
        Column("pages", _text("pages"), right=True),
        Column("new", _text("new"), right=True),
        Column("revised", _text("versions"), right=True),
        Column("same", _text("same"), right=True),
        Column("skip", _text("skipped"), right=True),  # off-topic
        Column("robots", _text("robots"), right=True),
        Column("errors", _text("errors"), right=True),
        Column("figs", _text("claims"), right=True),
        Column("events", _text("events"), right=True),
    ),
    "figures": (  # extract: the figures of one page
        Column("value", _value("value"), right=True),
        Column("approx", _text("approx"), whole=True),
        Column("subject", _text("subject")),
        Column("metric", _text("metric")),
        Column("period", _text("period")),
    ),
    "changed figures": (  # diff: the figures a revision changed
        Column("figure (key)", _key),
        Column("old", _value("old")),
        Column("new", _value("new")),
    ),
    "notifications": (  # notifications: one delivery per event and [[notify]] target
        Column("event", _text("event_id"), whole=True, right=True),
        Column("target", _text("target"), whole=True),
        Column("status", _text("status"), whole=True),
        Column("tries", _text("attempts"), whole=True, right=True),
        Column("sent (UTC)", _time("sent_at"), whole=True, time=True),
        Column("kind", _text("kind"), whole=True),
        Column("last error", _text("last_error")),
    ),
}


def _wide_cell(column: str, *, humanize: bool) -> Callable[[Row], str]:
    def cell(row: Row) -> str:
        value = row.get(column)
        if humanize and column in VALUE_COLUMNS and isinstance(value, int | float):
            return human(value, row.get("unit"), lang=row.get("lang"))
        if isinstance(value, float):
            return f"{value:f}".rstrip("0").rstrip(".")  # never 1e+16 in a table
        return "" if value is None else str(value)

    return cell


def cells(
    rows: Sequence[Row], view: str | None, *, wide: bool = False
) -> tuple[list[Column], list[list[str]]]:
    """The columns and the cell strings of a table of ``rows``.

    ``view`` names one of :data:`VIEWS`; ``wide`` shows every column of the rows, values
    in human form; no view (``sql``'s result) shows every column as it is, but never a
    float in ``e+`` notation.
    """
    if wide or view not in VIEWS:
        names = list(rows[0]) if rows else []
        columns = [Column(name, _wide_cell(name, humanize=view is not None)) for name in names]
    else:
        columns = list(VIEWS[view])
    body = [[column.cell(row) for column in columns] for row in rows]
    for i, column in enumerate(columns):
        years = {row[i][:4] for row in body if row[i]}
        if column.time and len(years) == 1:  # "2026-12-02 02:11" -> "12-02 02:11"
            year = years.pop()
            header = (
                column.header.replace(")", f", {year})")
                if ")" in column.header
                else f"{column.header} ({year})"
            )
            columns[i] = Column(header, column.cell, whole=column.whole, right=column.right)
            for row in body:
                row[i] = row[i][5:]
    return columns, body


#: Spaces between two columns of a CLI table.
GAP = 2


def fit(columns: Sequence[Column], body: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column's width so the table fits ``width`` terminal cells when it can.

    Whole columns (source names, ids, times) keep their widest cell, their headers wrap
    between words; the others share what is left in proportion to their natural widths,
    wrapping their text, never narrower than 6 (a column squeezed to nothing hides data;
    a table a little too wide only wraps in the terminal).
    """
    from rich.cells import cell_len

    def widest(lines: list[str]) -> int:
        return max((cell_len(line) for line in lines), default=0)

    natural = [
        max(cell_len(c.header), widest([ln for row in body for ln in row[i].splitlines()]))
        for i, c in enumerate(columns)
    ]
    room = width - GAP * (len(columns) - 1)
    if sum(natural) <= room:
        return natural
    least = [
        max(widest(c.header.split()), widest([ln for row in body for ln in row[i].splitlines()]))
        if c.whole
        else min(natural[i], 6)
        for i, c in enumerate(columns)
    ]
    flexible = [i for i, c in enumerate(columns) if not c.whole]
    spare = room - sum(least)
    if spare <= 0 or not flexible:
        return least
    wanted = sum(natural[i] - least[i] for i in flexible) or 1
    sizes = list(least)
    for i in flexible:
        sizes[i] += min(natural[i] - least[i], spare * (natural[i] - least[i]) // wanted)
    return sizes
