"""Renderers for the peers report: console (a headline and rich tables) and Markdown (``peers.md``).

Both lead with throughput — files per second from the mean time per file, fall-backs and errors
included; higher is better — and show exiftool apart: it was timed in its own block.
"""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from exifbench.reports.documents.peers import OWN_BLOCK, PeerResult, PeersReport
from exifbench.escape import shown
from exifbench.files import write_atomic
from exifbench.reports.format import count, duration, faster_or_slower, times

COLUMNS = ("tool", "files/s", "vs pillow", "mean per file", "median per file", "errors", "agreement")
THROUGHPUT = "files/s = files ÷ the sum of each file's median time over the rounds (higher is better)"
OWN_BLOCK_NOTE = "timed in its own block after the others: an external process cools their caches when interleaved"


def label(peer: PeerResult) -> str:
    """``pillow 13.0.0``, ``fastpath (exifbench 0.1.0)``: each tool with the version that was measured."""
    return peer.tool if not peer.version else f"{peer.tool} ({peer.version})"


def headline(report: PeersReport) -> str:
    """The answer first: the fast path's throughput against Pillow's, and whether its dicts were identical."""
    try:
        fast, reference = report.peer("fastpath"), report.peer(report.reference)
    except KeyError:
        return f"{report.files} files, {report.repeats} rounds"
    ratio = report.throughput_ratio("fastpath")
    if ratio is None or fast.throughput_fps is None or reference.throughput_fps is None:
        return f"{report.files} files, {report.repeats} rounds: the fast path was not measured"
    identical = fast.extra.get("identical_dicts")
    same = f"; identical dicts on {identical} of {report.files} files" if identical is not None else ""
    fallbacks = dict(fast.extra.get("fallbacks") or {})
    fell_back = ", ".join(f"{reason} {count}" for reason, count in fallbacks.items()) or "none"
    return (
        f"{label(fast)} reads {times(ratio)} as many files per second as {label(reference)} "
        f"({fast.throughput_fps:.0f} vs {reference.throughput_fps:.0f} files/s over {report.files} files, "
        f"{report.repeats} rounds; higher is better){same}. It handed {count(sum(fallbacks.values()), 'file')} to "
        f"Pillow ({fell_back}), timed at Pillow's cost plus its own."
    )


def _row(report: PeersReport, peer: PeerResult) -> list[str]:
    if not peer.available:
        return [label(peer), "—", "—", "—", "—", "—", f"unavailable: {peer.reason}"]
    ratio = report.throughput_ratio(peer.tool)
    rate = peer.agreement_rate
    return [
        label(peer),
        f"{peer.throughput_fps:.0f}" if peer.throughput_fps is not None else "—",
        "reference" if peer.tool == report.reference else (faster_or_slower(ratio) if ratio is not None else "—"),
        duration(peer.mean_ms / 1000) if peer.mean_ms is not None else "—",
        duration(peer.median_ms / 1000) if peer.median_ms is not None else "—",
        str(peer.errors),
        "reference" if peer.tool == report.reference else ("—" if rate is None else f"{rate:.1%}"),
    ]


def differences(peer: PeerResult) -> str:
    """``Make 2, ISO 4``: the fields on which ``peer`` and the reference disagree, with counts."""
    return ", ".join(f"{name} {a.compared - a.agree}" for name, a in peer.agreement.items() if a.compared > a.agree)


def _table(report: PeersReport, peers: list[PeerResult], title: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                  collapse_padding=True)
    rows = [list(map(shown, _row(report, peer))) for peer in peers]
    for row in rows:  # the tool's name whole on its line, its version under it: 80 columns fit
        row[0] = row[0].replace(" (", "\n(", 1)
    for i, column in enumerate(COLUMNS):
        table.add_column(column.replace(" ", "\n"), justify="left" if column in ("tool", "agreement") else "right",
                         no_wrap=i == 0, overflow="fold")  # fmt: skip
    for row in rows:
        table.add_row(*row)
    return table


def render_console(report: PeersReport) -> RenderableType:
    """The headline, the in-process tools' table, exiftool's own block, and where tools disagree."""
    own = [peer for peer in report.peers if peer.timing == OWN_BLOCK]
    parts: list[RenderableType] = [
        Text(headline(report)),
        _table(report, [p for p in report.peers if p.timing != OWN_BLOCK], "In-process readers, interleaved per file"),
    ]
    if own:
        parts += [Text(""), _table(report, own, f"Own block — {OWN_BLOCK_NOTE}")]
    parts += [Text(""), *(Text(f"{label(p)} differs on: {differences(p)}") for p in report.peers if differences(p))]
    parts.append(Text(THROUGHPUT, style="dim"))
    return Group(*parts)


def render_markdown(report: PeersReport) -> str:
    """``peers.md``: the same headline and tables, for a CI job summary or a PR comment."""

    def table(peers: list[PeerResult]) -> list[str]:
        return [
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "|".join("---" if c in ("tool", "agreement") else "---:" for c in COLUMNS) + "|",
            *("| " + " | ".join(cell.replace("|", "\\|") for cell in _row(report, p)) + " |" for p in peers),
        ]

    own = [peer for peer in report.peers if peer.timing == OWN_BLOCK]
    lines = ["# EXIF readers side by side", "", headline(report), "", "## In-process readers, interleaved per file", ""]
    lines += table([p for p in report.peers if p.timing != OWN_BLOCK])
    if own:
        lines += ["", "## Own block", "", OWN_BLOCK_NOTE[0].upper() + OWN_BLOCK_NOTE[1:] + ".", ""] + table(own)
    lines += [""] + [f"- {label(p)} differs on: {differences(p)}" for p in report.peers if differences(p)]
    lines += ["", THROUGHPUT + ".", ""]
    return "\n".join(lines)


def write_peers(report: PeersReport, out_dir: Path) -> list[Path]:
    """``peers.md``."""
    return [write_atomic(out_dir / "peers.md", render_markdown(report))]
