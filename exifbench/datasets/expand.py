"""Grow a small real folder into ``count`` distinct files, with a manifest back to the sources.

Every output file is a real copy (never a link), so each one is read from
storage on its own, like a library of distinct photos.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exifbench.datasets.folder import scan
from exifbench.errors import ExifbenchError
from exifbench.files import read_json, write_atomic

MANIFEST_NAME = "manifest.json"
SCHEMA = "exifbench.manifest/1"


@dataclass(frozen=True)
class ManifestEntry:
    """One expanded file (relative to the output folder) and the source file it copies."""

    file: str
    source: str


@dataclass
class Manifest:
    """What :func:`expand` wrote: the source folder and one entry per output file."""

    source: str
    files: list[ManifestEntry] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many files were written."""
        return len(self.files)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``schema``, ``source``, ``count``, ``files``)."""
        return {
            "schema": SCHEMA,
            "source": self.source,
            "count": self.count,
            "files": [{"file": entry.file, "source": entry.source} for entry in self.files],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Parse :meth:`to_dict`'s form; raises ``ValueError`` on anything else."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ValueError(f"not an {SCHEMA} manifest")
        try:
            files = [ManifestEntry(str(entry["file"]), str(entry["source"])) for entry in data["files"]]
            manifest = cls(source=str(data["source"]), files=files)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed manifest ({exc})") from None
        if data.get("count") != manifest.count:
            raise ValueError(f"count {data.get('count')!r} but {manifest.count} files listed")
        return manifest

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest file; a missing or malformed one is a user error."""
        data = read_json(path, "manifest")
        try:
            return cls.from_dict(data)
        except ValueError as exc:
            raise ExifbenchError(f"{path}: cannot read manifest: {exc}") from None

    def save(self, path: Path) -> None:
        """Write atomically: a temp file beside ``path``, then ``os.replace``."""
        write_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")


def expand(
    src: Path,
    dst: Path,
    count: int,
    extensions: str | tuple[str, ...] | list[str] | None = None,
    force: bool = False,
) -> Manifest:
    """Copy ``src``'s images round-robin into ``dst`` until it holds ``count`` files.

    Names are ``<index>_<relative path with / as ->``, keeping the extension.
    A non-empty ``dst`` is refused unless ``force``; then a previous
    expansion's files (from its manifest) are removed first, others are left.
    """
    if count < 1:
        raise ExifbenchError(f"{dst}: count must be at least 1, got {count}")
    src, dst = Path(src).expanduser(), Path(dst).expanduser()
    folder = scan(src, extensions)
    if not folder.files:
        raise ExifbenchError(f"{src}: no images to expand")
    if dst.exists() and not dst.is_dir():
        raise ExifbenchError(f"{dst}: not a directory")
    target = dst.resolve()
    if target == folder.root or folder.root in target.parents or target in folder.root.parents:
        raise ExifbenchError(f"{dst}: overlaps the source folder {src}")
    if dst.exists() and any(dst.iterdir()):
        if not force:
            raise ExifbenchError(f"{dst}: not empty (use force to write into it)")
        _remove_previous(dst)
    dst.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(count - 1)))
    manifest = Manifest(source=str(folder.root))
    for index in range(count):
        relative = folder.files[index % len(folder.files)]
        name = f"{index:0{width}d}_{relative.replace('/', '-')}"
        shutil.copyfile(folder.absolute(relative), dst / name)
        manifest.files.append(ManifestEntry(name, relative))
    manifest.save(dst / MANIFEST_NAME)
    return manifest


def _remove_previous(dst: Path) -> None:
    """Delete the files a previous expansion into ``dst`` listed, and its manifest."""
    manifest_path = dst / MANIFEST_NAME
    if not manifest_path.exists():
        return
    for entry in Manifest.load(manifest_path).files:
        path = dst / entry.file
        if path.parent == dst:
            path.unlink(missing_ok=True)
    manifest_path.unlink()
