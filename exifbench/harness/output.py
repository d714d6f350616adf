"""What a loader writes while it runs — its log records, its stdout and stderr — kept as its own.

An app's own loader logs its per-file failures and prints; none of that is exifbench's output. While one
strategy runs, every log record that reaches the root logger (WARNING and up by default, from any logger
but exifbench's own) and every line written to ``sys.stdout`` or ``sys.stderr`` (from any thread of this
process) is kept for that run: the count and the first :data:`FIRST_LINES` lines, shown as the strategy's
errors after the table. exifbench's own consoles still reach the terminal: a capturing stream names the
stream it replaced as ``rich_proxied_file``, which rich writes to instead.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

FIRST_LINES = 10
"""Lines kept per run (all are counted)."""
OWN_LOGGERS = "exifbench"
"""exifbench's own loggers (their per-file errors are collected directly, see ``error_log``)."""


class LoaderOutput:
    """The lines a loader wrote during one run: how many, and the first :data:`FIRST_LINES`."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []
        self._guard = threading.Lock()

    def add(self, line: str) -> None:
        line = " ".join(line.split())
        if not line:
            return
        with self._guard:
            self.count += 1
            if len(self.first) < FIRST_LINES:
                self.first.append(line)

    def to_dict(self) -> dict[str, Any]:
        """The run document's ``loader_output`` (``{}`` when the loader wrote nothing)."""
        with self._guard:
            return {"lines": self.count, "first": list(self.first)} if self.count else {}


class _Lines(io.TextIOBase):
    """A text stream that hands each complete line (``stdout: …``) to a :class:`LoaderOutput`."""

    def __init__(self, output: LoaderOutput, name: str, replaced: TextIO) -> None:
        super().__init__()
        self._output = output
        self._name = name
        self._partial = ""
        self._guard = threading.Lock()
        self.rich_proxied_file = getattr(replaced, "rich_proxied_file", replaced)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._guard:
            *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            if line.strip():
                self._output.add(f"{self._name}: {line}")
        return len(text)

    def close_lines(self) -> None:
        """Hand on a last line written without its newline."""
        with self._guard:
            partial, self._partial = self._partial, ""
        if partial.strip():
            self._output.add(f"{self._name}: {partial}")


class _Records(logging.Handler):
    def __init__(self, output: LoaderOutput) -> None:
        super().__init__()
        self._output = output

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == OWN_LOGGERS or record.name.startswith(OWN_LOGGERS + "."):
            return
        text = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        self._output.add(text)


@contextmanager
def loader_output() -> Iterator[LoaderOutput]:
    """Keep what is logged and written while the block runs; the streams and the root logger are restored on exit."""
    output = LoaderOutput()
    handler = _Records(output)
    root = logging.getLogger()
    streams = _Lines(output, "stdout", sys.stdout), _Lines(output, "stderr", sys.stderr)
    replaced = sys.stdout, sys.stderr
    root.addHandler(handler)
    sys.stdout, sys.stderr = streams
    try:
        yield output
    finally:
        sys.stdout, sys.stderr = replaced
        root.removeHandler(handler)
        for stream in streams:
            stream.close_lines()
