"""report.html and summary.md: the tables, verdicts, mismatches and errors they show."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.documents.runs import Equality, FileError, Mismatch, RunSet
from exifbench.reports.renderers.html import render_html
from exifbench.reports.renderers.markdown import render_markdown
from exifbench.reports.renderers.plots import PLOTS
from exifbench.reports.analysis.report import analyze
from exifbench.reports.renderers.comparison import DETAIL_HEADERS, MAIN_HEADERS, detail_rows, main_rows
from exifbench.reports.renderers.render import render_document


@pytest.fixture
def runs(corpus_copy: Path) -> RunSet:
    return run_bench(BenchConfig(["sync", "threadpool"], repeat=2), scan(corpus_copy), startup_pattern(images=48))


@pytest.fixture
def flawed(runs: RunSet, corpus_copy: Path) -> RunSet:
    """The real runs with one mismatching tag and one failed file injected into threadpool's repeat 1."""
    run = runs.of("threadpool")[1]
    path = str(corpus_copy / "Canon_40D.jpg")
    mismatch = Mismatch(path, "Make", "'Canon'", "<b>None</b>")
    run.equality = replace(run.equality, equal=run.equality.checked - 1, mismatches=[mismatch])
    run.errors = [FileError("/photos/broken.jpg", "SyntaxError: not a JPEG file")]
    return runs


class Tables(HTMLParser):
    """Every <table> as rows of cell texts; <img> sources."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        elif tag == "a":
            self.links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    return parser


def test_html_comparison_table_matches_the_summary(runs: RunSet) -> None:
    page = parse(render_html(analyze(runs)))
    comparison = next(t for t in page.tables if t[0] == list(MAIN_HEADERS))
    assert comparison[1:] == main_rows(analyze(runs))
    assert [row[0] for row in comparison[1:]] == ["sync", "threadpool ×4"]  # a pool is named with its size; sync has none
    assert all(row[MAIN_HEADERS.index("EXIF equal")].startswith("all ") for row in comparison[1:])
    assert comparison[1][2] == "reference" and re.fullmatch(r"[\d,.]+× (less|more)|about the same", comparison[2][2])
    details = next(t for t in page.tables if t[0] == list(DETAIL_HEADERS))
    assert details[1:] == detail_rows(analyze(runs))
    assert all(row[2] == "50" and row[DETAIL_HEADERS.index("UI lag p99")].endswith(" ms") for row in details[1:])
    change = details[2][DETAIL_HEADERS.index("change (95% CI)")]
    assert re.fullmatch(r"[−+][\d.,]+% \[[−+][\d.,]+%, [−+][\d.,]+%\]", change), change  # with its interval
    headings = re.findall(r"<h2 id=\"[^\"]*\">([^<]*)</h2>", render_html(analyze(runs)))
    assert headings[:2] == ["Verdict", "Comparison"]  # the answer and its caveats before any table


def test_html_is_self_contained_with_every_plot(runs: RunSet) -> None:
    html = render_html(analyze(runs))
    page = parse(html)
    assert len(page.images) == len(PLOTS)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html) and "<link" not in html and "<script" not in html
    setup = next(t for t in page.tables if t[0][0] == "dataset")
    assert dict(setup)["pattern"] == "startup-50"
    assert dict(setup)["storage"] == "local storage (no added latency)"
    assert "Not profiled" in html


def test_html_lists_mismatches_and_errors_escaped(flawed: RunSet) -> None:
    html = render_html(analyze(flawed))
    page = parse(html)
    mismatches = next(t for t in page.tables if t[0] == ["strategy", "repeat", "file", "tag", "expected", "actual"])
    assert mismatches[1][:2] == ["threadpool", "1"]
    assert mismatches[1][3:] == ["Make", "'Canon'", "<b>None</b>"]
    assert "&lt;b&gt;None&lt;/b&gt;" in html and "<b>None</b>" not in html
    errors = next(t for t in page.tables if t[0] == ["file", "error", "seen by"])
    assert errors[1:] == [["/photos/broken.jpg", "SyntaxError: not a JPEG file", "threadpool"]]
    assert "1 mismatching tag</span>" in html


def test_markdown_table_and_verdicts(runs: RunSet) -> None:
    md = render_markdown(analyze(runs))
    lines = md.splitlines()
    header = lines.index("| " + " | ".join(MAIN_HEADERS) + " |")
    assert lines[header + 1].startswith("| :--- | ---: |")
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[header + 2 : header + 4]]
    assert rows == main_rows(analyze(runs))
    assert lines[2].startswith("- threadpool blocks the main thread ")  # the verdict before the tables
    assert "- Equality (--equality pillow): every strategy equal to Pillow's _getexif() dicts on all 23 files." in lines
    assert "- Errors: 0 files failed to load" in md
    assert re.search(r"^- threadpool blocks the main thread ([\d,.]+× (less|more)|about the same) than sync: .* \([−+][\d.,]+%, 95% CI ", md, re.M)
    assert not re.search(r"(?<![\w.])\d+(\.\d+)?[eE][-+]?\d+(?!\w)", md)  # no scientific notation


def test_markdown_flags_mismatches_and_errors(flawed: RunSet) -> None:
    md = render_markdown(analyze(flawed))
    assert "- Equality (--equality pillow): MISMATCHES with Pillow's _getexif() dicts in threadpool (1 tag)." in md
    assert "- Errors: 1 file failed to load" in md
    assert "| threadpool ×4 | 2 | 50 |" in md and "| NO: 1 tag |" in md


def test_render_document_writes_every_renderer(runs: RunSet, tmp_path: Path) -> None:
    names = sorted(p.name for p in render_document(runs, tmp_path)[0])
    assert names == sorted(["report.html", "summary.md", *(f"{s}.{e}" for s in PLOTS for e in ("png", "svg"))])
    assert (tmp_path / "summary.md").read_text() == render_markdown(analyze(runs))


def test_a_run_set_that_checked_no_file_claims_no_equality() -> None:
    from exifbench.reports.renderers.comparison import verdicts
    from slow_strategies import fake_run

    runs = [fake_run(name, 0.1, 0) for name in ("sync", "threadpool")]
    for run in runs:
        run.equality = Equality(0, 0, [])
    lines = verdicts(analyze(RunSet(runs)))
    assert "Equality: no file was checked (nothing was measured)." in lines
    assert not any("every strategy returned exactly" in line for line in lines)
    assert "threadpool blocks the main thread about the same as sync: 100 ms vs 100 ms (+0%)." in lines
