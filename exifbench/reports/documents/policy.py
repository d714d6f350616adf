"""The rollout policy: thresholds and phase sizes, parsed and validated from options or pyproject.toml.

The defaults judge what the user sees, not only what the main thread pays:

- ``max_not_ready`` 10%: at most one call in ten may show a placeholder. A team that accepts
  placeholders says so: ``--accept-placeholders`` (100%) or ``--max-not-ready``; ``floor+5%`` holds the
  candidate to 5 points above the not-ready floor of its storage and pattern
  (:mod:`exifbench.reports.analysis.floor`) instead of to a fixed share.
- ``max_time_to_exif_ms`` 100 ms: time-to-EXIF p90 (first request → dict shown) within the
  0.1 s a user still perceives as instant (Nielsen's response-time limit).
- ``max_long_tasks`` 2 and ``max_frozen_frames`` 0 per replay (median over repeats): main-thread
  stretches over 50 ms (W3C Long Tasks; 2 allowed for noise on a shared machine) and over
  700 ms (frozen frames).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from exifbench.config import percent, positive
from exifbench import fields
from exifbench.errors import ExifbenchError

FRACTIONS = ("min_blocking_reduction", "max_not_ready")
COUNTS = ("small_images", "repeat_small", "repeat_full")
ALLOWANCES = ("max_long_tasks", "max_frozen_frames")
"""Counts that may be 0."""
FLOOR = "floor"
"""``max_not_ready = "floor+5%"``: relative to the not-ready floor."""
USER_VISIBLE = ("max_time_to_exif_ms", *ALLOWANCES, "max_not_ready_over_floor")
"""Keys added after the first saved decisions: missing from a saved policy, they take their defaults."""


@dataclass(frozen=True)
class Policy:
    """Thresholds and phase sizes; percentages are stored as fractions."""

    min_blocking_reduction: float = 0.50
    max_not_ready: float = 0.10
    max_time_to_exif_ms: float = 100.0
    max_long_tasks: int = 2
    max_frozen_frames: int = 0
    max_background_ratio: float = 1.5
    max_rss_growth_mb: float = 200.0
    small_images: int = 48
    repeat_small: int = 4
    repeat_full: int = 4
    max_not_ready_over_floor: float | None = None
    """Set by ``max_not_ready = "floor+X%"``: the limit is the floor plus X (``max_not_ready`` then unused)."""

    def updated(self, values: Mapping[str, Any], where: Callable[[str], str]) -> Policy:
        """A copy with ``values`` (raw: ``"50%"``, ``50``, ``1.5``, ``"floor+5%"``...) validated; ``None`` values are skipped."""
        parsed: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            if key == "max_not_ready" and isinstance(value, str) and value.strip().startswith(FLOOR):
                margin = value.strip().removeprefix(FLOOR).strip()
                if not margin.startswith("+"):
                    raise ExifbenchError(f"{where(key)}: expected floor+X% (e.g. floor+5%), got {value!r}")
                parsed["max_not_ready_over_floor"] = _parse(key, margin[1:], where(key))
            else:
                parsed[key] = _parse(key, value, where(key))
                if key == "max_not_ready":
                    parsed["max_not_ready_over_floor"] = None
        return replace(self, **parsed)

    def not_ready_limit(self, floor: float | None) -> float:
        """The largest not-ready share allowed, given the floor of the calls judged (``None``: unknown, taken as 0)."""
        if self.max_not_ready_over_floor is None:
            return self.max_not_ready
        return min(1.0, (floor or 0.0) + self.max_not_ready_over_floor)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> Policy:
        """A saved policy (fractions as saved, e.g. ``0.5``), every key required and validated."""
        values: dict[str, Any] = {}
        for key in cls.__dataclass_fields__:
            if key not in data and key in USER_VISIBLE or key == "max_not_ready_over_floor" and data.get(key) is None:
                continue
            if key not in data:
                raise ExifbenchError(f"{where}: missing field {key!r}")
            value = (fields.count if key in COUNTS else fields.number)(data[key], f"{where}.{key}")
            fraction = key in FRACTIONS or key == "max_not_ready_over_floor"
            values[key] = _fraction(value, f"{where}.{key}") if fraction else _parse(key, value, f"{where}.{key}")
        return cls(**values)


POLICY_KEYS = tuple(key for key in Policy.__dataclass_fields__ if key != "max_not_ready_over_floor")
"""The settings an option or ``[tool.exifbench.decide]`` may give (the floor margin comes as ``max_not_ready = "floor+5%"``)."""


def _fraction(value: float, where: str) -> float:
    if not 0 <= value <= 1:
        raise ExifbenchError(f"{where}: expected a fraction from 0 to 1, got {value!r}")
    return float(value)


def _parse(key: str, value: Any, where: str) -> float | int:
    if key in FRACTIONS:
        fraction = percent(value, where)
        if fraction > 1:
            raise ExifbenchError(f"{where}: at most 100%, got {value!r}")
        return fraction
    if key in ALLOWANCES:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ExifbenchError(f"{where}: expected a count ≥ 0, got {value!r}")
        return value
    if key in COUNTS:
        count = int(positive(value, where, integer=True))
        if key == "small_images" and count >= 100:
            raise ExifbenchError(f"{where}: the small phase must have fewer than 100 images, got {count}")
        return count
    return float(positive(value, where))
