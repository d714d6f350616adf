"""Every number as people read it: durations, ratios, spreads over repeats, measured values.

The one place figures become text; tables, plots, HTML, Markdown, the gate and decide all use it.
"""

from __future__ import annotations

import math

from exifbench.analysis.statistics import Ratio, Spread


def _number(seconds: float, unit: str) -> str:
    if unit == "s":
        return f"{seconds:.3f}"
    ms = seconds * 1000
    return f"{ms:.3g}" if abs(ms) < 1000 else f"{ms:.0f}"


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


def times(value: float) -> str:
    """``0.001×``, ``∞×`` for a ratio over zero."""
    return "∞×" if math.isinf(value) else f"{value:.3g}×"


def ratio(value: Ratio, repeats: int) -> str:
    """``0.001×``, with the 95% interval ``[low–high]`` when there are repeats."""
    text = times(value.value)
    return text if repeats < 2 else f"{text} [{value.low:.3g}–{value.high:.3g}]"


def measured(value: float, unit: str) -> str:
    """A metric's value in its unit: ``s`` as a :func:`duration`, ``ms``, a count of ``calls``, or a bare number."""
    if unit in ("calls", "bytes", "requests"):
        return f"{value:g} {unit}"
    if unit == "s":
        return duration(value)
    return f"{value:.3g} ms" if unit == "ms" else f"{value:.3g}"
