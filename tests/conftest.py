"""Fixtures: a local site server, fresh stores, running the CLI for real, no network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.ingest import Ingestor
from pipelines.model import Page
from seeds.demo_site import SiteServer, serve_site
from storage.store import Store
from tests.faults import FaultSite, serve_faults

ROOT = Path(__file__).resolve().parent.parent
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
#: Why a test of the five original samples skips: they are not part of the repository.
SHARED_SEEDS_SKIP = (
    "an extra: the five original samples live outside the repository "
    "(../shared/seeds), not in this checkout; tests/test_seed_traits.py tests "
    "their traits on fixtures written for the repository"
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection outside 127.0.0.0/8 made from the test process."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and not (
            str(host).startswith("127.") or host in ("::1", "localhost")
        ):
            raise OSError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


@pytest.fixture
def site_server(site_dir: Path) -> Iterator[SiteServer]:
    with serve_site([site_dir]) as server:
        yield server


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def fresh_store(db_path: Path) -> Iterator[Store]:
    store = Store(db_path)
    yield store
    store.close()


def child_processes(pid: int) -> list[tuple[int, bytes]]:
    """(pid, command line) of each child of ``pid``, from /proc (the analysis process, the
    fork server and the resource tracker of a crawl)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append((int(stat.parent.name), cmdline))
    return found


def run_cli(
    *args: str, db: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``python -m deltawatch`` in a child process, as a user would (own reactor)."""
    cmd = [sys.executable, "-m", "deltawatch"]
    if db is not None:
        cmd += ["--db", str(db)]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        cmd + list(args), capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env
    )


def ingest_as_sources(db: Path, files: list[Path], *, prefix: str) -> None:
    """Store each text file as the one article of its own source (``PREFIX-0``, ...), in order.

    The way the seed articles came: five outlets, one article each, oldest first, straight
    through the real ingest (no crawl), so the change log between them is what is tested.
    """
    with Store(db) as store:
        host = f"{prefix}.test"
        store.sync_sources(
            {
                "name": f"{prefix}-{n}",
                "kind": "page",
                "urls": [f"http://{host}/{p.stem}"],
                "language": None,
                "topic": 1,
                "interval": "1d",
                "enabled": 1,
            }
            for n, p in enumerate(files)
        )
        for n, path in enumerate(files):
            run_id = store.start_run(trigger="test", sources=[f"{prefix}-{n}"])
            url = f"http://{host}/{path.stem}"
            page = Page(
                source=f"{prefix}-{n}",
                url=url,
                fetched_url=url,
                status=200,
                body=path.read_bytes(),
                content_type="text/plain; charset=utf-8",
            )
            outcome = Ingestor(store, run_id=run_id).ingest(page)
            assert outcome.status == "new_article", (path.name, outcome)
            store.finish_run(run_id, status="ok", counts={}, stats={})


# -- the fault server (tests/faults.py): issue 6 ----------------------------------------------

#: What ``fault_site.secret_file`` holds: a local file no crawl may ever read.
SECRET = "TOPSECRET-7f3a-local-file-content"


@pytest.fixture(scope="module")
def fault_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultSite]:
    """Misbehaving servers on 127.0.0.1 and 127.0.0.2 (another domain), one per test module."""
    secret = tmp_path_factory.mktemp("faults") / "secret.txt"
    secret.write_text(SECRET)
    with serve_faults(secret) as site:
        yield site
