"""The fast path against Pillow, side by side in one run: throughput, and CPU per read held on the GIL.

    python benchmarks/fastpath_throughput.py [--rounds 5] [--json out.json]

Three corpora: the whole real corpus (``../shared/corpus/exif-samples``: JPEG, TIFF, HEIC), the same with PNGs
and WebPs made from ten of its JPEGs (the largest up to 2 megapixels, full size: ten PNGs carrying the JPEG's EXIF
before the image data, ten without, four WebPs), and the embedded set (591 synthetic JPEGs). Each file is read by every reader in turn, in an order that
rotates per file and round, so load on the machine falls on all alike: Pillow (``ExifReader("pillow")``), the fast
path (``ExifReader("fastpath")``, its fall-backs to Pillow included) and the fast path with its compiled core
switched off (the pure-Python code). Throughput is files / the sum of each file's median time (as ``exifbench
peers`` computes it); "CPU ×" is the same ratio by the reading thread's CPU time (``time.thread_time_ns``), which
the machine's load moves less. "GIL" is that CPU time minus what ran with the GIL released as far as this script
can count it: the compiled core's released sections (its own counter) and the PNG integrity pass's inflate -- an
upper bound for every reader, since the system calls made from Python (open, read, close) and Pillow's own decoders
release the GIL too and are counted as held. Every reader's answer is compared
with Pillow's, file by file, with the strict comparison of ``exifbench run`` (dict or error-or-not).
"""

from __future__ import annotations

import argparse
from collections import Counter
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PIL import Image

from exifbench.datasets.embedded import default_dataset
from exifbench.datasets.folder import scan
from exifbench.harness.equality import values_equal
from exifbench.strategies.extractors import ExifRead, ExifReader, fastpath, png

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "exif-samples"
READERS = ("pillow", "fastpath", "fastpath-python")


def sources(count: int = 10) -> list[Path]:
    """The ``count`` largest corpus JPEGs of at most 2 megapixels (the largest from 0.3 MP up: app-export sizes)."""
    sized = []
    for path in sorted((CORPUS / "jpg").rglob("*.jp*g")):
        try:
            with Image.open(path) as image:
                pixels = image.size[0] * image.size[1]
        except Exception:
            continue
        if pixels <= 2_000_000:
            sized.append((pixels, path))
    return [path for _, path in sorted(sized)[-count:]]


def derived(dst: Path) -> Path:
    """The real corpus plus PNGs and WebPs made from :func:`sources`: each as a PNG with its EXIF and one without, the
    first four as WebPs with their EXIF."""
    for relative in scan(CORPUS).files:
        (dst / relative).parent.mkdir(parents=True, exist_ok=True)
        (dst / relative).write_bytes((CORPUS / relative).read_bytes())
    (dst / "png").mkdir()
    for i, jpg in enumerate(sources()):
        with Image.open(jpg) as opened:
            exif = opened.info.get("exif", b"")
            image = opened.convert("RGB")
        for name, options in ((f"{i}-exif.png", {"exif": exif}), (f"{i}-plain.png", {})):
            out = io.BytesIO()
            image.save(out, "PNG", **options)
            (dst / "png" / name).write_bytes(out.getvalue())
        if i < 4:
            out = io.BytesIO()
            image.save(out, "WEBP", exif=exif)
            (dst / "png" / f"{i}.webp").write_bytes(out.getvalue())
    return dst


class _TimedInflater:
    """``zlib.decompressobj()`` whose ``decompress`` (``inflate`` with the GIL released) adds its thread CPU time to
    :data:`_INFLATE_NS`: the fast path's PNG integrity pass, counted as off the GIL."""

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj()

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        begin = time.thread_time_ns()
        try:
            return self._inflater.decompress(data, max_length)
        finally:
            _INFLATE_NS[0] += time.thread_time_ns() - begin

    @property
    def eof(self) -> bool:
        return self._inflater.eof

    @property
    def unconsumed_tail(self) -> bytes:
        return self._inflater.unconsumed_tail


_INFLATE_NS = [0]
png.zlib = SimpleNamespace(decompressobj=_TimedInflater, error=zlib.error)  # type: ignore[assignment]

_READERS = {name: ExifReader("pillow" if name == "pillow" else "fastpath") for name in READERS}


def read_once(name: str, path: str) -> tuple[ExifRead, int, int, int]:
    """One read by reader ``name``: (its read, wall ns, thread CPU ns, CPU ns the compiled core spent off the GIL)."""
    reader = _READERS[name]
    core = fastpath._fastcore
    if core is not None:
        core.count_released(True)
    _INFLATE_NS[0] = 0
    begin_wall, begin_cpu = time.perf_counter_ns(), time.thread_time_ns()
    if name == "fastpath-python":
        with fastpath.pure_python():
            read = reader(path)
    else:
        read = reader(path)
    cpu, wall = time.thread_time_ns() - begin_cpu, time.perf_counter_ns() - begin_wall
    released = (core.count_released(False) if core is not None else 0) + _INFLATE_NS[0]
    return read, wall, cpu, released


def same(expected: ExifRead, actual: ExifRead) -> bool:
    """Equal as ``exifbench run`` judges: the dict strictly, and failed or not."""
    return values_equal(expected.exif, actual.exif) and list(expected.exif) == list(actual.exif) \
        and (expected.error is None) == (actual.error is None)  # fmt: skip


def measure(root: Path, rounds: int) -> dict[str, Any]:
    files = [str(root / relative) for relative in scan(root).files]
    wall: dict[str, list[list[int]]] = {name: [[] for _ in files] for name in READERS}
    cpu: dict[str, list[list[int]]] = {name: [[] for _ in files] for name in READERS}
    held: dict[str, list[list[int]]] = {name: [[] for _ in files] for name in READERS}
    differ: dict[str, list[str]] = {name: [] for name in READERS}
    fallbacks: Counter[str] = Counter()
    for round_no in range(rounds + 1):  # round 0 warms the page cache and the imports, untimed
        for i, path in enumerate(files):
            shift = (i + round_no) % len(READERS)
            reads = {}
            for name in READERS[shift:] + READERS[:shift]:
                read, w, c, r = read_once(name, path)
                reads[name] = read
                if round_no:
                    wall[name][i].append(w)
                    cpu[name][i].append(c)
                    held[name][i].append(c - r)
            if round_no == 1:
                fallbacks.update([reads["fastpath"].fallback] if reads["fastpath"].fallback else [])
                for name in READERS:
                    if not same(reads["pillow"], reads[name]):
                        differ[name].append(os.path.relpath(path, root))

    def per_file(samples: list[list[int]]) -> list[float]:
        return [statistics.median(s) for s in samples]

    kinds = [Path(path).suffix.lower().lstrip(".") for path in files]
    result: dict[str, Any] = {"files": len(files), "kinds": {k: kinds.count(k) for k in sorted(set(kinds))},
                              "fallbacks": dict(sorted(fallbacks.items())), "readers": {}}  # fmt: skip
    for name in READERS:
        walls, cpus, helds = per_file(wall[name]), per_file(cpu[name]), per_file(held[name])
        by_kind = {k: round(sum(w for w, kind in zip(walls, kinds) if kind == k) / 1e6, 3) for k in result["kinds"]}
        held_by_kind = {k: round(statistics.fmean([h for h, kind in zip(helds, kinds) if kind == k]) / 1e3, 1)
                        for k in result["kinds"]}  # fmt: skip
        result["readers"][name] = {
            "files_per_s": len(files) / (sum(walls) / 1e9),
            "wall_ms_total": sum(walls) / 1e6,
            "wall_ms_by_kind": by_kind,
            "cpu_ms_total": sum(cpus) / 1e6,
            "held_us_mean_by_kind": held_by_kind,
            "cpu_us_mean": statistics.fmean(cpus) / 1e3,
            "held_us_mean": statistics.fmean(helds) / 1e3,
            "held_us_p90": statistics.quantiles(helds, n=10)[-1] / 1e3,
            "held_us_max": max(helds) / 1e3,
            "differ_from_pillow": differ[name],
        }
    return result


def render(label: str, result: dict[str, Any]) -> str:
    pillow = result["readers"]["pillow"]["files_per_s"]
    kinds = ", ".join(f"{n} {k}" for k, n in result["kinds"].items())
    lines = [f"{label}: {result['files']} files ({kinds}); fall-backs {result['fallbacks'] or 'none'}",
             f"  {'reader':<16}{'files/s':>9}{'× Pillow':>10}{'CPU ×':>7}{'CPU/read':>10}{'GIL mean':>10}{'GIL p90':>9}"
             f"{'GIL max':>9}  differ"]  # fmt: skip
    pillow_cpu = result["readers"]["pillow"]["cpu_ms_total"]
    for name, r in result["readers"].items():
        lines.append(f"  {name:<16}{r['files_per_s']:>9.0f}{r['files_per_s'] / pillow:>9.2f}×"
                     f"{pillow_cpu / r['cpu_ms_total']:>6.2f}×{r['cpu_us_mean']:>8.1f}µs"
                     f"{r['held_us_mean']:>8.1f}µs{r['held_us_p90']:>7.1f}µs{r['held_us_max']:>7.0f}µs  "
                     f"{len(r['differ_from_pillow'])}")  # fmt: skip
        lines.append(f"  {'':<16}wall by kind (ms, sum of medians): {r['wall_ms_by_kind']}")
        lines.append(f"  {'':<16}GIL mean by kind (µs): {r['held_us_mean_by_kind']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"real corpus missing at {CORPUS}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"compiled": fastpath.COMPILED, "load_before": os.getloadavg(), "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        corpora: list[tuple[str, Path]] = [("real corpus", CORPUS), ("real corpus + PNG/WebP", derived(Path(tmp))),
                                           ("embedded set", default_dataset())]  # fmt: skip
        for label, root in corpora:
            report[label] = measure(root, args.rounds)
            print(render(label, report[label]), flush=True)
    report["load_after"] = os.getloadavg()
    print(f"load average before {report['load_before'][0]:.1f}, after {report['load_after'][0]:.1f}; "
          f"compiled core: {report['compiled']}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
