"""The built-in default dataset: synthetic JPEGs generated once into the user cache.

A dataset folder is named by generator version, count and seed. It is built in
a temp folder beside its final place, gets a marker file last, and is renamed
into place, so a crash never leaves a half-written dataset where it is looked for.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from exifbench.datasets import synth
from exifbench.datasets.storage.model import PROFILES
from exifbench.errors import ExifbenchError
from exifbench.files import create_temporary

DEFAULT_COUNT = 591
DEFAULT_IO_LATENCY_MS = PROFILES["original"].model.latency_ms
"""The storage model on by default for this dataset: the original profile's first-read cost."""

CACHE_ENV = "EXIFBENCH_CACHE_DIR"
MARKER = ".complete"


def cache_dir() -> Path:
    """``$EXIFBENCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/exifbench``, else ``~/.cache/exifbench``."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "exifbench"


def dataset_dir(count: int = DEFAULT_COUNT, seed: int = 0) -> Path:
    """Where the dataset for ``count`` and ``seed`` lives (whether or not it exists yet)."""
    return cache_dir() / f"synth-v{synth.VERSION}-n{count}-s{seed}"


def default_dataset(count: int = DEFAULT_COUNT, seed: int = 0) -> Path:
    """The folder of the built-in dataset, generating it on first use."""
    if count < 1:
        raise ExifbenchError(f"built-in dataset: count must be at least 1, got {count}")
    final = dataset_dir(count, seed)
    if (final / MARKER).is_file():
        return final
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = create_temporary(final, directory=True)
    except OSError as exc:
        raise ExifbenchError(f"{final.parent}: cannot write the dataset cache: {exc.strerror or exc}") from None
    if final.exists() and not (final / MARKER).is_file():  # never finished: not to be trusted
        shutil.rmtree(final)
    try:
        synth.synthesize(tmp, count, seed)
        (tmp / MARKER).write_text(f"exifbench.synth/{synth.VERSION} count={count} seed={seed}\n", encoding="utf-8")
        try:
            tmp.rename(final)
        except OSError:  # another process finished first
            if not (final / MARKER).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def describe(count: int = DEFAULT_COUNT, seed: int = 0) -> str:
    """One line for reports."""
    return (
        f"built-in synthetic dataset: {count} camera JPEGs (seed {seed}; EXIF, GPS, MakerNotes, thumbnails), "
        f"{DEFAULT_IO_LATENCY_MS:g} ms modelled storage latency per read"
    )
