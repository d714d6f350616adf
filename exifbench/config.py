"""Settings from ``pyproject.toml``: the ``[tool.exifbench.<command>]`` table.

Each command reads its own sub-table (``[tool.exifbench.decide]``), so its keys can be
checked strictly — a typo is an error, not a silently ignored setting — without
clashing with keys other commands may add under ``[tool.exifbench]``.
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from exifbench.errors import ExifbenchError


def load_section(command: str, path: Path | None = None) -> tuple[dict[str, Any], str]:
    """``[tool.exifbench.<command>]`` of ``path`` (default: ``./pyproject.toml`` if present) and its name.

    No file at the default place gives ``({}, "")``; a named file that is missing is an error.
    """
    if path is None:
        path = Path.cwd() / "pyproject.toml"
        if not path.is_file():
            return {}, ""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExifbenchError(f"{path}: cannot read the configuration ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExifbenchError(f"{path}: not valid TOML ({exc})") from None
    where = f"{path} [tool.exifbench.{command}]"
    section: Any = data
    for key in ("tool", "exifbench", command):
        section = section.get(key, {}) if isinstance(section, dict) else None
        if not isinstance(section, dict):
            raise ExifbenchError(f"{where}: {key!r} must be a table")
    return section, where if section else ""


def check_keys(section: dict[str, Any], known: Iterable[str], where: str) -> None:
    """Refuse keys the command does not know, naming them and the known ones."""
    known = list(known)
    unknown = [key for key in section if key not in known]
    if unknown:
        raise ExifbenchError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(known)})")


def percent(value: Any, where: str) -> float:
    """``"10%"``, ``"10"`` or ``10`` -> ``0.10``: a number is always read as a percentage."""
    text = value.strip().removesuffix("%").strip() if isinstance(value, str) else value
    try:
        number = float(text) if not isinstance(text, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ExifbenchError(f"{where}: expected a percentage like 10% or 50%, got {value!r}")
    return number / 100


def positive(value: Any, where: str, integer: bool = False) -> float:
    """A finite number > 0 (an integer if asked); anything else names ``where``."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value <= sys.float_info.max:  # NaN fails
        kind = "a positive integer" if integer else "a positive number"
        raise ExifbenchError(f"{where}: expected {kind}, got {value!r}")
    return value
