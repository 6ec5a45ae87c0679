"""English wording the figure finder reads, loaded once from ``seeds/english.toml``.

The finder's rules live in code, each once; the words they look for are data, so adding a
stop word or an approximator is an edit to the TOML file, not to a regex.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Final

__all__ = ["APPROX_KINDS", "approximator_endings", "approximator_pattern", "words"]

_DATA: Final = Path(__file__).resolve().parents[2] / "seeds" / "english.toml"
#: The approximator groups, in the order the pattern tries them.
APPROX_KINDS: Final = ("over", "under", "nearly", "about")


@cache
def _data() -> dict:
    with _DATA.open("rb") as handle:
        return tomllib.load(handle)


@cache
def words(name: str) -> frozenset[str]:
    """One word list of ``[words]`` (``np_stop``, ``partitive``, ``money_heads`` ...)."""
    return frozenset(_data()["words"][name])


def _phrase(text: str) -> str:
    return r"\s+".join(re.escape(part) for part in text.split())


@cache
def approximator_pattern() -> re.Pattern[str]:
    """The approximator ending right before a number (or its currency), one group per kind."""
    groups = _data()["approximators"]
    alternatives = "|".join(
        f"(?P<{kind}>"
        + "|".join(_phrase(p) for p in sorted(groups[kind], key=len, reverse=True))
        + ")"
        for kind in APPROX_KINDS
    )
    return re.compile(rf"(?:{alternatives})\s*(?:US\$|HK\$|\$|€|¥|£|RMB\s?)?\s*$", re.IGNORECASE)


@cache
def approximator_endings() -> tuple[str, ...]:
    """The last word of every approximator, lowercased: a number after none of them has none."""
    groups = _data()["approximators"]
    return tuple(sorted({p.split()[-1].lower() for kind in APPROX_KINDS for p in groups[kind]}))
