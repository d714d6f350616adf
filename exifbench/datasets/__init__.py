"""What a run replays on: a scanned folder plus the storage model it is read through.

Without a folder this is the embedded dataset — 591 synthetic JPEGs generated once
into the user cache — with the 23 ms storage model on, as in the original profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from exifbench.datasets.folder import Folder, scan
from exifbench.datasets.storage.mount import fuse_problem
from exifbench.datasets.storage.model import StorageChoice, StorageModel
from exifbench.errors import ExifbenchError


@dataclass(frozen=True)
class Dataset:
    """A folder to replay, its storage model, how the model is charged, and a label for reports.

    ``via`` is ``fuse`` (every loader reads through a mount), ``in-process`` (only loaders that take
    exifbench's ``reader`` pay; ``fallback`` says why FUSE could not be used) or ``none`` (nothing to charge).
    """

    folder: Folder
    storage: StorageModel
    label: str
    embedded: bool = False
    via: str = "none"
    fallback: str | None = None

    def describe(self) -> str:
        """One line: what is replayed, read how."""
        kind = "Embedded dataset" if self.embedded else "Dataset"
        how = {"fuse": " (FUSE mount)", "in-process": " (in-process model)", "none": ""}[self.via]
        n = len(self.folder.files)
        images = "1 image" if n == 1 else f"{n} images"
        return f"{kind}: {images} in {self.folder.root}; storage {self.storage.describe()}{how}"


def open_dataset(
    path: str | Path | None,
    storage: StorageChoice = StorageChoice(),
    extensions: str | None = None,
) -> Dataset:
    """``path`` scanned (or the embedded dataset), with the storage model chosen and where it is charged."""
    if path is None:
        from exifbench.datasets.embedded import default_dataset

        root = default_dataset()
        folder, label, embedded = scan(root, extensions), f"embedded dataset {root}", True
    else:
        folder, label, embedded = scan(path, extensions), str(path), False
        if not folder.files:
            skipped = f" ({len(folder.skipped)} entries skipped)" if folder.skipped else ""
            raise ExifbenchError(f"{path}: no images found{skipped}")
    model = storage.model(embedded)
    problem = fuse_problem() if model.charges else None
    via = "none" if not model.charges else ("in-process" if problem else "fuse")
    return Dataset(folder, model, label, embedded, via, problem)

