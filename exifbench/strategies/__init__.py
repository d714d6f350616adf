"""The loaders ("strategies") behind one protocol, and the registry that names them.

``create("threadpool", reader, workers=4)`` builds any built-in strategy,
``create("mypkg.loaders:MyLoader", ...)`` imports and builds a user's class, and
``create("call:mypkg.exif:read_exif")`` wraps a user's plain ``path -> dict`` function.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifReader, describe_error
from exifbench.strategies.base import ExifLoader
from exifbench.strategies.call import PREFIX, loader_class
from exifbench.strategies.exits import LOADER_EXITS, trapped_exits
from exifbench.strategies.dask import DaskLoader
from exifbench.strategies.lazy import LazyLoader
from exifbench.strategies.main_guard import require_main_guard
from exifbench.strategies.persistent import PersistentLoader
from exifbench.strategies.process import ProcessPoolLoader
from exifbench.strategies.sync import SyncLoader
from exifbench.strategies.threadpool import ThreadPoolLoader
from exifbench.strategies.viewport import ViewportLoader

LoaderClass = Callable[..., ExifLoader]
"""A loader class: called with its options, it builds a loader."""

ORIGINAL = "sync"
"""The original loader's strategy: the reference a run, a sweep, a launch series and a rollout compare with."""

BUILTIN: dict[str, LoaderClass] = {
    ORIGINAL: SyncLoader,
    "threadpool": ThreadPoolLoader,
    "lazy": LazyLoader,
    "process": ProcessPoolLoader,
    "viewport": ViewportLoader,
    "dask": DaskLoader,
    "persistent": PersistentLoader,
}

NOT_IN_ALL = ("dask", "persistent")
"""Built-ins that ``all`` leaves out, asked for by name: ``dask`` starts a cluster; ``persistent`` writes a
database into the user cache, and its next run answers from it (warm), unlike every other strategy."""

EXTRAS = {"dask": ("distributed", "dask")}
"""Built-ins that need an optional dependency: name -> (module, the ``exifbench[...]`` extra that installs it)."""

FLAG_VARIABLE = "EXIFBENCH_STRATEGY"

_PROTOCOL_METHODS = ("load_exif", "preload", "close", "__enter__", "__exit__")

OFFERED = ("reader", "workers", "storage")
"""Options every loader may take or ignore: the harness offers them to whichever class accepts them
(``storage``: the :class:`~exifbench.datasets.storage.model.StorageModel` the reads go through)."""


def expand_names(spec: str) -> list[str]:
    """``"all"`` -> every built-in but :data:`NOT_IN_ALL` (sync first); ``"sync,lazy"`` -> both; names are not checked here."""
    names = [name.strip() for name in spec.split(",") if name.strip()]
    if not names:
        raise ExifbenchError("no strategy given")
    expanded: list[str] = []
    for name in names:
        for one in [b for b in BUILTIN if b not in NOT_IN_ALL] if name == "all" else [name]:
            if one not in expanded:
                expanded.append(one)
    return expanded


def resolve(name: str) -> LoaderClass:
    """The class for a built-in name, a ``module:Class`` string or a ``call:module:function`` (imported only when
    asked for)."""
    if name in BUILTIN:
        if name in EXTRAS and not _installed(needed := EXTRAS[name][0]):
            raise ExifbenchError(f"strategy {name!r} needs {needed}, which is not installed: pip install 'exifbench[{EXTRAS[name][1]}]'")
        return BUILTIN[name]
    if name.startswith(PREFIX):
        return _call_loader(name)
    if ":" not in name:
        known = ", ".join(BUILTIN)
        close = difflib.get_close_matches(name, BUILTIN, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ExifbenchError(f"unknown strategy {name!r}: {hint}choose from {known}, or name a class as module:Class")
    module_name, class_name, cls = import_attribute(name, f"strategy {name!r}", "a class as module:Class")
    if not inspect.isclass(cls):
        raise ExifbenchError(f"strategy {name!r}: {module_name} has no class {class_name!r}")
    missing = [method for method in _PROTOCOL_METHODS if not callable(getattr(cls, method, None))]
    if missing:
        raise ExifbenchError(f"strategy {name!r} does not implement the loader protocol: missing {', '.join(missing)}")
    return cast(LoaderClass, cls)  # checked by name above; a type checker checks the signatures


@functools.cache
def _call_loader(name: str) -> LoaderClass:
    """``call:module:function``'s loader class (one per name: resolving it again gives the same class)."""
    return loader_class(name, import_function(name[len(PREFIX):], f"strategy {name!r}", "call:module:function"))


def import_attribute(spec: str, named: str, form: str) -> tuple[str, str, object]:
    """``spec`` (``module:attribute``) imported beside the caller: the module's name, the attribute's name and the
    attribute (``None`` where the module has none). A spec not of that form, or a module that cannot be imported
    (or exits while it is), is a one-line user error beginning with ``named``; ``form`` says what to give."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ExifbenchError(f"{named}: name {form}")
    try:
        with trapped_exits():
            module = import_beside_caller(module_name)
    except (Exception, *LOADER_EXITS) as exc:
        raise ExifbenchError(f"{named}: cannot import {module_name!r} ({describe_error(exc)})") from None
    return module_name, attribute, getattr(module, attribute, None)


def import_function(spec: str, named: str, form: str = "module:function") -> Callable[..., Any]:
    """The function ``spec`` (``module:function``) names (see :func:`import_attribute`); a class is not one."""
    module_name, function_name, function = import_attribute(spec, named, f"a function as {form}")
    if not callable(function) or inspect.isclass(function):
        raise ExifbenchError(f"{named}: {module_name} has no function {function_name!r}")
    return function


def is_builtin(name: str) -> bool:
    """Is ``name`` one of the loaders exifbench ships (not a user's ``module:Class`` or ``call:`` loader)?"""
    return name in BUILTIN


def accepts(cls: LoaderClass, option: str) -> bool:
    """Whether the loader class takes keyword ``option`` (or any keyword at all)."""
    params = inspect.signature(cls).parameters
    return option in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def require_startable(names: list[str] | tuple[str, ...]) -> None:
    """Raise :class:`ExifbenchError` before any measurement for a mistake a strategy would meet only once started:
    a loader that starts worker processes, called from a script's unguarded top-level code."""
    if any(isinstance(cls := resolve(name), type) and issubclass(cls, ProcessPoolLoader) for name in names):
        require_main_guard()


def takes_reader(name: str) -> bool:
    """Does strategy ``name`` accept exifbench's ``reader`` (and so the in-process storage model)?"""
    return accepts(resolve(name), "reader")


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def import_beside_caller(module_name: str) -> ModuleType:
    """Import ``module_name`` with the current directory importable for this import only (like uvicorn)."""
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.append(cwd)
    try:
        return importlib.import_module(module_name)
    finally:
        if added and cwd in sys.path:
            sys.path.remove(cwd)


def create(name: str, reader: ExifReader | None = None, **options: Any) -> ExifLoader:
    """Build strategy ``name`` with ``options`` (``workers``, ``cache_size``...).

    ``reader``, ``workers`` and ``storage`` (:data:`OFFERED`) go only to a class that takes them; any other
    option the class does not take is an error naming it, never silently dropped. Without ``reader`` a built-in
    reads with its own default (``sync``: Pillow, the original; the pools: the fast path) and a user's class is given
    the original loader's reader.
    """
    cls = resolve(name)
    refused = [key for key in options if key not in OFFERED and not accepts(cls, key)]
    if refused:
        raise ExifbenchError(f"strategy {name!r} does not take option {refused[0]!r}")
    if reader is None and not is_builtin(name):
        reader = ExifReader()  # a user's loader is handed the original loader's reader
    offered = {**({} if reader is None else {"reader": reader}), **options}  # a built-in without one: its own default
    try:
        return cls(**{key: value for key, value in offered.items() if accepts(cls, key)})
    except ExifbenchError:
        raise
    except (Exception, *LOADER_EXITS) as exc:
        raise ExifbenchError(f"strategy {name!r} could not be created: {type(exc).__name__}: {exc}") from None


def from_flag(reader: ExifReader | None = None, **options: Any) -> ExifLoader:
    """The loader chosen by ``$EXIFBENCH_STRATEGY`` (default ``sync``); unknown values are an error."""
    name = os.environ.get(FLAG_VARIABLE, "sync").strip() or "sync"
    if name == "all" or "," in name:
        raise ExifbenchError(f"{FLAG_VARIABLE}={name!r}: the flag names exactly one strategy")
    try:
        return create(name, reader, **options)
    except ExifbenchError as exc:
        raise ExifbenchError(f"{FLAG_VARIABLE}={name!r}: {exc}") from None


__all__ = ["BUILTIN", "OFFERED", "ExifLoader", "accepts", "create", "expand_names", "from_flag", "import_beside_caller", "import_function",
           "is_builtin", "resolve", "takes_reader"]
