"""A pattern resolved against a folder: the files each call asks for, in call order."""

from __future__ import annotations

from dataclasses import dataclass

from exifbench.datasets.folder import Folder
from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.pattern import Pattern, resolve_ref, safe_relative


@dataclass(frozen=True)
class PlannedCall:
    """One call of the plan: the file, the caller's think time before it, and the blocking flag."""

    path: str
    think_ms: float
    blocking: bool


@dataclass(frozen=True)
class ReplayPlan:
    """A pattern resolved against a folder: absolute paths, in call order."""

    pattern: str
    root: str
    images: int
    calls: list[PlannedCall]
    preload: list[str]
    priority: list[str]
    files: tuple[str, ...] = ()
    """The folder's images in listing order (absolute paths): what a view of the folder shows."""

    @property
    def touched(self) -> list[str]:
        """Distinct files the calls ask for, in first-call order."""
        return list(dict.fromkeys(call.path for call in self.calls))

    @property
    def targets(self) -> list[str]:
        """Every file the replay loads: called or pre-loaded."""
        return list(dict.fromkeys([*self.touched, *self.priority, *self.preload]))


def plan_replay(pattern: Pattern, folder: Folder) -> ReplayPlan:
    """Map the pattern's image references onto the folder (index ``i`` -> file ``i % N``)."""
    if not folder.files:
        raise ExifbenchError(f"{folder.root}: no images found to replay")

    listed = set(folder.files)

    def resolve(ref: int | str) -> str:
        path = resolve_ref(ref, folder.files, folder.root)
        if isinstance(ref, str) and safe_relative(ref) not in listed:
            raise ExifbenchError(f"pattern path {ref!r} is not one of the {len(listed)} images scanned in {folder.root}")
        return path

    return ReplayPlan(
        pattern=pattern.name,
        root=str(folder.root),
        images=len(folder.files),
        calls=[PlannedCall(resolve(call.image), call.think_ms, call.blocking) for call in pattern.calls],
        preload=[resolve(ref) for ref in pattern.preload],
        priority=[resolve(ref) for ref in pattern.priority],
        files=tuple(folder.paths),
    )
