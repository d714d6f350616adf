"""``exifbench gate``: the CI regression gate, on two saved documents or on an interleaved run."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import dataset_for, fail, graceful_stop, replay_progress, say, show_dataset, user_errors
from exifbench.datasets.storage.model import StorageChoice
from exifbench.cli.options import (
    Folder, Force, HistoryDir, Metrics, PatternName,
    Workers, metric_names, min_effects, with_storage_options, EqualityChoice, Normalize,
)  # fmt: skip
from exifbench.reports.analysis.outcome import INCOMPLETE
from exifbench.reports.documents.equality import REFERENCE, parse_equality
from exifbench.reports.documents.gate import GateVerdict
from exifbench.reports.documents.runs import RunSet
from exifbench.escape import shown
from exifbench.errors import ExifbenchError
from exifbench.files import check_writable, save_document, write_atomic
from exifbench.datasets.patterns.builtin import load_pattern

STORAGE_FLAGS = {"storage": "--storage", "io_latency": "--io-latency", "io_concurrency": "--io-concurrency",
                 "io_bandwidth": "--io-bandwidth", "io_jitter": "--io-jitter", "io_cache": "--io-cache"}  # fmt: skip
RUN_OPTIONS = {**STORAGE_FLAGS, "workers": "--workers"}
"""What each ``--base`` child's ``exifbench run`` is given as the gate was."""
MEASURED_HERE = {"folder": "DIR", "repeat": "--repeat", **RUN_OPTIONS, "pattern": "--pattern"}
"""Options of the modes that measure here (--candidate, --base), refused by the modes that read documents."""
CANDIDATE_ONLY = {"reference": "--reference", "equality": "--equality", "normalize": "--normalize"}
BASE_ONLY = {"head": "--head", "strategy": "-s/--strategy", "tiers": "--tiers", "exact_tolerance": "--exact-tolerance",
             "max_repeat": "--max-repeat"}  # fmt: skip


@user_errors
@with_storage_options
def gate(
    ctx: typer.Context,
    folder: Folder = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Baseline result document (exifbench run --json).")] = None,
    current: Annotated[Optional[Path], typer.Option(help="Current result document, gated against --baseline strategy by strategy.")] = None,
    history_dir: HistoryDir = None,
    base: Annotated[Optional[str], typer.Option(help="Git revision to gate against (e.g. origin/main): -s's loader at this revision and at --head, measured here tier by tier, interleaved.")] = None,
    head: Annotated[Optional[str], typer.Option(help="--base mode: the revision to gate (default: the working tree as it is).")] = None,
    strategy: Annotated[Optional[str], typer.Option("--strategy", "-s", help="--base mode: the loader, module:Class as importable from the repository (or a built-in name).")] = None,
    tiers: Annotated[str, typer.Option(help="--base mode: exact (CPU instructions under callgrind: cpu_first_read, cpu_cached_call, cpu_main_replay), ab (interleaved wall-clock runs, and their exact I/O counts io_opens, io_requests, io_bytes through the mount), or exact,ab.")] = "exact,ab",
    exact_tolerance: Annotated[str, typer.Option(help="--base mode: growth of an instruction count that still passes (I/O counts: none).")] = "0.5%",
    max_repeat: Annotated[int, typer.Option(min=1, help="--base mode, --repeat auto: the most interleaved pairs.")] = 12,
    candidate: Annotated[Optional[str], typer.Option(help="Strategy to gate, run here interleaved with --reference (robust on shared CI).")] = None,
    reference: Annotated[Optional[str], typer.Option(help="--candidate mode: the candidate's own previous version, e.g. base.app.loader:Loader from the base branch checked out in base/.")] = None,
    metric: Metrics = "all",
    max_regression: Annotated[str, typer.Option(help="Allowed growth of each metric's median, e.g. 10%.")] = "10%",
    min_effect: Annotated[Optional[str], typer.Option(help="Minimum absolute effects, e.g. blocking=0.02,lag=5 (in each metric's unit: s, ms, calls, frames, MB); defaults in the README.")] = None,
    allow_inconclusive: Annotated[bool, typer.Option(help="Pass when over the threshold but not significant (e.g. too few repeats).")] = False,
    repeat: Annotated[Optional[str], typer.Option(help="--candidate/--base: runs per side, interleaved (4 is the fewest that can reach p<0.05); auto (--base default): pairs added after a warm-up pair until every comparison is significant or passes, up to --max-repeat. [--candidate default: 5]")] = None,
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

    Four ways. Recommended in CI: --base REV -s module:Class, which checks out
    REV (and --head) in temporary git worktrees and measures the loader of each
    here: exact tier (CPU instructions under valgrind's callgrind, each side
    twice; any growth over --exact-tolerance fails) and interleaved wall-clock
    pairs (ab), with the runs' I/O counts gated exactly. Or: --current against
    --baseline (two saved run documents of the same fingerprint; refused when
    the baseline's own noise exceeds what the rule allows); the newest run of
    --history DIR against the last stable segment of its series; or --candidate
    interleaved with --reference (its own previous version) on DIR. DIR,
    --repeat, --workers, --storage, the --io-* options and --pattern apply to
    the modes that measure here (--base, --candidate); --reference, --equality
    and --normalize to --candidate only (its default equality: the candidate's
    dicts equal the reference's).

    Metrics (--metric): blocking, blocking_own (blocking less the main thread's
    run-queue wait: what another process's load added is left out), p99,
    not_ready, time_to_exif, frames, lag, background, memory, bytes_read,
    read_requests; in --base mode also the exact
    cpu_first_read, cpu_cached_call, cpu_main_replay, io_opens, io_requests,
    io_bytes (always judged).

    A regression must exceed --max-regression AND the metric's minimum effect AND be
    significant (one-sided Mann–Whitney U, alpha 0.05). Over the limits but not significant
    — e.g. fewer than 4 repeats per side, which can never reach p<0.05 — is inconclusive
    and fails unless --allow-inconclusive. Documents whose fingerprints differ are refused
    (exit 2, the fields named); a baseline strategy missing from the current run fails.
    In --base mode Ctrl-C or SIGTERM stops every child, removes the worktrees and exits 3.
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
                                   ("--history", history_dir is not None), ("--candidate", candidate is not None),
                                   ("--base", base is not None)) if on]  # fmt: skip
    if len(modes) > 1:
        raise ExifbenchError(f"use one of {', '.join(modes)}, not several")
    misplaced = [flag for name, flag in BASE_ONLY.items() if given(ctx, name)] if base is None else []
    misplaced += [flag for name, flag in CANDIDATE_ONLY.items() if given(ctx, name)] if candidate is None else []
    if misplaced:
        raise ExifbenchError(f"{', '.join(misplaced)}: only with {'--base' if misplaced[0] in BASE_ONLY.values() else '--candidate'}")
    if base is not None:
        verdict = gate_base(ctx, base, head, strategy, folder, tiers, exact_tolerance, repeat, max_repeat, pattern,
                            metrics, threshold, allow_inconclusive, effects)  # fmt: skip
    elif candidate is not None:
        if reference is None:
            raise ExifbenchError("--candidate needs --reference: the candidate's own previous version (see exifbench gate --help)")
        repeats = repeat_count(repeat, auto=False) or 5
        spec = parse_equality(equality or REFERENCE, normalize, reference)
        replay_pattern = load_pattern(pattern)
        dataset = dataset_for(folder, storage)
        show_dataset(dataset, replay_pattern)
        with graceful_stop() as stop, replay_progress(ab_calls(replay_pattern, repeats)) as update:
            verdict = gate_ab(dataset, replay_pattern, candidate, reference, metrics, threshold, allow_inconclusive,
                              repeats, workers, update, stop, effects, spec)  # fmt: skip
    else:
        misplaced = [flag for name, flag in MEASURED_HERE.items() if given(ctx, name)]
        if misplaced:
            raise ExifbenchError(f"{', '.join(misplaced)}: only with --base or --candidate, not with "
                                 "--baseline/--current or --history")  # fmt: skip
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


def gate_base(
    ctx: typer.Context, base: str, head: str | None, strategy: str | None, folder: Path | None, tiers: str,
    exact_tolerance: str, repeat: str | None, max_repeat: int, pattern: str | None, metrics: tuple[str, ...],
    threshold: float, allow_inconclusive: bool, effects: dict[str, float],
) -> GateVerdict:
    """``--base`` mode: the options checked, the revisions measured here (:mod:`exifbench.harness.continuous`)."""
    from exifbench.config import percent
    from exifbench.harness.continuous import TIERS, RevisionGate, gate_revisions
    from exifbench.harness.sides import Children, Interrupted

    if strategy is None:
        raise ExifbenchError("--base needs -s/--strategy: the loader to gate, e.g. -s app.loader:Loader")
    chosen = tuple(dict.fromkeys(part.strip() for part in tiers.split(",") if part.strip()))
    if not chosen or any(tier not in TIERS for tier in chosen):
        raise ExifbenchError(f"--tiers: {tiers!r}; choose from {', '.join(TIERS)} (comma list)")
    if folder is not None and not folder.is_dir():
        raise ExifbenchError(f"{folder}: not a directory")
    run_options = [part for name, flag in RUN_OPTIONS.items() if given(ctx, name)
                   for part in ((flag,) if isinstance(ctx.params[name], bool) else (flag, str(ctx.params[name])))]  # fmt: skip
    if pattern is not None:
        run_options += ["--pattern", str(Path(pattern).resolve()) if Path(pattern).exists() else pattern]
    gate = RevisionGate(strategy, folder.resolve() if folder is not None else None, load_pattern(pattern), run_options,
                        chosen, metrics, threshold, percent(exact_tolerance, "--exact-tolerance"),
                        repeat_count(repeat, auto=True), max_repeat, allow_inconclusive, effects)  # fmt: skip
    children = Children()

    def stop(signum: int, frame: object) -> None:
        children.stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return gate_revisions(Path.cwd(), base, head, gate, lambda line: say(f"[dim]{shown(line)}[/dim]"), children)
    except Interrupted as exc:
        raise fail(f"{exc}: stopped, nothing judged (the worktrees are removed)", code=INCOMPLETE) from None
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def repeat_count(spec: str | None, auto: bool) -> int | None:
    """``--repeat``: a count ≥ 1, or ``None`` for ``auto`` (``--base`` only; also its default)."""
    if spec is None:
        return None
    if spec.strip() == "auto":
        if auto:
            return None
        raise ExifbenchError("--repeat auto: only with --base")
    try:
        count = int(spec)
    except ValueError:
        count = 0
    if count < 1:
        raise ExifbenchError(f"--repeat: expected a count ≥ 1 or auto, got {spec!r}")
    return count


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
