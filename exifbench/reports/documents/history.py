"""A history of runs: every saved run set, one series per fingerprint, oldest first (like asv's results).

Layout of a history directory::

    DIR/<fingerprint key>/fingerprint.json          what the series' runs share
    DIR/<fingerprint key>/<UTC time>-<commit>.json  one run set (``exifbench.runs/1``) per saved run

Only complete run sets are appended: an interrupted run says nothing about the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from exifbench.reports.documents.fingerprint import Fingerprint, fingerprint_of, key
from exifbench.reports.documents.runs import RunSet
from exifbench.errors import ExifbenchError
from exifbench.files import read_json, write_atomic

FINGERPRINT_FILE = "fingerprint.json"


@dataclass(frozen=True)
class Entry:
    """One saved run set of a series."""

    path: Path
    saved_at: str
    commit: str | None
    runs: RunSet

    @property
    def label(self) -> str:
        """``abc1234`` (the commit) or the time it was saved."""
        return self.commit[:7] if self.commit else self.saved_at


@dataclass(frozen=True)
class Series:
    """Every saved run set sharing one fingerprint, oldest first."""

    key: str
    fingerprint: Fingerprint
    entries: list[Entry]


def append(directory: str | Path, runs: RunSet, now: datetime | None = None) -> Path:
    """Save ``runs`` into the history at ``directory`` under its fingerprint; the file written."""
    if not runs.complete:
        raise ExifbenchError(f"{directory}: an interrupted run is not added to the history")
    print_ = fingerprint_of(runs, "run")
    folder = Path(directory) / key(print_)
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint_file = folder / FINGERPRINT_FILE
    if not fingerprint_file.exists():
        write_atomic(fingerprint_file, json.dumps(print_, indent=1))
    commit = runs.runs[0].environment.get("commit")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return runs.save(folder / f"{stamp}-{str(commit)[:12] if commit else 'no-commit'}.json", force=False)


def load(directory: str | Path) -> list[Series]:
    """Every series of the history at ``directory``, the one with the newest run first."""
    root = Path(directory)
    if not root.is_dir():
        raise ExifbenchError(f"{root}: no such history directory")
    found = []
    for folder in sorted(path for path in root.iterdir() if (path / FINGERPRINT_FILE).is_file()):
        print_ = read_json(folder / FINGERPRINT_FILE, "fingerprint")
        if not isinstance(print_, dict):
            raise ExifbenchError(f"{folder / FINGERPRINT_FILE}: must be a JSON object")
        entries = [_entry(path) for path in sorted(folder.glob("*.json")) if path.name != FINGERPRINT_FILE]
        if entries:
            found.append(Series(folder.name, {str(k): str(v) for k, v in print_.items()}, entries))
    if not found:
        raise ExifbenchError(f"{root}: no saved runs (save some with: exifbench run --history {root})")
    return sorted(found, key=lambda series: series.entries[-1].saved_at, reverse=True)


def _entry(path: Path) -> Entry:
    runs = RunSet.load(path)
    stamp = path.stem.split("-", 1)[0]
    commit = runs.runs[0].environment.get("commit") if runs.runs else None
    return Entry(path, stamp, str(commit) if commit else None, runs)
