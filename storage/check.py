"""Is this file a store deltawatch may read or write? Answered before anything opens it.

SQLite opens almost anything and fails later, deep inside a query, with a traceback
(``file is not a database``, ``no such table``, ``attempt to write a readonly
database``); ``open_db`` would even turn another program's database into a half
deltawatch store by migrating it. Every command asks here first, so a wrong ``--db``
gets one line that names the file and what to do, and the file is never touched:
the checks only read the header and, opened ``mode=ro``, the list of migrations.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from storage.db import migrations

__all__ = ["StoreError", "StoreInfo", "check_store", "inspect_store", "writable"]

#: Tables a deltawatch store has (the first migration creates them all in one commit).
_OUR_TABLES = frozenset(
    {"sources", "runs", "articles", "article_versions", "claims", "claim_events", "fetch_errors"}
)

#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"

StoreState = Literal["missing", "empty", "deltawatch", "foreign", "not-sqlite", "newer"]


class StoreError(Exception):
    """A store that cannot be used as asked; the message is one line a person can act on."""


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What :func:`inspect_store` found at a path."""

    path: Path
    state: StoreState
    triggers: frozenset[str] = frozenset()  # the ``runs.trigger`` values stored
    unknown_migrations: tuple[str, ...] = ()

    @property
    def is_demo(self) -> bool:
        """Nothing but demo runs (or nothing at all): the demo may empty it."""
        return self.state in ("missing", "empty") or (
            self.state == "deltawatch" and self.triggers <= {"demo"}
        )


def inspect_store(path: str | Path) -> StoreInfo:
    """Classify what is at ``path`` without changing it (header read, then ``mode=ro``)."""
    path = Path(path)
    if not path.exists():
        return StoreInfo(path, "missing")
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a store file; give a file name with --db")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror}") from None
    if not header:
        return StoreInfo(path, "empty")
    if header != SQLITE_HEADER:
        return StoreInfo(path, "not-sqlite")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return StoreInfo(path, "empty")
        applied = (
            [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [migrations.name]
                )
            ]
            if "_sqlite_migrations" in tables
            else []
        )
        if not applied:
            # Only the (empty) migrations table: another process is creating the store right
            # now (sqlite-utils makes that table first, then commits each migration whole).
            if tables == {"_sqlite_migrations"}:
                return StoreInfo(path, "empty")
            return StoreInfo(path, "deltawatch" if tables >= _OUR_TABLES else "foreign")
        known = {m.name for m in migrations._migrations}
        unknown = tuple(name for name in applied if name not in known)
        triggers = (
            frozenset(r[0] for r in conn.execute("SELECT DISTINCT trigger FROM runs"))
            if "runs" in tables
            else frozenset()
        )
    except sqlite3.DatabaseError as exc:  # a damaged file behind a valid header
        raise StoreError(f"{path} is a damaged SQLite file ({exc}); restore a backup") from None
    finally:
        conn.close()
    if unknown:
        return StoreInfo(path, "newer", triggers, unknown)
    return StoreInfo(path, "deltawatch", triggers)


def writable(path: str | Path) -> bool:
    """May deltawatch write (or replace) the store at ``path``?

    The file and its folder: WAL mode writes ``-wal`` and ``-shm`` files beside the store.
    A file without any write permission bit counts as read-only even for root (whom
    ``os.access`` lets write anything): its owner made it read-only to keep it as it is.
    """
    path = Path(path).resolve()
    folder = path.parent
    if path.exists():
        mode = path.stat().st_mode
        return bool(mode & 0o222) and os.access(path, os.W_OK) and os.access(folder, os.W_OK)
    while not folder.exists():  # open_db creates missing folders
        folder = folder.parent
    return os.access(folder, os.W_OK)


def check_store(path: str | Path, *, write: bool) -> StoreInfo:
    """Raise :class:`StoreError` unless ``path`` can be used by a command that reads
    (``write=False``: the store must exist) or writes (``write=True``: a new store may be
    created, an empty file becomes one, anything else must already be a deltawatch store).
    """
    info = inspect_store(path)
    name = info.path
    fresh = "run 'deltawatch crawl' or 'deltawatch demo' first"
    match info.state:
        case "missing" if not write:
            raise StoreError(f"no store at {name}: {fresh}, or pass --db PATH")
        case "empty" if not write:
            raise StoreError(f"{name} is empty, not a deltawatch store yet: {fresh}")
        case "not-sqlite":
            raise StoreError(
                f"{name} is not an SQLite database, so not a deltawatch store; "
                "pass the right --db PATH"
            )
        case "foreign":
            raise StoreError(
                f"{name} is an SQLite database of another program, not a "
                "deltawatch store; pass another --db PATH"
            )
        case "newer":
            raise StoreError(
                f"{name} was written by a newer deltawatch (schema "
                f"{', '.join(info.unknown_migrations)}); upgrade deltawatch"
            )
    if write and not writable(name):
        raise StoreError(
            f"{name} is read-only and this command writes to the store; "
            "make it and its folder writable, or pass another --db PATH"
        )
    return info
