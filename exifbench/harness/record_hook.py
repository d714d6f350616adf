"""The hook ``exifbench record`` installs in an app's Python, as its ``sitecustomize`` (stdlib only: it runs in
whatever Python the app runs, with or without exifbench installed; nothing of the app is edited).

It wraps one function or method, ``module:Qual.name`` from ``$EXIFBENCH_RECORD_CALL``, as soon as ``module`` is
imported (a finder on ``sys.meta_path``), and appends one JSON line per call to ``$EXIFBENCH_RECORD_LOG``: the
path (``$EXIFBENCH_RECORD_PATH_ARG``), begin and end (``perf_counter_ns``), the thread's name, and the blocking
flag (``$EXIFBENCH_RECORD_BLOCKING_ARG``). A call made inside a recorded call on the same thread is not recorded
again. Whatever goes wrong in the hook is written to the log as an ``error`` line; the app's call goes on.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

CALL, PATH_ARG, BLOCKING_ARG, LOG = (f"EXIFBENCH_RECORD_{name}" for name in ("CALL", "PATH_ARG", "BLOCKING_ARG", "LOG"))


class Log:
    """One JSON object per line, appended under a lock and flushed at once (a killed app loses no call)."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the app's whole life
        self._lock = threading.Lock()

    def write(self, **entry: Any) -> None:
        with self._lock:
            self._file.write(json.dumps({**entry, "pid": os.getpid()}) + "\n")
            self._file.flush()


def selector(spec: str, method: bool) -> Callable[[inspect.BoundArguments], Any]:
    """``N`` (the N-th argument, not counting ``self``/``cls``), ``NAME`` (the parameter), either followed by
    ``.attr`` chains (``self.path``, ``image.filename``): a function of the call's bound arguments."""
    head, *attributes = spec.split(".")

    def select(bound: inspect.BoundArguments) -> Any:
        if head.isdigit():
            value = list(bound.arguments.values())[int(head) + (1 if method else 0)]
        else:
            value = bound.arguments[head]
        for attribute in attributes:
            value = getattr(value, attribute)
        return value

    return select


def wrap(function: Callable[..., Any], method: bool, log: Log, path_arg: str, blocking_arg: str) -> Callable[..., Any]:
    """``function`` recording each outermost call on its thread into ``log``."""
    signature = inspect.signature(function)
    path_of = selector(path_arg, method)
    blocking_of = selector(blocking_arg, method) if blocking_arg else None
    inside = threading.local()
    failed: set[str] = set()

    def recorded(*args: Any, **kwargs: Any) -> Any:
        if getattr(inside, "depth", 0):
            return function(*args, **kwargs)
        inside.depth = 1
        begin = time.perf_counter_ns()
        try:
            return function(*args, **kwargs)
        finally:
            end = time.perf_counter_ns()
            inside.depth = 0
            try:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                value = path_of(bound)
                path = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
                blocking = bool(blocking_of(bound)) if blocking_of is not None else False
                log.write(path=os.path.abspath(path), begin_ns=begin, end_ns=end, thread=threading.current_thread().name,
                          blocking=blocking)  # fmt: skip
            except Exception as exc:  # the app's call stands; the trace says why this one is missing
                reason = f"{type(exc).__name__}: {exc}"
                if reason not in failed:
                    failed.add(reason)
                    log.write(error=f"cannot read --path-arg {path_arg!r} or --blocking-arg {blocking_arg!r} of a call ({reason})")

    recorded.__wrapped__ = function  # type: ignore[attr-defined]
    recorded.__name__ = getattr(function, "__name__", "recorded")
    recorded.__qualname__ = getattr(function, "__qualname__", recorded.__name__)
    recorded.__doc__ = function.__doc__
    return recorded


def patch(module: ModuleType, qualname: str, log: Log, path_arg: str, blocking_arg: str) -> None:
    """Replace ``module.<qualname>`` by its recording wrapper (functions, methods, static and class methods)."""
    *outer, name = qualname.split(".")
    owner: Any = module
    for part in outer:
        owner = getattr(owner, part)
    raw = inspect.getattr_static(owner, name)
    in_class = inspect.isclass(owner)
    if isinstance(raw, staticmethod):
        setattr(owner, name, staticmethod(wrap(raw.__func__, False, log, path_arg, blocking_arg)))
    elif isinstance(raw, classmethod):
        setattr(owner, name, classmethod(wrap(raw.__func__, True, log, path_arg, blocking_arg)))
    elif callable(raw):
        setattr(owner, name, wrap(raw, in_class, log, path_arg, blocking_arg))
    else:
        raise TypeError(f"{qualname} is not a function or method")
    log.write(event="patched", call=f"{module.__name__}:{qualname}")


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when ``module`` is about to be imported, wraps its loader so ``then`` runs after it."""

    def __init__(self, module: str, then: Callable[[ModuleType], None]) -> None:
        self.module = module
        self.then = then

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.module:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module
        then = self.then

        def exec_module(module: ModuleType) -> None:
            execute(module)
            then(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install(environ: dict[str, str]) -> None:
    """Start recording as ``environ`` says (nothing without ``EXIFBENCH_RECORD_CALL``)."""
    if CALL not in environ:
        return
    log = Log(environ[LOG])
    module_name, _, qualname = environ[CALL].partition(":")
    path_arg, blocking_arg = environ.get(PATH_ARG, "0"), environ.get(BLOCKING_ARG, "")

    def then(module: ModuleType) -> None:
        try:
            patch(module, qualname, log, path_arg, blocking_arg)
        except Exception as exc:
            log.write(error=f"cannot wrap {environ[CALL]}: {type(exc).__name__}: {exc}")

    if module_name in sys.modules:
        then(sys.modules[module_name])
    else:
        sys.meta_path.insert(0, PatchOnImport(module_name, then))


def chain_next_sitecustomize() -> None:
    """Run the ``sitecustomize`` this one shadows, if the environment has one further down the path."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    if __name__ == "sitecustomize":
        this = sys.modules.pop("sitecustomize")
        try:
            importlib.import_module("sitecustomize")
        except ImportError:
            sys.modules["sitecustomize"] = this  # none further down: the import of this one completes as usual


if __name__ == "sitecustomize":
    install(dict(os.environ))
    chain_next_sitecustomize()
