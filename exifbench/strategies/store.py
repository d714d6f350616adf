"""The on-disk metadata cache: one SQLite database of EXIF dicts keyed by (path, size, mtime_ns).

- A row is served only while the file's size and ``mtime_ns`` are those it was read with
  (:class:`Stamp`); a changed file's row is *stale*: the file is read again and the row replaced.
- Rows belong to one reader (extractor and Pillow version, :func:`reader_id`): another
  Pillow's dicts are never served.
- Safe with concurrent writers: WAL journal, a busy timeout, one connection per thread,
  every write one ``INSERT OR REPLACE`` (two processes filling one database both finish).
- A database that cannot be opened or is not one (corrupt, truncated, a newer schema) is
  deleted and rebuilt empty, with one :class:`CacheRebuiltWarning` naming the file and why.
- Its place follows the user cache dir (:func:`~exifbench.datasets.embedded.cache_dir`,
  ``$EXIFBENCH_CACHE_DIR`` honoured), or a folder given: :func:`database_path`.
"""

from __future__ import annotations

import os
import sqlite3
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
SCHEMA = "1"
BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another writer (another thread or process) before it gives up."""

HIT, MISSING, STALE, REFUSED = "hit", "missing", "stale", "refused"
"""What a lookup found: a valid row; no row; a row for another version of the file; a row that does not decode
(or a database that could not be read)."""


class CacheRebuiltWarning(UserWarning):
    """A metadata database could not be used and was rebuilt empty."""


class Stamp(NamedTuple):
    """What identifies one version of a file: its size and modification time in nanoseconds."""

    size: int
    mtime_ns: int


def stamp_of(path: str) -> Stamp | None:
    """``path``'s stamp now, or ``None`` if it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return Stamp(st.st_size, st.st_mtime_ns)


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
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._prepare()
        except (sqlite3.Error, OSError) as exc:
            self._rebuild(exc)

    def get(self, path: str, stamp: Stamp) -> Lookup:
        """The row of ``path`` if it was stored for exactly ``stamp`` and decodes."""
        row = self._connection().execute(
            "SELECT size, mtime_ns, exif FROM exif WHERE path = ? AND reader = ?", (_key(path), self.reader)
        ).fetchone()
        if row is None:
            return Lookup(MISSING)
        if Stamp(row[0], row[1]) != stamp:
            return Lookup(STALE)
        try:
            return Lookup(HIT, codec.decode(row[2]))
        except Exception:  # a hostile or damaged row: refused, the file is read again and the row replaced
            return Lookup(REFUSED)

    def put(self, path: str, stamp: Stamp, exif: Exif) -> None:
        """Store ``exif`` as ``path``'s dict for ``stamp`` (replacing any older row)."""
        self._connection().execute(
            "INSERT OR REPLACE INTO exif (path, reader, size, mtime_ns, exif) VALUES (?, ?, ?, ?, ?)",
            (_key(path), self.reader, stamp.size, stamp.mtime_ns, codec.encode(exif)),
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
            if str(mode).lower() != "wal":
                raise sqlite3.DatabaseError(f"journal mode {mode!r} instead of WAL")
            with connection:  # one transaction: concurrent creators wait on the busy timeout
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS exif (path BLOB NOT NULL, reader TEXT NOT NULL, size INTEGER NOT NULL, "
                    "mtime_ns INTEGER NOT NULL, exif BLOB NOT NULL, PRIMARY KEY (path, reader))"
                )
                connection.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA,))
                schema = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
            if schema != SCHEMA:
                raise sqlite3.DatabaseError(f"schema {schema!r}, this exifbench writes {SCHEMA!r}")
        finally:
            connection.close()

    def _rebuild(self, why: BaseException) -> None:
        """Delete the unusable database and make it again, empty; one warning says which file and why."""
        reason = f"{type(why).__name__}: {why}"
        try:
            for file in database_files(self.path):
                file.unlink(missing_ok=True)
            self._prepare()
        except (sqlite3.Error, OSError) as exc:
            raise ExifbenchError(f"{self.path}: the metadata cache is unusable ({reason}) and cannot be rebuilt: {exc}") from None
        self.rebuilt = reason
        warnings.warn_explicit(f"unusable metadata cache ({reason}): rebuilt it empty", CacheRebuiltWarning, str(self.path), 0)


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
    """What a database holds: its files' total size, rows per reader, or why it could not be read."""

    path: Path
    size_bytes: int
    rows: dict[str, int]
    problem: str | None = None


def inspect(path: Path) -> CacheInfo | None:
    """What the database at ``path`` holds (read-only), or ``None`` when there is none."""
    present = [file for file in database_files(path) if file.exists()]
    if not present:
        return None
    size = sum(file.stat().st_size for file in present)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            rows = dict(connection.execute("SELECT reader, COUNT(*) FROM exif GROUP BY reader ORDER BY reader").fetchall())
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return CacheInfo(path, size, {}, f"{type(exc).__name__}: {exc}")
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
