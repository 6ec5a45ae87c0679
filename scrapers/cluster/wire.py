"""How the cluster talks over Redis: the connection, every key's name, requests as JSON.

Shared by everything in :mod:`scrapers.cluster` (workers, the writer, ``enqueue``), so
a key or the request encoding is defined once. scrapy-redis loads this module as the
``SCHEDULER_SERIALIZER`` (any object with ``loads``/``dumps``): requests travel as
JSON (bytes as base64), not scrapy-redis's default pickle, so whoever can write to
Redis cannot make workers run code.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import redis

__all__ = ["DEFAULT_PREFIX", "Keys", "connect", "dumps", "loads"]

#: Every Redis key deltawatch uses starts with this (``--prefix`` keeps clusters apart).
DEFAULT_PREFIX = "deltawatch"


def connect(url: str) -> redis.Redis:
    """A client for ``redis://[:password@]host:port/db``; fails now if Redis is not there."""
    client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
    client.ping()
    return client


class Keys:
    """Every Redis key of one cluster, in one place (``prefix`` keeps clusters apart)."""

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix

    def start(self, source: str) -> str:
        """JSON start entries (start URLs and due rechecks of a round), pushed by ``crawl``."""
        return f"{self.prefix}:{source}:start"

    def requests(self, source: str) -> str:
        """scrapy-redis's request queue (a sorted set by priority)."""
        return f"{self.prefix}:{source}:requests"

    def inflight(self, source: str) -> str:
        """Leased requests and start entries: token -> what to put back if the worker dies."""
        return f"{self.prefix}:{source}:inflight"

    def seen(self, source: str) -> str:
        """scrapy-redis's dupefilter key; one set per round below it (``:<run>``)."""
        return f"{self.prefix}:{source}:seen"

    def known(self, source: str, run: Any) -> str:
        """Stored articles of the source (conditional headers, due flags) for a round."""
        return f"{self.prefix}:{source}:known:{run}"

    def refetch(self, source: str, run: Any) -> str:
        return f"{self.prefix}:{source}:refetch:{run}"

    def worker(self, worker_id: str) -> str:
        return f"{self.prefix}:worker:{worker_id}"

    def rate(self, netloc: str) -> str:
        return f"{self.prefix}:rate:{netloc}"

    def source_keys(self, source: str) -> tuple[str, str, str]:
        """The keys that hold a source's unfinished work: start, queue, in flight."""
        return self.start(source), self.requests(source), self.inflight(source)


# -- requests as JSON (scrapy-redis's SCHEDULER_SERIALIZER is any object with loads/dumps) ---


def _tag(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {
            str(k) if not isinstance(k, bytes) else k.decode("latin-1"): _tag(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_tag(v) for v in value]
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def dumps(obj: Mapping[str, Any]) -> bytes:
    """A request dict (``Request.to_dict``) as JSON; a value JSON cannot hold is an error."""
    return json.dumps(_tag(obj), separators=(",", ":"), sort_keys=True).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    return _untag(json.loads(data))
