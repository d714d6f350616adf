"""The environment block of every result: what ran where."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

import PIL

import exifbench


def environment() -> dict[str, Any]:
    """Python, Pillow, OS and CPU facts for the result document."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "pillow": PIL.__version__,
        "exifbench": exifbench.__version__,
        "os": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "switch_interval_s": sys.getswitchinterval(),
    }
