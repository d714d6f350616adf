"""Peers: Pillow, the fast path, exifread and exiftool timed side by side on the same files.

Tools are interleaved per file (their order rotating per file and round) so cache
and clock drift hit all alike. Each tool's key fields are compared with Pillow's
(the reference): Make, Model, DateTimeOriginal, ExposureTime, FNumber, ISO,
Orientation and the GPS position in decimal degrees.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import IO, Any, NamedTuple

import PIL

from exifbench.errors import ExifbenchError
from exifbench.extractors import ExifReader
from exifbench.extractors.fastpath import fastpath_exif
from exifbench.extractors.pillow import pillow_exif
from exifbench.replay.equality import values_equal
from exifbench.replay.clock import now_ns

SCHEMA = "exifbench.peers/1"
REFERENCE = "pillow"
FIELDS = ("Make", "Model", "DateTimeOriginal", "ExposureTime", "FNumber", "ISO", "Orientation", "GPSPosition")
TEXT_FIELDS = frozenset({"Make", "Model", "DateTimeOriginal"})
REL_TOL = 1e-6  # ExposureTime, FNumber, ISO, Orientation
GPS_TOL = 1e-6  # decimal degrees, about 0.1 m
EXIFTOOL_MISSING = "exiftool not installed (Debian package libimage-exiftool-perl)"
EXIFTOOL_ARGS = ("-json", "-n", "-G", "-EXIF:All")

Fields = dict[str, Any]  # field name -> normalised value (str, float or (lat, lon))


# -- normalising each tool's output to FIELDS ------------------------------------------


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.strip(" \0") if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    if isinstance(value, str | bytes) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(number) else number


def _degrees(dms: Any, ref: Any) -> float | None:
    if not isinstance(dms, tuple | list) or len(dms) != 3:
        return None
    parts = [_number(part) for part in dms]
    if None in parts:
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    return -degrees if _text(ref) in ("S", "W") else degrees


def _position(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    return None if lat is None or lon is None else (lat, lon)


def _fields(text: dict[str, Any], numbers: dict[str, Any], position: tuple[float, float] | None) -> Fields:
    found: Fields = {name: _text(value) for name, value in text.items()}
    found.update({name: _number(value) for name, value in numbers.items()})
    found["GPSPosition"] = position
    return {name: value for name, value in found.items() if value is not None}


def pillow_fields(exif: dict[str, Any]) -> Fields:
    """The compared fields of a ``pillow_exif``-style dict."""
    gps = exif.get("GPSInfo")
    gps = gps if isinstance(gps, dict) else {}
    return _fields(
        {name: exif.get(name) for name in TEXT_FIELDS},
        {
            "ExposureTime": exif.get("ExposureTime"),
            "FNumber": exif.get("FNumber"),
            "ISO": exif.get("ISOSpeedRatings"),
            "Orientation": exif.get("Orientation"),
        },
        _position(_degrees(gps.get(2), gps.get(1)), _degrees(gps.get(4), gps.get(3))),
    )


def exifread_fields(tags: dict[str, Any]) -> Fields:
    """The compared fields of ``exifread.process_file``'s tags."""

    def values(key: str) -> Any:
        tag = tags.get(key)
        return None if tag is None else tag.values

    return _fields(
        {
            "Make": values("Image Make"),
            "Model": values("Image Model"),
            "DateTimeOriginal": values("EXIF DateTimeOriginal"),
        },
        {
            "ExposureTime": values("EXIF ExposureTime"),
            "FNumber": values("EXIF FNumber"),
            "ISO": values("EXIF ISOSpeedRatings"),
            "Orientation": values("Image Orientation"),
        },
        _position(
            _degrees(values("GPS GPSLatitude"), values("GPS GPSLatitudeRef")),
            _degrees(values("GPS GPSLongitude"), values("GPS GPSLongitudeRef")),
        ),
    )


def exiftool_fields(tags: dict[str, Any]) -> Fields:
    """The compared fields of one ``exiftool -json -n -G -EXIF:All`` object."""

    def signed(axis: str, negative: str) -> float | None:
        value = _number(tags.get(f"EXIF:GPS{axis}"))
        if value is None:
            return None
        return -abs(value) if _text(tags.get(f"EXIF:GPS{axis}Ref")) == negative else value

    return _fields(
        {name: tags.get(f"EXIF:{name}") for name in TEXT_FIELDS},
        {name: tags.get(f"EXIF:{name}") for name in ("ExposureTime", "FNumber", "ISO", "Orientation")},
        _position(signed("Latitude", "S"), signed("Longitude", "W")),
    )


def same_value(name: str, expected: Any, actual: Any) -> bool:
    """Strings equal after stripping; numbers and positions equal within tolerance."""
    if name in TEXT_FIELDS:
        return bool(expected == actual)
    if name == "GPSPosition":
        return all(math.isclose(e, a, rel_tol=0, abs_tol=GPS_TOL) for e, a in zip(expected, actual))
    return math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=1e-12)


# -- the report ----------------------------------------------------------------------------


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

    def add(self, name: str, reference: Fields, tool: Fields) -> None:
        if name in reference and name in tool:
            if same_value(name, reference[name], tool[name]):
                self.agree += 1
            else:
                self.disagree += 1
        elif name in reference:
            self.only_reference += 1
        elif name in tool:
            self.only_tool += 1


@dataclass
class PeerResult:
    """One tool: availability, per-file median time, throughput, errors, agreement with Pillow."""

    tool: str
    available: bool
    reason: str | None = None
    version: str | None = None
    files: int = 0
    errors: int = 0
    median_ms: float | None = None
    throughput_fps: float | None = None
    agreement: dict[str, FieldAgreement] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def agreement_rate(self) -> float | None:
        """Share of compared (file, field) pairs that agree; ``None`` when nothing was compared."""
        compared = sum(a.compared for a in self.agreement.values())
        return sum(a.agree for a in self.agreement.values()) / compared if compared else None


@dataclass
class PeersReport:
    """All tools measured in one run on the same files."""

    files: int
    repeats: int
    peers: list[PeerResult]
    reference: str = REFERENCE

    def peer(self, tool: str) -> PeerResult:
        for result in self.peers:
            if result.tool == tool:
                return result
        raise KeyError(tool)

    def speedup(self, tool: str) -> float | None:
        """How many times faster than the reference ``tool`` is per file (median over medians)."""
        mine, ref = self.peer(tool).median_ms, self.peer(self.reference).median_ms
        return ref / mine if mine and ref else None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any) -> PeersReport:
        """Rebuild a report saved by :meth:`to_dict`; a wrong schema is a user error."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ExifbenchError(f"not a peers report: expected schema {SCHEMA!r}")
        try:
            peers = [
                PeerResult(**{**p, "agreement": {k: FieldAgreement(**v) for k, v in p["agreement"].items()}})
                for p in data["peers"]
            ]
            return cls(files=data["files"], repeats=data["repeats"], peers=peers, reference=data["reference"])
        except (KeyError, TypeError, AttributeError) as exc:
            raise ExifbenchError(f"malformed peers report: {exc}") from None


# -- the tools -------------------------------------------------------------------------


class Peer(NamedTuple):
    """A tool under test: read a path (may raise) and pull FIELDS out of what it read."""

    name: str
    read: Callable[[str], Any]
    fields: Callable[[Any], Fields]
    version: str | None = None


class ExiftoolBatch:
    """One ``exiftool -stay_open True -@ -`` process answering one JSON object per path."""

    def __init__(self, executable: str) -> None:
        self._proc = subprocess.Popen(
            [executable, "-stay_open", "True", "-@", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            self.version = self._run(["-ver"]).strip()
        except (OSError, RuntimeError):
            self.close()
            raise

    def _run(self, args: list[str]) -> str:
        stdin: IO[bytes] | None = self._proc.stdin
        stdout: IO[bytes] | None = self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(b"".join(os.fsencode(arg) + b"\n" for arg in [*args, "-execute"]))
        stdin.flush()
        lines: list[bytes] = []
        while (line := stdout.readline()) and line.rstrip() != b"{ready}":
            lines.append(line)
        if not line:
            raise RuntimeError("exiftool exited")
        return b"".join(lines).decode("utf-8", "replace")

    def read(self, path: str) -> dict[str, Any]:
        """The EXIF tags of ``path``; raises on an exiftool error or no JSON."""
        out = self._run([*EXIFTOOL_ARGS, "./" + path if path.startswith("-") else path])
        errors = [line for line in out.splitlines() if line.startswith("Error")]
        start, end = out.find("["), out.rfind("]")
        if errors or start < 0 or end < start:
            raise RuntimeError(errors[0] if errors else "exiftool gave no JSON")
        result = json.loads(out[start : end + 1])
        return result[0] if result else {}

    def close(self) -> None:
        if self._proc.stdin is not None and self._proc.poll() is None:
            try:
                self._proc.stdin.write(b"-stay_open\nFalse\n")
                self._proc.stdin.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def _exifread_peer() -> Peer | str:
    try:
        import exifread
    except ImportError:
        return "exifread not installed (pip install exifread)"

    def read(path: str) -> dict[str, Any]:
        with open(path, "rb") as fh:
            return exifread.process_file(fh, details=False)

    return Peer("exifread", read, exifread_fields, getattr(exifread, "__version__", None))


@contextmanager
def open_peers() -> Iterator[tuple[list[Peer], list[PeerResult]]]:
    """The available tools (Pillow first) and a result for each unavailable one."""
    peers = [
        Peer(REFERENCE, pillow_exif, pillow_fields, PIL.__version__),
        Peer("fastpath", fastpath_exif, pillow_fields, PIL.__version__),
    ]
    missing: list[PeerResult] = []
    exifread_peer = _exifread_peer()
    if isinstance(exifread_peer, str):
        missing.append(PeerResult("exifread", available=False, reason=exifread_peer))
    else:
        peers.append(exifread_peer)
    executable = shutil.which("exiftool")
    batch: ExiftoolBatch | None = None
    if executable is None:
        missing.append(PeerResult("exiftool", available=False, reason=EXIFTOOL_MISSING))
    else:
        try:
            batch = ExiftoolBatch(executable)
        except (OSError, RuntimeError) as exc:
            missing.append(PeerResult("exiftool", available=False, reason=f"exiftool failed to start: {exc}"))
        else:
            peers.append(Peer("exiftool", batch.read, exiftool_fields, batch.version))
    try:
        yield peers, missing
    finally:
        if batch is not None:
            batch.close()


@contextmanager
def _quiet_exifread() -> Iterator[None]:
    """exifread logs a warning per odd tag; keep the benchmark's console clean."""
    logger = logging.getLogger("exifread")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def measure_peers(paths: list[str], repeats: int = 3) -> PeersReport:
    """Time every available tool on every path, interleaved, and compare its fields with Pillow's.

    A first untimed pass warms the cache and records each tool's output (errors,
    agreement, the fast path's fall-backs); then ``repeats`` timed rounds follow.
    """
    if repeats < 1:
        raise ExifbenchError("repeats must be at least 1")
    with open_peers() as (peers, missing), _quiet_exifread():
        outputs = {peer.name: [_outcome(peer.read, path) for path in paths] for peer in peers}
        fallbacks = dict(Counter(reason for path in paths if (reason := ExifReader("fastpath")(path).fallback)))
        times: dict[str, list[list[int]]] = {peer.name: [[] for _ in paths] for peer in peers}
        for round_no in range(repeats):
            for i, path in enumerate(paths):
                shift = (i + round_no) % len(peers)
                for peer in peers[shift:] + peers[:shift]:
                    start = now_ns()
                    try:
                        peer.read(path)
                    except Exception:  # counted in the untimed pass
                        pass
                    times[peer.name][i].append(now_ns() - start)
    reference = outputs[REFERENCE]
    results = [_result(peer, outputs[peer.name], reference, times[peer.name]) for peer in peers]
    fast = next(r for r in results if r.tool == "fastpath")
    fast.extra["fallbacks"] = fallbacks
    fast.extra["identical_dicts"] = sum(
        not isinstance(a, BaseException) and not isinstance(b, BaseException) and values_equal(a, b)
        for a, b in zip(reference, outputs["fastpath"])
    )
    for result in results:
        if result.tool == "exiftool":
            result.extra["args"] = list(EXIFTOOL_ARGS)
    return PeersReport(files=len(paths), repeats=repeats, peers=results + missing)


def _outcome(read: Callable[[str], Any], path: str) -> Any:
    try:
        return read(path)
    except Exception as exc:
        return exc


def _result(peer: Peer, outputs: list[Any], reference: list[Any], times: list[list[int]]) -> PeerResult:
    per_file_ms = [median(samples) / 1e6 for samples in times]
    agreement = {name: FieldAgreement() for name in FIELDS}
    for mine, ref in zip(outputs, reference):
        if isinstance(mine, BaseException) or isinstance(ref, BaseException):
            continue
        mine_fields, ref_fields = peer.fields(mine), pillow_fields(ref)
        for name in FIELDS:
            agreement[name].add(name, ref_fields, mine_fields)
    total_s = sum(per_file_ms) / 1000
    return PeerResult(
        tool=peer.name,
        available=True,
        version=peer.version,
        files=len(outputs),
        errors=sum(isinstance(out, BaseException) for out in outputs),
        median_ms=median(per_file_ms) if per_file_ms else None,
        throughput_fps=len(per_file_ms) / total_s if total_s else None,
        agreement=agreement,
    )
