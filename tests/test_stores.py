"""A wrong store is refused in one line with exit 2, and the demo never empties a real one.

Issue 13: ``--db garbage.db changes`` printed a 37-line traceback; ``demo`` deleted
whatever ``--db`` (or ``DELTAWATCH_DB``) pointed at. Each kind of bad store is a real
file here: random bytes, another program's SQLite database, a store from a newer
deltawatch, a damaged file behind a valid header, a read-only store, no file at all.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from deltawatch import cli
from storage.store import Store
from tests.conftest import ROOT


def garbage(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 40)
    return path


def foreign(path: Path) -> Path:
    """Another program's SQLite database (a browser's history, say)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE visits (url TEXT, at TEXT)")
        conn.execute("INSERT INTO visits VALUES ('https://example.org', '2026-01-01')")
    conn.close()
    return path


def crawl_store(path: Path) -> Path:
    """A deltawatch store that someone's crawls filled: never the demo's to empty."""
    store = Store(path)
    store.start_run(trigger="manual", sources=["pujiang-post"])
    store.close()
    return path


def demo_store(path: Path) -> Path:
    store = Store(path)
    store.start_run(trigger="demo", sources=["pujiang-post"])
    store.close()
    return path


def newer(path: Path) -> Path:
    """A store a later deltawatch migrated further than this one knows."""
    crawl_store(path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('deltawatch', 'm999_from_the_future', '2027-01-01')"
        )
    conn.close()
    return path


def damaged(path: Path) -> Path:
    """A valid SQLite header followed by noise: opens, then fails on the first read."""
    crawl_store(path)
    data = bytearray(path.read_bytes())
    data[100:] = bytes(len(data) - 100)
    path.write_bytes(bytes(data))
    return path


BAD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "garbage": (garbage, "not an SQLite database"),
    "foreign": (foreign, "another program"),
    "newer": (newer, "newer deltawatch"),
    "damaged": (damaged, "damaged"),
    "missing": (lambda p: p, "no store at"),
}

#: Every command that opens the store, with arguments that are fine for a good store.
STORE_COMMANDS = [
    ["changes"],
    ["claims"],
    ["articles"],
    ["articles", "--search", "上海"],
    ["sources"],
    ["history", "shanghai|unicorns|count"],
    ["diff", "1"],
    ["export"],
    ["reprocess"],
    ["sql", "SELECT 1"],
    ["backup", "copy.db"],
    ["serve", "--port", "8911"],
    ["crawl", "--url", "http://127.0.0.1:9/x"],
]


def invoke(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


@pytest.mark.parametrize(
    ("kind", "args"),
    # crawl creates a missing store: that is how the first crawl starts
    [(k, a) for k in sorted(BAD) for a in STORE_COMMANDS if (k, a[0]) != ("missing", "crawl")],
    ids=lambda v: v if isinstance(v, str) else "-".join(v[:2]),
)
def test_a_bad_store_is_one_line_and_exit_2_in_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, args: list[str]
) -> None:
    make, says = BAD[kind]
    db = make(tmp_path / "store.db")
    before = snapshot(db)
    monkeypatch.chdir(tmp_path)  # backup's relative copy.db would land here
    result = invoke(db, *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) <= 3 and "Traceback" not in result.output, result.output
    assert says in result.output and str(db) in result.output
    assert snapshot(db) == before
    assert not (tmp_path / "copy.db").exists()


def test_a_read_only_store_is_read_but_never_written(tmp_path: Path) -> None:
    db = demo_store(tmp_path / "store.db")  # even the demo's own, once made read-only
    db.chmod(0o444)  # read-only even for root: the owner's wish is what counts
    before = db.read_bytes()
    assert invoke(db, "changes", "--json").exit_code == 0
    for args in (
        ["reprocess"],
        ["crawl", "--url", "http://127.0.0.1:9/x"],
        ["demo"],
        ["demo", "--force"],
    ):
        result = invoke(db, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "read-only" in result.output and "Traceback" not in result.output
    assert db.read_bytes() == before


@pytest.mark.parametrize("kind", ["garbage", "foreign", "crawl_store", "newer"])
def test_demo_refuses_what_is_not_a_demo_store_and_says_how_to_proceed(
    tmp_path: Path, kind: str
) -> None:
    make = {"crawl_store": crawl_store, **{k: v[0] for k, v in BAD.items()}}[kind]
    db = make(tmp_path / "store.db")
    before = db.read_bytes()
    for args in (["demo"], ["demo", "--keep"]):
        result = invoke(db, *args)
        assert result.exit_code == 2, result.output
        assert "--db demo.db" in result.output and "--force" in result.output
        assert len(result.output.strip().splitlines()) <= 3
    assert db.read_bytes() == before


def test_demo_refuses_the_store_named_by_the_environment(tmp_path: Path) -> None:
    """The README's cron recipe sets DELTAWATCH_DB; a curious `deltawatch demo` must not
    wipe that production store."""
    db = crawl_store(tmp_path / "production.db")
    before = db.read_bytes()
    result = CliRunner().invoke(cli, ["demo"], env={"DELTAWATCH_DB": str(db)})
    assert result.exit_code == 2 and "manual runs" in result.output
    assert db.read_bytes() == before


def test_demo_force_passes_the_check_and_a_busy_port_still_keeps_the_store(tmp_path: Path) -> None:
    """--force lets the demo replace the store, but only once it can really run."""
    db = crawl_store(tmp_path / "store.db")
    before = db.read_bytes()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke(db, "demo", "--force", "--port", str(port))
    assert result.exit_code == 2 and "cannot serve the demo site" in result.output
    assert db.read_bytes() == before


def test_demo_accepts_an_old_demo_store_without_asking(tmp_path: Path) -> None:
    """A demo store is the demo's own: refused only if busy port, never for what it is."""
    db = demo_store(tmp_path / "store.db")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = invoke(db, "demo", "--port", str(busy.getsockname()[1]))
    assert "cannot serve the demo site" in result.output  # got past the store check


def test_demo_into_a_fresh_default_store_works_as_before(tmp_path: Path) -> None:
    """No --db, no DELTAWATCH_DB: ./deltawatch.db is created and filled, exit 0."""
    env = {k: v for k, v in os.environ.items() if k != "DELTAWATCH_DB"}
    env.update(NO_COLOR="1", PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-m", "deltawatch", "demo", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "events:" in result.stderr and "change log" in result.stdout
    with sqlite3.connect(tmp_path / "deltawatch.db") as conn:
        (triggers,) = conn.execute("SELECT group_concat(DISTINCT trigger) FROM runs").fetchone()
    conn.close()
    assert triggers == "demo"


def test_backup_onto_the_store_itself_is_bad_usage(tmp_path: Path) -> None:
    db = crawl_store(tmp_path / "store.db")
    before = db.read_bytes()
    result = invoke(db, "backup", str(db))
    assert result.exit_code == 2 and "the store itself" in result.output
    assert db.read_bytes() == before


def test_sql_errors_are_bad_usage_in_one_line(tmp_path: Path) -> None:
    db = crawl_store(tmp_path / "store.db")
    for query in ("SELEC 1", "SELECT * FROM no_such_table", "DELETE FROM runs"):
        result = invoke(db, "sql", query)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: SQL error:")
        assert len(result.output.strip().splitlines()) == 1
