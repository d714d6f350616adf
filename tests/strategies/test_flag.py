"""The feature flag: ``$EXIFBENCH_STRATEGY`` picks the loader; unknown values are errors, never a fallback."""

from __future__ import annotations

import pytest

from exifbench.errors import ExifbenchError
from exifbench.strategies import BUILTIN, FLAG_VARIABLE, from_flag
from exifbench.strategies.sync import SyncLoader
from slow_strategies import SlowLoader


def test_default_is_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FLAG_VARIABLE, raising=False)
    with from_flag() as loader:
        assert type(loader) is SyncLoader


@pytest.mark.parametrize("name", list(BUILTIN))
def test_each_builtin_name(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(FLAG_VARIABLE, name)
    with from_flag(workers=1) as loader:
        assert type(loader) is BUILTIN[name]


def test_a_class_named_as_module_colon_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FLAG_VARIABLE, "slow_strategies:SlowLoader")
    with from_flag() as loader:
        assert type(loader) is SlowLoader


@pytest.mark.parametrize(
    "value",
    [
        "all",
        "sync,threadpool",
        "turbo",
        "Sync",
        "nosuch.module:Loader",
        "slow_strategies:Nope",
    ],
)
def test_unknown_values_are_errors_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(FLAG_VARIABLE, value)
    with pytest.raises(ExifbenchError) as caught:
        from_flag()
    assert FLAG_VARIABLE in str(caught.value)
    assert value in str(caught.value)


def test_the_choices_offered_are_ones_the_flag_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FLAG_VARIABLE, "turbo")
    with pytest.raises(ExifbenchError) as caught:
        from_flag()
    offered = str(caught.value).split("choose from ")[1].split(", or")[0].split(", ")
    assert offered == list(BUILTIN) and "all" not in offered
