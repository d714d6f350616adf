"""Access patterns: which images the app asks for, in what order, with what think time.

A pattern is a plain JSON document (``schema: "exifbench.datasets.patterns/1"``). Each
image is addressed either by its index in the folder's sorted listing (mapped
``i -> files[i % N]`` on a folder of N images) or by a path relative to the
dataset root (as :func:`exifbench.record` writes them). Paths that escape the
root are refused.
"""

from __future__ import annotations

import json
import math
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exifbench.errors import ExifbenchError
from exifbench.files import read_json, write_atomic

SCHEMA = "exifbench.datasets.patterns/1"
FRAME_MS = 1000 / 60  # one 60 Hz frame: 16.7 ms

ImageRef = int | str


@dataclass(frozen=True)
class Call:
    """One ``load_exif`` call: the image, the caller's time before it, and the blocking flag."""

    image: ImageRef
    think_ms: float = 0.0
    blocking: bool = False
    thread: str | None = None


@dataclass
class Pattern:
    """A replayable access pattern."""

    name: str
    calls: list[Call]
    preload: list[ImageRef] = field(default_factory=list)
    priority: list[ImageRef] = field(default_factory=list)
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "name": self.name,
            "description": self.description,
            "preload": {"paths": list(self.preload), "priority": list(self.priority)},
            "calls": [_call_dict(call) for call in self.calls],
        }

    def save(self, path: str | Path) -> None:
        write_atomic(path, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def from_dict(cls, data: Any, source: str = "pattern") -> Pattern:
        """Validate and build a pattern; every problem names the bad field."""
        if not isinstance(data, dict):
            raise ExifbenchError(f"{source}: a pattern must be a JSON object")
        if data.get("schema") != SCHEMA:
            raise ExifbenchError(f"{source}: field 'schema' must be {SCHEMA!r}, got {data.get('schema')!r}")
        calls = data.get("calls")
        if not isinstance(calls, list) or not calls:
            raise ExifbenchError(f"{source}: field 'calls' must be a non-empty list")
        preload = data.get("preload", {})
        if not isinstance(preload, dict):
            raise ExifbenchError(f"{source}: field 'preload' must be an object with 'paths' and 'priority'")
        return cls(
            name=_expect(data.get("name", Path(source).stem), str, source, "name"),
            description=_expect(data.get("description", ""), str, source, "description"),
            calls=[_parse_call(call, f"{source}: calls[{i}]") for i, call in enumerate(calls)],
            preload=_parse_refs(preload.get("paths", []), f"{source}: preload.paths"),
            priority=_parse_refs(preload.get("priority", []), f"{source}: preload.priority"),
        )

    @classmethod
    def load(cls, path: str | Path) -> Pattern:
        """Read a pattern file (JSON only)."""
        return cls.from_dict(read_json(path, "pattern"), str(path))


def startup_pattern(images: int = 591, page: int = 24, revisits: tuple[int, ...] = (0, 12)) -> Pattern:
    """The photo viewer's start-up: pre-load everything (first page first), then page through.

    One page of ``page`` images per 60 Hz frame in display order, then the
    ``revisits`` (cache hits): ``images + len(revisits)`` calls — 593 for 591 images.
    """
    calls = [Call(i, FRAME_MS if i % page == 0 and i else 0.0) for i in range(images)]
    calls += [Call(i, FRAME_MS if n == 0 else 0.0) for n, i in enumerate(revisits)]
    description = (
        f"start-up of a {images}-image folder: pre-load all, first page of {page} as priority, "
        f"then one page of {page} per 16.7 ms frame, then {len(revisits)} revisits"
    )
    return preloading_all(f"startup-{len(calls)}", description, calls, images, page)


def preloading_all(name: str, description: str, calls: list[Call], images: int, page: int) -> Pattern:
    """A viewer's pattern whose app pre-loads the whole folder, its first page of ``page`` first."""
    return Pattern(name, calls, list(range(images)), list(range(min(page, images))), description)


def resolve_ref(ref: ImageRef, files: list[str], root: str | Path) -> str:
    """The absolute path of one image reference: index ``i`` -> ``files[i % N]``, or a safe relative path."""
    if isinstance(ref, int):
        if not files:
            raise ExifbenchError(f"{root}: the folder has no images to replay")
        return str(Path(root) / files[ref % len(files)])
    return str(Path(root) / safe_relative(ref))


def safe_relative(path: str) -> str:
    """``path`` if it stays inside the dataset root; absolute paths and ``..`` are refused."""
    normalized = posixpath.normpath(path.replace("\\", "/"))
    if path.startswith(("/", "\\")) or Path(path).is_absolute() or (len(path) > 1 and path[1] == ":"):
        raise ExifbenchError(f"pattern path {path!r} is absolute: patterns may only name files inside the dataset")
    if normalized == ".." or normalized.startswith("../") or "\0" in path:
        raise ExifbenchError(f"pattern path {path!r} escapes the dataset root")
    return normalized


def _call_dict(call: Call) -> dict[str, Any]:
    data: dict[str, Any] = {"image": call.image, "think_ms": call.think_ms}
    if call.blocking:
        data["blocking"] = True
    if call.thread:
        data["thread"] = call.thread
    return data


def _parse_call(raw: Any, where: str) -> Call:
    if not isinstance(raw, dict):
        raise ExifbenchError(f"{where}: must be an object with 'image'")
    think = raw.get("think_ms", 0.0)
    if isinstance(think, bool) or not isinstance(think, int | float) or not math.isfinite(think) or think < 0:
        raise ExifbenchError(f"{where}.think_ms: must be a non-negative number, got {think!r}")
    return Call(
        image=_parse_ref(raw.get("image"), f"{where}.image"),
        think_ms=float(think),
        blocking=_expect(raw.get("blocking", False), bool, where, "blocking"),
        thread=_expect(raw.get("thread"), (str, type(None)), where, "thread"),
    )


def _parse_refs(raw: Any, where: str) -> list[ImageRef]:
    if not isinstance(raw, list):
        raise ExifbenchError(f"{where}: must be a list")
    return [_parse_ref(ref, f"{where}[{i}]") for i, ref in enumerate(raw)]


def _parse_ref(ref: Any, where: str) -> ImageRef:
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise ExifbenchError(f"{where}: must be an image index or a relative path, got {ref!r}")
    if isinstance(ref, int) and ref < 0:
        raise ExifbenchError(f"{where}: image index must be >= 0, got {ref}")
    if isinstance(ref, str):
        try:
            safe_relative(ref)
        except ExifbenchError as exc:
            raise ExifbenchError(f"{where}: {exc}") from None
    return ref


def _expect(value: Any, kind: type | tuple[type, ...], where: str, name: str) -> Any:
    if not isinstance(value, kind):
        raise ExifbenchError(f"{where}: field {name!r} has the wrong type ({type(value).__name__})")
    return value
