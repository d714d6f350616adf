"""What github-action-benchmark reads, checked in Python: its ``customSmallerIsBetter`` input and, for ``tool:
pytest``, pytest-benchmark's JSON (benchmark-action/github-action-benchmark v1.22.0, ``src/extract.ts``)."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> bool:
    """A finite JSON number (not a boolean)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_custom_benchmark_results(data: Any) -> None:
    """The ``customSmallerIsBetter`` input: the action parses it with the zod schema ``z.array(z.object({name,
    value, range?, unit, extra?}))`` and fails on an empty list ("No benchmark result was found"). Stricter than
    zod's coercions on purpose: ``name`` and ``unit`` non-empty strings, ``value`` a finite number (a string coerced
    to NaN is refused), ``range`` and ``extra`` strings, no other keys (zod drops them: a typo would vanish), and
    names unique (the action keys charts and alerts by name)."""
    assert isinstance(data, list) and data
    for entry in data:
        assert isinstance(entry, dict)
        assert set(entry) <= {"name", "value", "unit", "range", "extra"}, entry
        assert {"name", "value", "unit"} <= set(entry), entry
        assert isinstance(entry["name"], str) and entry["name"]
        assert isinstance(entry["unit"], str) and entry["unit"]
        assert number(entry["value"]), entry
        for optional in ("range", "extra"):
            assert isinstance(entry.get(optional, ""), str)
    names = [entry["name"] for entry in data]
    assert len(names) == len(set(names))


def action_pytest_results(document: Any) -> list[dict[str, Any]]:
    """What the action's ``tool: pytest`` (``extractPytestResult``) makes of a pytest-benchmark JSON document: per
    benchmark ``{name: fullname, value: stats.ops, unit: "iter/sec", range: "stddev: …", extra: "mean: … rounds: …"}``;
    every field it reads must be there with its type, else the step fails."""
    assert isinstance(document, dict) and isinstance(document.get("benchmarks"), list) and document["benchmarks"]
    results = []
    for bench in document["benchmarks"]:
        stats = bench["stats"]
        assert isinstance(bench["fullname"], str) and bench["fullname"], bench
        assert all(number(stats[key]) for key in ("ops", "stddev", "mean", "rounds")), stats
        results.append({"name": bench["fullname"], "value": stats["ops"], "unit": "iter/sec",
                        "range": f"stddev: {stats['stddev']}", "extra": f"mean: {stats['mean']} s\nrounds: {stats['rounds']}"})  # fmt: skip
    check_custom_benchmark_results(results)  # the same shape the custom tools must have
    return results
