"""``exifbench decide``: a phased rollout judged ENABLE / HOLD / REJECT."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import console, dataset_for, graceful_stop, replay_progress, say, show_dataset, user_errors
from exifbench.datasets.storage.model import StorageChoice
from exifbench.cli.options import (
    Folder, Force, JsonOut, PatternName, Workers, with_storage_options, EqualityChoice, Normalize,
)  # fmt: skip
from exifbench.reports.documents.equality import REFERENCE, parse_equality
from exifbench.errors import ExifbenchError
from exifbench.escape import shown
from exifbench.files import check_writable, save_document
from exifbench.datasets.patterns.builtin import load_pattern
from exifbench.strategies import resolve


@user_errors
@with_storage_options
def decide(
    candidate: Annotated[str, typer.Option(help="Strategy to roll out (a name or module:Class).")],
    folder: Folder = None,
    reference: Annotated[str, typer.Option(help="What the candidate would replace.")] = "sync",
    min_blocking_reduction: Annotated[Optional[str], typer.Option(help="Blocking must drop at least this much vs the reference, significantly [default 50%].")] = None,
    max_not_ready: Annotated[Optional[str], typer.Option(help="Largest share of calls that may show a placeholder [default 10%]; floor+5%: 5 points above the first-launch floor of the storage and pattern.")] = None,
    accept_placeholders: Annotated[bool, typer.Option("--accept-placeholders", help="The team accepts placeholders: any not-ready share passes (time-to-EXIF still counts).")] = False,
    max_time_to_exif_ms: Annotated[Optional[float], typer.Option(help="Time-to-EXIF p90 at most this many ms [default 100: perceived as instant].")] = None,
    max_long_tasks: Annotated[Optional[int], typer.Option(help="Main-thread stretches over 50 ms per replay (W3C Long Tasks) [default 2].")] = None,
    max_frozen_frames: Annotated[Optional[int], typer.Option(help="Frozen frames (over 700 ms) per replay [default 0].")] = None,
    max_background_ratio: Annotated[Optional[float], typer.Option(help="Background completion at most this × the reference's [default 1.5].")] = None,
    max_rss_growth_mb: Annotated[Optional[float], typer.Option(help="Peak RSS growth during a candidate run, in MB [default 200].")] = None,
    small_images: Annotated[Optional[int], typer.Option(help="Images in the small phase, fewer than 100 [default 48].")] = None,
    repeat_small: Annotated[Optional[int], typer.Option(help="Repeats per strategy in the small phase [default 4: the fewest that can reach p<0.05].")] = None,
    repeat_full: Annotated[Optional[int], typer.Option(help="Repeats per strategy on the full folder [default 4].")] = None,
    workers: Workers = None,
    pattern: PatternName = None,
    storage: StorageChoice = StorageChoice(),
    equality: EqualityChoice = None,
    normalize: Normalize = None,
    config: Annotated[Optional[Path], typer.Option(help="TOML file with a [tool.exifbench.decide] table [default: ./pyproject.toml].")] = None,
    json_path: JsonOut = None,
    force: Force = False,
) -> None:
    """Roll a candidate out in phases (small, then full) and decide ENABLE / HOLD / REJECT.

    REJECT: EXIF equality below 100% (--equality, default: the candidate's dicts equal the reference's) or leaked
    threads/processes. HOLD: a soft criterion failed
    (blocking reduction, placeholders, time-to-EXIF, long tasks, frozen frames, background,
    memory) or the blocking reduction is not significant. Exit 0 on ENABLE, 1 on HOLD or REJECT, 2 on bad input.
    Thresholds: options, else the [tool.exifbench.decide] table of pyproject.toml (same key names), else defaults.
    The verdict holds for --pattern (default startup-593; a built-in is sized to each phase's folder, a
    recorded pattern file is replayed as recorded in one full phase); the decision names it.
    """
    from exifbench.reports.documents.policy import POLICY_KEYS, Policy
    from exifbench.config import check_keys, load_section
    from exifbench.reports.renderers.decision import render_console, render_json
    from exifbench.harness.rollout import plan_phases, rollout, total_calls

    if accept_placeholders and max_not_ready is not None:
        raise ExifbenchError("--accept-placeholders and --max-not-ready: give one")
    options = {"min_blocking_reduction": min_blocking_reduction,
               "max_not_ready": "100%" if accept_placeholders else max_not_ready,
               "max_time_to_exif_ms": max_time_to_exif_ms, "max_long_tasks": max_long_tasks,
               "max_frozen_frames": max_frozen_frames,
               "max_background_ratio": max_background_ratio, "max_rss_growth_mb": max_rss_growth_mb,
               "small_images": small_images, "repeat_small": repeat_small, "repeat_full": repeat_full}  # fmt: skip
    for name in (candidate, reference):
        resolve(name)
    spec = parse_equality(equality or REFERENCE, normalize, reference)
    load_pattern(pattern)  # a bad pattern is one line now, before the dataset is made
    if json_path is not None:
        check_writable(json_path, force)
    section, where = load_section("decide", config)
    check_keys(section, POLICY_KEYS, where)
    policy = Policy().updated(section, lambda key: f"{where}: {key}")
    policy = policy.updated(options, lambda key: "--" + key.replace("_", "-"))
    dataset = dataset_for(folder, storage)
    show_dataset(dataset)
    if where:
        say(f"settings from {shown(where)}")
    phases = plan_phases(dataset.folder, policy, pattern)
    with graceful_stop() as stop, replay_progress(total_calls(phases)) as update:
        verdict = rollout(dataset.folder, candidate, reference, policy, dataset.storage, workers, update, stop,
                          dataset.label, phases, dataset.via, pattern, spec)  # fmt: skip
    console.print(render_console(verdict))
    if json_path is not None:
        save_document(json_path, render_json(verdict), force)
    raise typer.Exit(verdict.exit_code)
