"""Ctrl-C and SIGTERM stop ``demo`` and ``crawl`` at once: ``interrupted``, exit 130, no
traceback, no second revision (issue 13: the demo printed a multiprocessing traceback, then
crawled revision 2 anyway and exited 0).

The demo runs as a user runs it, in its own process group (a terminal's Ctrl-C reaches every
process of the group, the analysis process too); its site answers slowly, so the signal
lands while revision 1 is being fetched. The tests wait for conditions in the store, never
for a fixed time.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, child_processes


def _count(db: Path, query: str) -> int:
    try:
        with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
            return int(conn.execute(query).fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def _wait_for(db: Path, query: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _count(db, query) < 1:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"never true: {query}"
        time.sleep(0.1)


def _analysis_process_of(pid: int) -> bool:
    """Whether ``pid``'s analysis process runs (a child of its fork server)."""
    servers = [child for child, cmdline in child_processes(pid) if b"forkserver" in cmdline]
    return any(child_processes(server) for server in servers)


def _wait_for_analysis(proc: subprocess.Popen, timeout: float = 120) -> None:
    """The first source is open and its analysis process is up.

    Not "a page is stored": pages are committed in batches, so the first one shows only
    when its batch closes, which on a fast machine can be the end of the crawl.
    """
    deadline = time.monotonic() + timeout
    while not _analysis_process_of(proc.pid):
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the analysis process never started"
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_demo_at_once_without_revision_2(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "demo.db"
    env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deltawatch",
            "--db",
            str(db),
            "demo",
            "--port",
            "0",
            "--site-delay",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, signalled as a terminal signals it
    )
    try:
        # The crawl runs and its analysis process is up: Ctrl-C reaches every process.
        _wait_for(db, "SELECT count(*) FROM runs", proc)
        _wait_for_analysis(proc)
        os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "revision 2" not in err and "change log" not in out
    assert _count(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'") == 1
    assert _count(db, "SELECT count(*) FROM runs") == 1
