"""``exifbench record``: run an app, unedited, with one of its functions recorded, and save the calls as a pattern.

The app's Python gets :mod:`exifbench.harness.record_hook` as its ``sitecustomize`` (a folder put first on
``PYTHONPATH``), which wraps ``module:Qual.name`` when the module is imported and logs each call as it ends
(a JSON line, so an app that is stopped or crashes keeps every call it made). The log becomes a pattern for
``run --pattern``: each call's file relative to the root, the time since the call before it ended, its
thread's name and its blocking flag.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from exifbench.datasets.patterns.record import Recorder
from exifbench.errors import ExifbenchError
from exifbench.harness import record_hook

CALL_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
ARG_SPEC = re.compile(r"^(\d+|[A-Za-z_]\w*)(\.[A-Za-z_]\w*)*$")
STOP_GRACE_S = 5.0
"""How long a stopped app gets to exit after SIGTERM before it is killed."""


@dataclass
class Recording:
    """What one recorded session of the app gave."""

    pattern_path: Path
    calls: int
    files: int
    threads: dict[str, int]
    call_ms: dict[str, float]
    """Time inside the recorded function, per thread."""
    app_exit: int
    stopped: bool
    errors: list[str] = field(default_factory=list)


def check_spec(call: str, path_arg: str, blocking_arg: str | None) -> None:
    """One-line errors for a malformed ``--call``, ``--path-arg`` or ``--blocking-arg``."""
    if not CALL_SPEC.match(call):
        raise ExifbenchError(f"--call {call!r}: must be module:function or module:Class.method (e.g. mypkg.model:Photo.exif)")
    if call.partition(":")[0] == "__main__":
        raise ExifbenchError(f"--call {call!r}: a script's own __main__ cannot be hooked: name the module the function is defined in, as imported")
    for option, spec in (("--path-arg", path_arg), ("--blocking-arg", blocking_arg)):
        if spec is not None and not ARG_SPEC.match(spec):
            raise ExifbenchError(f"{option} {spec!r}: must be N (an argument's position, self not counted), NAME, or either followed by .attr (self.path)")


def record_app(
    command: list[str],
    call: str,
    out: Path,
    path_arg: str = "0",
    blocking_arg: str | None = None,
    root: Path | None = None,
    preload: bool = False,
    stop_after_s: float | None = None,
    blocking: bool = False,
) -> Recording:
    """Run ``command`` with ``call`` recorded; save the pattern at ``out`` (see the module's docstring).
    ``blocking``: every call is recorded blocking (the app uses each answer at once)."""
    check_spec(call, path_arg, blocking_arg)
    if blocking and blocking_arg is not None:
        raise ExifbenchError("--blocking and --blocking-arg: give one (every call blocking, or the argument that says)")
    if not command:
        raise ExifbenchError("no command to run: give it after --, e.g. exifbench record --call m:f -- python app.py")
    with tempfile.TemporaryDirectory(prefix="exifbench-record-") as hook_dir:
        shutil.copyfile(record_hook.__file__, Path(hook_dir) / "sitecustomize.py")
        log = Path(hook_dir) / "calls.jsonl"
        log.touch()
        env = {**os.environ, record_hook.CALL: call, record_hook.PATH_ARG: path_arg, record_hook.LOG: str(log),
               "PYTHONPATH": os.pathsep.join([hook_dir, *filter(None, [os.environ.get("PYTHONPATH")])])}  # fmt: skip
        if blocking_arg is not None:
            env[record_hook.BLOCKING_ARG] = blocking_arg
        app_exit, stopped = run_app(command, env, stop_after_s)
        entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return save_recording(entries, call, out, root, preload, app_exit, stopped, blocking)


def run_app(command: list[str], env: dict[str, str], stop_after_s: float | None) -> tuple[int, bool]:
    """Run the app to its end, or until ``stop_after_s`` (then SIGTERM, as a user closing it, and SIGKILL after a
    grace period): its exit code and whether it was stopped."""
    try:
        app = subprocess.Popen(command, env=env)
    except OSError as exc:
        raise ExifbenchError(f"cannot run {command[0]!r}: {exc.strerror or exc}") from None
    try:
        return app.wait(timeout=stop_after_s), False
    except subprocess.TimeoutExpired:
        app.send_signal(signal.SIGTERM)
        try:
            return app.wait(timeout=STOP_GRACE_S), True
        except subprocess.TimeoutExpired:
            app.kill()
            return app.wait(), True
    except KeyboardInterrupt:
        app.send_signal(signal.SIGINT)
        app.wait()
        raise


def save_recording(
    entries: list[dict[str, object]], call: str, out: Path, root: Path | None, preload: bool, app_exit: int, stopped: bool,
    blocking: bool = False,
) -> Recording:
    """The logged calls, in the order they ended, saved as a pattern (paths outside ``root`` named in the error)."""
    errors = [str(entry["error"]) for entry in entries if "error" in entry]
    calls = sorted((entry for entry in entries if "path" in entry), key=lambda entry: int(str(entry["end_ns"])))
    if not calls:
        patched = any(entry.get("event") == "patched" for entry in entries)
        why = errors[0] if errors else ("the app never called it" if patched else f"the app never imported {call.partition(':')[0]}")
        raise ExifbenchError(f"--call {call}: no call was recorded ({why}; the app exited with code {app_exit})")
    recorder = Recorder(None, out, root, name=out.stem)
    threads: dict[str, int] = {}
    call_ms: dict[str, float] = {}
    for entry in calls:
        begin, end, thread = int(str(entry["begin_ns"])), int(str(entry["end_ns"])), str(entry["thread"])
        recorder.add(str(entry["path"]), begin, end, blocking or bool(entry["blocking"]), thread)
        threads[thread] = threads.get(thread, 0) + 1
        call_ms[thread] = call_ms.get(thread, 0.0) + (end - begin) / 1e6
    if preload:
        recorder.preloaded.extend(dict.fromkeys(path for path, *_ in recorder.calls))
    recorder.save()
    return Recording(out, len(calls), len({path for path, *_ in recorder.calls}), threads, call_ms, app_exit, stopped, errors)
