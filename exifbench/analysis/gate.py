"""The regression gate: verdict data built from result documents, and its renderers.

A comparison is a **regression** only if the candidate's median is over
``reference × (1 + threshold)`` *and* a one-sided Mann–Whitney U test finds the
candidate greater at ``alpha`` (asv's rule). Over the threshold but not significant —
including too few repeats to ever be significant — is **inconclusive**: the gate fails
on it unless ``allow_inconclusive``. Any EXIF **mismatch** fails the gate whatever
the speed. Exit codes: 0 pass, 1 fail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from exifbench.errors import ExifbenchError
from exifbench.documents.runs import RunResult, RunSet
from exifbench.analysis.statistics import ALPHA, Significance, mann_whitney
from exifbench.analysis.statistics import median
from exifbench.renderers.summary import METRICS

SCHEMA = "exifbench.gate/1"

PASS, INCONCLUSIVE, REGRESSION, MISMATCH = "pass", "inconclusive", "regression", "mismatch"
SEVERITY = (PASS, INCONCLUSIVE, REGRESSION, MISMATCH)
UNITS = {"blocking": "s", "background": "s", "p99": "ms", "not_ready": "calls"}
EXAMPLES = 5


@dataclass(frozen=True)
class Comparison:
    """One candidate against one reference on one metric, over their repeats."""

    candidate: str
    reference: str
    metric: str
    candidate_values: list[float]
    reference_values: list[float]
    threshold: float
    significance: Significance
    checked: int
    mismatches: int
    examples: list[dict[str, str]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Candidate median over reference median (1.0 when both are 0)."""
        cand, ref = median(self.candidate_values), median(self.reference_values)
        if ref == 0:
            return 1.0 if cand == 0 else float("inf")
        return cand / ref

    @property
    def status(self) -> str:
        if self.mismatches:
            return MISMATCH
        if self.ratio <= 1 + self.threshold:
            return PASS
        return REGRESSION if self.significance.significant else INCONCLUSIVE

    def headline(self) -> str:
        """One line saying what was found and why it counts as it does."""
        if self.status == MISMATCH:
            return (
                f"MISMATCH {self.candidate} vs {self.reference}: {self.mismatches} EXIF tag(s) differ from the "
                f"original loader ({self.checked} files checked) — equality is mandatory, speed not considered"
            )
        unit = UNITS[self.metric]
        figures = (
            f"{self.metric} {_ratio(self.ratio)} {self.reference} "
            f"(median {_value(median(self.candidate_values), unit)} vs {_value(median(self.reference_values), unit)})"
        )
        limit = f"+{self.threshold * 100:g}% allowed"
        if self.status == PASS:
            return f"PASS {self.candidate}: {figures}, within {limit}"
        change = f"+{self.ratio - 1:.0%}" if self.ratio != float("inf") else "from zero"
        if self.status == REGRESSION:
            significance = self.significance.describe()
            return f"REGRESSION {self.candidate}: {figures}, {change} > {limit}, significant: {significance}"
        return (
            f"INCONCLUSIVE {self.candidate}: {figures}, {change} > {limit} but not significant: "
            f"{self.significance.describe()}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "reference": self.reference,
            "metric": self.metric,
            "status": self.status,
            "ratio": self.ratio if self.ratio != float("inf") else None,
            "threshold": self.threshold,
            "candidate_median": median(self.candidate_values),
            "reference_median": median(self.reference_values),
            "candidate_values": self.candidate_values,
            "reference_values": self.reference_values,
            "significance": self.significance.to_dict(),
            "equality": {"checked": self.checked, "mismatches": self.mismatches, "examples": self.examples},
            "headline": self.headline(),
        }


@dataclass
class GateVerdict:
    """Every comparison of one gate invocation, and what it means for the exit code."""

    mode: str
    metric: str
    threshold: float
    comparisons: list[Comparison]
    allow_inconclusive: bool = False
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """The worst comparison's status."""
        return max((c.status for c in self.comparisons), key=SEVERITY.index, default=PASS)

    @property
    def passed(self) -> bool:
        return self.status == PASS or (self.status == INCONCLUSIVE and self.allow_inconclusive)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def summary(self) -> str:
        """The outcome in one line: PASS / FAIL, why, and the exit code."""
        if self.status == PASS:
            return "PASS (exit 0)"
        if self.passed:
            return "PASS with an inconclusive comparison, allowed by --allow-inconclusive (exit 0)"
        hint = " — rerun with more repeats, or pass --allow-inconclusive" if self.status == INCONCLUSIVE else ""
        return f"FAIL — {self.status}{hint} (exit 1)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "mode": self.mode,
            "status": self.status,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "summary": self.summary(),
            "metric": self.metric,
            "threshold": self.threshold,
            "allow_inconclusive": self.allow_inconclusive,
            "context": self.context,
            "comparisons": [c.to_dict() for c in self.comparisons],
        }


def compare(
    candidate: Sequence[RunResult],
    reference: Sequence[RunResult],
    metric: str,
    threshold: float,
    labels: tuple[str, str],
    alpha: float = ALPHA,
) -> Comparison:
    """Compare two groups of runs; EXIF mismatches on either side count (each differing tag once)."""
    measure = METRICS[metric]
    cand_values = [measure(run) for run in candidate]
    ref_values = [measure(run) for run in reference]
    every = [m for run in [*candidate, *reference] for m in run.equality["mismatches"]]
    mismatched = list({(m["path"], m["tag"]): m for m in every}.values())
    return Comparison(
        candidate=labels[0],
        reference=labels[1],
        metric=metric,
        candidate_values=cand_values,
        reference_values=ref_values,
        threshold=threshold,
        significance=mann_whitney(cand_values, ref_values, "greater", alpha),
        checked=max((run.equality["checked"] for run in candidate), default=0),
        mismatches=len(mismatched),
        examples=mismatched[:EXAMPLES],
    )


def gate_interleaved(
    runs: RunSet, candidate: str, reference: str, metric: str, threshold: float, allow_inconclusive: bool = False
) -> GateVerdict:
    """Gate ``candidate`` against ``reference`` measured interleaved in one run set."""
    _check(runs, "measurements")
    comparison = compare(runs.of(candidate), runs.of(reference), metric, threshold, (candidate, reference))
    return GateVerdict("interleaved", metric, threshold, [comparison], allow_inconclusive)


def gate_files(
    baseline: RunSet, current: RunSet, metric: str, threshold: float, allow_inconclusive: bool = False
) -> GateVerdict:
    """Gate every strategy found in both documents: current against baseline."""
    _check(baseline, "baseline")
    _check(current, "current")
    common = [name for name in current.strategies if name in baseline.strategies]
    if not common:
        raise ExifbenchError(
            f"baseline ({', '.join(baseline.strategies)}) and current ({', '.join(current.strategies)}) "
            "have no strategy in common"
        )
    comparisons = [
        compare(current.of(name), baseline.of(name), metric, threshold, (f"{name} (current)", f"{name} (baseline)"))
        for name in common
    ]
    only = sorted(set(baseline.strategies) ^ set(current.strategies))
    context = {"not_compared": only} if only else {}
    return GateVerdict("files", metric, threshold, comparisons, allow_inconclusive, context)


def _check(runs: RunSet, what: str) -> None:
    if not runs.runs:
        raise ExifbenchError(f"{what}: no runs to compare")
    if not runs.complete:
        raise ExifbenchError(f"{what}: the run was interrupted (complete: false); gate only complete results")


def _ratio(ratio: float) -> str:
    return "∞×" if ratio == float("inf") else f"{ratio:.3g}×"


def _value(value: float, unit: str) -> str:
    if unit == "calls":
        return f"{value:g} calls"
    if unit == "s" and abs(value) >= 1:
        return f"{value:.3f} s"
    return f"{value * 1000 if unit == 's' else value:.3g} ms"


def _context(verdict: GateVerdict) -> str:
    return " · ".join(f"{key}: {value}" for key, value in verdict.context.items())


_COLOURS = {PASS: "green", INCONCLUSIVE: "yellow", REGRESSION: "red", MISMATCH: "red"}


def render_console(verdict: GateVerdict) -> str:
    """Rich markup for one screen: a line per comparison, mismatch examples, the outcome."""
    settings = f"{verdict.metric}, threshold +{verdict.threshold * 100:g}%, alpha {ALPHA:g}"
    lines = [f"[bold]exifbench gate[/bold] — {settings}"]
    if verdict.context:
        lines.append(f"[dim]{escape(_context(verdict))}[/dim]")
    for comparison in verdict.comparisons:
        lines.append(f"[{_COLOURS[comparison.status]}]{escape(comparison.headline())}[/]")
        for m in comparison.examples:
            lines.append(escape(f"  {m['path']} {m['tag']}: expected {m['expected']}, got {m['actual']}"))
    colour = "green" if verdict.passed else "red"
    lines.append(f"[bold {colour}]Gate: {verdict.summary()}[/]")
    return "\n".join(lines)


def render_markdown(verdict: GateVerdict) -> str:
    """A GitHub-flavoured summary: outcome heading, a table, the headlines and examples."""
    icon = "✅" if verdict.passed else "❌"
    out = [f"## {icon} exifbench gate: {verdict.summary()}", ""]
    if verdict.context:
        out += [_context(verdict), ""]
    out += [
        "| candidate | reference | metric | median (candidate) | median (reference) | ratio | limit | significance "
        "| result |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for c in verdict.comparisons:
        unit = UNITS[c.metric]
        out.append(
            f"| {c.candidate} | {c.reference} | {c.metric} | {_value(median(c.candidate_values), unit)} "
            f"| {_value(median(c.reference_values), unit)} | {_ratio(c.ratio)} | {1 + c.threshold:.2f}× "
            f"| {c.significance.describe()} | **{c.status}** |"
        )
    out.append("")
    for c in verdict.comparisons:
        out.append(f"- {c.headline()}")
        out += [f"  - `{m['path']}` {m['tag']}: expected `{m['expected']}`, got `{m['actual']}`" for m in c.examples]
    out += ["", "A regression must exceed the threshold and be significant (one-sided Mann–Whitney U); "
            "an inconclusive result fails unless allowed; any EXIF mismatch fails.", ""]  # fmt: skip
    return "\n".join(out)


def render_json(verdict: GateVerdict) -> str:
    return json.dumps(verdict.to_dict(), indent=1)
