"""Checked reads of a document's fields, and records: dataclasses whose fields are the document's declaration.

Loaders validate every nested field they or a renderer will use, before anything is
written, so a bad document is one line (``results.json: runs[0].errors[2].path: must be
text, got 5``), never a traceback or a half-written report.

A :class:`Record` is a dataclass whose fields are declared once: its ``from_dict`` (every field
checked by its type) and ``to_dict`` are derived from them.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from exifbench.errors import ExifbenchError

T = TypeVar("T")
Check = Callable[[Any, str], T]
"""``check(value, where)`` returns the value typed, or raises naming ``where``."""

_MISSING: Any = object()


def brief(value: Any) -> str:
    """``repr(value)``, cut to 40 characters: a hostile document's value never floods the error line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(where: str, expected: str, value: Any) -> ExifbenchError:
    return ExifbenchError(f"{where}: must be {expected}, got {brief(value)}")


def mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, "an object", value)
    return value


def document(value: Any, schema: str, where: str) -> dict[str, Any]:
    """A JSON object whose ``schema`` is ``schema``."""
    data = mapping(value, where)
    if data.get("schema") != schema:
        raise ExifbenchError(f"{where}: field 'schema' must be {schema!r}, got {brief(data.get('schema'))}")
    return data


def text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, "text", value)
    return value


def flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


LIMIT = 1e12
"""The largest magnitude a figure may have (a trillion ms is 31 years): sums of figures stay finite."""


def number(value: Any, where: str) -> float:
    """A finite number within ±:data:`LIMIT` (JSON ``NaN``/``Infinity`` and booleans refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= LIMIT:  # NaN fails too
        raise _fail(where, f"a finite number (at most {LIMIT:g} in size)", value)
    return value


def count(value: Any, where: str) -> int:
    """A whole number from 0 to :data:`LIMIT`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LIMIT:
        raise _fail(where, f"a whole number from 0 to {LIMIT:g}", value)
    return value


def array(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, "a list", value)
    return value


def list_of(check: Check[T]) -> Check[list[T]]:
    """A check for a list whose every item passes ``check`` (named ``where[i]``)."""

    def checked(value: Any, where: str) -> list[T]:
        items = array(value, where)
        if check is number and all((type(v) is float or type(v) is int) and abs(v) <= LIMIT for v in items):
            return list(items)  # a run's samples: thousands of numbers, checked at C speed
        try:  # checks have no side effects: name each item only when one fails (a run has thousands of samples)
            return [check(item, where) for item in items]
        except ExifbenchError:
            return [check(item, f"{where}[{i}]") for i, item in enumerate(items)]

    return checked


def values_of(check: Check[T]) -> Check[dict[str, T]]:
    """A check for an object whose every value passes ``check`` (named ``where.key``)."""

    def checked(value: Any, where: str) -> dict[str, T]:
        return {str(key): check(item, f"{where}.{key}") for key, item in mapping(value, where).items()}

    return checked


def optional(check: Check[T]) -> Check[T | None]:
    """A check that lets ``null`` through (as ``None``) and passes anything else to ``check``."""

    def checked(value: Any, where: str) -> T | None:
        return None if value is None else check(value, where)

    return checked


def anything(value: Any, where: str) -> Any:
    """Any JSON value, kept as read (an open block: a loader's own figures)."""
    return value


def one_of(*choices: str) -> Check[str]:
    """A check for text that must be one of ``choices``."""

    def checked(value: Any, where: str) -> str:
        if value not in choices:
            raise _fail(where, " or ".join(map(repr, choices)), value)
        return str(value)

    return checked


def field(data: dict[str, Any], key: str, where: str, check: Check[T], default: Any = _MISSING) -> T:
    """``data[key]`` passed through ``check``; a missing key is an error unless a ``default`` is given."""
    if key not in data:
        if default is _MISSING:
            raise ExifbenchError(f"{where}: missing field {key!r}")
        return check(default, f"{where}.{key}")
    return check(data[key], f"{where}.{key}")


def record(keys: dict[str, Check[Any]]) -> Check[dict[str, Any]]:
    """A check for an object that must have ``keys``, each passing its check (other keys kept as they are)."""

    def checked(value: Any, where: str) -> dict[str, Any]:
        data = mapping(value, where)
        return {**data, **{key: field(data, key, where, check) for key, check in keys.items()}}

    return checked


# ---- records ---------------------------------------------------------------------------------------------------

REST = "exifbench.rest"
"""Field metadata marking the one field of an open record that keeps every key the record does not declare."""


OMITTED = "exifbench.omitted"
"""Field metadata: the field is written only when it differs from its default (its default is what a missing key means)."""


def unless(default: Any) -> Any:
    """The declaration of a field left out of the document while it holds ``default`` (``None``, ``[]``, ``{}``): what
    older documents never wrote, or what applies to some runs only."""
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=type(default), metadata={OMITTED: True})
    return dataclasses.field(default=default, metadata={OMITTED: True})


REQUIRED = "exifbench.required"
"""Field metadata: the field has a default for code that builds the record, but a saved document must have it."""


def required(default: Any) -> Any:
    """The declaration of a field every saved document has (a missing key is an error) with ``default`` for code
    that builds the record (``[]``, ``{}``: a fresh one each time)."""
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=type(default), metadata={REQUIRED: True})
    return dataclasses.field(default=default, metadata={REQUIRED: True})


def rest() -> Any:
    """The declaration of an open record's ``rest: dict[str, Any]``: keys the record does not name, kept as read and
    written back after the declared ones (a run's ``config`` holds a loader's own settings)."""
    return dataclasses.field(default_factory=dict, metadata={REST: True})


def child(where: str, key: str) -> str:
    """Where field ``key`` of the object at ``where`` is: ``results.json: key`` at a document's top (``where`` names
    the file), ``results.json: runs[0].key`` below it."""
    return f"{where}.{key}" if ": " in where else f"{where}: {key}"


class Record:
    """A dataclass whose fields are the declaration: ``from_dict`` checks each by its type, ``to_dict`` writes each.

    A field's type says how it is read: ``str`` text, ``bool`` true or false, ``int`` a count (0 to :data:`LIMIT`),
    ``float`` a finite number, ``Any`` as it is, ``X | None``, ``list[X]``, ``tuple[X, ...]``, ``dict[str, X]``,
    ``Literal[...]`` one of the values, a :class:`Record` or any class with ``from_dict(data, where)`` and
    ``to_dict()``; ``Annotated[X, check]`` reads it with ``check`` instead. A field with a default may be missing
    (documents from before it), unless declared with :func:`required`; one declared with :func:`unless` is written
    only when it differs from its default;
    a field declared with :func:`rest` keeps every key the record does not name.

    A class may add ``SCHEMA`` (written first, checked on load), ``DERIVED`` (properties written for readers and
    ignored on load), ``upgrade(data)`` (an older layout brought to this one before it is read) and
    ``validate(where)`` (checks across fields, after they are read).
    """

    SCHEMA: ClassVar[str | None] = None
    DERIVED: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` in this record's layout (older layouts are converted here); the default keeps it."""
        return data

    def validate(self, where: str) -> None:
        """Checks across fields once they are read; each failure one :class:`ExifbenchError` naming ``where``."""

    @classmethod
    def from_dict(cls: type[R], data: Any, where: str = "document") -> R:
        """Read and check every declared field of ``data``; errors name the field (``where.key``)."""
        if cls.SCHEMA is not None:
            data = document(data, cls.SCHEMA, where)
        data = cls.upgrade(mapping(data, where))
        plan = _plan(cls)
        values: dict[str, Any] = {}
        for name, check, required, open_ in plan.fields:
            if open_:
                values[name] = {key: value for key, value in data.items() if key not in plan.known}
            elif name in data:
                values[name] = check(data[name], child(where, name))
            elif required:
                raise ExifbenchError(f"{where}: missing field {name!r}")
        record = cls(**values)
        record.validate(where)
        return record

    def to_dict(self) -> dict[str, Any]:
        """Every field (``SCHEMA`` first, ``DERIVED`` properties last), nested records as their own ``to_dict``."""
        out: dict[str, Any] = {"schema": self.SCHEMA} if self.SCHEMA is not None else {}
        plan = _plan(type(self))
        for name, _, _, open_ in plan.fields:
            value = getattr(self, name)
            if open_:
                out.update((key, value[key]) for key in value if key not in out)
            elif name not in plan.omitted or value != plan.omitted[name]:
                out[name] = dump(value)
        for name in self.DERIVED:
            out[name] = dump(getattr(self, name))
        return out


R = TypeVar("R", bound=Record)


def dump(value: Any) -> Any:
    """``value`` as JSON-ready data: records and typed values through their ``to_dict``, containers item by item."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list | tuple):
        if not value or type(value[0]) in (int, float, str):  # samples: thousands of numbers
            if all(type(item) in (int, float, str, bool) for item in value):
                return list(value)
        return [dump(item) for item in value]
    if isinstance(value, dict):
        return {key: dump(item) for key, item in value.items()}
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    return value


class _Plan(typing.NamedTuple):
    fields: list[tuple[str, Check[Any], bool, bool]]
    """``(name, check, required, open)`` per field, in declaration order."""
    known: frozenset[str]
    """The keys the record reads (its fields, ``schema`` and ``DERIVED``): an open record's ``rest`` is the others."""
    omitted: dict[str, Any]
    """Each :func:`unless` field's default: it is not written while it holds that."""


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[Record]) -> _Plan:
    """How ``cls`` is read and written, worked out from its declaration once."""
    if (plan := _PLANS.get(cls)) is not None:
        return plan
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = []
    for declared in dataclasses.fields(cls):  # type: ignore[arg-type]
        required = bool(declared.metadata.get(REQUIRED)) or (
            declared.default is dataclasses.MISSING and declared.default_factory is dataclasses.MISSING)
        open_ = bool(declared.metadata.get(REST))
        fields.append((declared.name, check_of(hints[declared.name]), required, open_))
    known = frozenset(name for name, _, _, open_ in fields if not open_) | {"schema", *cls.DERIVED}
    omitted = {declared.name: declared.default if declared.default_factory is dataclasses.MISSING else declared.default_factory()
               for declared in dataclasses.fields(cls) if declared.metadata.get(OMITTED)}  # type: ignore[arg-type]  # fmt: skip
    _PLANS[cls] = plan = _Plan(fields, known, omitted)
    return plan


PLAIN: dict[Any, Check[Any]] = {str: text, bool: flag, int: count, float: number, Any: anything, object: anything}


@functools.cache
def check_of(kind: Any) -> Check[Any]:
    """The check a field of type ``kind`` is read with (see :class:`Record`)."""
    if kind in PLAIN:
        return PLAIN[kind]
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Annotated:
        return typing.cast(Check[Any], args[1])
    if origin in (typing.Union, types.UnionType):
        rest_ = [arg for arg in args if arg is not type(None)]
        if len(rest_) != 1 or len(rest_) == len(args):
            raise TypeError(f"{kind}: only X | None unions can be read; give the field an Annotated check")
        return optional(check_of(rest_[0]))
    if origin is typing.Literal:
        return one_of(*args)
    if origin is list:
        return list_of(check_of(args[0]))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = list_of(check_of(args[0]))
        return lambda value, where: tuple(item(value, where))
    if origin is dict:
        return values_of(check_of(args[1]))
    from_dict = getattr(kind, "from_dict", None)
    if from_dict is not None:
        return typing.cast(Check[Any], from_dict)
    raise TypeError(f"{kind}: no check for this type; give the field an Annotated check")
