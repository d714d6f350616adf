"""The GitHub Actions example runs only ``exifbench`` commands and options that exist.

PyYAML is not a dependency, so the ``run:`` steps are read with a small parser that
handles inline commands and ``|`` blocks with backslash continuations.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import typer
from typer.testing import CliRunner

from exifbench.cli import app

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "github-actions.yml"


def run_scripts(text: str) -> list[str]:
    """The shell text of every ``run:`` key, block scalars included."""
    scripts: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        key, _, value = line.strip().removeprefix("- ").partition(":")
        if key != "run":
            continue
        value = value.strip()
        if value not in ("|", ">", "|-", ">-"):
            scripts.append(value)
            continue
        indent = len(line) - len(line.lstrip())
        block = []
        for following in lines[index + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following.strip())
        scripts.append("\n".join(block))
    return scripts


def exifbench_commands(text: str) -> list[list[str]]:
    """Every ``exifbench ...`` command line, continuations joined, split like a shell would."""
    commands = []
    for script in run_scripts(text):
        for command in script.replace("\\\n", " ").splitlines():
            words = shlex.split(command, comments=True)
            if words and words[0] == "exifbench":
                commands.append(words[1:])
    return commands


def test_parser_reads_blocks_and_inline_runs() -> None:
    text = (
        "steps:\n"
        "  - run: exifbench run --repeat 2\n"
        "  - name: x\n"
        "    run: |\n"
        "      echo hi\n"
        "      exifbench gate \\\n"
        "        --metric p99\n"
        "  - uses: y\n"
    )
    assert exifbench_commands(text) == [["run", "--repeat", "2"], ["gate", "--metric", "p99"]]


def test_workflow_gates_the_loader_against_its_own_baseline_both_ways() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "\non:\n  push:\n    branches: [main]\n  pull_request:" in text
    assert "pip install ." in run_scripts(text)
    saved, ab = [words for words in exifbench_commands(text) if words[0] == "gate"]
    # a saved baseline from main: the same loader's run on main against the pull request's
    assert saved[saved.index("--baseline") + 1] == "exifbench-baseline/baseline.json"
    runs = [words for words in exifbench_commands(text) if words[0] == "run"]
    assert {words[words.index("--json") + 1] for words in runs} == {"exifbench-baseline/baseline.json", "current.json"}
    assert all(words[words.index("--strategy") + 1] == "$LOADER" for words in runs)
    # interleaved A/B: the base branch's code checked out beside, in base/, as the reference
    assert ab[ab.index("--candidate") + 1] == "$LOADER" and ab[ab.index("--reference") + 1] == "base.$LOADER"
    assert "ref: ${{ github.base_ref }}\n          path: base" in text
    assert "sync" not in saved + ab


def test_every_exifbench_command_and_option_in_the_workflow_exists() -> None:
    commands = exifbench_commands(WORKFLOW.read_text(encoding="utf-8"))
    assert commands
    cli = typer.main.get_command(app)
    for words in commands:
        name = words[0]
        result = CliRunner().invoke(app, [name, "--help"])
        assert result.exit_code == 0, f"exifbench {name} --help: {result.output}"
        options = {opt for param in cli.commands[name].params for opt in [*param.opts, *param.secondary_opts]}
        used = {word.split("=")[0] for word in words[1:] if word.startswith("--")}
        assert used <= options, f"exifbench {name}: unknown options {sorted(used - options)}"
