"""The peers report: structure, timing blocks, the document (JSON round trip, nested validation), agreement maths,
exiftool absent, broken and present (make test installs it)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import exifbench
from rich.console import Console, RenderableType

from exifbench.reports.documents import load
from exifbench.reports.documents.peers import INTERLEAVED, OWN_BLOCK, SCHEMA, FieldAgreement, PeersReport
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors.pillow import pillow_exif
from exifbench.reports.renderers.peers import render_console, render_markdown
from exifbench.harness import peers
from exifbench.harness.peers import (
    EXIFTOOL_MISSING,
    FIELDS,
    Peer,
    measure_peers,
    pillow_fields,
    same_value,
    tally,
)

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


def render(view: RenderableType, width: int = 200) -> str:
    console = Console(width=width, record=True)
    console.print(view)
    return console.export_text()


def test_report_structure_without_exiftool(photos: list[str], no_exiftool: None) -> None:
    report = measure_peers(photos, repeats=2)
    assert (report.files, report.repeats, report.reference) == (len(photos), 2, "pillow")
    assert [p.tool for p in report.peers] == ["pillow", "fastpath", "exifread", "exiftool"]

    exiftool = report.peer("exiftool")
    assert (exiftool.available, exiftool.reason, exiftool.timing) == (False, EXIFTOOL_MISSING, OWN_BLOCK)
    assert exiftool.mean_ms is None and exiftool.agreement == {}

    for tool in ("pillow", "fastpath", "exifread"):
        peer = report.peer(tool)
        assert peer.available and peer.files == len(photos) and peer.timing == INTERLEAVED
        assert peer.mean_ms is not None and peer.median_ms is not None and 0 < peer.median_ms
        assert peer.throughput_fps == pytest.approx(1000 / peer.mean_ms)
        assert set(peer.agreement) == set(FIELDS)
    assert report.peer("pillow").errors == report.peer("fastpath").errors == 1  # the junk file
    assert report.throughput_ratio("pillow") == 1.0
    assert report.peer("fastpath").version == f"exifbench {exifbench.__version__}"  # exifbench's, not Pillow's
    assert report.peer("fastpath").extra["pillow"] == report.peer("pillow").version


def test_fast_path_agrees_completely_with_pillow(photos: list[str], no_exiftool: None) -> None:
    report = measure_peers(photos, repeats=1)
    fast = report.peer("fastpath")
    assert fast.agreement_rate == 1.0
    assert fast.extra["identical_dicts"] == len(photos)  # the junk file too: {} and an error on both sides
    assert fast.extra["fallbacks"] == {"not-identified": 1}  # the junk file; the TIFF is answered by its plugin's open
    gps = report.peer("exifread").agreement["GPSPosition"]
    assert gps.agree == 1 and gps.disagree == 0


def test_report_is_a_document_saved_loaded_and_rendered(photos: list[str], no_exiftool: None, tmp_path: Path) -> None:
    report = measure_peers(photos[:2], repeats=1, context={"dataset": "two files"})
    data = json.loads(json.dumps(report.to_dict()))
    assert data["schema"] == SCHEMA and data["context"] == {"dataset": "two files"}
    assert data["peers"][-1] == {**data["peers"][-1], "available": False, "reason": EXIFTOOL_MISSING}
    assert data["peers"][0]["throughput_fps"] == report.peers[0].throughput_fps
    assert PeersReport.from_dict(data) == report
    saved = report.save(tmp_path / "peers.json")
    assert PeersReport.load(saved) == report == load(saved)  # the one loader for every document knows it


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schema": "exifbench.run/1"}, "schema"),
        ({"files": -1}, "files"),
        ({"peers": {}}, "peers"),
        ({"peers": [5]}, "peers[0]"),
        ({"peers": [{"tool": "pillow", "available": "yes"}]}, "peers[0].available"),
        ({"peers": [{"tool": "pillow", "available": True, "mean_ms": None}]}, "peers[0].mean_ms"),
        ({"peers": [{"tool": "pillow", "available": True, "mean_ms": float("inf")}]}, "peers[0].mean_ms"),
        ({"peers": [{"tool": "pillow", "available": True, "mean_ms": 1, "timing": "x"}]}, "peers[0].timing"),
        ({"peers": [{"tool": "pillow", "available": True, "mean_ms": 1, "agreement": {"Make": {"agree": "1"}}}]},
         "peers[0].agreement.Make.agree"),
        ({"peers": [{"tool": "fastpath", "available": True, "mean_ms": 1}]}, "reference"),
    ],
)
def test_bad_nested_fields_are_one_line_naming_the_field(change: dict[str, object], field: str) -> None:
    good = {"schema": SCHEMA, "files": 1, "repeats": 1, "reference": "pillow",
            "peers": [{"tool": "pillow", "available": True, "mean_ms": 0.2, "median_ms": 0.2}]}  # fmt: skip
    assert PeersReport.from_dict(good).peer("pillow").throughput_fps == pytest.approx(5000)
    with pytest.raises(ExifbenchError, match=re.escape(field)) as caught:
        PeersReport.from_dict({**good, **change})
    assert "\n" not in str(caught.value)


def test_console_and_markdown_lead_with_throughput_and_show_exiftool_apart(photos: list[str], no_exiftool: None) -> None:
    report = measure_peers(photos[:2], repeats=1)
    for text in (render(render_console(report)), render_markdown(report)):
        assert "as many files per second as pillow" in text and "higher is better" in text
        assert text.index("files/s") < text.index("mean") < text.index("median")
        assert text.index("In-process readers") < text.index("Own block") < text.index("unavailable: exiftool")
        assert "fastpath (exifbench" in text and "reference" in text


def test_console_fits_80_columns_with_tool_names_whole_and_ratios_in_words(photos: list[str]) -> None:
    report = measure_peers(photos[:2], repeats=1)
    lines = render(render_console(report), width=80).splitlines()
    assert max(len(line) for line in lines) <= 80 and not any("…" in line for line in lines)
    rows = {line.split()[0]: line for line in lines if line.split()[:1] in (["pillow"], ["fastpath"], ["exifread"])}
    assert "reference" in rows["pillow"] and re.search(r"[\d.,]+× (faster|slower)|about the same", rows["fastpath"])
    assert any(line.strip() == f"({report.peer('fastpath').version})" for line in lines)  # the version under the name


def test_headline_is_the_first_line(photos: list[str], no_exiftool: None) -> None:
    report = measure_peers(photos[:2], repeats=1)
    assert render(render_console(report)).startswith("fastpath (exifbench")
    assert render_markdown(report).splitlines()[2].startswith("fastpath (exifbench")


def test_exiftool_is_timed_in_its_own_block_after_the_others(photos: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[str] = []

    def tool(name: str) -> Peer:
        def read(path: str) -> dict[str, str]:
            log.append(name)
            return {}

        return Peer(name, read, lambda _: {}, timing=OWN_BLOCK if name == "exiftool" else INTERLEAVED)

    @contextmanager
    def fake_peers() -> Iterator[tuple[list[Peer], list[object]]]:
        yield [tool("pillow"), tool("fastpath"), tool("exiftool")], []

    monkeypatch.setattr(peers, "open_peers", fake_peers)
    report = measure_peers(photos, repeats=2)
    first_exiftool = log.index("exiftool")
    assert set(log[:first_exiftool]) == {"pillow", "fastpath"} and set(log[first_exiftool:]) == {"exiftool"}
    assert log.count("exiftool") == log.count("pillow") == len(photos) * 3  # untimed pass + 2 rounds
    assert report.peer("exiftool").timing == OWN_BLOCK


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
    tally(agreement, "FNumber", {"FNumber": 5.6}, {"FNumber": 5.6000000001})
    tally(agreement, "FNumber", {"FNumber": 5.6}, {"FNumber": 4.0})
    tally(agreement, "FNumber", {"FNumber": 5.6}, {})
    tally(agreement, "FNumber", {}, {"FNumber": 5.6})
    tally(agreement, "FNumber", {}, {})
    assert (agreement.agree, agreement.disagree, agreement.only_reference, agreement.only_tool) == (1, 1, 1, 1)
    assert same_value("GPSPosition", (10.0, 20.0), (10.0000001, 19.9999999))
    assert not same_value("GPSPosition", (10.0, 20.0), (10.001, 20.0))
    assert not same_value("Make", "Canon", "canon")


def test_exiftool_batch_mode(photos: list[str]) -> None:
    assert shutil.which("exiftool"), "exiftool missing: make test installs Debian's libimage-exiftool-perl"
    report = measure_peers(photos, repeats=1)
    exiftool = report.peer("exiftool")
    assert exiftool.available and exiftool.version and exiftool.timing == OWN_BLOCK
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
