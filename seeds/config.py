"""Loading and validating the sources file, and the cleaning and relevance word lists.

A wrong sources file is refused before any network work, with one message
per problem naming the file, the source, the field and what is wrong: a user
who edits TOML by hand should never have to read a traceback.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_SOURCES",
    "KINDS",
    "SEEDS_DIR",
    "CleaningRules",
    "ConfigError",
    "Defaults",
    "RelevanceTerms",
    "Source",
    "SourcesConfig",
    "load_cleaning",
    "load_relevance_terms",
    "load_sources",
    "parse_interval",
]

SEEDS_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCES = SEEDS_DIR / "sources.toml"
KINDS = ("feed", "sitemap", "listing", "page")
LANGUAGES = ("en", "zh")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(ValueError):
    """A sources file that cannot be used; ``problems`` lists every finding."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


def parse_interval(text: str) -> timedelta | str:
    """``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"1w"`` -> timedelta; a crontab -> itself.

    A crontab is five space-separated fields (``"0 */2 * * *"``), checked with
    APScheduler's own parser so that what we accept is what the scheduler runs.
    """
    match = _DURATION.match(text)
    if match:
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if seconds <= 0:
            raise ValueError(f"must be positive, got {text!r}")
        return timedelta(seconds=seconds)
    if len(text.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text)
        except ValueError as exc:
            raise ValueError(f"bad cron expression {text!r}: {exc}") from None
        return text
    raise ValueError(
        f"expected a duration like '30m', '2h', '1d' or a crontab like '0 */2 * * *', got {text!r}"
    )


@dataclass(frozen=True, slots=True)
class Defaults:
    interval: str = "2h"
    recheck: tuple[str, ...] = ("3h", "1d", "3d", "7d")
    delay: float = 1.0  # seconds between requests to one domain
    concurrency: int = 2  # requests in flight per domain
    topic: bool = True


@dataclass(frozen=True, slots=True)
class Source:
    """One configured source, validated."""

    name: str
    kind: str
    urls: tuple[str, ...]
    language: str | None = None
    interval: str = "2h"
    follow: str | None = None
    topic: bool = True
    delay: float = 1.0
    concurrency: int = 2
    allowed_domains: tuple[str, ...] = ()
    enabled: bool = True

    @property
    def domains(self) -> tuple[str, ...]:
        """Hosts this source may fetch from: its own URLs' hosts plus any allowed extra."""
        hosts = {urlsplit(u).hostname or "" for u in self.urls}
        return tuple(sorted(hosts | set(self.allowed_domains)))

    def as_row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "urls": list(self.urls),
            "language": self.language,
            "topic": int(self.topic),
            "interval": self.interval,
            "enabled": int(self.enabled),
        }


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    path: Path
    defaults: Defaults
    sources: tuple[Source, ...] = field(default_factory=tuple)

    @property
    def recheck_ladder(self) -> tuple[timedelta, ...]:
        """The ``recheck`` durations, parsed (validated as durations at load time)."""
        return tuple(parse_interval(r) for r in self.defaults.recheck)  # type: ignore[misc]

    def select(self, names: list[str] | tuple[str, ...]) -> tuple[Source, ...]:
        """The sources named (all when none), refusing unknown names."""
        if not names:
            return tuple(s for s in self.sources if s.enabled)
        known = {s.name: s for s in self.sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                self.path,
                [f"no source named {n!r} (known: {', '.join(sorted(known))})" for n in unknown],
            )
        return tuple(known[n] for n in names)


_SOURCE_KEYS = {
    "name",
    "kind",
    "url",
    "urls",
    "language",
    "interval",
    "follow",
    "topic",
    "delay",
    "concurrency",
    "allowed_domains",
    "enabled",
}
_DEFAULT_KEYS = {"interval", "recheck", "delay", "concurrency", "topic"}


def _check_url(url: Any) -> str | None:
    """Only absolute http(s) URLs with a host: no file:, ftp:, data: or relative paths."""
    if not isinstance(url, str):
        return f"must be a string, got {type(url).__name__}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"only http and https URLs are fetched, got {url!r}"
    if not parts.hostname:
        return f"has no host: {url!r}"
    return None


def _load_defaults(raw: Any, problems: list[str]) -> Defaults:
    if raw is None:
        return Defaults()
    if not isinstance(raw, dict):
        problems.append("[defaults]: must be a table")
        return Defaults()
    for key in sorted(set(raw) - _DEFAULT_KEYS):
        problems.append(f"[defaults]: unknown field {key!r}")
    d = Defaults()
    interval = raw.get("interval", d.interval)
    recheck = raw.get("recheck", list(d.recheck))
    for label, value in [("interval", interval)] + [("recheck", r) for r in recheck]:
        try:
            parse_interval(str(value))
        except ValueError as exc:
            problems.append(f"[defaults]: field {label!r}: {exc}")
    if isinstance(recheck, list):
        for value in recheck:
            if isinstance(parse_interval_or_none(str(value)), str):
                problems.append("[defaults]: field 'recheck': must be durations, not crontabs")
    return Defaults(
        interval=str(interval),
        recheck=tuple(str(r) for r in recheck),
        delay=float(raw.get("delay", d.delay)),
        concurrency=int(raw.get("concurrency", d.concurrency)),
        topic=bool(raw.get("topic", d.topic)),
    )


def parse_interval_or_none(text: str) -> timedelta | str | None:
    try:
        return parse_interval(text)
    except ValueError:
        return None


def _load_source(i: int, raw: Any, defaults: Defaults, problems: list[str]) -> Source | None:
    if not isinstance(raw, dict):
        problems.append(f"[[source]] #{i + 1}: must be a table")
        return None
    name = raw.get("name")
    where = f"source {name!r}" if isinstance(name, str) else f"[[source]] #{i + 1}"
    before = len(problems)

    def bad(fieldname: str, message: str) -> None:
        problems.append(f"{where}: field {fieldname!r}: {message}")

    for key in sorted(set(raw) - _SOURCE_KEYS):
        problems.append(f"{where}: unknown field {key!r}")
    if not isinstance(name, str) or not _NAME.match(name):
        bad("name", "required, lower-case letters, digits and '-' only")
    kind = raw.get("kind")
    if kind not in KINDS:
        bad("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    if "url" in raw and "urls" in raw:
        bad("url", "give either 'url' or 'urls', not both")
    urls = raw.get("urls", [raw["url"]] if "url" in raw else [])
    if not isinstance(urls, list) or not urls:
        bad("url", "required: one URL ('url') or a list ('urls')")
        urls = []
    for url in urls:
        if (err := _check_url(url)) is not None:
            bad("url", err)
    language = raw.get("language")
    if language is not None and language not in LANGUAGES:
        bad("language", f"must be one of {', '.join(LANGUAGES)}, got {language!r}")
    interval = raw.get("interval", defaults.interval)
    try:
        parse_interval(str(interval))
    except ValueError as exc:
        bad("interval", str(exc))
    follow = raw.get("follow")
    if kind == "listing" and not follow:
        bad("follow", "a listing needs a 'follow' regex for its article links")
    if follow is not None:
        try:
            re.compile(follow)
        except (re.error, TypeError) as exc:
            bad("follow", f"not a valid regular expression: {exc}")
    topic = raw.get("topic", defaults.topic)
    if not isinstance(topic, bool):
        bad("topic", f"must be true or false, got {topic!r}")
    delay = raw.get("delay", defaults.delay)
    if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
        bad("delay", f"must be a number of seconds >= 0, got {delay!r}")
    concurrency = raw.get("concurrency", defaults.concurrency)
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        bad("concurrency", f"must be a whole number >= 1, got {concurrency!r}")
    allowed = raw.get("allowed_domains", [])
    if not isinstance(allowed, list) or not all(isinstance(d, str) for d in allowed):
        bad("allowed_domains", "must be a list of host names")
        allowed = []
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        bad("enabled", f"must be true or false, got {enabled!r}")
    if len(problems) > before:
        return None
    return Source(
        name=name,
        kind=kind,
        urls=tuple(urls),
        language=language,
        interval=str(interval),
        follow=follow,
        topic=topic,
        delay=float(delay),
        concurrency=concurrency,
        allowed_domains=tuple(allowed),
        enabled=enabled,
    )


def load_sources(path: str | Path | None = None) -> SourcesConfig:
    """Read and validate a sources file; raise :class:`ConfigError` listing every problem."""
    path = Path(path) if path is not None else DEFAULT_SOURCES
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"cannot read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    return parse_sources(raw, path)


def parse_sources(raw: dict[str, Any], path: Path | str = "<sources>") -> SourcesConfig:
    """Validate already-parsed TOML (the demo rewrites URLs before validating)."""
    problems: list[str] = []
    for key in sorted(set(raw) - {"defaults", "source"}):
        problems.append(f"unknown top-level table {key!r} (expected [defaults] and [[source]])")
    defaults = _load_defaults(raw.get("defaults"), problems)
    entries = raw.get("source", [])
    if not isinstance(entries, list) or not entries:
        problems.append("no [[source]] entries")
        entries = []
    sources = [s for i, e in enumerate(entries) if (s := _load_source(i, e, defaults, problems))]
    seen: set[str] = set()
    for src in sources:
        if src.name in seen:
            problems.append(f"source {src.name!r}: field 'name': used twice")
        seen.add(src.name)
    if problems:
        raise ConfigError(path, problems)
    return SourcesConfig(path=Path(path), defaults=defaults, sources=tuple(sources))


# -- word lists -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CleaningRules:
    """Compiled patterns from ``cleaning.toml``."""

    spam_tokens: re.Pattern[str]
    spam_standalone: re.Pattern[str]
    boilerplate_lines: re.Pattern[str]
    hash_ignore_lines: re.Pattern[str]
    #: A whole line of update stamps and reader counters (``[chrome]``).
    chrome_line: re.Pattern[str]


def _union(patterns: list[str], flags: int = 0) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


#: What stands between chrome tokens on one line: "Updated 5 min ago · 3,418 online | 12 comments".
_CHROME_SEPARATORS = r"[\s\-–—•·|,，/()（）\[\]【】:：]"


@cache
def load_cleaning(path: Path | None = None) -> CleaningRules:
    raw = tomllib.loads((path or SEEDS_DIR / "cleaning.toml").read_text(encoding="utf-8"))
    standalone = _union(raw["spam"]["standalone"])
    return CleaningRules(
        spam_tokens=_union(raw["spam"]["tokens"]),
        spam_standalone=re.compile(rf"(?:^|(?<=\s))(?:{standalone.pattern})(?=\s|$)"),
        boilerplate_lines=_union(raw["boilerplate"]["lines"], re.IGNORECASE),
        hash_ignore_lines=_union(raw["hash_ignore"]["lines"], re.IGNORECASE),
        chrome_line=re.compile(
            rf"^(?:{_CHROME_SEPARATORS}*(?:{_union(raw['chrome']['tokens']).pattern}))+"
            rf"{_CHROME_SEPARATORS}*$",
            re.IGNORECASE,
        ),
    )


@dataclass(frozen=True, slots=True)
class RelevanceTerms:
    tech: re.Pattern[str]
    min_places: int
    min_tech: int


@cache
def load_relevance_terms(path: Path | None = None) -> RelevanceTerms:
    raw = tomllib.loads((path or SEEDS_DIR / "relevance.toml").read_text(encoding="utf-8"))
    en = sorted(raw["tech"]["en"], key=len, reverse=True)
    zh = sorted(raw["tech"]["zh"], key=len, reverse=True)
    # English terms on word boundaries ("AI" must not match "said"); Chinese terms anywhere.
    pattern = (
        r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, en)) + r")(?![A-Za-z])"
        "|" + "|".join(map(re.escape, zh))
    )
    return RelevanceTerms(
        tech=re.compile(pattern),
        min_places=int(raw["score"]["min_places"]),
        min_tech=int(raw["score"]["min_tech"]),
    )
