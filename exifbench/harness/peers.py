"""Peers: Pillow, the fast path, exifread and exiftool timed on the same files; the report is a document.

The in-process tools are interleaved per file (their order rotating per file and round) so cache
and clock drift hit all alike; exiftool, an external process, is timed in its own block after
them (interleaving it cools the in-process tools' caches: +35% on Pillow). Each tool's key fields
are compared with Pillow's (the reference): Make, Model, DateTimeOriginal, ExposureTime, FNumber,
ISO, Orientation and the GPS position in decimal degrees; the fast path's whole dicts are compared
strictly, and its fall-backs are counted from its own reads.
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
from contextlib import contextmanager, nullcontext
from typing import IO, Any, NamedTuple

import PIL

from exifbench import __version__
from exifbench.reports.statistics import median
from exifbench.datasets import Dataset
from exifbench.datasets.storage.mount import mounted
from exifbench.reports.documents.peers import INTERLEAVED, OWN_BLOCK, REFERENCE, FieldAgreement, PeerResult, PeersReport
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifReader, describe_error
from exifbench.strategies.extractors.fastpath import fastpath_exif
from exifbench.strategies.extractors.pillow import pillow_exif
from exifbench.harness.equality import values_equal
from exifbench.datasets.patterns.clock import now_ns

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
    d, m, sec = (_number(part) for part in dms)
    if d is None or m is None or sec is None:
        return None
    degrees = d + m / 60 + sec / 3600
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


def tally(agreement: FieldAgreement, name: str, reference: Fields, tool: Fields) -> None:
    """Count one file's ``name`` field: equal, different, or present on one side only."""
    if name in reference and name in tool:
        if same_value(name, reference[name], tool[name]):
            agreement.agree += 1
        else:
            agreement.disagree += 1
    elif name in reference:
        agreement.only_reference += 1
    elif name in tool:
        agreement.only_tool += 1


# -- the tools -------------------------------------------------------------------------


class Outcome(NamedTuple):
    """What a tool gave for one file in the untimed pass: its output, the error (if any), the fall-back (if any)."""

    value: Any
    error: str | None = None
    fallback: str | None = None


class Peer(NamedTuple):
    """A tool under test: read a path (timed; may raise), pull FIELDS out of what it read, how it is timed.

    ``first_read`` (untimed, never raises) gives the outcome compared and counted; by default it wraps ``read``.
    """

    name: str
    read: Callable[[str], Any]
    fields: Callable[[Any], Fields]
    version: str | None = None
    timing: str = INTERLEAVED
    first_read: Callable[[str], Outcome] | None = None

    def outcome(self, path: str) -> Outcome:
        if self.first_read is not None:
            return self.first_read(path)
        try:
            return Outcome(self.read(path))
        except Exception as exc:
            return Outcome(None, describe_error(exc))


def _through(reader: ExifReader) -> Callable[[str], Outcome]:
    """The untimed outcome of an exifbench extractor: its read, with the original's error and fall-back reason."""

    def first_read(path: str) -> Outcome:
        read = reader(path)
        return Outcome(read.exif, read.error, read.fallback)

    return first_read


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
    """The available tools (Pillow first, exiftool last) and a result for each unavailable one."""
    peers = [
        Peer(REFERENCE, pillow_exif, pillow_fields, PIL.__version__, first_read=_through(ExifReader("pillow"))),
        Peer("fastpath", fastpath_exif, pillow_fields, f"exifbench {__version__}", first_read=_through(ExifReader("fastpath"))),
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
        missing.append(PeerResult("exiftool", available=False, reason=EXIFTOOL_MISSING, timing=OWN_BLOCK))
    else:
        try:
            batch = ExiftoolBatch(executable)
        except (OSError, RuntimeError) as exc:
            reason = f"exiftool failed to start: {describe_error(exc)}"
            missing.append(PeerResult("exiftool", available=False, reason=reason, timing=OWN_BLOCK))
        else:
            peers.append(Peer("exiftool", batch.read, exiftool_fields, batch.version, OWN_BLOCK))
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


def measure_peers(paths: list[str], repeats: int = 3, context: dict[str, Any] | None = None) -> PeersReport:
    """Time every available tool on every path and compare what it read with Pillow's.

    A first untimed pass warms the cache and records each tool's outcome (errors, agreement,
    the fast path's fall-backs and identical dicts); then ``repeats`` timed rounds follow, the
    in-process tools interleaved per file, then exiftool's rounds in their own block.
    """
    if repeats < 1:
        raise ExifbenchError("repeats must be at least 1")
    if not paths:
        raise ExifbenchError("peers: no files to read")
    with open_peers() as (peers, missing), _quiet_exifread():
        interleaved = [peer for peer in peers if peer.timing == INTERLEAVED]
        outcomes = {peer.name: [peer.outcome(path) for path in paths] for peer in interleaved}
        times: dict[str, list[list[int]]] = {peer.name: [[] for _ in paths] for peer in peers}
        for round_no in range(repeats):
            for i, path in enumerate(paths):
                shift = (i + round_no) % len(interleaved)
                for peer in interleaved[shift:] + interleaved[:shift]:
                    times[peer.name][i].append(_time_ns(peer.read, path))
        for peer in peers:
            if peer.timing == OWN_BLOCK:  # after the in-process tools, never between their reads
                outcomes[peer.name] = [peer.outcome(path) for path in paths]
                for _ in range(repeats):
                    for i, path in enumerate(paths):
                        times[peer.name][i].append(_time_ns(peer.read, path))
    reference = outcomes[REFERENCE]
    results = [_result(peer, outcomes[peer.name], reference, times[peer.name]) for peer in peers]
    fast = next(r for r in results if r.tool == "fastpath")
    fast.extra["fallbacks"] = dict(sorted(Counter(o.fallback for o in outcomes["fastpath"] if o.fallback).items()))
    fast.extra["identical_dicts"] = sum(map(_identical, reference, outcomes["fastpath"]))
    fast.extra["pillow"] = PIL.__version__
    for result in results:
        if result.tool == "exiftool":
            result.extra["args"] = list(EXIFTOOL_ARGS)
    return PeersReport(files=len(paths), repeats=repeats, peers=results + missing, context=dict(context or {}))


def _time_ns(read: Callable[[str], Any], path: str) -> int:
    start = now_ns()
    try:
        read(path)
    except Exception:  # the outcome was recorded in the untimed pass
        pass
    return now_ns() - start


def _identical(expected: Outcome, actual: Outcome) -> bool:
    """The same dict (strictly: types, NaN rationals, nesting) and the same failure or success."""
    return (expected.error is None) == (actual.error is None) and values_equal(expected.value, actual.value)


def _result(peer: Peer, outcomes: list[Outcome], reference: list[Outcome], times: list[list[int]]) -> PeerResult:
    per_file_ms = [median(samples) / 1e6 for samples in times]
    agreement = {name: FieldAgreement() for name in FIELDS}
    for mine, ref in zip(outcomes, reference):
        if mine.error is None and ref.error is None:
            mine_fields, ref_fields = peer.fields(mine.value), pillow_fields(ref.value)
            for name in FIELDS:
                tally(agreement[name], name, ref_fields, mine_fields)
    return PeerResult(
        tool=peer.name,
        available=True,
        version=peer.version,
        timing=peer.timing,
        files=len(outcomes),
        errors=sum(outcome.error is not None for outcome in outcomes),
        mean_ms=sum(per_file_ms) / len(per_file_ms),
        median_ms=median(per_file_ms),
        agreement=agreement,
    )


def measure_dataset(dataset: Dataset, repeats: int = 3) -> PeersReport:
    """:func:`measure_peers` over ``dataset``'s files, read through a FUSE mount when its storage model charges.

    The tools open the files themselves, so a storage model needs the mount: without FUSE it is a user error.
    """
    if dataset.via == "in-process":
        raise ExifbenchError(f"peers: storage {dataset.storage.describe()} needs a FUSE mount, and {dataset.fallback}")
    context = {"dataset": dataset.label, "storage": dataset.storage.describe(), "via": dataset.via}
    with mounted(dataset.folder.root, dataset.storage) if dataset.via == "fuse" else nullcontext(None) as mount:
        folder = mount.folder(dataset.folder) if mount is not None else dataset.folder
        return measure_peers(folder.paths, repeats, context)
