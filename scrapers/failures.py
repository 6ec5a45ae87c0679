"""Turn a Twisted failure into the short reason a user reads in ``fetch_errors``."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer, error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

__all__ = ["describe_failure"]


def describe_failure(failure: Failure) -> tuple[str, int | None]:
    """``(reason, http_status)``: "HTTP 503", "timeout", "robots.txt disallows", ..."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"HTTP {status}", status
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return "robots.txt disallows this URL", None
        return f"ignored: {text or type(exc).__name__}", None
    if isinstance(exc, error.DNSLookupError):
        return "DNS lookup failed (unknown host)", None
    if isinstance(exc, error.ConnectionRefusedError):
        return "connection refused", None
    if isinstance(exc, (error.TimeoutError, error.TCPTimedOutError, defer.TimeoutError)):
        return "timeout", None
    if isinstance(exc, defer.CancelledError):
        return "download cancelled (body larger than the size limit)", None
    if isinstance(exc, (ResponseFailed, ResponseNeverReceived, error.ConnectionLost)):
        inner = getattr(exc, "reasons", None)
        detail = inner[0].getErrorMessage() if inner else str(exc)
        if "maxsize" in detail.lower() or "size" in detail.lower():
            return "body larger than the size limit", None
        return f"connection lost mid-response ({detail[:120]})", None
    return f"{type(exc).__name__}: {str(exc)[:200]}", None
