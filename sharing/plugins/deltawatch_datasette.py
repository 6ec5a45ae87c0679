"""deltawatch's Datasette plugin: links between rows, and a figure's chart.

Loaded by ``deltawatch serve`` from this plugins directory (Datasette's ``plugins_dir``).
It only reads, through ``storage.queries`` (the SQL) and ``sharing.plot`` (the chart),
so the browser shows exactly what ``deltawatch history KEY --plot`` draws.

- ``render_cell``: a figure's ``key`` links to its history and chart; ids of versions,
  articles and claims link to those rows, also in canned queries, where Datasette knows no
  foreign keys. (Original URLs are linked by Datasette itself.) Values are shown in human
  form (``87 bn USD``, ``4,500亿元``), the raw value in the cell's tooltip; JSON and CSV
  from Datasette keep the raw values (render_cell only touches HTML).
- ``extra_template_vars``: the chart as inline SVG on the ``figure_history`` page
  (placed by ``sharing/templates/query.html``).
- ``register_routes``: ``/-/deltawatch/chart.svg?key=K`` and ``.png``, to embed or share.
- ``menu_links``: the canned queries, one click from every page.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any
from urllib.parse import urlencode

import markupsafe
import sqlite_utils
from datasette import Response, hookimpl

from sharing import plot
from sharing.numbers import human
from sharing.tables import VALUE_COLUMNS
from storage import queries

PLUGIN = "deltawatch"
logger = logging.getLogger(__name__)

#: column -> table its integer value is the id of (in canned queries and where the schema
#: declares no foreign key; declared ones arrive as dicts and Datasette links them itself).
_ID_LINKS = {
    "version_id": "article_versions",
    "prior_version_id": "article_versions",
    "current_version_id": "article_versions",
    "article_id": "articles",
    "duplicate_of": "articles",
    "claim_id": "claims",
    "prior_claim_id": "claims",
}

#: Identities of a text for the pipeline, not for a reader (a 64-character hash, a 512-character
#: MinHash): shown shortened, whole in the tooltip, so they do not push the article's text off
#: the page. JSON and CSV keep them whole.
_DIGEST_COLUMNS = ("content_hash", "fingerprint")
_DIGEST_SHOWN = 10

_MENU = (
    ("latest_changes", "Latest changes"),
    ("open_conflicts", "Open conflicts"),
    ("figures", "Figures"),
    ("source_health", "Source health"),
    ("most_revised_articles", "Most revised articles"),
)


def _database(datasette: Any) -> str | None:
    return (datasette.plugin_config(PLUGIN) or {}).get("database")


def _history_url(datasette: Any, database: str, key: str) -> str:
    return f"{datasette.urls.database(database)}/figure_history?{urlencode({'key': key})}"


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> markupsafe.Markup | None:
    if database != _database(datasette) or value is None or isinstance(value, dict):
        return None
    if (
        column == "key"
        and isinstance(value, str)
        and table in (None, "claims", "claim_events", "claim_keys")
    ):
        return markupsafe.Markup('<a href="{}" title="history and chart">{}</a>').format(
            _history_url(datasette, database, value), value
        )
    if column in VALUE_COLUMNS and isinstance(value, int | float) and not isinstance(value, bool):
        return markupsafe.Markup('<span title="{}">{}</span>').format(
            repr(value), human(value, _field(row, "unit"), lang=_field(row, "lang"))
        )
    if column in _DIGEST_COLUMNS and isinstance(value, str) and len(value) > _DIGEST_SHOWN + 2:
        return markupsafe.Markup('<span title="{}">{}…</span>').format(value, value[:_DIGEST_SHOWN])
    target = _ID_LINKS.get(column)
    if target and isinstance(value, int) and target != table:
        return markupsafe.Markup('<a href="{}">{}</a>').format(
            datasette.urls.row(database, target, str(value)), value
        )
    return None


def _field(row: Any, name: str) -> Any:
    """A column of the cell's row, if the row has it (tables and canned queries differ)."""
    try:
        return row[name]
    except (KeyError, IndexError, TypeError):
        return None


async def _figure(datasette: Any, database: str, key: str) -> tuple[list, list]:
    def read(conn: Any) -> tuple[list, list]:
        db = sqlite_utils.Database(conn)
        return queries.figure_history(db, key), queries.figure_events(db, key)

    return await datasette.get_database(database).execute_fn(read)


@hookimpl
def extra_template_vars(
    template: str, database: str | None, view_name: str, request: Any, datasette: Any
) -> Any:
    if request is None or database is None or database != _database(datasette):
        return None
    if not request.path.rstrip("/").endswith("/figure_history"):
        return None
    key = request.args.get("key")
    if not key:
        return None

    async def chart_vars() -> dict[str, Any]:
        rows, events = await _figure(datasette, database, key)
        if not rows:
            return {}
        # matplotlib is CPU work: keep it off the event loop that serves other requests.
        svg = await asyncio.to_thread(plot.inline_svg, rows, events, key=key)
        return {
            "deltawatch_chart": markupsafe.Markup(svg),
            "deltawatch_chart_key": key,
            "deltawatch_chart_links": {
                fmt: f"/-/deltawatch/chart.{fmt}?{urlencode({'key': key})}" for fmt in plot.FORMATS
            },
        }

    return chart_vars


async def _chart_route(datasette: Any, request: Any, fmt: plot.ImageFormat) -> Response:
    database = _database(datasette)
    key = request.args.get("key")
    if not database or not key:
        return Response.text("?key= is required, e.g. ?key=smic|process node|nm", status=400)
    rows, events = await _figure(datasette, database, key)
    if not rows:
        return Response.text(f"no figure with key {key!r}", status=404)
    body = await asyncio.to_thread(plot.render, rows, events, key=key, fmt=fmt)
    if note := plot.font_note(key=key, fmt=fmt):
        _warn_once(note)
    content_type = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(body, content_type=content_type)


@functools.cache
def _warn_once(note: str) -> None:
    logger.warning("chart.png: %s", note)


async def _chart_svg(datasette: Any, request: Any) -> Response:
    return await _chart_route(datasette, request, "svg")


async def _chart_png(datasette: Any, request: Any) -> Response:
    return await _chart_route(datasette, request, "png")


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/deltawatch/chart\.svg$", _chart_svg),
        (r"^/-/deltawatch/chart\.png$", _chart_png),
    ]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    database = _database(datasette)
    if not database:
        return []
    base = datasette.urls.database(database)
    return [{"href": f"{base}/{name}", "label": label} for name, label in _MENU]
