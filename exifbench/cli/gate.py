"""``exifbench gate``: the CI regression gate, on two saved documents or on an interleaved run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import console, dataset_for, graceful_stop, replay_progress, show_dataset, user_errors
from exifbench.cli.options import (
    Folder, IoBandwidth, IoCache, IoConcurrency, IoJitter, IoLatency, PatternName, StorageProfile, Workers, storage_choice,
)  # fmt: skip
from exifbench.documents.runs import RunSet
from exifbench.errors import ExifbenchError
from exifbench.files import check_writable, write_atomic
from exifbench.pattern.builtin import load_pattern

CANDIDATE_ONLY = {"folder": "DIR", "reference": "--reference", "repeat": "--repeat", "workers": "--workers",
                  "storage": "--storage", "io_latency": "--io-latency", "io_concurrency": "--io-concurrency",
                  "io_bandwidth": "--io-bandwidth", "io_jitter": "--io-jitter", "io_cache": "--io-cache",
                  "pattern": "--pattern"}  # fmt: skip


@user_errors
def gate(
    ctx: typer.Context,
    folder: Folder = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Baseline result document (exifbench run --json).")] = None,
    current: Annotated[Optional[Path], typer.Option(help="Current result document, gated against --baseline strategy by strategy.")] = None,
    candidate: Annotated[Optional[str], typer.Option(help="Strategy to gate, run here interleaved with --reference (robust on shared CI).")] = None,
    reference: Annotated[str, typer.Option(help="--candidate mode: the reference strategy.")] = "sync",
    metric: Annotated[str, typer.Option(help="blocking, background, p99 or not_ready.")] = "blocking",
    max_regression: Annotated[str, typer.Option(help="Allowed growth of the metric's median, e.g. 10%.")] = "10%",
    allow_inconclusive: Annotated[bool, typer.Option(help="Pass when over the threshold but not significant (e.g. too few repeats).")] = False,
    repeat: Annotated[int, typer.Option(min=1, help="--candidate mode: runs per strategy, interleaved (4 is the fewest that can reach p<0.05).")] = 5,
    workers: Workers = 4,
    storage: StorageProfile = None,
    io_latency: IoLatency = None,
    io_concurrency: IoConcurrency = None,
    io_bandwidth: IoBandwidth = None,
    io_jitter: IoJitter = None,
    io_cache: IoCache = False,
    pattern: PatternName = None,
    verdict_json: Annotated[Optional[Path], typer.Option(help="Write the verdict as JSON here.")] = None,
    verdict_md: Annotated[Optional[Path], typer.Option(help="Write the verdict as Markdown here (it is also appended to $GITHUB_STEP_SUMMARY when set).")] = None,
) -> None:
    """Fail on a significant regression or any EXIF mismatch: exit 0 pass, 1 fail, 2 bad input.

    Either gate --current against --baseline (two saved run documents), or run --candidate
    interleaved with --reference here, on DIR; DIR, --reference, --repeat, --workers,
    --storage and the --io-* options, and --pattern apply to --candidate mode only.

    A regression must exceed --max-regression AND be significant (one-sided Mann–Whitney U,
    alpha 0.05). Over the threshold but not significant — e.g. fewer than 4 repeats per side,
    which can never reach p<0.05 — is inconclusive and fails unless --allow-inconclusive.
    """
    from exifbench.analysis.gate import gate_files
    from exifbench.analysis.metrics import METRICS
    from exifbench.config import percent
    from exifbench.renderers.gate import render_console, render_json, render_markdown
    from exifbench.workflows.ab import ab_calls, gate_ab

    if metric not in METRICS:
        raise ExifbenchError(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    threshold = percent(max_regression, "--max-regression")
    for path in (verdict_json, verdict_md):
        if path is not None:
            check_writable(path)
    if candidate is not None:
        if baseline is not None or current is not None:
            raise ExifbenchError("use either --baseline/--current or --candidate, not both")
        replay_pattern = load_pattern(pattern)
        choice = storage_choice(storage, io_latency, io_concurrency, io_bandwidth, io_jitter, io_cache)
        dataset = dataset_for(folder, choice)
        show_dataset(dataset, replay_pattern)
        with graceful_stop() as stop, replay_progress(ab_calls(replay_pattern, repeat)) as update:
            verdict = gate_ab(dataset, replay_pattern, candidate, reference, metric, threshold, allow_inconclusive,
                              repeat, workers, update, stop)  # fmt: skip
    else:
        if baseline is None or current is None:
            raise ExifbenchError("give --baseline and --current, or --candidate (see exifbench gate --help)")
        misplaced = [flag for name, flag in CANDIDATE_ONLY.items() if given(ctx, name)]
        if misplaced:
            raise ExifbenchError(f"{', '.join(misplaced)}: only with --candidate, not with --baseline/--current")
        verdict = gate_files(RunSet.load(baseline), RunSet.load(current), metric, threshold, allow_inconclusive)
        verdict.context.update(baseline=str(baseline), current=str(current))
    console.print(render_console(verdict), highlight=False, soft_wrap=True)
    markdown = render_markdown(verdict)
    if verdict_json is not None:
        write_atomic(verdict_json, render_json(verdict))
    if verdict_md is not None:
        write_atomic(verdict_md, markdown)
    append_step_summary(markdown)
    raise typer.Exit(verdict.exit_code)


def given(ctx: typer.Context, parameter: str) -> bool:
    """Whether the user set ``parameter`` (on the command line or through the environment), not its default."""
    source = ctx.get_parameter_source(parameter)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def append_step_summary(markdown: str) -> None:
    """In GitHub Actions, append ``markdown`` to the job summary ($GITHUB_STEP_SUMMARY)."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        raise ExifbenchError(f"$GITHUB_STEP_SUMMARY ({summary}): cannot append ({exc.strerror or exc})") from None
