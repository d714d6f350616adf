"""A small Qt photo gallery, the kind of app ``exifbench record`` is for: run it, record it, never edit it.

    QT_QPA_PLATFORM=offscreen python examples/apps/qt_gallery.py ../shared/corpus/exif-samples/jpg

It lists a folder in a ``QListView`` whose rows show each image's camera and capture date, read with sigal's
own ``sigal.image.get_image_metadata`` when the view first paints the row (on the UI thread, as many apps do),
then pages down one screen every 50 ms and quits at the bottom.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QListView
from sigal.image import get_image_metadata  # type: ignore[import-untyped]

IMAGES = {".jpg", ".jpeg", ".tif", ".tiff", ".png", ".heic"}
PAGE_MS = 50


class GalleryModel(QAbstractListModel):
    """One row per image; its metadata read the first time the view asks for the row's text."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self.paths = paths
        self.metadata: dict[Path, dict[str, Any]] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self.paths)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        path = self.paths[index.row()]
        if path not in self.metadata:
            self.metadata[path] = get_image_metadata(str(path))
        exif = self.metadata[path]["exif"]
        return f"{path.name}  {exif.get('Model', '?')}  {exif.get('DateTimeOriginal', '')}"


def page_down(view: QListView, app: QApplication) -> None:
    """One screen further; quit once the bottom has been shown."""
    bar = view.verticalScrollBar()
    if bar.value() >= bar.maximum():
        app.quit()
        return
    bar.setValue(bar.value() + bar.pageStep())


def main(argv: list[str]) -> int:
    app = QApplication(argv[:1])
    folder = Path(argv[1]) if len(argv) > 1 else Path.cwd()
    view = QListView()
    view.setModel(GalleryModel(sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGES)))
    view.resize(480, 360)
    view.show()
    timer = QTimer()
    timer.timeout.connect(lambda: page_down(view, app))
    timer.start(PAGE_MS)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
