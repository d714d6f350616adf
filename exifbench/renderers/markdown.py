"""The Markdown renderer: ``summary.md`` for a CI job summary or a PR comment."""

from __future__ import annotations

from pathlib import Path

from exifbench.analysis.report import RunReport
from exifbench.escape import visible
from exifbench.files import write_atomic
from exifbench.renderers.comparison import NUMERIC_COLUMNS, TABLE_HEADERS, table_rows, verdicts
from exifbench.renderers.setup import setup


def _cell(text: str) -> str:
    return visible(text).replace("|", "\\|")


def markdown_table(headers: tuple[str, ...], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table, numeric columns right-aligned."""
    align = ["---:" if i in NUMERIC_COLUMNS else ":---" for i in range(len(headers))]
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(_cell(cell) for cell in line) + " |" for line in lines)


def render_markdown(report: RunReport) -> str:
    """Setup line, comparison table, verdicts (equality, errors, ratio to sync), profile headlines."""
    runs = report.runs
    facts = setup(runs)
    out = [
        f"## exifbench: {visible(facts['pattern'])} on {visible(facts['dataset'])}",
        "",
        f"Storage: {facts['storage']} · not ready → {facts['not ready'].split()[0]} · "
        f"workers {facts['workers']} · extractor {facts['extractor']} · repeats {facts['repeats']}",
        "",
    ]
    if not runs.complete:
        out += ["> **Interrupted: these results are incomplete.**", ""]
    out += [markdown_table(TABLE_HEADERS, table_rows(report)), ""]
    out += ["Times are medians over repeats, [min–max] in brackets; the ratio to sync has a 95% bootstrap interval."]
    out += [""]
    out += [f"- {line}" for line in verdicts(report)]
    found = report.profiles
    if found:
        out += ["", "Profiles (pyinstrument on repeat 0, which also carries first-run warm-up):", ""]
        out += [f"- `{p.headline}` — {p.overhead_text()}" for p in found]
    return "\n".join(out) + "\n"


def write_markdown(report: RunReport, out_dir: Path) -> list[Path]:
    """``summary.md``."""
    return [write_atomic(out_dir / "summary.md", render_markdown(report))]
