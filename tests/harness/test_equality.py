"""EXIF equality: strict about types, honest about NaN rationals."""

from __future__ import annotations

import pickle

from PIL.TiffImagePlugin import IFDRational

from exifbench.harness.equality import compare, diff_exif, values_equal


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
