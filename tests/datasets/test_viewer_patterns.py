"""The viewer patterns' shapes: counts, blocking flags, orderings, look times; and that run replays them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.datasets.patterns.builtin import BUILTIN_PATTERNS, load_pattern
from exifbench.datasets.patterns.pattern import FRAME_MS, Pattern
from exifbench.datasets.patterns.viewers import LOOK_MS, browse_pattern, group_by_date_pattern


def page_views(pattern: Pattern, page: int) -> list[int]:
    """The page number of each view: a view starts where a call waits (or at the first call)."""
    starts = [i for i, call in enumerate(pattern.calls) if i == 0 or call.think_ms > 0]
    return [int(pattern.calls[i].image) // page for i in starts]


def test_browse_pages_forward_looks_at_each_page_and_scrolls_back() -> None:
    pattern = browse_pattern(images=591, page=24, pages=8, back_every=3)
    assert page_views(pattern, 24) == [0, 1, 2, 3, 2, 4, 5, 6, 5, 7]
    assert len(pattern.calls) == 10 * 24
    assert not any(call.blocking for call in pattern.calls)
    looks = [call.think_ms for call in pattern.calls if call.think_ms > 0]
    assert len(looks) == 9 and all(LOOK_MS[0] <= look <= LOOK_MS[1] for look in looks)
    assert len(set(looks)) == 9  # drawn per page, not one constant
    assert [int(call.image) for call in pattern.calls[:24]] == list(range(24))  # a page is asked for in order
    assert pattern.preload == list(range(591)) and pattern.priority == list(range(24))


def test_browse_is_reproducible_and_seeded() -> None:
    assert browse_pattern(seed=3) == browse_pattern(seed=3)
    assert browse_pattern(seed=3).calls != browse_pattern(seed=4).calls


def test_browse_stops_at_the_folders_end() -> None:
    pattern = browse_pattern(images=50, page=24, pages=8)
    assert page_views(pattern, 24) == [0, 1, 2]
    assert sorted({int(call.image) for call in pattern.calls}) == list(range(50))


def test_group_by_date_blocks_on_every_image_before_the_first_page() -> None:
    pattern = group_by_date_pattern(images=591, page=24)
    blocking, shown = pattern.calls[:591], pattern.calls[591:]
    assert all(call.blocking and call.think_ms == 0 for call in blocking)
    assert [call.image for call in blocking] == list(range(591))  # every date, folder order, back to back
    assert [call.image for call in shown] == list(range(24)) and not any(call.blocking for call in shown)
    assert shown[0].think_ms == FRAME_MS


@pytest.mark.parametrize("name", ["startup-593", "browse", "group-by-date"])
def test_every_builtin_pattern_loads_by_name_and_round_trips(name: str) -> None:
    pattern = load_pattern(name)
    assert pattern.name == name and pattern.description
    assert Pattern.from_dict(json.loads(json.dumps(pattern.to_dict()))) == pattern
    assert set(BUILTIN_PATTERNS) == {"startup-593", "browse", "group-by-date"}


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        browse_pattern(page=0)
    with pytest.raises(ValueError):
        browse_pattern(look_ms=(900.0, 500.0))
    with pytest.raises(ValueError):
        group_by_date_pattern(images=0)


def replayed(corpus_dir: Path, tmp_path: Path, strategy: str, pattern: str) -> RunResult:
    """``exifbench run -s STRATEGY --pattern PATTERN`` on the GPS photos; the run it saved."""
    photos = tmp_path / "photos"
    shutil.copytree(corpus_dir / "jpg" / "gps", photos, ignore=shutil.ignore_patterns("README"))
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["run", "-s", strategy, "--no-reference", "--pattern", pattern, str(photos), "--json", str(out)])
    assert result.exit_code == 0, result.output
    (run,) = RunSet.load(out).runs
    assert run.config.pattern == pattern and run.equality.checked == run.equality.equal == len(list(photos.iterdir()))
    return run


def test_run_replays_group_by_date_with_blocking_calls(corpus_dir: Path, tmp_path: Path) -> None:
    run = replayed(corpus_dir, tmp_path, "threadpool", "group-by-date")
    assert run.calls == 591 + 24 and run.not_ready == 0  # blocking calls never answer None


def test_run_replays_browse(corpus_dir: Path, tmp_path: Path) -> None:
    run = replayed(corpus_dir, tmp_path, "sync", "browse")
    assert run.calls == len(browse_pattern().calls)
    assert run.samples["at_ms"][-1] >= 6 * LOOK_MS[0]  # the looking was replayed, not skipped
