"""The loader protocol type-checks: every built-in and the example loader are ``ExifLoader``s under mypy --strict.

The snippet is generated from the registry, so a new strategy is checked too; a loader with a
wrong ``__exit__`` is included as a control, so the test fails if mypy stops checking the protocol.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from exifbench.strategies import BUILTIN

REPO = Path(__file__).resolve().parents[2]

CONTROL = '''
class WrongExit:
    def load_exif(self, path: str, blocking: bool = False) -> dict[str, object] | None:
        return None

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> WrongExit:
        return self

    def __exit__(self, exc_type: int) -> None:
        pass


control: ExifLoader = WrongExit()  # CONTROL
'''


def snippet() -> str:
    lines = [
        "from __future__ import annotations",
        "from collections.abc import Sequence",
        "from exifbench.strategies.extractors import ExifReader",
        "from exifbench.strategies.base import ExifLoader",
        "from exifbench.examples.my_loader import PrefetchingLoader",
    ]
    for cls in BUILTIN.values():
        assert isinstance(cls, type)
        lines.append(f"from {cls.__module__} import {cls.__qualname__}")
    for name, cls in BUILTIN.items():
        assert isinstance(cls, type)
        lines.append(f"loader_{name}: ExifLoader = {cls.__qualname__}(ExifReader())")
    lines.append("example: ExifLoader = PrefetchingLoader(ExifReader())")
    return "\n".join(lines) + "\n" + CONTROL


def test_every_builtin_and_the_example_type_check_as_exif_loaders(tmp_path: Path) -> None:
    source = tmp_path / "assign_loaders.py"
    source.write_text(snippet())
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(source)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    errors = [line for line in result.stdout.splitlines() if re.search(r":\d+: error:", line)]
    control_line = snippet().splitlines().index("control: ExifLoader = WrongExit()  # CONTROL") + 1
    assert errors and all(f"assign_loaders.py:{control_line}:" in line for line in errors), result.stdout
    assert len(BUILTIN) >= 4 and all(f"loader_{name}" in snippet() for name in BUILTIN)
