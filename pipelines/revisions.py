"""What changed between two versions of one article: a line diff, with figures marked.

Pure: two versions (text and claims) in, a list of diff lines and figure changes out; the
CLI draws them. Lines are the paragraphs the extractor produced. In each changed line the
spans of figures whose value changed, appeared or went away are given, so a reader's eye
goes straight to the number.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.diff import agrees

__all__ = ["DiffLine", "FigureChange", "VersionDiff", "compare_versions"]


@dataclass(frozen=True, slots=True)
class FigureChange:
    key: str
    old: float | None  # None: the figure is new in the later version
    new: float | None  # None: the figure was removed
    unit: str
    sentence: str | None


@dataclass(frozen=True, slots=True)
class DiffLine:
    op: str  # " " context, "-" only in the old version, "+" only in the new one, "@" hunk
    text: str
    #: (start, end) offsets within ``text`` of changed figures.
    marks: tuple[tuple[int, int], ...] = ()


@dataclass(slots=True)
class VersionDiff:
    lines: list[DiffLine] = field(default_factory=list)
    figures: list[FigureChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": [{"op": ln.op, "text": ln.text, "marks": ln.marks} for ln in self.lines],
            "figures": [
                {"key": f.key, "old": f.old, "new": f.new, "unit": f.unit, "sentence": f.sentence}
                for f in self.figures
            ],
        }


def _first_by_key(claims: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for claim in claims:
        out.setdefault(claim["key"], claim)
    return out


def figure_changes(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[FigureChange]:
    """By key, as the change log sees it: changed, new and removed figures (in new-text order)."""
    before, after = _first_by_key(old), _first_by_key(new)
    changes = []
    for key, claim in after.items():
        prior = before.get(key)
        if prior is None:
            changes.append(FigureChange(key, None, claim["value"], claim["unit"], claim["sentence"]))
        elif not agrees(prior["value"], prior["approx"], claim["value"], claim["approx"]):
            changes.append(
                FigureChange(key, prior["value"], claim["value"], claim["unit"], claim["sentence"])
            )
    for key, prior in before.items():
        if key not in after:
            changes.append(FigureChange(key, prior["value"], None, prior["unit"], prior["sentence"]))
    return changes


def _line_marks(
    text: str, claims: Sequence[Mapping[str, Any]], keys: set[str]
) -> dict[int, list[tuple[int, int]]]:
    """For each line number, the spans (relative to the line) of the claims with these keys."""
    starts, pos = [], 0
    for line in text.split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    marks: dict[int, list[tuple[int, int]]] = {}
    for claim in claims:
        if claim["key"] not in keys:
            continue
        line_no = max(i for i, s in enumerate(starts) if s <= claim["start"])
        offset = starts[line_no]
        marks.setdefault(line_no, []).append((claim["start"] - offset, claim["end"] - offset))
    return marks


def compare_versions(
    old_text: str,
    old_claims: Sequence[Mapping[str, Any]],
    new_text: str,
    new_claims: Sequence[Mapping[str, Any]],
    *,
    context: int = 1,
) -> VersionDiff:
    """A unified line diff of two versions, figures that changed marked in both sides."""
    figures = figure_changes(old_claims, new_claims)
    keys = {f.key for f in figures}
    old_lines, new_lines = old_text.split("\n"), new_text.split("\n")
    old_marks = _line_marks(old_text, old_claims, keys)
    new_marks = _line_marks(new_text, new_claims, keys)
    result = VersionDiff(figures=figures)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        hunk = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        result.lines.append(DiffLine("@", hunk))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                result.lines.extend(DiffLine(" ", old_lines[i]) for i in range(i1, i2))
                continue
            result.lines.extend(
                DiffLine("-", old_lines[i], tuple(old_marks.get(i, ()))) for i in range(i1, i2)
            )
            result.lines.extend(
                DiffLine("+", new_lines[j], tuple(new_marks.get(j, ()))) for j in range(j1, j2)
            )
    return result
