"""How photo viewers use EXIF, as replayable patterns beside the profiled app's ``startup-593``.

- ``browse``: someone paging through a grid. A page of thumbnails is asked for in one frame,
  then the person looks at it for 0.5–1 s before the next page; every few pages they scroll
  back one page (those requests are cache hits for a loader that kept them). The look time is
  a glance over a page: eye fixations last ~0.2–0.3 s, a page takes a few of them, and 1 s is
  where an uninterrupted flow of attention ends (Nielsen's response-time limits) — so 0.5–1 s,
  drawn per page from a seeded generator (reproducible).
- ``group-by-date``: a grid sectioned by capture date (the "days" and date headers of phone
  galleries and photo managers). The layout needs every image's DateTimeOriginal before the
  first frame can be drawn, so the app asks for all of them with blocking calls, back to back,
  in folder order; then the first page is shown (non-blocking: already loaded).

Both pre-load the whole folder, first page first, as the plan's viewer does.
"""

from __future__ import annotations

import math
import random

from exifbench.datasets.patterns.pattern import FRAME_MS, Call, Pattern, preloading_all

LOOK_MS = (500.0, 1000.0)
"""How long a page is looked at before the next one is asked for (uniform, seeded)."""


def browse_pattern(
    images: int = 591, page: int = 24, pages: int = 6, back_every: int = 3, look_ms: tuple[float, float] = LOOK_MS, seed: int = 0
) -> Pattern:
    """Page forward ``pages`` times through a folder of ``images``, one page per frame, looking at each.

    After every ``back_every`` forward pages the person scrolls back one page and then on again:
    ``pages + (pages - 1) // back_every`` page views. The first call of each view waits the look
    time of the previous one; the rest of the page follows in the same frame.
    """
    if images < 1 or page < 1 or pages < 1 or back_every < 1 or not 0 <= look_ms[0] <= look_ms[1]:
        raise ValueError("browse: images, page, pages and back_every must be ≥ 1 and 0 ≤ look_ms[0] ≤ look_ms[1]")
    pages = min(pages, math.ceil(images / page))
    views: list[int] = []
    for number in range(pages):
        views.append(number)
        if number and number % back_every == 0 and number + 1 < pages:
            views.append(number - 1)  # a scroll back, then on again
    backs = len(views) - pages
    rng = random.Random(seed)
    calls: list[Call] = []
    for view, number in enumerate(views):
        think = rng.uniform(*look_ms) if view else 0.0
        first = number * page
        calls += [Call(i, think if i == first else 0.0) for i in range(first, min(first + page, images))]
    description = (
        f"browsing a {images}-image grid: {len(views)} page views of {page} ({pages} forward, "
        f"{backs} scroll-back{'' if backs == 1 else 's'}), {look_ms[0]:g}–{look_ms[1]:g} ms of looking at each page"
    )
    return preloading_all("browse", description, calls, images, page)


def group_by_date_pattern(images: int = 591, page: int = 24) -> Pattern:
    """Every image's date before the grid can show: ``images`` blocking calls, then the first page in one frame."""
    if images < 1 or page < 1:
        raise ValueError("group-by-date: images and page must be ≥ 1")
    calls = [Call(i, blocking=True) for i in range(images)]
    calls += [Call(i, FRAME_MS if i == 0 else 0.0) for i in range(min(page, images))]
    description = (
        f"a {images}-image grid grouped by capture date: every image's EXIF date asked for with "
        f"blocking calls before the first frame, then the first page of {page}"
    )
    return preloading_all("group-by-date", description, calls, images, page)
