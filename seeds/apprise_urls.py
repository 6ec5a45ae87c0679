"""Apprise URLs of ``[[notify]]`` targets: checked, redacted, and expanded only when sending.

A notification URL holds secrets (an SMTP password, a bot token, a webhook's key), so it is
never printed as written: :func:`redact` is what logs, errors and command output show, with
Apprise's own privacy mode doing the masking (it knows where each service keeps its secret).
Secrets may stay out of the sources file as ``${NAME}`` references to the environment;
:func:`expand` fills them in at delivery time, so a crawl never needs them and a missing one
is a failed delivery, not a refused sources file.

Apprise is imported on first use: a sources file without ``[[notify]]`` never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import get_close_matches
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = ["ENV_REF", "MissingSecret", "check", "expand", "redact", "schemes"]

#: ``${NAME}``: a secret taken from the environment when a message is sent.
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Query options whose value may be a secret even where Apprise's privacy mode shows it:
#: custom headers (``+Authorization=...``) and payload fields (``:token=...``) of webhooks.
_SECRET_OPTION = re.compile(r"^[+:]|pass|secret|token|key|auth|sig|cred", re.IGNORECASE)


class MissingSecret(KeyError):
    """A ``${NAME}`` whose environment variable is not set."""

    def __str__(self) -> str:
        return f"environment variable {self.args[0]} is not set"


@cache
def schemes() -> frozenset[str]:
    """Every ``scheme://`` Apprise can send to (``mailto``, ``json``, ``tgram``, ...)."""
    from apprise.manager_plugins import NotificationManager

    return frozenset(s.lower() for s in NotificationManager().schemas())


def _instantiate(url: str) -> Any:
    import apprise

    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def check(url: Any) -> str | None:
    """What is wrong with one target URL, or None; the message never repeats the URL.

    A URL with ``${NAME}`` references is checked only for its scheme: the service's own
    checks need the secret, which is read when sending (and reported then if wrong).
    """
    if not isinstance(url, str) or not url.strip():
        return "must be a non-empty string (an Apprise URL such as mailto://... or json://...)"
    scheme = _scheme(url)
    if not scheme:
        return "not an Apprise URL: expected scheme://..., e.g. mailto://user:pass@example.com"
    if scheme not in schemes():
        close = get_close_matches(scheme, sorted(schemes()), n=1)
        hint = f" (did you mean {close[0]}://?)" if close else ""
        return f"Apprise has no {scheme}:// service{hint}"
    if not ENV_REF.search(url) and _instantiate(url) is None:
        return f"not a valid {scheme}:// URL (see Apprise's documentation of {scheme}://)"
    return None


def expand(url: str, env: Mapping[str, str]) -> str:
    """``${NAME}`` references filled in from ``env``; raises :class:`MissingSecret`."""

    def value(match: re.Match[str]) -> str:
        try:
            return env[match.group(1)]
        except KeyError:
            raise MissingSecret(match.group(1)) from None

    return ENV_REF.sub(value, url)


def redact(url: str) -> str:
    """The URL with its secrets masked, for people and logs (``mailto://user:****@host/``).

    Apprise's privacy mode masks what each service treats as secret (passwords, tokens in
    the path); only the query options written in the file are kept (not Apprise's defaults).
    ``${NAME}`` references are shown as written where the service does not mask them. A URL
    Apprise cannot read shows its scheme only.
    """
    refs: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        token = f"dwenv{len(refs)}ref"
        refs[token] = match.group(0)
        return token

    text = ENV_REF.sub(placeholder, url)
    plugin = _instantiate(text) if _scheme(text) in schemes() else None
    if plugin is None:
        return f"{_scheme(url) or 'url'}://****"
    shown = urlsplit(plugin.url(privacy=True))
    written = {k.lower() for k, _ in parse_qsl(urlsplit(text).query, keep_blank_values=True)}
    options = [
        (k, "****" if _SECRET_OPTION.search(k) else v)
        for k, v in parse_qsl(shown.query, keep_blank_values=True)
        if k.lower() in written
    ]
    query = urlencode(options, safe="*@:/", quote_via=quote)
    result = urlunsplit((shown.scheme, shown.netloc, shown.path, query, ""))
    for token, ref in refs.items():
        result = result.replace(token, ref)
    return result
