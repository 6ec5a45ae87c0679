"""From page bytes to a clean article: decode, trafilatura, clean, detect language.

Decoding follows a browser's order (BOM, HTTP header, ``<meta>``), and then
distrusts it: a header that says UTF-8 over GBK bytes yields replacement
characters, and we re-detect rather than store mojibake. trafilatura does the
main-text and metadata work; its minimum-size threshold is counted in
characters and tuned for English, so Chinese pages get a smaller one (a
CJK character carries about as much as an English word).
"""

from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import re
from collections import Counter
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from w3lib.encoding import html_body_declared_encoding, html_to_unicode
from w3lib.url import canonicalize_url, url_query_cleaner

from pipelines.clean import clean_text
from pipelines.model import Article

__all__ = [
    "EXTRACT_VERSION",
    "ExtractionError",
    "canonical_url",
    "decode_body",
    "detect_language",
    "drop_big_code",
    "extract_article",
    "extract_text_file",
    "release_memory",
    "trim_heap",
    "warm_up",
]

#: Bump when extraction or cleaning changes what text a page gives (``reprocess`` records it).
EXTRACT_VERSION = "extract-3"  # 2: Latin-1 headers over GBK/Big5/UTF-8 bytes; 3: big code blocks

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_PHRASE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{4,}")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|spm|from|share_token)$")
#: A ``<script>`` or ``<style>`` element, ended as an HTML tokenizer ends it: at ``</script``
#: followed by a space, ``/`` or ``>`` (``</script -->`` ends one too). Not the JSON scripts
#: trafilatura reads metadata from (``application/ld+json`` and ``application/settings+json``).
_CODE_BLOCK = re.compile(
    r"<script\b(?![^>]*application/(?:ld|settings)\+json)[^>]*>.*?</script(?=[\s/>])[^>]*>"
    r"|<style\b[^>]*>.*?</style(?=[\s/>])[^>]*>",
    re.DOTALL | re.IGNORECASE,
)
#: Code blocks longer than this are dropped before extraction (see :func:`drop_big_code`).
BIG_CODE = 16_000
#: After a page this big, freed memory is handed back to the system (:func:`release_memory`).
BIG_PAGE = 256_000


class ExtractionError(ValueError):
    """A page that has no article in it; ``reason`` is what fetch_errors records."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _sniff(body: bytes) -> str | None:
    """Guess an encoding for bytes that declare none (GBK pages often declare it only in meta)."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # imported on use: see _bare_extraction

    best = charset_normalizer.from_bytes(body[:65536]).best()
    return best.encoding if best is not None else None


#: Single-byte Western encodings: they decode any bytes without an error, so a wrong
#: declaration of one (Tomcat's and old Apache's ISO-8859-1 default) never shows up as
#: replacement characters, only as mojibake.
_LATIN = frozenset({"ascii", "iso8859-1", "cp1252"})
#: Multi-byte encodings worth preferring over such a declaration.
_MULTIBYTE = frozenset(
    {
        "utf-8",
        "gb18030",
        "gbk",
        "gb2312",
        "big5",
        "big5hkscs",
        "cp950",
        "shift_jis",
        "cp932",
        "euc_jp",
        "euc_kr",
        "cp949",
    }
)


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def _multibyte_instead(body: bytes) -> tuple[str, str] | None:
    """A multi-byte reading of bytes declared Latin-1, when the evidence is strong.

    Strong is: the page's own ``<meta>`` names a multi-byte encoding; or the bytes are
    valid UTF-8; or a sniffed CJK encoding decodes them without an error into several
    runs of Chinese characters. A sniffer alone is not enough: a short French or German
    page also decodes "cleanly" as GBK (an accented letter plus the next ASCII letter
    make one ideograph), but into isolated characters, never into phrases.
    """
    declared = html_body_declared_encoding(body)
    candidates = [declared] if _codec(declared) in _MULTIBYTE else []
    sniffed = _sniff(body)
    if _codec(sniffed) in _MULTIBYTE:
        candidates.append(sniffed)
    for candidate in candidates:
        try:
            text = body.decode(candidate)  # type: ignore[arg-type]
        except (UnicodeDecodeError, LookupError):
            continue
        if candidate == declared or _codec(candidate) == "utf-8" or _looks_cjk(text):
            return candidate, text  # type: ignore[return-value]
    return None


def _looks_cjk(text: str) -> bool:
    """At least three runs of four or more CJK ideographs: Chinese prose, not chance."""
    return len(_CJK_PHRASE.findall(text)) >= 3


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Bytes to text; returns ``(encoding, text)``.

    If the declared encoding produces replacement characters in more than
    0.5% of the text, the declaration is wrong and the bytes are sniffed.
    A Latin-1/cp1252 declaration over non-ASCII bytes yields no replacement
    characters at all, so it is checked against the page's ``<meta>`` and the
    sniffer instead: a multi-byte encoding that decodes cleanly wins.
    """
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_sniff)
    if _codec(encoding) in _LATIN and not body.isascii():
        better = _multibyte_instead(body)
        if better is not None:
            return better
    bad = text.count("\ufffd")
    if bad and bad > len(text) / 200:
        sniffed = _sniff(body)
        if sniffed and sniffed.replace("-", "").lower() != encoding.replace("-", "").lower():
            try:
                return sniffed, body.decode(sniffed)
            except (UnicodeDecodeError, LookupError):
                pass
    return encoding, text


def detect_language(text: str) -> str:
    """``zh`` when CJK characters outweigh Latin words, else ``en``."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    return "zh" if cjk > latin else "en"


def canonical_url(declared: str | None, fetched: str) -> str:
    """The article's identity: the page's canonical URL when it is on the same host.

    A canonical link pointing to another host is ignored, so a page cannot
    overwrite another site's article. Fragments and tracking parameters go.
    """
    url = fetched
    if declared:
        d, f = urlsplit(declared), urlsplit(fetched)
        if d.scheme in ("http", "https") and d.hostname == f.hostname:
            url = declared
    query_keys = {k for k in re.findall(r"(?:^|&)([^=&]+)", urlsplit(url).query)}
    drop = [k for k in query_keys if _TRACKING.match(k)]
    if drop:
        url = url_query_cleaner(url, drop, remove=True)
    return canonicalize_url(url, keep_fragments=False)


@cache
def _config(lang: str):
    from trafilatura.settings import use_config

    config = use_config()
    if lang == "zh":
        config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "80")
        config.set("DEFAULT", "MIN_OUTPUT_SIZE", "20")
    return config


def warm_up() -> None:
    """Import trafilatura and read its configuration now: an analysis process does it at its
    start, so the first page does not wait for it."""
    _config("en")


def drop_big_code(html: str) -> str:
    """``html`` without its script and style blocks over :data:`BIG_CODE` characters.

    Real news pages carry bundles and state blobs of hundreds of kilobytes (half the bytes
    of 130 readability test pages): never text, yet parsed, copied and searched for dates
    by trafilatura. Dropping them cut extraction CPU by a third on two English corpora, with
    the same text on all 361 pages of three; small scripts stay, since trafilatura reads
    bylines and dates from page-config snippets (``authors = "..."``).
    """
    if len(html) < BIG_CODE:
        return html
    return _CODE_BLOCK.sub(lambda m: "" if len(m.group()) > BIG_CODE else m.group(), html)


@cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None elsewhere (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def trim_heap() -> None:
    """Hand the heap's free pages back to the system (glibc keeps them otherwise, and a
    long-lived process looks as large as the largest thing it ever held)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def release_memory(body: bytes) -> None:
    """After a page of ``body`` is done with: hand what its big trees used back to the system.

    Called once the page's trees and strings are gone. libxml2's trees of a 1 MB page take
    tens of MB; freed, glibc keeps most of them, so a long-lived analysis process grows
    page after page: 79 -> 196 MB over 130 real pages, 160 MB with this (the peak, set by
    the biggest page, is the same). A trim costs a tenth of a millisecond.
    """
    if len(body) > BIG_PAGE:
        trim_heap()


def extract_article(html: str, *, url: str, min_chars: int = 0) -> Article:
    """Main text and metadata of one HTML page, cleaned.

    Raises :class:`ExtractionError` when no main text is found.
    """
    html = drop_big_code(html)
    guess = "zh" if len(_CJK.findall(html[:200_000])) > 300 else "en"
    try:
        doc = _bare_extraction(html, url=url, lang=guess, with_metadata=True)
    except Exception:
        # The metadata readers fail on some tag soup (an <svg> holding paragraphs) where the
        # text itself can still be read: keep the text, lose the date and byline.
        try:
            doc = _bare_extraction(html, url=url, lang=guess, with_metadata=False)
        except Exception as exc:
            raise ExtractionError(f"extraction failed ({type(exc).__name__})") from exc
    if doc is None or not (doc.text or "").strip():
        raise ExtractionError("no main text found")
    return _finish(
        raw_text=doc.text,
        url=canonical_url(doc.url, url),
        title=doc.title,
        author=doc.author,
        published=doc.date,
        min_chars=min_chars,
    )


def _bare_extraction(html: str, *, url: str, lang: str, with_metadata: bool) -> Any:
    # Imported on first use: the crawl process leaves extraction to its analysis process
    # and needs only this module's ExtractionError (trafilatura is ~30 MB and a second).
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=True,
        config=_config(lang),
    )


def extract_text_file(text: str, *, url: str) -> Article:
    """A plain-text article (first non-empty line taken as title), cleaned like HTML text."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), None)
    title = first if first and len(first) <= 200 else None
    return _finish(raw_text=text, url=url, title=title, author=None, published=None)


def _finish(
    *,
    raw_text: str,
    url: str,
    title: str | None,
    author: str | None,
    published: str | None,
    min_chars: int = 0,
) -> Article:
    text, removed = clean_text(raw_text)
    if not text:
        # Everything trafilatura found was spam or boilerplate: a failure to report,
        # not an empty version to store.
        raise ExtractionError("no main text left after removing boilerplate and spam")
    if title:
        title, _ = clean_text(title)
    if len(text) < min_chars:
        raise ExtractionError(f"main text too short ({len(text)} characters)")
    return Article(
        url=url,
        title=title or None,
        author=author or None,
        published=published or None,
        lang=detect_language(text),
        text=text,
        removed=dict(Counter(removed)),
    )
