"""Renderers for the gate verdict: console (rich markup), Markdown (CI job summary), HTML and JSON."""

from __future__ import annotations

import html
import json
from pathlib import Path


from exifbench.reports.analysis.exact import spread
from exifbench.reports.analysis.metrics import UNITS
from exifbench.reports.statistics import median
from exifbench.reports.documents.gate import INCONCLUSIVE, MISMATCH, MISSING, PASS, REGRESSION, Comparison, GateVerdict
from exifbench.escape import shown
from exifbench.files import write_atomic
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.reports.format import count, measured, times

_COLOURS = {PASS: "green", INCONCLUSIVE: "yellow", REGRESSION: "red", MISSING: "red", MISMATCH: "red"}
RULE = ("Exact counts (CPU instructions, I/O) fail on any growth beyond their tolerance, and are inconclusive when "
        "a side's own measurements differ by more. A wall-clock regression must exceed the relative threshold AND the metric's minimum absolute effect AND be significant "
        "(one-sided Mann–Whitney U); an inconclusive result fails unless allowed; any EXIF mismatch or unverified "
        "file fails; a baseline strategy missing from the current run fails.")  # fmt: skip


def headline(c: Comparison, equality: EqualitySpec | None = None) -> str:
    """One line saying what was found and which allowance it passed or broke (a mismatch names the ``equality``,
    default ``pillow``)."""
    equality = equality or EqualitySpec()
    if c.status == MISMATCH:
        return (
            f"MISMATCH {c.candidate} vs {c.reference}: {c.equality.mismatches} EXIF {equality.unit}(s) differ from "
            f"{equality.describe()} ({c.equality.checked} files checked) — equality is mandatory, speed not considered"
        )
    if c.tier == "exact":
        return _exact_headline(c)
    unit = UNITS.get(c.metric, "")
    figures = (
        f"{c.metric} {times(c.ratio)} {c.reference} "
        f"(median {measured(median(c.candidate_values), unit)} vs {measured(median(c.reference_values), unit)})"
    )
    effect = median(c.candidate_values) - median(c.reference_values)
    relative, absolute = f"+{c.threshold * 100:g}%", f"+{measured(c.min_effect, unit)}"
    change = f"+{c.ratio - 1:.0%}" if c.ratio != float("inf") else "from zero"
    over = f"{change} (+{measured(effect, unit)}) is over both the {relative} and the {absolute} allowed"
    if c.status == PASS:
        if c.ratio <= 1 + c.threshold:
            return f"PASS {c.candidate}: {figures}, within the {relative} allowed"
        if effect < c.min_effect:
            return (f"PASS {c.candidate}: {figures}, {change} is over the {relative} allowed but "
                    f"+{measured(effect, unit)} is under the {absolute} minimum effect")  # fmt: skip
        return (f"PASS {c.candidate}: {figures}, {over} but still not significant after the most pairs "
                f"(--max-repeat): {c.significance.describe()} — not told from noise, no regression")  # fmt: skip
    if c.status == REGRESSION:
        return f"REGRESSION {c.candidate}: {figures}, {over}, significant: {c.significance.describe()}"
    return f"INCONCLUSIVE {c.candidate}: {figures}, {over} but not significant: {c.significance.describe()}"


def equality_line(verdict: GateVerdict) -> str:
    """What equality checked, named: equal on all N files, how many differ, nothing to check, or OFF."""
    spec, found = verdict.equality, verdict.comparisons
    if spec.off:
        return "Equality: OFF (--equality off): no EXIF was compared; this gate judged speed only."
    named = f"Equality (--equality {spec.name})"
    checked, wrong = max((c.equality.checked for c in found), default=0), sum(c.equality.mismatches for c in found)
    if wrong:
        return f"{named}: NOT equal to {spec.describe()}: {wrong} differing {spec.unit}(s) or unverified file(s)."
    if not checked:
        return f"{named}: no file was checked."
    if found and all(c.equality.with_exif == 0 for c in found):
        return (f"{named}: the reference loader reads no EXIF from these files: equality checks nothing here "
                f"({spec.describe()} are empty for all {count(checked, 'file')}).")  # fmt: skip
    return f"{named}: equal to {spec.describe()} on all {count(checked, 'file')}."


def _exact_headline(c: Comparison) -> str:
    unit = UNITS.get(c.metric, "")
    cand, ref = median(c.candidate_values), median(c.reference_values)
    change = "from zero" if ref == 0 and cand else f"{(cand / ref if ref else 1.0) - 1:+.2%}"
    figures = f"exact {c.metric}: {measured(cand, unit)} vs {measured(ref, unit)} ({change})"
    tolerance = f"the {c.threshold * 100:g}% tolerance" if c.threshold else "a tolerance of 0 (any growth counts)"
    repeats = max(spread(c.candidate_values), spread(c.reference_values))
    if c.status == INCONCLUSIVE:
        return (f"INCONCLUSIVE {c.candidate}: {figures} — not exact here: one side's measurements differ by "
                f"{repeats:.3%}, over {tolerance}")  # fmt: skip
    least = min(len(c.candidate_values), len(c.reference_values))
    how = "1 measurement per side: its repeatability not measured" if least < 2 else (
        f"each side's {least} measurements " + ("identical" if repeats == 0 else f"within {repeats:.3%}"))
    verb = "over" if c.status == REGRESSION else "within"
    return f"{c.status.upper()} {c.candidate}: {figures}, {verb} {tolerance} ({how})"


def skipped_line(metric: str, why: str) -> str:
    """``NOT JUDGED bytes_read: why``."""
    return f"NOT JUDGED {metric}: {why}"


def summary(verdict: GateVerdict) -> str:
    """The outcome in one line: PASS / FAIL, why, and the exit code."""
    if verdict.status == PASS:
        return "PASS (exit 0)"
    if verdict.passed:
        return "PASS with an inconclusive comparison, allowed by --allow-inconclusive (exit 0)"
    hint = " — rerun with more repeats, or pass --allow-inconclusive" if verdict.status == INCONCLUSIVE else ""
    if verdict.status == MISSING:
        hint = f": the baseline's {', '.join(verdict.missing)} not measured in the current run"
    return f"FAIL — {verdict.status}{hint} (exit 1)"


def _context(verdict: GateVerdict) -> str:
    return " · ".join(f"{key}: {value}" for key, value in verdict.context.items())


def _settings(verdict: GateVerdict) -> str:
    alphas = sorted({c.significance.alpha for c in verdict.comparisons}) or [0.05]
    alpha = ", ".join(f"{a:g}" for a in alphas)
    return f"{verdict.mode} mode, {verdict.metric}, threshold +{verdict.threshold * 100:g}% and a minimum effect per metric, alpha {alpha}"


def render_console(verdict: GateVerdict) -> str:
    """Rich markup for one screen: a line per comparison, mismatch examples, the outcome."""
    lines = [f"[bold]exifbench gate[/bold] — {shown(_settings(verdict))}"]
    if verdict.context:
        lines.append(f"[dim]{shown(_context(verdict))}[/dim]")
    for name in verdict.missing:
        lines.append(f"[red]MISSING {shown(name)}: in the baseline, not measured in the current run[/]")
    for metric, why in verdict.skipped.items():
        lines.append(f"[yellow]{shown(skipped_line(metric, why))}[/]")
    for comparison in verdict.comparisons:
        lines.append(f"[{_COLOURS[comparison.status]}]{shown(headline(comparison, verdict.equality))}[/]")
        for m in comparison.equality.examples:
            lines.append(shown(f"  {m.path} {m.tag}: expected {m.expected}, got {m.actual}"))
    line = shown(equality_line(verdict))
    lines.append(f"[yellow]{line}[/]" if verdict.equality.off else line)
    colour = "green" if verdict.passed else "red"
    lines.append(f"[bold {colour}]Gate: {summary(verdict)}[/]")
    return "\n".join(lines)


def _rows(verdict: GateVerdict) -> list[list[str]]:
    rows = []
    for c in verdict.comparisons:
        unit = UNITS.get(c.metric, "")
        rows.append([c.candidate, c.reference, c.metric, measured(median(c.candidate_values), unit),
                     measured(median(c.reference_values), unit), times(c.ratio),
                     f"+{c.threshold * 100:g}% (exact)" if c.tier == "exact" else f"{1 + c.threshold:.2f}×, +{measured(c.min_effect, unit)}",
                     c.significance.describe(), c.status])  # fmt: skip
    return rows


HEADERS = ("candidate", "reference", "metric", "median (candidate)", "median (reference)", "ratio", "limit",
           "significance", "result")  # fmt: skip


def render_markdown(verdict: GateVerdict) -> str:
    """A GitHub-flavoured summary: outcome heading, a table, the headlines and examples."""
    icon = "✅" if verdict.passed else "❌"
    out = [f"## {icon} exifbench gate: {summary(verdict)}", ""]
    if verdict.context:
        out += [_context(verdict), ""]
    out += ["| " + " | ".join(HEADERS) + " |", "|---|---|---|---:|---:|---:|---:|---|---|"]
    out += ["| " + " | ".join([*row[:-1], f"**{row[-1]}**"]) + " |" for row in _rows(verdict)]
    out.append("")
    out += [f"- MISSING {name}: in the baseline, not measured in the current run" for name in verdict.missing]
    out += [f"- {skipped_line(metric, why)}" for metric, why in verdict.skipped.items()]
    for c in verdict.comparisons:
        out.append(f"- {headline(c, verdict.equality)}")
        out += [f"  - `{m.path}` {m.tag}: expected `{m.expected}`, got `{m.actual}`" for m in c.equality.examples]
    out += [f"- {equality_line(verdict)}", "", RULE, ""]
    return "\n".join(out)


def render_html(verdict: GateVerdict) -> str:
    """One self-contained page: the outcome, the table, each comparison's headline and mismatch examples."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in _rows(verdict))
    items = "".join(
        f"<li>{e(headline(c, verdict.equality))}<ul>"
        + "".join(f"<li><code>{e(m.path)}</code> {e(m.tag)}: expected <code>{e(m.expected)}</code>, "
                  f"got <code>{e(m.actual)}</code></li>" for m in c.equality.examples)  # fmt: skip
        + "</ul></li>"
        for c in verdict.comparisons
    )
    colour = "#17752b" if verdict.passed else "#b3261e"
    context = f"<p>{e(_context(verdict))}</p>" if verdict.context else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>exifbench gate</title></head>'
        f'<body style="font-family: system-ui, sans-serif"><h1 style="color: {colour}">exifbench gate: '
        f"{e(summary(verdict))}</h1><p>{e(_settings(verdict))}</p>{context}"
        f'<table border="1" cellpadding="4" style="border-collapse: collapse"><tr>{head}</tr>{body}</table>'
        f"<ul>{items}</ul><p><b>{e(equality_line(verdict))}</b></p><p>{e(RULE)}</p></body></html>\n"
    )


def render_json(verdict: GateVerdict) -> str:
    """The verdict document, with each comparison's headline and the outcome line for readers."""
    data = verdict.to_dict()
    data["summary"] = summary(verdict)
    data["equality_line"] = equality_line(verdict)
    for comparison, entry in zip(verdict.comparisons, data["comparisons"], strict=True):
        entry["headline"] = headline(comparison, verdict.equality)
    return json.dumps(data, indent=1)


def write_gate(verdict: GateVerdict, out_dir: Path) -> list[Path]:
    """``verdict.md`` and ``verdict.html``."""
    return [
        write_atomic(out_dir / "verdict.md", render_markdown(verdict)),
        write_atomic(out_dir / "verdict.html", render_html(verdict)),
    ]
