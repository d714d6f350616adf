"""What makes two runs comparable: the same machine, software, data, storage, pattern and loader settings.

A fingerprint is read from a run's ``environment`` and ``config`` blocks. Two runs
whose fingerprints differ must not be compared (the gate refuses, naming the
fields); a history keeps one series per fingerprint, as asv keeps one per machine
and environment.
"""

from __future__ import annotations

import hashlib
import json

from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.errors import ExifbenchError

FIELDS = ("machine", "python", "pillow", "exifbench", "dataset", "storage", "pattern", "workers", "extractor")

Fingerprint = dict[str, str]


def fingerprint(run: RunResult) -> Fingerprint:
    """The fields that must match for ``run`` to be compared with another run."""
    env, config = run.environment, run.config
    cpu = env.get("cpu") or env.get("machine", "?")
    return {
        "machine": f"{env.get('machine', '?')}, {cpu}, {env.get('cpu_count', '?')} CPUs",
        "python": f"{env.get('implementation', 'CPython')} {env.get('python', '?')}",
        "pillow": str(env.get("pillow", "?")),
        "exifbench": str(env.get("exifbench", "?")),
        "dataset": config.dataset_digest or f"{config.dataset or '?'} ({run.images} images)",
        "storage": config.storage or "?",
        "pattern": config.pattern or "?",
        "workers": "default" if config.workers is None else str(config.workers),
        "extractor": ",".join(config.extractors or [config.extractor or "?"]),
    }


def fingerprint_of(runs: RunSet, what: str) -> Fingerprint:
    """The one fingerprint every run of ``runs`` shares (``what`` names the document in errors)."""
    if not runs.runs:
        raise ExifbenchError(f"{what}: no runs")
    first = fingerprint(runs.runs[0])
    for run in runs.runs[1:]:
        if (other := fingerprint(run)) != first:
            raise ExifbenchError(f"{what}: its runs differ in {', '.join(differences(first, other))}")
    return first


def differences(a: Fingerprint, b: Fingerprint) -> list[str]:
    """``field (a vs b)`` for every field that differs."""
    return [f"{name} ({a.get(name, '?')} vs {b.get(name, '?')})" for name in FIELDS if a.get(name) != b.get(name)]


def key(print_: Fingerprint) -> str:
    """A short stable name for a fingerprint (12 hex digits)."""
    return hashlib.sha256(json.dumps(print_, sort_keys=True).encode()).hexdigest()[:12]
