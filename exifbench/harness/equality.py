"""EXIF equality that is honest about Pillow's types.

Plain ``==`` is wrong both ways for EXIF dicts: ``IFDRational(0, 0)`` is NaN and
never equals itself, and ``IFDRational(1, 2) == 0.5`` would let a float pass for
a rational. Here values match only if their types match, recursively, and
rationals compare by numerator and denominator.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL.TiffImagePlugin import IFDRational

from exifbench.errors import ExifbenchError
from exifbench.reports.documents.equality import FIELDS, EqualitySpec
from exifbench.reports.format import count
from exifbench.strategies import import_function, is_builtin
from exifbench.strategies.base import Normalizes
from exifbench.strategies.extractors import describe_error

REPR_LIMIT = 160
BRACKETS: dict[type, tuple[str, str]] = {tuple: ("(", ")"), list: ("[", "]"), dict: ("{", "}")}


def values_equal(expected: Any, actual: Any) -> bool:
    """True when ``actual`` is the same EXIF value as ``expected``, type included. Never raises: a value whose
    ``==`` raises or answers something without a truth value (a numpy array), or that holds itself, is not
    equal to anything."""
    try:
        return _values_equal(expected, actual)
    except Exception:  # RecursionError included: a dict holding itself
        return False


def _values_equal(expected: Any, actual: Any) -> bool:
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, IFDRational):
        return (expected.numerator, expected.denominator) == (actual.numerator, actual.denominator)
    if isinstance(expected, float):
        return expected == actual or (math.isnan(expected) and math.isnan(actual))
    if isinstance(expected, tuple | list):
        return len(expected) == len(actual) and all(map(_values_equal, expected, actual))
    if isinstance(expected, dict):
        return expected.keys() == actual.keys() and all(_values_equal(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def short_repr(value: Any) -> str:
    """``repr`` cut to a readable length for reports, in work bounded by that length: a tuple sharing its items
    (a DAG, exponential once written out) or an int past Python's digit limit is shown in part, never expanded."""
    parts: list[str] = []
    budget = [REPR_LIMIT + 1]

    def emit(text: str) -> None:
        parts.append(text)
        budget[0] -= len(text)

    def walk(item: Any) -> None:
        kind = type(item)
        if kind in (tuple, list, dict):
            opening, closing = BRACKETS[kind]
            emit(opening)
            for index, entry in enumerate(item.items() if kind is dict else item):
                if budget[0] <= 0:
                    return
                emit(", " if index else "")
                if kind is dict:
                    walk(entry[0])
                    emit(": ")
                    entry = entry[1]
                walk(entry)
            emit("," + closing if kind is tuple and len(item) == 1 else closing)
        else:
            emit(_leaf_repr(item))

    walk(value)
    text = "".join(parts)
    return text if len(text) <= REPR_LIMIT else text[: REPR_LIMIT - 1] + "…"


def _leaf_repr(value: Any) -> str:
    if isinstance(value, str | bytes) and len(value) > REPR_LIMIT:
        value = value[: REPR_LIMIT + 1]  # its repr is longer than the limit either way: cut
    try:
        return repr(value)
    except Exception as exc:  # e.g. an int of more than 4,300 digits
        return f"<{type(value).__name__} that cannot be shown: {type(exc).__name__}>"


@dataclass(frozen=True)
class Mismatch:
    """One tag of one file that differs from the baseline (``<missing>`` where absent)."""

    path: str
    tag: str
    expected: str
    actual: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "tag": self.tag, "expected": self.expected, "actual": self.actual}


@dataclass
class EqualityReport:
    """How many files were compared, how many matched, every differing tag, and the files never answered."""

    checked: int = 0
    equal: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    baseline_exif: int = 0
    """Files checked whose expected dict (cut to the fields compared) holds anything: 0 means nothing was checked."""

    @property
    def ok(self) -> bool:
        return self.checked == self.equal and not self.unverified

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "equal": self.equal,
            "mismatches": [m.to_dict() for m in self.mismatches],
            "unverified": self.unverified,
            "baseline_exif": self.baseline_exif,
        }


MISSING = "<missing>"


def diff_exif(path: str, expected: dict[str, Any] | None, actual: dict[str, Any] | None) -> list[Mismatch]:
    """Every tag of ``path`` whose value differs between two dicts (``None`` means no dict at all; a loader
    that returns something else than a dict differs as a whole)."""
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        if expected is actual:
            return []
        return [Mismatch(path, "<dict>", short_repr(expected), short_repr(actual))]
    try:
        return _diff_dicts(path, expected, actual)
    except Exception as exc:  # a key whose == or str raises: the dict as a whole cannot be compared
        return [Mismatch(path, "<dict>", short_repr(expected), f"cannot be compared ({describe_error(exc)})")]


def _diff_dicts(path: str, expected: dict[str, Any], actual: dict[str, Any]) -> list[Mismatch]:
    name = repr if len({type(tag) for tag in [*expected, *actual]}) > 1 else str  # 59932 and '59932' stay apart
    return [
        Mismatch(
            path,
            name(tag),
            short_repr(expected[tag]) if tag in expected else MISSING,
            short_repr(actual[tag]) if tag in actual else MISSING,
        )
        for tag in dict.fromkeys([*expected, *actual])
        if tag not in expected or tag not in actual or not values_equal(expected[tag], actual[tag])
    ]


def exif_equal(expected: dict[str, Any] | None, actual: dict[str, Any] | None) -> bool:
    """True when two whole EXIF dicts are the same, tag by tag, types included."""
    return not diff_exif("", expected, actual)


def compare(
    baseline: Mapping[str, dict[str, Any]],
    results: Mapping[str, dict[str, Any] | None],
    unverified: list[str] | None = None,
) -> EqualityReport:
    """Compare every file in ``results`` with the ``baseline`` dict for it; ``unverified`` files are
    those whose real answer never came (kept apart: neither equal nor a mismatch)."""
    return Judge(EqualitySpec(), baseline).compare(results, unverified)


@dataclass(frozen=True)
class Raised:
    """The reference loader's ``load_exif`` raised for this file instead of answering (its one-line error)."""

    error: str


Normalizer = Callable[[str, Any], Any]
"""``normalize(path, exif) -> dict``: a loader's own dict shape mapped to the field names compared."""

NORMALIZE, RAISED = "<normalize>", "<raised>"


def load_normalizer(name: str) -> Normalizer:
    """The ``module:function`` named by ``--normalize``, imported; a one-line user error if it is none."""
    return import_function(name, f"--normalize {name!r}")


def normalizer_for(spec: EqualitySpec, loader: object, strategy: str) -> Normalizer | None:
    """What maps ``loader``'s (strategy ``strategy``'s) dicts before comparing: nothing for a built-in (its
    dicts are Pillow's), else ``--normalize``'s function, else the loader's own ``normalize`` method
    (:class:`~exifbench.strategies.base.Normalizes`), else nothing."""
    if spec.off or is_builtin(strategy):
        return None
    if spec.normalize is not None:
        return load_normalizer(spec.normalize)
    return loader.normalize if isinstance(loader, Normalizes) else None


class Judge:
    """One run's answers against the expected dicts, under one :class:`EqualitySpec`.

    ``expected`` are already as compared (see :meth:`expected_from`); each answer is mapped by
    ``normalize`` (if any) and cut to the spec's fields, then compared value by value with
    :func:`values_equal` — never plain ``==``.
    """

    def __init__(self, spec: EqualitySpec, expected: Mapping[str, Any], normalize: Normalizer | None = None) -> None:
        self.spec = spec
        self.expected = expected
        self._normalize = normalize

    @classmethod
    def expected_from(cls, spec: EqualitySpec, raw: Mapping[str, Any], normalize: Normalizer | None = None) -> dict[str, Any]:
        """The reference's dicts as compared; a normalizer that fails on them is one user error naming the file."""
        judge = cls(spec, {}, normalize)
        expected = {}
        for path, exif in raw.items():
            shaped, failure = judge._shaped(path, exif)
            if failure is not None:
                raise ExifbenchError(f"equality: the reference's dict for {path}: {failure}")
            expected[path] = shaped
        if spec.mode == FIELDS:
            judge._check_fields_named(raw, expected)
        return expected

    def _check_fields_named(self, raw: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
        """``fields:`` naming only fields that none of the reference's (non-empty) dicts has compares nothing at all:
        a misspelling (``fields:make``) would make any loader equal, even one answering ``{}``. One user error,
        naming the closest fields the reference has."""
        if any(isinstance(exif, dict) and exif for exif in expected.values()):
            return
        found: set[str] = set()
        for path, exif in raw.items():
            shaped = self._normalize(path, exif) if self._normalize is not None and isinstance(exif, dict) else exif
            if isinstance(shaped, dict):
                found.update(str(name) for name in shaped)
        if not found:
            return  # the reference reads no EXIF here at all: nothing to compare whatever is named
        close = sorted({match for name in self.spec.fields for match in difflib.get_close_matches(name, found, 3, 0.6)})
        hint = f" (did you mean {', '.join(close)}?)" if close else f" (it has {', '.join(sorted(found)[:8])}…)"
        which = "this field" if len(self.spec.fields) == 1 else "any of these fields"
        raise ExifbenchError(f"--equality {self.spec.name}: none of the reference's dicts for the {count(len(raw), 'file')} "
                             f"has {which}, so nothing would be compared{hint}")  # fmt: skip

    def _shaped(self, path: str, exif: Any) -> tuple[Any, str | None]:
        """``exif`` normalized and cut to the fields, or why the normalizer failed."""
        if self._normalize is not None and exif is not None and not isinstance(exif, Raised):
            try:
                exif = self._normalize(path, exif)
            except Exception as exc:  # the user's normalizer: its failure is this file's, not the run's
                return None, f"normalize raised {describe_error(exc)}"
        if self.spec.mode == FIELDS and isinstance(exif, dict):
            exif = {name: exif[name] for name in self.spec.fields if name in exif}
        return exif, None

    def diff(self, path: str, actual: Any) -> list[Mismatch]:
        """Every tag (or field) of ``path`` that differs; nothing when the spec is ``off``."""
        if self.spec.off:
            return []
        shaped, failure = self._shaped(path, actual)
        if failure is not None:
            return [Mismatch(path, NORMALIZE, "a dict", failure)]
        expected = self.expected.get(path)
        if isinstance(expected, Raised):
            return [Mismatch(path, RAISED, f"none: the reference raised {expected.error}", short_repr(shaped))]
        return diff_exif(path, expected, shaped)

    def agrees(self, path: str, actual: Any) -> bool:
        """Whether ``actual`` is as expected (a file with no expected dict agrees with any answer)."""
        return path not in self.expected or not self.diff(path, actual)

    def compare(self, results: Mapping[str, Any], unverified: list[str] | None = None) -> EqualityReport:
        """Every file in ``results`` against its expected dict; ``unverified`` files are those whose real
        answer never came (kept apart: neither equal nor a mismatch). With ``off`` none is checked."""
        report = EqualityReport(unverified=list(unverified or []))
        if self.spec.off:
            return report
        for path, actual in results.items():
            report.checked += 1
            report.baseline_exif += isinstance(expected := self.expected.get(path), dict) and bool(expected)
            mismatches = self.diff(path, actual)
            if mismatches:
                report.mismatches.extend(mismatches)
            else:
                report.equal += 1
        return report
