"""Renderers for the rollout decision: a rich table per phase, and JSON."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from exifbench.analysis.decide import ENABLE, RULES, Decision

_COLOURS = {ENABLE: "green", "HOLD": "yellow", "REJECT": "red", "NOT RUN": "dim"}
_MARKS = {
    "pass": "[green]✓ pass[/green]",
    "fail": "[red]✗ fail[/red]",
    "inconclusive": "[yellow]? inconclusive[/yellow]",
}


def render_console(decision: Decision) -> RenderableType:
    """One table per phase (criterion, requirement, measured value, result), then the decision and its rules."""
    subject = f"{decision.candidate} vs {decision.reference} on {decision.dataset} ({decision.storage})"
    parts: list[RenderableType] = [Text.from_markup(f"[bold]exifbench decide[/bold] — {escape(subject)}")]
    for phase in decision.phases:
        colour = _COLOURS[phase.decision]
        title = escape(f"phase {phase.name}: {phase.images} images, {phase.calls} calls")
        if phase.not_run:
            parts.append(Text.from_markup(f"{title} → [{colour}]{phase.decision}[/] ({escape(phase.not_run)})"))
            continue
        title += f", {phase.repeats} repeats → "
        table = Table(title=f"{title}[bold {colour}]{phase.decision}[/]", title_justify="left")
        for column in ("criterion", "requirement", "measured", "result"):
            table.add_column(column)
        for c in phase.criteria:
            result = _MARKS[c.status] + ("" if c.status == "pass" else f" → {c.on_failure}")
            table.add_row(Text(c.name), Text(c.requirement), Text(c.measured), result)
        parts.append(table)
    colour = _COLOURS[decision.decision]
    parts.append(Text.from_markup(f"[bold {colour}]Decision: {decision.decision}[/]"))
    parts.append(Text(RULES, style="dim"))
    return Group(*parts)


def render_json(decision: Decision) -> str:
    return json.dumps(decision.to_dict(), indent=1)
