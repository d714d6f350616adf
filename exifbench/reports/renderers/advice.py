"""The recommendation line of ``run`` and ``sweep``: what to ship for this pattern and storage, or the closest and why."""

from __future__ import annotations

from collections.abc import Mapping

from exifbench.reports.analysis.advice import Advice, Standing
from exifbench.reports.renderers.criteria import measured, requirement

RELAUNCH = "a relaunch with persistent answers from its cache (exifbench run -s persistent --launches 2)"


def _name(one: Standing, names: Mapping[str, str]) -> str:
    return names.get(one.strategy, one.strategy)


def _where(advice: Advice) -> str:
    pattern = f" for pattern {advice.pattern}" if advice.pattern else ""
    return pattern + (f" on {advice.storage}" if advice.storage else "")


def recommendation(advice: Advice, names: Mapping[str, str] | None = None) -> str:
    """One line (plain text): ship X, judged by decide's criteria; or nothing meets them, the closest and why."""
    names = names or {}
    ship = advice.ship
    if ship is not None:
        text = (f"Recommendation: ship {_name(ship, names)}{_where(advice)} — it meets all {len(ship.criteria)} of "
                f"decide's criteria measured here against {advice.reference}")  # fmt: skip
        if ship.unconfirmed:
            candidate = "" if " " in ship.strategy else f" --candidate {ship.strategy}"  # a sweep's label names settings too
            text += (f"; {', '.join(c.name for c in ship.unconfirmed)} not yet shown significant: confirm with "
                     f"exifbench decide{candidate}")  # fmt: skip
        return text + "."
    closest = advice.closest
    assert closest is not None  # an advice has at least one standing
    why = "; ".join(f"{c.name}: {measured(c)} (required {requirement(c)})" for c in closest.failed)
    text = f"Recommendation: nothing measured here meets decide's criteria{_where(advice)}; closest: {_name(closest, names)} ({why})"
    not_ready = next((c for c in closest.failed if c.name == "not_ready"), None)
    if not_ready is not None and advice.floor is not None and not_ready.limit is not None and advice.floor.share > not_ready.limit:
        text += f". No loader answering without blocking can meet the placeholder limit on a first launch here; {RELAUNCH}"
    return text + "."
