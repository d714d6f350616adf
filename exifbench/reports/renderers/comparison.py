"""The comparison every run-set renderer shows: the verdict and its caveats, then two tables.

The main table holds what a reader needs first and fits an 80-column terminal; the details
table holds the rest. Console, HTML and Markdown draw the same rows. One direction convention
everywhere: ``vs sync`` says how much less (or more) the main thread blocked than sync.
"""

from __future__ import annotations

from exifbench.reports import format as fmt
from exifbench.reports.analysis.metrics import PART_NAMES, StrategySummary, of_which
from exifbench.reports.analysis.report import RunReport
from exifbench.reports.documents.runs import RunSet
from exifbench.datasets.patterns.pattern import FRAME_MS

MAIN_HEADERS = ("strategy", "blocking", "vs sync", "placeholders", "time to EXIF p90", "frames missed", "EXIF equal")
IO_HEADERS = ("opens", "read requests", "bytes read")
"""What the storage daemon counted (median per run), "—" when the run was not read through the mount."""
DETAIL_HEADERS = ("strategy", "repeats", "calls", "p50 ms", "p99 ms", "max ms", "time to EXIF p50", "background", "UI lag p99",
                  "change (95% CI)", "errors", "main thread by part", *IO_HEADERS)  # fmt: skip
MAIN_NUMERIC = frozenset({1, 2, 3, 4, 5})
DETAIL_NUMERIC = frozenset(range(1, len(DETAIL_HEADERS))) - {DETAIL_HEADERS.index("main thread by part")}
EQUALITY_COLUMN = MAIN_HEADERS.index("EXIF equal")
CONVENTION = ("blocking: the main thread's total time inside the loader — its constructor, preload, load_exif, the "
              "view's re-asks, callbacks and close (median over repeats); vs sync: how much "
              "less (or more) it blocked than sync; placeholders: calls answered None instead of EXIF; time to EXIF: from an image's first request to its EXIF in hand; EXIF equal: files whose dict equals the expected one (--equality, named in the verdict).")  # fmt: skip


def strategy_name(s: StrategySummary) -> str:
    """The name with its pool size (``threadpool ×4``), marked when the runs were incomplete or not charged the
    storage model."""
    return pooled_name(s) + ("" if s.complete else " (incomplete)") + ("" if s.charged else " (not charged)")


def pooled_name(s: StrategySummary) -> str:
    """The name with its pool size: ``threadpool ×4``."""
    return s.strategy + ("" if s.workers is None else f" ×{s.workers}")


def main_row(s: StrategySummary, reference: str = "sync") -> list[str]:
    """The figures a reader needs first (columns :data:`MAIN_HEADERS`)."""
    if s.ratio_to_sync is not None:
        versus = fmt.less_or_more(s.ratio_to_sync.value)
    else:
        versus = "reference" if s.strategy == reference else "—"
    return [
        strategy_name(s),
        blocking_cell(s),
        versus,
        f"{fmt.number(s.not_ready.median)} of {s.calls}",
        fmt.duration(s.time_to_exif_p90_ms / 1000),
        fmt.number(s.frames_missed),
        equality_cell(s),
    ]


def unequal_text(s: StrategySummary, short: bool = False) -> str:
    """Why a strategy is not equal: ``41 tags`` (or fields), and the files ``load_exif`` raised for (``1 raised``)."""
    parts = [fmt.count(s.mismatches, s.equality.unit)] * (bool(s.mismatches) or not s.raised)
    parts += [f"{s.raised} raised" if short else f"load_exif raised on {fmt.count(s.raised, 'file')}"] * bool(s.raised)
    return ", ".join(parts)


def equality_cell(s: StrategySummary) -> str:
    """``all 82``, ``NO: 3 fields``, ``8, none with EXIF`` (every expected dict empty) or ``OFF`` (not compared)."""
    if s.equality.off:
        return "OFF (not compared)" + (f", {s.raised} raised" if s.raised else "")
    if not s.equal:
        return f"NO: {unequal_text(s, short=True)}"
    return f"{s.checked}, none with EXIF" if s.checks_nothing else f"all {s.checked}"


def equality_verdict(summaries: list[StrategySummary]) -> str:
    """The verdict line on equality, naming the ``--equality`` it was judged by."""
    if not summaries:
        return "Equality: no file was checked (nothing was measured)."
    spec = summaries[0].equality
    if spec.off:
        return "Equality: OFF (--equality off): no EXIF was compared, so nothing here says the loaders return the right dicts."
    unequal = [s for s in summaries if not s.equal]
    checked = max(s.checked for s in summaries)
    named = f"Equality (--equality {spec.name})"
    if unequal:
        return (f"{named}: MISMATCHES with {spec.describe()} in "
                + ", ".join(f"{s.strategy} ({unequal_text(s)})" for s in unequal) + ".")  # fmt: skip
    if not checked:
        return "Equality: no file was checked (nothing was measured)."
    if all(s.checks_nothing for s in summaries):
        return (f"{named}: the reference loader reads no EXIF from these files: equality checks nothing here "
                f"({spec.describe()} are empty for all {fmt.count(checked, 'file')}).")  # fmt: skip
    return f"{named}: every strategy equal to {spec.describe()} on all {fmt.count(checked, 'file')}."


def detail_row(s: StrategySummary) -> list[str]:
    """Everything else (columns :data:`DETAIL_HEADERS`)."""
    ratio = s.ratio_to_sync
    if ratio is None:
        change = "—"
    elif s.repeats < 2:
        change = fmt.change(ratio.value)
    else:
        change = f"{fmt.change(ratio.value)} [{fmt.change(ratio.low)}, {fmt.change(ratio.high)}]"
    return [
        strategy_name(s),
        str(s.repeats),
        str(s.calls),
        fmt.number(s.p50_ms),
        fmt.number(s.p99_ms),
        fmt.number(s.max_ms),
        fmt.duration(s.time_to_exif_p50_ms / 1000),
        fmt.spread(s.background_s, s.repeats),
        f"{fmt.number(s.lag_p99_ms)} ms",
        change,
        str(s.errors),
        by_part(s),
        *io_cells(s),
    ]


def blocking_cell(s: StrategySummary) -> str:
    """The median blocking, with the part that took most of it when that is not the pattern's calls:
    ``7.540 s, of which preload 7.535 s`` — a freeze in the constructor, preload or close is not hidden."""
    return fmt.duration(s.blocking_s.median) + of_which(s.parts_ms, s.blocking_s.median)


def by_part(s: StrategySummary) -> str:
    """Every part that took main-thread time, in the order a run spends it (``—`` for documents without parts)."""
    shown = [f"{PART_NAMES[part]} {fmt.duration(ms / 1000)}" for part, ms in s.parts_ms.items() if ms > 0]
    return "; ".join(shown) or "—"


def io_cells(s: StrategySummary) -> list[str]:
    """One strategy's :data:`IO_HEADERS` cells."""
    if s.io is None:
        return ["—"] * len(IO_HEADERS)
    return [f"{s.io['opens']:,.0f}", f"{s.io['reads']:,.0f}", f"{s.io['bytes']:,.0f}"]


def main_rows(report: RunReport) -> list[list[str]]:
    """The main table, one :func:`main_row` per strategy."""
    return [main_row(s, report.reference) for s in report.summaries]


def detail_rows(report: RunReport) -> list[list[str]]:
    """The details table, one :func:`detail_row` per strategy."""
    return [detail_row(s) for s in report.summaries]


def failed_files(runs: RunSet) -> dict[str, tuple[str, list[str]]]:
    """Each file that failed to load, in path order: its first error and the strategies that saw it."""
    seen: dict[str, tuple[str, list[str]]] = {}
    for run in runs.runs:
        for error in run.errors:
            _, strategies = seen.setdefault(error.path, (error.error, []))
            if run.strategy not in strategies:
                strategies.append(run.strategy)
    return dict(sorted(seen.items()))


OUTPUT_LINES = 5
"""A strategy's own output lines shown after the table (the result document keeps more)."""


def loader_output(runs: RunSet) -> dict[str, tuple[int, list[str]]]:
    """Each strategy that logged or printed during its runs: how many lines in all, and its first lines."""
    found: dict[str, tuple[int, list[str]]] = {}
    for run in runs.runs:
        if run.loader_output:
            lines, first = found.get(run.strategy, (0, []))
            found[run.strategy] = (lines + run.loader_output["lines"], (first + run.loader_output["first"])[:OUTPUT_LINES])
    return found


def seen_by(strategies: list[str], runs: RunSet) -> str:
    """``every strategy``, or the strategies named."""
    return "every strategy" if len(runs.strategies) > 1 and strategies == runs.strategies else _names(strategies)


def verdicts(report: RunReport) -> list[str]:
    """The answer first, then what it does not say: blocking vs the reference, placeholders, equality, errors,
    and what the storage model assumed."""
    summaries, reference = report.summaries, report.reference
    ref = next((s for s in summaries if s.strategy == reference), None)
    lines = []
    for s in summaries:
        if ref is None or s.ratio_to_sync is None:
            continue
        interval = ""
        if s.repeats > 1:
            interval = f", 95% CI {fmt.change(s.ratio_to_sync.low)} to {fmt.change(s.ratio_to_sync.high)}"
        lines.append(
            f"{s.strategy} blocks the main thread {fmt.compared_with(s.ratio_to_sync.value, reference)}: "
            f"{fmt.duration(s.blocking_s.median)} vs {fmt.duration(ref.blocking_s.median)} "
            f"({fmt.change(s.ratio_to_sync.value)}{interval})."
        )
    for caveat in (placeholder_caveat(summaries, contrast=bool(lines)), frames_caveat(summaries, reference)):
        if caveat:
            lines.append(caveat)
    lines.append(equality_verdict(summaries))
    lines.append(f"Errors: {fmt.count(len(failed_files(report.runs)), 'file')} failed to load (the loader returned {{}} for them, or raised: see each file).")
    storage = report.runs.runs[0].config.storage if report.runs.runs else None
    if storage:
        lines.append(f"Storage model: {storage}.")
    for s in summaries:
        if not s.charged:
            lines.append(f"{s.strategy} was NOT charged the storage model: it reads files itself and FUSE was not "
                         "available, so its times are not comparable with the others'.")  # fmt: skip
    per_open: dict[str, list[str]] = {}
    for s in summaries:
        if s.io:
            figures = (f"{fmt.number(s.io['bytes'] / max(1.0, s.io['opens']), 4)} bytes over "
                       f"{fmt.number(s.io['reads'] / max(1.0, s.io['opens']), 2)} read requests on average")  # fmt: skip
            per_open.setdefault(figures, []).append(s.strategy)
    if per_open:
        lines.append("I/O counted by the storage daemon, per file opened: " + "; ".join(f"{figures} for {_names(names)}" for figures, names in per_open.items()) + ".")
    return lines


def _names(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


UNEXPLAINED_FRAMES = 10
"""Frames missed beyond what a strategy's own blocking explains (167 ms of stutter) before the verdict says so."""


def frames_caveat(summaries: list[StrategySummary], reference: str) -> str | None:
    """One sentence naming every strategy but ``reference`` that missed :data:`UNEXPLAINED_FRAMES` or more 60 Hz
    frames beyond what its blocking in ``load_exif`` explains, with its UI lag p99; ``None`` when none did."""
    shown = [s for s in summaries
             if s.strategy != reference and s.frames_missed - s.blocking_s.median * 1000 / FRAME_MS >= UNEXPLAINED_FRAMES]  # fmt: skip
    if not shown:
        return None
    (first, *others) = [(s.strategy, fmt.number(s.frames_missed), fmt.duration(s.lag_p99_ms / 1000)) for s in shown]
    text = f"Still, {first[0]} missed {first[1]} frames at 60 Hz (UI lag p99 {first[2]})"
    text += "".join(f", and {name} {frames} ({lag})" for name, frames, lag in others)
    return text + (", more than blocking in load_exif explains: the UI thread lost that time elsewhere "
                   "(to the loader's workers, or to the machine's load).")  # fmt: skip


def placeholder_caveat(summaries: list[StrategySummary], contrast: bool = True) -> str | None:
    """One sentence naming every strategy that answered half its calls or more with a placeholder (strategies
    with the same count share a clause) and when their EXIF showed; ``None`` when none did. ``contrast``: it
    follows a claim of less blocking, so it opens with "But"."""
    shown = [s for s in summaries if s.calls and s.not_ready.median / s.calls >= 0.5]
    if not shown:
        return None
    groups: dict[tuple[float, int], list[str]] = {}
    for s in shown:
        groups.setdefault((s.not_ready.median, s.calls), []).append(s.strategy)
    counts = [(_names(names), f"{fmt.number(count)} of {calls}", f"({fmt.number(100 * count / calls)}%)")
              for (count, calls), names in groups.items()]  # fmt: skip
    (names, count, share), *others = counts
    text = f"{'But ' if contrast else ''}{names} answered {count} calls {share} with a placeholder"
    text += "".join(f", and {n} {c} {p}" for n, c, p in others)
    waits = sorted(s.time_to_exif_p90_ms / 1000 for s in shown if s.time_to_exif_p90_ms > 0)
    if waits:
        span = fmt.duration(waits[0]) + ("" if waits[0] == waits[-1] else f" to {fmt.duration(waits[-1])}")
        text += f"; {'its' if len(shown) == 1 else 'their'} EXIF showed after {span} (time-to-EXIF p90)"
    return text + ", so less blocking there is not the same as EXIF on screen sooner."
