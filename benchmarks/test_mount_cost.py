"""What a file read through the storage mount costs beyond its model, with and without the daemon taking its own
measured cost off its charges; prints the figures (docs/measurements/storage-cost.md).

    .venv/bin/pytest benchmarks/test_mount_cost.py -s
"""

from __future__ import annotations

import os
import statistics

from exifbench.datasets.embedded import default_dataset
from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import profile, read_heads_ms
from exifbench.datasets.storage.mount import mounted

FILES = 200
ROUNDS = 2


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def test_mount_cost_on_original() -> None:
    """Each of 200 embedded files read (open, 64 KiB, close) through the ``original`` mount and from the plain
    folder, compensation on and off in alternation; the excess over the modelled 23 ms, per read."""
    source = default_dataset()
    files = scan(source).files[:FILES]
    model = profile("original")
    excess: dict[bool, list[float]] = {False: [], True: []}
    with mounted(source, model) as mount:
        overhead = mount.calibrate(files[:: max(1, len(files) // 32)])
        for round_ in range(ROUNDS):
            for index, name in enumerate(files):
                on = (index + round_) % 2 == 1
                mount.compensate(overhead if on else None)
                through, plain = read_heads_ms([str(mount.mountpoint / name)]), read_heads_ms([str(source / name)])
                excess[on].append((through[0] - plain[0] - model.latency_ms) * 1000)
        lateness = mount.lateness()
    print(f"\nload average {os.getloadavg()[0]:.2f}; calibration: {overhead.to_dict()}")
    for on, values in excess.items():
        print(f"compensation {'on ' if on else 'off'}: excess per read {statistics.median(values):.0f} µs median, "
              f"{p90(values):.0f} µs p90, {statistics.mean(values):.0f} µs mean over {len(values)} reads")
    print(f"charges cut to nothing: {lateness['shortened']}")
    assert excess[True] and excess[False]
