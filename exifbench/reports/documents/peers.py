"""The peers report document (``exifbench.peers/1``): EXIF readers timed side by side on the same files.

Each tool's throughput is the mean per file (files ÷ the sum of each file's median time over the
rounds), fall-backs and errors included; agreement is counted per field against the reference
(Pillow). A saved report re-renders with ``exifbench report peers.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from exifbench import fields as f
from exifbench.errors import ExifbenchError
from exifbench.fields import Record
from exifbench.reports.documents.base import Document

SCHEMA = "exifbench.peers/1"
REFERENCE = "pillow"
INTERLEAVED, OWN_BLOCK = "interleaved", "own block"
"""How a tool was timed: per file among the in-process tools, or on its own after them (an external process)."""


@dataclass
class FieldAgreement(Record):
    """Per field, over files both tools read: equal, different, or present on one side only."""

    agree: int = f.required(0)
    disagree: int = f.required(0)
    only_reference: int = f.required(0)
    only_tool: int = f.required(0)

    @property
    def compared(self) -> int:
        return self.agree + self.disagree + self.only_reference + self.only_tool


@dataclass
class PeerResult(Record):
    """One tool: availability, how it was timed, mean and median time per file, errors, agreement with Pillow."""

    DERIVED: ClassVar[tuple[str, ...]] = ("throughput_fps",)

    tool: str
    available: bool
    reason: str | None = None
    version: str | None = None
    timing: Annotated[str, f.one_of(INTERLEAVED, OWN_BLOCK)] = INTERLEAVED
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

    def validate(self, where: str) -> None:
        if self.available and (self.mean_ms is None or self.mean_ms <= 0):
            raise ExifbenchError(f"{where}.mean_ms: an available tool must have a time per file > 0")


@dataclass
class PeersReport(Document):
    """All tools measured in one run on the same files."""

    SCHEMA: ClassVar[str | None] = SCHEMA
    WHAT: ClassVar[str] = "peers report"

    files: int
    repeats: int
    peers: list[PeerResult]
    reference: str = f.required(REFERENCE)
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

    def validate(self, where: str) -> None:
        if not any(p.tool == self.reference and p.available for p in self.peers):
            raise ExifbenchError(f"{where}: peers: no available entry for the reference {self.reference!r}")

    @classmethod
    def from_dict(cls, data: Any, where: str = "peers report") -> PeersReport:
        """Validate every field a renderer uses; a wrong schema or a bad nested field is one line naming it."""
        return super().from_dict(data, where)
