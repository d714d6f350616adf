"""The built-in patterns by name, and the one way to get a pattern from a name or a file."""

from __future__ import annotations

from collections.abc import Callable

from exifbench.datasets.patterns.pattern import Pattern, startup_pattern
from exifbench.datasets.patterns.viewers import browse_pattern, group_by_date_pattern

BUILTIN_PATTERNS: dict[str, Callable[..., Pattern]] = {
    "startup-593": startup_pattern,
    "browse": browse_pattern,
    "group-by-date": group_by_date_pattern,
}
"""``--pattern NAME``: the profiled app's start-up, and how viewers browse and group by date (:mod:`exifbench.datasets.patterns.viewers`).
Each builds its pattern for a folder of ``images`` images (its first parameter, 591 by default)."""
DEFAULT_PATTERN = "startup-593"


def load_pattern(spec: str | None, images: int | None = None) -> Pattern:
    """A built-in pattern by name (default ``startup-593``), sized to a folder of ``images`` when given, or a
    pattern file by path (a recorded trace: as recorded, whatever ``images``)."""
    if spec is None or spec in BUILTIN_PATTERNS:
        build = BUILTIN_PATTERNS[spec or DEFAULT_PATTERN]
        return build() if images is None else build(images)
    return Pattern.load(spec)
