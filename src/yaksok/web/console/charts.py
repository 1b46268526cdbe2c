"""Pictures drawn on the server: bar charts as SVG, each with its numbers as a table.

A chart is for people who would rather look than read; its table is for everyone else (screen
readers, copying the figures). Both come from the same numbers, so they cannot disagree. The SVG
uses presentation attributes only (the console's CSP allows no inline style) and is marked
``aria-hidden``: the table beside it carries the meaning. Numbers only: a chart never holds a
personal value.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

__all__ = ["Chart", "bar_chart"]

#: Colours with at least 3:1 contrast against white (WCAG 1.4.11), told apart by pattern too:
#: the second series is hatched, so colour is never the only difference.
_COLOURS = ("#0b4fa8", "#a4161a", "#1e6b2e", "#6b3fa0", "#8a5a00")
_HEIGHT, _TOP, _BOTTOM, _LEFT = 160, 12, 40, 40


@dataclass(frozen=True)
class Chart:
    """A bar chart: its title, the labels of its bars, and one or more series of numbers."""

    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    unit: str = ""
    #: A value drawn as a dashed line across the chart (a limit: 72 hours, a deadline).
    limit: float | None = None
    limit_label: str = ""
    #: The header of the table's first column (what a label is: a week, a day, a month).
    label_title: str = ""

    @property
    def rows(self) -> list[tuple[str, list[float]]]:
        """The table: one row per label, one number per series."""
        return [(label, [values[i] for _, values in self.series])
                for i, label in enumerate(self.labels)]

    @property
    def svg(self) -> Markup:
        return Markup(_draw(self))  # noqa: S704 - every text in it is escaped by _draw


def bar_chart(title: str, labels, series, *, unit: str = "", limit: float | None = None,
              limit_label: str = "", label_title: str = "") -> Chart:
    """A chart of ``series`` (``[(name, values), ...]``, one value per label), bars side by side
    per label; ``limit``: a dashed line at that value."""
    labels = tuple(str(x) for x in labels)
    out = []
    for name, values in series:
        values = tuple(values)
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
        out.append((str(name), values))
    return Chart(title, labels, tuple(out), unit, limit, limit_label, label_title)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _draw(ch: Chart) -> str:
    n, k = len(ch.labels), max(1, len(ch.series))
    top = max([v for _, vs in ch.series for v in vs] + [ch.limit or 0, 1])
    slot = max(18, min(60, 640 // max(n, 1)))
    bar = max(4, (slot - 6) // k)
    width = _LEFT + n * slot + 10
    height = _HEIGHT + _TOP + _BOTTOM
    scale = _HEIGHT / top

    def y(v: float) -> float:
        return _TOP + _HEIGHT - v * scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} '
             f'{height}" width="{width}" height="{height}" role="img" aria-hidden="true" '
             f'focusable="false">',
             '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#a4161a"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>',
             f'<line x1="{_LEFT}" y1="{y(0)}" x2="{width - 5}" y2="{y(0)}" stroke="#595959"/>',
             f'<text x="{_LEFT - 4}" y="{y(top) + 4}" text-anchor="end" font-size="11" '
             f'fill="#333">{escape(_fmt(top))}</text>',
             f'<text x="{_LEFT - 4}" y="{y(0)}" text-anchor="end" font-size="11" '
             f'fill="#333">0</text>']
    every = max(1, n // 12)  # at most ~12 labels under the bars; the table has them all
    for i, label in enumerate(ch.labels):
        x0 = _LEFT + i * slot + 3
        for j, (_name, values) in enumerate(ch.series):
            v = values[i]
            fill = "url(#hatch)" if j == 1 else _COLOURS[j % len(_COLOURS)]
            h = max(v * scale, 0)
            parts.append(f'<rect x="{x0 + j * bar}" y="{y(v):.1f}" width="{bar - 1}" '
                         f'height="{h:.1f}" fill="{fill}"><title>{escape(label)}: '
                         f'{escape(_fmt(v))}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x0 + (k * bar) / 2:.1f}" y="{_TOP + _HEIGHT + 14}" '
                         f'text-anchor="middle" font-size="10" fill="#333">'
                         f'{escape(label[-5:] if len(label) > 7 else label)}</text>')
    if ch.limit is not None:
        ly = y(ch.limit)
        parts.append(f'<line x1="{_LEFT}" y1="{ly:.1f}" x2="{width - 5}" y2="{ly:.1f}" '
                     f'stroke="#1a1a1a" stroke-dasharray="5 4"/>')
    # The legend, as words: which series is which (also the table's headers).
    lx = _LEFT
    for j, (name, _values) in enumerate(ch.series):
        fill = "url(#hatch)" if j == 1 else _COLOURS[j % len(_COLOURS)]
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{fill}"/>'
                     f'<text x="{lx + 14}" y="{height - 5}" font-size="11" fill="#1a1a1a">'
                     f'{escape(name)}</text>')
        lx += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)
