"""The analysis process and its pipes (``pipelines/channel.py``): results come back to the
pages they belong to, and only a few pages sit in the pipe at a time."""

from __future__ import annotations

import asyncio

from pipelines.channel import AnalysisProcess
from pipelines.ingest import analyze
from pipelines.model import Page
from tests import sites

STORIES = [sites.UNICORNS, sites.SMIC, sites.ZH_UNICORNS]


def _pages(n: int) -> list[Page]:
    base = "http://127.0.0.1:1"
    pages = []
    for i in range(n):
        path = f"/news/{i}.html"
        html = sites.page_html(STORIES[i % len(STORIES)], base=base, path=path)
        pages.append(
            Page(
                source="wire",
                url=base + path,
                fetched_url=base + path,
                status=200,
                body=html.encode(),
                content_type="text/html",
            )
        )
    return pages


def test_each_page_gets_its_own_analysis_and_the_pipe_holds_only_a_few() -> None:
    pages = _pages(10)

    async def run() -> tuple[list, int, int]:
        process = AnalysisProcess()
        await asyncio.to_thread(process.start)
        await process.connect()
        try:
            futures = [process.submit(page) for page in pages]
            in_pipe, held = len(process.waiting), len(process.queued)
            return await asyncio.gather(*futures), in_pipe, held
        finally:
            process.close()

    results, in_pipe, held = asyncio.run(run())
    assert (in_pipe, held) == (AnalysisProcess.AHEAD, 10 - AnalysisProcess.AHEAD)
    for page, result in zip(pages, results, strict=True):
        expected = analyze(page, identity=False)
        assert result.article.url == page.fetched_url
        assert result.claims == expected.claims and result.claims
        assert result.identity is None  # left to the writer
