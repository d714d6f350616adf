"""EXIF equality that is honest about Pillow's types.

Plain ``==`` is wrong both ways for EXIF dicts: ``IFDRational(0, 0)`` is NaN and
never equals itself, and ``IFDRational(1, 2) == 0.5`` would let a float pass for
a rational. Here values match only if their types match, recursively, and
rationals compare by numerator and denominator.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from PIL.TiffImagePlugin import IFDRational

from exifbench.errors import ExifbenchError
from exifbench.reports.documents.equality import FIELDS, EqualitySpec
from exifbench.reports.format import count
from exifbench.reports.documents.runs import Equality, Mismatch
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


DIGEST_DEPTH = 64
"""How deep a value may nest before :func:`exif_digest` no longer vouches for it."""


def exif_digest(value: Any) -> bytes | None:
    """16 bytes such that two values with the same digest are :func:`values_equal` (type included); ``None`` for a
    value it cannot vouch for: a type other than Pillow's (dict with ``str`` or ``int`` keys, tuple, list, str,
    bytes, int, float, bool, ``None``, ``IFDRational``), or nesting past :data:`DIGEST_DEPTH`. A different
    digest says nothing: ``0.0`` and ``-0.0`` are equal and digest apart, so unequal digests are compared in full."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        return digest.digest() if _feed(digest.update, value, 0) else None
    except Exception:  # an int past Python's digit limit, a str that cannot be encoded
        return None


def _feed(update: Callable[[bytes], object], value: Any, depth: int) -> bool:
    kind = type(value)
    if kind is str:
        data = value.encode("utf-8", "surrogatepass")
        update(b"s%d:" % len(data) + data)
    elif kind is int:
        update(b"i%d;" % value)
    elif kind is IFDRational:
        numerator, denominator = value.numerator, value.denominator
        if type(numerator) is not int or type(denominator) is not int:
            return False
        update(b"r%d/%d;" % (numerator, denominator))
    elif kind is bytes:
        update(b"b%d:" % len(value) + value)
    elif kind is float:
        update(b"f" + repr(value).encode() + b";")
    elif value is None or kind is bool:
        update(b"N" if value is None else b"T" if value else b"F")
    elif depth >= DIGEST_DEPTH:
        return False
    elif kind is tuple or kind is list:
        update(b"%s%d:" % (b"t" if kind is tuple else b"l", len(value)))
        return all(_feed(update, item, depth + 1) for item in value)
    elif kind is dict:
        if not all(type(key) is str or type(key) is int for key in value):
            return False
        update(b"d%d:" % len(value))
        for key in sorted(value, key=lambda key: (type(key) is str, key)):
            if not (_feed(update, key, depth + 1) and _feed(update, value[key], depth + 1)):
                return False
    else:
        return False
    return True


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
) -> Equality:
    """Compare every file in ``results`` with the ``baseline`` dict for it; ``unverified`` files are
    those whose real answer never came (kept apart: neither equal nor a mismatch)."""
    return Judge(EqualitySpec(), baseline).compare(results, unverified)


@dataclass(frozen=True)
class Raised:
    """The reference loader's ``load_exif`` raised for this file instead of answering (its one-line error)."""

    error: str


class Reference(Mapping[str, Any]):
    """Every file's expected answer, each dict kept as its :func:`exif_digest` (where one vouches for it) instead of
    a second copy of it: the loader's are the one copy a run holds. Reading an entry (a mismatch's details) reads
    the file again with ``reread``; :meth:`digest` and :meth:`holds_exif` answer without reading."""

    def __init__(self, reread: Callable[[str], Any]) -> None:
        self._entries: dict[str, Any] = {}
        self._holding: set[str] = set()
        self._reread = reread

    def keep(self, path: str, expected: Any) -> None:
        """Keep ``expected`` (the reference's answer for ``path``, as compared): its digest, or itself if none."""
        digest = exif_digest(expected) if isinstance(expected, dict) else None
        self._entries[path] = expected if digest is None else digest
        if isinstance(expected, dict) and expected:
            self._holding.add(path)

    def digest(self, path: str) -> bytes | None:
        entry = self._entries.get(path)
        return entry if isinstance(entry, bytes) else None

    def holds_exif(self, path: str) -> bool:
        """Whether the expected dict of ``path`` holds anything."""
        return path in self._holding

    def __getitem__(self, path: str) -> Any:
        entry = self._entries[path]
        return self._reread(path) if isinstance(entry, bytes) else entry

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return path in self._entries


@dataclass(frozen=True)
class AsReturned:
    """A dict the loader changed after returning it: its :func:`exif_digest` when it was returned (``None``: unknown)."""

    digest: bytes | None


CHANGED = "<changed after it was returned>"

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
        expected = {path: judge.as_expected(path, exif) for path, exif in raw.items()}
        if spec.mode == FIELDS:
            judge._check_fields_named(raw, expected)
        return expected

    def as_expected(self, path: str, exif: Any) -> Any:
        """The reference's answer for ``path`` as compared; a normalizer that fails on it is one user error."""
        shaped, failure = self._shaped(path, exif)
        if failure is not None:
            raise ExifbenchError(f"equality: the reference's dict for {path}: {failure}")
        return shaped

    def _check_fields_named(self, raw: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
        """``fields:`` naming only fields that none of the reference's (non-empty) dicts has compares nothing at all:
        a misspelling (``fields:make``) would make any loader equal, even one answering ``{}``. One user error,
        naming the closest fields the reference has; likewise one named field none of them has (``fields:Make,modle``
        would compare Make alone and say nothing of Model)."""
        found: set[str] = set()
        for path, exif in raw.items():
            shaped = self._normalize(path, exif) if self._normalize is not None and isinstance(exif, dict) else exif
            if isinstance(shaped, dict):
                found.update(str(name) for name in shaped)
        self.check_fields_found(found, len(raw))

    def check_fields_found(self, found: set[str], files: int) -> None:
        """With ``fields:``: one user error if the reference's dicts had fields (``found``, over ``files`` files) but
        not one of those named, or not all of them (a named field no dict has is never compared)."""
        missing = [name for name in self.spec.fields if name not in found]
        if not found or not missing:
            return  # the reference reads no EXIF here at all (nothing to compare whatever is named), or has them all
        close = sorted({match for name in missing for match in difflib.get_close_matches(name, found, 3, 0.6)})
        hint = f" (did you mean {', '.join(close)}?)" if close else f" (it has {', '.join(sorted(found)[:8])}…)"
        if len(missing) < len(self.spec.fields):
            raise ExifbenchError(f"--equality {self.spec.name}: none of the reference's dicts for the {count(files, 'file')} "
                                 f"has {', '.join(missing)}, so it would never be compared{hint}")  # fmt: skip
        which = "this field" if len(self.spec.fields) == 1 else "any of these fields"
        raise ExifbenchError(f"--equality {self.spec.name}: none of the reference's dicts for the {count(files, 'file')} "
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
        """Every tag (or field) of ``path`` that differs; nothing when the spec is ``off``. Against a
        :class:`Reference`, an answer whose digest is the expected one's is equal without reading the file again."""
        if self.spec.off:
            return []
        if isinstance(actual, AsReturned):
            return self._diff_as_returned(path, actual)
        shaped, failure = self._shaped(path, actual)
        if failure is None and isinstance(self.expected, Reference) and isinstance(shaped, dict):
            expected_digest = self.expected.digest(path)
            if expected_digest is not None and exif_digest(shaped) == expected_digest:
                return []
        if failure is not None:
            return [Mismatch(path, NORMALIZE, "a dict", failure)]
        expected = self.expected.get(path)
        if isinstance(expected, Raised):
            return [Mismatch(path, RAISED, f"none: the reference raised {expected.error}", short_repr(shaped))]
        return diff_exif(path, expected, shaped)

    def _diff_as_returned(self, path: str, actual: AsReturned) -> list[Mismatch]:
        """A dict changed after it was returned, judged by its digest then: equal only if that was the expected
        one's (with no normalizer and whole dicts compared: the digest is of the dict as the loader gave it)."""
        plain = self._normalize is None and self.spec.mode != FIELDS
        expected_digest = self.expected.digest(path) if isinstance(self.expected, Reference) else None
        if expected_digest is None and plain and isinstance(expected := self.expected.get(path), dict):
            expected_digest = exif_digest(expected)
        if plain and actual.digest is not None and actual.digest == expected_digest:
            return []
        return [Mismatch(path, "<dict>", "the expected dict", CHANGED)]

    def agrees(self, path: str, actual: Any) -> bool:
        """Whether ``actual`` is as expected (a file with no expected dict agrees with any answer)."""
        return path not in self.expected or not self.diff(path, actual)

    def _holds_exif(self, path: str) -> bool:
        if isinstance(self.expected, Reference):
            return self.expected.holds_exif(path)
        return isinstance(expected := self.expected.get(path), dict) and bool(expected)

    def compare(self, results: Mapping[str, Any], unverified: list[str] | None = None) -> Equality:
        """Every file in ``results`` against its expected dict; ``unverified`` files are those whose real
        answer never came (kept apart: neither equal nor a mismatch). With ``off`` none is checked."""
        report = Equality(0, 0, [], unverified=list(unverified or []), baseline_exif=0)
        if self.spec.off:
            return report
        for path, actual in results.items():
            report.checked += 1
            report.baseline_exif = (report.baseline_exif or 0) + self._holds_exif(path)
            mismatches = self.diff(path, actual)
            if mismatches:
                report.mismatches.extend(mismatches)
            else:
                report.equal += 1
        return report
