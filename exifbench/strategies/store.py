"""The on-disk metadata cache: one SQLite database of EXIF dicts keyed by path and :class:`Stamp`.

- A row is served only while the file's size, ``mtime_ns``, inode and ``ctime_ns`` are those it
  was read with (:class:`Stamp`); a changed file's row is *stale*: the file is read again and the
  row replaced. An edit that keeps size and ``mtime`` still moves ``ctime``, which no user
  process can set back.
- Rows belong to one reader (extractor and Pillow version, :func:`reader_id`): another
  Pillow's dicts are never served.
- Safe with concurrent writers: WAL journal, a busy timeout, one connection per thread,
  every write one ``INSERT OR REPLACE`` (two processes filling one database both finish).
- A database that is not one (corrupt, truncated, another schema) is deleted and rebuilt
  empty, with one :class:`CacheRebuiltWarning` naming the file and why. One that cannot be used
  now (locked by a writer past the busy timeout, a full or read-only disk) is left alone: this
  loader goes without it (:class:`CacheSkippedWarning`), reading every file and storing nothing.
- The database is private: a file of mode 0600 (in a 0700 folder when this makes the folder).
  A world-writable folder, or a database name that is a symbolic link or not a regular file,
  is refused (:class:`~exifbench.errors.ExifbenchError`): another user could plant rows or
  redirect the writes.
- Its place follows the user cache dir (:func:`~exifbench.datasets.embedded.cache_dir`,
  ``$EXIFBENCH_CACHE_DIR`` honoured), or a folder given: :func:`database_path`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import warnings
from pathlib import Path
from typing import NamedTuple

import PIL

from exifbench.datasets.embedded import cache_dir
from exifbench.errors import ExifbenchError
from exifbench.strategies import codec
from exifbench.strategies.base import Exif

FILE_NAME = "exif-metadata.sqlite3"
SCHEMA = "2"
BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another writer (another thread or process) before it gives up."""

HIT, MISSING, STALE, REFUSED = "hit", "missing", "stale", "refused"
"""What a lookup found: a valid row; no row; a row for another version of the file; a row that does not decode
(or a database that could not be read)."""


CORRUPT = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
"""SQLite's answers that mean the file is not a usable database (rebuilt); any other error is transient (skipped)."""


class CacheRebuiltWarning(UserWarning):
    """A metadata database was not a database (or of another schema) and was rebuilt empty."""


class CacheSkippedWarning(UserWarning):
    """A metadata database could not be used now (locked, a full disk...): left as it is, and not used."""


class _Corrupt(Exception):
    """The database holds something this exifbench does not read (another schema)."""


class Stamp(NamedTuple):
    """What identifies one version of a file: size, modification time, inode and status-change time (ns)."""

    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int


def stamp_of(path: str) -> Stamp | None:
    """``path``'s stamp now, or ``None`` if it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return Stamp(st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def database_path(folder: str | Path | None = None) -> Path:
    """The database in ``folder`` (``~`` expanded), else in the user cache dir (``$EXIFBENCH_CACHE_DIR`` honoured)."""
    return Path(folder).expanduser() / FILE_NAME if folder is not None else cache_dir() / FILE_NAME


def reader_id(extractor: str) -> str:
    """Whose dicts a row holds: the extractor and the Pillow version (its dicts change across versions)."""
    return f"{extractor} on Pillow {PIL.__version__}"


def database_files(path: Path) -> list[Path]:
    """The database and its WAL and shared-memory files."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


class Lookup(NamedTuple):
    """One lookup's outcome (:data:`HIT`, :data:`MISSING`, :data:`STALE`, :data:`REFUSED`) and the dict on a hit."""

    outcome: str
    exif: Exif | None = None


class MetadataStore:
    """The rows of one reader in one database file; usable from any thread."""

    def __init__(self, path: Path, reader: str) -> None:
        self.path = path
        self.reader = reader
        self.rebuilt: str | None = None
        """Why the database was rebuilt when opened (``None``: it was usable)."""
        self.skipped: str | None = None
        """Why the database is not used by this store (``None``: it is)."""
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            private(path)
            self._prepare()
        except (_Corrupt, sqlite3.DatabaseError) as exc:
            if isinstance(exc, _Corrupt) or getattr(exc, "sqlite_errorcode", None) in CORRUPT:
                self._rebuild(exc)
            else:
                self._skip(exc)
        except OSError as exc:
            self._skip(exc)

    def get(self, path: str, stamp: Stamp) -> Lookup:
        """The row of ``path`` if it was stored for exactly ``stamp`` and decodes."""
        if self.skipped is not None:
            return Lookup(MISSING)
        row = self._connection().execute(
            "SELECT size, mtime_ns, ino, ctime_ns, exif FROM exif WHERE path = ? AND reader = ?", (_key(path), self.reader)
        ).fetchone()
        if row is None:
            return Lookup(MISSING)
        if Stamp(*row[:4]) != stamp:
            return Lookup(STALE)
        try:
            return Lookup(HIT, codec.decode(row[4]))
        except Exception:  # a hostile or damaged row: refused, the file is read again and the row replaced
            return Lookup(REFUSED)

    def put(self, path: str, stamp: Stamp, exif: Exif) -> None:
        """Store ``exif`` as ``path``'s dict for ``stamp`` (replacing any older row); :class:`codec.CodecError` if it
        holds a type the codec cannot."""
        if self.skipped is not None:
            return
        self._connection().execute(
            "INSERT OR REPLACE INTO exif (path, reader, size, mtime_ns, ino, ctime_ns, exif) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_key(path), self.reader, *stamp, codec.encode(exif)),
        )

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self.path)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _prepare(self) -> None:
        """Open (creating if needed) and check the database: WAL, the tables, this schema."""
        connection = connect(self.path)
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # a file system without shared memory: not the file's fault
                raise sqlite3.OperationalError(f"journal mode {mode!r} instead of WAL")
            with connection:  # one transaction: concurrent creators wait on the busy timeout
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS exif (path BLOB NOT NULL, reader TEXT NOT NULL, size INTEGER NOT NULL, "
                    "mtime_ns INTEGER NOT NULL, ino INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, exif BLOB NOT NULL, "
                    "PRIMARY KEY (path, reader))"
                )
                connection.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA,))
                schema = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
            if schema != SCHEMA:
                raise _Corrupt(f"schema {schema!r}, this exifbench writes {SCHEMA!r}")
        finally:
            connection.close()

    def _rebuild(self, why: BaseException) -> None:
        """Delete the unusable database and make it again, empty; one warning says which file and why."""
        reason = f"{type(why).__name__}: {why}"
        try:
            for file in database_files(self.path):
                file.unlink(missing_ok=True)
            private(self.path)
            self._prepare()
        except (sqlite3.Error, OSError, _Corrupt) as exc:
            raise ExifbenchError(f"{self.path}: the metadata cache is unusable ({reason}) and cannot be rebuilt: {exc}") from None
        self.rebuilt = reason
        warnings.warn_explicit(f"unusable metadata cache ({reason}): rebuilt it empty", CacheRebuiltWarning, str(self.path), 0)

    def _skip(self, why: BaseException) -> None:
        """Leave the database as it is and go without it; one warning says which file and why."""
        self.skipped = f"{type(why).__name__}: {why}"
        warnings.warn_explicit(f"metadata cache not used ({self.skipped}): every file is read, nothing stored",
                               CacheSkippedWarning, str(self.path), 0)  # fmt: skip


def private(path: Path) -> None:
    """Make sure ``path`` can be a private database: its folder (made 0700) not world-writable, no database file
    a link or not a regular file (:class:`ExifbenchError` otherwise), the database itself 0600 (created so).
    ``OSError`` if the folder or file cannot be made."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = folder.stat().st_mode
    if mode & stat.S_IWOTH:
        raise ExifbenchError(f"{folder}: anyone may write to this folder (mode {stat.S_IMODE(mode):04o}): "
                             "the metadata cache is kept only in a private folder")  # fmt: skip
    for file in database_files(path):
        kind = _kind(file)
        if kind not in (None, "file"):
            raise ExifbenchError(f"{file}: a {kind}, not a regular file: the metadata cache does not use it")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        if stat.S_IMODE(os.fstat(descriptor).st_mode) & 0o077:
            os.fchmod(descriptor, 0o600)  # a database made before it was private (it holds paths and GPS positions)
    except OSError:
        pass  # another user's file in our folder: SQLite opens it or says why
    finally:
        os.close(descriptor)


def _kind(path: Path) -> str | None:
    """``None`` if nothing is at ``path`` (not even a dangling link), else ``file``, ``symbolic link``, ``directory``..."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISREG(mode):
        return "file"
    return "symbolic link" if stat.S_ISLNK(mode) else "directory" if stat.S_ISDIR(mode) else "special file"


def connect(path: Path) -> sqlite3.Connection:
    """A connection to ``path`` that waits :data:`BUSY_TIMEOUT_S` for other writers (``timeout`` is SQLite's busy
    timeout); writes commit at once."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def _key(path: str) -> bytes:
    """A path as stored: its bytes, so names that are not valid UTF-8 are kept exactly."""
    return os.fsencode(path)


class CacheInfo(NamedTuple):
    """What a database holds: its files' total size, rows per reader, or why it could not be read (and what then)."""

    path: Path
    size_bytes: int
    rows: dict[str, int]
    problem: str | None = None


def inspect(path: Path) -> CacheInfo | None:
    """What the database at ``path`` holds (read-only), or ``None`` when there is none."""
    present = [file for file in database_files(path) if _kind(file) is not None]
    if not present:
        return None
    odd = next(((file, kind) for file in present if (kind := _kind(file)) != "file"), None)
    if odd is not None:
        return CacheInfo(path, 0, {}, f"a {odd[1]} at {odd[0]}, not a database file: the persistent strategy refuses it "
                                      "(remove it yourself)")  # fmt: skip
    size = sum(file.stat().st_size for file in present)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            rows = dict(connection.execute("SELECT reader, COUNT(*) FROM exif GROUP BY reader ORDER BY reader").fetchall())
        finally:
            connection.close()
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) in CORRUPT:
            return CacheInfo(path, size, {}, f"unreadable ({type(exc).__name__}: {exc}): the next persistent run rebuilds it")
        return CacheInfo(path, size, {}, f"not readable now ({type(exc).__name__}: {exc})")
    return CacheInfo(path, size, rows)


def clear(path: Path) -> CacheInfo | None:
    """Delete the database at ``path`` and its WAL files; what it held, or ``None`` when there was none."""
    info = inspect(path)
    for file in database_files(path):
        try:
            file.unlink(missing_ok=True)
        except OSError as exc:
            raise ExifbenchError(f"{file}: cannot remove the metadata cache: {exc.strerror or exc}") from None
    return info
