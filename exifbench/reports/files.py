"""Writing output files atomically: a crash never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from exifbench.errors import ExifbenchError


def write_atomic(path: str | Path, content: str | bytes, force: bool = True) -> Path:
    """Write ``content`` to ``path`` via a temporary file and ``os.replace``.

    With ``force=False`` an existing file is an error instead of being replaced.
    """
    target = Path(path)
    if not force and target.exists():
        raise ExifbenchError(f"{target}: already exists (use --force to overwrite)")
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
