"""Load and save time of a saved run set: exifbench's records against the same schema in msgspec and pydantic.

    .venv/bin/python benchmarks/documents_io.py results.json           # this checkout's records
    PYTHONPATH=/other/checkout .venv/bin/python benchmarks/documents_io.py results.json   # another revision's

The msgspec and pydantic rows appear when those packages are importable (``pip install msgspec pydantic``:
neither is a dependency). Their schemas declare the same typed sub-records as ``exifbench.reports.documents.runs``
(blocking, equality and its mismatches, errors, the settings read across modules, I/O counts) with the same
limits (finite numbers within ±1e12, counts from 0), and keep the open blocks (environment, extra) as objects.
Each row is the median of ``--rounds`` calls; figures in docs/measurements/documents.md.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from exifbench.reports.documents.runs import RunSet

LIMIT = 1e12


def timed(call: Callable[[], object], rounds: int) -> float:
    """The median wall time of ``call`` over ``rounds`` calls, in ms."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def records(path: Path, rounds: int) -> dict[str, float]:
    raw = path.read_bytes()
    data = json.loads(raw)
    runs = RunSet.load(path)
    return {
        "json.loads alone": timed(lambda: json.loads(raw), rounds),
        "exifbench: load (read + parse + check)": timed(lambda: RunSet.load(path), rounds),
        "exifbench: from_dict (check) alone": timed(lambda: RunSet.from_dict(data, "x"), rounds),
        "exifbench: save (to_dict + json.dumps indent=1)": timed(lambda: json.dumps(runs.to_dict(), indent=1, default=str), rounds),
        "exifbench: to_dict alone": timed(runs.to_dict, rounds),
    }


def msgspec_rows(path: Path, rounds: int) -> dict[str, float]:
    import msgspec

    Num = Annotated[float, msgspec.Meta(ge=-LIMIT, le=LIMIT)]
    Count = Annotated[int, msgspec.Meta(ge=0, le=int(LIMIT))]

    class Blocking(msgspec.Struct):
        total_s: Num
        p50_ms: Num
        p99_ms: Num
        max_ms: Num
        startup_ms: Num | None = None
        preload_ms: Num | None = None
        load_exif_ms: Num | None = None
        reask_ms: Num | None = None
        callbacks_ms: Num | None = None
        close_ms: Num | None = None

    class Mismatch(msgspec.Struct):
        path: str
        tag: str
        expected: str
        actual: str

    class Equality(msgspec.Struct):
        checked: Count
        equal: Count
        mismatches: list[Mismatch]
        unverified: list[str] = []
        raised: list[str] = []
        baseline_exif: Count | None = None

    class FileError(msgspec.Struct):
        path: str
        error: str

    class Skipped(msgspec.Struct):
        path: str
        reason: str

    class Config(msgspec.Struct):
        storage_via: str | None = None
        pool_workers: Count | None = None
        storage_charged: bool = True
        storage_model: dict[str, Any] = {}
        skipped: list[Skipped] = []
        extractors: list[str] = []
        fastpath_fallbacks: dict[str, Count] = {}
        equality: dict[str, Any] | None = None
        dataset: str | None = None
        dataset_digest: str | None = None
        pattern: str | None = None
        storage: str | None = None
        workers: Count | None = None
        on_not_ready: str | None = None
        options: dict[str, Any] = {}

    class Io(msgspec.Struct):
        opens: Count
        reads: Count
        bytes: Count
        files: dict[str, tuple[Count, Count, Count]]

    class Run(msgspec.Struct):
        schema: str
        strategy: str
        calls: Count
        images: Count
        files_touched: Count
        blocking: Blocking
        not_ready: Count
        background_s: Num
        equality: Equality
        errors: list[FileError]
        environment: dict[str, Any]
        repeat: Count = 0
        deferred: Count = 0
        preload_ms: Num = 0.0
        startup_ms: Num = 0.0
        config: Config = msgspec.field(default_factory=Config)
        samples: dict[str, list[Num]] = {}
        responsiveness: dict[str, Num | str] = {}
        time_to_exif: dict[str, Num] = {}
        first_page_ready_share: Num = 1.0
        first_page_complete_ms: Num = 0.0
        extra: dict[str, Any] = {}
        complete: bool = True
        io: Io | None = None
        loader_output: dict[str, Any] = {}

    class Failure(msgspec.Struct):
        strategy: str
        repeat: Count
        error: str

    class Runs(msgspec.Struct):
        schema: str
        complete: bool
        failed: list[Failure]
        runs: list[Run]

    raw = path.read_bytes()
    loaded = msgspec.json.decode(raw, type=Runs)
    return {
        "msgspec: load (decode + check)": timed(lambda: msgspec.json.decode(raw, type=Runs), rounds),
        "msgspec: save (encode + indent=1)": timed(lambda: msgspec.json.format(msgspec.json.encode(loaded), indent=1), rounds),
    }


def pydantic_rows(path: Path, rounds: int) -> dict[str, float]:
    import pydantic

    Num = Annotated[float, pydantic.Field(ge=-LIMIT, le=LIMIT, allow_inf_nan=False)]
    Count = Annotated[int, pydantic.Field(ge=0, le=int(LIMIT), strict=True)]
    strict = pydantic.ConfigDict(strict=True, extra="allow")

    class Blocking(pydantic.BaseModel):
        model_config = strict
        total_s: Num
        p50_ms: Num
        p99_ms: Num
        max_ms: Num
        startup_ms: Num | None = None
        preload_ms: Num | None = None
        load_exif_ms: Num | None = None
        reask_ms: Num | None = None
        callbacks_ms: Num | None = None
        close_ms: Num | None = None

    class Mismatch(pydantic.BaseModel):
        model_config = strict
        path: str
        tag: str
        expected: str
        actual: str

    class Equality(pydantic.BaseModel):
        model_config = strict
        checked: Count
        equal: Count
        mismatches: list[Mismatch]
        unverified: list[str] = []
        raised: list[str] = []
        baseline_exif: Count | None = None

    class FileError(pydantic.BaseModel):
        model_config = strict
        path: str
        error: str

    class Skipped(pydantic.BaseModel):
        model_config = strict
        path: str
        reason: str

    class Config(pydantic.BaseModel):
        model_config = strict
        storage_via: str | None = None
        pool_workers: Count | None = None
        storage_charged: bool = True
        storage_model: dict[str, Any] = {}
        skipped: list[Skipped] = []
        extractors: list[str] = []
        fastpath_fallbacks: dict[str, Count] = {}

    class Io(pydantic.BaseModel):
        model_config = strict
        opens: Count
        reads: Count
        bytes: Count
        files: dict[str, Annotated[list[Count], pydantic.Field(min_length=3, max_length=3)]]

    class Run(pydantic.BaseModel):
        model_config = strict
        schema_: str = pydantic.Field(alias="schema")
        strategy: str
        calls: Count
        images: Count
        files_touched: Count
        blocking: Blocking
        not_ready: Count
        background_s: Num
        equality: Equality
        errors: list[FileError]
        environment: dict[str, Any]
        repeat: Count = 0
        deferred: Count = 0
        preload_ms: Num = 0.0
        startup_ms: Num = 0.0
        config: Config = Config()
        samples: dict[str, list[Num]] = {}
        responsiveness: dict[str, Num | str] = {}
        time_to_exif: dict[str, Num] = {}
        first_page_ready_share: Num = 1.0
        first_page_complete_ms: Num = 0.0
        extra: dict[str, Any] = {}
        complete: bool = True
        io: Io | None = None
        loader_output: dict[str, Any] = {}

    class Failure(pydantic.BaseModel):
        model_config = strict
        strategy: str
        repeat: Count
        error: str

    class Runs(pydantic.BaseModel):
        model_config = strict
        schema_: str = pydantic.Field(alias="schema")
        complete: bool
        failed: list[Failure]
        runs: list[Run]

    raw = path.read_bytes()
    loaded = Runs.model_validate_json(raw)
    return {
        "pydantic: load (model_validate_json)": timed(lambda: Runs.model_validate_json(raw), rounds),
        "pydantic: save (model_dump_json indent=1)": timed(lambda: loaded.model_dump_json(indent=1, by_alias=True), rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a saved run set (run --json, results.json)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    rows = records(args.results, args.rounds)
    for name, extra in (("msgspec", msgspec_rows), ("pydantic", pydantic_rows)):
        try:
            rows.update(extra(args.results, args.rounds))
        except ImportError:
            print(f"({name} not installed: its rows are left out)")
    size = args.results.stat().st_size
    print(f"{args.results}: {size:,} bytes, {len(RunSet.load(args.results).runs)} runs; median of {args.rounds} calls")
    for name, ms in rows.items():
        print(f"  {name:50s} {ms:8.2f} ms")


if __name__ == "__main__":
    main()
