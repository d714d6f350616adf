"""``--ui qt``: the replay inside a real ``QApplication``, a ``QListView`` of the folder driven by a 60 Hz timer.

Imported only when ``--ui qt`` is asked for, so PySide6 stays an optional
dependency (``pip install 'exifbench[qt]'``). Without a display (no ``DISPLAY``
nor ``WAYLAND_DISPLAY``) Qt's ``offscreen`` platform is used.

Each frame is a precise single-shot ``QTimer`` aimed at the next 60 Hz grid point
(a late frame skips the grid points it missed, as a vsync-driven loop does). A
frame runs the probe's fixed UI workload, re-asks the placeholders on screen and
fills the ready ones (a loader that :class:`~exifbench.strategies.base.Subscribes` also
fills them as soon as they load, through a queued signal), makes the pattern's
calls that fall due within the frame (the page they ask for scrolls to the top;
each cell shows a placeholder for ``None``, else the camera and date) and paints
the view synchronously. The frame's time runs from its grid point to the end of
the paint: frames missed, long tasks and frozen frames are counted from it, as
the probe's are, tick lag from when the timer really fired.
Grabs of the view (first frame, mid-scroll, end) are saved as PNG files, their
time kept out of the frame grid.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exifbench.errors import ExifbenchError
from exifbench.harness.calls import CallMade, PatternCalls
from exifbench.datasets.patterns.clock import now_ns
from exifbench.harness.ui.frames import FrameClock
from exifbench.harness.plan import ReplayPlan
from exifbench.strategies.base import Exif, ExifLoader, Subscribes

try:
    from PySide6.QtCore import QAbstractListModel, QEventLoop, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
    from PySide6.QtCore import QTimer, Signal
    from PySide6.QtGui import QBrush, QColor, QPixmap
    from PySide6.QtWidgets import QApplication, QListView
except ImportError as exc:  # pragma: no cover - the message names the fix
    raise ExifbenchError(
        f"--ui qt needs PySide6 ({exc}): pip install 'exifbench[qt]' (on Debian also: make qt-system-libs)"
    ) from None

PLACEHOLDER = "loading EXIF…"
GRID = QSize(240, 46)
CELL = QSize(234, 42)
SWATCH = QSize(36, 27)
WINDOW = QSize(760, 400)
GRAB_MOMENTS = ("first frame", "mid-scroll", "end")


def use_offscreen_without_display() -> None:
    """Ask Qt for its ``offscreen`` platform when there is no display (and the user chose none)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def application() -> QApplication:
    """The process's one ``QApplication`` (created on first use)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    use_offscreen_without_display()
    return QApplication(["exifbench"])


def exif_line(exif: Exif) -> str:
    """The line a cell shows: camera model and capture date, as far as the dict has them."""
    parts = [str(exif.get(key, "")).strip(" \0") for key in ("Model", "DateTimeOriginal")]
    return " · ".join(part for part in parts if part) or "no camera data"


class FolderModel(QAbstractListModel):
    """The folder's images; a cell shows its file name and, once asked for, a placeholder or its EXIF line."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__()
        self.paths = paths
        self.lines: list[str | None] = [None] * len(paths)
        self.waiting: set[str] = set()
        """Paths whose cell shows a placeholder."""
        self._rows = {path: row for row, path in reversed(list(enumerate(paths)))}
        self._waiting = _swatch("#c9c9c9")
        self._filled = _swatch("#3b7dd8")

    def row_of(self, path: str) -> int:
        return self._rows[path]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.paths)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        line = self.lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{Path(self.paths[index.row()]).name}\n{line or ''}"
        if role == Qt.ItemDataRole.DecorationRole and line is not None:
            return self._waiting if line == PLACEHOLDER else self._filled
        if role == Qt.ItemDataRole.SizeHintRole:
            return CELL
        if role == Qt.ItemDataRole.ForegroundRole and line == PLACEHOLDER:
            return QBrush(QColor("#8a8a8a"))
        if role == Qt.ItemDataRole.BackgroundRole and line == PLACEHOLDER:
            return QBrush(QColor("#f1f1f1"))
        return None

    def show(self, path: str, exif: Exif | None) -> None:
        """Show ``exif``'s line in the cell of ``path`` (a placeholder for ``None``)."""
        row = self._rows[path]
        self.lines[row] = PLACEHOLDER if exif is None else exif_line(exif)
        if exif is None:
            self.waiting.add(path)
        else:
            self.waiting.discard(path)
        self.dataChanged.emit(self.index(row), self.index(row))

    @property
    def filled(self) -> int:
        """Cells showing an EXIF line."""
        return sum(line not in (None, PLACEHOLDER) for line in self.lines)


def _swatch(color: str) -> QPixmap:
    pixmap = QPixmap(SWATCH)
    pixmap.fill(QColor(color))
    return pixmap


class Deliveries(QObject):
    """Carries a loader's callbacks (any thread) to the UI thread as a queued signal."""

    ready = Signal(str, object)


class QtFrameLoop:
    """The :class:`~exifbench.harness.replay.UiLoop` of a real Qt application showing the folder."""

    def __init__(
        self,
        loader: ExifLoader,
        plan: ReplayPlan,
        tick_ms: float,
        grab_dir: Path | None = None,
        grab_name: str = "qt",
    ) -> None:
        self._app = application()
        self.clock = FrameClock(tick_ms)
        self._grab_dir = grab_dir
        if grab_dir is not None:
            grab_dir.mkdir(parents=True, exist_ok=True)
        self._grab_name = grab_name
        self.model = FolderModel(list(plan.files or plan.targets))
        self.view = _list_view(self.model)
        self._deliveries = Deliveries()
        self._deliveries.ready.connect(self.model.show, Qt.ConnectionType.QueuedConnection)
        self._subscribe = loader.get_exif_lazy if isinstance(loader, Subscribes) else None
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._frame)
        self._loop = QEventLoop()
        self._calls: PatternCalls | None = None
        self._done: threading.Event | None = None
        self._failure: BaseException | None = None
        self.grabs: list[dict[str, Any]] = []
        self.placeholders_shown = 0

    @property
    def lags_ms(self) -> list[float]:
        return self.clock.lags_ms

    # UiLoop ---------------------------------------------------------------------------

    def run_calls(self, calls: PatternCalls) -> None:
        """Run the event loop until every call was made in the frame it fell due in."""
        self.view.show()
        self._app.processEvents()  # the window is exposed (so a repaint really paints) before the first frame
        self.clock.start(calls)
        self._calls = calls
        self._run()
        self._calls = None

    def idle_until(self, done: threading.Event) -> None:
        """Keep the frames coming (placeholders filling in) until ``done``; then one last frame and a grab."""
        self._done = done
        self._run()
        self.view.hide()

    def summary(self, busy: Sequence[tuple[int, int]] = ()) -> dict[str, Any]:
        """Tick lag, frames missed and tasks over the frames, each from its grid point to the end of its paint, and
        over ``busy``, the main thread's work outside them."""
        return self.clock.summary("qt", busy)

    def extra(self) -> dict[str, Any]:
        """The grabs saved and how many cells showed a placeholder."""
        return {"ui_qt": {"grabs": self.grabs, "placeholders_shown": self.placeholders_shown}}

    # The frame ---------------------------------------------------------------------------

    def _run(self) -> None:
        self._arm()
        self._loop.exec()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _arm(self) -> None:
        self._timer.start(-(-self.clock.delay_ns() // 1_000_000))

    def _frame(self) -> None:
        try:
            finished = self._frame_work()
        except BaseException as exc:  # raised again from run_calls / idle_until, outside Qt
            self._failure = exc
            finished = True
        if finished:
            self._loop.quit()
        else:
            self._arm()

    def _frame_work(self) -> bool:
        """One frame; ``True`` when the phase (calls, or idling until done) is over."""
        ending = self._done is not None and self._done.is_set()  # before the re-ask: what it sees was all loaded
        frame = self.clock.open(last=ending)  # the end grab's frame re-asks whenever the one before did
        target = frame.target_ns
        for path, exif in frame.shown:
            self.model.show(path, exif)
        calls = self._calls
        before = calls.made if calls is not None else 0
        if calls is not None:
            for made in self.clock.due_calls(calls, target):
                if made.number == before:  # the frame's first request: its page scrolls to the top
                    self.view.scrollTo(self.model.index(self.model.row_of(made.path)), QListView.ScrollHint.PositionAtTop)
                self._show(made, calls)
        self.view.viewport().repaint()
        self.clock.close(target)
        if calls is not None:
            if before == 0 and calls.made:
                self._grab(GRAB_MOMENTS[0])
            elif before < len(calls) // 2 <= calls.made:
                self._grab(GRAB_MOMENTS[1])
            return calls.next_due_ns() is None
        if ending:
            self._grab(GRAB_MOMENTS[2])
        return ending

    def _show(self, made: CallMade, calls: PatternCalls) -> None:
        """Show a call's answer in its cell (a placeholder for ``None``; a lazy API's subscription for it is
        charged to the main thread's ``callbacks``)."""
        if made.shown is None and made.path not in self.model.waiting:
            self.placeholders_shown += 1
            if self._subscribe is not None:
                with calls.main_thread.timed("callbacks"):
                    self._subscribe(made.path, self._deliveries.ready.emit)
        self.model.show(made.path, made.shown)

    def _grab(self, moment: str) -> None:
        """Save the view as ``<name>-<moment>.png`` (its time is kept out of the frame grid)."""
        if self._grab_dir is None:
            return
        begin = now_ns()
        file = f"{self._grab_name}-{moment.replace(' ', '-')}.png"
        self.view.grab().save(str(self._grab_dir / file), "PNG")
        self.grabs.append({"moment": moment, "file": file, "frame": len(self.clock.frames),
                           "placeholders": len(self.model.waiting), "filled": self.model.filled})  # fmt: skip
        self.clock.pause(now_ns() - begin)


def _list_view(model: FolderModel) -> QListView:
    view = QListView()
    view.setModel(model)
    view.setViewMode(QListView.ViewMode.ListMode)
    view.setFlow(QListView.Flow.LeftToRight)
    view.setIconSize(SWATCH)
    view.setWrapping(True)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setUniformItemSizes(True)
    view.setSelectionMode(QListView.SelectionMode.NoSelection)
    view.setGridSize(GRID)
    view.setWordWrap(False)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setWindowTitle("exifbench: the folder as the viewer shows it")
    view.resize(WINDOW)
    return view
