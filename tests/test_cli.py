"""CLI contracts: help for every command, exit codes, read-only SQL, extract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deltawatch import cli
from storage.store import Store
from tests import sites
from tests.conftest import ROOT, SHARED_SEEDS

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"deltawatch {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_sql_is_read_only(db_path: Path) -> None:
    Store(db_path).close()
    runner = CliRunner()
    ok = runner.invoke(cli, ["--db", str(db_path), "sql", "PRAGMA integrity_check", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output) == [{"integrity_check": "ok"}]
    bad = runner.invoke(cli, ["--db", str(db_path), "sql", "DELETE FROM articles"])
    assert bad.exit_code == 2
    assert "readonly" in bad.output or "read-only" in bad.output


def test_queries_on_a_missing_store_say_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "articles"])
    assert result.exit_code == 2
    assert "run 'deltawatch crawl'" in result.output


def test_extract_html_and_text_files_in_input_order(tmp_path: Path) -> None:
    html = tmp_path / "a.html"
    sites.write_story(tmp_path, "/a.html", sites.UNICORNS, base="http://example.org")
    txt = tmp_path / "b.txt"
    txt.write_text("Chips in Shanghai\n上海龙凤419\nSMIC reached 5nm in Shanghai.\n", "utf-8")
    result = CliRunner().invoke(cli, ["extract", str(html), str(txt), "--json"])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)
    assert first["title"].startswith("Shanghai counts 43 unicorns")
    assert "419" not in first["text"] and "cookies" not in first["text"]
    assert second["text"] == "Chips in Shanghai\nSMIC reached 5nm in Shanghai."
    assert set(first) == {"title", "url", "lang", "text", "claims"}


def test_extract_refuses_non_http_urls(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["extract", "ftp://example.org/x", "--json"])
    assert result.exit_code == 1
    assert "only http and https" in json.loads(result.stdout)["error"]


@pytest.mark.skipif(not SHARED_SEEDS.exists(), reason="shared seed samples not present")
def test_extract_seed_sample_drops_spam_and_keeps_the_story() -> None:
    path = SHARED_SEEDS / "002_f06526a6ad0db0b6.txt"
    result = CliRunner().invoke(cli, ["extract", str(path), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    for token in ("龙凤", "419", "同城"):
        assert token not in data["text"]
    assert data["title"] == "Silicon Bund: How Shanghai Overtook Shenzhen as China's Tech Innovation Leader"
    assert "128-qubit quantum supremacy" in data["text"]
    assert "AI Capital of the East" in data["text"]
