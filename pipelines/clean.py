"""Strip what real pages carry besides the story: spam tokens and boilerplate lines.

The patterns live in ``seeds/cleaning.toml``; this module only applies them,
line by line, once. Cleaning is pure (text in, text out) so it runs the same
on HTML extractions, on plain-text files and in ``reprocess``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from seeds.config import CleaningRules, load_cleaning

__all__ = ["clean_text", "normalize_for_hash"]

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
#: Boilerplate patterns drop a line only up to this length. Chrome lines are short; a long
#: line is a paragraph, or a whole article that a table layout flattened onto one line, and a
#: stray "all rights reserved" or clock icon in it must not take the story with it.
BOILERPLATE_MAX_CHARS = 200
_ALL_SPACE = re.compile(r"\s+")


def clean_text(text: str, rules: CleaningRules | None = None) -> tuple[str, Counter[str]]:
    """Return the text without spam and boilerplate, and counts of what was removed.

    A line that is only spam or boilerplate disappears; a spam token glued to a
    real paragraph is cut out and the paragraph kept.
    """
    rules = rules or load_cleaning()
    removed: Counter[str] = Counter()
    kept: list[str] = []
    for line in text.replace("\x00", "").splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) <= BOILERPLATE_MAX_CHARS and rules.boilerplate_lines.search(line):
            removed["boilerplate"] += 1
            continue
        if len(line) <= BOILERPLATE_MAX_CHARS and rules.chrome_line.match(line):
            removed["chrome"] += 1  # counters and update stamps: change on every visit
            continue
        line, n_tokens = rules.spam_tokens.subn(" ", line)
        line, n_alone = rules.spam_standalone.subn(" ", line)
        if n_tokens or n_alone:
            removed["spam"] += n_tokens + n_alone
            line = _SPACES.sub(" ", line).strip()
            if not line:
                continue
        kept.append(line)
    return "\n".join(kept), removed


def normalize_for_hash(text: str, rules: CleaningRules | None = None) -> str:
    """The text as compared between versions: NFKC, one space, no byline or update lines.

    Whitespace, datelines (already cleaned away) and bylines changing alone
    must not make a new version.
    """
    rules = rules or load_cleaning()
    lines = (
        line
        for line in unicodedata.normalize("NFKC", text).splitlines()
        if not rules.hash_ignore_lines.search(line)
    )
    return _ALL_SPACE.sub(" ", " ".join(lines)).strip()
