"""The CLI's basics: --version, -h, help text people can read, the strategies list, the replay line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

import exifbench
from exifbench.cli import app
from exifbench.strategies import BUILTIN, expand_names

runner = CliRunner()

COMMANDS = [["run"], ["gate"], ["decide"], ["report"], ["peers"], ["strategies"], ["datasets"], ["datasets", "synth"],
            ["datasets", "expand"], ["datasets", "scan"], ["storage"]]  # fmt: skip
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(\.\d+)?[eE][-+]?\d+(?!\w)")  # a number, not part of a hex digest


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"exifbench {exifbench.__version__}\n"


def test_every_help_answers_to_h_and_reads_cleanly() -> None:
    for command in [[], *COMMANDS]:
        result = runner.invoke(app, [*command, "-h"], prog_name="exifbench")
        assert result.exit_code == 0 and result.output.startswith("Usage: exifbench"), (command, result.output)
        assert "``" not in result.output and not SCIENTIFIC.search(result.output), (command, result.output)
        assert "666666" not in result.output and "[folder]" not in result.output, (command, result.output)
    assert "[default: 16.7, one 60 Hz frame]" in " ".join(runner.invoke(app, ["run", "-h"]).output.split())


def test_strategies_lists_each_builtin_all_and_module_class() -> None:
    result = runner.invoke(app, ["strategies"])
    assert result.exit_code == 0 and "``" not in result.output
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == [*BUILTIN, "all", "module:Class"]
    assert f"all           {', '.join(expand_names('all'))}, in that order" in result.output


def test_a_run_on_a_folder_says_what_it_replays(corpus_copy: Path) -> None:
    result = runner.invoke(app, ["run", "-s", "sync", str(corpus_copy)])
    assert result.exit_code == 0, result.output
    images = len(list(corpus_copy.iterdir()))
    first = result.output.splitlines()[0]
    assert first.startswith(f"Dataset: {images} images in {corpus_copy.resolve()}; storage ")
    assert first.endswith("; pattern startup-593: 593 calls")


def test_a_folder_of_one_image_says_1_image(corpus_dir: Path, tmp_path: Path) -> None:
    shutil.copyfile(corpus_dir / "jpg" / "Canon_40D.jpg", tmp_path / "one.jpg")
    result = runner.invoke(app, ["run", "-s", "sync", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Dataset: 1 image in {tmp_path.resolve()}; storage ")
