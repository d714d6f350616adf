"""Every verdict is a document: gate verdicts and decisions round-trip through JSON and re-render with ``report``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.reports import documents
from exifbench.reports.analysis.decide import judge_phase, rejudge
from exifbench.reports.analysis.gate import gate_files
from exifbench.reports.documents.policy import Policy
from exifbench.cli import app
from exifbench.reports.documents.decision import HOLD, Decision, PhaseVerdict
from exifbench.reports.documents.equality import EqualitySpec, equality_of, parse_equality
from exifbench.reports.documents.gate import GateVerdict
from exifbench.reports.documents.runs import RunSet
from exifbench.errors import ExifbenchError
from exifbench.reports.renderers.decision import render_json as decision_json
from exifbench.reports.renderers.decision import render_markdown as decision_markdown
from exifbench.reports.renderers.gate import render_json as gate_json
from exifbench.reports.renderers.gate import render_markdown as gate_markdown
from slow_strategies import fake_run

runner = CliRunner()
MISMATCH = {"path": "/p/a.jpg", "tag": "Make", "expected": "'Canon'", "actual": "'Nikon'"}


def verdict() -> GateVerdict:
    """Files mode: sync unchanged, threadpool 3× slower, lazy with a mismatch."""
    base = [fake_run(name, 0.1 + i / 1000, i) for i in range(4) for name in ("sync", "threadpool", "lazy")]
    cur = [fake_run("sync", 0.1 + i / 1000, i) for i in range(4)]
    cur += [fake_run("threadpool", 0.3 + i / 1000, i) for i in range(4)]
    cur += [fake_run("lazy", 0.1, i, mismatches=(MISMATCH,)) for i in range(4)]
    result = gate_files(RunSet(base), RunSet(cur), ("blocking",), 0.10)
    result.context.update(baseline="base.json", current="cur.json")
    return result


def decision() -> Decision:
    """A small phase judged on synthetic runs (HOLD: background too slow), then a full phase not run."""
    sync = [fake_run("sync", 1.0 + i / 100, i, background_s=1.0) for i in range(4)]
    pool = [fake_run("pool", 0.01 + i / 1000, i, background_s=2.0) for i in range(4)]
    runs = RunSet([run for pair in zip(sync, pool, strict=True) for run in pair])
    small = judge_phase("small", runs, "pool", "sync", Policy())
    full = PhaseVerdict("full", 100, 102, 0, not_run="an earlier phase was rejected")
    return Decision("pool", "sync", "photos", "local storage", Policy(), [small, full])


def test_gate_verdict_round_trips_through_its_json() -> None:
    original = verdict()
    assert [c.status for c in original.comparisons] == ["pass", "regression", "mismatch"]
    loaded = documents.from_dict(json.loads(gate_json(original)))
    assert isinstance(loaded, GateVerdict)
    assert loaded.to_dict() == original.to_dict()
    assert gate_markdown(loaded) == gate_markdown(original)


def test_decision_round_trips_with_its_phase_runs(tmp_path: Path) -> None:
    original = decision()
    path = tmp_path / "decision.json"
    path.write_text(decision_json(original))
    loaded = documents.load(path)
    assert isinstance(loaded, Decision)
    assert loaded.to_dict() == original.to_dict()
    assert loaded.decision == HOLD and len(loaded.phases[0].runs) == 8
    assert decision_markdown(loaded) == decision_markdown(original)
    again = rejudge(loaded.phases[0], "pool", "sync", loaded.policy)
    assert again.to_dict() == original.phases[0].to_dict()
    lenient = rejudge(loaded.phases[0], "pool", "sync", Policy(max_background_ratio=3.0))
    assert lenient.decision == "ENABLE"


def test_report_rerenders_a_saved_gate_verdict(tmp_path: Path) -> None:
    base, cur = tmp_path / "base.json", tmp_path / "cur.json"
    RunSet([fake_run("sync", 0.1 + i / 1000, i) for i in range(4)]).save(base)
    RunSet([fake_run("sync", 0.5 + i / 1000, i) for i in range(4)]).save(cur)
    saved_md = tmp_path / "verdict.md"
    gated = runner.invoke(app, ["gate", "--baseline", str(base), "--current", str(cur),
                                "--verdict-json", str(tmp_path / "verdict.json"), "--verdict-md", str(saved_md)])  # fmt: skip
    assert gated.exit_code == 1, gated.output
    result = runner.invoke(app, ["report", str(tmp_path / "verdict.json"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["verdict.html", "verdict.md"]
    assert (tmp_path / "out" / "verdict.md").read_text() == saved_md.read_text()
    assert "REGRESSION sync (current)" in result.output and "Gate: FAIL" in result.output
    assert "REGRESSION sync (current)" in (tmp_path / "out" / "verdict.html").read_text()


def test_report_rerenders_a_saved_decision_with_each_phase(tmp_path: Path) -> None:
    path = tmp_path / "decision.json"
    path.write_text(decision_json(decision()))
    result = runner.invoke(app, ["report", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert "Decision: HOLD" in result.output and "background" in result.output
    assert (out / "decision.md").read_text() == decision_markdown(decision())
    assert (out / "phase-small" / "report.html").is_file() and (out / "phase-small" / "summary.md").is_file()
    assert not (out / "phase-full").exists()  # not run: no runs to draw


def test_load_names_an_unknown_schema(tmp_path: Path) -> None:
    with pytest.raises(ExifbenchError, match=r"field 'schema' must be one of .*'exifbench.gate/1'.*got 'exifbench.nope/1'"):
        documents.from_dict({"schema": "exifbench.nope/1"}, "x.json")


def test_statistics_are_computed_once_per_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exifbench.reports.analysis import metrics
    from exifbench.reports.renderers.render import render_document

    calls: list[int] = []
    original = metrics.bootstrap_ratio

    def counted(candidate: list[float], reference: list[float]) -> object:
        calls.append(1)
        return original(candidate, reference)

    monkeypatch.setattr(metrics, "bootstrap_ratio", counted)
    runs = RunSet([fake_run(name, 0.1 + i / 100, i) for i in range(3) for name in ("sync", "threadpool", "lazy")])
    written, _ = render_document(runs, tmp_path, wide=True)
    assert len(written) > 3 and len(calls) == 2  # one bootstrap per strategy compared with sync, for every file and the table


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("time_to_exif", None, "time_to_exif"),
        ("time_to_exif", {"p90_ms": "slow"}, "time_to_exif.p90_ms"),
        ("first_page_ready_share", "all", "first_page_ready_share"),
        ("unverified", 5, "equality.unverified"),
        ("unverified", [3], "equality.unverified[0]"),
    ],
)
def test_the_user_visible_fields_are_checked_when_loaded(field: str, value: object, named: str) -> None:
    doc = fake_run("sync", 0.1, 0).to_dict()
    if field == "unverified":
        doc["equality"]["unverified"] = value
    else:
        doc[field] = value
    with pytest.raises(ExifbenchError, match=named.replace("[", r"\[")):
        RunSet.from_dict(doc)


def test_documents_from_before_equality_was_recorded_load_as_pillow_and_new_ones_keep_it() -> None:
    """Old gate verdicts, decisions and run documents mean ``--equality pillow``; a recorded choice round-trips."""
    old_gate, old_decision = verdict().to_dict(), decision().to_dict()
    for data in (old_gate, old_decision):
        del data["equality"]
    assert GateVerdict.from_dict(old_gate).equality == EqualitySpec()
    assert Decision.from_dict(old_decision).equality == EqualitySpec()
    old_run = fake_run("sync", 0.1).to_dict()
    assert "equality" not in old_run["config"] and equality_of(r.config.equality for r in RunSet.from_dict(old_run).runs) == EqualitySpec()
    spec = parse_equality("fields:Make,Model", "app:norm", reference="base.app:Loader")
    chosen = Decision("pool", "base.app:Loader", "photos", "local storage", Policy(), equality=spec)
    assert Decision.from_dict(json.loads(decision_json(chosen))).equality == spec
    assert "equality --equality fields:Make,Model (fields Make, Model of the reference base.app:Loader's dicts" in decision_markdown(chosen)
    with pytest.raises(ExifbenchError, match=r"decision: equality\.mode: must be"):
        Decision.from_dict({**chosen.to_dict(), "equality": {"mode": "exact"}})
