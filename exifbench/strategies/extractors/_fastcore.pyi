"""The fast path's compiled core (``_fastcore.c``): see :mod:`exifbench.strategies.extractors.fastpath`."""

from collections.abc import Callable
from typing import Any

VERSION: int

def scan_jpeg(
    fd: int, head: bytes, max_header: int, lookahead: int, /
) -> str | tuple[bytes, list[tuple[int, int]], int, int, bool, int, int]: ...
def load_ifd(
    data: bytes,
    base: int,
    end: int,
    offset: int,
    big: bool,
    units: bytes,
    single: bytes,
    enums: dict[int, dict[str, int]],
    rational: Callable[[int, int], Any],
    ordered: bool,
    /,
) -> dict[int, Any] | str: ...
def named(merged: dict[int, Any], names: dict[int, str], /) -> dict[str, Any]: ...
def count_released(on: bool, /) -> int: ...
