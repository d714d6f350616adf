"""Patterns: the built-in start-up pattern, validation, the mod-N mapping, path safety, recording."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import exifbench
from exifbench.datasets.folder import scan
from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.builtin import load_pattern
from exifbench.datasets.patterns.pattern import FRAME_MS, Pattern, startup_pattern
from exifbench.harness.plan import plan_replay
from exifbench.strategies.sync import SyncLoader


def test_startup_593_shape() -> None:
    pattern = load_pattern(None)
    assert pattern.name == "startup-593" and len(pattern.calls) == 593
    assert pattern.priority == list(range(24)) and pattern.preload == list(range(591))
    assert [c.image for c in pattern.calls[:591]] == list(range(591))
    frames = [i for i, c in enumerate(pattern.calls) if c.think_ms == pytest.approx(FRAME_MS)]
    assert frames[:3] == [24, 48, 72] and len(frames) == 591 // 24 + 1
    assert len({c.image for c in pattern.calls}) == 591  # the 2 revisits are cache hits


def test_pattern_json_round_trip(tmp_path: Path) -> None:
    pattern = startup_pattern(images=30, page=10)
    pattern.save(tmp_path / "p.json")
    assert Pattern.load(tmp_path / "p.json") == pattern


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"schema": "other"}, "field 'schema'"),
        ({"schema": "exifbench.datasets.patterns/1", "calls": []}, "'calls' must be a non-empty list"),
        ({"schema": "exifbench.datasets.patterns/1", "calls": [{"image": -1}]}, r"calls\[0\].image: image index must be >= 0"),
        ({"schema": "exifbench.datasets.patterns/1", "calls": [{"image": 1, "think_ms": "x"}]}, r"calls\[0\].think_ms"),
        ({"schema": "exifbench.datasets.patterns/1", "calls": [{"image": "/etc/passwd"}]}, "is absolute"),
        ({"schema": "exifbench.datasets.patterns/1", "calls": [{"image": "a/../../x.jpg"}]}, "escapes the dataset root"),
        ({"schema": "exifbench.datasets.patterns/1", "calls": [{"image": 0}], "preload": {"paths": ["../x"]}}, "escapes"),
    ],
)
def test_bad_patterns_name_the_field(data: object, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ExifbenchError, match=message):
        Pattern.load(path)


def test_pattern_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b"\x80 not json")
    with pytest.raises(ExifbenchError, match="p.json: not a JSON pattern"):
        Pattern.load(path)


def test_indices_map_mod_n_and_touched_counts(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    n = len(folder.files)
    plan = plan_replay(startup_pattern(), folder)
    assert plan.images == n and len(plan.calls) == 593
    assert plan.calls[n].path == plan.calls[0].path
    assert plan.calls[n + 5].path == folder.absolute(folder.files[5])
    assert len(plan.touched) == n and set(plan.targets) == set(folder.paths)


def test_record_then_replay_round_trip(corpus_copy: Path, tmp_path: Path) -> None:
    photos = sorted(corpus_copy.glob("*.jpg"))[:5]
    trace = tmp_path / "trace.json"
    with exifbench.record(SyncLoader(), trace, root=corpus_copy) as loader:
        loader.preload([str(p) for p in photos], priority=[str(photos[2])])
        for photo in [*photos, photos[0]]:
            assert isinstance(loader.load_exif(str(photo)), dict)
        loader.load_exif(str(photos[1]), blocking=True)
    pattern = Pattern.load(trace)
    assert [c.image for c in pattern.calls] == [p.name for p in [*photos, photos[0], photos[1]]]
    assert [c.blocking for c in pattern.calls] == [False] * 6 + [True]
    assert all(c.thread == "MainThread" for c in pattern.calls) and pattern.calls[0].think_ms == 0.0
    assert pattern.priority == [photos[2].name]
    plan = plan_replay(pattern, scan(corpus_copy))
    assert [c.path for c in plan.calls] == [str(corpus_copy.resolve() / p.name) for p in [*photos, photos[0], photos[1]]]


def test_record_saves_what_is_under_the_root_and_names_what_is_not(corpus_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.jpg"
    photo = sorted(corpus_copy.glob("*.jpg"))[0]
    shutil.copyfile(photo, outside)
    trace = tmp_path / "t.json"
    recorder = exifbench.record(SyncLoader(), trace, root=corpus_copy)
    recorder.load_exif(str(outside))
    with pytest.raises(ExifbenchError, match="none of the 1 recorded calls is under the dataset root"):
        recorder.save()
    recorder.load_exif(str(photo))
    with pytest.raises(ExifbenchError, match=r"saved without 1 path\(s\) recorded outside the dataset root .*elsewhere\.jpg"):
        recorder.save()
    assert [call.image for call in Pattern.load(trace).calls] == [photo.name]
    with pytest.warns(UserWarning, match="saved without 1 path"), pytest.raises(KeyError):  # the app's own error wins
        with exifbench.record(SyncLoader(), tmp_path / "t2.json", root=corpus_copy) as loader:
            loader.load_exif(str(photo))
            loader.load_exif(str(outside))
            raise KeyError("the app failed")
    assert [call.image for call in Pattern.load(tmp_path / "t2.json").calls] == [photo.name]


@pytest.mark.parametrize("linked", ["root", "paths", "both"])
def test_record_through_a_symlinked_path(linked: str, corpus_copy: Path, tmp_path: Path) -> None:
    """``/tmp`` is a symlink on macOS: the root or the app's paths (or both) may come through one."""
    link = tmp_path / "link"
    link.symlink_to(corpus_copy.parent)
    via_link = link / corpus_copy.name
    root = via_link if linked in ("root", "both") else corpus_copy
    folder = via_link if linked in ("paths", "both") else corpus_copy
    photos = sorted(p.name for p in corpus_copy.glob("*.jpg"))[:3]
    trace = tmp_path / "trace.json"
    with exifbench.record(SyncLoader(), trace, root=root) as loader:
        loader.preload([str(folder / photos[2])])
        for name in photos:
            loader.load_exif(str(folder / name))
    pattern = Pattern.load(trace)
    assert [call.image for call in pattern.calls] == photos and pattern.preload == [photos[2]]
    assert len(plan_replay(pattern, scan(root)).calls) == 3
