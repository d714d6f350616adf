"""A dataset's identity: one digest of every image's name and content, so runs on different data never compare."""

from __future__ import annotations

import hashlib

from exifbench.datasets.folder import Folder

CHUNK = 1 << 20


def folder_digest(folder: Folder) -> str:
    """SHA-256 (first 16 hex digits) over each image's relative path and content, in scan order."""
    digest = hashlib.sha256()
    for relative in folder.files:
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(folder.absolute(relative), "rb") as image:
                while chunk := image.read(CHUNK):
                    digest.update(chunk)
        except OSError as exc:  # an unreadable file is part of the dataset as it is
            digest.update(f"<unreadable: {exc.strerror}>".encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]
