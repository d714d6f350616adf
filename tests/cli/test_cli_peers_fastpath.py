"""``run --extractor fastpath`` and ``exifbench peers`` from the command line, on real corpus files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app

runner = CliRunner()


def test_run_with_the_fast_path_is_equal_and_counts_fallbacks(corpus_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    shutil.copytree(corpus_dir / "jpg" / "gps", photos)
    shutil.copyfile(corpus_dir / "tiff" / "Arbitro.tiff", photos / "Arbitro.tiff")
    shutil.copyfile(corpus_dir / "jpg" / "tests" / "45-gps_ifd.jpg", photos / "mpo.jpg")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync,process", "--workers", "2", "--extractor", "fastpath",
                                 str(photos), "--json", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    n = len([p for p in photos.iterdir() if p.name != "README"])  # the GPS photos, the TIFF, the MPO
    assert f"fastpath fell back to Pillow on 1 of {n} files: mpo 1" in result.output
    for run in json.loads(out.read_text())["runs"]:
        assert run["equality"] == {"checked": n, "equal": n, "mismatches": [], "unverified": [], "baseline_exif": n - 1}  # TIFF: {}
        assert run["config"]["fastpath_fallbacks"] == {"files": n, "mpo": 1}


def test_unknown_extractor_is_a_user_error(corpus_copy: Path) -> None:
    result = runner.invoke(app, ["run", "--extractor", "turbo", str(corpus_copy)])
    assert result.exit_code == 2 and "unknown extractor 'turbo'" in result.output


def test_peers_with_exiftool_absent(corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    photos = tmp_path / "photos"
    shutil.copytree(corpus_dir / "jpg" / "gps", photos)
    out = tmp_path / "peers.json"
    result = runner.invoke(app, ["peers", str(photos), "--repeats", "1", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "libimage-exiftool-perl" in result.output
    doc = json.loads(out.read_text())
    tools = {peer["tool"]: peer for peer in doc["peers"]}
    assert doc["schema"] == "exifbench.peers/1" and doc["files"] == len(list((corpus_dir / "jpg" / "gps").glob("*.jpg")))
    assert list(tools) == ["pillow", "fastpath", "exifread", "exiftool"]
    assert tools["exiftool"]["available"] is False
    assert tools["fastpath"]["errors"] == 0 and tools["fastpath"]["median_ms"] > 0


def test_both_extractors_in_one_run_label_the_fast_path_variants(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync,threadpool", "--extractor", "pillow,fastpath", "--repeat", "2",
                                 str(corpus_copy), "--json", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    runs = json.loads(out.read_text())["runs"]
    labels = ["sync", "sync+fastpath", "threadpool", "threadpool+fastpath"]
    assert [run["strategy"] for run in runs] == labels * 2  # interleaved across repeats
    assert [run["config"]["extractor"] for run in runs[:4]] == ["pillow", "fastpath"] * 2
    assert all(run["equality"]["checked"] == run["equality"]["equal"] > 0 for run in runs)
    assert "vs sync" in " ".join(result.output.split()) and "sync+fastpath" in result.output


def test_peers_through_a_storage_profile_on_a_real_mount(corpus_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("jpg/gps/DSCN0010.jpg", "jpg/Canon_40D.jpg", "tiff/Arbitro.tiff"):
        shutil.copyfile(corpus_dir / name, photos / Path(name).name)
    out = tmp_path / "peers.json"
    result = runner.invoke(app, ["peers", str(photos), "--storage", "nfs", "--repeats", "1", "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["context"]["via"] == "fuse" and doc["context"]["storage"].startswith("nfs")
    tools = {peer["tool"]: peer for peer in doc["peers"]}
    assert tools["fastpath"]["extra"]["identical_dicts"] == 3
    assert tools["pillow"]["mean_ms"] >= 0.5  # at least one 0.5 ms request per file, charged by the mount


def test_a_saved_peers_report_re_renders(corpus_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    shutil.copytree(corpus_dir / "jpg" / "gps", photos)
    saved = tmp_path / "peers.json"
    assert runner.invoke(app, ["peers", str(photos), "--repeats", "1", "--json", str(saved)]).exit_code == 0
    result = runner.invoke(app, ["report", str(saved), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "as many files per second as pillow" in result.output
    assert (tmp_path / "out" / "peers.md").read_text().startswith("# EXIF readers side by side")


def test_peers_on_an_empty_folder_is_a_user_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["peers", str(tmp_path)])
    assert result.exit_code == 2 and "no images found" in result.output
