"""What to ship, from a run set: every strategy judged by decide's own criteria against the reference.

The criteria are :func:`exifbench.reports.analysis.decide.criteria` under a :class:`Policy` (the defaults, as
``decide`` uses them); ``leaks`` and ``memory`` are judged only where the runs measured them. A strategy is
recommended when none of its criteria failed; a blocking reduction large enough but not shown significant
(too few repeats) does not stop it, and is reported as unconfirmed. With none passing, the closest is the one
with the fewest failed criteria (then the fewest placeholders).
"""

from __future__ import annotations

from dataclasses import dataclass

from exifbench.reports.analysis.decide import criteria
from exifbench.reports.analysis.floor import Floor, not_ready_floor
from exifbench.reports.documents.policy import Policy
from exifbench.reports.documents.decision import FAILED, INCONCLUSIVE, Criterion
from exifbench.reports.documents.runs import RunSet


@dataclass(frozen=True)
class Standing:
    """One strategy's criteria."""

    strategy: str
    criteria: list[Criterion]

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if c.status == FAILED]

    @property
    def unconfirmed(self) -> list[Criterion]:
        """Criteria met in size but not shown significant."""
        return [c for c in self.criteria if c.status == INCONCLUSIVE]

    def value(self, name: str) -> float:
        """A criterion's measured value (``inf`` when absent: sorts last)."""
        return next((c.value for c in self.criteria if c.name == name and c.value is not None), float("inf"))


@dataclass(frozen=True)
class Advice:
    """Every candidate's standing against the reference, ordered best first, and the floor of the storage and pattern."""

    reference: str
    standings: list[Standing]
    floor: Floor | None
    pattern: str
    storage: str

    @property
    def ship(self) -> Standing | None:
        """The best strategy with no failed criterion, if one was measured."""
        return next((one for one in self.standings if not one.failed), None)

    @property
    def closest(self) -> Standing | None:
        """With nothing to ship: the strategy failing the fewest criteria."""
        return self.standings[0] if self.standings and self.ship is None else None


def _order(one: Standing) -> tuple[int, float, float, float]:
    return (len(one.failed), one.value("not_ready"), one.value("time_to_exif"), -one.value("blocking"))


def advise(runs: RunSet, policy: Policy = Policy(), reference: str = "sync") -> Advice | None:
    """The standings of every strategy in ``runs`` but ``reference``; ``None`` without runs of both."""
    names = [name for name in runs.strategies if name != reference and runs.of(name)]
    ref = runs.of(reference)
    if not ref or not names:
        return None
    standings = sorted((Standing(name, criteria(runs.of(name), ref, reference, policy)) for name in names), key=_order)
    floors = [floor for name in names if (floor := not_ready_floor(runs.of(name))) is not None]
    config = runs.runs[0].config
    return Advice(reference, standings, min(floors, key=lambda one: one.share, default=None),
                  config.pattern or "", config.storage or "")  # fmt: skip
