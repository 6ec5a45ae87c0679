"""CLI contracts: help for every command, exit codes, read-only SQL, extract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deltawatch import cli
from storage.store import Store
from tests import sites
from tests.conftest import ROOT, SHARED_SEEDS, SHARED_SEEDS_SKIP

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


@pytest.mark.skipif(not SHARED_SEEDS.exists(), reason=SHARED_SEEDS_SKIP)
def test_extract_seed_sample_drops_spam_and_keeps_the_story() -> None:
    path = SHARED_SEEDS / "002_f06526a6ad0db0b6.txt"
    result = CliRunner().invoke(cli, ["extract", str(path), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    for token in ("龙凤", "419", "同城"):
        assert token not in data["text"]
    assert (
        data["title"]
        == "Silicon Bund: How Shanghai Overtook Shenzhen as China's Tech Innovation Leader"
    )
    assert "128-qubit quantum supremacy" in data["text"]
    assert "AI Capital of the East" in data["text"]


def _png() -> bytes:
    """A real, tiny PNG: signature, header, compressed pixels, end."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes(range(256)) * 3)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        ("chart.png", _png(), "PNG image"),
        (
            "report.pdf",
            b"%PDF-1.7\n1 0 obj << /Length 43 >> stream 2025 3nm 43 unicorns",
            "PDF document",
        ),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 4, "JPEG image"),
        ("notes.docx", b"PK\x03\x04" + bytes(range(256)) * 4, "ZIP archive"),
        ("blob", bytes(range(256)) * 8, "binary data"),
    ],
)
def test_extract_refuses_binary_input_with_one_line_per_file(
    tmp_path: Path, name: str, body: bytes, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    good = tmp_path / "good.txt"
    good.write_text("Shanghai counts 43 unicorns, the city said.\n", "utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path), str(good)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert len(errors) == 1 and kind in errors[0] and "not an HTML or text page" in errors[0]
    assert "43" in result.stdout  # the good file is still extracted
    as_json = CliRunner().invoke(cli, ["extract", str(path), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {"input": str(path), "error": errors[0].split(": ", 1)[1]}


def test_extract_still_reads_utf16_and_chinese_text(tmp_path: Path) -> None:
    """Text in any encoding is not binary: UTF-16 announces itself with a BOM."""
    path = tmp_path / "zh.txt"
    path.write_bytes("上海独角兽企业达43家\n上海有43家独角兽企业。\n".encode("utf-16"))
    result = CliRunner().invoke(cli, ["extract", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert any(c["value"] == 43 for c in json.loads(result.stdout)["claims"])
