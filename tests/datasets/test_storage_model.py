"""The storage model as a device: queue depth, per-request and per-seek charges, profiles — in-process, no FUSE."""

from __future__ import annotations

import threading
import time

import pytest

from exifbench.datasets.storage import model as storage
from exifbench.datasets.storage.model import Device, StorageModel

LATENCY_MS = 60.0
N = 8


def _serve_all(device: Device, requests: int = N) -> float:
    """Seconds for ``requests`` concurrent opens (each on its own thread) to be served."""
    threads = [threading.Thread(target=device.open, args=(f"/f{i}.jpg",)) for i in range(requests)]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - begin


def test_queue_depth_one_serves_requests_one_after_another() -> None:
    elapsed = _serve_all(Device(StorageModel(LATENCY_MS, concurrency=1)))
    assert elapsed >= 0.9 * N * LATENCY_MS / 1000


def test_queue_depth_k_serves_about_n_over_k() -> None:
    one = _serve_all(Device(StorageModel(LATENCY_MS, concurrency=1)))
    four = _serve_all(Device(StorageModel(LATENCY_MS, concurrency=4)))
    assert four >= 0.9 * (N / 4) * LATENCY_MS / 1000  # never faster than the device allows
    assert one / four >= 0.8 * 4 * 0.6  # about 4× faster; generous against a loaded machine


@pytest.fixture
def charged(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every delay the device charges (seconds), in order; the sleeps still happen."""
    delays: list[float] = []
    real_sleep = storage.time.sleep

    def recorded(seconds: float) -> None:
        delays.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(storage.time, "sleep", recorded)
    return delays


def test_request_model_charges_every_read_and_seek_model_only_jumps(charged: list[float]) -> None:
    per_request = Device(StorageModel(5.0, per="request"))
    per_seek = Device(StorageModel(5.0, per="seek"))
    for device in (per_request, per_seek):
        device.open("/a.jpg")
    assert charged == [0.005, 0.005]
    for offset in range(0, 8 * 4096, 4096):  # one file read front to back: contiguous requests
        per_seek.read("/a.jpg", offset, 4096)
    assert charged == [0.005, 0.005]  # no jump, no charge
    per_seek.read("/a.jpg", 0, 4096)  # back to the start: a seek
    assert charged == [0.005] * 3
    begin = time.perf_counter()
    for offset in range(0, 8 * 4096, 4096):
        per_request.read("/a.jpg", offset, 4096)
    assert time.perf_counter() - begin >= 8 * 0.005 * 0.9  # the charges are really waited for
    assert charged == [0.005] * 11


def test_bandwidth_charges_bytes() -> None:
    device = Device(StorageModel(bandwidth_mb_s=1.0))  # 1 MB/s: 100 kB take 100 ms
    begin = time.perf_counter()
    device.read("/a.jpg", 0, 100_000)
    assert time.perf_counter() - begin >= 0.09


def test_os_cache_charges_only_first_open_until_forgotten(charged: list[float]) -> None:
    device = Device(StorageModel(40.0, os_cache=True))
    device.open("/a.jpg")
    device.open("/a.jpg")
    assert charged == [0.04]
    device.forget()
    device.open("/a.jpg")
    assert charged == [0.04, 0.04]


def test_charging_off_serves_at_once(charged: list[float]) -> None:
    device = Device(StorageModel(500.0, concurrency=1))
    device.charging = False
    _serve_all(device, 4)
    assert charged == []


def test_compensation_takes_the_mounts_cost_off_each_charge(charged: list[float]) -> None:
    per_open = Device(StorageModel(10.0))
    per_open.compensate(2.0, 1.0)  # 2 ms per open and 1 ms per read request, as a calibration measured them
    per_open.open("/a.jpg")  # no read seen yet: as if one read follows each open
    for offset in range(3):
        per_open.read("/a.jpg", offset * 4096, 4096)  # not charged per open, but counted
    per_open.open("/b.jpg")  # three reads followed the one open so far
    assert len(charged) == 2
    assert 0.002 <= charged[0] <= 0.007 and 0.001 <= charged[1] <= 0.005, charged  # at least half: lateness taken off too
    per_request = Device(StorageModel(10.0, per="request"))
    per_request.compensate(2.0, 1.0)
    per_request.open("/a.jpg")
    per_request.read("/a.jpg", 0, 4096)
    assert 0.002 <= charged[2] <= 0.008 and 0.002 <= charged[3] <= 0.009, charged
    per_request.compensate(None)
    per_request.read("/a.jpg", 0, 4096)
    assert charged[4] == 0.01  # the model's delay as it is
    assert per_open.charged_ms == 20.0 and per_request.charged_ms == 30.0 and per_open.shortened == 0  # before compensation


def test_a_cost_above_the_charge_is_no_sleep_and_counted(charged: list[float]) -> None:
    device = Device(StorageModel(1.0))
    device.compensate(5.0)
    device.open("/a.jpg")
    assert charged == [] and device.shortened == 1 and device.charged_ms == 1.0


def test_compensation_shortens_replies_not_the_devices_service() -> None:
    """At queue depth 1 each request still holds the device for its whole delay: N opens take N × latency less at
    most one compensation (the last reply's), never N of them."""
    device = Device(StorageModel(LATENCY_MS, concurrency=1))
    device.compensate(LATENCY_MS / 2)
    elapsed = _serve_all(device)
    assert elapsed >= 0.9 * (N * LATENCY_MS - LATENCY_MS / 2) / 1000
