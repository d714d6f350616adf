"""Every file and folder exifbench writes honours the umask (no 0600 reports nobody else can read)."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.embedded import CACHE_ENV, default_dataset
from exifbench.files import write_atomic

UMASKS = [0o022, 0o027, 0o002]


@pytest.fixture(params=UMASKS, ids=oct)
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_get_the_umask_mode(umask: int, tmp_path: Path) -> None:
    new = write_atomic(tmp_path / "new.json", "{}")
    replaced = tmp_path / "old.json"
    replaced.write_text("old")
    replaced.chmod(0o600)
    write_atomic(replaced, "{}")
    assert mode(new) == mode(replaced) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", "old.json"]  # no temporary left behind


@pytest.mark.parametrize("umask", [0o027], indirect=True, ids=oct)
def test_run_outputs_are_readable_as_the_umask_says(umask: int, corpus_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("Canon_40D.jpg", "Nikon_D70.jpg"):
        shutil.copyfile(corpus_dir / "jpg" / name, photos / name)
    out, doc = tmp_path / "out", tmp_path / "results" / "run.json"
    result = CliRunner().invoke(app, ["run", "-s", "sync", str(photos), "--json", str(doc), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [doc, *out.iterdir()]
    assert {"results.json", "report.html", "summary.md"} <= {p.name for p in written}
    assert {p.name: mode(p) for p in written} == {p.name: 0o666 & ~umask for p in written}
    assert mode(out) == mode(doc.parent) == 0o777 & ~umask


def test_the_embedded_dataset_folder_honours_the_umask(umask: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    folder = default_dataset(count=2)
    assert mode(folder) == 0o777 & ~umask
    assert {mode(p) for p in folder.iterdir()} == {0o666 & ~umask}
