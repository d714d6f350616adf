"""Start-up: the top-level commands import none of the commands, and no command imports the heavy libraries.

Counts, not clocks: which modules a fresh interpreter holds after the import (the CPU time itself is
measured in benchmarks/test_startup.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer._click.utils import make_default_short_help
from typer.testing import CliRunner

from exifbench import __version__
from exifbench.cli import COMMANDS, app, load_command

HEAVY = ("scipy", "matplotlib", "PySide6", "distributed", "dask", "ruptures")


def modules_after(statement: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running ``statement``."""
    code = f"import sys\n{statement}\nimport json; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_top_level_imports_no_command() -> None:
    code = "import json, sys, exifbench.cli\nprint(json.dumps([m for m in sys.modules if m.startswith('exifbench.')]))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout)
    assert "exifbench.cli" in loaded
    assert [m for m in loaded if m.startswith(("exifbench.cli.", "exifbench.harness", "exifbench.strategies", "exifbench.reports"))] == []
    assert modules_after("import exifbench.cli") & {*HEAVY, "PIL", "rich", "numpy"} == set()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_module_imports_a_heavy_library(command: str) -> None:
    loaded = modules_after(f"from exifbench.cli import load_command; load_command({command!r})")
    heavy = set(HEAVY) - ({"matplotlib"} if command == "history" else set())  # history draws its figure: matplotlib is its job
    assert loaded & heavy == set()


def test_help_lists_each_command_with_its_own_short_help() -> None:
    for name, (_, _, short) in COMMANDS.items():
        assert make_default_short_help(short, 1000) == load_command(name).get_short_help_str(1000), name
    result = CliRunner().invoke(app, ["-h"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)


def test_dash_capital_v_is_version() -> None:
    result = CliRunner().invoke(app, ["-V"])
    assert result.exit_code == 0 and result.output == f"exifbench {__version__}\n"


def test_a_misspelled_command_is_suggested() -> None:
    result = CliRunner().invoke(app, ["rn"])
    assert result.exit_code == 2 and "Did you mean 'run'?" in result.output
