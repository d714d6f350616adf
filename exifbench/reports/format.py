"""Every number as people read it: durations, ratios, spreads over repeats, measured values.

The one place figures become text; tables, plots, HTML, Markdown, the gate and decide all use it.
Nothing here writes scientific notation: ``0.000123``, ``2,900``, never ``1.23e-04``.
"""

from __future__ import annotations

import math

from exifbench.reports.statistics import Ratio, Spread

SAME = 0.05
"""Ratios within ±5% of 1 read as "about the same"."""


def number(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures like ``%g`` (no trailing zeros), thousands grouped, never in
    scientific notation: ``0.000123``, ``12.3``, ``2,940``."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, decimals)
    if rounded == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    text = f"{round(rounded, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(seconds: float, unit: str) -> str:
    if unit == "s":
        return f"{seconds:,.3f}"
    ms = seconds * 1000
    return number(ms) if abs(ms) < 1000 else f"{ms:.0f}"


def _unit(seconds: float) -> str:
    return "s" if abs(seconds) >= 1 else "ms"


def duration(seconds: float) -> str:
    """``2.440 s`` from one second up, ``292 ms`` / ``0.377 ms`` below: small numbers keep their digits."""
    unit = _unit(seconds)
    return f"{_number(seconds, unit)} {unit}"


def spread(values: Spread, repeats: int) -> str:
    """A duration's median, with ``[low–high]`` in the same unit when there are repeats."""
    unit = _unit(values.median)
    if repeats < 2:
        return f"{_number(values.median, unit)} {unit}"
    return f"{_number(values.median, unit)} {unit} [{_number(values.low, unit)}–{_number(values.high, unit)}]"


def count(n: int, noun: str) -> str:
    """``1 file``, ``2 files``, ``1,234 images``: a count with its noun, plural by ``s``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def times(value: float) -> str:
    """``0.001×``, ``∞×`` for a ratio over zero."""
    return f"{number(value)}×"


def ratio(value: Ratio, repeats: int) -> str:
    """``0.001×``, with the 95% interval ``[low–high]`` when there are repeats."""
    text = times(value.value)
    return text if repeats < 2 else f"{text} [{number(value.low)}–{number(value.high)}]"


def _factor(value: float) -> str:
    return f"{value:.1f}" if value < 10 else number(value, 2)


def less_or_more(value: float) -> str:
    """A ratio of amounts where less is better, in words: ``2,900× less``, ``4.0× more``, ``about the same``."""
    if math.isnan(value):
        return "—"
    if value == 0:
        return "none at all"
    if math.isinf(value):
        return "∞× more"
    if abs(value - 1) < SAME:
        return "about the same"
    return f"{_factor(1 / value)}× less" if value < 1 else f"{_factor(value)}× more"


def compared_with(value: float, other: str) -> str:
    """:func:`less_or_more` against a named reference: ``46× less than sync``, ``about the same as sync``."""
    words = less_or_more(value)
    return f"{words} {'as' if words == 'about the same' else 'than'} {other}"


def faster_or_slower(speedup: float) -> str:
    """A speed ratio (higher is faster) in words: ``4.0× faster``, ``2.0× slower``, ``about the same``."""
    if math.isnan(speedup) or speedup <= 0:
        return "—"
    if abs(speedup - 1) < SAME:
        return "about the same"
    return f"{_factor(speedup)}× faster" if speedup > 1 else f"{_factor(1 / speedup)}× slower"


def change(value: float) -> str:
    """A ratio as a signed percentage change: ``−99.97%``, ``+12%``; near ±100% it keeps the digits that
    tell it from 100 (``−99.97%``, not ``−100%``)."""
    if math.isnan(value) or math.isinf(value):
        return "—"
    percent = (value - 1) * 100
    rest = 100 - abs(percent)
    decimals = 0 if abs(percent) < 99 or rest <= 0 else max(0, -math.floor(math.log10(rest)))
    sign = "−" if percent < 0 else "+"
    return f"{sign}{abs(percent):,.{decimals}f}%"


def measured(value: float, unit: str) -> str:
    """A metric's value in its unit: ``s`` as a :func:`duration`, ``ms``, ``5.1 MB``, or a count, exact and
    singular at one (``1 frame``, ``3,610,571 bytes``, ``2.5 calls``)."""
    if unit == "s":
        return duration(value)
    if unit == "ms":
        return f"{number(value)} ms" if abs(value) < 1000 else duration(value / 1000)
    if unit in ("", "MB"):
        return f"{number(value)} {unit}".rstrip()
    figure = f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    return f"{figure} {unit[:-1] if value == 1 and unit.endswith('s') else unit}"
