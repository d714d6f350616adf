"""``gate --base REV [--head REV]``: one loader at two git revisions, measured here tier by tier, then judged.

Like asv's ``continuous``: a worktree per revision (:mod:`exifbench.harness.sides`), nothing
installed, every measurement a child process importing that revision's loader, the two sides
interleaved (base, head, base, head …) so machine drift hits both alike.

- **exact** — CPU instructions under callgrind (:mod:`exifbench.harness.instructions`), each
  side measured twice, on the first :data:`~exifbench.harness.instructions.FILES` files of the
  folder; gated on any growth over the tolerance.
- **ab** — ``exifbench run --repeat 1`` per side, in pairs after one warm-up pair (discarded),
  judged by the wall-clock rule; a fixed number of pairs, or (``repeat`` ``None``) pairs added
  until no comparison is inconclusive or ``max_repeat`` is reached, each of those looks tested at
  0.05 shared among them (:func:`~exifbench.reports.analysis.gate.sequential_alpha`); a comparison
  still not significant at the cap passes, its line saying so (a wall-clock difference that
  ``max_repeat`` interleaved pairs cannot tell from noise is not called a regression, as in asv). The mount's I/O counts of
  these runs (opens, read requests, bytes) are gated exactly, tolerance 0.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.errors import ExifbenchError
from exifbench.harness.environment import load_block, load_snapshot
from exifbench.harness.instructions import FILES, MEASURES, measure, valgrind
from exifbench.harness.plan import plan_replay
from exifbench.harness.sides import Children, Side, sides
from exifbench.reports.analysis.exact import CPU_TOLERANCE, IO_TOLERANCE, exact_comparison
from exifbench.reports.analysis.gate import gate_interleaved, note_load, overloaded, sequential_alpha
from exifbench.reports.analysis.metrics import IO_FIELDS, NO_IO
from exifbench.reports.documents.gate import INCONCLUSIVE, PASS, Comparison, GateVerdict
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.reports.statistics import ALPHA

TIERS = ("exact", "ab")
EXACT_REPEATS = 2
"""Measurements per side of the exact tier: enough to see whether the count repeats here."""
MAX_REPEAT = 12
"""``--repeat auto``'s cap on interleaved pairs."""
RUN_TIMEOUT_S = 1800.0
SUPERSEDED = ("bytes_read", "read_requests")
"""Wall-clock metrics the exact I/O counts replace in this mode."""

Notice = Callable[[str], None]


@dataclass(frozen=True)
class RevisionGate:
    """What to measure and how to judge it."""

    strategy: str
    folder: Path | None
    pattern: Pattern
    run_options: list[str] = field(default_factory=list)
    """``exifbench run`` options each A/B child gets (storage, pattern, workers)."""
    tiers: tuple[str, ...] = TIERS
    metrics: tuple[str, ...] = ()
    threshold: float = 0.10
    tolerance: float = CPU_TOLERANCE
    repeat: int | None = None
    max_repeat: int = MAX_REPEAT
    allow_inconclusive: bool = False
    min_effects: Mapping[str, float] = field(default_factory=dict)


def gate_revisions(cwd: Path, base: str, head: str | None, gate: RevisionGate, notice: Notice,
                   children: Children | None = None) -> GateVerdict:  # fmt: skip
    """Measure ``gate.strategy`` at ``base`` and at ``head`` (``None``: the working tree) and judge head.

    :class:`~exifbench.harness.sides.Interrupted` when ``children`` is stopped meanwhile (the worktrees removed)."""
    if "exact" in gate.tiers:
        valgrind()
    before = load_snapshot()
    labels = (f"{gate.strategy} (head)", f"{gate.strategy} (base)")
    found: list[Comparison] = []
    skipped: dict[str, str] = {}
    runs = RunSet()
    with sides(cwd, base, head, children) as (reference, candidate), tempfile.TemporaryDirectory(prefix="exifbench-gate-") as tmp:
        if "exact" in gate.tiers:
            found += exact_tier(gate, reference, candidate, labels, Path(tmp), notice)
        if "ab" in gate.tiers:
            ab, skipped, runs = ab_tier(gate, reference, candidate, labels, Path(tmp), notice)
            found += ab
        revisions = {"base": reference.revision, "head": candidate.revision}
    verdict = GateVerdict("revisions", ",".join(gate.metrics), gate.threshold, found, gate.allow_inconclusive,
                          skipped=skipped)  # fmt: skip
    load = load_block(before, load_snapshot())
    verdict.context.update(revisions, tiers=",".join(gate.tiers), load=load)
    if "exact" in gate.tiers:
        verdict.context["instructions"] = "valgrind --tool=callgrind (perf stat is not used)"
    note_load(verdict, runs.runs)
    if "overloaded" not in verdict.context and (caution := overloaded([load])) is not None:
        verdict.context["overloaded"] = caution
    return verdict


def exact_tier(gate: RevisionGate, reference: Side, candidate: Side, labels: tuple[str, str], tmp: Path,
               notice: Notice) -> list[Comparison]:  # fmt: skip
    """CPU instruction counts, :data:`EXACT_REPEATS` per side, interleaved (two at a time)."""
    files, calls = fixed_set(gate, tmp / "fixed")
    order = [side for _ in range(EXACT_REPEATS) for side in (reference, candidate)]
    notice(f"exact tier: {len(order)} callgrind measurements of {len(files)} files, base and head interleaved")
    with ThreadPoolExecutor(max_workers=2) as pool:
        measured = list(pool.map(lambda side: measure(side, gate.strategy, files, calls), order))
    by_side = {side.label: [m for s, m in zip(order, measured) if s is side] for side in (reference, candidate)}
    return [
        exact_comparison(metric, [m[metric] for m in by_side[candidate.label]],
                         [m[metric] for m in by_side[reference.label]], gate.tolerance, labels)  # fmt: skip
        for metric in MEASURES
    ]


def fixed_set(gate: RevisionGate, into: Path) -> tuple[list[str], list[str]]:
    """The first :data:`FILES` images of the folder copied into ``into``, and the pattern's calls on them."""
    if gate.folder is None:
        from exifbench.datasets.embedded import default_dataset

        source = scan(default_dataset())
    else:
        source = scan(gate.folder)
    if not source.files:
        raise ExifbenchError(f"{source.root}: no images found")
    into.mkdir(parents=True)
    for index, relative in enumerate(source.files[:FILES]):
        shutil.copyfile(source.absolute(relative), into / f"{index:03d}-{Path(relative).name}")
    folder = scan(into)
    plan = plan_replay(gate.pattern, folder)
    return folder.paths, [call.path for call in plan.calls]


def ab_tier(
    gate: RevisionGate, reference: Side, candidate: Side, labels: tuple[str, str], tmp: Path, notice: Notice
) -> tuple[list[Comparison], dict[str, str], RunSet]:
    """Interleaved pairs of runs after a warm-up pair; the wall-clock verdict's comparisons, then the exact I/O ones."""
    metrics = tuple(metric for metric in gate.metrics if metric not in SUPERSEDED)
    if gate.repeat is None:  # one test after every pair from the least: 0.05 shared among those looks
        alpha, least = sequential_alpha(gate.max_repeat)
        most = max(least, gate.max_repeat)
    else:
        alpha, least, most = ALPHA, gate.repeat, gate.repeat
    runs = RunSet()
    pair = 0
    while True:
        for side, label in ((reference, labels[1]), (candidate, labels[0])):
            run = run_side(gate, side, tmp / f"{side.label}-{pair}.json")
            if pair > 0:  # pair 0 is the warm-up
                runs.runs.append(replace(run, strategy=label, repeat=pair - 1))
        notice(f"ab tier: pair {pair} of {most} done" + (" (warm-up, not judged)" if pair == 0 else ""))
        pair += 1
        if pair - 1 < least:
            continue
        verdict = gate_interleaved(runs, labels[0], labels[1], metrics, gate.threshold, gate.allow_inconclusive,
                                   gate.min_effects, alpha)  # fmt: skip
        if pair - 1 >= most or all(c.status != INCONCLUSIVE for c in verdict.comparisons):
            break
    found = list(verdict.comparisons)
    if gate.repeat is None:  # --max-repeat pairs and still not significant: no regression (as asv's continuous)
        found = [replace(c, status=PASS) if c.status == INCONCLUSIVE else c for c in found]
    skipped = dict(verdict.skipped)
    cand, ref = runs.of(labels[0]), runs.of(labels[1])
    if all(run.io for run in [*cand, *ref]):
        found += [exact_comparison(metric, _io(cand, key), _io(ref, key), IO_TOLERANCE, labels)
                  for metric, key in IO_FIELDS.items()]  # fmt: skip
    else:
        skipped.update(dict.fromkeys(IO_FIELDS, NO_IO))
    return found, skipped, runs


def _io(runs: Sequence[RunResult], key: str) -> list[float]:
    return [float(run.io.total(key)) for run in runs if run.io is not None]


def run_side(gate: RevisionGate, side: Side, out: Path) -> RunResult:
    """One ``exifbench run --repeat 1`` of the loader as ``side`` has it, in a child process."""
    args = ["run", "-s", gate.strategy, *([str(gate.folder)] if gate.folder else []), "--repeat", "1",
            "--no-reference", "--json", str(out), "--force", *gate.run_options]  # fmt: skip
    try:
        done = side.children.run(side.command("exifbench.cli.side_run", *args), side.root, side.env(), RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ExifbenchError(f"{side.label}: exifbench run did not finish in {RUN_TIMEOUT_S:.0f} s") from None
    if not out.exists():
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise ExifbenchError(f"{side.label} ({side.revision}): {lines[-1] if lines else f'exit {done.returncode}'}")
    runs = RunSet.load(out)
    if len(runs.runs) != 1:
        why = "; ".join(failure.error for failure in runs.failed) or f"{len(runs.runs)} runs in its document, 1 expected"
        raise ExifbenchError(f"{side.label}: {gate.strategy} did not complete its run ({why})")
    return runs.runs[0]
