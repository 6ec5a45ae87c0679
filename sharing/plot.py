"""A figure's history as a chart: values over time, one colour and marker per source.

People compare numbers faster by eye than in a table, and a conflict is the thing they
look for, so the chart makes it stand out: each conflict event is a red dashed bar from
the value it contradicts to the new value, each revision (``changed``) an orange one,
and superseded reports (older versions of an article) are drawn hollow.

The same function draws the PNG/SVG of ``deltawatch history KEY --plot`` and the inline
SVG on the ``figure_history`` page of ``deltawatch serve``. It uses matplotlib's
object-oriented API on a bare :class:`~matplotlib.figure.Figure` (never ``pyplot``), so
it keeps no global state and is safe in Datasette's worker threads, and it needs no
display.
"""

from __future__ import annotations

import functools
import io
import re
import threading
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import matplotlib
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from sharing.numbers import human

__all__ = [
    "FORMATS",
    "ImageFormat",
    "chart",
    "cjk_font",
    "font_note",
    "inline_svg",
    "render",
    "save",
]

Row = Mapping[str, Any]
ImageFormat = Literal["png", "svg"]

#: The file formats ``history --plot`` writes, by suffix.
FORMATS: tuple[ImageFormat, ...] = ("png", "svg")

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
_COLORS = matplotlib.colormaps["tab10"].colors
_MIN_SPAN = timedelta(hours=2)
# rc_context changes matplotlib's global rcParams; Datasette draws in worker threads.
_LOCK = threading.Lock()
_EVENT_STYLE = {"conflict": ("#d62728", "conflict"), "changed": ("#ff7f0e", "changed")}
# Fonts that cover Chinese, preferred in this order when installed (a key's subject and metric
# may be Chinese); matplotlib falls back glyph by glyph from DejaVu Sans to the first found.
_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Serif CJK SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Arial Unicode MS",
)
_CJK_NAME = re.compile(r"CJK|Han Sans|Han Serif|WenQuanYi|Droid Sans Fallback", re.I)
_CJK_TEXT = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


@functools.cache
def cjk_font() -> str | None:
    """The installed font that draws Chinese: a preferred family, else any CJK family; None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    preferred = [name for name in _CJK_FONTS if name in installed]
    return (preferred or sorted(n for n in installed if _CJK_NAME.search(n)) or [None])[0]


def _font_family() -> list[str]:
    return ["DejaVu Sans", *([font] if (font := cjk_font()) else [])]


def font_note(*, key: str, fmt: ImageFormat) -> str | None:
    """Why a PNG would draw part of the title as boxes (None: it will not).

    A PNG's text is drawn with the fonts of this machine; without a font that has Chinese
    characters they come out as empty boxes. An SVG keeps its text as text and the browser
    draws it with its own fonts, so it needs no note.
    """
    if fmt != "png" or not _CJK_TEXT.search(key) or cjk_font() is not None:
        return None
    return (
        "no installed font has Chinese characters, so they are drawn as boxes in the PNG; "
        "install one (Noto Sans CJK, WenQuanYi: e.g. apt install fonts-noto-cjk) or write "
        ".svg, whose text the browser draws"
    )


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _format_value(value: float, _pos: object = None) -> str:
    """Readable axis labels, as everywhere people read values: 87 bn, 1.5 M, 42,000, 33.3."""
    return human(value)


def chart(rows: Sequence[Row], events: Sequence[Row] = (), *, key: str) -> Figure:
    """Draw one figure's history.

    Args:
        rows: its reports, as ``storage.queries.figure_history`` returns them
            (``reported_at``, ``source``, ``value``, ``unit``, ``current``).
        events: its claim events (``storage.queries.figure_events``); conflicts and
            changes are marked.
        key: the figure's key, for the title.
    """
    fig = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    sources = list(dict.fromkeys(r["source"] for r in rows))
    units = {r["unit"] for r in rows if r.get("unit")}
    handles: list[Any] = []
    for i, source in enumerate(sources):
        color, marker = _COLORS[i % len(_COLORS)], _MARKERS[i % len(_MARKERS)]
        mine = [r for r in rows if r["source"] == source]
        xs = [_when(r["reported_at"]) for r in mine]
        ys = [r["value"] for r in mine]
        ax.plot(xs, ys, drawstyle="steps-post", color=color, alpha=0.45, linewidth=1.2)
        for current in (True, False):
            pts = [
                (x, y)
                for x, y, r in zip(xs, ys, mine, strict=True)
                if bool(r.get("current", 1)) is current
            ]
            if pts:
                ax.scatter(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    s=64,
                    marker=marker,
                    zorder=3,
                    color=color if current else "white",
                    edgecolors=color,
                    linewidths=1.6,
                )
        handles.append(
            Line2D([], [], color=color, marker=marker, linestyle="", markersize=8, label=source)
        )
    marked: set[str] = set()
    for event in events:
        style = _EVENT_STYLE.get(event["kind"])
        old, new = event.get("old_value"), event.get("new_value")
        if style is None or old is None or new is None:
            continue
        color, label = style
        at = _when(event["at"])
        ax.vlines(
            at,
            min(old, new),
            max(old, new),
            colors=color,
            linestyles="dashed",
            linewidth=2,
            zorder=2,
        )
        ax.scatter([at, at], [old, new], marker="_", s=200, color=color, zorder=2)
        marked.add(label)
    for kind in ("conflict", "changed"):
        color, label = _EVENT_STYLE[kind]
        if label in marked:
            handles.append(
                Line2D([], [], color=color, linestyle="dashed", linewidth=2, label=label)
            )
    hollow = any(not r.get("current", 1) for r in rows)
    if hollow:
        handles.append(
            Line2D(
                [],
                [],
                color="grey",
                marker="o",
                markerfacecolor="white",
                linestyle="",
                label="superseded version",
            )
        )
    disagree = len({r["value"] for r in rows if r.get("current", 1)}) > 1 and len(sources) > 1
    title = key + ("  —  sources disagree" if disagree else "")
    ax.set_title(title, loc="left", fontsize=11, color="#b00" if disagree else "black")
    n_sources = len(sources)
    ax.set_xlabel(
        f"reported (UTC) · {len(rows)} reports from {n_sources} "
        f"source{'s' if n_sources != 1 else ''}",
        loc="left",
    )
    ax.set_ylabel(", ".join(sorted(units)) or "value")
    ax.yaxis.set_major_formatter(FuncFormatter(_format_value))
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, color="#ddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if not rows:
        ax.text(
            0.5,
            0.5,
            "no reports of this figure",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="grey",
        )
    else:
        ax.margins(x=0.08, y=0.15)
        times = [_when(r["reported_at"]) for r in rows]
        if max(times) - min(times) < _MIN_SPAN:
            # Reports seconds apart (one crawl) would get ticks in seconds or, when all at
            # one instant, a span of years; two hours around them reads as clock times.
            middle = min(times) + (max(times) - min(times)) / 2
            ax.set_xlim(middle - _MIN_SPAN / 2, middle + _MIN_SPAN / 2)
    if handles:
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9
        )
    return fig


def render(
    rows: Sequence[Row], events: Sequence[Row] = (), *, key: str, fmt: ImageFormat = "svg"
) -> bytes:
    """The chart as PNG or SVG bytes; the SVG keeps its text as text (searchable, small)."""
    if fmt not in FORMATS:
        raise ValueError(f"cannot draw {fmt!r}: choose one of {', '.join(FORMATS)}")
    rc = {
        "font.family": _font_family(),
        "svg.fonttype": "none",
        "svg.hashsalt": key,  # stable element ids: the same data gives the same file
    }
    buffer = io.BytesIO()
    with _LOCK, matplotlib.rc_context(rc), warnings.catch_warnings():
        # A glyph no installed font has (CJK without CJK fonts) is drawn as a box, not fatal.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        fig = chart(rows, events, key=key)
        metadata = {"Date": None} if fmt == "svg" else {"Software": "deltawatch"}
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def inline_svg(rows: Sequence[Row], events: Sequence[Row] = (), *, key: str) -> str:
    """The SVG without its XML prolog, ready to be placed inside an HTML page."""
    svg = render(rows, events, key=key, fmt="svg").decode("utf-8")
    return re.sub(r"^.*?(?=<svg)", "", svg, count=1, flags=re.S)


def save(rows: Sequence[Row], events: Sequence[Row] = (), *, key: str, path: str | Path) -> Path:
    """Write the chart to ``path``; its suffix (``.png`` or ``.svg``) picks the format."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{path}: the chart is written as .png or .svg, not {path.suffix!r}")
    path.write_bytes(render(rows, events, key=key, fmt=fmt))  # type: ignore[arg-type]
    return path
