"""``python -P -m exifbench.cli.side_run ROOT ARGS…``: an exifbench command with ``ROOT`` first on ``sys.path``.

``gate --base`` runs each revision's measurements this way: exifbench as installed, the loader
from that revision's worktree (:mod:`exifbench.harness.sides`).
"""

from __future__ import annotations

import sys

from exifbench.cli import app
from exifbench.harness.sides import import_root


def main(argv: list[str]) -> None:
    """Run ``exifbench ARGS`` with ``argv[0]`` importable first."""
    import_root(argv[0])
    app(argv[1:], prog_name="exifbench")


if __name__ == "__main__":
    main(sys.argv[1:])
