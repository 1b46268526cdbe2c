"""The console's server-side charts: the SVG and its table come from the same numbers, every text
is escaped, and the drawing obeys the console's CSP (no style, no script)."""

from __future__ import annotations

import re

import pytest

from yaksok.web.console.charts import bar_chart


def test_the_table_holds_the_numbers_the_bars_are_drawn_from():
    ch = bar_chart("Accesses", ["12-01", "12-02", "12-03"],
                   [("accesses", [5, 0, 12]), ("denials", [1, 0, 3])], label_title="day")
    assert ch.rows == [("12-01", [5, 1]), ("12-02", [0, 0]), ("12-03", [12, 3])]
    bars = re.findall(r"<title>([^<]+)</title></rect>", str(ch.svg))
    assert bars == ["12-01: 5", "12-01: 1", "12-02: 0", "12-02: 0", "12-03: 12", "12-03: 3"]
    # the tallest bar reaches the top of the drawing area; a zero has no height
    heights = [float(h) for h in re.findall(r'height="([0-9.]+)" fill', str(ch.svg))]
    assert max(heights) == pytest.approx(160) and min(heights) == 0


def test_texts_are_escaped_and_the_drawing_has_no_style_or_script():
    ch = bar_chart('<script>alert(1)</script>"', ['<img src=x onerror=alert(1)>'],
                   [("</title><script>", [1])])
    svg = str(ch.svg)
    assert "<script" not in svg and "<img" not in svg and "style" not in svg
    assert "&lt;img src=x onerror=alert(1)&gt;"[:20] in svg or "&lt;img" in svg
    assert 'aria-hidden="true"' in svg  # the table, not the drawing, is what is read out


def test_a_limit_is_a_dashed_line_and_series_must_match_the_labels():
    ch = bar_chart("Clock", ["PIPC"], [("hours", [80])], limit=72, limit_label="limit")
    assert 'stroke-dasharray="5 4"' in str(ch.svg)
    with pytest.raises(ValueError, match="2 values for 1 labels"):
        bar_chart("x", ["a"], [("s", [1, 2])])
