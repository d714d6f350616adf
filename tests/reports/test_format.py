"""Numbers as people read them: ratios in words, signed percentages, never scientific notation."""

from __future__ import annotations

import math
import re

from exifbench.reports import format as fmt

SCIENTIFIC = re.compile(r"(?<![\w.])\d+(\.\d+)?[eE][-+]?\d+(?!\w)")  # a number, not part of a hex digest


def test_ratios_in_words_with_one_direction() -> None:
    assert fmt.less_or_more(1 / 2938) == "2,900× less"
    assert fmt.less_or_more(0.25) == "4.0× less" and fmt.less_or_more(4.0) == "4.0× more"
    assert fmt.less_or_more(1.02) == "about the same" and fmt.less_or_more(0) == "none at all"
    assert fmt.compared_with(1.02, "sync") == "about the same as sync" and fmt.compared_with(0.25, "sync") == "4.0× less than sync"
    assert fmt.faster_or_slower(4.02) == "4.0× faster" and fmt.faster_or_slower(0.5) == "2.0× slower"


def test_percentages_keep_the_digits_that_tell_them_from_100() -> None:
    assert fmt.change(1 / 2938) == "−99.97%" and fmt.change(0.5) == "−50%" and fmt.change(4.0) == "+300%"
    assert fmt.change(0.0) == "−100%" and fmt.change(1.12) == "+12%"


def test_no_scientific_notation_anywhere_in_the_range() -> None:
    values = [10.0**e * m for e in range(-9, 9) for m in (1.0, 2.5, 9.99)]
    for value in values:
        texts = [fmt.number(value), fmt.duration(value), fmt.times(value), fmt.less_or_more(value), fmt.change(value),
                 fmt.measured(value, "ms"), fmt.measured(value, "calls"), fmt.faster_or_slower(value)]  # fmt: skip
        assert not any(SCIENTIFIC.search(text) for text in texts), (value, texts)
    assert fmt.number(0.0000479) == "0.0000479" and fmt.number(2938, 2) == "2,900" and fmt.number(0.5) == "0.5"
    assert fmt.number(math.inf) == "∞" and fmt.times(math.inf) == "∞×"


def test_count_says_one_file_and_groups_thousands() -> None:
    assert [fmt.count(1, "file"), fmt.count(0, "file"), fmt.count(2, "image"), fmt.count(1234, "file")] == ["1 file", "0 files", "2 images", "1,234 files"]
