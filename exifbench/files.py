"""Reading and writing the project's files: JSON in (never pickle or eval), atomic writes out.

A crash or Ctrl-C never leaves a half-written file: writes go to a temporary file
beside the target and are moved into place with ``os.replace``. Inside :func:`all_or_nothing`
a set of files (a report's) is moved into place only once every one of them is written, so a
full disk leaves the previous set, not part of a new one. Temporary files and
folders are created with the umask's permissions (unlike ``mkstemp``'s 0600), so what
lands in place can be read by whoever the user's umask lets read it.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exifbench.errors import ExifbenchError


MAX_DOCUMENT_BYTES = 1 << 30
"""The largest JSON file read (1 GiB): a run document of a million files is far smaller."""


def read_json(path: str | Path, what: str) -> Any:
    """Parse ``path`` as JSON; every failure is one :class:`ExifbenchError` naming the file and ``what`` it should be.

    Only a regular file is read (a FIFO would block, ``/dev/zero`` never end), and at most
    :data:`MAX_DOCUMENT_BYTES` of it.
    """
    try:
        text = read_regular(Path(path), what).decode("utf-8")
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExifbenchError(f"{path}: not a JSON {what} ({exc})") from None
    except RecursionError:
        raise ExifbenchError(f"{path}: not a JSON {what} (nested too deeply)") from None
    except ValueError as exc:  # an integer of more than 4,300 digits (Python's int_max_str_digits)
        raise ExifbenchError(f"{path}: not a JSON {what} ({str(exc).partition(':')[0]})") from None


def read_regular(path: Path, what: str) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most :data:`MAX_DOCUMENT_BYTES`; one :class:`ExifbenchError`
    otherwise."""
    limit = MAX_DOCUMENT_BYTES
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO's open does not wait
    except OSError as exc:
        raise ExifbenchError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = "directory" if stat.S_ISDIR(mode) else "FIFO" if stat.S_ISFIFO(mode) else "device or special file"
        raise ExifbenchError(f"{path}: cannot read {what} (a {kind}, not a regular file)")
    with open(descriptor, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise ExifbenchError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise ExifbenchError(f"{path}: cannot read {what} (larger than {limit:,} bytes)")
    return data


def check_writable(path: str | Path, force: bool) -> Path:
    """Fail early, before a long run, if ``path`` could not be written (or exists and ``force`` is not given)."""
    target = Path(path)
    try:
        target = writable_target(target)
        if not force and target.exists():
            raise ExifbenchError(f"{target}: already exists (use --force to overwrite)")
        parent = target.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise ExifbenchError(f"{target}: cannot write there ({parent} is not a writable directory)")
    except OSError as exc:  # a name too long for the file system, a loop of links...
        raise ExifbenchError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    return target


def writable_target(target: Path) -> Path:
    """Where writing ``target`` writes: through a symbolic link to what it names (the link is kept, as a shell's
    ``>`` keeps it); an existing directory, device, FIFO or socket is refused, never replaced by a file (``--json
    /dev/null --force`` run as root replaced the device)."""
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.exists() and not target.is_file():
        mode = target.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ExifbenchError(f"{target}: is a directory, not a file to write")
        kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device or special file"
        raise ExifbenchError(f"{target}: a {kind}, not a regular file: it is not replaced")
    return target


def create_temporary(beside: Path, directory: bool = False) -> Path:
    """A new empty file (or folder) next to ``beside``, named ``.NAME.XXXXXXXX.tmp``, mode 0666 (0777) less the umask."""
    while True:
        tmp = beside.parent / f".{beside.name}.{secrets.token_hex(4)}.tmp"
        try:
            if directory:
                os.mkdir(tmp, 0o777)
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:  # a 1 in 4 billion clash: draw another name
            continue


@dataclass
class _FileSet:
    """What :func:`write_atomic` wrote inside one :func:`all_or_nothing`: each temporary file and its target,
    and the folders it made."""

    pending: dict[Path, Path] = field(default_factory=dict)  # target -> its written temporary file
    folders: list[Path] = field(default_factory=list)


_file_set: ContextVar[_FileSet | None] = ContextVar("exifbench_file_set", default=None)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Every :func:`write_atomic` inside the block writes its temporary file but moves nothing into place; when
    the block ends, every file is moved into place (renames, which need no room for data) — or, if the block
    raised (a full disk at the fifth file, Ctrl-C), none is: the temporary files and the folders made for them
    are removed, and the files that were there before are as they were. Nested blocks are one set."""
    if _file_set.get() is not None:
        yield
        return
    files = _FileSet()
    token = _file_set.set(files)
    try:
        yield
        moved = list(files.pending.items())
        for target, tmp in moved:
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise ExifbenchError(f"{target}: cannot write ({exc.strerror or exc}); "
                                     f"{moved.index((target, tmp))} of the {len(moved)} files were written") from None  # fmt: skip
            del files.pending[target]
    finally:
        _file_set.reset(token)
        for tmp in files.pending.values():
            tmp.unlink(missing_ok=True)
        if files.pending:
            for folder in reversed(files.folders):
                try:
                    folder.rmdir()
                except OSError:
                    pass  # not empty: something else is in it


def present(path: Path) -> bool:
    """``path`` is a file, or will be one when the :func:`all_or_nothing` block writing it ends."""
    files = _file_set.get()
    return path.is_file() or (files is not None and path in files.pending)


def _make_folders(folder: Path, files: _FileSet | None) -> None:
    """``folder`` and its missing parents; inside :func:`all_or_nothing`, each one made is remembered."""
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    if files is not None:
        files.folders.extend(reversed(missing))


def write_atomic(path: str | Path, content: str | bytes, force: bool = True) -> Path:
    """Write ``content`` to ``path`` via a temporary file and ``os.replace`` (inside :func:`all_or_nothing`, the
    replace waits for the block's end).

    With ``force=False`` an existing file is an error instead of being replaced.
    Text that cannot be UTF-8 (a non-UTF-8 file name) is written backslash-escaped.
    """
    target = Path(path)
    data = content.encode("utf-8", errors="backslashreplace") if isinstance(content, str) else content
    files = _file_set.get()
    try:
        target = writable_target(target)
        if not force and target.exists():
            raise ExifbenchError(f"{target}: already exists (use --force to overwrite)")
        _make_folders(target.parent, files)
        tmp = create_temporary(target)
    except OSError as exc:
        raise ExifbenchError(f"{target}: cannot write ({exc.strerror or exc})") from None
    kept = False
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if files is None:
            os.replace(tmp, target)
        else:
            earlier = files.pending.pop(target, None)
            if earlier is not None:
                earlier.unlink(missing_ok=True)
            files.pending[target] = tmp
            kept = True
    except OSError as exc:
        raise ExifbenchError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        if not kept:
            tmp.unlink(missing_ok=True)
    return target


def save_document(path: str | Path, content: str, force: bool) -> Path:
    """:func:`write_atomic` for a document that cannot be made again (what a run measured): if it cannot be written
    there (a full disk, a folder gone, a file made meanwhile), it is written to a new file in the temporary folder
    and the error says where; if that fails too, the error says so."""
    try:
        return write_atomic(path, content, force)
    except ExifbenchError as failed:
        spare: Path | None = None
        try:
            descriptor, name = tempfile.mkstemp(prefix=f"exifbench-{Path(path).stem[:40]}-", suffix=".json")
            spare = Path(name)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content.encode("utf-8", errors="backslashreplace"))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as again:
            if spare is not None:
                spare.unlink(missing_ok=True)
            raise ExifbenchError(f"{failed}; a copy in {tempfile.gettempdir()} failed too ({again.strerror or again}): "
                                 "what was measured is only in the output above") from None  # fmt: skip
        raise ExifbenchError(f"{failed}; saved to {spare} instead") from None
