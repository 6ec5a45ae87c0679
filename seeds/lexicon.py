"""Load the bilingual gazetteer and the metric lexicon (``seeds/*.toml``).

Both files are data, edited by people; this module validates them once, freezes them and compiles
the search patterns once, so the relevance stage and the figure extractor can call
``find`` on every article without re-reading TOML or rebuilding regexes.

Searching uses one trie-shaped regex per lexicon rather than an alternation of hundreds of
aliases: Python's ``re`` tries alternatives one by one at every position, a trie lets it reject
a position after one character. Latin aliases are matched on word boundaries (``Shanghai`` is
not found in ``Shanghainese``); CJK aliases have no word boundaries to respect.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DEFAULT_GAZETTEER",
    "DEFAULT_METRICS",
    "ENTITY_KINDS",
    "Entity",
    "Gazetteer",
    "LexiconError",
    "Metric",
    "MetricLexicon",
    "load_gazetteer",
    "load_metrics",
    "plural_forms",
]

_HERE = Path(__file__).resolve().parent
DEFAULT_GAZETTEER = _HERE / "gazetteer.toml"
DEFAULT_METRICS = _HERE / "metrics.toml"

ENTITY_KINDS = frozenset(
    {"region", "province", "city", "district", "park", "institution", "company", "country"}
)

_LATIN_ALNUM = re.compile(r"[A-Za-z0-9]")
_SEPARATORS = re.compile(r"[\s\-‐‑–]+")


class LexiconError(ValueError):
    """A gazetteer or metrics file is malformed; the message names the file and the entry."""


# --------------------------------------------------------------------------------------------
# Trie regex


#: British spellings folded for case-insensitive (metric) keys: "R&D centres" = "R&D centers".
_BRITISH = re.compile(r"(?<=cent)re(?=s?\b)|(?<=program)me(?=s?\b)|(?<=organi)s(?=ation)")


def _norm_key(text: str, *, fold: bool) -> str:
    """Lookup key of an alias or a matched span: separators unified, optionally lower-cased.

    Folded keys (the metric lexicon's) also fold British spellings.
    """
    key = _SEPARATORS.sub(" ", text.strip())
    return (
        _BRITISH.sub(lambda m: {"re": "er", "me": "", "s": "z"}[m.group()], key.lower())
        if fold
        else key
    )


def _char_pattern(char: str) -> str:
    # A space or hyphen in an alias matches either in the text ("High-Tech" / "High Tech").
    if char in " -":
        return r"[\s\-‐‑–]"
    return re.escape(char)


def _trie_regex(words: Iterable[str], *, fold: bool = False) -> str:
    """Build one regex matching any of ``words``, longest alternative first at each position.

    Word boundaries are per word: a lookbehind when the word starts with a Latin letter or digit,
    a lookahead when it ends with one, so ``G60科创走廊`` and ``Shanghai`` both work.
    """
    end = ""  # key marking "a word ends here"; real keys are single characters
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[end] = {}

    def emit(node: dict[str, dict], last: str) -> str:
        branches = [_char_pattern(c) + emit(child, c) for c, child in node.items() if c != end]
        branches.sort(key=len, reverse=True)
        if end in node:
            # Ending here is tried last so that longer aliases win.
            branches.append(r"(?![A-Za-z0-9])" if _LATIN_ALNUM.match(last) else "")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    # Every top-level branch starts with its literal first character and checks the word
    # boundary behind it afterwards: a pattern that opens with literals lets the regex engine
    # skip straight to positions where some alias can start, which makes scans several times
    # faster than opening with a lookbehind.
    # A case-folded pattern gains nothing from that (the engine cannot skip on folded
    # literals), so it keeps one lookbehind in front of all Latin branches.
    parts = []
    latin = []
    for char, child in trie.items():
        if char == end:
            continue
        if fold and _LATIN_ALNUM.match(char):
            latin.append(_char_pattern(char) + emit(child, char))
            continue
        boundary = r"(?<![A-Za-z0-9].)" if _LATIN_ALNUM.match(char) else ""
        parts.append(_char_pattern(char) + boundary + emit(child, char))
    if latin:
        parts.append(r"(?<![A-Za-z0-9])(?:" + "|".join(latin) + ")")
    return "|".join(parts) if parts else r"(?!x)x"


# --------------------------------------------------------------------------------------------
# Gazetteer


@dataclass(frozen=True, slots=True)
class Entity:
    """A place, park, institution or company, with every name it goes by in both languages.

    ``scope`` marks entities inside Shanghai / the Yangtze River Delta; the others are kept so
    that comparisons ("surpassing Shenzhen's 38") get the right subject.
    """

    name: str
    kind: str
    aliases: tuple[str, ...]
    scope: bool
    parent: str | None = None
    #: Aliases that name other things too ("the Delta": the Pearl River Delta's as well);
    #: they count only in a text that also names the entity another way.
    scoped_aliases: tuple[str, ...] = ()


class Gazetteer:
    """The entities of ``gazetteer.toml`` with a compiled finder."""

    __slots__ = ("_by_key", "_pattern", "_scoped", "entities")

    def __init__(self, entities: Sequence[Entity]) -> None:
        self.entities: tuple[Entity, ...] = tuple(entities)
        by_key: dict[str, Entity] = {}
        scoped: set[str] = set()
        for entity in self.entities:
            for alias in (entity.name, *entity.aliases, *entity.scoped_aliases):
                by_key.setdefault(_norm_key(alias, fold=False), entity)
            scoped.update(_norm_key(alias, fold=False) for alias in entity.scoped_aliases)
        self._by_key = by_key
        self._scoped = frozenset(scoped)
        self._pattern = re.compile(_trie_regex(by_key))

    def find(self, text: str) -> list[tuple[int, int, Entity]]:
        """Every entity mention in ``text`` as ``(start, end, entity)``, left to right.

        Mentions do not overlap; at one position the longest alias wins
        ("Shanghai Jiao Tong University" over "Shanghai").
        """
        found = []
        maybe = []
        named: set[str] = set()
        for match in self._pattern.finditer(text):
            key = _norm_key(match.group(), fold=False)
            entity = self._by_key.get(key)
            if entity is not None:
                found.append((match.start(), match.end(), entity))
                if key in self._scoped:
                    maybe.append(found[-1])
                else:
                    named.add(entity.name)
        if maybe:  # a scoped alias stands for its entity only where the text names it too
            found = [f for f in found if f not in maybe or f[2].name in named]
        return found

    def get(self, name: str) -> Entity | None:
        """The entity called ``name`` (canonical name or any alias, case-insensitive)."""
        key = _norm_key(name, fold=False)
        if key in self._by_key:
            return self._by_key[key]
        folded = key.lower()
        for alias_key, entity in self._by_key.items():
            if alias_key.lower() == folded:
                return entity
        return None

    @property
    def scoped(self) -> tuple[Entity, ...]:
        """The entities inside Shanghai / the YRD."""
        return tuple(e for e in self.entities if e.scope)

    def __repr__(self) -> str:
        return f"Gazetteer({len(self.entities)} entities)"


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path}: {exc}") from exc


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _parse_entities(data: dict, path: Path) -> list[Entity]:
    rows = data.get("entity")
    if not isinstance(rows, list) or not rows:
        raise LexiconError(f"{path}: no [[entity]] tables")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or set(defaults) - {"scoped_aliases"}:
        raise LexiconError(f"{path}: [defaults] takes only scoped_aliases")
    # names several entities share ("the Delta"): wherever an entity lists one as an alias,
    # it is scoped (it stands for the entity only in a text that names it another way too)
    shared = frozenset(_str_list(defaults.get("scoped_aliases", []), f"{path}: [defaults]"))
    entities: list[Entity] = []
    names: set[str] = set()
    owner: dict[str, str] = {}
    for number, row in enumerate(rows, 1):
        where = f"{path}: entity #{number}"
        name = row.get("name")
        if not isinstance(name, str) or not name.strip():
            raise LexiconError(f"{where}: missing name")
        where = f"{path}: entity {name!r}"
        kind = row.get("kind")
        if kind not in ENTITY_KINDS:
            raise LexiconError(f"{where}: kind {kind!r} is not one of {sorted(ENTITY_KINDS)}")
        scope = row.get("scope", False)
        if not isinstance(scope, bool):
            raise LexiconError(f"{where}: scope must be true or false")
        parent = row.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise LexiconError(f"{where}: parent must be a string")
        unknown = set(row) - {"name", "kind", "scope", "parent", "aliases", "scoped_aliases"}
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
        listed = _str_list(row.get("aliases", []), where)
        aliases = tuple(a for a in listed if a not in shared)
        scoped_aliases = _str_list(row.get("scoped_aliases", []), where) + tuple(
            a for a in listed if a in shared
        )
        if name in names:
            raise LexiconError(f"{where}: duplicate name")
        names.add(name)
        for alias in (name, *aliases, *scoped_aliases):
            key = _norm_key(alias, fold=False)
            if owner.get(key, name) != name:
                raise LexiconError(f"{where}: alias {alias!r} already belongs to {owner[key]!r}")
            owner[key] = name
        entities.append(
            Entity(name, kind, tuple(dict.fromkeys(aliases)), scope, parent, scoped_aliases)
        )
    for entity in entities:
        if entity.parent is not None and entity.parent not in names:
            raise LexiconError(f"{path}: entity {entity.name!r}: unknown parent {entity.parent!r}")
    return entities


@lru_cache(maxsize=8)
def _load_gazetteer(path: Path) -> Gazetteer:
    return Gazetteer(_parse_entities(_read_toml(path), path))


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """The gazetteer at ``path`` (default ``seeds/gazetteer.toml``), parsed once per path."""
    return _load_gazetteer(Path(path).resolve() if path is not None else DEFAULT_GAZETTEER)


# --------------------------------------------------------------------------------------------
# Metric lexicon


def plural_forms(phrase: str) -> tuple[str, ...]:
    """``phrase`` and its plural (last word inflected): enough for news nouns.

    Lexicon terms are written in the singular; this spares listing both forms by hand.
    """
    words = phrase.split(" ")
    last = words[-1]
    lower = last.lower()
    if not lower or not lower[-1].isalpha() or (lower.endswith("s") and len(lower) > 3):
        return (phrase,)
    if lower.endswith("y") and len(lower) > 2 and lower[-2] not in "aeiou":
        plural = last[:-1] + "ies"
    elif lower.endswith(("x", "ch", "sh", "z")):
        plural = last + "es"
    elif last.isupper():
        plural = last + "s"  # "IPO" -> "IPOs"
    else:
        plural = last + "s"
    return (phrase, " ".join([*words[:-1], plural]))


@dataclass(frozen=True, slots=True)
class Metric:
    """What a figure measures, with the words that name it in English and Chinese.

    ``units``: the units this metric applies to (empty: any). ``default_for``: units whose
    figures take this metric when the text names nothing better (``nm`` -> process node).
    ``subject_kinds``: entity kinds that can be its subject (a process node belongs to a
    company, not to the park the lab sits in).
    """

    name: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    units: tuple[str, ...] = ()
    default_for: tuple[str, ...] = ()
    subject_kinds: tuple[str, ...] = ()


class MetricLexicon:
    """The metrics of ``metrics.toml`` with compiled finders for both languages."""

    __slots__ = ("_en", "_en_pattern", "_unit_default", "_zh", "_zh_pattern", "metrics")

    def __init__(self, metrics: Sequence[Metric]) -> None:
        self.metrics: tuple[Metric, ...] = tuple(metrics)
        en: dict[str, Metric] = {}
        zh: dict[str, Metric] = {}
        unit_default: dict[str, Metric] = {}
        for metric in self.metrics:
            for term in (metric.name, *metric.en):
                for form in plural_forms(term):
                    en.setdefault(_norm_key(form, fold=True), metric)
            for term in metric.zh:
                zh.setdefault(term, metric)
            for unit in metric.default_for:
                unit_default.setdefault(unit, metric)
        self._en = en
        self._zh = zh
        self._unit_default = unit_default
        self._en_pattern = re.compile(_trie_regex(en, fold=True), re.IGNORECASE)
        self._zh_pattern = re.compile(_trie_regex(zh))

    def lookup(self, phrase: str) -> Metric | None:
        """The metric named exactly by ``phrase`` (English any case, or Chinese)."""
        return self._en.get(_norm_key(phrase, fold=True)) or self._zh.get(phrase.strip())

    def match_head(self, words: Sequence[str]) -> tuple[Metric, int] | None:
        """The longest lexicon term that ends ``words`` (a noun phrase, head last).

        Returns the metric and how many trailing words it covers, so the caller can keep the
        modifiers in front ("AI" in "AI companies").
        """
        for size in range(min(len(words), 6), 0, -1):
            metric = self._en.get(_norm_key(" ".join(words[-size:]), fold=True))
            if metric is not None:
                return metric, size
        return None

    def find_en(self, text: str) -> list[tuple[int, int, Metric]]:
        """English lexicon terms in ``text``, left to right, non-overlapping."""
        return self._find(self._en_pattern, self._en, text, fold=True)

    def find_zh(self, text: str) -> list[tuple[int, int, Metric]]:
        """Chinese lexicon terms in ``text``, left to right, non-overlapping."""
        return self._find(self._zh_pattern, self._zh, text, fold=False)

    def zh_prefix(self, text: str) -> tuple[Metric, int] | None:
        """The longest Chinese term starting ``text`` and its length (head nouns after 家/个)."""
        match = self._zh_pattern.match(text)
        if match is None:
            return None
        metric = self._zh.get(match.group())
        return (metric, match.end()) if metric is not None else None

    def for_unit(self, unit: str) -> Metric | None:
        """The metric a bare figure in ``unit`` measures, if the lexicon names one."""
        return self._unit_default.get(unit)

    @staticmethod
    def _find(
        pattern: re.Pattern[str], table: dict[str, Metric], text: str, *, fold: bool
    ) -> list[tuple[int, int, Metric]]:
        out = []
        for match in pattern.finditer(text):
            key = _norm_key(match.group(), fold=fold) if fold else match.group()
            metric = table.get(key)
            if metric is not None:
                out.append((match.start(), match.end(), metric))
        return out

    def __iter__(self) -> Iterator[Metric]:
        return iter(self.metrics)

    def __repr__(self) -> str:
        return f"MetricLexicon({len(self.metrics)} metrics)"


def _parse_metrics(data: dict, path: Path) -> list[Metric]:
    rows = data.get("metric")
    if not isinstance(rows, list) or not rows:
        raise LexiconError(f"{path}: no [[metric]] tables")
    metrics = []
    seen: set[str] = set()
    allowed = {"name", "en", "zh", "units", "default_for", "subject_kinds"}
    for number, row in enumerate(rows, 1):
        name = row.get("name")
        if not isinstance(name, str) or not name.strip():
            raise LexiconError(f"{path}: metric #{number}: missing name")
        where = f"{path}: metric {name!r}"
        if name in seen:
            raise LexiconError(f"{where}: duplicate name")
        seen.add(name)
        unknown = set(row) - allowed
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
        kinds = _str_list(row.get("subject_kinds", []), where)
        if not set(kinds) <= ENTITY_KINDS:
            raise LexiconError(f"{where}: subject_kinds must be among {sorted(ENTITY_KINDS)}")
        metrics.append(
            Metric(
                name=name,
                en=_str_list(row.get("en", []), where),
                zh=_str_list(row.get("zh", []), where),
                units=_str_list(row.get("units", []), where),
                default_for=_str_list(row.get("default_for", []), where),
                subject_kinds=kinds,
            )
        )
    return metrics


@lru_cache(maxsize=8)
def _load_metrics(path: Path) -> MetricLexicon:
    return MetricLexicon(_parse_metrics(_read_toml(path), path))


def load_metrics(path: Path | None = None) -> MetricLexicon:
    """The metric lexicon at ``path`` (default ``seeds/metrics.toml``), parsed once per path."""
    return _load_metrics(Path(path).resolve() if path is not None else DEFAULT_METRICS)
