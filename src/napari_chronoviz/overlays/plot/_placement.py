"""Where each part of the plot panel goes inside its box: lanes, gutters, y scales, legend, event rows, overview."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._constants import (
    DENSE_ROWS_HEIGHT,
    EVENT_ROW_HEIGHT,
    EVENT_ROWS,
    GUTTER_SHARE,
    LANE_GAP,
    NAME_AND_VALUE,
    PADDING,
    SCALE_ROWS,
    SCALE_SHARE,
    SCALE_TEXT,
    TICK,
)
from ._guides import gutter_width, scale_width
from ._text import small_text

if TYPE_CHECKING:
    from ._lanes import Lane
    from .panel import PlotPanel


@dataclass(frozen=True, eq=False)
class PanelPlacement:
    """Where each part of the panel goes inside one panel box: rows of (x0, y0, x1, y1) in canvas pixels."""

    lanes: np.ndarray  # each lane's trace area
    lane_columns: np.ndarray  # each lane's column
    gutters: np.ndarray  # each lane's names and values
    columns: np.ndarray  # each column of lanes: the x of its traces, the y of its lanes' top and bottom
    legend: np.ndarray | None  # the intervals' legend row
    event_strip: np.ndarray | None  # the rows of event labels
    overview: np.ndarray | None  # the whole recording
    font: float  # names
    small: float  # values, ticks, labels
    scale_width: float  # of the y scale's labels, between gutter and traces
    line_height: float  # of the lowest one-channel lane, which sets the size of their names


def rows_around_lanes(panel: PlotPanel, small: float) -> dict[str, float]:
    """The heights of what lies above and below the lanes: the intervals' legend, the rows of event labels, the
    overview strip (with its gap) and the time axis."""
    rows = {"axis": round(TICK + small * 1.4)}
    if panel.intervals is not None:
        rows["legend"] = round(small * 1.5)
    if panel.events is not None:
        rows["events"] = round(EVENT_ROWS * small * EVENT_ROW_HEIGHT) + 2
    if panel.style.overview:
        rows["overview"] = round(small * 1.2) + 3
    return rows


def lane_need(panel: PlotPanel, lane: Lane, font: float, small: float) -> float:
    """The least height of `lane` that shows its gutter's text at `font` and its y scale."""
    scale = SCALE_ROWS * small * SCALE_TEXT
    if lane.kind == "heatmap":  # name, colorbar, its limits (see `draw_colorbar`)
        return max(font + 9 + small * 0.9 * 1.6, scale)
    if lane.kind == "dense":  # name, channels and scale; 2 pixels a row, up to some named rows' height
        rows = min(2 * panel.traces[lane.source].signal.n_channels, DENSE_ROWS_HEIGHT * small)
        return max(font + 2 * small + 8, scale, rows)
    if lane.kind == "raster":
        return max(font + small + 6, scale)
    if len(lane.channels) > 1:  # a legend line per channel
        return max(len(lane.channels) * font * 1.2, scale)
    return max(NAME_AND_VALUE * font + 3, scale)


def placement_in(panel: PlotPanel, box: np.ndarray) -> PanelPlacement:
    style = panel.style
    font = float(style.font_size)
    small = small_text(font)
    x0, y0, x1, y1 = box
    top, bottom = y0 + 2, y1 - 2
    rows = rows_around_lanes(panel, small)
    legend = event_strip = overview = None
    if "legend" in rows:
        legend = np.array([x0, top, x1, top + rows["legend"]])
        top = legend[3]
    if "events" in rows:
        event_strip = np.array([x0, top, x1, top + rows["events"]])
        top = event_strip[3]
    if "overview" in rows:
        overview = np.array([x0, bottom - rows["overview"] + 3, x1, bottom])
        bottom = overview[1] - 3
    bottom -= rows["axis"]
    lane_y, lane_column, n_columns = _lane_rows(panel, top, bottom)
    column_width = (x1 - x0) / n_columns
    gutter, scale_room, line_height = _text_room(panel, lane_y[:, 1] - lane_y[:, 0], font, small)
    gutter, scale_room = min(gutter, GUTTER_SHARE * column_width), min(scale_room, SCALE_SHARE * column_width)
    column_x = np.round(x0 + np.arange(n_columns + 1) * column_width)
    lanes, gutters = [], []
    for (lane_top, lane_bottom), column in zip(lane_y, lane_column):
        left_edge = column_x[column]
        trace_left = round(left_edge + gutter + scale_room)
        lanes.append([trace_left, lane_top, column_x[column + 1] - PADDING, lane_bottom])
        gutters.append([left_edge, lane_top, left_edge + gutter, lane_bottom])
    lanes, gutters = np.array(lanes, dtype=float), np.array(gutters, dtype=float)
    columns = np.array(
        [
            [
                lanes[lane_column == c, 0].min(),
                lane_y[lane_column == c, 0].min(),
                lanes[lane_column == c, 2].max(),
                lane_y[lane_column == c, 1].max(),
            ]
            for c in range(n_columns)
        ]
    )
    return PanelPlacement(
        lanes,
        lane_column,
        gutters,
        columns,
        legend,
        event_strip,
        overview,
        font,
        small,
        scale_room,
        float(line_height),
    )


def natural_width(panel: PlotPanel, font: float, height: float) -> int:
    """The width (pixels) of a panel beside the video, `height` pixels high, whose gutters show their whole names
    and values at `font` and whose y scales their labels, in the parts of it they may take (`GUTTER_SHARE`,
    `SCALE_SHARE`): the rest, at least 45 %, goes to the traces."""
    small = small_text(font)
    lane_y, _, n_columns = _lane_rows(panel, 0.0, height - 4 - sum(rows_around_lanes(panel, small).values()))
    gutter, scale_room, _ = _text_room(panel, lane_y[:, 1] - lane_y[:, 0], font, small)
    return math.ceil(n_columns * max(gutter / GUTTER_SHARE, scale_room / SCALE_SHARE))


def _lane_rows(panel: PlotPanel, top: float, bottom: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Each lane's (top, bottom) between `top` and `bottom`, its column, and the number of columns."""
    count = max(len(panel.lanes), 1)
    n_columns = min(panel.style.grid_columns, count) if panel.style.plot_layout == "grid" else 1
    rows = math.ceil(count / n_columns)
    if n_columns > 1:
        tops = np.round(top + np.arange(rows + 1) / rows * (bottom - top))
        lane_y = np.array([(tops[i % rows], tops[i % rows + 1]) for i in range(count)])
        lane_column = np.arange(count) // rows
    else:
        weights = np.array([lane_weight(panel, lane) for lane in panel.lanes] or [1.0])
        edges = np.round(top + np.r_[0, np.cumsum(weights)] / weights.sum() * (bottom - top))
        lane_y, lane_column = np.column_stack([edges[:-1], edges[1:]]), np.zeros(count, int)
    lane_y[lane_y[:, 0] > top, 0] += LANE_GAP
    return lane_y, lane_column, n_columns


def _text_room(panel: PlotPanel, heights: np.ndarray, font: float, small: float) -> tuple[float, float, float]:
    """The widths the lanes' gutters and y scales need for all their text, and the line height of one-channel
    lanes (which sets the size of their names), for lanes `heights` pixels high."""
    line_height = min([h for lane, h in zip(panel.lanes, heights) if len(lane.channels) == 1] or [np.inf])
    lanes = list(zip(panel.lanes, heights))
    gutter = max([gutter_width(panel, lane, h, line_height, font, small) for lane, h in lanes] or [0])
    scale_room = max([scale_width(panel, lane, h, small) for lane, h in lanes] or [0])
    return gutter, scale_room, line_height


def lane_weight(panel: PlotPanel, lane: Lane) -> float:
    """A lane's height relative to a one-channel lane's."""
    if lane.has_rows:
        return float(np.clip(panel.traces[lane.source].signal.n_channels / 8, 2, 5))
    if lane.kind == "raster":
        return float(np.clip(panel.spikes[lane.source].n_units / 8, 2, 5))
    return max(1.0, len(lane.channels) / 2)
