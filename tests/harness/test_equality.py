"""EXIF equality: strict about types, honest about NaN rationals."""

from __future__ import annotations

import pickle
import re
from typing import Any

import pytest
from PIL.TiffImagePlugin import IFDRational

from exifbench.errors import ExifbenchError
from exifbench.harness.equality import Judge, Reference, compare, diff_exif, exif_digest, values_equal
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
    assert equality_of([None, None]) == EqualitySpec()  # documents from before it was recorded: pillow
    with pytest.raises(ExifbenchError, match="runs judged by different equalities: off, pillow"):
        equality_of([None, parse_equality("off")])


DIGESTED = [
    {"Make": "Canon", 271: (1, 2.5, IFDRational(1, 3)), "MakerNote": b"\x00\x01", "none": None, "nan": float("nan")},
    {"a": 1},
    {"a": True},
    {"a": 1.0},
    {"a": (1,)},
    {"a": [1]},
    {"a": "1"},
    {1: "a"},
    {"a": IFDRational(1, 2)},
    {"a": IFDRational(2, 4)},
    {"a": {"b": b""}},
    {},
]


def test_equal_digests_are_equal_values_and_every_type_digests_apart() -> None:
    reordered = dict(reversed(list(DIGESTED[0].items())))
    assert exif_digest(reordered) == exif_digest(DIGESTED[0]) and values_equal(reordered, DIGESTED[0])
    digests = [exif_digest(value) for value in DIGESTED]
    assert None not in digests and len(set(digests)) == len(DIGESTED)  # 1, True, 1.0, (1,), [1], "1" all apart
    assert exif_digest({"a": object()}) is None and exif_digest({(1,): 1}) is None  # not vouched for: compared in full
    nested: dict[str, Any] = {}
    nested["self"] = nested
    assert exif_digest(nested) is None


def test_a_reference_keeps_digests_and_reads_again_only_for_a_mismatchs_details() -> None:
    files = {"/a.jpg": {"Make": "Canon", "Model": "40D"}, "/b.jpg": {}, "/c.jpg": {"odd": object()}}
    reads: list[str] = []

    def reread(path: str) -> Any:
        reads.append(path)
        return files[path]

    reference = Reference(reread)
    for path, exif in files.items():
        reference.keep(path, exif)
    assert [type(reference.digest(path)) for path in files] == [bytes, bytes, type(None)]
    judge = Judge(EqualitySpec(), reference)
    report = judge.compare({"/a.jpg": {"Model": "40D", "Make": "Canon"}, "/b.jpg": {}, "/c.jpg": files["/c.jpg"]})
    assert report.ok and report.checked == 3 and report.baseline_exif == 2 and reads == []
    mismatch = judge.diff("/a.jpg", {"Make": "Nikon", "Model": "40D"})
    assert [(m.tag, m.expected, m.actual) for m in mismatch] == [("Make", "'Canon'", "'Nikon'")] and reads == ["/a.jpg"]
