"""Property: mutate the first 2 KB of real JPEGs; no exception escapes the reader and every strategy agrees.

Derandomized and bounded in the normal test run (200 examples). For a longer, random
hunt: ``EXIFBENCH_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/strategies/test_fuzz.py``; add
``--hypothesis-show-statistics`` to see how many examples the original loader parsed or raised on.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from exifbench.strategies.extractors import ORIGINAL, POOL_DEFAULT, ExifRead, ExifReader
from exifbench.harness.equality import compare
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.strategies import BUILTIN
from exifbench.strategies.base import ExifLoader
from tests.helpers import patient

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

HEADER = 2048
EXAMPLES = int(os.environ.get("EXIFBENCH_FUZZ_EXAMPLES", "0"))
# Values that make length, count and offset fields interesting: zero, tiny, huge, negative as signed.
FIELDS = [b"\x00", b"\xff", b"\x00\x00", b"\xff\xff", b"\x00\x08", b"\x00\x00\x00\x00", b"\xff\xff\xff\xff",
          b"\x7f\xff\xff\xff", b"\x00\x00\x00\x08", b"\x08\x00\x00\x00"]  # fmt: skip


@st.composite
def mutated_jpeg(draw: st.DrawFn, sources: list[bytes]) -> bytes:
    """A corpus JPEG with 1–8 edits (random bytes or field values) in its first 2 KB, sometimes truncated."""
    data = draw(st.sampled_from(sources))
    head = bytearray(data[:HEADER])
    for _ in range(draw(st.integers(1, 8))):
        value = draw(st.one_of(st.binary(min_size=1, max_size=4), st.sampled_from(FIELDS)))
        at = draw(st.integers(0, len(head) - 1))
        head[at : at + len(value)] = value[: len(head) - at]
    mutated = bytes(head) + data[HEADER:]
    cut = draw(st.one_of(st.none(), st.integers(0, len(mutated))))
    return mutated if cut is None else mutated[:cut]


@pytest.fixture(scope="module")
def sources(corpus_dir: Path) -> list[bytes]:
    """Every JPEG of the real corpus, camera files and broken ones alike."""
    return [p.read_bytes() for p in sorted((corpus_dir / "jpg").rglob("*")) if p.suffix.lower() in (".jpg", ".jpeg")]


@pytest.fixture(scope="module")
def loaders() -> Iterator[dict[str, tuple[ExifLoader, ErrorCollector]]]:
    """One loader per strategy, with its reader's error log, for the whole property (a process pool per example
    would be minutes); each reads with its own default extractor (the pools' fast path, sync's Pillow)."""
    made = {}
    for name in BUILTIN:
        errors = ErrorCollector()
        made[name] = (patient(name, ExifReader(ORIGINAL if name == "sync" else POOL_DEFAULT, log=errors), workers=1), errors)
    yield made
    for loader, _ in made.values():
        loader.close()


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


NAMES = itertools.count()


@settings(
    max_examples=EXAMPLES or 200,
    derandomize=not EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(draw=st.data())
def test_mutated_headers_never_raise_and_every_strategy_agrees(
    draw: st.DataObject, sources: list[bytes], loaders: dict[str, tuple[ExifLoader, ErrorCollector]], fuzz_dir: Path
) -> None:
    path = str(fuzz_dir / f"{next(NAMES)}.jpg")  # a new name each time: loaders cache by path
    with open(path, "wb") as handle:
        handle.write(draw.draw(mutated_jpeg(sources)))
    expected = ExifReader()(path)  # must not raise: the reader's contract
    assert isinstance(expected, ExifRead)
    event("the original loader raised: {} + an error entry" if expected.error else "the original loader parsed it")
    for name, (loader, errors) in loaders.items():
        loader.preload([path])
        actual = loader.load_exif(path, blocking=True)
        report = compare({path: expected.exif}, {path: actual})
        assert report.ok, (name, report.mismatches[:3])
        found = [error for error in errors.errors if error["path"] == path]  # the log keeps every example's
        assert found == ([{"path": path, "error": expected.error}] if expected.error else []), name
