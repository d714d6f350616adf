"""The README's and docs' promises: every shell block marked runnable runs, every relative link and every
source path they name resolves.

A block opened with ```` ```bash runnable ```` must exit 0 when run with bash in a fresh directory laid
out as the README assumes: ``examples/`` copied in, the corpus in use at ``../shared/corpus/exif-samples``,
and this interpreter's ``bin/`` (the repository's ``.venv``) first on ``PATH``. Keep the marked blocks
cheap: together under two minutes on this project's loaded 2-core machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").rglob("*.md"))]
README_MAX_LINES = 250
RUNNABLE = re.compile(r"^```bash runnable[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
FENCE = re.compile(r"^```.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
SOURCE_PATH = re.compile(r"`((?:exifbench|tests|examples|benchmarks)/[\w/.*-]+)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
BLOCK_TIMEOUT_S = 600  # a hang's bound, not a performance threshold


def slug(heading: str) -> str:
    """A heading's anchor as mkdocs (Python-Markdown's toc) makes it."""
    text = unicodedata.normalize("NFKD", heading.replace("`", "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page (headings inside code blocks are not headings)."""
    return {slug(h) for h in HEADING.findall(FENCE.sub("", page.read_text()))}


def links(page: Path) -> list[str]:
    """The relative link targets of a page, outside code blocks and code spans."""
    text = CODE_SPAN.sub("", FENCE.sub("", page.read_text()))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def runnable_blocks() -> list[tuple[str, str]]:
    """(where, script) for every marked block."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for m in RUNNABLE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append((f"{page.relative_to(REPO)}:{line}", m.group(1)))
    return found


BLOCKS = runnable_blocks()


def test_readme_is_an_entry_page() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines (at most {README_MAX_LINES})"
    assert lines[3].startswith("make demo ") and lines[4].startswith("make test "), "README.md opens with make demo, make test"


def test_there_are_runnable_blocks_in_the_readme_and_in_docs() -> None:
    where = {w.split(":")[0] for w, _ in BLOCKS}
    assert "README.md" in where and any(w.startswith("docs/") for w in where), where


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(REPO)}")
    assert not broken, f"{page.relative_to(REPO)}: " + "; ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_every_source_path_named_exists(page: Path) -> None:
    missing = [path for path in SOURCE_PATH.findall(page.read_text()) if not any(REPO.glob(path))]
    assert not missing, f"{page.relative_to(REPO)} names paths that do not exist: {missing}"


@pytest.mark.parametrize(("where", "script"), BLOCKS, ids=[w for w, _ in BLOCKS])
def test_a_runnable_block_runs(where: str, script: str, corpus_dir: Path, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "exifbench").exists(), f"exifbench is not installed beside {sys.executable}"
    work = tmp_path / "repo"
    shutil.copytree(REPO / "examples", work / "examples")
    (tmp_path / "shared" / "corpus").mkdir(parents=True)
    (tmp_path / "shared" / "corpus" / "exif-samples").symlink_to(corpus_dir, target_is_directory=True)
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "COLUMNS": "120", "EXIFBENCH_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=work, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S, check=False,
    )
    tail = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, f"{where}: exit {proc.returncode}\n{tail}"
