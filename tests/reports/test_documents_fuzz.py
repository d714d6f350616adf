"""Property-based fuzz of every document loader — run sets, gate verdicts, decisions, peers reports, sweeps.

Valid documents of each kind are mutated — keys dropped, values swapped for other types,
NaN, infinities, huge numbers, markup — and loaded: the loader either succeeds (and then
every renderer draws the document) or raises :class:`ExifbenchError`; nothing else. Through
the CLI, a bad document is exit 2, one line, and nothing written to ``--out``.
"""

from __future__ import annotations

import copy
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from exifbench.reports import documents
from exifbench.reports.analysis.decide import judge_phase
from exifbench.reports.analysis.gate import gate_files
from exifbench.reports.documents.policy import Policy
from exifbench.reports.analysis.report import analyze
from exifbench.reports.analysis.sweep import analyze_sweep
from exifbench.cli import app
from exifbench.reports.documents.decision import Decision, PhaseVerdict
from exifbench.reports.documents.gate import GateVerdict
from exifbench.reports.documents.peers import OWN_BLOCK, FieldAgreement, PeerResult, PeersReport
from exifbench.reports.documents.runs import FileError, Responsiveness, RunConfig, RunResult, RunSet
from exifbench.reports.documents.sweep import Configuration, SweepResults
from exifbench.errors import ExifbenchError
from exifbench.reports.renderers import decision as decision_renderers
from exifbench.reports.renderers import gate as gate_renderers
from exifbench.reports.renderers import peers as peers_renderers
from exifbench.reports.renderers import sweep as sweep_renderers
from exifbench.reports.renderers.markdown import render_markdown
from exifbench.reports.renderers.plots import PLOTS
from exifbench.reports.renderers.table import render_table
from slow_strategies import fake_run

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
CLI_FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

BAD_VALUES = st.one_of(
    st.sampled_from([None, True, False, "", "x", "[/bold]", "\x1b[31mred", -1, 0, 10**30, 10**400, 1e308, -1e308,
                     math.nan, math.inf, -math.inf, [], {}, [1, "a"], {"a": None}]),  # fmt: skip
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.text(max_size=4),
)


def full_run(strategy: str, blocking_s: float, repeat: int) -> RunResult:
    """A synthetic run with every optional part a renderer reads: samples, config, probe figures, a profile."""
    run = fake_run(strategy, blocking_s, repeat, not_ready=3)
    calls = 12
    run.samples = {
        "blocking_ms": [blocking_s * 1000 / calls] * calls,
        "at_ms": [20.0 * i for i in range(calls)],
        "end_ms": [20.0 * i + blocking_s * 1000 / calls for i in range(calls)],
        "not_ready": [1, 1, 1] + [0] * (calls - 3),
        "lag_ms": [0.1, 0.5, 2.0],
    }
    run.config = RunConfig.from_dict({
        "dataset": "photos", "pattern": "startup-50", "storage": "local", "on_not_ready": "defaults", "workers": 4,
        "extractors": ["pillow"], "cold": True,
        "cold_check": {"cold_median_ms": 3.0, "warm_median_ms": 0.2, "files": 22, "measurably_slower": True},
        "fastpath_fallbacks": {"files": 22, "no-exif": 2},
        "skipped": [{"path": "/p/x.txt", "reason": "not an image"}],
    })  # fmt: skip
    run.responsiveness = Responsiveness.from_dict({"ui": "probe", "ticks": 3, "lag_p99_ms": 1.9, "frames_over_budget": 0, "tick_ms": 16.7})
    run.errors = [FileError("/p/bad.jpg", "SyntaxError: not a JPEG file")]
    run.environment = {"python": "3.11", "harness_overhead_us": 1.5}
    if repeat == 0:
        run.extra["profile"] = {"files": {"html": f"profile-{strategy}.html"}, "headline": "load_exif — 1 s"}
    return run


def run_set() -> RunSet:
    return RunSet([full_run(name, 0.1 + i / 100, i) for i in range(2) for name in ("sync", "threadpool")])


def gate_verdict() -> GateVerdict:
    base = RunSet([fake_run(name, 0.1 + i / 1000, i) for i in range(4) for name in ("sync", "lazy")])
    mismatch = {"path": "/p/a.jpg", "tag": "Make", "expected": "'Canon'", "actual": "'Nikon'"}
    cur = RunSet([fake_run("sync", 0.3 + i / 1000, i) for i in range(4)]
                 + [fake_run("lazy", 0.1, i, mismatches=(mismatch,)) for i in range(4)])  # fmt: skip
    verdict = gate_files(base, cur, ("blocking",), 0.10)
    verdict.context.update(baseline="base.json", current="cur.json")
    return verdict


def decision() -> Decision:
    sync = [fake_run("sync", 1.0 + i / 100, i) for i in range(2)]
    pool = [fake_run("pool", 0.01 + i / 1000, i) for i in range(2)]
    small = judge_phase("small", RunSet([*sync, *pool]), "pool", "sync", Policy())
    full = PhaseVerdict("full", 100, 102, 0, not_run="an earlier phase was rejected")
    return Decision("pool", "sync", "photos", "local storage", Policy(), [small, full])


def peers_report() -> PeersReport:
    agree = {"Make": FieldAgreement(agree=3), "GPS": FieldAgreement(agree=1, disagree=1, only_tool=1)}
    return PeersReport(files=3, repeats=2, peers=[
        PeerResult("pillow", True, version="11.0", files=3, mean_ms=1.0, median_ms=0.9),
        PeerResult("fastpath", True, files=3, errors=1, mean_ms=0.4, median_ms=0.3, agreement=agree),
        PeerResult("exiftool", True, timing=OWN_BLOCK, files=3, mean_ms=5.0, median_ms=4.0, agreement=agree),
        PeerResult("exifread", False, reason="not installed"),
    ], context={"dataset": "photos"})  # fmt: skip


def sweep() -> SweepResults:
    settings = {"workers": 4, "extractor": "pillow", "storage": "original", "pattern": "startup-50"}
    return SweepResults([Configuration({**settings, "strategy": name}, [full_run(name, blocking, i) for i in range(2)])
                         for name, blocking in (("sync", 1.0), ("threadpool", 0.01))],
                        varied=["strategy"], repeats=2)  # fmt: skip


VALID: dict[str, dict[str, Any]] = {
    "runs": run_set().to_dict(),
    "run": RunSet([full_run("sync", 0.2, 0)]).to_dict(),
    "gate": json.loads(gate_renderers.render_json(gate_verdict())),
    "decision": json.loads(decision_renderers.render_json(decision())),
    "peers": peers_report().to_dict(),
    "sweep": sweep().to_dict(),
}


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON tree (a key of an object or an index of a list)."""
    found = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found.append((*prefix, key))
        found += paths(child, (*prefix, key))
    return found


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> Any:
    """``VALID[kind]`` with one to three places dropped or replaced by a bad value."""
    doc = copy.deepcopy(VALID[kind])
    for _ in range(draw(st.integers(1, 3))):
        places = paths(doc)
        if not places:
            break
        *parents, key = draw(st.sampled_from(places))
        parent = doc
        for step in parents:
            parent = parent[step]
        if draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(BAD_VALUES)
    return doc


def draw_everything(document: documents.Document) -> None:
    """Every renderer a loaded document goes through (figures built, not saved: that is the slow part)."""
    console = Console(file=io.StringIO(), width=120)
    if isinstance(document, RunSet):
        report = analyze(document)
        console.print(render_table(report))
        if document.runs:
            render_markdown(report)
            for plot in PLOTS.values():
                plot(report)
    elif isinstance(document, GateVerdict):
        console.print(gate_renderers.render_console(document))
        gate_renderers.render_markdown(document)
        gate_renderers.render_html(document)
        gate_renderers.render_json(document)
    elif isinstance(document, PeersReport):
        console.print(peers_renderers.render_console(document))
        peers_renderers.render_markdown(document)
    elif isinstance(document, SweepResults):
        analysis = analyze_sweep(document)
        console.print(sweep_renderers.render_console(analysis), *sweep_renderers.render_wide(document, 120))
        sweep_renderers.render_markdown(analysis)
        sweep_renderers.pareto_figure(analysis)
    else:
        console.print(decision_renderers.render_console(document))
        decision_renderers.render_markdown(document)
        decision_renderers.render_json(document)
        for phase in document.phases:
            render_markdown(analyze(RunSet(list(phase.runs)))) if phase.runs else None


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_documents_load_and_draw(kind: str) -> None:
    draw_everything(documents.from_dict(json.loads(json.dumps(VALID[kind])), kind))


@pytest.mark.parametrize("kind", sorted(VALID))
@FUZZ
@given(data=st.data())
def test_a_mutated_document_loads_and_draws_or_is_one_named_error(kind: str, data: st.DataObject) -> None:
    doc = data.draw(mutated(kind))
    try:
        loaded = documents.from_dict(json.loads(json.dumps(doc)), f"{kind}.json")
    except ExifbenchError as exc:
        message = str(exc)
        assert message.startswith(f"{kind}.json") and "\n" not in message and len(message) < 300, message
        event("refused in one line")
        return
    draw_everything(loaded)
    event("loaded and drawn by every renderer")


def one_line_refusal(args: list[str], out: Path | None = None) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (args, result.output, result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    if out is not None:
        assert not out.exists(), "nothing is written for a bad document"
    return lines[0]


def with_value(doc: dict[str, Any], place: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, key = place
    target = doc
    for step in parents:
        target = target[step]
    if value is KeyError:
        del target[key]
    else:
        target[key] = value
    return doc


NESTED: list[tuple[str, tuple[Any, ...], Any, str]] = [
    ("config-list", ("runs", 0, "config"), [], "runs[0].config: must be an object, got []"),
    ("environment-text", ("runs", 1, "environment"), "x", "runs[1].environment: must be an object, got 'x'"),
    ("error-path-number", ("runs", 0, "errors", 0, "path"), 5, "runs[0].errors[0].path: must be text, got 5"),
    ("sample-text", ("runs", 0, "samples", "blocking_ms", 2), "x", "runs[0].samples.blocking_ms[2]: must be a finite number"),
    ("sample-nan", ("runs", 0, "samples", "lag_ms", 0), math.nan, "runs[0].samples.lag_ms[0]: must be a finite number"),
    ("sample-infinite", ("runs", 0, "samples", "at_ms", 1), math.inf, "runs[0].samples.at_ms[1]: must be a finite number"),
    ("sample-huge", ("runs", 0, "samples", "end_ms", 1), 1e300, "runs[0].samples.end_ms[1]: must be a finite number"),
    ("responsiveness-null", ("runs", 0, "responsiveness"), None, "runs[0].responsiveness: must be an object, got None"),
    ("responsiveness-lag-text", ("runs", 0, "responsiveness", "lag_p99_ms"), "slow", "runs[0].responsiveness.lag_p99_ms"),
    ("mismatch-missing-key", ("runs", 0, "equality", "mismatches"), [{"path": "/p/a.jpg", "tag": "Make"}],
     "runs[0].equality.mismatches[0]: missing field 'expected'"),
    ("cold-check-keys", ("runs", 0, "config", "cold_check"), {"files": 3}, "runs[0].config.cold_check: missing field"),
    ("skipped-number", ("runs", 0, "config", "skipped"), [7], "runs[0].config.skipped[0]: must be an object, got 7"),
    ("complete-text", ("complete",), "yes", "complete: must be true or false, got 'yes'"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "place", "value", "message"), NESTED, ids=[c for c, *_ in NESTED])
def test_report_and_gate_refuse_bad_nested_fields(case: str, place: tuple[Any, ...], value: Any, message: str,
                                                  tmp_path: Path) -> None:  # fmt: skip
    bad, good = tmp_path / f"{case}.json", tmp_path / "good.json"
    bad.write_text(json.dumps(with_value(VALID["runs"], place, value)))
    good.write_text(json.dumps(VALID["runs"]))
    out = tmp_path / "out"
    assert message in one_line_refusal(["report", str(bad), "--out", str(out)], out)
    verdict = tmp_path / "verdict.json"
    line = one_line_refusal(["gate", "--baseline", str(bad), "--current", str(good), "--verdict-json", str(verdict)])
    assert message in line and not verdict.exists()
    assert message in one_line_refusal(["gate", "--baseline", str(good), "--current", str(bad)])


BAD_VERDICTS: list[tuple[str, tuple[Any, ...], Any, str]] = [
    ("comparisons-text", ("comparisons",), "x", "comparisons: must be a list"),
    ("status-unknown", ("comparisons", 0, "status"), "fine", "comparisons[0].status: must be 'pass' or"),
    ("values-infinite", ("comparisons", 1, "candidate_values", 0), math.inf, "comparisons[1].candidate_values[0]"),
    ("p-value-missing", ("comparisons", 0, "significance", "p_value"), KeyError, "significance: missing field 'p_value'"),
    ("example-key", ("comparisons", 1, "equality", "examples", 0), {"path": "/p/a.jpg"}, "examples[0]: missing field 'tag'"),
    ("alpha-zero", ("comparisons", 0, "significance", "alpha"), 0, "significance.alpha: must be above 0 and below 1"),
    ("alpha-one", ("comparisons", 1, "significance", "alpha"), 1.0, "significance.alpha: must be above 0 and below 1"),
]  # fmt: skip
BAD_DECISIONS: list[tuple[str, tuple[Any, ...], Any, str]] = [
    ("policy-missing", ("policy", "max_not_ready"), KeyError, "policy: missing field 'max_not_ready'"),
    ("policy-fraction", ("policy", "min_blocking_reduction"), 5, "policy.min_blocking_reduction: expected a fraction"),
    ("criterion-status", ("phases", 0, "criteria", 2, "status"), None, "phases[0].criteria[2].status"),
    ("run-resources", ("phases", 0, "runs", 1, "extra", "resources"), {}, "runs[1].extra.resources: missing field"),
    ("run-nested", ("phases", 0, "runs", 0, "errors"), [{"path": None}], "phases[0].runs[0].errors[0].path: must be text"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "case", "place", "value", "message"),
    [("gate", *case) for case in BAD_VERDICTS] + [("decision", *case) for case in BAD_DECISIONS],
    ids=[case[0] for case in [*BAD_VERDICTS, *BAD_DECISIONS]],
)
def test_report_refuses_bad_verdicts_and_decisions(kind: str, case: str, place: tuple[Any, ...], value: Any,
                                                   message: str, tmp_path: Path) -> None:  # fmt: skip
    bad = tmp_path / f"{case}.json"
    bad.write_text(json.dumps(with_value(VALID[kind], place, value)))
    out = tmp_path / "out"
    line = one_line_refusal(["report", str(bad), "--out", str(out)], out)
    assert line.startswith(f"error: {bad}") and message in line, line


@pytest.mark.parametrize("kind", ["gate", "runs", "sweep"])
@CLI_FUZZ
@given(data=st.data())
def test_cli_on_a_mutated_document_renders_or_refuses_in_one_line(kind: str, data: st.DataObject,
                                                                  tmp_path_factory: pytest.TempPathFactory) -> None:  # fmt: skip
    """``report --wide`` on a mutated verdict or sweep (its plot saved) and ``gate`` on a mutated baseline: exit 0/1, or 2
    with one line and no file."""
    tmp = tmp_path_factory.mktemp("cli")
    doc = tmp / "doc.json"
    doc.write_text(json.dumps(data.draw(mutated(kind))))
    out = tmp / "out"
    if kind != "runs":
        args = ["report", str(doc), "--out", str(out), "--wide"]
    else:
        good = tmp / "good.json"
        good.write_text(json.dumps(VALID["runs"]))
        args = ["gate", "--baseline", str(doc), "--current", str(good), "--verdict-md", str(out / "verdict.md")]
    result = CliRunner().invoke(app, args)
    event(f"exit {result.exit_code}")
    if result.exit_code == 2:
        assert len(result.output.strip().splitlines()) == 1 and not out.exists(), result.output
    else:
        assert result.exit_code in (0, 1) and result.exception is None or isinstance(result.exception, SystemExit), (
            result.output, result.exception)  # fmt: skip
