"""deltawatch's command line: parse, call ``scrapers``/``pipelines``/``storage``, print.

One function per command; no SQL and no parsing logic here (STYLE.md).
Exit codes: 0 ok; 1 ran, but some sources or pages failed; 2 bad usage or
bad configuration.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pipelines.diff import EVENT_KINDS

__all__ = ["cli"]

DEFAULT_DB = "deltawatch.db"
err_console = Console(stderr=True)


class Context:
    """What the group passes to every command."""

    def __init__(self, db: str) -> None:
        self.db = db

    def store(self) -> Any:
        from storage.store import Store

        return Store(self.db)

    def readonly(self) -> Any:
        from storage.db import open_readonly

        try:
            return open_readonly(self.db)
        except FileNotFoundError:
            raise click.ClickException(
                f"no store at {self.db}: run 'deltawatch crawl' or 'deltawatch demo' first"
            ) from None


pass_ctx = click.make_pass_decorator(Context)


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--json`` for scripts; a table for people (the sqlite-utils pattern)."""

    @click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def emit(rows: Sequence[Mapping[str, Any]], *, as_json: bool, columns: Sequence[str],
         title: str | None = None) -> None:  # fmt: skip
    if as_json:
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    console = Console()
    if not rows:
        console.print(f"[dim]no {title or 'rows'}[/dim]")
        return
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else _fmt(row.get(c)) for c in columns))
    console.print(table)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:.4g}"
    return str(value)


def _load_config(path: str | None) -> Any:
    from seeds.config import ConfigError, load_sources

    try:
        return load_sources(path)
    except ConfigError as exc:
        err_console.print(f"[bold red]bad sources file[/bold red]\n{exc}", highlight=False)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="deltawatch")
@click.option(
    "--db",
    envvar="DELTAWATCH_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The SQLite store (env DELTAWATCH_DB).",
)
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """Watch Shanghai / Yangtze River Delta tech news: keep every version of every
    article, extract every figure, and log what is new, corroborated, conflicting
    or changed.

    Example: deltawatch demo
    """
    ctx.obj = Context(db)


# -- crawling -----------------------------------------------------------------


def _report(report: Any) -> None:
    """The summary table at the end of a crawl, and the failures by name."""
    table = Table(title=f"run {report.run_id}: {report.status}")
    for col in ("source", "pages", "new", "versions", "unchanged", "skipped", "errors",
                "claims", "events"):  # fmt: skip
        table.add_column(col, justify="left" if col == "source" else "right")
    for src in report.sources:
        c = src.counts
        table.add_row(
            src.name, str(c["pages"]), str(c["new_article"]), str(c["new_version"]),
            str(c["unchanged"] + c["seen_before"] + c["not_modified"]), str(c["skipped"]), str(c["fetch_errors"]),
            str(c["claims"]), str(c["events"]),
        )  # fmt: skip
    err_console.print(table)
    for e in report.errors[:20]:
        err_console.print(f"[red]failed[/red] {e['source']}: {e['url']} — {e['reason']}")
    if len(report.errors) > 20:
        err_console.print(
            f"... and {len(report.errors) - 20} more (deltawatch sql "
            f'"SELECT * FROM fetch_errors WHERE run_id = {report.run_id}")'
        )


def _crawl_with_progress(sources: Sequence[Any], db: str, trigger: str, **options: Any) -> Any:
    """Run a crawl with a live line on stderr (only on a terminal: quiet when piped)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from scrapers.run import crawl, run_in_reactor

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("crawling", total=None)
        seen = {"pages": 0, "errors": 0}

        def on_item(source: str, item: Any) -> None:
            seen["errors" if hasattr(item, "reason") else "pages"] += 1
            progress.update(
                task, description=f"{source}: {seen['pages']} pages, {seen['errors']} failed"
            )

        def waiting(names: str) -> None:
            err_console.print(f"waiting: another process is crawling {names}")

        return run_in_reactor(
            lambda: crawl(sources, db_path=db, trigger=trigger, on_item=on_item,
                          on_wait=waiting, **options)
        )  # fmt: skip


@cli.command("crawl")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file (default: the bundled seeds/sources.toml).",
)
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
@click.option("--url", "urls", multiple=True, help="Fetch this article URL now (repeatable).")
@click.option("--all", "refetch", is_flag=True,
              help="Fetch every listed article, not only new ones and those due for a recheck.")
@click.option("--wait", "lock_wait", default=30.0, show_default=True,
              help="Seconds to wait for a source another process is crawling.")
@click.option("--trigger", default="manual", hidden=True)  # "schedule" when the daemon runs it
@pass_ctx
def crawl_cmd(ctx: Context, sources_file: str | None, names: tuple[str, ...],
              urls: tuple[str, ...], refetch: bool, lock_wait: float, trigger: str) -> None:  # fmt: skip
    """One run now (manual trigger), with progress and a summary.

    Exit 0 when every source and page worked, 1 when some failed (each is
    listed), 2 for a bad sources file or option.

    Example: deltawatch crawl --source cna-shanghai --url https://example.com/story.html
    """
    from seeds.config import ConfigError, Source

    config = _load_config(sources_file)
    try:
        selected = list(config.select(names)) if names or not urls else []
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    if urls:
        try:
            manual = Source(name="manual", kind="page", urls=tuple(urls), topic=False)
            from seeds.config import parse_sources

            parse_sources({"source": [{"name": "manual", "kind": "page", "urls": list(urls)}]})
        except ConfigError as exc:
            raise click.UsageError(str(exc).replace("<sources>: ", "--url: ")) from None
        selected.append(manual)
    report = _crawl_with_progress(
        selected, ctx.db, trigger, recheck=config.recheck_ladder, lock_wait=lock_wait,
        overrides={"DELTAWATCH_REFETCH": True} if refetch or urls else None,
    )  # fmt: skip
    _report(report)
    sys.exit(report.exit_code)


@cli.command("schedule")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False),
              help="Sources file (default: the bundled seeds/sources.toml).")
@click.option("--max-parallel", default=2, show_default=True,
              help="Crawls running at once (each in its own process).")
@pass_ctx
def schedule_cmd(ctx: Context, sources_file: str | None, max_parallel: int) -> None:
    """Foreground scheduler: each source at its interval, plus rechecks, until stopped.

    The schedule is kept in the store, so a restart resumes it instead of running
    every source at once. SIGTERM or Ctrl-C stop it cleanly; logs go to stderr as
    greppable key=value lines. See README "Running as a service" for systemd and cron.

    Example: deltawatch --db /var/lib/deltawatch/store.db schedule --sources my-sources.toml
    """
    import logging

    from scheduler import Daemon

    config = _load_config(sources_file)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
    )  # fmt: skip
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Daemon(config, ctx.db, max_parallel=max_parallel).run_forever()


@cli.command("demo")
@click.option("--keep", is_flag=True, help="Keep the store between runs of the demo.")
@click.option("--port", default=8765, show_default=True,
              help="Port for the demo site on 127.0.0.1 (0: any free port). Article URLs "
                   "include it, so use the same port to re-run the demo into a kept store.")
@pass_ctx
def demo_cmd(ctx: Context, keep: bool, port: int) -> None:
    """The whole pipeline offline: serve the bundled demo site on 127.0.0.1, crawl
    revision 1, switch to revision 2, crawl again, and print what changed.

    The store is --db (default ./deltawatch.db); it is emptied first unless --keep.

    Example: deltawatch --db demo.db demo
    """
    from scrapers.run import crawl, run_in_reactor
    from seeds.demo_site import DEMO_DIR, demo_sources, serve_site

    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(ctx.db + suffix).unlink(missing_ok=True)
    site = DEMO_DIR / "site"
    serving = ExitStack()
    try:
        server = serving.enter_context(serve_site([site / "rev1"], port=port))
    except OSError as exc:
        raise click.UsageError(f"cannot serve the demo site on 127.0.0.1:{port}: {exc.strerror}; "
                               "try --port 0") from exc
    with serving:
        config = demo_sources(server.base_url)
        err_console.print(f"serving the demo site at {server.base_url}")

        async def both() -> list[Any]:
            reports = []
            for rev, layers in (("1", [site / "rev1"]), ("2", [site / "rev2", site / "rev1"])):
                server.layers = layers
                err_console.print(f"[bold]revision {rev}[/bold]: crawling {len(config.sources)} "
                                  "sources")  # fmt: skip
                # Revision 2 stands for "days later": every known article is due for a
                # recheck, so the crawl refetches them all (conditional requests still apply).
                reports.append(
                    await crawl(config.sources, db_path=ctx.db, trigger="demo",
                                overrides={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                                           "DELTAWATCH_REFETCH": True})
                )  # fmt: skip
            return reports

        reports = run_in_reactor(both)
    for report in reports:
        _report(report)
    from storage import queries

    db = ctx.readonly()
    emit(queries.articles(db), as_json=False, title="articles",
         columns=("id", "source", "status", "lang", "versions", "title"))  # fmt: skip
    # Revision 2 against revision 1, and outlets against each other: everything but the
    # first sightings of revision 1 (those are all "new"; `changes --kind new` lists them).
    log = queries.changes(db)
    rows = [r for r in log if r["kind"] != "new" or r["run_id"] == reports[-1].run_id]
    emit(rows, as_json=False, title="change log: revision 2 against revision 1, and across outlets",
         columns=("run_id", "kind", "subject", "metric", "unit", "old_value", "new_value",
                  "source", "prior_source"))  # fmt: skip
    counts = Counter(r["kind"] for r in log)
    err_console.print("events: " + ", ".join(f"{counts[k]} {k}" for k in EVENT_KINDS))
    err_console.print(f"store: {ctx.db} — try: deltawatch --db {ctx.db} changes")


# -- extraction without storing -----------------------------------------------


@cli.command("extract")
@click.argument("inputs", nargs=-1, required=True)
@output_options
def extract_cmd(inputs: tuple[str, ...], as_json: bool) -> None:
    """Main text and figures of pages (HTML files, plain-text files, URLs); stores nothing.

    One input gives one JSON object, several give an array in input order.

    Example: deltawatch extract article.html story.txt --json
    """
    from pipelines.reader import extract_file, extract_page
    from scrapers.fetch import fetch_page

    results = []
    failed = False
    for item in inputs:
        try:
            if "://" in item:
                results.append(extract_page(fetch_page(item)))
            else:
                results.append(extract_file(item))
        except (OSError, ValueError) as exc:
            err_console.print(f"[red]{item}[/red]: {exc}")
            results.append({"input": item, "error": str(exc)})
            failed = True
    if as_json:
        payload: Any = results[0] if len(results) == 1 else results
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        console = Console()
        for result in results:
            if "error" in result:
                continue
            console.rule(result["title"] or result["url"])
            console.print(result["text"], highlight=False)
            emit(result["claims"], as_json=False, title="figures",
                 columns=("value", "unit", "approx", "subject", "metric", "period"))  # fmt: skip
    sys.exit(1 if failed else 0)


# -- queries --------------------------------------------------------------------


@cli.command("articles")
@click.option("--search", help="Full-text search over article text (any language).")
@click.option("--source", help="Only this source.")
@click.option("--limit", default=100, show_default=True)
@output_options
@pass_ctx
def articles_cmd(ctx: Context, search: str | None, source: str | None, limit: int,
                 as_json: bool) -> None:  # fmt: skip
    """Stored articles, newest first, with how many versions each has.

    Example: deltawatch articles --search 独角兽
    """
    from storage import queries

    rows = queries.articles(ctx.readonly(), search=search, source=source, limit=limit)
    emit(rows, as_json=as_json, title="articles",
         columns=("id", "source", "status", "lang", "versions", "title", "url"))  # fmt: skip


@cli.command("sources")
@output_options
@pass_ctx
def sources_cmd(ctx: Context, as_json: bool) -> None:
    """Each source's health: last run, last success, last error, counts.

    Example: deltawatch sources --json
    """
    from storage import queries

    emit(queries.sources(ctx.readonly()), as_json=as_json, title="sources",
         columns=("name", "kind", "next_run_at", "last_run_at", "last_success_at",
                  "consecutive_failures", "articles", "skipped", "errors",
                  "last_error"))  # fmt: skip


@cli.command("claims")
@click.option("--subject", help="Entity, e.g. Shanghai.")
@click.option("--metric", help="What is measured, e.g. unicorns.")
@click.option("--key", help="A figure's key, e.g. 'shanghai|unicorns|count'.")
@click.option("--source", help="Only this source.")
@output_options
@pass_ctx
def claims_cmd(ctx: Context, subject: str | None, metric: str | None, key: str | None,
               source: str | None, as_json: bool) -> None:  # fmt: skip
    """Stored figures of the articles' current versions.

    Example: deltawatch claims --subject Shanghai --metric unicorns
    """
    from storage import queries

    rows = queries.claims(ctx.readonly(), subject=subject, metric=metric, key=key, source=source)
    emit(rows, as_json=as_json, title="claims",
         columns=("key", "value", "unit", "approx", "period", "source", "article_url"))  # fmt: skip


@cli.command("changes")
@click.option("--since", help="Only events at or after this ISO time, e.g. 2026-11-01.")
@click.option("--kind", type=click.Choice(EVENT_KINDS))
@click.option("--source", help="Only events from this source.")
@output_options
@pass_ctx
def changes_cmd(ctx: Context, since: str | None, kind: str | None, source: str | None,
                as_json: bool) -> None:  # fmt: skip
    """The change log (claim events), newest first.

    Example: deltawatch changes --kind conflict
    """
    from storage import queries

    rows = queries.changes(ctx.readonly(), since=since, kind=kind, source=source)
    emit(rows, as_json=as_json, title="changes",
         columns=("at", "kind", "key", "old_value", "new_value", "source", "prior_source",
                  "article_url"))  # fmt: skip


@cli.command("history")
@click.argument("key")
@output_options
@pass_ctx
def history_cmd(ctx: Context, key: str, as_json: bool) -> None:
    """Every reported value of one figure over time, with sources.

    Example: deltawatch history 'smic|process node|nm'
    """
    from storage import queries

    emit(queries.history(ctx.readonly(), key), as_json=as_json, title=key,
         columns=("reported_at", "source", "value", "unit", "approx", "conflict", "version", "current",
                  "article_url"))  # fmt: skip


@cli.command("diff")
@click.argument("article_id", type=int)
@click.option("--from", "from_n", type=int, help="Older version number (default: the one before --to).")
@click.option("--to", "to_n", type=int, help="Newer version number (default: the latest).")
@click.option("--context", default=1, show_default=True, help="Unchanged lines around changes.")
@output_options
@pass_ctx
def diff_cmd(ctx: Context, article_id: int, from_n: int | None, to_n: int | None, context: int,
             as_json: bool) -> None:  # fmt: skip
    """A readable text diff between two versions of an article, changed figures highlighted.

    Versions are numbered 1, 2, ... as `deltawatch articles` counts them.

    Example: deltawatch diff 5 --from 1 --to 2
    """
    from pipelines.revisions import compare_versions
    from storage import queries

    db = ctx.readonly()
    found = queries.article(db, article_id)
    if found is None:
        raise click.UsageError(f"no article {article_id}; see `deltawatch articles`")
    numbers = [v["n"] for v in queries.versions(db, article_id)]
    if len(numbers) < 2 and from_n is None:
        raise click.UsageError(f"article {article_id} has {len(numbers)} version(s): nothing to diff")
    to_n = to_n or numbers[-1]
    from_n = from_n or max((n for n in numbers if n < to_n), default=numbers[0])
    old, new = queries.version(db, article_id, from_n), queries.version(db, article_id, to_n)
    for n, v in ((from_n, old), (to_n, new)):
        if v is None:
            raise click.UsageError(f"article {article_id} has no version {n} (it has {numbers})")
    assert old is not None and new is not None
    result = compare_versions(old["text"], old["claims"], new["text"], new["claims"],
                              context=context)  # fmt: skip
    if as_json:
        payload = {"article_id": article_id, "url": found["url"], "from": from_n, "to": to_n,
                   **result.as_dict()}  # fmt: skip
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    from rich.text import Text

    console = Console()
    console.print(f"[bold]{found['title'] or found['url']}[/bold]\n{found['url']}")
    console.print(f"[red]--- version {from_n}  {old['fetched_at']}[/red]")
    console.print(f"[green]+++ version {to_n}  {new['fetched_at']}[/green]")
    styles = {"-": "red", "+": "green", "@": "cyan", " ": "dim"}
    for line in result.lines:
        text = Text(f"{line.op} {line.text}" if line.op != "@" else line.text,
                    style=styles[line.op])  # fmt: skip
        for start, end in line.marks:
            text.stylize("bold reverse", start + 2, end + 2)
        console.print(text, highlight=False)
    emit([{"key": f.key, "old": f.old, "new": f.new, "unit": f.unit} for f in result.figures],
         as_json=False, title="figures that changed", columns=("key", "old", "new", "unit"))  # fmt: skip


@cli.command("reprocess")
@click.option("--since", help="Only versions fetched at or after this ISO time.")
@pass_ctx
def reprocess_cmd(ctx: Context, since: str | None) -> None:
    """Re-run extraction and figures over the stored raw pages (no network).

    Use it after the extractors improve: each version's text and figures are recomputed
    and become the new baseline. No change-log events are written for what the better
    extractor finds; the improvement is not news.

    Example: deltawatch reprocess --since 2026-11-01
    """
    from pipelines.ingest import PIPELINE_VERSION, reprocess
    from storage.store import Store

    store = Store(ctx.db)
    try:
        report = reprocess(store, since=since)
    finally:
        store.close()
    err_console.print(
        f"reprocessed {report.versions} version(s) with {PIPELINE_VERSION}: "
        f"{report.text_changed} text(s) changed, figures {report.claims_before} -> "
        f"{report.claims_after}"
    )
    for version_id, reason in report.failed:
        err_console.print(f"[red]version {version_id}[/red]: {reason} (kept as it was)")
    sys.exit(1 if report.failed else 0)


@cli.command("sql")
@click.argument("query")
@output_options
@pass_ctx
def sql_cmd(ctx: Context, query: str, as_json: bool) -> None:
    """SQL on the store opened read-only: SELECT, WITH and read-only PRAGMAs; writes fail.

    Example: deltawatch sql "SELECT kind, count(*) FROM claim_events GROUP BY kind"
    """
    from storage import queries

    try:
        rows = queries.sql(ctx.readonly(), query)
    except sqlite3.Error as exc:
        raise click.ClickException(f"SQL error: {exc}") from None
    emit(rows, as_json=as_json, columns=list(rows[0]) if rows else [], title="result")


def main() -> None:
    cli(prog_name="deltawatch")


if __name__ == "__main__":
    main()
