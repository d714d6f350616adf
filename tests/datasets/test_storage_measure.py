"""storage measure: a mount of known latency and queue depth measured back, the profile replayed through the mount."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.datasets.storage.measure import load_profile, measure, queue_depth, write_profile
from exifbench.datasets.storage.model import StorageChoice, StorageModel
from exifbench.datasets.storage.mount import mounted
from exifbench.errors import ExifbenchError

LATENCY_MS = 25.0
DEPTH = 4


@pytest.fixture
def twelve(corpus_copy: Path, tmp_path: Path) -> Path:
    """Twelve of the corpus' camera JPEGs."""
    folder = tmp_path / "twelve"
    folder.mkdir()
    for src in sorted(corpus_copy.glob("*.jpg"))[:12]:
        shutil.copyfile(src, folder / src.name)
    return folder


def test_a_mount_of_known_latency_and_queue_depth_is_measured_back(twelve: Path, tmp_path: Path) -> None:
    with mounted(twelve, StorageModel(LATENCY_MS, per="open", concurrency=DEPTH, name="known")) as mount:
        found = measure(str(mount.mountpoint), scan(mount.mountpoint).paths, sample=12)
    model = found.model()
    assert abs(model.latency_ms - LATENCY_MS) <= 0.10 * LATENCY_MS, sorted(found.first_read_ms)
    assert model.concurrency == DEPTH, found.throughput
    assert found.eviction == "posix_fadvise" and found.evicted == 12 and sorted(found.throughput) == [1, 2, 4, 8, 16, 32, 64]
    profile = write_profile(found, tmp_path / "known.toml", "known")
    loaded = load_profile(profile)
    assert (loaded.per, loaded.concurrency, loaded.first_read_ms) == ("open", DEPTH, tuple(sorted(round(v, 4) for v in found.first_read_ms)))


def test_the_profile_is_replayed_through_the_mount(twelve: Path, tmp_path: Path) -> None:
    profile = tmp_path / "disk.toml"
    profile.write_text('[storage]\nname = "disk"\nper = "open"\nlatency_ms = 12.0\nconcurrency = 2\n'
                       "first_read_ms = [8.0, 12.0, 16.0]\n")  # fmt: skip
    model = StorageChoice(str(profile)).model(embedded=False)
    assert model.delay_ms("a.jpg") == model.delay_ms("a.jpg") in (8.0, 12.0, 16.0)  # deterministic per file
    assert {model.delay_ms(f"{i}.jpg") for i in range(40)} == {8.0, 12.0, 16.0}  # drawn from the distribution
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["run", "-s", "sync", "--storage", str(profile), str(twelve), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "storage disk: measured first reads 12 ms median (8–16 ms) per file open, queue depth 2" in result.output
    run = json.loads(out.read_text())
    assert run["config"]["storage_via"] == "fuse" and run["config"]["storage_model"]["first_read_ms"] == [8.0, 12.0, 16.0]
    assert run["blocking"]["total_s"] >= run["files_touched"] * 0.008  # every first read paid at least the fastest


def test_a_bad_profile_is_one_line_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[storage]\nper = "open"\nlatency = 3\n')
    with pytest.raises(ExifbenchError, match=r"--storage .*bad.toml: unknown key\(s\) in \[storage\]: latency"):
        load_profile(bad)
    bad.write_text("[measured]\nfiles = 3\n")
    with pytest.raises(ExifbenchError, match=r"no \[storage\] table"):
        load_profile(bad)
    bad.write_text('[storage]\nfirst_read_ms = ["x"]\n')
    with pytest.raises(ExifbenchError, match=r"first_read_ms must hold numbers"):
        load_profile(bad)


def test_where_eviction_is_impossible_it_says_so(twelve: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "posix_fadvise")
    found = measure(str(twelve), scan(twelve).paths, sample=4, levels=(1, 2))
    assert found.evicted == 0 and "no posix_fadvise" in found.eviction


def test_queue_depth_is_littles_law_on_the_plateau() -> None:
    assert queue_depth({1: 40.0, 2: 80.0, 4: 160.0, 8: 165.0, 16: 163.0}, 25.0) == 4
    assert queue_depth({1: 40.0, 2: 80.0, 4: 160.0, 8: 320.0}, 25.0) == 0  # still growing: no limit found
    assert queue_depth({1: 40.0, 2: 41.0}, 25.0) == 1
