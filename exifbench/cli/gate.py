"""``exifbench gate``: the CI regression gate, on two saved documents or on an interleaved run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import dataset_for, graceful_stop, replay_progress, say, show_dataset, user_errors
from exifbench.datasets.storage.model import StorageChoice
from exifbench.cli.options import (
    Folder, Force, HistoryDir, Metrics, PatternName,
    Workers, metric_names, min_effects, with_storage_options, EqualityChoice, Normalize,
)  # fmt: skip
from exifbench.reports.documents.equality import REFERENCE, parse_equality
from exifbench.reports.documents.runs import RunSet
from exifbench.errors import ExifbenchError
from exifbench.files import check_writable, save_document, write_atomic
from exifbench.datasets.patterns.builtin import load_pattern

CANDIDATE_ONLY = {"folder": "DIR", "reference": "--reference", "repeat": "--repeat", "workers": "--workers",
                  "storage": "--storage", "io_latency": "--io-latency", "io_concurrency": "--io-concurrency",
                  "io_bandwidth": "--io-bandwidth", "io_jitter": "--io-jitter", "io_cache": "--io-cache",
                  "pattern": "--pattern", "equality": "--equality", "normalize": "--normalize"}  # fmt: skip


@user_errors
@with_storage_options
def gate(
    ctx: typer.Context,
    folder: Folder = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Baseline result document (exifbench run --json).")] = None,
    current: Annotated[Optional[Path], typer.Option(help="Current result document, gated against --baseline strategy by strategy.")] = None,
    history_dir: HistoryDir = None,
    candidate: Annotated[Optional[str], typer.Option(help="Strategy to gate, run here interleaved with --reference (robust on shared CI).")] = None,
    reference: Annotated[Optional[str], typer.Option(help="--candidate mode: the candidate's own previous version, e.g. base.app.loader:Loader from the base branch checked out in base/.")] = None,
    metric: Metrics = "all",
    max_regression: Annotated[str, typer.Option(help="Allowed growth of each metric's median, e.g. 10%.")] = "10%",
    min_effect: Annotated[Optional[str], typer.Option(help="Minimum absolute effects, e.g. blocking=0.02,lag=5 (in each metric's unit: s, ms, calls, frames, MB); defaults in the README.")] = None,
    allow_inconclusive: Annotated[bool, typer.Option(help="Pass when over the threshold but not significant (e.g. too few repeats).")] = False,
    repeat: Annotated[int, typer.Option(min=1, help="--candidate mode: runs per strategy, interleaved (4 is the fewest that can reach p<0.05).")] = 5,
    workers: Workers = None,
    storage: StorageChoice = StorageChoice(),
    pattern: PatternName = None,
    equality: EqualityChoice = None,
    normalize: Normalize = None,
    verdict_json: Annotated[Optional[Path], typer.Option(help="Write the verdict as JSON here.")] = None,
    verdict_md: Annotated[Optional[Path], typer.Option(help="Write the verdict as Markdown here (it is also appended to $GITHUB_STEP_SUMMARY when set).")] = None,
    force: Force = False,
) -> None:
    """Fail on a regression against the loader's own baseline, or any EXIF mismatch: exit 0 pass, 1 fail, 2 bad input.

    Three ways: gate --current against --baseline (two saved run documents of the same
    fingerprint; each strategy against itself); gate the newest run of --history DIR
    against the last stable segment of its series; or run --candidate interleaved with
    --reference (its own previous version) here, on DIR. DIR, --reference, --repeat,
    --workers, --storage and the --io-* options, --pattern, --equality and --normalize apply to
    --candidate mode only (its default equality: the candidate's dicts equal the reference's).

    A regression must exceed --max-regression AND the metric's minimum effect AND be
    significant (one-sided Mann–Whitney U, alpha 0.05). Over the limits but not significant
    — e.g. fewer than 4 repeats per side, which can never reach p<0.05 — is inconclusive
    and fails unless --allow-inconclusive. Documents whose fingerprints differ are refused
    (exit 2, the fields named); a baseline strategy missing from the current run fails.
    """
    from exifbench.reports.analysis.gate import gate_files, gate_history
    from exifbench.config import percent
    from exifbench.reports.documents.history import load
    from exifbench.reports.renderers.gate import render_console, render_json, render_markdown
    from exifbench.harness.ab import ab_calls, gate_ab

    metrics = metric_names(metric)
    effects = min_effects(min_effect)
    threshold = percent(max_regression, "--max-regression")
    for path in (verdict_json, verdict_md):
        if path is not None:
            check_writable(path, force)
    modes = [flag for flag, on in (("--baseline/--current", baseline is not None or current is not None),
                                   ("--history", history_dir is not None), ("--candidate", candidate is not None)) if on]  # fmt: skip
    if len(modes) > 1:
        raise ExifbenchError(f"use one of {', '.join(modes)}, not several")
    if candidate is not None:
        if reference is None:
            raise ExifbenchError("--candidate needs --reference: the candidate's own previous version (see exifbench gate --help)")
        spec = parse_equality(equality or REFERENCE, normalize, reference)
        replay_pattern = load_pattern(pattern)
        dataset = dataset_for(folder, storage)
        show_dataset(dataset, replay_pattern)
        with graceful_stop() as stop, replay_progress(ab_calls(replay_pattern, repeat)) as update:
            verdict = gate_ab(dataset, replay_pattern, candidate, reference, metrics, threshold, allow_inconclusive,
                              repeat, workers, update, stop, effects, spec)  # fmt: skip
    else:
        misplaced = [flag for name, flag in CANDIDATE_ONLY.items() if given(ctx, name)]
        if misplaced:
            raise ExifbenchError(f"{', '.join(misplaced)}: only with --candidate, not with --baseline/--current or --history")
        if history_dir is not None:
            verdict = gate_history(load(history_dir)[0], metrics, threshold, allow_inconclusive, effects)
        elif baseline is None or current is None:
            raise ExifbenchError("give --baseline and --current, --history DIR, or --candidate (see exifbench gate --help)")
        else:
            verdict = gate_files(RunSet.load(baseline), RunSet.load(current), metrics, threshold, allow_inconclusive,
                                 effects)  # fmt: skip
            verdict.context.update(baseline=str(baseline), current=str(current))
    say(render_console(verdict))
    markdown = render_markdown(verdict)
    if verdict_json is not None:
        save_document(verdict_json, render_json(verdict), force)
    if verdict_md is not None:
        write_atomic(verdict_md, markdown, force)
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
