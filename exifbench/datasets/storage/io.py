"""I/O figures counted by the storage daemon: opens, read requests and bytes, per file.

They depend only on what a loader's code asks of the file system, not on timing, so
they are the same on a noisy runner as on a quiet one: a loader that starts reading
twice the bytes shows it whatever the clock says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exifbench.errors import ExifbenchError

FIELDS = ("opens", "reads", "bytes")


@dataclass(frozen=True)
class IoCounts:
    """``files[relative path] = (opens, read requests, bytes)``."""

    files: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: dict[str, list[int]]) -> IoCounts:
        return cls({path: (int(o), int(r), int(b)) for path, (o, r, b) in raw.items()})

    def __sub__(self, before: IoCounts) -> IoCounts:
        diff = {}
        for path, now in self.files.items():
            then = before.files.get(path, (0, 0, 0))
            delta = tuple(a - b for a, b in zip(now, then))
            if any(delta):
                diff[path] = (delta[0], delta[1], delta[2])
        return IoCounts(diff)

    def total(self, name: str) -> int:
        """The sum of one of :data:`FIELDS` over every file."""
        index = FIELDS.index(name)
        return sum(counts[index] for counts in self.files.values())

    def to_dict(self) -> dict[str, Any]:
        """Totals first, then ``files``: ``{path: [opens, reads, bytes]}`` in path order."""
        return {**{name: self.total(name) for name in FIELDS},
                "files": {path: list(self.files[path]) for path in sorted(self.files)}}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any, where: str = "io") -> IoCounts:
        """Read :meth:`to_dict`'s shape back; errors name the bad field."""
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            raise ExifbenchError(f"{where}.files: must be an object of path -> [opens, reads, bytes]")
        parsed = {}
        for path, counts in files.items():
            if not (isinstance(counts, list) and len(counts) == 3 and all(type(c) is int and c >= 0 for c in counts)):
                raise ExifbenchError(f"{where}.files[{path!r}]: must be [opens, reads, bytes] (non-negative integers)")
            parsed[str(path)] = (counts[0], counts[1], counts[2])
        return cls(parsed)
