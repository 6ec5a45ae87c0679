"""The analysis process and its pipes (``pipelines/channel.py``): results come back to the
pages they belong to, and only a few pages sit in the pipe at a time."""

from __future__ import annotations

import asyncio

from benchmarks.common import article_html
from pipelines.channel import AnalysisProcess
from pipelines.ingest import analyze
from pipelines.model import Page


def _pages(n: int) -> list[Page]:
    base = "http://127.0.0.1:1"
    return [
        Page(
            source="bench",
            url=f"{base}/news/{i}.html",
            fetched_url=f"{base}/news/{i}.html",
            status=200,
            body=article_html(i, base).encode(),
            content_type="text/html",
        )
        for i in range(n)
    ]


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
