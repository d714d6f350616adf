"""Every result document, and one entry point that loads any of them by its ``schema``.

A document kind registers its schema(s) in :data:`KINDS` with a ``from_dict(data, where)``;
``exifbench report FILE`` loads through :func:`load`, so a new kind (e.g. the peers report)
is one line here and one renderer entry in :mod:`exifbench.reports.renderers`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from exifbench.reports.documents import decision, gate, peers, runs, sweep
from exifbench.fields import brief
from exifbench.errors import ExifbenchError
from exifbench.files import read_json

Document = runs.RunSet | gate.GateVerdict | decision.Decision | peers.PeersReport | sweep.SweepResults

KINDS: dict[str, Callable[[Any, str], Document]] = {
    runs.RUN_SCHEMA: runs.RunSet.from_dict,
    runs.RUNS_SCHEMA: runs.RunSet.from_dict,
    gate.SCHEMA: gate.GateVerdict.from_dict,
    decision.SCHEMA: decision.Decision.from_dict,
    peers.SCHEMA: peers.PeersReport.from_dict,
    sweep.SCHEMA: sweep.SweepResults.from_dict,
}
"""Schema → loader."""


def from_dict(data: Any, where: str = "document") -> Document:
    """The document ``data`` is, by its ``schema``; every field validated."""
    if not isinstance(data, dict):
        raise ExifbenchError(f"{where}: not a result document (expected a JSON object)")
    schema = data.get("schema")
    if not isinstance(schema, str) or schema not in KINDS:
        known = ", ".join(repr(name) for name in KINDS)
        raise ExifbenchError(f"{where}: field 'schema' must be one of {known}, got {brief(schema)}")
    return KINDS[schema](data, where)


def load(path: str | Path) -> Document:
    """Read any saved exifbench document (JSON only) and validate it."""
    return from_dict(read_json(path, "result document"), str(path))
