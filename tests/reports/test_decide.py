"""The rollout decision: every criterion measured, ENABLE / HOLD / REJECT mapping, settings from pyproject."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.errors import ExifbenchError
from exifbench.harness.bench import BenchConfig
from exifbench.reports.analysis.decide import judge_phase
from exifbench.reports.documents.policy import Policy
from exifbench.reports.documents.decision import ENABLE, HOLD, REJECT, Decision
from exifbench.reports.renderers.criteria import measured, requirement
from exifbench.reports.renderers.decision import headline
from exifbench.harness.rollout import run_watched
from exifbench.harness.leaks import Watch
from exifbench.datasets.patterns.pattern import Call, Pattern, startup_pattern
from exifbench.reports.documents.equality import parse_equality
from exifbench.reports.documents.runs import Responsiveness, RunSet, TimeToExif
from slow_strategies import LeakyLoader, fake_run

runner = CliRunner()
CRITERIA = ["equality", "leaks", "blocking", "not_ready", "time_to_exif", "long_tasks", "frozen_frames", "background", "memory",
            "storage"]


def decide(*args: object) -> Result:
    return runner.invoke(app, ["decide", *map(str, args)])


def test_threadpool_on_a_real_folder_measures_every_criterion(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "decision.json"
    result = decide("--candidate", "threadpool", corpus_copy, "--io-latency", 3, "--small-images", 12, "--json", out)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "exifbench.decision/1"
    assert data["decision"] in (ENABLE, HOLD), result.output  # never REJECT: equal and leak-free
    assert result.exit_code == (0 if data["decision"] == ENABLE else 1)
    full = len(list(corpus_copy.iterdir()))
    assert [(p["name"], p["images"], p["repeats"]) for p in data["phases"]] == [("small", 12, 4), ("full", full, 4)]
    for phase in data["phases"]:
        by_name = {c["name"]: c for c in phase["criteria"]}
        assert list(by_name) == CRITERIA
        assert all(c["measured"] and c["value"] is not None for c in by_name.values())
        assert by_name["equality"]["value"] == 1.0 and by_name["equality"]["status"] == "pass"
        assert by_name["leaks"]["value"] == 0 and by_name["leaks"]["status"] == "pass"
        assert by_name["blocking"]["value"] > 0.5  # threadpool takes the reads off the caller's thread
        assert "one-sided Mann–Whitney U, 4 vs 4 repeats" in by_name["blocking"]["measured"]
    assert "REJECT: EXIF equality below 100%" in data["rules"]
    for name in CRITERIA:
        assert name in result.output
    assert f"Decision: {data['decision']}" in result.output


def test_wrong_loader_is_rejected_and_the_rollout_stops(corpus_copy: Path) -> None:
    result = decide("--candidate", "slow_strategies:WrongLoader", corpus_copy, "--small-images", 12)

    assert result.exit_code == 1
    assert "phase small: 12 images, 14 calls, 4 repeats → REJECT" in result.output
    full = len(list(corpus_copy.iterdir()))
    assert f"phase full: {full} images, {full + 2} calls → NOT RUN (an earlier phase was rejected)" in result.output
    assert "Decision: REJECT" in result.output


def test_settings_come_from_pyproject_and_options_override_them(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "three"
    folder.mkdir()
    for src in sorted(corpus_copy.glob("C*.jpg"))[:3]:
        shutil.copyfile(src, folder / src.name)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.exifbench.decide]\nmax_not_ready = "0%"\nrepeat_full = 1\nmax_background_ratio = 100\n', encoding="utf-8"
    )
    monkeypatch.chdir(project)
    out = tmp_path / "decision.json"

    # 3 reads of 100 ms on sync's main thread: threadpool's own main-thread time (starting its pool) stays far below half
    result = decide("--candidate", "threadpool", folder, "--io-latency", 100, "--max-background-ratio", 50, "--json", out)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert "settings from" in result.output and "[tool.exifbench.decide]" in result.output
    assert data["policy"]["max_not_ready"] == 0.0 and data["policy"]["max_background_ratio"] == 50.0
    (phase,) = data["phases"]
    criteria = {c["name"]: c for c in phase["criteria"]}
    assert criteria["not_ready"]["status"] == "fail" and criteria["not_ready"]["outcome"] == HOLD
    assert "1 vs 1 repeats cannot reach p<0.05" in criteria["blocking"]["measured"]
    assert criteria["blocking"]["status"] == "inconclusive"
    assert data["decision"] == HOLD and result.exit_code == 1


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.exifbench.decide]\nmin_blocking_reduction = 50\nmax_leaks = 0\n", "unknown key 'max_leaks'"),
        ("[tool.exifbench.decide]\nsmall_images = 200\n", "small_images: the small phase must have fewer than 100"),
        ("[tool.exifbench.decide]\nmin_blocking_reduction = \"lots\"\n", "expected a percentage"),
        ("[tool.exifbench]\ndecide = 3\n", "'decide' must be a table"),
        ("[tool.exifbench.decide\n", "not valid TOML"),
    ],
)
def test_bad_settings_exit_2_naming_the_key(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "exifbench.toml"
    config.write_text(toml, encoding="utf-8")
    result = decide("--candidate", "threadpool", tmp_path, "--config", config)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_options_exit_2(tmp_path: Path) -> None:
    zero = decide("--candidate", "lazy", tmp_path, "--repeat-full", 0)
    assert zero.exit_code == 2 and "--repeat-full: expected a positive integer" in zero.output
    assert "unknown strategy 'turbo'" in decide("--candidate", "turbo", tmp_path).output
    assert decide("--candidate", "sync", tmp_path / "missing").exit_code == 2


def runs_of(candidate: list, reference: list) -> RunSet:
    return RunSet([run for pair in zip(reference, candidate, strict=True) for run in pair])


def test_outcome_mapping() -> None:
    policy = Policy()
    sync = [fake_run("sync", 1.0 + i / 100, i, background_s=1.0) for i in range(4)]
    good = [fake_run("pool", 0.01 + i / 1000, i, background_s=0.5) for i in range(4)]
    assert judge_phase("full", runs_of(good, sync), "pool", "sync", policy).decision == ENABLE

    slow_background = [fake_run("pool", 0.01, i, background_s=2.0) for i in range(4)]
    phase = judge_phase("full", runs_of(slow_background, sync), "pool", "sync", policy)
    assert phase.decision == HOLD
    assert [c.name for c in phase.criteria if c.status != "pass"] == ["background"]

    leaky = {"leaked_threads": 1, "leaked_children": [], "rss_growth_mb": 1.0}
    leaking = [fake_run("pool", 0.01, i, resources=leaky) for i in range(4)]
    assert judge_phase("full", runs_of(leaking, sync), "pool", "sync", policy).decision == REJECT

    hungry = {"leaked_threads": 0, "leaked_children": [], "rss_growth_mb": 500.0}
    memory = [fake_run("pool", 0.01, i, resources=hungry) for i in range(4)]
    assert judge_phase("full", runs_of(memory, sync), "pool", "sync", policy).decision == HOLD

    barely = [fake_run("pool", 0.9, i) for i in range(4)]  # 10% less: under the 50% asked for
    phase = judge_phase("full", runs_of(barely, sync), "pool", "sync", policy)
    assert phase.decision == HOLD and phase.criteria[2].status == "fail"
    assert measured(phase.criteria[2]).startswith("1.1× less (−11%: 900 ms vs ")  # the ratio in words, as everywhere

    few = judge_phase("full", runs_of(good[:3], sync[:3]), "pool", "sync", policy)
    assert few.decision == HOLD and few.criteria[2].status == "inconclusive"


def test_placeholders_and_their_time_on_screen_hold_by_default_unless_accepted() -> None:
    sync = [fake_run("sync", 1.0 + i / 100, i) for i in range(4)]
    placeholders = [fake_run("pool", 0.01 + i / 1000, i, not_ready=49) for i in range(4)]
    for run in placeholders:
        run.time_to_exif = TimeToExif(p50_ms=900.0, p90_ms=1800.0, max_ms=2000.0)
        run.first_page_ready_share = 0.0
    phase = judge_phase("full", runs_of(placeholders, sync), "pool", "sync", Policy())
    assert phase.decision == HOLD
    assert [c.name for c in phase.criteria if c.status != "pass"] == ["not_ready", "time_to_exif"]
    decision = Decision("pool", "sync", "d", "s", Policy(), [phase])
    line = headline(decision)
    assert "\n" not in line
    assert line.startswith("Decision: HOLD — not_ready: 98.0% of calls showed a placeholder (median 49 of 50)")
    assert "time_to_exif: p90 1.800 s" in line and "first page 0% ready at first look" in line
    accepting = Policy().updated({"max_not_ready": "100%", "max_time_to_exif_ms": 5000}, str)
    assert judge_phase("full", runs_of(placeholders, sync), "pool", "sync", accepting).decision == ENABLE


def test_a_candidate_the_storage_model_did_not_charge_holds() -> None:
    sync = [fake_run("sync", 1.0 + i / 100, i) for i in range(4)]
    own_reads = [fake_run("pool", 0.01 + i / 1000, i) for i in range(4)]
    assert judge_phase("full", runs_of(own_reads, sync), "pool", "sync", Policy()).decision == ENABLE
    for run in own_reads:
        run.config.storage_charged = False  # read files itself, the model in-process: it paid nothing
    phase = judge_phase("full", runs_of(own_reads, sync), "pool", "sync", Policy())
    assert phase.decision == HOLD
    assert [c.name for c in phase.criteria if c.status != "pass"] == ["storage"]
    assert "charged to sync only" in measured(phase.criteria[-1])


def test_long_tasks_and_frozen_frames_hold() -> None:
    sync = [fake_run("sync", 1.0 + i / 100, i) for i in range(4)]
    janky = [fake_run("pool", 0.01 + i / 1000, i) for i in range(4)]
    for run in janky:
        run.responsiveness = Responsiveness(long_tasks=7, frozen_frames=1)
    phase = judge_phase("full", runs_of(janky, sync), "pool", "sync", Policy())
    assert [c.name for c in phase.criteria if c.status != "pass"] == ["long_tasks", "frozen_frames"]


def test_policy_validation() -> None:
    policy = Policy().updated({"min_blocking_reduction": "75%", "max_rss_growth_mb": 64, "repeat_small": None}, str)
    assert (policy.min_blocking_reduction, policy.max_rss_growth_mb, policy.repeat_small) == (0.75, 64.0, 4)
    with pytest.raises(ExifbenchError, match="at most 100%"):
        Policy().updated({"max_not_ready": "120%"}, str)


def test_watch_sees_threads_and_processes_left_running() -> None:
    release = threading.Event()
    with Watch(settle_s=0.1) as watch:
        thread = threading.Thread(target=release.wait)
        thread.start()
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert watch.usage.leaked_threads == 1
        (leaked,) = watch.usage.leaked_children
        assert leaked.startswith(f"{child.pid} ")
    finally:
        release.set()
        thread.join()
        child.kill()
        child.wait()
    with Watch(settle_s=0.1) as clean:
        done = threading.Thread(target=lambda: None)
        done.start()
        done.join()
    assert not clean.usage.leaked


def test_watch_counts_forkserver_workers_but_not_the_forkserver() -> None:
    context = multiprocessing.get_context("forkserver")
    with Watch(settle_s=0.1) as watch:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        pool.submit(int).result()
    pool.shutdown()
    assert len(watch.usage.leaked_children) == 1  # the worker, forked by the forkserver
    with Watch(settle_s=1.0) as clean:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        pool.submit(int).result()
        pool.shutdown()
    assert not clean.usage.leaked


def test_a_leaking_loader_is_caught_in_a_real_run(corpus_copy: Path) -> None:
    config = BenchConfig(["sync", "slow_strategies:LeakyLoader"], storage=StorageModel(0.0))
    try:
        runs = run_watched(config, scan(corpus_copy), startup_pattern(images=4))
        phase = judge_phase("small", runs, "slow_strategies:LeakyLoader", "sync", Policy())
    finally:
        LeakyLoader.RELEASE.set()
    leaks = phase.criteria[1]
    assert leaks.name == "leaks" and leaks.status == "fail" and leaks.outcome == REJECT
    assert measured(leaks).startswith("1 thread(s), 0 child process(es) left after close()")
    assert phase.decision == REJECT


def test_decide_replays_the_pattern_asked_for_sized_to_each_phase_and_names_it(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "decision.json"
    decide("--candidate", "threadpool", corpus_copy, "--pattern", "group-by-date", "--small-images", 12,
           "--repeat-small", 1, "--repeat-full", 1, "--json", out)  # fmt: skip
    decision = Decision.load(out)
    assert decision.pattern == "group-by-date"
    # group-by-date: every image's date first (blocking calls), then the first page
    full = len(list(corpus_copy.iterdir()))
    assert [(p.name, p.images, p.calls) for p in decision.phases] == [("small", 12, 24), ("full", full, 2 * full)]
    assert all(run.config.pattern.startswith("group-by-date") for p in decision.phases for run in p.runs)


def test_decide_replays_a_recorded_pattern_as_recorded_in_one_phase(corpus_copy: Path, tmp_path: Path) -> None:
    names = sorted(path.name for path in corpus_copy.glob("*.jpg"))[:5]
    trace = tmp_path / "trace.json"
    Pattern("my-app", [Call(name, 5.0) for name in names], preload=list(names)).save(trace)
    result = decide("--candidate", "threadpool", corpus_copy, "--pattern", trace, "--repeat-full", 1, "--small-images", 2,
                    "--json", tmp_path / "decision.json")  # fmt: skip
    decision = Decision.load(tmp_path / "decision.json")
    assert decision.pattern == str(trace) and f"pattern {trace}" in result.output.replace("\n", "")
    assert [(p.name, p.calls) for p in decision.phases] == [("full", 5)]
    assert decide("--candidate", "threadpool", corpus_copy, "--pattern", tmp_path / "none.json").exit_code == 2


def judged_equality(spec: str, mismatches: tuple[dict[str, str], ...] = (), baseline_exif: int = 22) -> tuple[str, str, str]:
    """The equality criterion of a phase whose runs were judged by ``--equality spec`` (reference ``base``)."""
    runs = [fake_run(name, 1.0 - (name == "pool") * 0.9, i, mismatches=mismatches if name == "pool" else ())
            for i in range(4) for name in ("base", "pool")]  # fmt: skip
    for run in runs:
        run.config.equality = parse_equality(spec, reference="base")
        run.equality.baseline_exif = baseline_exif
    criterion = judge_phase("full", RunSet(runs), "pool", "base", Policy()).criteria[0]
    return requirement(criterion), measured(criterion), criterion.outcome


def test_the_equality_criterion_names_the_equality_and_the_field() -> None:
    wrong = ({"path": "/p/a.jpg", "tag": "Model", "expected": "'EOS 40D'", "actual": "'EOS 40D!'"},)
    requirement, measured, outcome = judged_equality("fields:Make,Model", wrong)
    assert requirement == "100% of files equal to fields Make, Model of the reference base's dicts (mandatory; --equality fields:Make,Model)"
    assert measured.startswith("1 field in 1 file differ, e.g. /p/a.jpg Model: expected 'EOS 40D', got 'EOS 40D!'")
    assert outcome == REJECT
    assert "the reference loader reads no EXIF from these files: equality checks nothing here" in judged_equality("reference", baseline_exif=0)[1]
    assert judged_equality("off")[1:] == ("NOT CHECKED: no EXIF was compared (--equality off)", ENABLE)
