"""The peers report: structure, JSON round trip, agreement maths, exiftool absent (and present when installed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from exifbench.errors import ExifbenchError
from exifbench.extractors.pillow import pillow_exif
from exifbench.workflows import peers
from exifbench.workflows.peers import (
    EXIFTOOL_MISSING,
    FIELDS,
    SCHEMA,
    FieldAgreement,
    PeersReport,
    measure_peers,
    pillow_fields,
    same_value,
)
from exifbench.renderers.peers import render_table

FILES = ["jpg/Canon_40D.jpg", "jpg/gps/DSCN0010.jpg", "jpg/orientation/portrait_6.jpg", "tiff/Arbitro.tiff"]


@pytest.fixture
def photos(corpus_dir: Path, tmp_path: Path) -> list[str]:
    """Copies of a few corpus files plus one file no reader can parse as an image."""
    paths = []
    for name in FILES:
        dst = tmp_path / name.replace("/", "_")
        shutil.copyfile(corpus_dir / name, dst)
        paths.append(str(dst))
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not a photo")
    return [*paths, str(junk)]


@pytest.fixture
def no_exiftool(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *args: None if name == "exiftool" else real_which(name, *args))


def render(table: Table) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_report_structure_without_exiftool(photos: list[str], no_exiftool: None) -> None:
    report = measure_peers(photos, repeats=2)
    assert (report.files, report.repeats, report.reference) == (len(photos), 2, "pillow")
    assert [p.tool for p in report.peers] == ["pillow", "fastpath", "exifread", "exiftool"]

    exiftool = report.peer("exiftool")
    assert (exiftool.available, exiftool.reason) == (False, EXIFTOOL_MISSING)
    assert exiftool.median_ms is None and exiftool.agreement == {}

    for tool in ("pillow", "fastpath", "exifread"):
        peer = report.peer(tool)
        assert peer.available and peer.files == len(photos)
        assert peer.median_ms is not None and peer.median_ms > 0
        assert peer.throughput_fps is not None and peer.throughput_fps > 0
        assert set(peer.agreement) == set(FIELDS)
    assert report.peer("pillow").errors == report.peer("fastpath").errors == 1  # the junk file
    assert report.speedup("pillow") == 1.0


def test_fast_path_agrees_completely_with_pillow(photos: list[str], no_exiftool: None) -> None:
    report = measure_peers(photos, repeats=1)
    fast = report.peer("fastpath")
    assert fast.agreement_rate == 1.0
    assert fast.extra["identical_dicts"] == len(photos) - 1  # all but the junk file
    assert fast.extra["fallbacks"] == {"not-jpeg": 2}  # the TIFF and the junk file
    gps = report.peer("exifread").agreement["GPSPosition"]
    assert gps.agree == 1 and gps.disagree == 0


def test_report_json_round_trip(photos: list[str], no_exiftool: None) -> None:
    report = measure_peers(photos[:2], repeats=1)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["schema"] == SCHEMA
    assert data["peers"][-1] == {**data["peers"][-1], "available": False, "reason": EXIFTOOL_MISSING}
    assert PeersReport.from_dict(data) == report


def test_from_dict_rejects_other_documents() -> None:
    with pytest.raises(ExifbenchError, match="schema"):
        PeersReport.from_dict({"schema": "exifbench.run/1"})
    with pytest.raises(ExifbenchError, match="malformed"):
        PeersReport.from_dict({"schema": SCHEMA, "files": 1})


def test_table_shows_every_tool_and_why_exiftool_is_missing(photos: list[str], no_exiftool: None) -> None:
    table = render_table(measure_peers(photos[:2], repeats=1))
    assert table.row_count == 4
    text = render(table)
    assert "unavailable: exiftool not installed" in text
    assert "reference" in text


def test_repeats_must_be_positive(photos: list[str]) -> None:
    with pytest.raises(ExifbenchError):
        measure_peers(photos, repeats=0)


def test_pillow_fields_decode_gps_and_strip_strings(corpus_dir: Path) -> None:
    fields = pillow_fields(pillow_exif(str(corpus_dir / "jpg/gps/DSCN0010.jpg")))
    assert fields["Make"] == "NIKON"
    lat, lon = fields["GPSPosition"]
    assert lat == pytest.approx(43.46744833, abs=1e-6) and lon == pytest.approx(11.88512667, abs=1e-6)
    assert fields["ExposureTime"] == pytest.approx(1 / 75)
    south_west = pillow_fields({"GPSInfo": {1: "S", 2: (1, 30, 0), 3: "W", 4: (2, 0, 36)}, "Model": "X \0"})
    assert south_west == {"GPSPosition": (-1.5, -2.01), "Model": "X"}


def test_agreement_counts_and_tolerances() -> None:
    agreement = FieldAgreement()
    agreement.add("FNumber", {"FNumber": 5.6}, {"FNumber": 5.6000000001})
    agreement.add("FNumber", {"FNumber": 5.6}, {"FNumber": 4.0})
    agreement.add("FNumber", {"FNumber": 5.6}, {})
    agreement.add("FNumber", {}, {"FNumber": 5.6})
    agreement.add("FNumber", {}, {})
    assert (agreement.agree, agreement.disagree, agreement.only_reference, agreement.only_tool) == (1, 1, 1, 1)
    assert same_value("GPSPosition", (10.0, 20.0), (10.0000001, 19.9999999))
    assert not same_value("GPSPosition", (10.0, 20.0), (10.001, 20.0))
    assert not same_value("Make", "Canon", "canon")


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed")
def test_exiftool_batch_mode_when_installed(photos: list[str]) -> None:
    report = measure_peers(photos, repeats=1)
    exiftool = report.peer("exiftool")
    assert exiftool.available and exiftool.version
    assert exiftool.median_ms is not None and exiftool.median_ms > 0
    assert exiftool.agreement["Make"].agree >= 2
    assert exiftool.agreement["GPSPosition"].agree == 1
    assert peers.EXIFTOOL_ARGS == tuple(exiftool.extra["args"])


def test_exiftool_that_dies_at_start_is_reported_unavailable(
    photos: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "exiftool"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *args: str(broken) if name == "exiftool" else real_which(name, *args))
    exiftool = measure_peers(photos[:1], repeats=1).peer("exiftool")
    assert not exiftool.available
    assert exiftool.reason is not None and exiftool.reason.startswith("exiftool failed to start: ")
