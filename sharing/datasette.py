"""``deltawatch serve``: Datasette over the store, configured, not reimplemented.

Everything a person sees in the browser comes from Datasette's own extension points:

- metadata: table and column descriptions, facets (source, kind, unit, subject), the
  full-text index of article versions, and the canned queries (their SQL lives in
  ``storage.queries``, shared with the CLI and the exports);
- a plugin in ``sharing/plugins/`` (links from a figure's key to its history and chart,
  from ids to the stored rows; the chart itself; shortcuts in the menu);
- one template override in ``sharing/templates/`` that places the chart on the
  ``figure_history`` page.

The store is opened read-only by Datasette (``mode=ro``, its "mutable" mode), not as
``immutable``: an immutable file is assumed never to change, and the scheduler may be
writing to this one while people browse. WAL mode lets both go on at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage import queries

__all__ = [
    "CANNED_QUERIES",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "PLUGIN_NAME",
    "database_name",
    "make_datasette",
    "metadata",
    "serve",
    "settings",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
PLUGIN_NAME = "deltawatch"
HERE = Path(__file__).resolve().parent
PLUGINS_DIR = HERE / "plugins"
TEMPLATES_DIR = HERE / "templates"

#: Tables people have no use for when browsing: indexes the pipeline keeps for itself.
HIDDEN_TABLES = (
    "_sqlite_migrations",
    "apscheduler_jobs",
    "article_bands",
    "claim_keys",
    "key_sources",
    "locks",
)

#: name -> (title, description, SQL). The order is the order of the database page.
CANNED_QUERIES: dict[str, tuple[str, str, str]] = {
    "latest_changes": (
        "Latest changes",
        "The change log, newest first: figures that are new, corroborated, conflicting, "
        "changed or removed. Leave kind and since blank for everything; kind is one of "
        "new, corroborated, conflict, changed, removed; since is an ISO date. "
        "Click a key for its history and chart, a version_id for the stored article text.",
        queries.LATEST_CHANGES_SQL,
    ),
    "open_conflicts": (
        "Open conflicts",
        "Figures that two or more sources currently report with different values (in the "
        "current version of each article). Click a key to see who said what, and when.",
        queries.OPEN_CONFLICTS_SQL,
    ),
    "figures": (
        "Figures",
        "Every figure (key) in the current articles, the most disputed first: disputed (1) "
        "when comparable figures from two or more sources give different values, those with "
        "the most values first; then the figures most sources report. Subject filters (blank "
        "for all). Click a key for its history and chart.",
        queries.FIGURES_SQL,
    ),
    "figure_history": (
        "A figure's history",
        "Every value reported for one figure over time, by source, from every stored "
        "version; hollow marks on the chart are superseded versions, red bars conflicts.",
        queries.FIGURE_HISTORY_SQL,
    ),
    "source_health": (
        "Source health",
        "Each source's last run, last success, last error and counts; failing sources first.",
        queries.SOURCE_HEALTH_SQL,
    ),
    "most_revised_articles": (
        "Articles with the most revisions",
        "Articles by number of stored versions, with how many figure changes (changed or "
        "removed) their revisions made.",
        queries.MOST_REVISED_SQL,
    ),
}

_EVENT_COLUMNS = {
    "kind": "new (first report of this key), corroborated (another source, same value), "
    "conflict (another source, different value), changed (a revision or the same source "
    "later reports another value), removed (a revision drops it)",
    "key": "what is measured: normalized subject|metric|unit[|period]; the same for every "
    "source that reports the same thing",
    "old_value": "the value this event compares with (the prior report), in full units",
    "new_value": "the value reported now, in full units (2.5e9 for $2.5 billion)",
    "at": "when deltawatch recorded the event (UTC, ISO 8601)",
    "source": "the source that reported the new value",
    "article_url": "the original article",
    "version_id": "the stored version of the article that carries the new value",
    "prior_source": "the source of the value compared with",
    "prior_article_url": "the article of the value compared with",
    "prior_version_id": "the stored version of the value compared with",
    "match": "how the prior report was found: by key, fuzzy metric match, or revision",
    "sentence": "the sentence the figure was read from",
}

_CLAIM_COLUMNS = {
    "key": _EVENT_COLUMNS["key"],
    "value": "the figure in full units: 3.2e11 for 3200亿元, 15000 for 1.5万",
    "unit": "count, %, rank, a currency (USD, CNY, EUR), x (multiples) or an SI unit",
    "approx": "exact, over, under, about, nearly or range",
    "period": "the year or period the figure is tied to, if any",
    "reported_at": "when deltawatch first stored this version's figure (UTC)",
    "sentence": "the sentence the figure was read from",
    "start": "offset of the figure in the version's text",
    "end": "end offset of the figure in the version's text",
    "version_id": "the article version the figure is in",
}


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file (and uses in its URLs): the file's stem."""
    return Path(db_path).stem


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata for the store: descriptions, facets, FTS, canned queries."""
    base = f"/{database}"
    links = " · ".join(
        f'<a href="{base}/{name}">{title}</a>'
        for name, (title, _, _) in CANNED_QUERIES.items()
        if name != "figure_history"
    )
    tables: dict[str, Any] = {
        "claim_events": {
            "title": "Change log (claim events)",
            "description": "One row per thing that happened to a figure: new, corroborated, "
            "conflict, changed, removed. Re-crawling unchanged pages adds nothing.",
            "sort_desc": "at",
            "facets": ["kind", "source", "unit", "subject"],
            "columns": _EVENT_COLUMNS,
        },
        "claims": {
            "title": "Figures (claims)",
            "description": "Every figure of every stored article version, with its context.",
            "sort_desc": "reported_at",
            "facets": ["source", "unit", "subject", "approx"],
            "columns": _CLAIM_COLUMNS,
        },
        "articles": {
            "description": "One row per article (canonical URL); its versions are in "
            "article_versions.",
            "sort_desc": "first_seen_at",
            "label_column": "title",
            "facets": ["source", "status", "lang"],
            "columns": {
                "url": "the canonical URL: one row per article",
                "status": "active, skipped (off-topic: see skip_reason) or retired (404/410)",
                "version_count": "how many distinct texts have been stored",
                "current_version_id": "the version whose figures count as current",
                "duplicate_of": "the article this one is a syndicated copy of",
                "next_check_at": "when the recheck ladder fetches it again",
            },
        },
        "article_versions": {
            "description": "Every distinct text of every article, as extracted; search "
            "covers titles and texts in English and Chinese (trigram index: type at least "
            "three characters).",
            "sort_desc": "fetched_at",
            "label_column": "title",
            "fts_table": "article_versions_fts",
            "fts_pk": "id",
            "facets": ["lang", "http_status"],
            "columns": {
                "n": "1, 2, ... in order of first appearance",
                "text": "main text after removing spam and boilerplate",
                "raw": "the page body as fetched, zlib-compressed (reprocess needs no network)",
                "suspect": "why this extraction is not trusted for diffing, if it is not",
                "content_hash": "sha256 of the normalized text (shown shortened; the whole "
                "value in the tooltip, JSON and CSV)",
                "fingerprint": "MinHash signature for near-duplicate detection (shown shortened)",
            },
        },
        "sources": {
            "description": "The configured sources and their health.",
            "label_column": "name",
            "facets": ["kind", "enabled"],
        },
        "runs": {
            "description": "One row per crawl, with counts and Scrapy's stats.",
            "sort_desc": "id",
            "facets": ["status", "trigger"],
        },
        "fetch_errors": {
            "description": "Pages and sources that could not be fetched, with the reason.",
            "sort_desc": "at",
            "facets": ["source", "reason", "status"],
        },
    }
    for name in HIDDEN_TABLES:
        tables[name] = {"hidden": True}
    return {
        "title": "deltawatch",
        "description_html": (
            "Figures in Shanghai and Yangtze River Delta tech news: who reported what, when, "
            f"and who disagrees. {links}"
        ),
        "databases": {
            database: {
                "description_html": f"Start with {links}.",
                "tables": tables,
                "queries": {
                    name: {"title": title, "description": description, "sql": sql, "hide_sql": True}
                    for name, (title, description, sql) in CANNED_QUERIES.items()
                },
            }
        },
        "plugins": {PLUGIN_NAME: {"database": database}},
    }


def settings() -> dict[str, Any]:
    """Datasette settings: long article texts are cut in tables (the row page has them)."""
    return {
        "truncate_cells_html": 120,
        "sql_time_limit_ms": 3000,
        "default_facet_size": 10,
        "suggest_facets": False,  # the useful facets are configured; suggestions are noise
    }


def make_datasette(db_path: str | Path) -> Any:
    """A configured Datasette instance over the store (read-only), not yet serving."""
    from datasette.app import Datasette

    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")
    return Datasette(
        files=[str(path)],
        metadata=metadata(database_name(path)),
        settings=settings(),
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
    )


def serve(db_path: str | Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve the store until interrupted (uvicorn, as ``datasette serve`` does)."""
    import uvicorn

    ds = make_datasette(db_path)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
