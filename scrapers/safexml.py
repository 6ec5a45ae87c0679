"""Refuse XML that declares entities before any parser sees it.

Feeds and sitemaps have no use for a DTD internal subset; what one can carry is an
entity-expansion bomb ("billion laughs": kilobytes that inflate to gigabytes) or an
external entity reading a local file. feedparser keeps "safe-looking" entity
declarations and lxml's behaviour depends on its version and flags, so instead of
trusting each parser we refuse the document outright, as defusedxml's
``forbid_dtd``/``forbid_entities`` do.
"""

from __future__ import annotations

import re

__all__ = ["declares_entities"]

# The prolog: BOM, XML declaration, comments and processing instructions, then DOCTYPE.
_DOCTYPE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE\b[^\[>]*(\[)?", re.S
)


def declares_entities(body: bytes) -> bool:
    """True when the document's DOCTYPE has an internal subset (where entities live),
    or declares an entity anywhere in its first 64 KB."""
    head = body[:65536]
    match = _DOCTYPE.match(head)
    if match is not None and match.group(1):
        return True
    return b"<!ENTITY" in head
