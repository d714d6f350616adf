"""PhotoAssistant's own photo index of a folder, each photo's EXIF read one by one: what its GUI's background
prefetch does once a folder is open, without the window (``exifbench record`` runs it unedited).

    exifbench record --call photoassistant.core.photo:Photo.get_exif --path-arg self.path --out trace.json \\
        -- python examples/apps/photoassistant_browse.py ../shared/corpus/exif-samples

``PhotoIndex`` of ``PhotoQt`` (the GUI's photo class: only the formats Qt shows, sorted by file name, as the
GUI's default sort) lists the folder; ``get_exif`` goes through PhotoAssistant's shared EXIF cache.
"""

from __future__ import annotations

import sys

from photoassistant.core.photocollection import PhotoIndex  # type: ignore[import-untyped]
from photoassistant.gui.qt.photo import PhotoQt  # type: ignore[import-untyped]


def main(folder: str) -> int:
    index = PhotoIndex(PhotoQt)
    index.load(folder, sort_key=lambda photo: photo.get_filename())
    for photo in index:
        photo.get_exif()
    print(f"{len(index)} photos read")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
