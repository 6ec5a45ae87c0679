"""Figure extraction: every quantitative claim of an English or Chinese text, normalized.

Pure functions, text in and claims out (DESIGN.md, "A figure (claim) as JSON"); the only I/O is
reading the seed lexicons once. ``EXTRACTOR_VERSION`` is recorded with stored claims so that
``reprocess`` can tell which extractor produced them: bump it whenever output changes.
"""

from __future__ import annotations

from .extract import claim_key, extract_claims
from .model import Claim

__all__ = ["EXTRACTOR_VERSION", "Claim", "claim_key", "extract_claims"]

#: Bump when the figure finder finds other figures in the same text (`reprocess` records it).
EXTRACTOR_VERSION = "figures-3"  # 3: English news rules of issue 12, round 3
