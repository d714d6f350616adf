"""What a run replays on: a scanned folder plus the storage model it is read through.

Without a folder this is the embedded dataset — 591 synthetic JPEGs generated once
into the user cache — with the 23 ms storage model on, as in the original profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from exifbench.dataset.folder import Folder, scan
from exifbench.dataset.storage import StorageModel


@dataclass(frozen=True)
class Dataset:
    """A folder to replay, its storage model, and a label for reports."""

    folder: Folder
    storage: StorageModel
    label: str
    embedded: bool = False

    def describe(self) -> str:
        """One line: what is replayed, read how."""
        kind = "Embedded dataset" if self.embedded else "Dataset"
        return f"{kind}: {len(self.folder.files)} images in {self.folder.root}; storage model {self.storage.describe()}"


def open_dataset(
    path: str | Path | None,
    io_latency_ms: float | None = None,
    io_jitter_ms: float = 0.0,
    extensions: str | None = None,
) -> Dataset:
    """``path`` scanned with the given storage model, or the embedded dataset (23 ms by default)."""
    if path is None:
        from exifbench.dataset.embedded import DEFAULT_IO_LATENCY_MS, default_dataset

        latency = DEFAULT_IO_LATENCY_MS if io_latency_ms is None else io_latency_ms
        root = default_dataset()
        return Dataset(scan(root, extensions), StorageModel(latency, io_jitter_ms), f"embedded dataset {root}", True)
    storage = StorageModel(io_latency_ms or 0.0, io_jitter_ms)
    return Dataset(scan(path, extensions), storage, str(path))
