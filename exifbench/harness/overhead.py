"""The harness's own cost per replayed call: a null strategy through ``replay`` vs a bare loop."""

from __future__ import annotations

from collections.abc import Sequence

from exifbench.harness.plan import PlannedCall, ReplayPlan
from exifbench.harness.guard import GuardedLoader
from exifbench.harness.replay import replay
from exifbench.datasets.patterns.clock import now_ns
from exifbench.strategies.base import ClosingLoader, Exif

EMPTY: Exif = {}


class NullLoader(ClosingLoader):
    """Returns one constant dict at once: what is left to time is the harness itself."""

    def load_exif(self, path: str, blocking: bool = False) -> Exif:
        return EMPTY

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """Nothing to pre-load."""


def harness_overhead_us(calls: int = 2000, rounds: int = 3) -> float:
    """Microseconds the replay loop (with its :class:`GuardedLoader`) adds per call (best of ``rounds``; never negative)."""
    plan = ReplayPlan("overhead", "/null", calls, [PlannedCall(f"/null/{i}", 0.0, False) for i in range(calls)], [], [])
    loader = NullLoader()
    best = float("inf")
    for _ in range(rounds):
        begin = now_ns()
        for call in plan.calls:
            loader.load_exif(call.path, blocking=call.blocking)
        bare_ns = now_ns() - begin
        replay_ns = replay(GuardedLoader(loader), plan).calls_s * 1e9
        best = min(best, (replay_ns - bare_ns) / calls / 1000)
    return max(0.0, best)
