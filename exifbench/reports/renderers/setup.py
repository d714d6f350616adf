"""What was measured, in words: dataset, pattern, storage model, policy, extractor, repeats."""

from __future__ import annotations

from typing import Any

from exifbench.reports.analysis.metrics import charged
from exifbench.reports.format import duration
from exifbench.reports.documents.equality import equality_of
from exifbench.reports.documents.runs import RunConfig, RunResult, RunSet, pool_workers


def cold_text(config: RunConfig) -> str:
    """What ``--cold`` achieved: were first reads after eviction measurably slower than warm ones?"""
    check = config.cold_check
    if check is None:
        return "cold page cache (not checked)"
    verdict = "measurably slower" if check.measurably_slower else "not measurably slower"
    return (f"cold page cache: first reads {check.cold_median_ms:.3g} ms vs warm {check.warm_median_ms:.3g} ms "
            f"median over {check.files} files ({verdict})")  # fmt: skip


def extractor_text(runs: RunSet) -> str:
    """The extractor(s) compared, with the fast path's fall-backs to Pillow (its first run's) when it was used."""
    config = runs.runs[0].config
    name = ", ".join(config.extractors or [config.extractor or "?"])
    fallbacks = dict(next((found for run in runs.runs if (found := run.config.fastpath_fallbacks) is not None), {}))
    if not fallbacks:
        return name
    files = fallbacks.pop("files", 0)
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(fallbacks.items())) or "none"
    return f"{name} (fastpath fell back to Pillow on {sum(fallbacks.values())} of {files} files: {reasons})"


def mount_cost_text(env: dict[str, Any]) -> str:
    """The mount's own cost per file read, as measured at the run's start and taken off its charges."""
    measured = env.get("fuse_overhead")
    if isinstance(measured, dict) and isinstance(whole := measured.get("file"), dict):
        taken = " (taken off its charges)" if measured.get("open_us") else ""
        return (f" (its own cost per file read: {format_us(whole.get('median_us'))} median, "
                f"{format_us(whole.get('p90_us'))} p90{taken})")  # fmt: skip
    overhead = env.get("fuse_overhead_us")  # a document from before the distribution
    return f" (its own cost: {overhead:g} µs per file read)" if isinstance(overhead, int | float) else ""


def format_us(value: object) -> str:
    return duration(value / 1e6) if isinstance(value, int | float) else "?"


def storage_text(runs: RunSet) -> str:
    """The storage model and where it was charged: the FUSE mount (with its own cost) or in-process (who was not)."""
    config, env = runs.runs[0].config, runs.runs[0].environment
    text = config.storage or "?"
    via = config.storage_via
    if via == "fuse":
        text += " through a FUSE mount" + mount_cost_text(env)
    elif via == "in-process":
        uncharged = [name for name in runs.strategies if not charged(runs.of(name))]
        text += " charged in-process" + (f"; NOT charged to {', '.join(uncharged)} (no reader parameter)" if uncharged else "")
    return text


def workers_text(runs: RunSet) -> str:
    """Each pooled strategy's workers, and who chose them: ``threadpool 4, viewport 64 (each strategy's default)``."""
    given = runs.runs[0].config.workers
    sizes = [f"{name} {size}" for name in runs.strategies if (size := pool_workers(runs.of(name))) is not None]
    if not sizes:  # no pool, or a document from before pools recorded their size
        return "each strategy's default" if given is None else str(given)
    return ", ".join(sizes) + (" (each strategy's default)" if given is None else f" (--workers {given})")


def setup(runs: RunSet) -> dict[str, str]:
    """What was measured, from the first run's config (the run set must have runs)."""
    config = runs.runs[0].config
    repeats = max(len(runs.of(name)) for name in runs.strategies)
    return {
        "dataset": f"{config.dataset or '?'} ({runs.runs[0].images} images)",
        "pattern": config.pattern or "?",
        "storage": storage_text(runs) + (f", {cold_text(config)}" if config.cold else ""),
        "not ready": f"{config.on_not_ready or '?'} (what the caller does with None)",
        "workers": workers_text(runs),
        "extractor": extractor_text(runs),
        "equality": equality_of(run.config.equality for run in runs.runs).headline(),
        "repeats": f"{repeats}" + ("" if runs.complete else " (interrupted: incomplete)"),
    }


def loader_summary(run: RunResult) -> str | None:
    """The loader's own line about ``run`` (its figures' ``summary``), named after the run's strategy."""
    summary = run.extra.get("summary")
    return f"{run.strategy}: {summary}" if isinstance(summary, str) else None
