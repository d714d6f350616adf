"""Scanning a real image folder: recursive, stable sorted order, unreadable entries reported."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from exifbench.errors import ExifbenchError
from exifbench.fields import Record

DEFAULT_EXTENSIONS: tuple[str, ...] = ("jpg", "jpeg", "tif", "tiff", "png", "webp", "heic", "heif", "mpo")


@dataclass(frozen=True)
class Skipped(Record):
    """An entry the scan could not use, with a one-line reason."""

    path: str
    reason: str


@dataclass
class Folder:
    """The images of a dataset folder: paths relative to ``root``, sorted, plus what was skipped."""

    root: Path
    files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def absolute(self, relative: str) -> str:
        """The absolute path of one of :attr:`files`."""
        return str(self.root / relative)

    @property
    def paths(self) -> list[str]:
        """Absolute paths of all files, in scan order."""
        return [self.absolute(rel) for rel in self.files]


def normalize_extensions(extensions: str | tuple[str, ...] | list[str] | None) -> frozenset[str]:
    """``"jpg,.PNG"`` or a sequence -> ``{"jpg", "png"}``; ``None`` gives the defaults."""
    if extensions is None:
        extensions = DEFAULT_EXTENSIONS
    if isinstance(extensions, str):
        extensions = extensions.split(",")
    cleaned = frozenset(ext.strip().lstrip(".").lower() for ext in extensions if ext.strip())
    if not cleaned:
        raise ExifbenchError("no file extensions given")
    return cleaned


def scan(root: str | os.PathLike[str], extensions: str | tuple[str, ...] | list[str] | None = None) -> Folder:
    """Recursively list image files under ``root`` in a stable order (sorted relative POSIX paths).

    Broken symlinks, unreadable files and directories, and symlink loops are
    recorded in :attr:`Folder.skipped`; only a missing or non-directory root is an error.
    """
    root_path = Path(root).expanduser()
    if not root_path.exists():
        raise ExifbenchError(f"{root}: no such folder")
    if not root_path.is_dir():
        raise ExifbenchError(f"{root}: not a folder")
    wanted = normalize_extensions(extensions)
    folder = Folder(root=root_path.resolve())
    seen_dirs: set[str] = set()

    def on_error(error: OSError) -> None:
        folder.skipped.append(Skipped(str(error.filename), error.strerror or str(error)))

    for dirpath, dirnames, filenames in os.walk(folder.root, onerror=on_error, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            folder.skipped.append(Skipped(dirpath, "symlink loop (directory already scanned)"))
            dirnames.clear()
            continue
        seen_dirs.add(real)
        for name in filenames:
            if name.rsplit(".", 1)[-1].lower() not in wanted or "." not in name:
                continue
            full = os.path.join(dirpath, name)
            reason = _unreadable_reason(full)
            if reason:
                folder.skipped.append(Skipped(full, reason))
            else:
                folder.files.append(Path(full).relative_to(folder.root).as_posix())
    folder.files.sort()
    folder.skipped.sort(key=lambda s: s.path)
    return folder


def _unreadable_reason(path: str) -> str | None:
    if os.path.islink(path) and not os.path.exists(path):
        return "broken symlink"
    if not os.path.isfile(path):
        return "not a regular file"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return None
