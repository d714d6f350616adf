"""What every saved document shares: a :class:`~exifbench.fields.Record` with a ``schema``, saved and loaded as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar, TypeVar

from exifbench.fields import Record
from exifbench.files import read_json, save_document


class Document(Record):
    """A record saved as its own file: ``save`` writes :meth:`to_dict` as JSON, ``load`` reads one back."""

    WHAT: ClassVar[str] = "document"
    """What the file is, in errors (``not a JSON gate verdict``)."""

    def save(self, path: str | Path, force: bool = True) -> Path:
        """Write the document to ``path`` (an existing file only with ``force``; elsewhere if it cannot be written)."""
        return save_document(path, json.dumps(self.to_dict(), indent=1, default=str), force)

    @classmethod
    def load(cls: type[D], path: str | Path) -> D:
        """Read a saved document (JSON only, every field checked)."""
        return cls.from_dict(read_json(path, cls.WHAT), str(path))


D = TypeVar("D", bound=Document)
