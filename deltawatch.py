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


class BadUsage(click.ClickException):
    """Bad usage or configuration found after parsing (exit 2, one line, no usage text)."""

    exit_code = 2


class BadStore(BadUsage):
    """A store that cannot be used as asked: wrong file, newer schema, read-only."""


class Group(click.Group):
    """The command group, with one safety net: an SQLite error that gets past the store
    checks (a file damaged after its header, a disk that fills) is one line and exit 2,
    never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM where a command maps it (interruptible)
            interrupted()
        except sqlite3.DatabaseError as exc:
            db = ctx.obj.db if isinstance(ctx.obj, Context) else "the store"
            raise BadStore(f"store {db}: {exc}") from None


#: The exit code of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells do).
EXIT_INTERRUPTED = 130


def interrupted() -> None:
    """Say it in one word and leave with 130: what a stopped command does, never a traceback."""
    err_console.print("interrupted", style="yellow", highlight=False)
    sys.exit(EXIT_INTERRUPTED)


def interruptible() -> None:
    """SIGTERM stops a command as Ctrl-C does (outside a crawl; a crawl handles both itself,
    finishing the pages in flight and recording the run as interrupted)."""
    import signal

    def stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


class Context:
    """What the group passes to every command."""

    def __init__(self, db: str) -> None:
        self.db = db

    def check(self, *, write: bool) -> Any:
        """Refuse a store this command cannot use, in one line (storage.check)."""
        from storage.check import StoreError, check_store

        try:
            return check_store(self.db, write=write)
        except StoreError as exc:
            raise BadStore(str(exc)) from None

    def store(self) -> Any:
        from storage.store import Store

        self.check(write=True)
        return Store(self.db)

    def readonly(self) -> Any:
        from storage.db import open_readonly

        self.check(write=False)
        return open_readonly(self.db)


pass_ctx = click.make_pass_decorator(Context)


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--json`` for scripts; a table for people (the sqlite-utils pattern)."""

    @click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def list_options(default_limit: int | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json``, ``--wide`` and ``--limit`` for every command that lists rows."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option(
            "--wide",
            is_flag=True,
            help="Every column in full (URLs, sentences, exact times); wider than a terminal.",
        )(func)
        func = click.option(
            "--limit",
            default=default_limit or 0,
            show_default=True,
            type=click.IntRange(min=0),
            help="At most this many rows (0: all). A cut list says so on stderr.",
        )(func)
        return output_options(func)

    return decorate


def fetch_limit(limit: int) -> int | None:
    """What to ask the query for: one row more than shown, to know whether the list is cut."""
    return limit + 1 if limit else None


def cut(rows: list[Any], limit: int, what: str) -> list[Any]:
    """At most ``limit`` rows; when more matched, say so on stderr (stdout stays data)."""
    if limit and len(rows) > limit:
        err_console.print(
            f"[yellow]showing the first {limit} {what}; more match[/yellow] "
            "(--limit N for more, --limit 0 for all)",
            highlight=False,
        )
        return rows[:limit]
    return rows


def since_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--since``: a time with an offset, a date, or an age, normalized to UTC as stored."""

    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        from storage.queries import parse_since

        if value is None:
            return None
        try:
            return parse_since(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option(
        "--since",
        callback=parse,
        metavar="TIME",
        help=f"{help_text} An ISO date or time (UTC unless it has an offset: "
        "2026-12-02T07:00+08:00) or an age (7d, 12h).",
    )


def emit(
    rows: Sequence[Mapping[str, Any]],
    *,
    as_json: bool,
    view: str | None,
    title: str | None = None,
    wide: bool = False,
    empty: str | None = None,
    console: Console | None = None,
) -> None:
    """Rows as JSON (raw values) or as a table for people (sharing.tables: short, human)."""
    if as_json:
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    from rich import box

    from sharing.tables import cells, fit

    console = Console(width=100_000) if wide else console or Console()
    if not rows:
        console.print(f"[dim]{empty or 'no ' + (title or 'rows')}[/dim]", highlight=False)
        return
    columns, body = cells(rows, view, wide=wide)
    widths = fit(columns, body, console.width) if not wide else [None] * len(columns)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
        collapse_padding=True,
    )
    for col, size in zip(columns, widths, strict=True):
        table.add_column(
            col.header,
            no_wrap=wide,
            overflow="fold",
            width=size,
            justify="right" if col.right else "left",
        )
    for row in body:
        table.add_row(*row)
    console.print(table, highlight=False)


def _load_config(path: str | None) -> Any:
    from seeds.config import ConfigError, load_sources

    try:
        return load_sources(path)
    except ConfigError as exc:
        from rich.markup import escape  # "[[notify]]" in a message is text, not markup

        err_console.print(
            f"[bold red]bad sources file[/bold red]\n{escape(str(exc))}", highlight=False
        )
        sys.exit(2)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
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
    """The summary table at the end of a crawl, and the failures by name (on stderr)."""
    rows = [
        {
            "source": src.name,
            "pages": c["pages"],
            "new": c["new_article"],
            "versions": c["new_version"],
            "same": c["unchanged"] + c["seen_before"] + c["not_modified"],
            "skipped": c["skipped"],
            "robots": c.get("robots_blocked", 0),
            "errors": c["fetch_errors"],
            "claims": c["claims"],
            "events": c["events"],
        }
        for src in report.sources
        for c in [src.counts]
    ]
    emit(
        rows,
        as_json=False,
        view="run",
        title=f"run {report.run_id}: {report.status}",
        console=err_console,
    )
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
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
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
            lambda: crawl(
                sources, db_path=db, trigger=trigger, on_item=on_item, on_wait=waiting, **options
            )
        )


def redis_option(
    help_text: str, *, required: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--redis URL`` (env DELTAWATCH_REDIS): the Redis of a cluster of workers (issue 8)."""
    return click.option(
        "--redis",
        "redis_url",
        envvar="DELTAWATCH_REDIS",
        metavar="URL",
        required=required,
        help=f"{help_text} e.g. redis://10.0.0.5:6379/0 (env DELTAWATCH_REDIS).",
    )


def _enqueue_round(
    sources: Sequence[Any], db: str, redis_url: str, *, trigger: str, refetch: bool
) -> None:
    """Queue one round for the workers and say what was queued and what was skipped."""
    import redis

    from scrapers.cluster.enqueue import enqueue

    try:
        report = enqueue(sources, db_path=db, redis_url=redis_url, trigger=trigger, refetch=refetch)
    except redis.RedisError as exc:
        raise click.ClickException(f"cannot queue the run in Redis at {redis_url}: {exc}") from None
    for name, count in report.queued.items():
        err_console.print(f"queued {name}: {count} start URL(s) and rechecks (run {report.run_id})")
    for name, why in report.skipped.items():
        err_console.print(f"[yellow]skipped[/yellow] {name}: {why}")


@cli.command("crawl")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file (default: the bundled seeds/sources.toml).",
)
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
@click.option("--url", "urls", multiple=True, help="Fetch this article URL now (repeatable).")
@click.option(
    "--all",
    "refetch",
    is_flag=True,
    help="Fetch every listed article, not only new ones and those due for a recheck.",
)
@click.option(
    "--wait",
    "lock_wait",
    default=30.0,
    show_default=True,
    help="Seconds to wait for a source another process is crawling.",
)
@click.option("--trigger", default="manual", hidden=True)  # "schedule" when the daemon runs it
@redis_option("Queue the run for `deltawatch worker`s in this Redis instead of crawling here.")
@pass_ctx
def crawl_cmd(
    ctx: Context,
    sources_file: str | None,
    names: tuple[str, ...],
    urls: tuple[str, ...],
    refetch: bool,
    lock_wait: float,
    trigger: str,
    redis_url: str | None,
) -> None:
    """One run now (manual trigger), with progress and a summary.

    Exit 0 when every source and page worked, 1 when some failed (each is
    listed), 2 for a bad sources file, option or store, 130 when Ctrl-C or SIGTERM
    stopped it (pages in flight are finished and stored; the run is recorded as
    interrupted unless its work was all recorded already, and no notification is sent).
    Then the sources file's [[notify]] targets get the run's events;
    a notification that fails is retried by a later run and never changes the exit code.

    Example: deltawatch crawl --source cna-shanghai --url https://example.com/story.html
    """
    from seeds.config import ConfigError, Source

    config = _load_config(sources_file)
    ctx.check(write=True)
    try:
        selected = list(config.select(names)) if names or not urls else []
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    if redis_url:
        if urls:
            raise click.UsageError("--url fetches here and now; it cannot be queued with --redis")
        _enqueue_round(selected, ctx.db, redis_url, trigger=trigger, refetch=refetch)
        return
    if urls:
        try:
            manual = Source(name="manual", kind="page", urls=tuple(urls), topic=False)
            from seeds.config import parse_sources

            parse_sources({"source": [{"name": "manual", "kind": "page", "urls": list(urls)}]})
        except ConfigError as exc:
            raise click.UsageError(str(exc).replace("<sources>: ", "--url: ")) from None
        selected.append(manual)
    interruptible()
    _notify_register(ctx.db, config.notify)
    from pipelines.scrapy_pipeline import start_helpers_early

    start_helpers_early()  # before the progress line's thread: see its docstring
    report = _crawl_with_progress(
        selected,
        ctx.db,
        trigger,
        recheck=config.recheck_ladder,
        lock_wait=lock_wait,
        overrides={"DELTAWATCH_REFETCH": True} if refetch or urls else None,
    )
    _report(report)
    if report.stopped:
        interrupted()
    _notify(ctx.db, config.notify, runs=[report.run_id])
    sys.exit(report.exit_code)


@cli.command("schedule")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file (default: the bundled seeds/sources.toml).",
)
@click.option(
    "--max-parallel",
    default=2,
    show_default=True,
    help="Crawl processes, each crawling a batch of due sources at a time.",
)
@click.option("--batch-size", default=50, show_default=True, help="Sources per batch at most.")
@redis_option("Queue each due source's run for `deltawatch worker`s instead of crawling here.")
@pass_ctx
def schedule_cmd(
    ctx: Context,
    sources_file: str | None,
    max_parallel: int,
    batch_size: int,
    redis_url: str | None,
) -> None:
    """Foreground scheduler: each source at its interval, plus rechecks, until stopped.

    Due sources (a new one at once) are crawled oldest-due first, in batches, by
    long-lived crawl processes. The schedule is kept in the store, so a restart
    resumes it. SIGTERM or Ctrl-C stop it within 10 s (crawls in flight are recorded
    as interrupted); logs go to stderr as greppable key=value lines (each source's
    run_end with its counts, schedule_lag every 30 s). See README "Running unattended".

    Example: deltawatch --db /var/lib/deltawatch/store.db schedule --sources my-sources.toml
    """
    import logging

    from scheduler import Daemon

    config = _load_config(sources_file)
    ctx.check(write=True)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Daemon(
        config, ctx.db, max_parallel=max_parallel, batch_size=batch_size, redis_url=redis_url
    ).run_forever()


def _log_to_stderr() -> None:
    """Warnings and worse as key=value lines; the level is on the handler, because Scrapy
    resets the root logger's level when it starts."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(
        logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    )
    logging.getLogger().addHandler(handler)


@cli.command("worker")
@redis_option("The cluster's Redis,", required=True)
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file (default: the bundled seeds/sources.toml); the same on every machine.",
)
@click.option(
    "--heartbeat",
    default=2.0,
    show_default=True,
    hidden=True,
    help="Seconds between heartbeats; a worker silent 5 beats counts as gone.",
)
def worker_cmd(redis_url: str, sources_file: str | None, heartbeat: float) -> None:
    """Fetch and extract for a cluster: take requests from Redis, push articles back.

    Runs every source's spider against the shared frontier (scrapy-redis): each
    request is fetched once across all workers, and hosts get the source's delay
    across the cluster, not per worker. Needs no store: `deltawatch ingest` writes.
    Runs until SIGTERM or Ctrl-C; what it had in hand goes back to the queue.

    Example: deltawatch worker --redis redis://10.0.0.5:6379/0 --sources my-sources.toml
    """
    import redis

    from scrapers.cluster.worker import run_worker
    from scrapers.run import run_in_reactor

    config = _load_config(sources_file)
    _log_to_stderr()
    sources = [s for s in config.sources if s.enabled]
    try:
        run_in_reactor(lambda: run_worker(sources, redis_url=redis_url, heartbeat=heartbeat))
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis at {redis_url}: {exc}") from None


@cli.command("ingest")
@redis_option("The cluster's Redis,", required=True)
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file, for the recheck ladder (default: seeds/sources.toml).",
)
@click.option(
    "--drain",
    is_flag=True,
    help="Exit once every queued run is done and stored, instead of running on.",
)
@pass_ctx
def ingest_cmd(ctx: Context, redis_url: str, sources_file: str | None, drain: bool) -> None:
    """The single writer of a cluster: store what the workers extracted, in order.

    Runs versioning, figures, the diff and the SQLite writes for each item, and takes
    it off the queue only after it is committed, so a killed ingest loses nothing
    (it redoes the item in hand; ingesting twice changes nothing). One ingest per
    store; a second one refuses to start. Stops on SIGTERM or Ctrl-C after the item
    in hand.

    Example: deltawatch --db /var/lib/deltawatch/store.db ingest --redis redis://10.0.0.5:6379/0
    """
    import signal
    import threading

    import redis

    from scrapers.cluster.items_queue import QueueLockedError
    from scrapers.cluster.wire import connect
    from scrapers.cluster.writer import ingest_queue

    config = _load_config(sources_file)
    ctx.check(write=True)
    _log_to_stderr()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    _notify_register(ctx.db, config.notify)
    try:
        report = ingest_queue(
            connect(redis_url),
            ctx.db,
            recheck=config.recheck_ladder,
            stop=stop,
            drain=drain,
            on_round=lambda runs: _notify(ctx.db, config.notify, runs=runs),
        )
    except QueueLockedError as exc:
        err_console.print(f"[red]{exc}[/red]; one writer per store")
        sys.exit(2)
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis at {redis_url}: {exc}") from None
    done = ", ".join(f"{n} {k}" for k, n in sorted(report.outcomes.items())) or "nothing"
    finished = ", ".join(map(str, report.finished_runs)) or "-"
    err_console.print(
        f"ingested {report.items} item(s) ({done}); replayed {report.replayed}, "
        f"unreadable {report.buried}; runs finished: {finished}"
    )


@cli.command("demo")
@click.option("--keep", is_flag=True, help="Keep the store between runs of the demo.")
@click.option(
    "--force",
    is_flag=True,
    help="Use --db even if it holds something other than a demo store (it is "
    "emptied first unless --keep).",
)
@click.option(
    "--port",
    default=8765,
    show_default=True,
    help="Port for the demo site on 127.0.0.1 (0: any free port). Article URLs "
    "include it, so use the same port to re-run the demo into a kept store.",
)
@click.option(
    "--site-delay",
    default=0.0,
    hidden=True,
    help="Seconds the demo site waits before each answer (tests of stopping).",
)
@pass_ctx
def demo_cmd(ctx: Context, keep: bool, force: bool, port: int, site_delay: float) -> None:
    """The whole pipeline offline: serve the bundled demo site on 127.0.0.1, crawl
    revision 1, switch to revision 2, crawl again, and print what changed.

    The store is --db (default ./deltawatch.db, or $DELTAWATCH_DB). Only a demo store
    (or no store yet) is used: it is emptied first unless --keep. Any other file there
    (your crawls' store, another program's file) is refused and left as it is, unless
    --force. Ctrl-C or SIGTERM stops it at once: exit 130, no second revision.

    Example: deltawatch --db demo.db demo
    """
    from pipelines.scrapy_pipeline import start_helpers_early
    from scrapers.run import crawl, run_in_reactor
    from seeds.demo_site import DEMO_DIR, demo_sources, serve_site

    _demo_store_ok(ctx, keep=keep, force=force)
    interruptible()
    start_helpers_early()  # before the site's thread: see its docstring
    site = DEMO_DIR / "site"
    serving = ExitStack()
    try:
        server = serving.enter_context(serve_site([site / "rev1"], port=port))
    except OSError as exc:
        raise click.UsageError(
            f"cannot serve the demo site on 127.0.0.1:{port}: {exc.strerror}; try --port 0"
        ) from None
    server.delay = site_delay
    if not keep:  # only once the demo can run: a busy port leaves the store as it was
        for suffix in ("", "-wal", "-shm"):
            Path(ctx.db + suffix).unlink(missing_ok=True)
    with serving:
        config = demo_sources(server.base_url)
        err_console.print(f"serving the demo site at {server.base_url}")

        async def both() -> list[Any]:
            reports = []
            for rev, layers in (("1", [site / "rev1"]), ("2", [site / "rev2", site / "rev1"])):
                server.layers = layers
                err_console.print(
                    f"[bold]revision {rev}[/bold]: crawling {len(config.sources)} sources"
                )
                # Revision 2 stands for "days later": every known article is due for a
                # recheck, so the crawl refetches them all (conditional requests still apply).
                reports.append(
                    await crawl(
                        config.sources,
                        db_path=ctx.db,
                        trigger="demo",
                        overrides={
                            "DOWNLOAD_DELAY": 0,
                            "AUTOTHROTTLE_ENABLED": False,
                            "DELTAWATCH_REFETCH": True,
                        },
                    )
                )
                if reports[-1].stopped:
                    break  # Ctrl-C means stop, not "go on with revision 2"
            return reports

        reports = run_in_reactor(both)
    for report in reports:
        _report(report)
    if reports[-1].stopped:
        interrupted()
    from storage import queries

    db = ctx.readonly()
    emit(queries.articles(db), as_json=False, title="articles", view="articles")
    # Revision 2 against revision 1, and outlets against each other: everything but the
    # first sightings of revision 1 (those are all "new"; `changes --kind new` lists them).
    log = queries.changes(db)
    rows = [r for r in log if r["kind"] != "new" or r["run_id"] == reports[-1].run_id]
    emit(
        rows,
        as_json=False,
        title="change log: revision 2 against revision 1, and across outlets",
        view="changes",
    )
    counts = Counter(r["kind"] for r in log)
    err_console.print("events: " + ", ".join(f"{counts[k]} {k}" for k in EVENT_KINDS))
    err_console.print(f"store: {ctx.db} — try: deltawatch --db {ctx.db} changes")


def _demo_store_ok(ctx: Context, *, keep: bool, force: bool) -> None:
    """The demo empties its store: refuse (exit 2) anything that is not a demo store.

    With ``DELTAWATCH_DB`` set for cron, a curious ``deltawatch demo`` would otherwise
    wipe the production store; a mistyped ``--db`` another program's file. What is
    refused is not opened for writing, so it stays byte for byte as it was.
    """
    from storage.check import StoreError, check_store, inspect_store, writable

    db = ctx.db
    try:
        info = inspect_store(db)
        if not info.is_demo and not force:
            what = {
                "not-sqlite": "is not an SQLite database",
                "foreign": "is another program's SQLite database",
                "newer": "is the store of a newer deltawatch",
            }.get(info.state, f"is a deltawatch store with {', '.join(sorted(info.triggers))} runs")
            raise StoreError(
                f"{db} {what}, and the demo empties its store, so it left it as it "
                f"is; run the demo in another store: deltawatch --db demo.db demo "
                f"(or add --force to replace {db})"
            )
        if keep:
            check_store(db, write=True)  # --keep adds to it: it must be a usable store
        elif not writable(db):
            raise StoreError(
                f"{db} is read-only (or its folder is), so the demo cannot "
                "replace it; run it with --db demo.db"
            )
    except StoreError as exc:
        raise BadStore(str(exc)) from None


# -- extraction without storing -----------------------------------------------


@cli.command("extract")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON instead of a table: an object for one input, an array for several.",
)
def extract_cmd(inputs: tuple[str, ...], as_json: bool) -> None:
    """Main text and figures of pages (HTML files, plain-text files, URLs); stores nothing.

    One input gives one JSON object, several give an array in input order. Binary
    files (PNG, PDF, archives...) are refused, one line each on stderr (and an
    {"input", "error"} object in the JSON); the exit code is then 1.

    Example: deltawatch extract article.html story.txt --json
    """
    from rich.markup import escape

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
            err_console.print(
                f"[red]{escape(item)}[/red]: {escape(str(exc))}", soft_wrap=True, highlight=False
            )  # one line per input, whatever the width
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
            emit(result["claims"], as_json=False, title="figures", view="figures")
    sys.exit(1 if failed else 0)


# -- queries --------------------------------------------------------------------


@cli.command("articles")
@click.option(
    "--search",
    metavar="TEXT",
    help="Titles and texts of every version that mention TEXT (any language; "
    "words of one or two characters too: 上海, AI).",
)
@click.option("--source", help="Only this source.")
@list_options(100)
@pass_ctx
def articles_cmd(
    ctx: Context, search: str | None, source: str | None, limit: int, wide: bool, as_json: bool
) -> None:
    """Stored articles, newest first, with how many versions each has.

    Example: deltawatch articles --search 上海
    """
    from storage import queries

    rows = queries.articles(ctx.readonly(), search=search, source=source, limit=fetch_limit(limit))
    empty = f"no stored article mentions {search!r}" if search else "no articles"
    emit(
        cut(rows, limit, "articles"),
        as_json=as_json,
        title="articles",
        view="articles",
        wide=wide,
        empty=empty,
    )


@cli.command("sources")
@list_options(None)
@pass_ctx
def sources_cmd(ctx: Context, limit: int, wide: bool, as_json: bool) -> None:
    """Each source's health: last run, last success, last error, counts.

    A source fails when its feed, sitemap or listing cannot be read (or nothing of it
    could be fetched); a dead article in a healthy feed is retired and counted in
    errors, not held against the source. URLs robots.txt disallows are counted apart.

    Example: deltawatch sources --json
    """
    from storage import queries

    rows = queries.sources(ctx.readonly(), limit=fetch_limit(limit))
    emit(cut(rows, limit, "sources"), as_json=as_json, title="sources", view="sources", wide=wide)


@cli.command("claims")
@click.option("--subject", help="Entity, e.g. Shanghai (any case).")
@click.option("--metric", help="What is measured, e.g. unicorns (any case).")
@click.option("--key", help="A figure's key, e.g. 'shanghai|unicorns|count' (any case).")
@click.option("--source", help="Only this source.")
@list_options(1000)
@pass_ctx
def claims_cmd(
    ctx: Context,
    subject: str | None,
    metric: str | None,
    key: str | None,
    source: str | None,
    limit: int,
    wide: bool,
    as_json: bool,
) -> None:
    """Stored figures of the articles' current versions.

    Example: deltawatch claims --subject Shanghai --metric unicorns
    """
    from storage import queries

    rows = queries.claims(
        ctx.readonly(),
        subject=subject,
        metric=metric,
        key=key,
        source=source,
        limit=fetch_limit(limit),
    )
    emit(cut(rows, limit, "figures"), as_json=as_json, title="claims", view="claims", wide=wide)


@cli.command("changes")
@since_option("Only events at or after this time.")
@click.option("--kind", type=click.Choice(EVENT_KINDS))
@click.option("--source", help="Only events from this source.")
@list_options(1000)
@pass_ctx
def changes_cmd(
    ctx: Context,
    since: str | None,
    kind: str | None,
    source: str | None,
    limit: int,
    wide: bool,
    as_json: bool,
) -> None:
    """The change log (claim events), newest first.

    Example: deltawatch changes --kind conflict --since 2026-12-02T07:00+08:00
    """
    from storage import queries

    rows = queries.changes(
        ctx.readonly(), since=since, kind=kind, source=source, limit=fetch_limit(limit)
    )
    emit(cut(rows, limit, "events"), as_json=as_json, title="changes", view="changes", wide=wide)


@cli.command("history")
@click.argument("key")
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Also draw the history as a chart into this .png or .svg file.",
)
@list_options(1000)
@pass_ctx
def history_cmd(
    ctx: Context, key: str, plot_file: str | None, limit: int, wide: bool, as_json: bool
) -> None:
    """Every reported value of one figure over time, with sources (KEY in any case).

    --plot draws it: values over time, one colour and mark per source, conflicts as red
    dashed bars, revisions as orange ones (the same chart as `deltawatch serve` shows).
    An unknown KEY exits 1 with a message.

    Example: deltawatch history 'smic|process node|nm' --plot smic.png
    """
    from storage import queries

    rows = queries.history(ctx.readonly(), key, limit=fetch_limit(limit))
    if not rows:
        raise click.ClickException(
            f"no figure with key {key!r}; see `deltawatch claims` for the stored keys"
        )
    if plot_file:
        _plot_history(ctx, key, plot_file)
    emit(
        cut(rows, limit, "reports"),
        as_json=as_json,
        title=queries.normalize_key(key),
        view="history",
        wide=wide,
    )


def _plot_history(ctx: Context, key: str, plot_file: str) -> None:
    """Draw a figure's chart (sharing.plot); the file's suffix picks PNG or SVG."""
    from sharing import plot
    from storage import queries

    if Path(plot_file).suffix.lower().lstrip(".") not in plot.FORMATS:
        raise click.BadParameter("the chart is written as .png or .svg", param_hint="--plot")
    db = ctx.readonly()
    key = queries.normalize_key(key)
    rows = queries.figure_history(db, key)
    plot.save(rows, queries.figure_events(db, key), key=key, path=plot_file)
    if note := plot.font_note(key=key, fmt=Path(plot_file).suffix.lower().lstrip(".")):  # type: ignore[arg-type]
        err_console.print(f"warning: {note}", markup=False)
    err_console.print(f"chart: {plot_file}")


@cli.command("diff")
@click.argument("article_id", type=int)
@click.option(
    "--from", "from_n", type=int, help="Older version number (default: the one before --to)."
)
@click.option("--to", "to_n", type=int, help="Newer version number (default: the latest).")
@click.option("--context", default=1, show_default=True, help="Unchanged lines around changes.")
@output_options
@pass_ctx
def diff_cmd(
    ctx: Context, article_id: int, from_n: int | None, to_n: int | None, context: int, as_json: bool
) -> None:
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
        raise click.UsageError(
            f"article {article_id} has {len(numbers)} version(s): nothing to diff"
        )
    to_n = to_n or numbers[-1]
    from_n = from_n or max((n for n in numbers if n < to_n), default=numbers[0])
    old, new = queries.version(db, article_id, from_n), queries.version(db, article_id, to_n)
    for n, v in ((from_n, old), (to_n, new)):
        if v is None:
            raise click.UsageError(f"article {article_id} has no version {n} (it has {numbers})")
    assert old is not None and new is not None
    result = compare_versions(
        old["text"], old["claims"], new["text"], new["claims"], context=context
    )
    if as_json:
        payload = {
            "article_id": article_id,
            "url": found["url"],
            "from": from_n,
            "to": to_n,
            **result.as_dict(),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    from rich.text import Text

    console = Console()
    console.print(f"[bold]{found['title'] or found['url']}[/bold]\n{found['url']}")
    console.print(f"[red]--- version {from_n}  {old['fetched_at']}[/red]")
    console.print(f"[green]+++ version {to_n}  {new['fetched_at']}[/green]")
    styles = {"-": "red", "+": "green", "@": "cyan", " ": "dim"}
    for line in result.lines:
        text = Text(
            f"{line.op} {line.text}" if line.op != "@" else line.text, style=styles[line.op]
        )
        for start, end in line.marks:
            text.stylize("bold reverse", start + 2, end + 2)
        console.print(text, highlight=False)
    emit(
        [{"key": f.key, "old": f.old, "new": f.new, "unit": f.unit} for f in result.figures],
        as_json=False,
        title="figures that changed",
        view="changed figures",
    )


@cli.command("reprocess")
@since_option("Only versions fetched at or after this time.")
@pass_ctx
def reprocess_cmd(ctx: Context, since: str | None) -> None:
    """Re-run extraction and figures over the stored raw pages (no network).

    Use it after the extractors improve: each version's text and figures are recomputed
    and become the new baseline. No change-log events are written for what the better
    extractor finds; the improvement is not news.

    Example: deltawatch reprocess --since 2026-11-01
    """
    from pipelines.ingest import PIPELINE_VERSION, reprocess

    ctx.check(write=False)  # nothing stored, nothing to reprocess: a missing store is an error
    with ctx.store() as store:
        report = reprocess(store, since=since)
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
        raise BadUsage(f"SQL error: {exc}") from None
    emit(rows, as_json=as_json, view=None, title="result", wide=True)


@cli.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False))
@pass_ctx
def backup_cmd(ctx: Context, dest: str) -> None:
    """A consistent copy of the store, safe to take while crawls write (SQLite online backup).

    The copy is checked (integrity_check) and renamed into place, so DEST is never half a
    store. To restore, stop crawls and copy DEST over the store (or use it with --db).

    Example: deltawatch backup /var/backups/deltawatch-$(date +%F).db
    """
    from storage.db import backup

    ctx.check(write=False)
    if Path(dest).exists() and Path(dest).resolve() == Path(ctx.db).resolve():
        raise click.UsageError(f"{dest} is the store itself; give the backup another file name")
    try:
        report = backup(ctx.db, dest)
    except (OSError, ValueError, sqlite3.Error) as exc:
        raise click.ClickException(f"backup failed: {exc}") from None
    counts = ", ".join(f"{n} {t}" for t, n in report.counts.items())
    click.echo(
        f"backup of {ctx.db} written to {report.path}: {report.bytes / 1_048_576:.1f} MB, "
        f"integrity {report.integrity}; {counts}"
    )


# -- browsing and sharing (issue 7) ---------------------------------------------------


@cli.command("serve")
@click.option(
    "--port",
    default=8001,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but a loopback address lets whoever can "
    "reach this machine read the whole store.",
)
@pass_ctx
def serve_cmd(ctx: Context, port: int, host: str) -> None:
    """Browse the store in Datasette, read-only: the change log, open conflicts, a
    figure's history with its chart, full-text search, source health.

    Safe while crawls run: the store is opened read-only and every page reads the
    latest committed data. Ctrl-C stops it.

    Example: deltawatch --db demo.db serve --port 8001
    """
    import socket

    from sharing.datasette import database_name, serve

    ctx.readonly().close()  # a bad store is refused here, not with a 500 on every page
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:  # a clear message, not a traceback
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"[yellow]warning[/yellow]: listening on {host}: anyone who can reach "
            "it can read the store"
        )
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}/{database_name(ctx.db)}"
    err_console.print(
        f"serving {ctx.db} read-only at [bold]{base}[/bold] (Ctrl-C to stop)\n"
        f"  change log      {base}/latest_changes\n"
        f"  open conflicts  {base}/open_conflicts\n"
        f"  figures         {base}/figures",
        highlight=False,
        soft_wrap=True,
    )
    serve(ctx.db, host=host, port=port)


@cli.command("export")
@click.option(
    "--what",
    type=click.Choice(["changes", "claims", "articles"]),
    default="changes",
    show_default=True,
    help="Which rows: the change log, figures, or articles.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "atom"]),
    default="csv",
    show_default=True,
    help="CSV or JSON for spreadsheets and pandas; Atom for feed readers (changes only).",
)
@click.option("--json", "as_json", is_flag=True, help="Short for --format json.")
@since_option("Only rows at or after this time.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows, newest first.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file (replaced atomically) instead of stdout.",
)
@click.option(
    "--site-url",
    default="http://127.0.0.1:8001",
    show_default=True,
    help="Atom: where `deltawatch serve` is reached; entries link to stored versions.",
)
@click.option("--feed-url", help="Atom: the URL the feed is published at (its rel=self link).")
@pass_ctx
def export_cmd(
    ctx: Context,
    what: str,
    fmt: str,
    as_json: bool,
    since: str | None,
    limit: int | None,
    output: str | None,
    site_url: str,
    feed_url: str | None,
) -> None:
    """Data out: CSV or JSON (UTF-8, header row, ISO 8601 times) for spreadsheets and
    pandas, or an Atom feed of the change log that feed readers can subscribe to.

    Atom entry ids stay the same from one export to the next, so readers show only
    new events: re-export on a schedule (cron) to a file your web server publishes.

    Example: deltawatch export --format atom -o changes.atom
    """
    import os
    import tempfile

    from sharing.datasette import database_name
    from sharing.export import export

    fmt = "json" if as_json else fmt
    if fmt == "atom" and what != "changes":
        raise click.UsageError("the Atom feed is of changes: use --what changes with --format atom")
    options: dict[str, Any] = {
        "what": what,
        "fmt": fmt,
        "since": since,
        "limit": limit,
        "site_url": site_url,
        "feed_url": feed_url,
        "database": database_name(ctx.db),
    }
    db = ctx.readonly()
    if output is None:
        try:
            export(db, sys.stdout.buffer, **options)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # `| head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    target = Path(output)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            count = export(db, out, **options)
        os.chmod(tmp, 0o644)  # a feed is meant to be read by the web server
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    err_console.print(f"wrote {count} {what} as {fmt} to {output}")


# -- notifications (issue 14) ----------------------------------------------------------


def _notify_register(db: str, targets: Sequence[Any]) -> None:
    """Before a run: the [[notify]] targets it will deliver to, even if it is killed."""
    if not targets:
        return
    from sharing.delivery import register

    try:
        register(db, targets)
    except Exception as exc:  # notifications never stop a crawl
        from rich.markup import escape

        err_console.print(f"[yellow]notifications[/yellow]: {escape(str(exc))}", highlight=False)


def _notify(db: str, targets: Sequence[Any], *, runs: Sequence[int]) -> None:
    """Deliver the finished runs' events to the [[notify]] targets, after the runs' commit.

    Whatever happens here is printed and recorded, and never changes the exit code: the
    crawl's outcome is the crawl's (a later run retries what failed).
    """
    if not targets:
        return
    from rich.markup import escape

    from sharing.delivery import deliver, describe

    try:
        reports = deliver(db, targets, runs=runs)
    except Exception as exc:  # a full disk or a broken plugin must not fail the crawl
        err_console.print(
            f"[yellow]notifications not sent[/yellow]: {escape(str(exc))}; a later run retries",
            highlight=False,
        )
        return
    for report in reports:
        for line in describe(report):
            err_console.print(escape(line), highlight=False, soft_wrap=True)


@cli.command("notifications")
@list_options(100)
@pass_ctx
def notifications_cmd(ctx: Context, limit: int, wide: bool, as_json: bool) -> None:
    """Deliveries of notifications: pending and failed first, then the delivered ones.

    One row per change-log event and [[notify]] target: its status (pending, delivered,
    failed), attempts, the last error (URLs redacted) and when it was sent. Failed ones are
    retried by later crawls, twice at once, then after a growing wait, up to 8 attempts.

    Example: deltawatch notifications --json
    """
    from storage.deliveries import list_deliveries

    rows = list_deliveries(ctx.readonly(), limit=fetch_limit(limit))
    emit(
        cut(rows, limit, "deliveries"),
        as_json=as_json,
        title="notifications",
        view="notifications",
        wide=wide,
        empty="no notifications yet (add [[notify]] targets to the sources file)",
    )


@cli.command("notify")
@click.argument("name", required=False)
@click.option(
    "--test",
    "send_test",
    is_flag=True,
    help="Send a test message to the target NAME (or every target) and say whether "
    "it arrived; exit 1 if not.",
)
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file (default: the bundled seeds/sources.toml).",
)
@output_options
def notify_cmd(name: str | None, send_test: bool, sources_file: str | None, as_json: bool) -> None:
    """The sources file's [[notify]] targets (URLs redacted); --test sends each a test message.

    A test message says nothing about the store: it checks the URL, the secrets from the
    environment (${NAME} in a URL) and that the service accepts a message. Exit 1 when one
    did not arrive, 2 for an unknown NAME or a bad sources file.

    Example: deltawatch notify --test desk --sources my-sources.toml
    """
    from rich.markup import escape

    config = _load_config(sources_file)
    targets = [t for t in config.notify if name in (None, t.name)]
    if name and not targets:
        known = ", ".join(t.name for t in config.notify) or "none"
        raise BadUsage(f"no [[notify]] target named {name!r} in {config.path} (known: {known})")
    if not send_test:
        rows = [
            {
                "name": t.name,
                "urls": list(t.shown_urls),
                "kinds": list(t.kinds),
                "subjects": list(t.subjects),
                "keys": list(t.keys),
                "sources": list(t.sources),
                "digest": t.digest,
            }
            for t in targets
        ]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            err_console.print(f"no [[notify]] targets in {escape(str(config.path))}")
        for row in rows:  # a block per target: URLs are long, lists are short
            how = "one digest per run" if row["digest"] else "one message per event"
            click.echo(f"{row['name']}  ({how})")
            for label in ("urls", "kinds", "subjects", "keys", "sources"):
                click.echo(f"  {label:<9} {', '.join(row[label]) or 'any'}")
        return
    if not targets:
        raise BadUsage(f"no [[notify]] targets in {config.path}: nothing to test")
    from sharing.delivery import send_test as send_one_test

    results = [
        {"target": t.name, "url": url, "arrived": error is None, "error": error}
        for t in targets
        for url, error in send_one_test(t)
    ]
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for r in results:
            outcome = (
                "arrived" if r["arrived"] else f"[red]not delivered[/red]: {escape(r['error'])}"
            )
            err_console.print(
                f"{r['target']}: {escape(r['url'])}: {outcome}", highlight=False, soft_wrap=True
            )
    sys.exit(0 if all(r["arrived"] for r in results) else 1)


def main() -> None:
    cli(prog_name="deltawatch")


if __name__ == "__main__":
    main()
