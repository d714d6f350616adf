"""The storage model as a device: queue depth, per-request and per-seek charges, profiles — in-process, no FUSE."""

from __future__ import annotations

import threading
import time

import pytest

from exifbench.dataset.storage import PROFILES, Device, StorageModel, customize, profile
from exifbench.errors import ExifbenchError

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


def test_request_model_charges_every_read_and_seek_model_only_jumps() -> None:
    per_request = Device(StorageModel(5.0, per="request"))
    per_seek = Device(StorageModel(5.0, per="seek"))
    for device in (per_request, per_seek):
        device.open("/a.jpg")
    begin = time.perf_counter()
    for offset in range(0, 8 * 4096, 4096):  # one file read front to back: contiguous requests
        per_seek.read("/a.jpg", offset, 4096)
    sequential = time.perf_counter() - begin
    begin = time.perf_counter()
    for offset in range(0, 8 * 4096, 4096):
        per_request.read("/a.jpg", offset, 4096)
    round_trips = time.perf_counter() - begin
    assert round_trips >= 8 * 0.005 * 0.9
    assert sequential < round_trips / 2


def test_bandwidth_charges_bytes() -> None:
    device = Device(StorageModel(bandwidth_mb_s=1.0))  # 1 MB/s: 100 kB take 100 ms
    begin = time.perf_counter()
    device.read("/a.jpg", 0, 100_000)
    assert time.perf_counter() - begin >= 0.09


def test_os_cache_charges_only_first_open_until_forgotten() -> None:
    device = Device(StorageModel(40.0, os_cache=True))
    device.open("/a.jpg")
    begin = time.perf_counter()
    device.open("/a.jpg")
    again = time.perf_counter() - begin
    device.forget()
    begin = time.perf_counter()
    device.open("/a.jpg")
    assert again < 0.02 <= time.perf_counter() - begin


def test_charging_off_serves_at_once() -> None:
    device = Device(StorageModel(500.0, concurrency=1))
    device.charging = False
    assert _serve_all(device, 4) < 0.5


def test_jitter_is_deterministic_per_request_and_bounded() -> None:
    model = StorageModel(10.0, 4.0, seed=3, per="request")
    delays = [model.delay_ms("/a.jpg", str(offset)) for offset in range(0, 400 * 4096, 4096)]
    assert delays == [StorageModel(10.0, 4.0, seed=3).delay_ms("/a.jpg", str(o)) for o in range(0, 400 * 4096, 4096)]
    assert all(6.0 <= d <= 14.0 for d in delays) and len(set(delays)) > 300


def test_profiles_have_sources_and_documented_figures() -> None:
    assert set(PROFILES) == {"local", "original", "hdd", "nfs", "smb", "sdcard", "usb2"}
    assert not profile("local").charges and profile("original").latency_ms == 23.0
    assert profile("hdd").concurrency == 1 and profile("hdd").per == "seek"
    assert profile("nfs").concurrency > 1 and profile("nfs").per == "request"
    for name in ("sdcard", "usb2"):
        assert profile(name).concurrency == 1 and 0 < profile(name).bandwidth_mb_s < 50
    for entry in PROFILES.values():
        assert entry.sources and entry.stands_for


def test_customize_overrides_and_renames() -> None:
    hdd = customize(profile("hdd"), concurrency=4)
    assert hdd.concurrency == 4 and hdd.name == "hdd*" and hdd.latency_ms == profile("hdd").latency_ms
    assert customize(profile("hdd")).name == "hdd"
    assert customize(profile("local"), latency_ms=23).name == "custom"


def test_bad_figures_are_user_errors() -> None:
    with pytest.raises(ExifbenchError, match="per"):
        StorageModel(per="sometimes")
    with pytest.raises(ExifbenchError, match="latency_ms"):
        StorageModel(-1.0)
    with pytest.raises(ExifbenchError, match="unknown profile 'floppy'"):
        profile("floppy")
