"""Checked reads of a document's fields: each failure is one :class:`ExifbenchError` naming the field.

Loaders validate every nested field they or a renderer will use, before anything is
written, so a bad document is one line (``results.json: runs[0].errors[2].path: must be
text, got 5``), never a traceback or a half-written report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from exifbench.errors import ExifbenchError

T = TypeVar("T")
Check = Callable[[Any, str], T]
"""``check(value, where)`` returns the value typed, or raises naming ``where``."""

_MISSING: Any = object()


def brief(value: Any) -> str:
    """``repr(value)``, cut to 40 characters: a hostile document's value never floods the error line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(where: str, expected: str, value: Any) -> ExifbenchError:
    return ExifbenchError(f"{where}: must be {expected}, got {brief(value)}")


def mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, "an object", value)
    return value


def document(value: Any, schema: str, where: str) -> dict[str, Any]:
    """A JSON object whose ``schema`` is ``schema``."""
    data = mapping(value, where)
    if data.get("schema") != schema:
        raise ExifbenchError(f"{where}: field 'schema' must be {schema!r}, got {brief(data.get('schema'))}")
    return data


def text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, "text", value)
    return value


def flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


LIMIT = 1e12
"""The largest magnitude a figure may have (a trillion ms is 31 years): sums of figures stay finite."""


def number(value: Any, where: str) -> float:
    """A finite number within ±:data:`LIMIT` (JSON ``NaN``/``Infinity`` and booleans refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= LIMIT:  # NaN fails too
        raise _fail(where, f"a finite number (at most {LIMIT:g} in size)", value)
    return value


def count(value: Any, where: str) -> int:
    """A whole number from 0 to :data:`LIMIT`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LIMIT:
        raise _fail(where, f"a whole number from 0 to {LIMIT:g}", value)
    return value


def array(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, "a list", value)
    return value


def list_of(check: Check[T]) -> Check[list[T]]:
    """A check for a list whose every item passes ``check`` (named ``where[i]``)."""

    def checked(value: Any, where: str) -> list[T]:
        return [check(item, f"{where}[{i}]") for i, item in enumerate(array(value, where))]

    return checked


def values_of(check: Check[T]) -> Check[dict[str, T]]:
    """A check for an object whose every value passes ``check`` (named ``where.key``)."""

    def checked(value: Any, where: str) -> dict[str, T]:
        return {key: check(item, f"{where}.{key}") for key, item in mapping(value, where).items()}

    return checked


def one_of(*choices: str) -> Check[str]:
    """A check for text that must be one of ``choices``."""

    def checked(value: Any, where: str) -> str:
        if value not in choices:
            raise _fail(where, " or ".join(map(repr, choices)), value)
        return str(value)

    return checked


def field(data: dict[str, Any], key: str, where: str, check: Check[T], default: Any = _MISSING) -> T:
    """``data[key]`` passed through ``check``; a missing key is an error unless a ``default`` is given."""
    if key not in data:
        if default is _MISSING:
            raise ExifbenchError(f"{where}: missing field {key!r}")
        return check(default, f"{where}.{key}")
    return check(data[key], f"{where}.{key}")


def record(keys: dict[str, Check[Any]]) -> Check[dict[str, Any]]:
    """A check for an object that must have ``keys``, each passing its check (other keys kept as they are)."""

    def checked(value: Any, where: str) -> dict[str, Any]:
        data = mapping(value, where)
        return {**data, **{key: field(data, key, where, check) for key, check in keys.items()}}

    return checked
