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


def test_workflow_gates_pull_requests_against_the_base_revision_and_keeps_a_history_on_main() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "\non:\n  push:\n    branches: [main]\n  pull_request:" in text
    assert "\n".join(run_scripts(text)).count('pip install "$EXIFBENCH"') == 2  # exifbench, not the app: never `pip install .`
    assert "pip install .\n" not in "\n".join(run_scripts(text)) + "\n"
    (gate,) = [words for words in exifbench_commands(text) if words[0] == "gate"]
    # one step: the base branch's revision against the pull request's working tree, the loader named once
    assert gate[gate.index("--base") + 1] == "origin/${{ github.base_ref }}" and gate[gate.index("-s") + 1] == "$LOADER"
    assert "fetch-depth: 0" in text and "valgrind" in text
    (run,) = [words for words in exifbench_commands(text) if words[0] == "run"]
    assert run[run.index("--strategy") + 1] == "$LOADER" and "--history" in run
    assert "sync" not in gate + run


def test_every_exifbench_command_and_option_in_the_workflow_exists() -> None:
    commands = exifbench_commands(WORKFLOW.read_text(encoding="utf-8"))
    assert commands
    cli = typer.main.get_command(app)
    for words in commands:
        name = words[0]
        result = CliRunner().invoke(app, [name, "--help"])
        assert result.exit_code == 0, f"exifbench {name} --help: {result.output}"
        options = {opt for param in cli.commands[name].params for opt in [*param.opts, *param.secondary_opts]}
        used = {word.split("=")[0] for word in words[1:] if word.startswith("-") and not word.startswith("-$")}
        assert used <= options, f"exifbench {name}: unknown options {sorted(used - options)}"
