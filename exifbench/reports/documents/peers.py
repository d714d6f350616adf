"""The peers report document (``exifbench.peers/1``): EXIF readers timed side by side on the same files.

Each tool's throughput is the mean per file (files ÷ the sum of each file's median time over the
rounds), fall-backs and errors included; agreement is counted per field against the reference
(Pillow). A saved report re-renders with ``exifbench report peers.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from exifbench import fields as f
from exifbench.errors import ExifbenchError
from exifbench.files import read_json, save_document

SCHEMA = "exifbench.peers/1"
REFERENCE = "pillow"
INTERLEAVED, OWN_BLOCK = "interleaved", "own block"
"""How a tool was timed: per file among the in-process tools, or on its own after them (an external process)."""


@dataclass
class FieldAgreement:
    """Per field, over files both tools read: equal, different, or present on one side only."""

    agree: int = 0
    disagree: int = 0
    only_reference: int = 0
    only_tool: int = 0

    @property
    def compared(self) -> int:
        return self.agree + self.disagree + self.only_reference + self.only_tool

    @classmethod
    def from_dict(cls, data: Any, where: str) -> FieldAgreement:
        data = f.mapping(data, where)
        return cls(**{key: f.field(data, key, where, f.count) for key in ("agree", "disagree", "only_reference", "only_tool")})


@dataclass
class PeerResult:
    """One tool: availability, how it was timed, mean and median time per file, errors, agreement with Pillow."""

    tool: str
    available: bool
    reason: str | None = None
    version: str | None = None
    timing: str = INTERLEAVED
    files: int = 0
    errors: int = 0
    mean_ms: float | None = None
    median_ms: float | None = None
    agreement: dict[str, FieldAgreement] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def throughput_fps(self) -> float | None:
        """Files per second, from the mean time per file (higher is better)."""
        return 1000 / self.mean_ms if self.mean_ms else None

    @property
    def agreement_rate(self) -> float | None:
        """Share of compared (file, field) pairs that agree; ``None`` when nothing was compared."""
        compared = sum(a.compared for a in self.agreement.values())
        return sum(a.agree for a in self.agreement.values()) / compared if compared else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "throughput_fps": self.throughput_fps}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> PeerResult:
        data = f.mapping(data, where)
        available = f.field(data, "available", where, f.flag)
        timed = _optional(f.number)
        result = cls(
            tool=f.field(data, "tool", where, f.text),
            available=available,
            reason=f.field(data, "reason", where, _optional(f.text), None),
            version=f.field(data, "version", where, _optional(f.text), None),
            timing=f.field(data, "timing", where, f.one_of(INTERLEAVED, OWN_BLOCK), INTERLEAVED),
            files=f.field(data, "files", where, f.count, 0),
            errors=f.field(data, "errors", where, f.count, 0),
            mean_ms=f.field(data, "mean_ms", where, timed, None),
            median_ms=f.field(data, "median_ms", where, timed, None),
            agreement={
                name: FieldAgreement.from_dict(value, f"{where}.agreement.{name}")
                for name, value in f.field(data, "agreement", where, f.mapping, {}).items()
            },
            extra=f.field(data, "extra", where, f.mapping, {}),
        )
        if available and (result.mean_ms is None or result.mean_ms <= 0):
            raise ExifbenchError(f"{where}.mean_ms: an available tool must have a time per file > 0")
        return result


def _optional(check: f.Check[Any]) -> f.Check[Any]:
    def checked(value: Any, where: str) -> Any:
        return None if value is None else check(value, where)

    return checked


@dataclass
class PeersReport:
    """All tools measured in one run on the same files."""

    files: int
    repeats: int
    peers: list[PeerResult]
    reference: str = REFERENCE
    context: dict[str, Any] = field(default_factory=dict)

    def peer(self, tool: str) -> PeerResult:
        for result in self.peers:
            if result.tool == tool:
                return result
        raise KeyError(tool)

    def throughput_ratio(self, tool: str) -> float | None:
        """``tool``'s throughput over the reference's (mean per file; higher is better)."""
        mine, ref = self.peer(tool).mean_ms, self.peer(self.reference).mean_ms
        return ref / mine if mine and ref else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "files": self.files,
            "repeats": self.repeats,
            "reference": self.reference,
            "context": self.context,
            "peers": [peer.to_dict() for peer in self.peers],
        }

    def save(self, path: str | Path, force: bool = True) -> Path:
        """Write the document to ``path`` (an existing file only with ``force``; elsewhere if it cannot be written)."""
        return save_document(path, json.dumps(self.to_dict(), indent=1), force)

    @classmethod
    def from_dict(cls, data: Any, where: str = "peers report") -> PeersReport:
        """Validate every field a renderer uses; a wrong schema or a bad nested field is one line naming it."""
        data = f.document(data, SCHEMA, where)
        peers = [PeerResult.from_dict(p, f"{where}: peers[{i}]") for i, p in enumerate(f.field(data, "peers", where, f.array))]
        report = cls(
            files=f.field(data, "files", where, f.count),
            repeats=f.field(data, "repeats", where, f.count),
            peers=peers,
            reference=f.field(data, "reference", where, f.text),
            context=f.field(data, "context", where, f.mapping, {}),
        )
        if not any(p.tool == report.reference and p.available for p in peers):
            raise ExifbenchError(f"{where}: peers: no available entry for the reference {report.reference!r}")
        return report

    @classmethod
    def load(cls, path: str | Path) -> PeersReport:
        return cls.from_dict(read_json(path, "peers report"), str(path))
