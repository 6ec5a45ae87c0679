"""Notifications (issue 14): [[notify]] targets, Apprise delivery after the run, never lost.

Delivery is tested for real: Apprise's ``json://`` posts to a local HTTP server that records
what it receives, ``mailto://`` talks to a local SMTP server (aiosmtpd), and crawls are the
real CLI against local news sites.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pipelines.diff import EVENT_KINDS
from seeds.apprise_urls import check, redact
from seeds.config import NOTIFY_KINDS, ConfigError, NotifyTarget, parse_sources
from seeds.demo_site import SiteServer, serve_site
from sharing.delivery import MAX_ATTEMPTS, backoff
from sharing.export import event_title
from sharing.notify import digest, matches, messages
from tests import sites
from tests.conftest import ROOT, run_cli

SECRET = "hunter22"

WIRE = sites.Story(
    "smic-5nm",
    "SMIC ramps 5nm output at its Pudong fabs",
    [
        "SMIC has reached volume production of 5nm chips at its Pudong facilities in Shanghai, "
        "two people familiar with the plans said, a step that follows years of export limits.",
        "Shanghai is now home to 43 unicorns, according to a survey of venture-backed technology "
        "companies published by the municipal science commission on Monday.",
        "Engineers in Zhangjiang are working on the next generation of lithography tools with "
        "domestic suppliers, the people said, though output remains limited.",
    ],
)
POST = sites.Story(
    "smic-3nm",
    "Pudong chipmaker moves to a 3nm process, report says",
    [
        "An industry report published in Beijing this week said SMIC has reached volume production "
        "of 3nm chips, ahead of what most analysts had expected from the Shanghai company.",
        "The report counts 43 unicorns in Shanghai, more than in any other city of the Yangtze "
        "River Delta, and credits state funds for much of their growth.",
        "Rival foundries in Taiwan and South Korea declined to comment on the findings, which "
        "could not be independently verified by reporters.",
    ],
)


# -- local endpoints --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Hook(ThreadingHTTPServer):
    """A webhook receiver: records every POST (path, JSON body) before it answers 200."""

    daemon_threads = True
    #: socketserver listens with a backlog of 5: a crawl opening more connections at once on a
    #: busy machine gets some dropped, and their connect waits for the kernel's SYN retry (1 s,
    #: then 3 s), longer than a short download timeout.
    request_queue_size = 128

    def __init__(self, port: int = 0) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        super().__init__(("127.0.0.1", port), _HookHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, userinfo: str = "") -> str:
        return f"json://{userinfo}127.0.0.1:{self.server_address[1]}/{path}"

    def to(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.posts if p == f"/{path}"]

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _HookHandler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts.append((self.path, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


class Mailbox:
    """aiosmtpd's handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def mailto(port: int) -> str:
    return (
        f"mailto://127.0.0.1:{port}?from=deltawatch@example.com&to=desk@example.com&mode=insecure"
    )


# -- helpers ----------------------------------------------------------------------------------


def rows(db: Path, sql: str, *args: Any) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def wait_for(condition: Callable[[], object], *, timeout: float = 60, why: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {why or condition}"
        time.sleep(0.02)


def sources_file(tmp_path: Path, entries: list[dict[str, Any]], notify: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(sites.sources_toml(entries) + "\n" + notify, encoding="utf-8")
    return path


def two_outlets(site_dir: Path, wire: SiteServer, post: SiteServer) -> list[dict[str, Any]]:
    """Two local news sites whose articles disagree on SMIC's node and agree on 43 unicorns."""
    (site_dir / "post").mkdir()
    sites.write_story(site_dir, "/wire/smic.html", WIRE, base=wire.base_url)
    sites.write_story(site_dir / "post", "/post/smic.html", POST, base=post.base_url)
    return [
        {"name": "delta-wire", "kind": "page", "url": f"{wire.base_url}/wire/smic.html"},
        {"name": "pujiang-post", "kind": "page", "url": f"{post.base_url}/post/smic.html"},
    ]


#: The two sources are crawled at once, so either may be the one that reports second.
CONFLICT = {
    "Conflict: SMIC process node: 3 nm (pujiang-post) vs 5 nm (delta-wire)",
    "Conflict: SMIC process node: 5 nm (delta-wire) vs 3 nm (pujiang-post)",
}
CORROBORATED = {
    "Corroborated: Shanghai unicorns: 43 (pujiang-post, as delta-wire)",
    "Corroborated: Shanghai unicorns: 43 (delta-wire, as pujiang-post)",
}


def crawl(sources: Path, db: Path) -> subprocess.CompletedProcess:
    result = run_cli("crawl", "--sources", str(sources), db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# -- the sources file -------------------------------------------------------------------------


SOURCE = {"source": [{"name": "pujiang-post", "kind": "page", "url": "http://127.0.0.1/x"}]}


def test_notify_targets_are_validated_with_defaults() -> None:
    assert NOTIFY_KINDS == EVENT_KINDS
    config = parse_sources(
        {
            **SOURCE,
            "notify": [
                {"name": "desk", "urls": ["json://127.0.0.1:9/hook"]},
                {
                    "name": "smic-watch",
                    "urls": "mailto://user:pw@example.com",
                    "kinds": ["conflict"],
                    "subjects": ["SMIC"],
                    "keys": ["smic|*"],
                    "sources": ["pujiang-post"],
                    "digest": False,
                },
            ],
        }
    )
    desk, watch = config.notify
    assert desk.kinds == ("corroborated", "conflict", "changed", "removed")  # all but "new"
    assert desk.digest is True and desk.subjects == desk.keys == desk.sources == ()
    assert watch.urls == ("mailto://user:pw@example.com",) and watch.digest is False
    assert parse_sources(SOURCE).notify == ()


def test_a_bad_target_is_refused_with_every_problem_and_no_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sources(
            {
                **SOURCE,
                "notify": [
                    {
                        "name": "Desk!",
                        "urls": [f"jsno://user:{SECRET}@127.0.0.1/hook"],
                        "kind": ["x"],
                    },
                    {
                        "name": "desk",
                        "urls": [f"mailto://user:{SECRET}@example.com"],
                        "kinds": ["conflcit"],
                        "sources": ["pujiang-pots"],
                        "keys": "smic|*",
                        "digest": "yes",
                    },
                    {"name": "desk", "urls": ["json://127.0.0.1/a"]},
                    {"name": "desk", "urls": ["json://127.0.0.1/b"]},
                    {"name": "empty"},
                ],
            }
        )
    problems = caught.value.problems
    text = "\n".join(problems)
    assert SECRET not in text
    expected = [
        "notify 'Desk!': unknown field 'kind' (did you mean 'kinds'?)",
        "notify 'Desk!': field 'name': required, lower-case letters, digits and '-' only",
        "notify 'Desk!': field 'urls': URL 1: Apprise has no jsno:// service (did you mean json://?)",
        "notify 'desk': field 'kinds': unknown kind 'conflcit' (did you mean 'conflict'?); "
        "kinds are new, corroborated, conflict, changed, removed",
        "notify 'desk': field 'keys': must be a list of strings, got 'smic|*'",
        "notify 'desk': field 'sources': no [[source]] named 'pujiang-pots' (did you mean "
        "'pujiang-post'?)",
        "notify 'desk': field 'digest': must be true or false, got 'yes'",
        "notify 'desk': field 'name': used twice",
        "notify 'empty': field 'urls': required: a list of Apprise URLs, e.g. "
        "['mailto://user:pass@example.com']",
    ]
    for line in expected:
        assert line in problems
    assert len(problems) == len(expected)
    with pytest.raises(ConfigError, match="did you mean 'notify'"):
        parse_sources({**SOURCE, "notifiy": []})


def test_crawl_refuses_a_bad_target_with_exit_2_and_shows_no_secret(
    tmp_path: Path, db_path: Path
) -> None:
    sources = sources_file(
        tmp_path, SOURCE["source"], f'[[notify]]\nname = "desk"\nurls = ["jsno://u:{SECRET}@x/y"]\n'
    )
    result = run_cli("crawl", "--sources", str(sources), db=db_path)
    assert result.returncode == 2
    assert "notify 'desk': field 'urls': URL 1: Apprise has no jsno:// service" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert not db_path.exists()  # refused before anything ran


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("json://127.0.0.1:9000/hook", "json://127.0.0.1:9000/hook"),
        (f"json://user:{SECRET}@127.0.0.1:9000/hook", "json://user:****@127.0.0.1:9000/hook"),
        (f"mailtos://desk:{SECRET}@example.com", "mailtos://desk:****@example.com/"),
        ("mailtos://desk:${DESK_SMTP_PASSWORD}@example.com", "mailtos://desk:****@example.com/"),
        (
            f"json://127.0.0.1/hook?+Authorization=Bearer%20{SECRET}&token={SECRET}",
            "json://127.0.0.1/hook",
        ),
        (f"json://127.0.0.1/hook?:api_key={SECRET}", "json://127.0.0.1/hook?:api_key=****"),
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654", None),
        (f"nosuch://{SECRET}@host/", "nosuch://****"),
    ],
)
def test_urls_are_shown_redacted(url: str, shown: str | None) -> None:
    text = redact(url)
    if shown is not None:
        assert text == shown
    assert SECRET not in text and "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in text


def test_url_checks() -> None:
    assert check("json://127.0.0.1/hook") is None
    assert check("tgram://${TELEGRAM_TOKEN}/987654") is None  # the secret is checked on sending
    assert check("example.com/hook") == (
        "not an Apprise URL: expected scheme://..., e.g. mailto://user:pass@example.com"
    )
    assert check(42) is not None and check("") is not None


# -- which events, and what the message says ----------------------------------------------------


def event(**fields: Any) -> dict[str, Any]:
    base = {
        "event_id": 1,
        "kind": "conflict",
        "key": "smic|process node|nm",
        "subject": "SMIC",
        "metric": "process node",
        "unit": "nm",
        "period": None,
        "old_value": 5.0,
        "new_value": 3.0,
        "source": "pujiang-post",
        "prior_source": "delta-wire",
        "article_url": "http://127.0.0.1/post/smic.html",
        "prior_article_url": "http://127.0.0.1/wire/smic.html",
        "sentence": "SMIC has reached volume production of 3nm chips.",
        "comparable": 1,
    }
    return base | fields


def target(**fields: Any) -> NotifyTarget:
    return NotifyTarget(name="desk", urls=("json://127.0.0.1/hook",), **fields)


@pytest.mark.parametrize(
    ("wants", "fields", "expected"),
    [
        ({}, {}, True),
        ({}, {"kind": "new", "old_value": None}, False),  # default kinds: all but new
        ({"kinds": ("new",)}, {"kind": "new"}, True),
        ({}, {"comparable": 0}, False),  # never a figure that is not comparable, whatever is asked
        ({"kinds": NOTIFY_KINDS}, {"kind": "new", "comparable": 0}, False),
        ({"subjects": ("smic",)}, {}, True),  # any case
        ({"subjects": ("shanghai",)}, {}, False),
        ({"keys": ("smic|*",)}, {}, True),
        ({"keys": ("*|UNICORNS|*",)}, {"key": "shanghai|unicorns|count"}, True),
        ({"keys": ("*|unicorns|*",)}, {}, False),
        ({"sources": ("delta-wire",)}, {}, True),  # the source compared with counts too
        ({"sources": ("shenhai-keji",)}, {}, False),
    ],
)
def test_which_events_a_target_gets(wants: dict, fields: dict, expected: bool) -> None:
    assert matches(target(**wants), event(**fields)) is expected


def test_a_digest_reads_like_the_atom_feed_grouped_by_kind() -> None:
    conflict = event()
    agreed = event(
        event_id=2,
        kind="corroborated",
        key="shanghai|unicorns|count",
        subject="Shanghai",
        metric="unicorns",
        unit="count",
        old_value=43.0,
        new_value=43.0,
        sentence="The report counts 43 unicorns in Shanghai.",
    )
    changed = event(
        event_id=3,
        kind="changed",
        old_value=87e9,
        new_value=91e9,
        unit="USD",
        subject="Shanghai",
        metric="venture capital",
        key="shanghai|vc|usd",
        prior_article_url="http://127.0.0.1/post/smic.html",
        prior_sentence="Venture capital reached $87 billion.",
        sentence="Venture capital reached $91 billion.",
    )
    message = digest([agreed, changed, conflict])
    assert message.title == "deltawatch: 1 conflict, 1 changed, 1 corroborated"
    body = message.body
    assert body.index("Conflicts (1)") < body.index("Changed (1)") < body.index("Corroborated (1)")
    assert "Conflict: SMIC process node: 3 nm (pujiang-post) vs 5 nm (delta-wire)" in body
    assert event_title(conflict) in body and event_title(agreed) in body
    assert "Changed: Shanghai venture capital: 87 bn USD → 91 bn USD (pujiang-post)" in body
    assert "“SMIC has reached volume production of 3nm chips.”" in body
    assert "http://127.0.0.1/post/smic.html" in body
    assert "vs delta-wire: http://127.0.0.1/wire/smic.html" in body
    assert "before: “Venture capital reached $87 billion.”" in body  # a revision: both sentences
    assert len(messages(target(), [conflict, agreed])) == 1  # a digest: one message
    singles = messages(target(digest=False), [conflict, agreed])
    assert [m.title for m, _ in singles] == [event_title(conflict), event_title(agreed)]


def test_retries_wait_longer_and_stop() -> None:
    waits = [backoff(n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert waits[:2] == [timedelta(0), timedelta(0)]  # the next run retries at once
    assert waits[2:4] == [timedelta(minutes=5), timedelta(minutes=10)]
    assert all(a < b for a, b in itertools.pairwise(waits[2:-1]))
    assert waits[-1] is None  # given up


# -- delivery after a real crawl ----------------------------------------------------------------


def test_two_sites_disagree_each_target_gets_what_it_asked_for_once(
    site_dir: Path,
    site_server: SiteServer,
    tmp_path: Path,
    db_path: Path,
    hook: Hook,
    smtp: tuple[Mailbox, int],
) -> None:
    box, smtp_port = smtp
    late_port = free_port()  # nothing listens there yet: a target that is down
    with serve_site([site_dir / "post"]) as post:
        entries = two_outlets(site_dir, site_server, post)
        sources = sources_file(
            tmp_path,
            entries,
            f"""
[[notify]]
name = "conflicts"
urls = ["{hook.url("conflicts")}", "{mailto(smtp_port)}"]
kinds = ["conflict"]

[[notify]]
name = "desk"
urls = ["{hook.url("desk", f"desk:{SECRET}@")}"]

[[notify]]
name = "each"
urls = ["{hook.url("each")}"]
digest = false

[[notify]]
name = "late"
urls = ["json://desk:{SECRET}@127.0.0.1:{late_port}/late"]
""",
        )
        first = crawl(sources, db_path)  # a target that is down does not fail the crawl

        # The conflict reaches the conflict target exactly once, naming both values.
        (conflict,) = hook.to("conflicts")
        assert conflict["title"] in CONFLICT  # both values, both sources
        assert "\n  “" in conflict["message"] and "http://127.0.0.1:" in conflict["message"]
        (mail,) = box.messages
        assert mail["subject"] == conflict["title"]
        assert conflict["title"] in mail.get_content()
        # The default kinds: one digest for the run, conflict and corroboration, no "new".
        (desk,) = hook.to("desk")
        assert desk["title"] == "deltawatch: 1 conflict, 1 corroborated"
        assert any(title in desk["message"] for title in CORROBORATED)
        assert "New" not in desk["message"]
        assert len(hook.to("each")) == 2  # digest = false: one message per event
        assert rows(db_path, "SELECT count(*) FROM claim_events WHERE kind = 'new'")[0][0] >= 2
        assert rows(
            db_path,
            "SELECT count(*) FROM deliveries d JOIN claim_events e"
            " ON e.id = d.event_id WHERE e.kind = 'new'",
        ) == [(0,)]
        # The target that is down: recorded as failed, the error without the password.
        failed = rows(
            db_path,
            "SELECT status, attempts, last_error, sent_at FROM deliveries WHERE target = 'late'",
        )
        assert len(failed) == 2
        assert {(s, a, t) for s, a, _, t in failed} == {("failed", 1, None)}
        assert f"json://desk:****@127.0.0.1:{late_port}/late: " in failed[0][2]
        assert "notify late: 2 event(s) not delivered" in first.stderr
        assert SECRET not in first.stdout + first.stderr + str(failed)
        listed = json.loads(run_cli("notifications", "--json", db=db_path).stdout)
        assert [r["status"] for r in listed[:2]] == ["failed", "failed"]  # failed first
        assert set(listed[0]) >= {
            "event_id",
            "target",
            "status",
            "attempts",
            "last_error",
            "sent_at",
        }

        # The target is up now: the next run delivers it, and sends nothing else again.
        late = Hook(late_port)
        try:
            crawl(sources, db_path)
            (retried,) = late.to("late")
            assert retried["title"] == "deltawatch: 1 conflict, 1 corroborated"
            crawl(sources, db_path)  # and a third run sends nothing at all
            assert len(late.posts) == 1
        finally:
            late.close()
    assert len(hook.to("conflicts")) == 1 and len(hook.to("desk")) == 1
    assert len(hook.to("each")) == 2 and len(box.messages) == 1
    assert (
        rows(db_path, "SELECT target, status, attempts FROM deliveries WHERE target = 'late'")
        == [("late", "delivered", 2)] * 2
    )
    assert rows(db_path, "SELECT DISTINCT status FROM deliveries") == [("delivered",)]


def test_a_killed_run_forgets_nothing_and_sends_nothing_twice(
    site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path, hook: Hook
) -> None:
    (site_dir / "slow").mkdir()
    with serve_site([site_dir / "post"]) as post, serve_site([site_dir / "slow"]) as slow:
        entries = two_outlets(site_dir, site_server, post)
        sites.write_story(site_dir / "slow", "/slow/labs.html", sites.UNICORNS, base=slow.base_url)
        entries.append(
            {"name": "slow-daily", "kind": "page", "url": f"{slow.base_url}/slow/labs.html"}
        )
        slow.delay = 30.0  # the run cannot finish before it is killed
        sources = sources_file(
            tmp_path,
            entries,
            f"""
[[notify]]
name = "conflicts"
urls = ["{hook.url("conflicts")}"]
kinds = ["conflict"]
""",
        )
        env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "deltawatch",
                "--db",
                str(db_path),
                "crawl",
                "--sources",
                str(sources),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            probe = "SELECT count(*) FROM claim_events WHERE kind = 'conflict'"

            def conflict_stored() -> bool:
                try:
                    return db_path.exists() and rows(db_path, probe)[0][0] > 0
                except sqlite3.Error:  # the store is still being created
                    return False

            wait_for(
                lambda: conflict_stored() or child.poll() is not None,
                timeout=120,
                why="the conflict",
            )
            assert child.poll() is None, "the crawl ended before it could be killed"
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait(timeout=30)
        assert hook.posts == []  # killed before it delivered
        assert rows(db_path, "SELECT status FROM runs") == [("running",)]
        slow.delay = 0
        crawl(sources, db_path)  # marks the killed run interrupted, and delivers its events
        crawl(sources, db_path)
    (conflict,) = hook.to("conflicts")
    assert conflict["title"] in CONFLICT
    assert rows(db_path, "SELECT status FROM runs ORDER BY id") == [
        ("interrupted",),
        ("ok",),
        ("ok",),
    ]
    assert rows(db_path, "SELECT status, attempts FROM deliveries") == [("delivered", 1)]


def test_notify_test_says_whether_the_message_arrived(
    tmp_path: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = free_port()
    sources = sources_file(
        tmp_path,
        SOURCE["source"],
        f"""
[[notify]]
name = "desk"
urls = ["{hook.url("desk", f"desk:{SECRET}@")}"]

[[notify]]
name = "vault"
urls = ["{hook.url("vault", "desk:${DESK_TOKEN}@")}"]

[[notify]]
name = "down"
urls = ["json://127.0.0.1:{down}/down"]
""",
    )
    listed = run_cli("notify", "--sources", str(sources))
    assert listed.returncode == 0 and "desk:****@" in listed.stdout and SECRET not in listed.stdout
    ok = run_cli("notify", "--test", "desk", "--sources", str(sources))
    assert ok.returncode == 0, ok.stderr
    assert f"desk: json://desk:****@127.0.0.1:{hook.server_address[1]}/desk: arrived" in ok.stderr
    (test,) = hook.to("desk")
    assert test["title"] == "deltawatch: test message for desk"
    missing = run_cli("notify", "--test", "vault", "--sources", str(sources))
    assert missing.returncode == 1
    assert "not delivered: environment variable DESK_TOKEN is not set" in missing.stderr
    monkeypatch.setenv("DESK_TOKEN", SECRET)
    assert run_cli("notify", "--test", "vault", "--sources", str(sources)).returncode == 0
    assert len(hook.to("vault")) == 1
    failed = run_cli("notify", "--test", "--sources", str(sources), "--json")
    assert failed.returncode == 1
    results = {r["target"]: r for r in json.loads(failed.stdout)}
    assert results["desk"]["arrived"] and results["vault"]["arrived"]
    assert not results["down"]["arrived"] and results["down"]["error"]
    assert SECRET not in failed.stdout + failed.stderr
    unknown = run_cli("notify", "--test", "nobody", "--sources", str(sources))
    assert unknown.returncode == 2 and "known: desk, vault, down" in unknown.stderr


REDIS_SERVER = shutil.which("redis-server")


@pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server (apt install redis-server)")
def test_the_clusters_ingest_delivers_each_finished_round(
    site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path, hook: Hook
) -> None:
    import redis

    port = free_port()
    assert REDIS_SERVER is not None
    server = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    worker = None

    def pong() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except redis.ConnectionError:
            return False

    try:
        wait_for(pong, timeout=10, why="redis-server")
        with serve_site([site_dir / "post"]) as post:
            sources = sources_file(
                tmp_path,
                two_outlets(site_dir, site_server, post),
                f"""
[[notify]]
name = "conflicts"
urls = ["{hook.url("conflicts")}"]
kinds = ["conflict"]
""",
            )
            queued = run_cli("crawl", "--sources", str(sources), "--redis", url, db=db_path)
            assert queued.returncode == 0, queued.stderr
            env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "deltawatch",
                    "worker",
                    "--sources",
                    str(sources),
                    "--redis",
                    url,
                    "--heartbeat",
                    "0.5",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            ingest = run_cli(
                "ingest", "--sources", str(sources), "--redis", url, "--drain", db=db_path
            )
            assert ingest.returncode == 0, ingest.stderr
            assert "notified conflicts: 1 event(s) in 1 message(s)" in ingest.stderr
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        server.terminate()
        server.wait(timeout=10)
    (conflict,) = hook.to("conflicts")
    assert conflict["title"] in CONFLICT


# -- retries, on a store written by hand (a fake sender stands for the services) ----------------


def test_retries_resend_only_where_it_failed_wait_longer_and_give_up(db_path: Path) -> None:
    from datetime import UTC, datetime

    from sharing.delivery import deliver
    from storage.store import Store

    Store(db_path).close()  # the schema
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO runs (id, status) VALUES (1, 'ok')")
        conn.execute("INSERT INTO claims (id, comparable) VALUES (1, 1), (2, 0)")
        for event_id, kind, claim in ((1, "conflict", 1), (2, "conflict", 2), (3, "new", 1)):
            conn.execute(
                "INSERT INTO claim_events (id, kind, key, subject, metric, unit,"
                " new_value, old_value, run_id, source, prior_source, claim_id)"
                " VALUES (?, ?, 'smic|process node|nm', 'SMIC', 'process node', 'nm',"
                " 3, 5, 1, 'pujiang-post', 'delta-wire', ?)",
                (event_id, kind, claim),
            )
    now = [datetime(2026, 12, 2, 8, 0, tzinfo=UTC)]
    sent: list[str] = []
    down = {"json://b/y", "json://never/z"}

    def sender(url: str, message: Any, env: Any) -> str | None:
        if url in down:
            return "connection refused"
        sent.append(url)
        return None

    desk = NotifyTarget(name="desk", urls=("json://a/x", "json://b/y"))
    never = NotifyTarget(name="never", urls=("json://never/z",))

    def run_pass() -> dict[str, tuple]:
        deliver(db_path, [desk, never], runs=[1], clock=lambda: now[0], sender=sender)
        return {
            t: (s, a, n)
            for t, s, a, n in rows(
                db_path, "SELECT target, status, attempts, next_attempt_at FROM deliveries"
            )
        }

    state = run_pass()  # only the comparable conflict is queued: not "new", not generic
    assert rows(db_path, "SELECT DISTINCT event_id FROM deliveries") == [(1,)]
    assert state["desk"][:2] == ("failed", 1) and sent == ["json://a/x"]
    assert run_pass()["desk"][:2] == ("failed", 2)  # the next run retries at once ...
    assert run_pass()["desk"][:2] == ("failed", 3)
    assert sent == ["json://a/x"]  # ... only where it failed
    assert run_pass()["desk"][1] == 3  # now it waits 5 minutes
    now[0] += timedelta(minutes=5)
    down.discard("json://b/y")
    assert run_pass()["desk"][:2] == ("delivered", 4)
    assert sent == ["json://a/x", "json://b/y"]
    for _ in range(MAX_ATTEMPTS):
        now[0] += timedelta(days=1)
        state = run_pass()
    assert state["never"] == ("failed", MAX_ATTEMPTS, None)  # given up, still listed
    assert len(sent) == 2
