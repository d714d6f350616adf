"""The HTML renderer: one self-contained ``report.html`` (inline CSS, plots as base64 PNG, no external assets)."""

from __future__ import annotations

import base64
from collections.abc import Collection, Iterable, Mapping
from html import escape
from pathlib import Path

from exifbench.reports.analysis.metrics import StrategySummary
from exifbench.reports.analysis.report import RunReport
from exifbench.reports.documents.runs import RunSet
from exifbench.escape import visible
from exifbench.files import present, write_atomic
from exifbench.reports.format import count
from exifbench.reports.renderers.grabs import grabs_html, read_grabs
from exifbench.reports.renderers.plots import PLOTS, figure_bytes
from exifbench.reports.renderers.comparison import (
    CONVENTION, DETAIL_HEADERS, DETAIL_NUMERIC, MAIN_HEADERS, MAIN_NUMERIC, detail_rows, equality_verdict, failed_files, loader_output,
    main_rows, seen_by, verdicts,
)  # fmt: skip
from exifbench.reports.renderers.setup import setup

MISMATCH_ROWS = 200
"""Mismatch rows shown before the table is cut (the JSON keeps them all)."""

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1250px;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.1em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.path { word-break: break-all; font-family: ui-monospace, monospace; font-size: 13px; }
table.kv th { width: 11em; } table.summary td:first-child { white-space: nowrap; }
ul.verdict li { margin: 0.25em 0; }
.ok { color: #17752b; } .bad { color: #b3261e; font-weight: bold; } .warn { color: #8a5a00; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
"""

CAPTIONS = {
    "blocking-timeline": "Time each load_exif call held the main thread, in call order (median repeat per strategy).",
    "blocking-timeline-log": "The same on a log scale, so the sub-millisecond strategies are visible.",
    "cumulative-blocking": "Blocking added up over the replay's wall time: the app's frozen time so far.",
    "strategy-totals": "Medians over repeats; error bars span the fastest to the slowest repeat.",
    "not-ready-pages": "Placeholders the UI had to show (load_exif returned None) next to the blocking they saved.",
    "ui-lag": "How late the main thread's frame ticks ran while background loads held the GIL, and the 60 Hz frames missed.",
}


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]], numeric: Collection[int] = (),
           paths: Collection[int] = (), css_class: str = "") -> str:  # fmt: skip
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="{"num" if i in numeric else "path" if i in paths else ""}">{escape(visible(cell))}</td>'
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )  # fmt: skip
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _kv(pairs: Mapping[str, object]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in pairs.items())
    return f'<table class="kv">{rows}</table>'


def _equality(report: RunReport) -> str:
    html = f'<p class="{"warn" if any(_unsure(s) for s in report.summaries) else ""}">{escape(visible(equality_verdict(report.summaries)))}</p>'
    parts = []
    for s in report.summaries:
        if s.equality.off:
            verdict = '<span class="bad">OFF: not compared</span> (--equality off)'
        elif not s.equal:
            verdict = f'<span class="bad">{count(s.mismatches, "mismatching " + s.equality.unit)}</span> over {s.repeats} repeat(s)'
        elif s.checks_nothing:
            verdict = f'<span class="warn">equal, but nothing to check</span> — {s.checked} files, every expected dict empty'
        else:
            verdict = f'<span class="ok">equal</span> — {s.checked} files, every repeat'
        parts.append(f"<li><b>{escape(visible(s.strategy))}</b>: {verdict}</li>")
    html += f"<ul>{''.join(parts)}</ul>"
    rows = [
        [run.strategy, str(run.repeat), m.path, m.tag, m.expected, m.actual]
        for run in report.runs.runs
        for m in run.equality.mismatches
    ]
    if rows:
        html += _table(("strategy", "repeat", "file", "tag", "expected", "actual"), rows[:MISMATCH_ROWS], paths=(2,))
        if len(rows) > MISMATCH_ROWS:
            html += f'<p class="warn">… {len(rows) - MISMATCH_ROWS} more mismatches in the result document.</p>'
    return html


def _unsure(s: StrategySummary) -> bool:
    return s.equality.off or s.checks_nothing


def _errors(runs: RunSet) -> str:
    seen = failed_files(runs)
    skipped = runs.runs[0].config.skipped
    html = f"<p>{count(len(seen), 'file')} failed to load; the loader returned <code>{{}}</code> for them.</p>"
    if seen:
        rows = [[path, message, seen_by(names, runs)] for path, (message, names) in seen.items()]
        html += _table(("file", "error", "seen by"), rows, paths=(0,))
    for strategy, (lines, first) in loader_output(runs).items():
        html += (f"<p>{escape(visible(strategy))} wrote {count(lines, 'line')} of its own (logging, stdout, stderr); "
                 f"the first:</p><pre>{escape(visible(chr(10).join(first)))}</pre>")  # fmt: skip
    if skipped:
        html += f"<p>{len(skipped)} file(s) skipped by the folder scan:</p>"
        html += _table(("file", "reason"), [[s.path, s.reason] for s in skipped], paths=(0,))
    return html


def _plots(report: RunReport) -> str:
    figures = []
    for stem, plot in PLOTS.items():
        data = base64.b64encode(figure_bytes(plot(report), "png", dpi=100)).decode("ascii")
        figures.append(
            f'<figure id="{stem}"><img alt="{escape(stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(CAPTIONS.get(stem, ''))} Files: <code>{stem}.png</code>, "
            f"<code>{stem}.svg</code>.</figcaption></figure>"
        )
    return "".join(figures)


def _profiles(report: RunReport, available: Collection[str]) -> str:
    found = report.profiles
    if not found:
        return "<p>Not profiled (run with <code>--profile --out DIR</code>).</p>"
    items = []
    for p in found:
        links = [
            f'<a href="{escape(name)}">{escape(name)}</a>' if name in available else f"{escape(name)} (not found)"
            for name in p.files
        ]
        overhead_class = "warn" if p.overhead is None else ""
        items.append(
            f"<li><b>{escape(p.strategy)}</b> (repeat {p.repeat}): <code>{escape(p.headline)}</code><br>"
            f'<span class="{overhead_class}">{escape(p.overhead_text())}</span><br>{" · ".join(links)}</li>'
        )
    return (
        "<p>pyinstrument (sampling, main thread only) wrapped repeat 0 of each strategy. "
        "Call counts and cumulative time come from the harness's own per-call timing. "
        "Overhead compares that repeat's replay wall time with the unprofiled repeats; repeat 0 is also "
        "each strategy's first run, so warm-up (e.g. starting worker processes) counts toward it.</p>"
        f"<ul>{''.join(items)}</ul>"
    )


def render_html(report: RunReport, available: Collection[str] = (), grabs: Mapping[str, bytes] | None = None) -> str:
    """The whole report; ``available`` names the profile files that exist beside it (to link), ``grabs``
    the view grabs found beside it (to embed)."""
    runs = report.runs
    facts = setup(runs)
    env = runs.runs[0].environment
    title = f"exifbench: {facts['pattern']} on {facts['dataset']}"
    incomplete = "" if runs.complete else '<p class="bad">Interrupted: these results are incomplete.</p>'
    if report.summaries and report.summaries[0].equality.off:
        incomplete += '<p class="bad">Equality OFF (--equality off): no EXIF was compared.</p>'
    summary = _table(MAIN_HEADERS, main_rows(report), numeric=MAIN_NUMERIC, css_class="summary")
    details = _table(DETAIL_HEADERS, detail_rows(report), numeric=DETAIL_NUMERIC, css_class="summary")
    sentences = "".join(f"<li>{escape(visible(line))}</li>" for line in verdicts(report))
    sections = [
        ("Verdict", f'<ul class="verdict">{sentences}</ul>'),
        ("Comparison", f"{summary}<p>{escape(CONVENTION)}</p><h3>Details</h3>{details}"
                       "<p>Per-call times in ms; change: blocking vs sync, with its 95% bootstrap interval over "
                       "repeats; [min–max] over repeats.</p>"),
        ("Setup", _kv(facts)),
        ("Equality", _equality(report)),
        ("Errors per file", _errors(runs)),
        ("Plots", _plots(report)),
        *([("Grabs of the view", view)] if (view := grabs_html(runs, grabs or {})) else []),
        ("Profiles", _profiles(report, available)),
        ("Environment", _kv(env)),
    ]  # fmt: skip
    body = "".join(f'<h2 id="{escape(h.split()[0].lower())}">{escape(h)}</h2>{content}' for h, content in sections)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body><h1>exifbench report</h1>"
        f'<p class="sub">{escape(title)} · {escape(facts["storage"])}</p>{incomplete}{body}</body></html>\n'
    )


def write_html(report: RunReport, out_dir: Path) -> list[Path]:
    """``report.html``, linking the profile files present in ``out_dir`` and embedding the view grabs there."""
    available = {name for found in report.profiles for name in found.files if present(out_dir / name)}
    return [write_atomic(out_dir / "report.html", render_html(report, available, read_grabs(report.runs, out_dir)))]
