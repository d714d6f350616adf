"""The gate's exact tier, the saved baseline's noise check, load cautions and the verdict's sentences."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.reports.analysis.exact import exact_comparison, exact_status
from exifbench.reports.analysis.gate import gate_files, gate_interleaved, overloaded, sequential_alpha
from exifbench.reports.analysis.metrics import EXACT, METRICS
from exifbench.reports.documents.gate import GateVerdict
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.format import measured
from exifbench.reports.renderers.gate import headline, render_console
from exifbench.errors import ExifbenchError
from exifbench.reports.statistics import min_p_value
from slow_strategies import fake_run

LABELS = ("app:Loader (head)", "app:Loader (base)")


def test_exact_counts_fail_on_one_percent_and_pass_on_their_own_noise() -> None:
    base = [2_678_656.0, 2_678_656.0]
    assert exact_status([2_705_443.0, 2_705_443.0], base, 0.005) == "regression"  # +1.0%
    assert exact_status([2_679_000.0, 2_679_100.0], base, 0.005) == "pass"  # +0.01%, repeating within 0.004%
    assert exact_status([2_600_000.0, 2_600_000.0], base, 0.005) == "pass"  # fewer instructions
    assert exact_status([1_000.0, 1_100.0], [1_000.0, 1_000.0], 0.005) == "inconclusive"  # not exact here
    assert exact_status([61.0, 61.0], [60.0, 60.0], 0.0) == "regression"  # one extra request, tolerance 0
    assert exact_status([1.0, 1.0], [0.0, 0.0], 0.0) == "regression"


def test_exact_headlines_say_the_tolerance_and_the_repeatability() -> None:
    failed = headline(exact_comparison("cpu_first_read", [2_705_443, 2_705_443], [2_678_656, 2_678_656], 0.005, LABELS))
    assert failed == ("REGRESSION app:Loader (head): exact cpu_first_read: 2,705,443 instructions vs 2,678,656 "
                      "instructions (+1.00%), over the 0.5% tolerance (each side's 2 measurements identical)")  # fmt: skip
    noisy = headline(exact_comparison("cpu_main_replay", [1_000, 1_100], [1_000, 1_000], 0.005, LABELS))
    assert "INCONCLUSIVE" in noisy and "not exact here: one side's measurements differ by 9.524%" in noisy
    once = headline(exact_comparison("io_requests", [61], [61], 0.0, LABELS))
    assert once.endswith("(1 measurement per side: its repeatability not measured)")
    requests = headline(exact_comparison("io_requests", [61, 61], [61, 61], 0.0, LABELS))
    assert requests.startswith("PASS") and "61 requests vs 61 requests" in requests and "a tolerance of 0" in requests


def test_units_are_singular_at_one_and_counts_exact() -> None:
    assert measured(1, "frames") == "1 frame"
    assert measured(1, "requests") == "1 request"
    assert measured(3_610_571, "bytes") == "3,610,571 bytes"
    assert measured(2.5, "calls") == "2.5 calls"
    assert measured(5.1, "MB") == "5.1 MB"


def test_a_pass_says_which_allowance_passed_it() -> None:
    reference = [fake_run("sync", 0.010 + i / 10_000, i) for i in range(5)]
    doubled = [fake_run("sync2", 0.020 + i / 10_000, i) for i in range(5)]
    verdict = gate_interleaved(RunSet([*reference, *doubled]), "sync2", "sync", ("blocking",), 0.10, False,
                               {"blocking": 0.050})  # fmt: skip
    line = headline(verdict.comparisons[0])
    assert line.startswith("PASS sync2: blocking 1.98×")
    assert "+98% is over the +10% allowed but +10 ms is under the +50 ms minimum effect" in line, line


def test_unmeasured_metrics_get_a_line_each() -> None:
    runs = RunSet([fake_run("a", 0.1, i) for i in range(4)] + [fake_run("b", 0.1, i) for i in range(4)])
    verdict = gate_interleaved(runs, "a", "b", ("blocking", "bytes_read"), 0.10)
    assert list(verdict.skipped) == ["bytes_read"]
    assert "NOT JUDGED bytes_read: no I/O counts in this result" in render_console(verdict)
    assert GateVerdict.from_dict(verdict.to_dict()).skipped == verdict.skipped


def test_a_saved_baseline_noisier_than_the_allowance_is_refused() -> None:
    quiet = RunSet([fake_run("sync", 1.0 + i / 1000, i) for i in range(5)])
    noisy = RunSet([fake_run("sync", 1.0 + i / 10, i) for i in range(5)])  # spread 400 ms, allowance 10% of the 1.2 s median
    assert gate_files(quiet, quiet, ("blocking",), 0.10).passed
    with pytest.raises(ExifbenchError, match=r"too noisy to judge sync here \(blocking: its 5 repeats spread over "
                                             r"400 ms, more than the 120 ms a regression must exceed\)"):  # fmt: skip
        gate_files(noisy, quiet, ("blocking",), 0.10)
    with pytest.raises(ExifbenchError, match="1 repeat, its noise cannot be measured"):
        gate_files(RunSet([fake_run("sync", 1.0)]), quiet, ("blocking",), 0.10)


def test_the_cli_refuses_a_noisy_baseline_with_exit_2(tmp_path: Path) -> None:
    noisy, current = tmp_path / "base.json", tmp_path / "cur.json"
    RunSet([fake_run("sync", 1.0 + i / 10, i) for i in range(5)]).save(noisy)
    RunSet([fake_run("sync", 1.0, i) for i in range(5)]).save(current)
    result = CliRunner().invoke(app, ["gate", "--baseline", str(noisy), "--current", str(current)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "too noisy" in result.output


def test_an_overloaded_machine_is_named_in_the_verdict() -> None:
    calm = {"load_1m_before": 1.0, "load_1m_after": 1.4, "steal_share": 0.0, "cpu_count": 2}
    busy = {**calm, "load_1m_after": 9.5}
    assert overloaded([calm]) is None
    assert "overloaded machine (load average up to 9.5 on 2 CPUs" in (overloaded([calm, busy]) or "")
    assert "up to 30% of CPU time stolen" in (overloaded([{**calm, "steal_share": 0.3}]) or "")
    runs = [fake_run("a", 0.1, i) for i in range(4)] + [fake_run("b", 0.1, i) for i in range(4)]
    runs[0].environment["load"] = busy
    assert "overloaded" in gate_interleaved(RunSet(runs), "a", "b", ("blocking",), 0.10).context


def test_gate_help_lists_every_metric_it_accepts() -> None:
    result = CliRunner().invoke(app, ["gate", "-h"], terminal_width=400)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    missing = [name for name in [*METRICS, *EXACT] if name not in text]
    assert not missing, missing


def test_repeat_auto_shares_its_significance_among_its_looks() -> None:
    """Tested again after every added pair, each look gets 0.05 / looks, from the fewest pairs that can reach it."""
    assert sequential_alpha(12) == (0.05 / 8, 5)  # looks at 5, 6, ... 12 pairs
    assert sequential_alpha(4) == (0.05, 4)  # one look
    for most in range(1, 30):
        alpha, least = sequential_alpha(most)
        assert alpha * max(1, most - least + 1) <= 0.05 + 1e-12
        assert min_p_value(least, least) < alpha  # the first look can be significant


def test_a_comparison_undecided_at_the_cap_passes_saying_so() -> None:
    """``--base --repeat auto`` passes what its last look still found over the allowances but not significant."""
    reference = [fake_run("base", 0.100 + (i % 2) * 0.060, i) for i in range(12)]
    head = [fake_run("head", 0.130 + (i % 2) * 0.060, i) for i in range(12)]
    alpha, _ = sequential_alpha(12)
    verdict = gate_interleaved(RunSet([*reference, *head]), "head", "base", ("blocking",), 0.10, False, None, alpha)
    (undecided,) = verdict.comparisons
    assert undecided.status == "inconclusive" and undecided.significance.alpha == alpha
    line = headline(replace(undecided, status="pass"))
    assert line.startswith("PASS head: blocking") and "is over both the +10% and the +10 ms allowed" in line
    assert "still not significant after the most pairs (--max-repeat)" in line and "no regression" in line
