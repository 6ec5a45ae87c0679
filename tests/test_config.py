"""The sources loader: good files load; bad ones are refused with precise messages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from seeds.config import ConfigError, load_sources, parse_interval
from tests.conftest import run_cli


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_sources_file_is_valid() -> None:
    config = load_sources()
    assert len(config.sources) >= 10
    assert {s.kind for s in config.sources} >= {"feed", "listing"}
    assert {s.language for s in config.sources} == {"en", "zh"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[source]]\nname = "a"\nkind = "rss"\nurl = "https://x.org/"',
            "source 'a': field 'kind': must be one of feed, sitemap, listing, page, got 'rss'",
        ),
        (
            '[[source]]\nname = "Bad Name"\nkind = "page"\nurl = "https://x.org/"',
            "field 'name': required, lower-case",
        ),
        (
            '[[source]]\nname = "a"\nkind = "page"\nurl = "file:///etc/passwd"',
            "source 'a': field 'url': only http and https URLs are fetched",
        ),
        (
            '[[source]]\nname = "a"\nkind = "listing"\nurl = "https://x.org/"',
            "source 'a': field 'follow': a listing needs a 'follow' regex",
        ),
        (
            '[[source]]\nname = "a"\nkind = "listing"\nurl = "https://x.org/"\nfollow = "(["',
            "source 'a': field 'follow': not a valid regular expression",
        ),
        (
            '[[source]]\nname = "a"\nkind = "page"\nurl = "https://x.org/"\ninterval = "soon"',
            "source 'a': field 'interval': expected a duration",
        ),
        (
            '[[source]]\nname = "a"\nkind = "page"\nurl = "https://x.org/"\nlanguage = "fr"',
            "source 'a': field 'language': must be one of en, zh",
        ),
        (
            '[[source]]\nname = "a"\nkind = "page"\nurl = "https://x.org/"\ncolour = 1',
            "source 'a': unknown field 'colour'",
        ),
        (
            '[[source]]\nname = "a"\nkind = "page"\nurl = "https://x.org/"\n'
            '[[source]]\nname = "a"\nkind = "page"\nurl = "https://y.org/"',
            "source 'a': field 'name': used twice",
        ),
        ("[[source]\nname=", "not valid TOML"),
        ("[defaults]\ninterval = '1h'", "no [[source]] entries"),
    ],
)
def test_bad_files_are_refused_with_a_precise_message(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, '[[source]]\nname = "a"\nkind = "x"\nurl = "ftp://h/"\n')
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert len(info.value.problems) == 2


def test_crawl_refuses_a_bad_file_with_exit_2_before_any_network(tmp_path: Path) -> None:
    path = write(tmp_path, '[[source]]\nname = "a"\nkind = "rss"\nurl = "https://x.org/"')
    result = run_cli("crawl", "--sources", str(path), db=tmp_path / "s.db")
    assert result.returncode == 2
    assert "field 'kind'" in result.stderr and str(path) in result.stderr
    assert not (tmp_path / "s.db").exists()


def test_unknown_source_name_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("crawl", "--source", "nope", db=tmp_path / "s.db")
    assert result.returncode == 2
    assert "no source named 'nope'" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10s", timedelta(seconds=10)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("0 */2 * * *", "0 */2 * * *"),
    ],
)
def test_intervals(text: str, expected: object) -> None:
    assert parse_interval(text) == expected


def test_bad_cron_is_refused() -> None:
    with pytest.raises(ValueError, match="bad cron"):
        parse_interval("99 * * * *")


TWO_SOURCES = (
    '[[source]]\nname = "a"\nkind = "page"\nurl = "https://x.org/a"\n'
    '[[source]]\nname = "b"\nkind = "page"\nurl = "https://x.org/b"\n'
)


@pytest.mark.parametrize(
    ("defaults", "expected"),
    [
        ("interval = 'soon'", "[defaults]: field 'interval': expected a duration"),
        ("recheck = ['3h', 'later']", "[defaults]: field 'recheck': expected a duration"),
        ("recheck = ['0 3 * * *']", "[defaults]: field 'recheck': must be durations, not crontabs"),
        ("recheck = '3h'", "[defaults]: field 'recheck': must be a list of durations"),
        ("delay = 'x'", "[defaults]: field 'delay': must be a number of seconds >= 0, got 'x'"),
        ("concurrency = 0", "[defaults]: field 'concurrency': must be a whole number >= 1"),
        ("topic = 'yes'", "[defaults]: field 'topic': must be true or false"),
        ("intervall = '1h'", "[defaults]: unknown field 'intervall' (did you mean 'interval'?)"),
        ("colour = 1", "[defaults]: unknown field 'colour'"),
    ],
)
def test_a_bad_default_is_reported_once_with_its_path(
    tmp_path: Path, defaults: str, expected: str
) -> None:
    path = write(tmp_path, f"[defaults]\n{defaults}\n{TWO_SOURCES}")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert len(info.value.problems) == 1, info.value.problems  # not once more per source
    assert str(info.value).startswith(f"{path}: {expected}")


def test_crawl_reports_bad_defaults_once_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, f"[defaults]\ninterval = 'soon'\ndelay = 'x'\n{TWO_SOURCES}")
    result = run_cli("crawl", "--sources", str(path), db=tmp_path / "s.db")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("field 'interval'") == 1
    assert f"{path}: [defaults]: field 'delay'" in result.stderr
    assert "source 'a'" not in result.stderr
