"""The crawl's analysis process, and the two pipes the crawl's event loop talks to it over.

Pages go out on one pipe and their :class:`~pipelines.ingest.Analysis` come back on the
other, in order. The crawl side is an asyncio protocol on the event loop that runs the
reactor: writes are buffered by the loop's pipe transport (a big page never blocks a
download) and results are read when the loop sees them ready. A
``concurrent.futures.ProcessPoolExecutor`` did this before, at the price of two more
threads in the crawl process (the pool's manager and its queue feeder) waking for every
page and taking the GIL from the reactor (issue 15).

Messages are framed as :class:`multiprocessing.connection.Connection` frames them (a
4-byte big-endian length, or -1 and an 8-byte one, then a pickle), so the analysis side
reads and writes with plain ``Connection.recv``/``send``. This module never imports
Scrapy or storage: the analysis process imports it to find :func:`serve`.
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import os
import pickle
import struct
from multiprocessing.connection import Connection
from typing import Any

from pipelines.ingest import Analysis, analysis_process_init, analyze
from pipelines.model import Page

__all__ = ["AnalysisGone", "AnalysisProcess", "serve"]

_SHORT = struct.Struct("!i")
_LONG = struct.Struct("!Q")


class AnalysisGone(RuntimeError):
    """The analysis process ended (killed, or out of memory) before it answered."""


class _Failed:
    """An exception ``analyze`` raised in the analysis process, shipped back to be raised."""

    def __init__(self, error: BaseException) -> None:
        try:
            pickle.dumps(error)
            self.error = error
        except Exception:  # an exception that cannot travel: its text does
            self.error = RuntimeError(f"{type(error).__name__}: {error}")


def serve(pages: Connection, results: Connection, crawl_pid: int) -> None:
    """The analysis process: analyse each page that comes, until the crawl closes its pipe."""
    analysis_process_init(crawl_pid)
    while True:
        try:
            page = pages.recv()
        except EOFError:
            return
        try:
            result: Analysis | _Failed = analyze(page, identity=False)
        except Exception as exc:  # a bug on one page is that page's error, not the process's
            result = _Failed(exc)
        results.send(result)


def _frame(message: Any) -> bytes:
    """``message`` pickled and framed as ``Connection.send`` frames it."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > 0x7FFFFFFF:
        return _SHORT.pack(-1) + _LONG.pack(len(data)) + data
    return _SHORT.pack(len(data)) + data


class _Results(asyncio.Protocol):
    """Reads framed results off the pipe and hands each to the process it comes from."""

    def __init__(self, owner: AnalysisProcess) -> None:
        self.owner = owner
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if len(self.buffer) < 4:
                return
            (size,) = _SHORT.unpack_from(self.buffer)
            start = 4
            if size == -1:
                if len(self.buffer) < 12:
                    return
                (size,) = _LONG.unpack_from(self.buffer, 4)
                start = 12
            if len(self.buffer) < start + size:
                return
            message = pickle.loads(memoryview(self.buffer)[start : start + size])
            del self.buffer[: start + size]
            self.owner.settle(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.lost()


class AnalysisProcess:
    """One analysis process, started from multiprocessing's fork server.

    ``forkserver``: the reactor process has threads, and forking it directly could copy a
    lock some thread holds; the fork server is a clean single-threaded parent. Nothing is
    preloaded there, so the fork server stays small and the analysis process imports the
    extractors itself (``analysis_process_init``). :meth:`start` blocks on the fork server
    for a moment (run it in a thread); :meth:`connect` then needs the event loop.

    At most :data:`AHEAD` pages are in the pipe at a time: one being analysed and a few ready
    for while the reactor is busy elsewhere, so the process stays busy; the others wait as
    the pages they are, not as a second, pickled copy of each body in the pipe's buffer.
    """

    #: Pages written to the pipe and not answered yet, at most.
    AHEAD = 4

    def __init__(self) -> None:
        #: Pages in the pipe, oldest first, and the futures their results settle.
        self.waiting: collections.deque[asyncio.Future[Analysis]] = collections.deque()
        #: Pages not written yet, in the order they came.
        self.queued: collections.deque[tuple[Page, asyncio.Future[Analysis]]] = collections.deque()
        self.process: multiprocessing.process.BaseProcess | None = None
        self._pages_end: Connection | None = None
        self._results_end: Connection | None = None
        self._writer: asyncio.WriteTransport | None = None
        self._reader: asyncio.ReadTransport | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.gone = False

    def start(self) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([])
        pages_in, pages_out = context.Pipe(duplex=False)
        results_in, results_out = context.Pipe(duplex=False)
        self.process = context.Process(
            target=serve,
            args=(pages_in, results_out, os.getpid()),
            name="deltawatch-analysis",
            daemon=True,  # multiprocessing ends it when the crawl process exits
        )
        self.process.start()
        pages_in.close()  # the child's ends: the child has its own copies now
        results_out.close()
        self._pages_end, self._results_end = pages_out, results_in

    async def connect(self) -> None:
        """Put the pipes on the running loop (after :meth:`start`)."""
        assert self._pages_end is not None and self._results_end is not None
        loop = self.loop = asyncio.get_running_loop()
        # The transports own copies of the descriptors; the Connections close theirs.
        pages = os.fdopen(os.dup(self._pages_end.fileno()), "wb", buffering=0)
        results = os.fdopen(os.dup(self._results_end.fileno()), "rb", buffering=0)
        self._pages_end.close()
        self._results_end.close()
        self._writer, _ = await loop.connect_write_pipe(asyncio.BaseProtocol, pages)
        self._reader, _ = await loop.connect_read_pipe(lambda: _Results(self), results)

    def submit(self, page: Page) -> asyncio.Future[Analysis]:
        """Send ``page`` to be analysed; the future settles when its result is back."""
        assert self.loop is not None
        future: asyncio.Future[Analysis] = self.loop.create_future()
        if self.gone:
            future.set_exception(AnalysisGone("the analysis process ended"))
            return future
        self.queued.append((page, future))
        self._pump()
        return future

    def _pump(self) -> None:
        """Write queued pages while fewer than :data:`AHEAD` are in the pipe."""
        assert self._writer is not None
        while self.queued and len(self.waiting) < self.AHEAD:
            page, future = self.queued.popleft()
            if future.done():  # cancelled while queued (the crawl is stopping)
                continue
            self.waiting.append(future)
            self._writer.write(_frame(page))

    def settle(self, message: Analysis | _Failed) -> None:
        """The oldest page in the pipe has its result; the next queued page goes in."""
        future = self.waiting.popleft()
        if not future.done():  # not cancelled meanwhile
            if isinstance(message, _Failed):
                future.set_exception(message.error)
            else:
                future.set_result(message)
        self._pump()

    def lost(self) -> None:
        """The process is gone (killed, or out of memory): every page not answered fails."""
        self.gone = True
        futures = [*self.waiting, *(future for _page, future in self.queued)]
        self.waiting.clear()
        self.queued.clear()
        for future in futures:
            if not future.done():
                future.set_exception(AnalysisGone("the analysis process ended"))

    def close(self) -> None:
        """Close both pipes: the process reads the end of its input and exits."""
        for transport in (self._writer, self._reader):
            if transport is not None and not transport.is_closing():
                transport.close()
