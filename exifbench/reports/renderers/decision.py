"""Renderers for the rollout decision: a rich table per phase, Markdown, JSON, and each phase's run reports."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from exifbench.reports.documents.decision import ENABLE, HOLD, NOT_RUN, PASSED, REJECT, Decision
from exifbench.reports.renderers.criteria import measured, requirement, way_forward
from exifbench.escape import shown
from exifbench.files import write_atomic

RULES = (
    "REJECT: EXIF equality below 100% or a thread/child process left after close() (mandatory criteria). "
    "HOLD: a soft criterion (blocking reduction, placeholder share, time-to-EXIF, long tasks, frozen frames, "
    "background completion, memory) failed, or the blocking reduction is not significant (inconclusive). "
    "ENABLE: every criterion met in every phase."
)
_COLOURS = {ENABLE: "green", HOLD: "yellow", REJECT: "red", NOT_RUN: "dim"}
_MARKS = {
    "pass": "[green]✓ pass[/green]",
    "fail": "[red]✗ fail[/red]",
    "inconclusive": "[yellow]? inconclusive[/yellow]",
}


def reasons(decision: Decision) -> str:
    """Why the decision is not ENABLE, in one line: each failed criterion once, with what was measured."""
    failed = {c.name: c for phase in decision.phases for c in phase.criteria if c.status != PASSED}
    return "; ".join(f"{c.name}: {measured(c)} (required {requirement(c)})" for c in failed.values())


def ways_forward(decision: Decision) -> list[str]:
    """One line per failed criterion that names what would pass (the worst phase's first), each once."""
    lines = {c.name: f"{c.name} (phase {phase.name}): {text}" for phase in reversed(decision.phases)
             for c in phase.criteria if (text := way_forward(c))}  # fmt: skip
    return list(lines.values())


def headline(decision: Decision) -> str:
    """``Decision: HOLD — not_ready: 99.7% of calls showed a placeholder …`` (plain text)."""
    why = reasons(decision)
    return f"Decision: {decision.decision}" + (f" — {why}" if why else "")


def _subject(decision: Decision) -> str:
    return (f"{decision.candidate} vs {decision.reference} on {decision.dataset} ({decision.storage}), pattern "
            f"{decision.pattern}, equality {decision.equality.headline()}")  # fmt: skip


def render_console(decision: Decision) -> RenderableType:
    """One table per phase (criterion, requirement, measured value, result), then the decision and its rules."""
    parts: list[RenderableType] = [Text.from_markup(f"[bold]exifbench decide[/bold] — {shown(_subject(decision))}")]
    for phase in decision.phases:
        colour = _COLOURS[phase.decision]
        title = shown(f"phase {phase.name}: {phase.images} images, {phase.calls} calls")
        if phase.not_run:
            parts.append(Text.from_markup(f"{title} → [{colour}]{phase.decision}[/] ({shown(phase.not_run)})"))
            continue
        title += f", {phase.repeats} repeats → "
        table = Table(title=f"{title}[bold {colour}]{phase.decision}[/]", title_justify="left")
        for column in ("criterion", "requirement", "measured", "result"):
            table.add_column(column)
        for c in phase.criteria:
            result = _MARKS[c.status] + ("" if c.status == PASSED else f" → {c.on_failure}")
            table.add_row(Text(c.name), Text(requirement(c)), Text(measured(c)), result)
        parts.append(table)
    colour = _COLOURS[decision.decision]
    parts.append(Text(headline(decision), style=f"bold {colour}"))
    parts.extend(Text(line, style=colour) for line in ways_forward(decision))
    parts.append(Text(RULES, style="dim"))
    return Group(*parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(decision: Decision) -> str:
    """The decision as a heading, then per phase a table of criteria; the rules last."""
    out = [f"## exifbench decide: {decision.decision}", "", _cell(_subject(decision)), "", _cell(headline(decision)), ""]
    out += [*(f"- {_cell(line)}" for line in ways_forward(decision)), ""] if ways_forward(decision) else []
    for phase in decision.phases:
        heading = f"### phase {phase.name}: {phase.images} images, {phase.calls} calls"
        if phase.not_run:
            out += [f"{heading} → {phase.decision} ({_cell(phase.not_run)})", ""]
            continue
        out += [f"{heading}, {phase.repeats} repeats → **{phase.decision}**", "",
                "| criterion | requirement | measured | result |", "|---|---|---|---|"]  # fmt: skip
        for c in phase.criteria:
            result = c.status if c.status == PASSED else f"{c.status} → {c.on_failure}"
            out.append(f"| {_cell(c.name)} | {_cell(requirement(c))} | {_cell(measured(c))} | {result} |")
        out.append("")
    out += [RULES, ""]
    return "\n".join(out)


def render_json(decision: Decision) -> str:
    """The decision document, with the rules it was judged by spelled out and each criterion in words too."""
    document = decision.to_dict()
    for phase, saved in zip(decision.phases, document["phases"], strict=True):
        for c, words in zip(phase.criteria, saved["criteria"], strict=True):
            words.update(requirement=requirement(c), measured=measured(c), way_forward=way_forward(c))
    return json.dumps({**document, "rules": RULES}, indent=1, default=str)


def write_decision(decision: Decision, out_dir: Path) -> list[Path]:
    """``decision.md``."""
    return [write_atomic(out_dir / "decision.md", render_markdown(decision))]
