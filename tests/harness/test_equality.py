"""EXIF equality: strict about types, honest about NaN rationals."""

from __future__ import annotations

import pickle
import re
from typing import Any

import pytest
from PIL.TiffImagePlugin import IFDRational

from exifbench.errors import ExifbenchError
from exifbench.harness.equality import Judge, compare, diff_exif, values_equal
from exifbench.reports.documents.equality import EqualitySpec, equality_of, parse_equality


def test_nan_rational_equals_itself_after_a_pickle_round_trip() -> None:
    exif = {"FNumber": IFDRational(0, 0), "GPSInfo": {2: (IFDRational(1, 1), IFDRational(0, 0))}}
    copy = pickle.loads(pickle.dumps(exif))
    assert exif != copy  # plain == is fooled by NaN
    assert values_equal(exif, copy)


def test_types_must_match() -> None:
    assert not values_equal(IFDRational(1, 2), 0.5)
    assert not values_equal(b"abc", "abc")
    assert not values_equal((1, 2), [1, 2])
    assert not values_equal(1, True)
    assert values_equal(float("nan"), float("nan"))


def test_rationals_compare_by_numerator_and_denominator() -> None:
    assert values_equal(IFDRational(1, 2), IFDRational(1, 2))
    assert not values_equal(IFDRational(1, 2), IFDRational(2, 4))


def test_diff_lists_file_tag_and_both_values() -> None:
    mismatches = diff_exif("a.jpg", {"Make": "Canon", "ISO": 100}, {"Make": "Nikon", "Extra": 1})
    assert [(m.tag, m.expected, m.actual) for m in mismatches] == [
        ("Make", "'Canon'", "'Nikon'"),
        ("ISO", "100", "<missing>"),
        ("Extra", "<missing>", "1"),
    ]
    assert all(m.path == "a.jpg" for m in mismatches)


def test_compare_counts_files() -> None:
    baseline = {"a": {"Make": "x"}, "b": {}, "c": {"Make": "y"}}
    report = compare(baseline, {"a": {"Make": "x"}, "b": {}, "c": {"Make": "z"}})
    assert (report.checked, report.equal, len(report.mismatches), report.ok) == (3, 2, 1, False)
    assert report.to_dict()["mismatches"][0] == {"path": "c", "tag": "Make", "expected": "'y'", "actual": "'z'"}


def test_keys_of_different_types_print_by_repr_and_stay_apart() -> None:
    """An int key (Pillow's getexif()) against the original's str key: two lines a reader can tell apart."""
    mismatches = diff_exif("a.jpg", {"59932": b"\x1c\xea"}, {59932: b"\x1c\xea"})
    assert [(m.tag, m.expected, m.actual) for m in mismatches] == [
        ("'59932'", "b'\\x1c\\xea'", "<missing>"),
        ("59932", "<missing>", "b'\\x1c\\xea'"),
    ]
    assert [m.tag for m in diff_exif("a.jpg", {"Make": "x"}, {"Make": "y"})] == ["Make"]  # one type: str() as before


def shaped(exif: dict[str, Any]) -> dict[str, Any]:
    return {f"Exif.Image.{name}": (name, value) for name, value in exif.items()}


def test_fields_compare_only_the_named_fields_after_the_normalizer() -> None:
    spec = parse_equality("fields:Make,FNumber")
    expected = Judge.expected_from(spec, {"a": {"Make": "Canon", "FNumber": IFDRational(0, 0), "ISO": 100}, "b": {}})
    assert list(expected["a"]) == ["Make", "FNumber"] and expected["b"] == {}
    judge = Judge(spec, expected, lambda path, exif: dict(exif.values()))
    same = shaped({"Make": "Canon", "FNumber": IFDRational(0, 0), "Software": "app"})
    assert judge.agrees("a", same)  # the NaN rational equals itself; ISO and Software are not compared
    wrong = judge.diff("a", shaped({"Make": "Canon", "FNumber": IFDRational(28, 10)}))
    assert [(m.tag, m.expected, m.actual) for m in wrong] == [("FNumber", "nan", "2.8")]
    report = judge.compare({"a": same, "b": {}})
    assert (report.checked, report.equal, report.baseline_exif, report.ok) == (2, 2, 1, True)


def test_a_normalizer_that_raises_is_that_files_mismatch_and_off_checks_nothing() -> None:
    def broken(path: str, exif: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("camera")

    (mismatch,) = Judge(parse_equality("fields:Make"), {"a": {"Make": "x"}}, broken).diff("a", {"Make": "x"})
    assert (mismatch.tag, mismatch.actual) == ("<normalize>", "normalize raised KeyError: 'camera'")
    off = Judge(parse_equality("off"), {}).compare({"a": {"Make": "anything"}})
    assert (off.checked, off.equal, off.mismatches, off.ok) == (0, 0, [], True)


@pytest.mark.parametrize(
    ("text", "reference", "error"),
    [
        ("exact", None, "--equality must be pillow, reference, fields:NAME,NAME… or off, got 'exact'"),
        ("fields:", None, "--equality fields: name at least one field"),
        ("pillow:Make", None, "--equality pillow takes no field list"),
        ("reference", None, "--equality reference compares with a reference loader: only gate --candidate and decide"),
    ],
)
def test_bad_equality_values_are_one_line(text: str, reference: str | None, error: str) -> None:
    with pytest.raises(ExifbenchError, match=re.escape(error)):
        parse_equality(text, reference=reference)


def test_the_spec_names_what_it_compares_with_and_round_trips() -> None:
    spec = parse_equality("fields:Make, Model,Make", "app:norm", reference="base.app:Loader")
    assert spec.fields == ("Make", "Model") and spec.against == "base.app:Loader" and spec.unit == "field"
    assert spec.describe() == "fields Make, Model of the reference base.app:Loader's dicts, normalized by app:norm"
    assert EqualitySpec.from_dict(spec.to_dict(), "x") == spec
    assert parse_equality("fields:Make").against == "pillow"  # run has no reference: Pillow's dicts
    assert equality_of([{}, {}]) == EqualitySpec()  # documents from before it was recorded: pillow
    with pytest.raises(ExifbenchError, match="runs judged by different equalities: off, pillow"):
        equality_of([{}, {"equality": parse_equality("off").to_dict()}])
