"""Documents saved by an earlier exifbench (``tests/reports/saved/``) still load, keep every field and re-render."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.reports import documents
from exifbench.reports.documents.decision import Decision
from exifbench.reports.documents.gate import GateVerdict
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers import decision as decision_renderers
from exifbench.reports.renderers import gate as gate_renderers
from exifbench.reports.renderers import html, plots, sweep

SAVED = Path(__file__).parent / "saved"
KINDS = {"run": RunSet, "runs": RunSet, "gate": GateVerdict, "decision": Decision,
         "peers": documents.peers.PeersReport, "sweep": documents.sweep.SweepResults}  # fmt: skip


def saved_again(document: documents.Document) -> Any:
    """The document as its command writes it (a verdict and a decision with their words for readers)."""
    if isinstance(document, GateVerdict):
        return json.loads(gate_renderers.render_json(document))
    if isinstance(document, Decision):
        return json.loads(decision_renderers.render_json(document))
    return json.loads(json.dumps(document.to_dict(), default=str))


def missing_or_changed(old: Any, new: Any, where: str = "") -> list[str]:
    """Every place of ``old`` that ``new`` lacks or holds another value at (fields ``new`` adds are allowed)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [place for key, value in old.items()
                for place in ([f"{where}.{key} (missing)"] if key not in new else missing_or_changed(value, new[key], f"{where}.{key}"))]  # fmt: skip
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [place for i, (a, b) in enumerate(zip(old, new, strict=True)) for place in missing_or_changed(a, b, f"{where}[{i}]")]
    return [] if old == new and type(old) is type(new) else [f"{where}: {old!r} became {new!r}"[:200]]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_saved_document_loads_with_every_field_it_had(kind: str) -> None:
    path = SAVED / f"{kind}.json"
    old = json.loads(path.read_text())
    loaded = documents.load(path)
    assert isinstance(loaded, KINDS[kind])
    assert old["schema"] == f"exifbench.{kind}/1"
    assert missing_or_changed(old, saved_again(loaded)) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_report_rerenders_a_saved_document(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plots, "PLOTS", {})  # the figures are tested elsewhere; drawing them is the slow part
    monkeypatch.setattr(html, "PLOTS", {})
    monkeypatch.setattr(sweep, "save_figure", lambda figure, out_dir, stem: [])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", str(SAVED / f"{kind}.json"), "--out", str(out), "--wide"])
    assert result.exit_code == 0, (result.output, result.exception)
    written = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    expected = {"run": {"report.html", "summary.md"}, "runs": {"report.html", "summary.md"},
                "gate": {"verdict.md", "verdict.html"}, "peers": {"peers.md"}, "sweep": {"sweep.md"},
                "decision": {"decision.md", "phase-full/report.html", "phase-full/summary.md"}}[kind]  # fmt: skip
    assert written == expected
    shown = " ".join(result.output.split())
    words = {"run": ["threadpool ×4", "all 3"], "runs": ["sync", "threadpool ×4", "all 3"],
             "gate": ["PASS"], "decision": ["threadpool vs sync", "HOLD"],
             "peers": ["pillow", "fastpath"], "sweep": ["threadpool ×2", "threadpool ×4"]}[kind]  # fmt: skip
    assert all(word in shown for word in words), shown
