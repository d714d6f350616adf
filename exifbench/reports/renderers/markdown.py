"""The Markdown renderer: ``summary.md`` for a CI job summary or a PR comment — the verdict and its caveats
first, then the tables."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from exifbench.reports.analysis.report import RunReport
from exifbench.escape import visible
from exifbench.files import write_atomic
from exifbench.reports.renderers.comparison import (
    CONVENTION, DETAIL_HEADERS, DETAIL_NUMERIC, MAIN_HEADERS, MAIN_NUMERIC, detail_rows, main_rows, verdicts,
)  # fmt: skip
from exifbench.reports.renderers.setup import setup


def _cell(text: str) -> str:
    return visible(text).replace("|", "\\|")


def markdown_table(headers: tuple[str, ...], rows: list[list[str]], numeric: Collection[int]) -> str:
    """A GitHub-flavoured Markdown table, ``numeric`` columns right-aligned."""
    align = ["---:" if i in numeric else ":---" for i in range(len(headers))]
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(_cell(cell) for cell in line) + " |" for line in lines)


def render_markdown(report: RunReport) -> str:
    """The verdict and its caveats, the main table, the details table, the setup, profile headlines."""
    runs = report.runs
    facts = setup(runs)
    out = [f"## exifbench: {visible(facts['pattern'])} on {visible(facts['dataset'])}", ""]
    if not runs.complete:
        out += ["> **Interrupted: these results are incomplete.**", ""]
    if report.summaries and report.summaries[0].equality.off:
        out += ["> **Equality OFF (--equality off): no EXIF was compared.**", ""]
    out += [f"- {visible(line)}" for line in verdicts(report)]
    out += ["", markdown_table(MAIN_HEADERS, main_rows(report), MAIN_NUMERIC), "", CONVENTION, ""]
    out += ["Details (per-call times in ms; change: blocking vs sync with its 95% bootstrap interval over repeats; "
            "[min–max] over repeats):", ""]  # fmt: skip
    out += [markdown_table(DETAIL_HEADERS, detail_rows(report), DETAIL_NUMERIC), ""]
    out += [f"Setup: storage {visible(facts['storage'])} · not ready → {facts['not ready'].split()[0]} · "
            f"workers {facts['workers']} · extractor {visible(facts['extractor'])} · {visible(facts['equality'])} · "
            f"repeats {facts['repeats']}"]  # fmt: skip
    found = report.profiles
    if found:
        out += ["", "Profiles (pyinstrument on repeat 0, which also carries first-run warm-up):", ""]
        out += [f"- `{visible(p.headline)}` — {p.overhead_text()}" for p in found]
    return "\n".join(out) + "\n"


def write_markdown(report: RunReport, out_dir: Path) -> list[Path]:
    """``summary.md``."""
    return [write_atomic(out_dir / "summary.md", render_markdown(report))]
