"""Grabs of a real UI's view taken during the replay (``run --ui qt --out DIR``), as a report.html section.

The run document names each grab (``extra.ui_qt.grabs``: moment, file, frame, placeholders, filled);
the PNG files sit beside it in the output directory and are embedded inline, so the report stays
one self-contained file. A grab whose file is missing is named, not silently dropped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from exifbench.reports.documents.runs import RunResult, RunSet


def grabs_of(run: RunResult) -> list[dict[str, Any]]:
    """The grabs one run lists (none for the built-in probe)."""
    grabs = _ui_qt(run).get("grabs")
    if not isinstance(grabs, list):
        return []
    return [grab for grab in grabs if isinstance(grab, dict) and isinstance(grab.get("file"), str)]


def _ui_qt(run: RunResult) -> dict[str, Any]:
    ui = run.extra.get("ui_qt")
    return ui if isinstance(ui, dict) else {}


def read_grabs(runs: RunSet, out_dir: Path) -> dict[str, bytes]:
    """The PNG bytes of every listed grab found in ``out_dir``, by file name."""
    names = {Path(grab["file"]).name for run in runs.runs for grab in grabs_of(run)}
    return {name: (out_dir / name).read_bytes() for name in sorted(names) if (out_dir / name).is_file()}


def grabs_html(runs: RunSet, images: Mapping[str, bytes]) -> str:
    """One row of figures per run (first frame, mid-scroll, end); ``""`` when no run has grabs."""
    rows = []
    for run in runs.runs:
        figures = []
        for grab in grabs_of(run):
            name = Path(grab["file"]).name
            caption = (
                f"{grab.get('moment', '?')}, frame {grab.get('frame', '?')}: "
                f"{grab.get('placeholders', '?')} placeholders, {grab.get('filled', '?')} cells filled"
            )
            image = (
                f'<img alt="{escape(name)}" src="data:image/png;base64,{base64.b64encode(images[name]).decode("ascii")}">'
                if name in images
                else f'<p class="warn">{escape(name)} not found beside the report.</p>'
            )
            figures.append(f'<figure class="grab">{image}<figcaption>{escape(caption)}</figcaption></figure>')
        if figures:
            shown = _ui_qt(run).get("placeholders_shown", "?")
            rows.append(
                f"<h3>{escape(run.strategy)} (repeat {run.repeat}): {escape(str(shown))} cells showed a placeholder</h3>"
                f'<div class="grabs">{"".join(figures)}</div>'
            )
    if not rows:
        return ""
    return (
        "<style>.grabs { display: flex; gap: 1em; flex-wrap: wrap; } figure.grab { margin: 0.4em 0; max-width: 32%; }"
        " figure.grab img { width: 100%; }</style>"
        "<p>The replay ran inside a real Qt application (<code>--ui qt</code>): its list view of the folder, "
        "grabbed offscreen. Grey cells show a placeholder (the loader answered <code>None</code>); blue cells show "
        "the camera and date read from EXIF.</p>" + "".join(rows)
    )
