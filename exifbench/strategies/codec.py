"""EXIF dicts to bytes and back, exactly: what the persistent cache stores per file.

Pickle keeps every type the strict comparer checks (``IFDRational`` including
``IFDRational(0, 0)``, ``bytes``, tuples, nested dicts, ``str`` with lone surrogates).
A cache file is input, so :func:`decode` never runs code from it: its unpickler finds
only the two classes an EXIF dict holds (``IFDRational`` and the ``Fraction`` inside it)
and refuses every other global — ``os.system``, ``builtins.eval``... — with
:class:`pickle.UnpicklingError`.
"""

from __future__ import annotations

import io
import pickle
from fractions import Fraction
from typing import Any

from PIL.TiffImagePlugin import IFDRational

from exifbench.strategies.base import Exif

ALLOWED: dict[tuple[str, str], type] = {
    ("PIL.TiffImagePlugin", "IFDRational"): IFDRational,
    ("fractions", "Fraction"): Fraction,
}
"""The only globals a stored dict may name."""


class _ExifUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refused global {module}.{name}") from None


def encode(exif: Exif) -> bytes:
    """The bytes :func:`decode` turns back into an equal dict."""
    return pickle.dumps(exif, protocol=pickle.HIGHEST_PROTOCOL)


def decode(blob: bytes) -> Exif:
    """The dict ``blob`` holds; :class:`pickle.UnpicklingError` (or another ``Exception``) if it is not one."""
    exif = _ExifUnpickler(io.BytesIO(blob)).load()
    if not isinstance(exif, dict):
        raise pickle.UnpicklingError(f"a stored row holds a {type(exif).__name__}, not a dict")
    return exif
