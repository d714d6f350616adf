"""The peers renderer: one rich table row per EXIF reader."""

from __future__ import annotations

from rich.table import Table

from exifbench.workflows.peers import PeersReport


def render_table(report: PeersReport, title: str = "EXIF readers side by side") -> Table:
    """One row per tool: time, throughput, speed vs Pillow, errors, agreement with Pillow."""
    table = Table(title=f"{title} ({report.files} files × {report.repeats} rounds)")
    for column in ("tool", "median ms/file", "files/s", f"vs {report.reference}", "errors", "agreement", "differs on"):
        table.add_column(column, justify="left" if column in ("tool", "agreement", "differs on") else "right")
    for peer in report.peers:
        name = peer.tool if not peer.version else f"{peer.tool} {peer.version}"
        if not peer.available:
            table.add_row(name, "—", "—", "—", "—", f"[yellow]unavailable: {peer.reason}[/yellow]", "")
            continue
        speedup = report.speedup(peer.tool)
        rate = peer.agreement_rate
        differs = ", ".join(
            f"{tag} {a.compared - a.agree}" for tag, a in peer.agreement.items() if a.compared > a.agree
        )
        table.add_row(
            name,
            f"{peer.median_ms:.3f}" if peer.median_ms is not None else "—",
            f"{peer.throughput_fps:.0f}" if peer.throughput_fps is not None else "—",
            f"{speedup:.2f}×" if speedup is not None else "—",
            str(peer.errors),
            "reference" if peer.tool == report.reference else ("—" if rate is None else f"{rate:.1%}"),
            differs,
        )
    return table
