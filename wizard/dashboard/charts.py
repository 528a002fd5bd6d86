"""Counts laid out as SVG shapes: the geometry only.

The admin's templates draw the shapes (inline SVG, no script, no style attribute: the
site's CSP forbids inline styles) and colour them with classes from a static stylesheet.
A chart is as wide as its container and has a fixed height: horizontal positions and
widths are percentages of the width, vertical ones are pixels. So the bars stretch or
shrink with the screen while the text keeps its size, readable on a phone (390 px) as
on a desktop.
"""

import math
from dataclasses import dataclass, field


def pct(value):
    """A horizontal position as the templates write it: "42.5%"."""
    return f"{round(value, 2)}%"


@dataclass
class Segment:
    """A part of a bar: its value, colour class, link and tooltip; geometry filled in."""

    value: int
    css: str
    label: str  # what it counts, for the tooltip: "abandoned"
    href: str | None = None
    left: float = 0  # percent
    span: float = 0  # percent
    y: float = 0
    height: float = 0

    @property
    def title(self):
        return f"{self.value} {self.label}"

    @property
    def x(self):
        return pct(self.left)

    @property
    def width(self):
        return pct(self.span)


@dataclass
class Row:
    """One bar of a horizontal bar chart, with its label and its note above it."""

    label: str
    segments: list
    note: str = ""  # printed at the right, level with the label: "12 · 40%"
    label_y: float = 0
    bar_y: float = 0

    @property
    def total(self):
        return sum(segment.value for segment in self.segments)


@dataclass
class Tick:
    value: int
    at: float  # percent of the width (bar charts) or pixels from the top (column charts)
    anchor: str = "middle"

    @property
    def x(self):
        return pct(self.at)

    @property
    def label_y(self):
        """A column chart's tick label: level with its gridline."""
        return round(self.at + 4, 1)


# Horizontal bar charts: each row is a label line, then its bar.
ROW_HEIGHT = 40
BAR_HEIGHT = 14
LABEL_GAP = 5  # from a row's label baseline to the top of its bar
PLOT_TOP = 4
# The plot's width, in percent: the last tick and its label stay inside the chart.
PLOT_LEFT, PLOT_RIGHT = 0, 99.5


@dataclass
class BarChart:
    rows: list
    axis_label: str
    height: float = 0
    plot_top: float = PLOT_TOP
    plot_bottom: float = 0
    ticks: list = field(default_factory=list)
    plot_left: str = pct(PLOT_LEFT)
    plot_right: str = pct(PLOT_RIGHT)
    middle: str = pct((PLOT_LEFT + PLOT_RIGHT) / 2)

    @property
    def tick_label_y(self):
        return self.plot_bottom + 14

    @property
    def axis_label_y(self):
        return self.plot_bottom + 30

    @property
    def empty(self):
        return not any(row.total for row in self.rows)


def bar_chart(rows, axis_label):
    """Lay out horizontal bars, scaled so that the largest row's total nearly fills the width."""
    chart = BarChart(rows, axis_label)
    ticks = nice_ticks(max((row.total for row in rows), default=0))
    scale = (PLOT_RIGHT - PLOT_LEFT) / ticks[-1]
    for index, row in enumerate(rows):
        row.label_y = PLOT_TOP + index * ROW_HEIGHT + 13
        row.bar_y = row.label_y + LABEL_GAP
        left = PLOT_LEFT
        for segment in row.segments:
            segment.left, segment.span = left, segment.value * scale
            segment.y, segment.height = row.bar_y, BAR_HEIGHT
            left += segment.span
    chart.plot_bottom = PLOT_TOP + len(rows) * ROW_HEIGHT + 2
    chart.height = chart.plot_bottom + 36  # tick labels, then the axis label
    chart.ticks = [Tick(value, PLOT_LEFT + value * scale) for value in ticks]
    chart.ticks[0].anchor, chart.ticks[-1].anchor = "start", "end"
    return chart


@dataclass
class Column:
    """One week's column: its bars drawn over each other from the bottom."""

    label: str  # "2 Jun"
    bars: list  # Segments, from the first stage to the last
    left: float = 0
    span: float = 0
    show_label: bool = True
    minor: bool = False  # a label left out on narrow screens

    @property
    def label_x(self):
        return pct(self.left + self.span / 2)


# Column charts: y tick labels at the left, week labels under the columns.
COLUMNS_LEFT, COLUMNS_RIGHT = 9, 99.5
MAX_LABELS = 9


@dataclass
class ColumnChart:
    columns: list
    axis_label: str
    height: int = 232
    plot_top: int = 24
    plot_bottom: int = 192
    ticks: list = field(default_factory=list)
    plot_left: str = pct(COLUMNS_LEFT)
    plot_right: str = pct(COLUMNS_RIGHT)
    tick_label_x: str = pct(COLUMNS_LEFT - 1.5)

    @property
    def week_label_y(self):
        return self.plot_bottom + 15

    @property
    def x_axis_label_y(self):
        return self.plot_bottom + 33

    @property
    def empty(self):
        return not any(bar.value for column in self.columns for bar in column.bars)


def nested_columns(columns, axis_label):
    """Lay out one column per entry, its bars drawn over each other from the bottom: each
    later stage's (smaller) bar covers the bottom of the one before, so the band of each
    colour that shows is how many went that far and no further."""
    chart = ColumnChart(columns, axis_label)
    ticks = nice_ticks(max((bar.value for c in columns for bar in c.bars), default=0))
    scale = (chart.plot_bottom - chart.plot_top) / ticks[-1]
    band = (COLUMNS_RIGHT - COLUMNS_LEFT) / max(len(columns), 1)
    # At most MAX_LABELS week labels fit under the columns, half as many on a phone; the
    # latest week is always labelled.
    every = math.ceil(len(columns) / MAX_LABELS)
    for index, column in enumerate(columns):
        column.span = band * 0.62
        column.left = COLUMNS_LEFT + index * band + (band - column.span) / 2
        from_latest = len(columns) - 1 - index
        column.show_label = from_latest % every == 0
        column.minor = len(columns) > MAX_LABELS // 2 and from_latest % (2 * every) != 0
        for bar in column.bars:
            bar.left, bar.span = column.left, column.span
            bar.height = round(bar.value * scale, 1)
            bar.y = round(chart.plot_bottom - bar.value * scale, 1)
    chart.ticks = [Tick(value, round(chart.plot_bottom - value * scale, 1)) for value in ticks]
    return chart


def nice_ticks(maximum, count=4):
    """Whole-number gridline values from 0 past `maximum`, at a step of 1, 2 or 5 × 10ⁿ."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))
