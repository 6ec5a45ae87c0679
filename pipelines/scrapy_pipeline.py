"""The Scrapy item pipeline: hands each fetched page to :class:`~pipelines.ingest.Ingestor`.

Reads its settings in ``from_crawler`` and takes plain values in ``__init__``
(STYLE.md), so it can be built in a test without a crawler. Outcomes are
counted in Scrapy's stats under ``deltawatch/...`` and become the run's row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from pipelines.ingest import Ingestor
from pipelines.model import Page
from storage.store import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["StorePipeline"]


class StorePipeline:
    def __init__(self, db_path: str | Path, run_id: int | None, stats: StatsCollector) -> None:
        self.db_path = db_path
        self.run_id = run_id
        self.stats = stats
        self.store: Store | None = None
        self.ingestor: Ingestor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        db_path = crawler.settings.get("DELTAWATCH_DB")
        if not db_path:
            raise NotConfigured("DELTAWATCH_DB is not set")
        return cls(db_path, crawler.settings.get("DELTAWATCH_RUN_ID"), crawler.stats)

    def open_spider(self) -> None:
        self.store = Store(self.db_path)
        self.ingestor = Ingestor(self.store, run_id=self.run_id)

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
        else:  # FetchError
            self.store.record_error(
                run_id=self.run_id,
                source=item.source,
                url=item.url,
                reason=item.reason,
                status=item.status,
                detail=item.detail,
            )
        return item
