"""The Scrapy item pipeline: hands each fetched page to :class:`~pipelines.ingest.Ingestor`.

Reads its settings in ``from_crawler`` and takes plain values in ``__init__``
(STYLE.md), so it can be built in a test without a crawler. Outcomes are
counted in Scrapy's stats under ``deltawatch/...`` and become the run's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from pipelines.ingest import DEFAULT_RECHECK, Ingestor
from pipelines.model import Page
from storage.store import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["StorePipeline"]


class StorePipeline:
    def __init__(
        self,
        db_path: str | Path,
        run_id: int | None,
        stats: StatsCollector,
        recheck: Sequence[timedelta] = DEFAULT_RECHECK,
    ) -> None:
        self.db_path = db_path
        self.run_id = run_id
        self.stats = stats
        self.recheck = tuple(recheck)
        self.store: Store | None = None
        self.ingestor: Ingestor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        db_path = crawler.settings.get("DELTAWATCH_DB")
        if not db_path:
            raise NotConfigured("DELTAWATCH_DB is not set")
        ladder = crawler.settings.getlist("DELTAWATCH_RECHECK") or None
        return cls(
            db_path,
            crawler.settings.get("DELTAWATCH_RUN_ID"),
            crawler.stats,
            [timedelta(seconds=float(s)) for s in ladder] if ladder else DEFAULT_RECHECK,
        )

    def open_spider(self) -> None:
        self.store = Store(self.db_path)
        self.ingestor = Ingestor(self.store, run_id=self.run_id, recheck=self.recheck)

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.close()

    def process_item(self, item: Any) -> Any:
        assert self.store is not None and self.ingestor is not None
        if isinstance(item, Page):
            outcome = self.ingestor.ingest(item)
            self.stats.inc_value("deltawatch/pages")
            self.stats.inc_value(f"deltawatch/{outcome.status}")
            self.stats.inc_value("deltawatch/claims", outcome.claims)
            self.stats.inc_value("deltawatch/events", outcome.events)
            if outcome.status == "error":
                self.stats.inc_value("deltawatch/fetch_errors")
        else:  # FetchError: counted by the spider that made it
            outcome = self.ingestor.record_failure(
                source=item.source,
                url=item.url,
                reason=item.reason,
                status=item.status,
                detail=item.detail,
            )
            if outcome.status == "retired":
                self.stats.inc_value("deltawatch/retired")
        return item
