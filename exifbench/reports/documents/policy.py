"""The rollout policy: thresholds and phase sizes, parsed and validated from options or pyproject.toml.

The defaults judge what the user sees, not only what the main thread pays:

- ``max_not_ready`` 10%: at most one call in ten may show a placeholder. A team that accepts
  placeholders says so: ``--accept-placeholders`` (100%) or ``--max-not-ready``.
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
USER_VISIBLE = ("max_time_to_exif_ms", *ALLOWANCES)
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

    def updated(self, values: Mapping[str, Any], where: Callable[[str], str]) -> Policy:
        """A copy with ``values`` (raw: ``"50%"``, ``50``, ``1.5``...) validated; ``None`` values are skipped."""
        parsed: dict[str, Any] = {key: _parse(key, value, where(key)) for key, value in values.items() if value is not None}
        return replace(self, **parsed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> Policy:
        """A saved policy (fractions as saved, e.g. ``0.5``), every key required and validated."""
        values: dict[str, Any] = {}
        for key in POLICY_KEYS:
            if key not in data and key in USER_VISIBLE:
                continue
            if key not in data:
                raise ExifbenchError(f"{where}: missing field {key!r}")
            value = (fields.count if key in COUNTS else fields.number)(data[key], f"{where}.{key}")
            values[key] = _fraction(value, f"{where}.{key}") if key in FRACTIONS else _parse(key, value, f"{where}.{key}")
        return cls(**values)


POLICY_KEYS = tuple(Policy.__dataclass_fields__)


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
