"""The built wheel, installed in a fresh venv outside the checkout, runs the README's quick start and the plugin's example.

The wheel is built from pyproject.toml, setup.py (the fast path's C core), README.md and exifbench/ alone (pip fetches the build backend
from the package registry); it is installed ``--no-deps`` and the dependencies come from this test's
own venv through a ``.pth`` line placed after the fresh venv's site-packages, so nothing but the
wheel provides ``exifbench`` there.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PLUGIN_DOC = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
GENEROUS_S = 900.0  # against hangs only: a loaded machine makes a build or a replay slow


def block_after(page: str, marker: str, language: str) -> str:
    """The first fenced ``language`` block after the line containing ``marker``."""
    rest = page[page.index(marker) :]
    match = re.search(rf"^```{language}\n(.*?)^```$", rest, re.S | re.M)
    assert match, f"no {language} block after {marker!r}"
    return match.group(1)


def commands(block: str) -> list[list[str]]:
    return [words for line in block.splitlines() if (words := shlex.split(line, comments=True))]


QUICK_START = commands(block_after(README, "From a wheel, outside any checkout", "sh"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """The wheel built into ``dist/`` of a working folder outside the checkout and installed in a fresh venv by the quick
    start's ``pip install`` line (``--no-deps``): (that folder, the venv, the environment to run in)."""
    base = tmp_path_factory.mktemp("wheel")
    source, work, venv = base / "source", base / "work", base / "venv"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    shutil.copytree(ROOT / "exifbench", source / "exifbench", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(work / "dist"), str(source)], check=True, timeout=GENEROUS_S)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=GENEROUS_S)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True,
                               capture_output=True, text=True).stdout.strip())  # fmt: skip
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # after the venv's own
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "EXIFBENCH_CACHE_DIR": str(base / "cache")}
    assert QUICK_START[0][:2] == ["pip", "install"], QUICK_START[0]
    wheels = [str(found.relative_to(work)) for word in QUICK_START[0][2:] for found in sorted(work.glob(word))]
    assert len(wheels) == 1, wheels  # the README's glob names the one wheel built
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", *wheels], cwd=work, env=env, check=True,
                   timeout=GENEROUS_S)  # fmt: skip
    return work, venv, env


def test_the_wheel_holds_py_typed_and_the_example(installed: tuple[Path, Path, dict[str, str]]) -> None:
    work, _, _ = installed
    (wheel,) = (work / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"exifbench/py.typed", "exifbench/examples/my_loader.py", "exifbench/strategies/extractors/_fastcore.pyi"} <= set(names)
    assert [name for name in names if name.startswith("exifbench/strategies/extractors/_fastcore.") and name.endswith(".so")]
    assert not any(name.startswith(("tests/", "examples/")) for name in names)


def test_the_readme_quick_start_runs_from_the_installed_wheel(installed: tuple[Path, Path, dict[str, str]]) -> None:
    work, venv, env = installed
    assert [words[0] for words in QUICK_START[1:]] == ["exifbench", "exifbench"]
    where = subprocess.run(["python", "-c", "import exifbench; print(exifbench.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout's
    compiled = subprocess.run(["python", "-c", "from exifbench.strategies.extractors import fastpath; print(fastpath.COMPILED)"],
                              cwd=work, env=env, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert compiled.strip() == "True"  # the fast path's C core was built into the wheel and imports there
    for words in QUICK_START[1:]:
        done = subprocess.run(words, cwd=work, env=env, capture_output=True, text=True, timeout=GENEROUS_S)
        assert done.returncode == 0, (words, done.stdout[-2000:], done.stderr[-2000:])
    assert (work / "out" / "report.html").is_file() and (work / "again" / "report.html").is_file()


def test_the_readme_pytest_example_and_a_strict_type_check_pass_there(installed: tuple[Path, Path, dict[str, str]]) -> None:
    work, _, env = installed
    (work / "test_my_loader.py").write_text(block_after(PLUGIN_DOC, "registers a pytest plugin", "python"), encoding="utf-8")
    tested = subprocess.run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_loader.py"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=GENEROUS_S)  # fmt: skip
    assert tested.returncode == 0 and "2 passed" in tested.stdout, tested.stdout[-3000:]
    (work / "my_app.py").write_text(
        "from exifbench.examples.my_loader import PrefetchingLoader\n"
        "from exifbench.strategies.base import ExifLoader\n"
        "from exifbench.strategies.extractors import ExifReader\n\n"
        "loader: ExifLoader = PrefetchingLoader(ExifReader())\n",
        encoding="utf-8",
    )
    typed = subprocess.run(["python", "-m", "mypy", "--strict", "--no-incremental", "my_app.py"], cwd=work, env=env,
                           capture_output=True, text=True, timeout=GENEROUS_S)  # fmt: skip
    assert typed.returncode == 0, typed.stdout[-3000:]  # without py.typed: "missing library stubs or py.typed marker"
