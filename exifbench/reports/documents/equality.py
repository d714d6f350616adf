"""Which equality a run was judged by (``--equality``), as recorded in every document.

- ``pillow``: each loaded dict equals Pillow's ``_getexif()`` dict for the file (the original loader);
- ``reference``: it equals the reference loader's own dict (A/B: ``gate --candidate``, ``decide``);
- ``fields:Make,Model``: only the named fields are compared, against Pillow's dicts in ``run``, the
  reference loader's in A/B; a ``normalize(path, exif) -> dict`` (the loader's method, or ``--normalize
  module:function``) first maps a loader's own dict shape to those field names;
- ``off``: nothing is compared, and every output says so.

Documents from before the choice was recorded were all judged by ``pillow``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from exifbench import fields as f
from exifbench.errors import ExifbenchError
from exifbench.fields import Record

PILLOW, REFERENCE, FIELDS, OFF = "pillow", "reference", "fields", "off"
MODES = (PILLOW, REFERENCE, FIELDS, OFF)
PILLOW_DICTS = "Pillow's _getexif() dicts"


@dataclass(frozen=True)
class EqualitySpec(Record):
    """The equality one run set was judged by."""

    mode: Annotated[str, f.one_of(*MODES)] = f.required(PILLOW)
    fields: tuple[str, ...] = ()
    against: str = PILLOW
    """Whose dicts are the expected ones: ``pillow``, or the reference strategy's name."""
    normalize: str | None = None
    """``module:function`` given with ``--normalize``; ``None``: each loader's own ``normalize`` method, if any."""

    @property
    def off(self) -> bool:
        return self.mode == OFF

    @property
    def name(self) -> str:
        """How it is spelled on the command line: ``pillow``, ``reference``, ``fields:Make,Model``, ``off``."""
        return f"{FIELDS}:{','.join(self.fields)}" if self.mode == FIELDS else self.mode

    @property
    def unit(self) -> str:
        """What a mismatch counts: ``field`` or ``tag``."""
        return "field" if self.mode == FIELDS else "tag"

    def describe(self) -> str:
        """What "equal" means here, e.g. ``fields Make, Model of the reference base.app:Loader's dicts``."""
        if self.off:
            return "nothing: EXIF not compared"
        whose = PILLOW_DICTS if self.against == PILLOW else f"the reference {self.against}'s dicts"
        text = f"fields {', '.join(self.fields)} of {whose}" if self.mode == FIELDS else whose
        return text + (f", normalized by {self.normalize}" if self.normalize else "")

    def headline(self) -> str:
        """``--equality NAME (what it means)``, or ``--equality off: EXIF NOT compared``."""
        return "--equality off: EXIF NOT compared" if self.off else f"--equality {self.name} ({self.describe()})"



def parse_equality(text: str, normalize: str | None = None, reference: str | None = None) -> EqualitySpec:
    """``--equality`` (and ``--normalize``) as a spec; ``reference``: the A/B command's reference strategy
    (``None`` in ``run``, which has none). A bad value is a one-line user error."""
    mode, _, rest = text.strip().partition(":")
    if mode not in MODES:
        raise ExifbenchError(f"--equality must be pillow, reference, fields:NAME,NAME… or off, got {text!r}")
    if rest and mode != FIELDS:
        raise ExifbenchError(f"--equality {mode} takes no field list, got {text!r}")
    names = tuple(dict.fromkeys(name.strip() for name in rest.split(",") if name.strip()))
    if mode == FIELDS and not names:
        raise ExifbenchError("--equality fields: name at least one field, e.g. fields:Make,Model")
    if mode == REFERENCE and reference is None:
        raise ExifbenchError("--equality reference compares with a reference loader: only gate --candidate and decide have one")
    if mode == OFF and normalize is not None:
        raise ExifbenchError("--normalize with --equality off: nothing is compared, so nothing is normalized")
    against = reference if mode in (REFERENCE, FIELDS) and reference is not None else PILLOW
    return EqualitySpec(mode, names, against, normalize)


def equality_of(recorded: Iterable[EqualitySpec | None]) -> EqualitySpec:
    """The equality recorded in runs' ``config.equality`` (``None``, ``pillow``: documents from before it was
    recorded); runs judged by different equalities are one user error."""
    found = {spec or EqualitySpec() for spec in recorded}
    if len(found) > 1:
        raise ExifbenchError(f"runs judged by different equalities: {', '.join(sorted(spec.name for spec in found))}")
    return found.pop() if found else EqualitySpec()
