"""Rendering any document: every file it renders to and what a terminal shows for it, statistics computed once."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text

from exifbench.reports.analysis.report import RunReport, analyze
from exifbench.reports.documents import Document
from exifbench.reports.documents.gate import GateVerdict
from exifbench.reports.documents.peers import PeersReport
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.documents.sweep import SweepResults
from exifbench.errors import ExifbenchError
from exifbench.files import all_or_nothing
from exifbench.escape import visible
from exifbench.reports.analysis.sweep import analyze_sweep
from exifbench.reports.renderers import decision, gate, peers, sweep
from exifbench.reports.renderers.comparison import verdicts
from exifbench.reports.renderers.decision import write_decision
from exifbench.reports.renderers.gate import write_gate
from exifbench.reports.renderers.html import write_html
from exifbench.reports.renderers.markdown import write_markdown
from exifbench.reports.renderers.peers import write_peers
from exifbench.reports.renderers.plots import write_plots
from exifbench.reports.renderers.profile import copy_profiles
from exifbench.reports.renderers.sweep import write_sweep
from exifbench.reports.renderers.table import render_table

RUN_SET = (write_plots, write_html, write_markdown)
"""A run set's files (from its :class:`~exifbench.reports.analysis.report.RunReport`): plots, ``report.html``, ``summary.md``."""
GATE = (write_gate,)
"""A gate verdict's files: ``verdict.md``, ``verdict.html``."""
DECISION = (write_decision,)
"""A decision's own file, ``decision.md``; each phase's runs are also drawn with :data:`RUN_SET`."""
PEERS = (write_peers,)
"""A peers report's file: ``peers.md``."""
SWEEP = (write_sweep,)
"""A sweep's files (from its :class:`~exifbench.reports.analysis.sweep.SweepAnalysis`): ``sweep.md``, ``pareto.png``/``.svg``."""


def check_out_dir(out_dir: Path) -> Path:
    """``out_dir`` if it is a directory or can become one; check before a long run, not after."""
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise ExifbenchError(f"{out_dir}: --out must be a directory, not a file")
    except OSError as exc:  # a name too long for the file system...
        raise ExifbenchError(f"{out_dir}: --out cannot be used ({exc.strerror or exc})") from None
    return out_dir


def write_run_reports(report: RunReport, out_dir: Path) -> list[Path]:
    """Plots, ``report.html`` and ``summary.md`` of an analysed run set; profiles are written at run time."""
    if not report.runs.runs:
        raise ExifbenchError(f"{out_dir}: nothing to report (the result document has no runs)")
    check_out_dir(out_dir)
    with all_or_nothing():
        return [path for render in RUN_SET for path in render(report, out_dir)]


def render_document(document: Document, out_dir: Path, beside: Path | None = None, wide: bool = False,
                    width: int | None = None) -> tuple[list[Path], RenderableType]:  # fmt: skip
    """Every file ``document`` renders to, into ``out_dir`` (created if missing), and what a terminal shows for it,
    from one analysis made before the first file is written. The files are one set: all are written or, if one
    cannot be (a full disk), none is.

    A run set → plots, ``report.html``, ``summary.md``, and the profile files found in ``beside``
    (they cannot be regenerated), shown as ``run``'s table and verdict; a gate verdict → ``verdict.md``,
    ``verdict.html``; a decision → ``decision.md`` and each phase's run reports in ``phase-<name>/``;
    a peers report → ``peers.md``; a sweep → ``sweep.md`` and ``pareto.png``/``.svg``. ``wide`` adds
    the details tables of a run set or a sweep; ``width``: the terminal's, for the tables to fit.
    """
    check_out_dir(out_dir)
    with all_or_nothing():
        return _render(document, out_dir, beside, wide, width)


def _render(document: Document, out_dir: Path, beside: Path | None, wide: bool,
            width: int | None) -> tuple[list[Path], RenderableType]:  # fmt: skip
    if isinstance(document, RunSet):
        if not document.runs:
            raise ExifbenchError(f"{out_dir}: nothing to report (the result document has no runs)")
        report = analyze(document)
        copied = copy_profiles(document, beside, out_dir) if beside is not None else []
        view = Group(render_table(report, wide, width=width), *(Text(visible(line)) for line in verdicts(report)))
        return copied + write_run_reports(report, out_dir), view
    if isinstance(document, GateVerdict):
        return [path for render in GATE for path in render(document, out_dir)], Text.from_markup(gate.render_console(document))
    if isinstance(document, PeersReport):
        return [path for render in PEERS for path in render(document, out_dir)], peers.render_console(document)
    if isinstance(document, SweepResults):
        analysis = analyze_sweep(document)
        view = Group(sweep.render_console(analysis), *(sweep.render_wide(document, width) if wide else []))
        return [path for render in SWEEP for path in render(analysis, out_dir)], view
    phases = [(phase.name, analyze(RunSet(list(phase.runs)))) for phase in document.phases if phase.runs]
    written = [path for render in DECISION for path in render(document, out_dir)]
    for name, report in phases:
        written += write_run_reports(report, out_dir / f"phase-{name}")
    return written, decision.render_console(document)
