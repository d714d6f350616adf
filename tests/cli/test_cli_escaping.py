"""File and user strings are printed as text: rich markup inert, control characters visible."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.escape import shown, visible

runner = CliRunner()

GOOD = "jpg/Canon_40D.jpg"
HOSTILE_BAD = ["IMG_0001 [edited].jpg", "\x1b[31mred.jpg", "new\nresults written to forged.jpg", ":thumbs_up:.jpg"]


@pytest.fixture
def hostile(corpus_dir: Path, tmp_path: Path) -> Path:
    """A folder whose own name and entries are markup, escapes and newlines; the bad files fail to parse."""
    root = tmp_path / "photos [edited]"
    (root / "[").mkdir(parents=True)
    shutil.copyfile(corpus_dir / GOOD, root / "[" / "].jpg")
    shutil.copyfile(corpus_dir / GOOD, root / "plain.jpg")
    for name in HOSTILE_BAD:
        (root / name).write_bytes(b"not an image")
    (root / "b[").mkdir()
    os.symlink(root / "gone.jpg", root / "b[" / "].jpg")
    return root


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_visible_spells_control_characters_and_shown_escapes_markup() -> None:
    assert visible("a\nb\x1b[31m\u202e\udcff\t") == "a\\nb\\x1b[31m\\u202e\\udcff\\t"
    assert visible("IMG [edited] é 日本.jpg") == "IMG [edited] é 日本.jpg"
    assert shown("[/].jpg") == "\\[/].jpg"


def test_run_prints_hostile_names_whole_and_inert(hostile: Path, tmp_path: Path) -> None:
    (tmp_path / "[").mkdir()
    json_path = tmp_path / "[" / "]out.json"
    result = runner.invoke(app, ["run", "-s", "sync", "--io-latency", "0", str(hostile), "--json", str(json_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "\x1b" not in out
    assert "IMG_0001 [edited].jpg" in out
    assert "\\x1b[31mred.jpg" in out
    assert "new\\nresults written to forged.jpg" in out
    assert ":thumbs_up:.jpg" in out
    assert "b[/].jpg: broken symlink" in out
    assert [line for line in lines(out) if line.startswith("results written to")] == [f"results written to {json_path}"]
    assert json_path.is_file()


def test_mismatches_show_values_as_text(hostile: Path) -> None:
    result = runner.invoke(app, ["run", "-s", "tests.user_loaders:HostileValueLoader", "--no-reference", "--io-latency", "0", str(hostile)])
    assert result.exit_code in (0, 1), result.output
    mismatches = [line for line in lines(result.output) if line.startswith("mismatch")]
    assert mismatches and "\x1b" not in result.output
    assert all(line.startswith(f"mismatch tests.user_loaders:HostileValueLoader {hostile}/") for line in mismatches)
    assert any(line.endswith("Make: expected 'Canon', got '[/red]\\x1b[2J[bold]forged'") for line in mismatches)


def test_user_errors_with_markup_in_paths_are_one_line(hostile: Path, tmp_path: Path) -> None:
    pattern = tmp_path / "[" / "]p.json"
    cases = [
        (["run", "--pattern", str(pattern), str(hostile)], f"{pattern}: cannot read pattern"),
        (["run", str(tmp_path / "no[/]ne\nerror: forged")], "no[/]ne\\nerror: forged: no such folder"),
        (["peers", str(tmp_path / "missing [/x]")], "missing [/x]: no such folder"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert lines(result.output) == [f"error: {message}"] or message in result.output and len(lines(result.output)) == 1


def test_datasets_scan_shows_the_root_and_skipped_entries(hostile: Path) -> None:
    result = runner.invoke(app, ["datasets", "scan", str(hostile)])
    assert result.exit_code == 0, result.output
    assert f"6 images in {hostile}: 6 jpg" in result.output
    assert "b[/].jpg: broken symlink" in result.output


def test_peers_on_an_empty_folder_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not an image", encoding="utf-8")
    result = runner.invoke(app, ["peers", str(tmp_path / "empty")])
    assert result.exit_code == 2, result.output
    assert lines(result.output) == [f"error: {tmp_path / 'empty'}: no images found"]


@pytest.mark.filterwarnings("error::UserWarning")  # matplotlib warns of a control character it cannot draw
def test_report_prints_and_plots_a_hostile_strategy_name_inert(tmp_path: Path) -> None:
    from exifbench.reports.documents.runs import RunSet
    from tests.slow_strategies import fake_run

    evil = "evil\x1b[31m[/x] $\\undefined{$\nresults written to /etc:Loader"  # rich markup, mathtext, ANSI, a newline
    document = tmp_path / "r.json"
    RunSet([fake_run(name, blocking, i) for i in range(2) for name, blocking in (("sync", 0.5), (evil, 0.01))]).save(document)
    result = CliRunner().invoke(app, ["report", str(document), "--out", str(tmp_path / "out")], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\nresults written to" not in result.output
    assert visible(evil) + " blocks the main thread" in result.output  # the verdict names it, spelled out
    assert "$\\undefined{$" in (tmp_path / "out" / "strategy-totals.svg").read_text()  # drawn as written, not as mathtext
