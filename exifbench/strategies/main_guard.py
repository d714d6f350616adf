"""Process pools need the caller's script to guard its top-level code with ``if __name__ == "__main__":``.

Each worker process (forkserver or spawn) re-imports the script that started Python; an
unguarded call that builds a pool runs again in every worker, which fails while it starts,
and the run would see only "worker crashed". :func:`require_main_guard` finds that case
before a pool is made and says what to do in one line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import FrameType

from exifbench.errors import ExifbenchError


def require_main_guard(what: str = "the process strategy") -> None:
    """Raise :class:`ExifbenchError` if the running script reaches this call outside its ``__main__`` guard."""
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    if main is None or script is None:
        return  # interactive or ``python -c``: nothing is re-imported
    line = _top_level_line(sys._getframe(1), main.__dict__)
    if line is None:
        return  # not called from the script's top-level code (e.g. an import of it)
    try:
        tree = ast.parse(Path(script).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return  # source not readable: nothing to say
    if not any(_is_main_guard(node) and node.lineno <= line <= (node.end_lineno or node.lineno) for node in tree.body):
        raise ExifbenchError(
            f"{script}:{line}: {what} starts worker processes that re-import this script; "
            f'put the script\'s top-level code under `if __name__ == "__main__":`'
        )


def _top_level_line(frame: FrameType | None, main_globals: dict[str, object]) -> int | None:
    """The line of the script's module-level code on the current call stack, if it is there."""
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is main_globals:
            return frame.f_lineno
        frame = frame.f_back
    return None


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare) or len(node.test.comparators) != 1:
        return False
    if not isinstance(node.test.ops[0], ast.Eq):
        return False
    operands = [node.test.left, node.test.comparators[0]]
    names = [o for o in operands if isinstance(o, ast.Name) and o.id == "__name__"]
    mains = [o for o in operands if isinstance(o, ast.Constant) and o.value == "__main__"]
    return len(names) == 1 and len(mains) == 1
