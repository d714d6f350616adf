"""EXIF dicts to bytes and back, exactly: what the persistent cache stores per file.

A typed codec over JSON: it can only describe the values an EXIF dict holds, so decoding a row
never runs code and never does more work than the row's size (no references, no constructors
but these). ``str`` is a JSON string (lone surrogates kept, as ``\\udcxx`` escapes); ``int``,
``bool`` and ``None`` are themselves (an ``int`` of more than Python's 4,300 digits is refused);
every other value is a list whose first item names its type: ``["t", ...]`` tuple, ``["l", ...]``
list, ``["d", key, value, ...]`` dict, ``["b", hex]`` bytes, ``["f", float.hex()]`` float
(NaN and infinities kept), ``["r", numerator, denominator]`` ``IFDRational`` (``IFDRational(0, 0)``
kept). Anything else is :class:`CodecError`: it is not stored.
"""

from __future__ import annotations

import json
from typing import Any

from PIL.TiffImagePlugin import IFDRational

from exifbench.strategies.base import Exif


class CodecError(ValueError):
    """A value the codec cannot describe, or a row that is not one it wrote."""


def encode(exif: Exif) -> bytes:
    """The bytes :func:`decode` turns back into an equal dict (:class:`CodecError` for a type it cannot hold)."""
    try:
        return json.dumps(_out(exif), ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
    except (ValueError, RecursionError) as exc:  # ValueError: an int past the digit limit; RecursionError: too deep
        raise CodecError(str(exc)) from None


def decode(blob: bytes) -> Exif:
    """The dict ``blob`` holds; :class:`CodecError` (or ``ValueError``, ``RecursionError``) if it is not one."""
    exif = _in(json.loads(blob))
    if not isinstance(exif, dict):
        raise CodecError(f"a stored row holds a {type(exif).__name__}, not a dict")
    return exif


def _out(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is tuple or kind is list:
        return ["t" if kind is tuple else "l", *map(_out, value)]
    if kind is dict:
        return ["d", *(_out(item) for pair in value.items() for item in pair)]
    if kind is bytes:
        return ["b", value.hex()]
    if kind is float:
        return ["f", value.hex()]
    if kind is IFDRational:
        return ["r", _out(value._numerator), _out(value._denominator)]
    raise CodecError(f"cannot store a {kind.__name__}")


def _in(value: Any) -> Any:
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is not list or not value or type(value[0]) is not str:
        raise CodecError("not a row this codec wrote")
    tag, items = value[0], value[1:]
    if tag in ("t", "l"):
        decoded = [_in(item) for item in items]
        return tuple(decoded) if tag == "t" else decoded
    if tag == "d" and len(items) % 2 == 0:
        pairs = [_in(item) for item in items]
        return dict(zip(pairs[::2], pairs[1::2]))
    if tag in ("b", "f") and len(items) == 1 and type(items[0]) is str:
        return bytes.fromhex(items[0]) if tag == "b" else float.fromhex(items[0])
    if tag == "r" and len(items) == 2:
        numerator, denominator = _in(items[0]), _in(items[1])
        if type(numerator) not in (int, float) or type(denominator) not in (int, float):
            raise CodecError("a rational of something else than numbers")
        return IFDRational(numerator, denominator)
    raise CodecError(f"not a row this codec wrote (tag {tag[:20]!r})")
