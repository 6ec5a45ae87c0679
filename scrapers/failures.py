"""Turn a Twisted/Scrapy failure into the short reason a user reads in ``fetch_errors``.

Reasons start with a stable word or phrase ("HTTP 503", "timeout", "connection lost",
"too large", "redirect loop", "offsite", "robots.txt disallows", "refused") so that they
can be grouped in SQL, followed by the specifics. Scrapy 2.13+ wraps Twisted's errors in
its own exception types; both are recognised, so a reason never degrades into a class name.
"""

from __future__ import annotations

import re

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer, error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

__all__ = ["ROBOTS_DISALLOWED", "describe_failure"]

#: The reason of a URL robots.txt disallows (spiders count these apart from failures).
ROBOTS_DISALLOWED = "robots.txt disallows this URL"

_SIZES = re.compile(r"(\d+) bytes which is larger than download max size \((\d+)\)")
_DECOMPRESSED = re.compile(r"\((\d+) B compressed, (\d+) B decompressed so far\)")
_TIMEOUT = re.compile(r"longer than ([\d.]+) seconds")


def _mb(size: int | str) -> str:
    return f"{int(size) / 1_048_576:.1f} MB"


def describe_failure(failure: Failure, *, maxsize: int | None = None) -> tuple[str, int | None]:
    """``(reason, http_status)``: "HTTP 503", "timeout (...)", "robots.txt disallows", ...

    ``maxsize`` (DOWNLOAD_MAXSIZE) names the limit when Scrapy cancels a body that
    grew past it while streaming, which it does without a message.
    """
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        retry_after = exc.response.headers.get(b"Retry-After")
        if retry_after:
            asked = retry_after.decode("latin-1")[:40]
            return f"HTTP {status} (server asks to retry after {asked})", status
        return f"HTTP {status}", status
    if isinstance(exc, IgnoreRequest):
        return _ignored(str(exc)), None
    if isinstance(exc, (DownloadTimeoutError, error.TimeoutError, defer.TimeoutError)):
        match = _TIMEOUT.search(str(exc))
        within = f" (no complete answer within {float(match.group(1)):g} s)" if match else ""
        return f"timeout{within}", None
    if isinstance(exc, DownloadCancelledError | defer.CancelledError):
        match = _SIZES.search(str(exc))
        if match:
            return f"too large: {_mb(match.group(1))} announced, limit {_mb(match.group(2))}", None
        limit = f", limit {_mb(maxsize)}" if maxsize else ""
        return f"too large: body grew past the download size limit{limit}", None
    if isinstance(exc, (DownloadConnectionRefusedError, error.ConnectionRefusedError)):
        return "connection refused", None
    if isinstance(exc, (CannotResolveHostError, error.DNSLookupError)):
        return "DNS lookup failed (unknown host)", None
    if isinstance(exc, ResponseDataLossError):
        return "connection lost mid-response (body shorter than announced)", None
    if isinstance(exc, ResponseNeverReceived) or (
        isinstance(exc, DownloadFailedError) and isinstance(exc.__cause__, ResponseNeverReceived)
    ):
        return "connection lost before any response", None
    if isinstance(
        exc,
        (
            DownloadFailedError,
            ResponseFailed,
            error.ConnectionLost,
            error.ConnectionDone,
            error.ConnectError,
        ),
    ):
        return "connection lost mid-response", None
    if isinstance(exc, (UnsupportedURLSchemeError, NotSupported)):
        return "refused: only http and https URLs are fetched", None
    return f"{type(exc).__name__}: {str(exc)[:200]}", None


def _ignored(text: str) -> str:
    """Requests Scrapy's middlewares refused, by what refused them."""
    if "robots.txt" in text:
        return ROBOTS_DISALLOWED
    if text.startswith(("redirect loop", "refused")):
        return text[:300]
    if "offsite" in text.lower():
        host = re.search(r"offsite request to '([^']*)'", text)
        where = host.group(1) if host else "another host"
        return f"offsite: redirected to {where}, outside the source's domains"
    if "max redirections" in text:
        return "too many redirects (REDIRECT_MAX_TIMES reached)"
    if "during decompression" in text:
        match = _DECOMPRESSED.search(text)
        sizes = (
            f" ({_mb(match.group(1))} compressed, over {_mb(match.group(2))} inflated)"
            if match
            else ""
        )
        return f"too large: body inflates past the size limit, a compression bomb{sizes}"
    return f"ignored: {text[:200] or 'request dropped'}"
