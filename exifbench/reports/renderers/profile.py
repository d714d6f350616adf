"""Profile files in reports: they are written at run time (:mod:`exifbench.harness.profiler`) and cannot be
regenerated, so a re-render copies the ones found beside the saved document."""

from __future__ import annotations

from pathlib import Path

from exifbench.reports.analysis.profiles import profiles
from exifbench.reports.documents.runs import RunSet
from exifbench.files import write_atomic


def copy_profiles(runs: RunSet, source_dir: Path, out_dir: Path) -> list[Path]:
    """Copy the profile files a saved run left in ``source_dir`` into ``out_dir``."""
    if source_dir.resolve() == out_dir.resolve():
        return []
    sources = [source_dir / name for found in profiles(runs) for name in found.files]
    return [write_atomic(out_dir / source.name, source.read_bytes()) for source in sources if source.is_file()]
