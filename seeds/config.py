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
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_SOURCES",
    "KINDS",
    "NOTIFY_KINDS",
    "SEEDS_DIR",
    "CleaningRules",
    "ConfigError",
    "Defaults",
    "NotifyTarget",
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
#: The change log's event kinds (pipelines.diff.EVENT_KINDS; a test keeps the two equal).
NOTIFY_KINDS = ("new", "corroborated", "conflict", "changed", "removed")
#: What a target gets unless it says otherwise: not every first sighting of a figure.
DEFAULT_NOTIFY_KINDS = tuple(k for k in NOTIFY_KINDS if k != "new")
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
class NotifyTarget:
    """One ``[[notify]]`` target: where messages go, and which events it wants.

    ``urls`` are Apprise URLs as written, ``${NAME}`` references included: they are
    expanded only when sending and shown only through :attr:`shown_urls` (redacted).
    Empty ``subjects``, ``keys`` and ``sources`` mean "any".
    """

    name: str
    urls: tuple[str, ...]
    kinds: tuple[str, ...] = DEFAULT_NOTIFY_KINDS
    subjects: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    digest: bool = True

    @property
    def shown_urls(self) -> tuple[str, ...]:
        """The URLs with their secrets masked, for output and logs."""
        from seeds.apprise_urls import redact

        return tuple(redact(u) for u in self.urls)


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    path: Path
    defaults: Defaults
    sources: tuple[Source, ...] = field(default_factory=tuple)
    notify: tuple[NotifyTarget, ...] = field(default_factory=tuple)

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
_NOTIFY_KEYS = {"name", "urls", "kinds", "subjects", "keys", "sources", "digest"}
_TOP_KEYS = {"defaults", "source", "notify"}


def _unknown(key: str, known: set[str]) -> str:
    """``unknown field 'kind'`` with a "did you mean" when a known name is close."""
    close = get_close_matches(key, sorted(known), n=1)
    return f"unknown field {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


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
    """The ``[defaults]`` table; a bad field is reported here once and replaced by the built-in
    default, so the sources that inherit it do not repeat the same problem."""
    d = Defaults()
    if raw is None:
        return d
    if not isinstance(raw, dict):
        problems.append("[defaults]: must be a table")
        return d
    for key in sorted(set(raw) - _DEFAULT_KEYS):
        problems.append(f"[defaults]: {_unknown(key, _DEFAULT_KEYS)}")

    def bad(fieldname: str, message: str) -> None:
        problems.append(f"[defaults]: field {fieldname!r}: {message}")

    interval = raw.get("interval", d.interval)
    if err := _interval_problem(interval):
        bad("interval", err)
        interval = d.interval
    recheck = raw.get("recheck", list(d.recheck))
    if not isinstance(recheck, list) or not recheck:
        bad("recheck", f"must be a list of durations like ['3h', '1d'], got {recheck!r}")
        recheck = list(d.recheck)
    elif errors := [e for r in recheck if (e := _interval_problem(r, crontab=False))]:
        for err in errors:
            bad("recheck", err)
        recheck = list(d.recheck)
    delay = raw.get("delay", d.delay)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        bad("delay", f"must be a number of seconds >= 0, got {delay!r}")
        delay = d.delay
    concurrency = raw.get("concurrency", d.concurrency)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        bad("concurrency", f"must be a whole number >= 1, got {concurrency!r}")
        concurrency = d.concurrency
    topic = raw.get("topic", d.topic)
    if not isinstance(topic, bool):
        bad("topic", f"must be true or false, got {topic!r}")
        topic = d.topic
    return Defaults(
        interval=str(interval),
        recheck=tuple(str(r) for r in recheck),
        delay=float(delay),
        concurrency=concurrency,
        topic=topic,
    )


def _interval_problem(value: Any, *, crontab: bool = True) -> str | None:
    """What is wrong with an interval (None: nothing); rechecks are durations only."""
    try:
        parsed = parse_interval(str(value))
    except ValueError as exc:
        return str(exc)
    if not crontab and isinstance(parsed, str):
        return f"must be durations, not crontabs, got {value!r}"
    return None


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
        problems.append(f"{where}: {_unknown(key, _SOURCE_KEYS)}")
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


def _strings(raw: dict[str, Any], key: str, bad: Any) -> tuple[str, ...]:
    """An optional list of non-empty strings (a lone string is refused: a list is meant)."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        bad(key, f"must be a list of strings, got {value!r}")
        return ()
    return tuple(value)


def _load_notify(i: int, raw: Any, sources: set[str], problems: list[str]) -> NotifyTarget | None:
    """One ``[[notify]]`` table; problems never repeat a URL (they may hold secrets)."""
    if not isinstance(raw, dict):
        problems.append(f"[[notify]] #{i + 1}: must be a table")
        return None
    name = raw.get("name")
    where = f"notify {name!r}" if isinstance(name, str) else f"[[notify]] #{i + 1}"
    before = len(problems)

    def bad(fieldname: str, message: str) -> None:
        problems.append(f"{where}: field {fieldname!r}: {message}")

    for key in sorted(set(raw) - _NOTIFY_KEYS):
        problems.append(f"{where}: {_unknown(key, _NOTIFY_KEYS)}")
    if not isinstance(name, str) or not _NAME.match(name):
        bad("name", "required, lower-case letters, digits and '-' only")
    urls = raw.get("urls")
    if isinstance(urls, str):
        urls = [urls]  # one URL needs no brackets
    if not isinstance(urls, list) or not urls:
        bad("urls", "required: a list of Apprise URLs, e.g. ['mailto://user:pass@example.com']")
        urls = []
    from seeds.apprise_urls import check

    for n, url in enumerate(urls):
        if (err := check(url)) is not None:
            bad("urls", f"URL {n + 1}: {err}")
    kinds = _strings(raw, "kinds", bad) if "kinds" in raw else DEFAULT_NOTIFY_KINDS
    for kind in kinds:
        if kind not in NOTIFY_KINDS:
            close = get_close_matches(kind, NOTIFY_KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad("kinds", f"unknown kind {kind!r}{hint}; kinds are {', '.join(NOTIFY_KINDS)}")
    if "kinds" in raw and not kinds and len(problems) == before:
        bad("kinds", "an empty list would send nothing; leave it out for all but 'new'")
    subjects = _strings(raw, "subjects", bad)
    keys = _strings(raw, "keys", bad)
    names = _strings(raw, "sources", bad)
    for source in names:
        if source not in sources:
            close = get_close_matches(source, sorted(sources), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad("sources", f"no [[source]] named {source!r}{hint}")
    digest = raw.get("digest", True)
    if not isinstance(digest, bool):
        bad("digest", f"must be true or false, got {digest!r}")
    if len(problems) > before:
        return None
    return NotifyTarget(
        name=name,
        urls=tuple(urls),
        kinds=tuple(kinds),
        subjects=subjects,
        keys=keys,
        sources=names,
        digest=digest,
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
    for key in sorted(set(raw) - _TOP_KEYS):
        close = get_close_matches(key, sorted(_TOP_KEYS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(
            f"unknown top-level table {key!r} ({hint}expected [defaults], "
            "[[source]] and [[notify]])"
        )
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
    targets = raw.get("notify", [])
    if not isinstance(targets, list):
        problems.append("[[notify]]: must be an array of tables ([[notify]], not [notify])")
        targets = []
    known = {e.get("name") for e in entries if isinstance(e, dict)}
    notify = [t for i, e in enumerate(targets) if (t := _load_notify(i, e, known, problems))]
    named: set[str] = set()
    for target in notify:
        if target.name in named:
            problems.append(f"notify {target.name!r}: field 'name': used twice")
        named.add(target.name)
    if problems:
        raise ConfigError(path, problems)
    return SourcesConfig(
        path=Path(path), defaults=defaults, sources=tuple(sources), notify=tuple(notify)
    )


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
