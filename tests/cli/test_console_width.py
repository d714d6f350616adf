"""The consoles are sized per invocation: two commands in one process, each at its own $COLUMNS."""

from __future__ import annotations

from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.cli.console import PIPE_WIDTH, console, err_console


def test_each_invocation_reads_columns_anew() -> None:
    runner = CliRunner()
    widths = []
    for columns in ("50", "131"):
        result = runner.invoke(app, ["strategies"], env={"COLUMNS": columns})
        assert result.exit_code == 0, result.output
        widths.append((console.width, err_console.width))
        assert max(len(line) for line in result.output.splitlines()) <= int(columns)
    assert widths == [(50, 50), (131, 131)]


def test_a_pipe_without_columns_gets_the_pipe_width() -> None:
    result = CliRunner().invoke(app, ["strategies"], env={"COLUMNS": None})
    assert result.exit_code == 0, result.output
    assert console.width == err_console.width == PIPE_WIDTH
