"""Figures as people read them: ``87 bn USD``, ``1.5 M``, ``14.3%``, ``4,500亿元``.

The store keeps values in full units (``8.7e10``) because data must stay exact for SQL,
CSV and JSON. Everywhere a person reads a value — CLI tables, the chart's axis, the Atom
feed's titles, Datasette's cells — it goes through :func:`human`, so the same figure looks
the same everywhere. A figure from a Chinese article is written the way that article
wrote it: 万 and 亿, with 元 for yuan.
"""

from __future__ import annotations

__all__ = ["human", "short"]

#: English magnitudes, largest first: ``87 bn``, ``1.5 M``.
_EN_SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "M"))
#: Chinese magnitudes, largest first: ``1.2万亿``, ``4,500亿``, ``1.5万``.
_ZH_SCALES = ((1e12, "万亿"), (1e8, "亿"), (1e4, "万"))
#: How a Chinese text names a currency after the number (``亿元``, ``亿美元``).
_ZH_MONEY = {"CNY": "元", "USD": "美元", "EUR": "欧元"}


def short(value: float) -> str:
    """A number with thousands separators and at most three significant decimals' worth of
    precision, never in ``e+`` notation: 87, 2.85, 14.3, 1,234, 0.05."""
    size = abs(value)
    if size >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif size >= 10:
        text = f"{value:,.1f}"
    elif size >= 0.01 or size == 0:
        text = f"{value:,.2f}"
    else:
        return f"{value:.2g}" if "e" not in f"{value:.2g}" else f"{value:.10f}".rstrip("0")
    return text.rstrip("0").rstrip(".") if "." in text else text


def human(value: float | None, unit: str | None = None, *, lang: str | None = None) -> str:
    """One value with its unit, for people; ``""`` for no value.

    ``lang="zh"`` writes large counts and money in 万/亿 (``4,500亿元``), as the Chinese
    article did; otherwise ``bn``/``M`` (``87 bn USD``). ``count`` needs no unit word,
    ``%`` and ``x`` stick to the number, a rank reads ``#3``.
    """
    if value is None:
        return ""
    unit = unit or ""
    if lang == "zh" and (unit in ("count", "") or unit in _ZH_MONEY):
        number = _scaled(value, _ZH_SCALES, sep="")
        return number + _ZH_MONEY.get(unit, "")
    number = _scaled(value, _EN_SCALES, sep=" ") if unit != "%" else short(value)
    if unit in ("", "count"):
        return number
    if unit == "rank":
        return f"#{number}"
    return f"{number}{unit}" if unit in ("%", "x") else f"{number} {unit}"


def _scaled(value: float, scales: tuple[tuple[float, str], ...], *, sep: str) -> str:
    for size, word in scales:
        if abs(value) >= size:
            return f"{short(value / size)}{sep}{word}"
    return short(value)
