"""``--equality``: app loaders with dict shapes of their own, judged by fields, against their own reference, or not at all."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from exifbench.cli import app
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.documents.gate import GateVerdict
from exifbench.reports.documents.runs import RunSet
from exifbench.strategies.extractors import ExifReader

runner = CliRunner()
FIELDS = "fields:Make,Model"


def files(folder: Path) -> int:
    """The images of ``folder`` (the corpus in use decides: the full one or the vendored selection)."""
    return sum(1 for path in folder.iterdir() if path.is_file() and path.name != "README")


def holding(folder: Path, *fields: str) -> int:
    """The files of ``folder`` whose Pillow dict holds any of ``fields`` (every field: none given)."""
    reader = ExifReader()
    dicts = [reader(str(path)).exif for path in folder.iterdir() if path.is_file()]
    return sum(1 for exif in dicts if exif and (not fields or any(name in exif for name in fields)))


def run(*args: object) -> Result:
    return runner.invoke(app, ["run", *map(str, args)])


@pytest.fixture
def pattern_file(tmp_path: Path) -> Path:
    path = tmp_path / "startup-30.json"
    startup_pattern(images=30).save(path)
    return path


def test_an_app_shape_fails_on_format_alone_without_fields_and_passes_with_them(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run(corpus_copy, "-s", "examples.shaped_loader:CameraFieldsLoader", "--equality", FIELDS, "--normalize",
                 "examples.shaped_loader:camera_fields", "--json", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert ("Equality (--equality fields:Make,Model): every strategy equal to fields Make, Model of Pillow's "
            f"_getexif() dicts, normalized by examples.shaped_loader:camera_fields on all {files(corpus_copy)} files.") in " ".join(result.output.split())  # fmt: skip
    (one,) = RunSet.load(out).of("examples.shaped_loader:CameraFieldsLoader")
    assert one.config.equality is not None and one.config.equality.to_dict() == {"mode": "fields", "fields": ["Make", "Model"], "against": "pillow",
                                      "normalize": "examples.shaped_loader:camera_fields"}  # fmt: skip
    assert one.equality.baseline_exif == holding(corpus_copy, "Make", "Model")  # not the bad files, nor those without either
    whole = run(corpus_copy, "-s", "examples.shaped_loader:CameraFieldsLoader")
    assert whole.exit_code == 1 and "not equal to Pillow's _getexif() dicts (--equality pillow)" in " ".join(whole.output.split())


def test_a_field_that_differs_is_named_and_exits_1(corpus_copy: Path) -> None:
    """The loader's own ``normalize`` method maps its shape; Make agrees, Model does not."""
    result = run(corpus_copy, "-s", "app_loaders:WrongModelLoader", "--equality", FIELDS)
    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "Canon_40D.jpg Model: expected 'Canon EOS 40D', got 'CANON EOS 40D!'" in output
    assert " Make:" not in output
    counted = re.search(r"\(--equality fields:Make,Model\): app_loaders:WrongModelLoader \((\d+) mismatched field\(s\)\)", output)
    assert counted and int(counted.group(1)) >= 10, output  # every camera's Model, one field a file
    assert f"NO: {counted.group(1)} fields" in output  # the table's count is the exit line's


def test_a_normalizer_that_raises_is_each_files_mismatch_not_a_traceback(corpus_copy: Path) -> None:
    result = run(corpus_copy, "-s", "app_loaders:BrokenNormalizeLoader", "--equality", FIELDS)
    assert result.exit_code == 1, result.output
    assert "<normalize>: expected a dict, got normalize raised KeyError: 'camera'" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_numeric_keys_print_by_repr_and_the_table_counts_what_the_exit_line_counts(corpus_dir: Path, tmp_path: Path) -> None:
    shutil.copyfile(corpus_dir / "jpg" / "Canon_40D.jpg", tmp_path / "one.jpg")
    out = tmp_path / "r.json"
    result = run(tmp_path, "-s", "app_loaders:NumericKeysLoader", "--json", out)
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "one.jpg 'Make': expected 'Canon', got <missing>" in output
    (table,) = re.findall(r"NO: ([\d,]+) tags", output)
    (exit_line,) = re.findall(r"NumericKeysLoader \(([\d,]+) mismatched tag\(s\)\)", output)
    assert table == exit_line
    tags = [m.tag for m in RunSet.load(out).of("app_loaders:NumericKeysLoader")[0].equality.mismatches]
    assert "'Make'" in tags and "271" in tags and len(tags) == len(set(tags)) == int(table.replace(",", ""))


def test_off_is_said_in_the_table_the_verdict_summary_md_and_report_html(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(corpus_copy, "-s", "app_loaders:WrongModelLoader", "--equality", "off", "--out", out)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "OFF (not compared)" in output
    assert "Equality: OFF (--equality off): no EXIF was compared" in output
    assert "> **Equality OFF (--equality off): no EXIF was compared.**" in (out / "summary.md").read_text(encoding="utf-8")
    assert "Equality OFF (--equality off): no EXIF was compared." in (out / "report.html").read_text(encoding="utf-8")
    assert RunSet.load(out / "results.json").runs[0].config.equality.mode == "off"


def test_a_folder_without_exif_says_equality_checks_nothing(corpus_dir: Path) -> None:
    result = run(corpus_dir / "tiff", "-s", "sync")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert ("Equality (--equality pillow): the reference loader reads no EXIF from these files: equality checks "
            f"nothing here (Pillow's _getexif() dicts are empty for all {files(corpus_dir / 'tiff')} files).") in output  # fmt: skip
    assert f"{files(corpus_dir / 'tiff')}, none with EXIF" in output and "every strategy equal" not in output


@pytest.mark.parametrize(("fields", "hint"), [("make", "did you mean Make?"), ("make,modle", "did you mean Make, Model?")])
def test_fields_that_no_reference_dict_has_are_refused_not_equal(fields: str, hint: str, corpus_copy: Path,
                                                                 pattern_file: Path) -> None:  # fmt: skip
    """A misspelt field compared nothing, so a loader answering ``{}`` for every file was "all equal", exit 0."""
    result = run(corpus_copy, "-s", "tests.faulty_loaders:AnswersEmpty", "--equality", f"fields:{fields}", "--pattern", pattern_file)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert result.output.strip().splitlines()[-1].startswith("error:")
    assert (f"error: --equality fields:{fields}: none of the reference's dicts for the {files(corpus_copy)} files has "
            f"{'this field' if ',' not in fields else 'any of these fields'}, so nothing would be compared ({hint})"
            ) in " ".join(result.output.split())  # fmt: skip
    partly = run(corpus_copy, "-s", "tests.faulty_loaders:AnswersEmpty", "--equality", "fields:Make,modle", "--pattern", pattern_file)
    assert partly.exit_code == 2, partly.output  # Make alone would be compared: Model, misspelt, never
    assert (f"--equality fields:Make,modle: none of the reference's dicts for the {files(corpus_copy)} files has modle, so it would never be "
            "compared (did you mean Model?)") in " ".join(partly.output.split())  # fmt: skip


def test_reference_equality_needs_a_reference(corpus_copy: Path) -> None:
    result = run(corpus_copy, "-s", "sync", "--equality", "reference")
    assert result.exit_code == 2
    assert "--equality reference compares with a reference loader: only gate --candidate and decide" in result.output


@pytest.mark.parametrize(("name", "said"), [("nope:fn", "cannot import 'nope'"),
                                             ("examples.shaped_loader:camera_fields", "every strategy run here is a built-in")])
def test_a_normalizer_that_cannot_apply_is_one_line_before_any_run(name: str, said: str, corpus_copy: Path) -> None:
    """Built-ins are never normalized: the verdict said "normalized by nope:fn" for a function that does not exist."""
    result = run(corpus_copy, "-s", "threadpool", "--no-reference", "--normalize", name)
    assert result.exit_code == 2 and said in result.output and "Main-thread blocking" not in result.output, result.output


def test_gate_ab_of_two_identical_copies_of_an_app_loader_passes(
    corpus_copy: Path, pattern_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PR's copy and the base branch's (in base/), each returning its own shape: the candidate is judged
    against its reference's dicts, not Pillow's (which both would fail on format)."""
    source = Path(__file__).parents[2] / "examples" / "shaped_loader.py"
    (tmp_path / "base").mkdir()
    for where in (tmp_path, tmp_path / "base"):
        shutil.copyfile(source, where / "shaped_app.py")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    verdict_json = tmp_path / "verdict.json"
    result = runner.invoke(app, ["gate", "--candidate", "shaped_app:ShapedLoader", "--reference", "base.shaped_app:ShapedLoader",
                                 str(corpus_copy), "--pattern", str(pattern_file), "--repeat", "3", "--metric", "not_ready",
                                 "--verdict-json", str(verdict_json)])  # fmt: skip
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert ("Equality (--equality reference): equal to the reference base.shaped_app:ShapedLoader's dicts on all "
            f"{files(corpus_copy)} files.") in output  # fmt: skip
    assert "Gate: PASS (exit 0)" in output
    verdict = GateVerdict.load(verdict_json)
    assert verdict.equality.name == "reference" and verdict.equality.against == "base.shaped_app:ShapedLoader"
    assert json.loads(verdict_json.read_text(encoding="utf-8"))["comparisons"][0]["equality"]["with_exif"] == holding(corpus_copy)


def test_gate_ab_by_fields_names_the_field_that_differs(
    corpus_copy: Path, pattern_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = runner.invoke(app, ["gate", "--candidate", "app_loaders:WrongModelLoader", "--reference", "examples.shaped_loader:ShapedLoader",
                                 str(corpus_copy), "--pattern", str(pattern_file), "--repeat", "2", "--metric", "not_ready",
                                 "--equality", FIELDS, "--allow-inconclusive"])  # fmt: skip
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert (f"MISMATCH app_loaders:WrongModelLoader vs examples.shaped_loader:ShapedLoader: {holding(corpus_copy, 'Model')} EXIF field(s) differ "
            "from fields Make, Model of the reference examples.shaped_loader:ShapedLoader's dicts") in output  # fmt: skip
    assert "Model: expected 'Canon EOS 40D', got 'CANON EOS 40D!'" in output


def test_a_file_the_reference_raised_for_is_that_files_expected_answer_not_the_end(
    corpus_copy: Path, pattern_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reference's own failure on one file (--on-loader-error file, a user loader's default) is what the
    candidate is held to there: a candidate that answers instead differs on that file, named; the gate runs."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = runner.invoke(app, ["gate", "--candidate", "user_loaders:DictLoader", "--reference", "user_loaders:RaisesOnOne",
                                 str(corpus_copy), "--pattern", str(pattern_file), "--repeat", "2", "--metric", "not_ready",
                                 "--allow-inconclusive"])  # fmt: skip
    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert ("bad-30-type_error.jpg <raised>: expected none: the reference raised TypeError: unhashable type: "
            "'IFDRational', got ") in output  # fmt: skip
    assert "1 EXIF tag(s) differ from the reference user_loaders:RaisesOnOne's dicts" in output
