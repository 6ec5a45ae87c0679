"""What spiders yield: a fetched :class:`~pipelines.model.Page`, or a :class:`FetchError`.

Failures are items too, so they travel the same road to the single writer
(the local item pipeline, or Redis in the distributed mode) as pages do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pipelines.model import Page

__all__ = ["FetchError", "Page"]


@dataclass(frozen=True, slots=True)
class FetchError:
    """A URL that could not be fetched or understood, with a short specific reason."""

    source: str
    url: str
    reason: str
    status: int | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
