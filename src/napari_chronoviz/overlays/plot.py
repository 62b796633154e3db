"""The sliding-window plot panel: lanes of traces, heatmaps and spike rasters around the current frame.

Each lane has its name and current value in a gutter on its left and its y scale beside its traces; the
lanes of a column share a time axis below them and a cursor at the current time. Interval bands lie
under the traces (with a legend above them), event labels sit in rows above the lanes, and an optional
overview strip shows the whole recording with the current window. Where each part goes is worked out
once per panel box (`PanelPlacement`), and `geometry(frame)` is a pure function of the frame.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._times import nominal_rate
from ..errors import ChronovizError
from ..io.labels import Events, Intervals
from ..io.spikes import Spikes
from ..io.timeseries import Signal
from ..timeline import Alignment
from .plot_slice import SignalSlicer
from .primitives import Clip, Geometry, Image, Points, Polylines, Rectangles, Segments, Texts, rgba, text_width
from .style import MAX_BAND_ALPHA, Style, colormap_table, palette

PADDING = 4.0  # pixels between a lane's edge and its trace
TICK = 4.0  # length of the axes' ticks, pixels
EVENT_ROWS = 2  # rows of event labels above the lanes; a label that fits in none is left out
EVENT_ROW_HEIGHT = 1.6  # of the small text's size: room for the descenders of the row above
SMOOTHING = 0.25  # of the window's span: how far "window" y-limits look around each frame, so they glide
GRID_ALPHA = 0.18  # of the faint vertical lines at the time ticks
MIN_TEXT = 8.0  # pixels: smaller text is not drawn legibly by the rasterizer
SMALL_TEXT = 0.8  # of the names' size: values, ticks, labels
SCALE_TEXT = 1.0  # of the small text: the y scales' labels, as readable as the ticks
NAME_AND_VALUE = 1.9  # of the name's size: a one-channel lane's name line and its value line below it
SCALE_ROWS = 2.5  # of the y scale's text size: the least lane height whose scale shows its two labels
GUTTER_SHARE, SCALE_SHARE = 0.35, 0.2  # at most these parts of a column's width go to names and y scales
LANE_GAP = 3.0  # pixels between lanes, so one lane's lower label does not touch the next one's upper label
UNIT_SUFFIX = re.compile(r"^(.*?)\s*[(\[]([^()\[\]]+)[)\]]\s*$")  # "speed (px/s)", "dF/F [%]"
VALUE_RESERVE = "-8.8e+88"  # as wide as any value `_format_value` writes
MAX_TICKS = 7
SCROLL_MARGIN = 8  # pixels of the strip drawn past each end of a range: line ends and cuts fall outside it
NICE_STEPS = [m * 10.0**e for e in range(-3, 3) for m in (1, 2, 5)] + [300, 600, 900, 1800, 3600, 7200]


@dataclass(frozen=True, eq=False)
class Trace:
    """A signal placed on the video's timeline."""

    signal: Signal
    alignment: Alignment


@dataclass(frozen=True, eq=False)
class _Channel:
    trace: int
    column: int
    name: str  # without its unit
    unit: str
    color: np.ndarray
    low: float | np.ndarray  # y-limits: numbers, or one per frame for ylim="window"
    high: float | np.ndarray

    def limits(self, frame):
        """(low, high) at `frame` (an int or an array of frames)."""
        if np.ndim(self.low):
            return self.low[frame], self.high[frame]
        return self.low, self.high


@dataclass(frozen=True)
class _Lane:
    kind: str  # "lines", "heatmap" or "raster"
    channels: tuple[int, ...] = ()  # lines: indices into `PlotPanel.channels`
    source: int = -1  # heatmap: the trace; raster: the spike source


@dataclass(frozen=True, eq=False)
class _Heatmap:
    name: str
    unit: str
    low: float | np.ndarray
    high: float | np.ndarray


class _GutterLine(NamedTuple):
    """A line of a lane's gutter: a name and/or a current value with its unit."""

    name: str
    value: str
    size: float
    color: np.ndarray
    changes: bool  # shows a current value: drawn on every frame

    @property
    def text(self) -> str:
        return f"{self.name} {self.value}".strip()


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


class PlotPanel:
    """Draws `traces` in a window from `left` seconds before to `right` seconds after each frame.

    `frame_times` are the video's (seconds); events, intervals and spikes are on the same clock.
    """

    def __init__(
        self,
        frame_times: np.ndarray,
        traces: list[Trace],
        *,
        left: float,
        right: float,
        style: Style,
        events: Events | None = None,
        intervals: Intervals | None = None,
        spikes: tuple[Spikes, ...] = (),
    ):
        if left < 0 or right < 0 or left + right <= 0:
            raise ChronovizError(
                f"The plot window needs left, right >= 0 seconds and a positive span; got {left}, {right}."
            )
        self.frame_times = np.asarray(frame_times, dtype=float)
        self.traces, self.left, self.right, self.style = traces, float(left), float(right), style
        self.events, self.intervals, self.spikes = events, intervals, tuple(spikes)
        heatmap_traces = self._heatmap_traces()
        self.slicers = [SignalSlicer.of(trace.signal) for trace in traces]
        self.channels = self._channels(heatmap_traces)
        self.heatmaps = {index: self._heatmap(index) for index in heatmap_traces}
        self.colormap = colormap_table(style.colormap)
        self.lanes = self._lanes(heatmap_traces)
        labels = sorted(set(intervals.labels)) if intervals is not None else []
        self.label_colors = dict(zip(labels, palette(len(labels))[::-1]))
        kinds = sorted(set(events.kinds)) if events is not None else []
        self.kind_colors = dict(zip(kinds, _from_the_end(len(kinds))))  # the traces take the first colors
        self._placements: dict[tuple, PanelPlacement] = {}
        self._label_rows: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._values_frame, self._values = None, []
        for colors in (self.label_colors, self.kind_colors):  # the style's (an ethogram's) colours win
            colors.update(
                {
                    label: np.asarray(color, float)
                    for label, color in (self.style.label_colors or {}).items()
                    if label in colors
                }
            )

    # --- what is drawn ----------------------------------------------------------------------------------

    def _heatmap_traces(self) -> list[int]:
        names = [Path(trace.signal.source).name for trace in self.traces]
        chosen = []
        for given in self.style.heatmaps:
            if isinstance(given, (int, np.integer)) and 0 <= given < len(self.traces):
                chosen.append(int(given))
            elif given in names or given in [Path(name).stem for name in names]:
                chosen.append(next(i for i, name in enumerate(names) if given in (name, Path(name).stem)))
            else:
                raise ChronovizError(
                    f"heatmaps={list(self.style.heatmaps)}: {given!r} names no signal; give signals "
                    f"by position (0..{len(self.traces) - 1}) or file name ({names})."
                )
        return sorted(set(chosen))

    def _channels(self, heatmap_traces: list[int]) -> list[_Channel]:
        lines = [(index, trace) for index, trace in enumerate(self.traces) if index not in heatmap_traces]
        colors = palette(sum(trace.signal.n_channels for _, trace in lines))
        ylim = self.style.ylim
        ranges = {index: self.slicers[index].channel_ranges(slice(None)) for index, _ in lines}
        global_range = _finite_range(np.concatenate([np.r_[low, high] for low, high in ranges.values()] or [[]]))
        channels = []
        for index, trace in lines:
            for column, full_name in enumerate(trace.signal.names):
                if ylim == "window":
                    low, high = self._window_limits(index, [column])
                elif isinstance(ylim, str):
                    own = np.r_[ranges[index][0][column], ranges[index][1][column]]
                    low, high = global_range if ylim == "global" else _finite_range(own)
                else:
                    low, high = map(float, ylim)
                name, unit = _split_unit(full_name)
                channels.append(_Channel(index, column, name, unit, colors[len(channels)], low, high))
        return channels

    def _heatmap(self, index: int) -> _Heatmap:
        trace, ylim = self.traces[index], self.style.ylim
        if ylim == "window":
            low, high = self._window_limits(index, slice(None))
        elif isinstance(ylim, str):
            low, high = _finite_range(np.concatenate(self.slicers[index].channel_ranges(slice(None))))
        else:
            low, high = map(float, ylim)
        name, unit = _split_unit(_file_stem(trace.signal.source) or "heatmap")
        return _Heatmap(name, unit, low, high)

    def _lanes(self, heatmap_traces: list[int]) -> list[_Lane]:
        lanes: list[_Lane] = []
        for index in range(len(self.traces)):
            if index in heatmap_traces:
                lanes.append(_Lane("heatmap", source=index))
                continue
            mine = tuple(i for i, channel in enumerate(self.channels) if channel.trace == index)
            if self.style.plot_layout != "overlay":
                lanes.extend(_Lane("lines", (i,)) for i in mine)
            elif not any(lane.kind == "lines" for lane in lanes):  # one axis for every channel, at the first's place
                lanes.append(_Lane("lines", tuple(range(len(self.channels)))))
        return lanes + [_Lane("raster", source=index) for index in range(len(self.spikes))]

    def _window_limits(self, index: int, columns):
        """Per-frame y-limits holding every sample of `columns` of trace `index` in each frame's window, eased
        over neighbouring frames.

        The least and greatest sample of each window are widened by a moving extreme and then a moving mean
        over `SMOOTHING` of the window's span: the mean of extremes that each cover the frame still holds
        the frame's samples, and the limits glide instead of jumping when a peak enters or leaves the window.
        """
        slicer = self.slicers[index]
        starts, stops = self.traces[index].alignment.window_bounds(self.frame_times, self.left, self.right)
        fallback = _finite_range(np.concatenate(slicer.channel_ranges(columns)))
        lows, highs = slicer.range_bounds(starts, stops, columns)
        reach = 0
        if len(self.frame_times) > 1:
            reach = max(1, int(round(SMOOTHING * (self.left + self.right) * nominal_rate(self.frame_times))))
        limits = []
        for per_frame, extreme, default in ((lows, np.min, fallback[0]), (highs, np.max, fallback[1])):
            per_frame[~np.isfinite(per_frame)] = default
            eased = _moving_mean(_moving(per_frame, reach, extreme), reach)
            limits.append(extreme([eased, per_frame], axis=0))  # no rounding of the mean may cut a sample off
        low, high = limits
        flat = high - low <= 0
        return np.where(flat, low - 1, low), np.where(flat, high + 1, high)

    # --- where it goes ----------------------------------------------------------------------------------

    def placement(self, box) -> PanelPlacement:
        """Where the lanes, gutters, axes, legend, event labels and overview go in the panel `box`."""
        key = tuple(float(v) for v in box)
        if key not in self._placements:
            self._placements[key] = self._place(np.round(np.asarray(box, dtype=float)))
        return self._placements[key]

    def natural_height(self, font: float | None = None) -> int:
        """The height (pixels) of a panel below or above the video in which, with names `font` pixels high (default:
        the style's), every lane has room for its name, its value and its y scale, under the legend and the rows
        of event labels and above the time axis: what the panel's automatic size grows to with lanes and labels."""
        font = float(font or self.style.font_size)
        small = _small_text(font)
        rows = self._rows_around_lanes(small)
        needs = [self._lane_need(lane, font, small) + LANE_GAP for lane in self.lanes] or [0.0]
        if self.style.plot_layout == "grid":  # lanes of one height, in rows of `grid_columns`
            lanes = math.ceil(len(needs) / min(self.style.grid_columns, len(needs))) * max(needs)
        else:  # lanes share the height by weight: the neediest for its weight sets it
            weights = [self._weight(lane) for lane in self.lanes] or [1.0]
            lanes = max(need / weight for need, weight in zip(needs, weights)) * sum(weights)
        return math.ceil(4 + sum(rows.values()) + lanes)

    def _rows_around_lanes(self, small: float) -> dict[str, float]:
        """The heights of what lies above and below the lanes: the intervals' legend, the rows of event labels, the
        overview strip (with its gap) and the time axis."""
        rows = {"axis": round(TICK + small * 1.4)}
        if self.intervals is not None:
            rows["legend"] = round(small * 1.5)
        if self.events is not None:
            rows["events"] = round(EVENT_ROWS * small * EVENT_ROW_HEIGHT) + 2
        if self.style.overview:
            rows["overview"] = round(small * 1.2) + 3
        return rows

    def _lane_need(self, lane: _Lane, font: float, small: float) -> float:
        """The least height of `lane` that shows its gutter's text at `font` and its y scale."""
        scale = SCALE_ROWS * small * SCALE_TEXT
        if lane.kind == "heatmap":  # name, colorbar, its limits (see `_colorbar`)
            return max(font + 9 + small * 0.9 * 1.6, scale)
        if lane.kind == "raster":
            return max(font + small + 6, scale)
        if len(lane.channels) > 1:  # a legend line per channel
            return max(len(lane.channels) * font * 1.2, scale)
        return max(NAME_AND_VALUE * font + 3, scale)

    def _place(self, box: np.ndarray) -> PanelPlacement:
        style = self.style
        font = float(style.font_size)
        small = _small_text(font)
        x0, y0, x1, y1 = box
        top, bottom = y0 + 2, y1 - 2
        rows = self._rows_around_lanes(small)
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
        count = max(len(self.lanes), 1)
        n_columns = min(style.grid_columns, count) if style.plot_layout == "grid" else 1
        rows = math.ceil(count / n_columns)
        if n_columns > 1:
            tops = np.round(top + np.arange(rows + 1) / rows * (bottom - top))
            lane_y = np.array([(tops[i % rows], tops[i % rows + 1]) for i in range(count)])
            lane_column = np.arange(count) // rows
        else:
            weights = np.array([self._weight(lane) for lane in self.lanes] or [1.0])
            edges = np.round(top + np.r_[0, np.cumsum(weights)] / weights.sum() * (bottom - top))
            lane_y, lane_column = np.column_stack([edges[:-1], edges[1:]]), np.zeros(count, int)
        lane_y[lane_y[:, 0] > top, 0] += LANE_GAP
        heights = lane_y[:, 1] - lane_y[:, 0]
        column_width = (x1 - x0) / n_columns
        line_height = min([h for lane, h in zip(self.lanes, heights) if len(lane.channels) == 1] or [np.inf])
        gutter = min(
            max([self._gutter_width(lane, h, line_height, font, small) for lane, h in zip(self.lanes, heights)] or [0]),
            GUTTER_SHARE * column_width,
        )
        scale_width = min(
            max([self._scale_width(lane, h, small) for lane, h in zip(self.lanes, heights)] or [0]),
            SCALE_SHARE * column_width,
        )
        column_x = np.round(x0 + np.arange(n_columns + 1) * column_width)
        lanes, gutters = [], []
        for (lane_top, lane_bottom), column in zip(lane_y, lane_column):
            left_edge = column_x[column]
            trace_left = round(left_edge + gutter + scale_width)
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
            scale_width,
            float(line_height),
        )

    def _weight(self, lane: _Lane) -> float:
        """A lane's height relative to a one-channel lane's."""
        if lane.kind == "heatmap":
            return float(np.clip(self.traces[lane.source].signal.n_channels / 8, 2, 5))
        if lane.kind == "raster":
            return float(np.clip(self.spikes[lane.source].n_units / 8, 2, 5))
        return max(1.0, len(lane.channels) / 2)

    def _gutter_lines(
        self, lane: _Lane, height: float, line_height: float, font: float, small: float, frame: int | None
    ) -> list[_GutterLine]:
        """The gutter's lines of text, top down; `frame` None: values as wide as any.

        One-channel lanes of `height` write their names in the size the lowest of them (`line_height`) has
        room for, so the names of a stack all have one size."""
        style = self.style
        text_color = np.asarray(style.text_color)
        if lane.kind == "heatmap":
            return [_GutterLine(self.heatmaps[lane.source].name, "", font, text_color, False)]
        if lane.kind == "raster":
            spikes = self.spikes[lane.source]
            name = _file_stem(spikes.source) or "spikes"
            units = f"{spikes.n_units} units"
            return [_GutterLine(name, "", font, text_color, False), _GutterLine(units, "", small, text_color, False)]
        channels = [self.channels[i] for i in lane.channels]
        values = [self._value_text(channel, frame) for channel in channels]
        changes = self.style.show_values
        if len(channels) > 1:  # the one-axis layout: a legend, one line per channel
            size = max(MIN_TEXT, min(font, height / len(channels) / 1.2))
            return [_GutterLine(c.name, value, size, c.color, changes) for c, value in zip(channels, values)]
        channel, value = channels[0], values[0]
        name_size = min(font, (min(height, line_height) - 3) / NAME_AND_VALUE)  # name, value in 0.8 of its size
        if name_size >= MIN_TEXT + 1:
            return [_GutterLine(channel.name, "", name_size, channel.color, False)] + (
                [_GutterLine("", value, name_size * 0.8, text_color, changes)] if value else []
            )
        size = max(MIN_TEXT, min(font, height * 0.85))
        return [_GutterLine(channel.name, value, size, channel.color, changes)]

    def _value_text(self, channel: _Channel, frame: int | None) -> str:
        """The current value with its unit; `frame` None gives the widest such text."""
        if not self.style.show_values:
            return channel.unit
        if frame is None:
            value = VALUE_RESERVE
        else:
            value = _format_value(self.values_at(frame)[channel.trace][channel.column])
        return f"{value} {channel.unit}".rstrip()

    def values_at(self, frame: int) -> list[np.ndarray]:
        """Each trace's channel values at `frame` (as its alignment interpolates them); the last frame's kept,
        as the gutter and the value dots both read them."""
        if self._values_frame != frame:
            self._values = [trace.alignment.values(trace.signal.values, frame) for trace in self.traces]
            self._values_frame = frame
        return self._values

    def _gutter_width(self, lane: _Lane, height: float, line_height: float, font: float, small: float) -> float:
        lines = self._gutter_lines(lane, height, line_height, font, small, None)
        widths = [text_width(line.text, line.size) for line in lines]
        if lane.kind == "heatmap":
            widths.append(font * 6)  # room for the colorbar
        return max(widths) + 2 * PADDING

    def _scale_labels(self, lane: _Lane, frame: int | None) -> tuple[str, str] | None:
        """The (top, bottom) labels of a lane's y scale: its limits, or its first and last row's names; None
        for a lane whose channels do not share limits. `frame` None: as wide as they can get."""
        if lane.kind == "raster":
            names = self.spikes[lane.source].names
            return (names[0], names[-1]) if names else None
        if lane.kind == "heatmap":
            names = self.traces[lane.source].signal.names
            return names[0], names[-1]
        channels = [self.channels[i] for i in lane.channels]
        if frame is None:
            lows, highs = zip(*[(np.min(c.low), np.max(c.high)) for c in channels])
            widest = [_format_tick(v) for v in lows + highs] + (["-0.888"] * 2 if self.style.ylim == "window" else [])
            return max(widest, key=len), max(widest, key=len)
        limits = {tuple(map(float, c.limits(frame))) for c in channels}
        if len(limits) > 1:
            return None
        low, high = limits.pop()
        return _format_tick(high), _format_tick(low)

    def _scale_width(self, lane: _Lane, height: float, small: float) -> float:
        labels = self._scale_labels(lane, None)
        if labels is None or height < SCALE_ROWS * small * SCALE_TEXT:
            return 0.0
        return max(text_width(label, small * SCALE_TEXT) for label in labels) + TICK + 3

    def lane_boxes(self, box: np.ndarray) -> np.ndarray:
        """(x0, y0, x1, y1) of each channel's trace area inside the panel `box` (one box for all in "overlay")."""
        return self.lane_boxes_of(self.placement(box))

    def lane_boxes_of(self, place: PanelPlacement) -> np.ndarray:
        """Each channel's trace area in a placement (see `lane_boxes`)."""
        lane_of = {channel: index for index, lane in enumerate(self.lanes) for channel in lane.channels}
        return np.array([place.lanes[lane_of[i]] for i in range(len(self.channels))]).reshape(-1, 4)

    def y_of(self, channel: _Channel, values: np.ndarray, lane: np.ndarray, frame) -> np.ndarray:
        """Where `values` of `channel` at `frame` (an int, or an array of frames with the values) sit in its
        `lane`: its y-limits span the lane, clipped to it."""
        low, high = channel.limits(frame)
        top, bottom = lane[1] + PADDING, lane[3] - PADDING
        fraction = (np.asarray(values, dtype=float) - low) / (high - low)
        return np.clip(bottom - fraction * (bottom - top), lane[1], lane[3])

    # --- time and x: the recording as one strip, scrolled by whole pixels -------------------------------

    @property
    def scrolls(self) -> bool:
        """Whether what the lanes show only moves sideways from frame to frame, so it can be drawn once and
        scrolled (render/panel.py); with `ylim="window"` the y-limits change with the frame and it cannot."""
        return self.style.ylim != "window"

    def pixels_per_second(self, boxes: np.ndarray) -> float | np.ndarray:
        """How many pixels a second spans in a traces' box (x0, y0, x1, y1), or in each row of (n, 4) boxes."""
        boxes = np.asarray(boxes, dtype=float)
        return (boxes[..., 2] - boxes[..., 0]) / (self.left + self.right)

    def scroll(self, time: float, box: np.ndarray) -> int | np.ndarray:
        """The strip pixel at the left edge of a traces' `box` when the current time is `time`.

        The whole recording is one strip: its pixel x lies at time `strip_start + x / pixels_per_second`.
        Each frame shows a whole-pixel range of it, so the lanes' content drawn once can be copied into any
        frame pixel for pixel; the content sits up to half a pixel from where the exact time would put it.
        """
        return np.round(self._strip_x(time, box) - self.left * self.pixels_per_second(box)).astype(int)

    @property
    def strip_start(self) -> float:
        """The time at the strip's pixel 0: the left edge of the first frame's window."""
        return float(self.frame_times[0]) - self.left

    def cursor_x(self, boxes: np.ndarray, time: float | np.ndarray) -> float | np.ndarray:
        """The x of the current `time` in a traces' box (x0, y0, x1, y1), or in each row of (n, 4) boxes such
        as lanes, or at each of several times: where the scrolled content has that time, within half a pixel
        of `left` seconds from the box's left edge."""
        boxes = np.asarray(boxes, dtype=float)
        return boxes[..., 0] + self._strip_x(time, boxes) - self.scroll(time, boxes)

    def x_of_time(self, times, time: float, box: np.ndarray) -> np.ndarray:
        """The canvas x of `times` in a traces' `box` when the current time is `time` (inverse: `time_of_x`)."""
        return box[0] + self._strip_x(times, box) - self.scroll(time, box)

    def time_of_x(self, xs, time: float, box: np.ndarray) -> np.ndarray:
        """The times at canvas `xs` in `box` when the current time is `time` (the inverse of `x_of_time`)."""
        strip_x = np.asarray(xs, dtype=float) - box[0] + self.scroll(time, box)
        return self.strip_start + strip_x / self.pixels_per_second(box)

    def _strip_x(self, times, boxes: np.ndarray) -> np.ndarray:
        """Strip pixels of `times` in traces' boxes: one box, or one time per box of several."""
        return (np.asarray(times, dtype=float) - self.strip_start) * self.pixels_per_second(boxes)

    def _x_of_offset(self, offsets, box: np.ndarray, time: float | None) -> np.ndarray:
        """The canvas x of times given as offsets from the current `time` (the axis' ticks): from the cursor at
        `time`, or with `time` None from where it sits within half a pixel on every frame (for labels)."""
        cursor = box[0] + self.left * self.pixels_per_second(box) if time is None else self.cursor_x(box, time)
        return cursor + np.asarray(offsets) * self.pixels_per_second(box)

    def scroll_boxes(self, box: np.ndarray) -> np.ndarray:
        """Per column of lanes, the (x0, y0, x1, y1) whose pixels are the strip's (traces, heatmaps, rasters,
        bands, events and their labels), in whole pixels."""
        place = self.placement(box)
        columns = place.columns.copy()
        if place.event_strip is not None:
            columns[:, 1] = place.event_strip[1]
        return columns

    # --- one frame --------------------------------------------------------------------------------------

    def geometry(self, frame: int, box: np.ndarray, inset: bool = False) -> Geometry:
        """What the panel shows at `frame`, inside `box` (x0, y0, x1, y1).

        In three parts, drawn in this order: `fixed_geometry` (the same on every frame), each column's part
        of the strip (`strip_geometry`) clipped to its `scroll_boxes` box, and `moving_geometry` (cursor,
        values, axes: what changes and lies over the strip).
        """
        place = self.placement(box)
        time = float(self.frame_times[frame])
        geometry = self.fixed_geometry(box, inset)
        background = self.background(inset)
        for index, (column, clip) in enumerate(zip(place.columns, self.scroll_boxes(box))):
            start = self.scroll(time, column)
            content = self.strip_geometry(index, start, start + int(column[2] - column[0]), box, inset, frame)
            geometry.add(Clip(clip, background, content))
        geometry.extend(self.moving_geometry(frame, box, inset))
        return geometry

    def background(self, inset: bool) -> np.ndarray:
        """The panel's background color (RGBA): translucent when it lies over the video (`inset`)."""
        return rgba([self.style.panel_color], self.style.inset_alpha if inset else self.style.panel_color[3])[0]

    def fixed_geometry(self, box: np.ndarray, inset: bool = False) -> Geometry:
        """What the panel shows on every frame: background, names, the scales' and relative time axis' labels,
        the legend's swatches, colorbars and the overview of the whole recording."""
        place = self.placement(box)
        geometry, texts, fade = Geometry(), _TextBatch(), _Fader(self.style, inset)
        geometry.add(Rectangles(np.asarray(box, dtype=float)[None], self.background(inset)[None]))
        if self.intervals is not None:
            self._legend(None, place, geometry, texts, fade)
        for index, lane in enumerate(self.lanes):
            if lane.kind == "heatmap":
                self._colorbar(lane.source, place.gutters[index], None, place, geometry, texts)
        self._axes(None, place, texts, None, fade)
        self._gutters(None, place, texts)
        if place.overview is not None:
            self._overview(None, place, geometry, texts, fade)
        for item in texts.items():
            geometry.add(item)
        return geometry

    def moving_geometry(self, frame: int, box: np.ndarray, inset: bool = False) -> Geometry:
        """What changes with `frame` outside the strip, or lies over it: grid lines, axes, the current values,
        label and window, the value dots and the cursor."""
        style, place = self.style, self.placement(box)
        time = float(self.frame_times[frame])
        geometry, texts, fade = Geometry(), _TextBatch(), _Fader(style, inset)
        ticks = [self.time_ticks(time, column[2] - column[0]) for column in place.columns]
        geometry.add(self._grid_lines(ticks, time, place, fade))
        if self.intervals is not None:
            self._legend(time, place, geometry, texts, fade)
        if not self.scrolls:
            for index, lane in enumerate(self.lanes):
                if lane.kind == "heatmap":
                    self._colorbar(lane.source, place.gutters[index], frame, place, geometry, texts)
        geometry.add(self._axes(ticks, place, texts, frame, fade))
        self._gutters(frame, place, texts)
        if place.overview is not None:
            self._overview(time, place, geometry, texts, fade)
        for item in texts.items():
            geometry.add(item)
        geometry.add(self._value_dots(frame, place))
        xs = self.cursor_x(place.columns, time)  # one cursor per column of lanes: the grid layout has several
        geometry.add(
            Segments(
                np.column_stack([xs, place.columns[:, 1]]),
                np.column_stack([xs, place.columns[:, 3]]),
                rgba([style.cursor_color] * len(xs)),
                1.0,
            )
        )
        return geometry

    def strip_geometry(
        self, column: int, start: int, stop: int, box: np.ndarray, inset: bool = False, frame: int = 0
    ) -> Geometry:
        """The strip's content in one column of lanes, pixels `start` to `stop`, drawn from the column's left
        edge: a strip pixel x lands on canvas x `column x0 + x - start`. In drawing order: interval bands,
        heatmaps, traces, spike rasters, event lines and their labels. Lines and bands reach `SCROLL_MARGIN`
        pixels past both ends, so a range drawn on its own matches the same pixels of a longer one.
        `frame` matters only with `ylim="window"` (its y-limits)."""
        place = self.placement(box)
        edges = place.columns[column]
        per_second = self.pixels_per_second(edges)
        shift = edges[0] - start  # canvas x = strip x + shift
        reach = (
            self.strip_start + (start - SCROLL_MARGIN) / per_second,
            self.strip_start + (stop + SCROLL_MARGIN) / per_second,
        )
        lanes = np.flatnonzero(place.lane_columns[: len(self.lanes)] == column)  # none: a panel of labels only
        geometry, fade = Geometry(), _Fader(self.style, inset)
        if self.intervals is not None:
            geometry.add(self._bands(edges, reach, shift, stop - start, fade))
        for index in lanes:
            if self.lanes[index].kind == "heatmap":
                geometry.add(self._heatmap_image(self.lanes[index].source, place.lanes[index], start, stop, frame))
        geometry.add(self._traces(lanes, place, reach, shift, frame))
        geometry.add(self._rasters(lanes, place, reach, shift))
        if self.events is not None:
            self._events(column, place, reach, shift, geometry, fade)
        return geometry

    def time_ticks(self, time: float, width: float) -> tuple[np.ndarray, list[str]]:
        """Round tick times (seconds from `time`) and their labels for a window `width` pixels wide.

        The step is the smallest of 1, 2, 5 x 10^k s (then whole minutes) that gives at most `MAX_TICKS`
        ticks whose labels do not crowd; labels
        count from the current time ("-2", "0", "2 s") or, with `time_axis="absolute"`, on the video's clock.
        """
        small = _small_text(float(self.style.font_size))
        span = self.left + self.right
        absolute = self.style.time_axis == "absolute"
        origin = time if absolute else 0.0
        for step in NICE_STEPS:
            first = math.ceil((origin - self.left) / step - 1e-9)
            last = math.floor((origin + self.right) / step + 1e-9)
            if last - first + 1 > MAX_TICKS and step != NICE_STEPS[-1]:
                continue
            values = np.arange(first, last + 1) * step
            labels = [_format_time(value, step, absolute) for value in values]
            if labels:
                labels[-1] = labels[-1] if ":" in labels[-1] else labels[-1] + " s"
            widest = max((text_width(label, small) for label in labels), default=0.0)
            if step / span * width >= widest + small or step == NICE_STEPS[-1]:
                return values - origin, labels
        raise AssertionError("unreachable: the last step always returns")

    # --- the strip's content ----------------------------------------------------------------------------

    def _traces(self, lanes: np.ndarray, place: PanelPlacement, reach, shift: float, frame: int) -> Polylines:
        """The channels of `lanes` from the sample before `reach[0]` to the one after `reach[1]`, thinned to
        two points per strip pixel (by value, then clipped to the lane)."""
        paths, colors = [], []
        drawn = [(i, index) for index in lanes for i in self.lanes[index].channels]
        if not drawn:
            return Polylines(paths, np.zeros((0, 4)), self.style.line_width)
        per_second = self.pixels_per_second(place.lanes[lanes[0]])  # the lanes of a column share their x
        pieces = {}
        for trace in sorted({self.channels[i].trace for i, _ in drawn}):  # each trace's channels read together
            times = self.traces[trace].alignment.sample_times
            first = max(int(times.searchsorted(reach[0], "left")) - 1, 0)
            stop = min(int(times.searchsorted(reach[1], "right")) + 1, len(times))
            mine = [i for i, _ in drawn if self.channels[i].trace == trace]
            columns = [self.channels[i].column for i in mine]
            thinned = self.slicers[trace].thinned_paths(columns, times, first, stop, self.strip_start, per_second)
            pieces.update(zip(mine, thinned))
        for i, index in drawn:
            channel, lane = self.channels[i], place.lanes[index]
            for piece in pieces[i]:
                paths.append(np.column_stack([piece[:, 0] + shift, self.y_of(channel, piece[:, 1], lane, frame)]))
                colors.append(channel.color)
        return Polylines(paths, rgba(colors) if paths else np.zeros((0, 4)), self.style.line_width)

    def _heatmap_image(self, trace_index: int, lane: np.ndarray, start: int, stop: int, frame: int) -> Image:
        """Channels x time as colors, one cell per channel and strip pixel `start` to `stop`: the mean of the
        samples in the pixel (its edges on the pyramid's bins when it holds many, `SignalSlicer.column_edges`), or
        the nearest sample where samples are sparser than pixels; transparent outside the data."""
        trace, heatmap = self.traces[trace_index], self.heatmaps[trace_index]
        sample_times = trace.alignment.sample_times
        n_columns = stop - start
        edges = self.strip_start + np.arange(start, stop + 1) / self.pixels_per_second(lane)
        centers = (edges[:-1] + edges[1:]) / 2
        bins = self.slicers[trace_index].column_edges(
            sample_times.searchsorted(edges), trace.alignment.sample_rate / self.pixels_per_second(lane)
        )
        dense = np.diff(bins) >= 2
        means = self.slicers[trace_index].column_means(np.where(dense, bins[:-1], 0), np.where(dense, bins[1:], 0))
        after = (
            np.clip(sample_times.searchsorted(centers), 1, len(sample_times) - 1)
            if len(sample_times) > 1
            else np.zeros(n_columns, int)
        )
        before = np.maximum(after - 1, 0)
        nearest = np.where(
            np.abs(sample_times[before] - centers) <= np.abs(sample_times[after] - centers), before, after
        )
        values = means
        if not dense.all():
            values[~dense] = trace.signal.values[nearest[~dense]]
        half_step = 0.5 / trace.alignment.sample_rate if len(sample_times) > 1 else 0.5
        inside = (centers >= sample_times[0] - half_step) & (centers <= sample_times[-1] + half_step)
        low, high = heatmap.low, heatmap.high
        if np.ndim(low):
            low, high = low[frame], high[frame]
        pixels = self.colormap[_lut_index(values, low, high)]
        pixels[~(np.isfinite(values) & inside[:, None]), 3] = 0
        return Image(np.array([lane[0], lane[1] + 1, lane[0] + n_columns, lane[3] - 1]), pixels.transpose(1, 0, 2))

    def _rasters(self, lanes: np.ndarray, place: PanelPlacement, reach, shift: float) -> Segments:
        """A tick per spike, a row per unit."""
        starts, ends = [], []
        for index in lanes:
            lane, box = self.lanes[index], place.lanes[index]
            if lane.kind != "raster":
                continue
            spikes = self.spikes[lane.source]
            first = np.searchsorted(spikes.times, reach[0], side="left")
            stop = np.searchsorted(spikes.times, reach[1], side="right")
            xs = self._strip_x(spikes.times[first:stop], box) + shift
            row = (box[3] - box[1] - 2) / max(spikes.n_units, 1)
            tops = box[1] + 1 + spikes.units[first:stop] * row + row * 0.15
            starts.append(np.column_stack([xs, tops]))
            ends.append(np.column_stack([xs, tops + max(row * 0.7, 1.0)]))
        if not starts:
            return Segments(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 4)))
        starts, ends = np.concatenate(starts), np.concatenate(ends)
        return Segments(starts, ends, rgba([self.style.text_color] * len(starts)).reshape(-1, 4), 1.0)

    def _bands(self, column: np.ndarray, reach, shift: float, width: int, fade: _Fader) -> Rectangles:
        """The intervals as bands under the traces, cut `SCROLL_MARGIN` pixels past the drawn range."""
        intervals = self.intervals
        visible = np.flatnonzero((intervals.ends > reach[0]) & (intervals.starts < reach[1]))
        alpha = min(self.style.interval_alpha, MAX_BAND_ALPHA)
        low, high = column[0] - SCROLL_MARGIN, column[0] + width + SCROLL_MARGIN
        x0 = np.clip(self._strip_x(intervals.starts[visible], column) + shift, low, high)
        x1 = np.clip(self._strip_x(intervals.ends[visible], column) + shift, low, high)
        boxes = np.column_stack([x0, np.full(len(visible), column[1]), x1, np.full(len(visible), column[3])])
        return Rectangles(boxes, fade([self.label_colors[intervals.labels[i]] for i in visible], alpha))

    def _events(
        self, column: int, place: PanelPlacement, reach, shift: float, geometry: Geometry, fade: _Fader
    ) -> None:
        """A line per event across the column's lanes, its kind in the rows above them (see `_event_rows`)."""
        events, small, edges = self.events, place.small, place.columns[column]
        rows, widths = self._event_rows(column, place)
        strip_x = self._strip_x(events.times, edges)
        per_second = self.pixels_per_second(edges)
        lines = np.flatnonzero((events.times >= reach[0]) & (events.times <= reach[1]))
        labelled = np.flatnonzero(
            (rows >= 0)
            & (strip_x + 2 + widths >= (reach[0] - self.strip_start) * per_second)
            & (events.times <= reach[1])
        )
        colors = fade([self.kind_colors[kind] for kind in events.kinds], 0.9)
        xs = strip_x[lines] + shift
        geometry.add(
            Segments(
                np.column_stack([xs, np.full(len(xs), edges[1])]),
                np.column_stack([xs, np.full(len(xs), edges[3])]),
                colors[lines],
                1.0,
            )
        )
        texts = _TextBatch()
        row_height = (place.event_strip[3] - place.event_strip[1] - 2) / EVENT_ROWS
        for index in labelled:
            baseline = place.event_strip[1] + (rows[index] + 1) * row_height - 2
            texts.add(strip_x[index] + shift + 2, baseline, events.kinds[index], colors[index], small)
        for item in texts.items():
            geometry.add(item)

    def _event_rows(self, column: int, place: PanelPlacement) -> tuple[np.ndarray, np.ndarray]:
        """Each event's row of labels in a column (-1: none) and its label's width, for the whole recording:
        in time order, a label goes in the first row where it does not overlap the one before, and is left
        out when it fits in none, so labels never overlap and keep their row while they scroll."""
        key = (column, *place.columns[column])
        if key not in self._label_rows:
            events, small = self.events, place.small
            strip_x = self._strip_x(events.times, place.columns[column])
            widths = np.array([text_width(kind, small) for kind in events.kinds])
            rows = np.full(len(strip_x), -1)
            free_from = np.full(EVENT_ROWS, -np.inf)
            for index in np.argsort(strip_x, kind="stable"):
                row = next((r for r in range(EVENT_ROWS) if strip_x[index] - 1 >= free_from[r]), None)
                if row is not None:
                    rows[index] = row
                    free_from[row] = strip_x[index] + 2 + widths[index] + 2
            self._label_rows[key] = (rows, widths)
        return self._label_rows[key]

    # --- around the strip -------------------------------------------------------------------------------

    def _value_dots(self, frame: int, place: PanelPlacement) -> Points:
        """A dot where each trace crosses the cursor."""
        time, positions, colors = float(self.frame_times[frame]), [], []
        for channel, lane in zip(self.channels, self.lane_boxes_of(place)):
            value = self.values_at(frame)[channel.trace][channel.column]
            if np.isfinite(value):
                positions.append((self.cursor_x(lane, time), float(self.y_of(channel, value, lane, frame))))
                colors.append(channel.color)
        return Points(
            np.array(positions).reshape(-1, 2), rgba(colors).reshape(-1, 4), max(4.0, 3 * self.style.line_width)
        )

    def _colorbar(
        self,
        trace_index: int,
        gutter: np.ndarray,
        frame: int | None,
        place: PanelPlacement,
        geometry: Geometry,
        texts: _TextBatch,
    ) -> None:
        """The colormap under the heatmap's name, with its limits below it, when the lane is tall enough.
        `frame` None: the fixed part (the bar, and the limits when they are fixed); else the limits at `frame`
        when they follow the window."""
        heatmap, small = self.heatmaps[trace_index], place.small * 0.9
        bar_top = gutter[1] + place.font + 5
        if gutter[3] - bar_top < small * 0.6 + small + 4:
            return
        bar = np.array([gutter[0] + PADDING, bar_top, gutter[2] - PADDING, bar_top + round(small * 0.6)])
        if frame is None:
            geometry.add(Image(bar, self.colormap[None]))
        if (frame is None) != self.scrolls:
            return
        low, high = heatmap.low, heatmap.high
        if np.ndim(low):
            low, high = low[frame], high[frame]
        color, baseline = self.style.text_color, bar[3] + small + 1
        texts.add(bar[0], baseline, _format_tick(low), color, small)
        texts.add(bar[2], baseline, f"{_format_tick(high)} {heatmap.unit}".rstrip(), color, small, "right")

    def _legend(
        self, time: float | None, place: PanelPlacement, geometry: Geometry, texts: _TextBatch, fade: _Fader
    ) -> None:
        """The current interval's label above the gutter, and a swatch and name per label while they fit (the
        current one in its color); `time` None: the swatches only."""
        row, small = place.legend, place.small
        baseline = row[1] + (row[3] - row[1] + small) / 2 - 1
        current = None if time is None else self.intervals.label_at(time)
        if current is not None:
            label = _fit(current, place.gutters[0, 2] - place.gutters[0, 0] - 2 * PADDING, small)
            texts.add(row[0] + PADDING, baseline, label, self.label_colors[current], small)
        x, swatches, colors = place.columns[0, 0], [], []
        dim = fade([self.style.text_color], 0.65)[0]
        for label, color in self.label_colors.items():
            width = small * 0.8 + 4 + text_width(label, small)
            if x + width > row[2] - PADDING:
                break
            swatches.append([x, baseline - small * 0.8, x + small * 0.8, baseline])
            colors.append(color)
            if time is not None:
                texts.add(x + small * 0.8 + 4, baseline, label, color if label == current else dim, small)
            x += width + small
        if time is None:
            geometry.add(Rectangles(np.array(swatches).reshape(-1, 4), rgba(colors).reshape(-1, 4)))

    def _grid_lines(self, ticks, time: float, place: PanelPlacement, fade: _Fader) -> Segments:
        """Faint vertical lines at the time ticks (not at the cursor, which is drawn there)."""
        xs, tops, bottoms = [], [], []
        for (offsets, _), column in zip(ticks, place.columns):
            at = self._x_of_offset(offsets[np.abs(offsets) > 1e-9], column, time)
            xs.append(at)
            tops.append(np.full(len(at), column[1]))
            bottoms.append(np.full(len(at), column[3]))
        xs, tops, bottoms = np.concatenate(xs), np.concatenate(tops), np.concatenate(bottoms)
        return Segments(
            np.column_stack([xs, tops]),
            np.column_stack([xs, bottoms]),
            fade([self.style.text_color] * len(xs), GRID_ALPHA),
            1.0,
        )

    def _axes(self, ticks, place: PanelPlacement, texts: _TextBatch, frame: int | None, fade: _Fader) -> Segments:
        """The time axis under each column (baseline, ticks, labels) and each lane's y scale (ticks at its
        limits, labelled, or its first and last row's names). `frame` None: only the labels that never change
        (relative time labels, fixed limits), and no lines."""
        small, color = place.small, self.style.text_color
        starts, ends = [], []
        if frame is None and self.style.time_axis != "absolute":
            ticks = [self.time_ticks(0.0, column[2] - column[0]) for column in place.columns]
        for (offsets, labels), column in zip(ticks or [], place.columns):
            xs = self._x_of_offset(offsets, column, None if frame is None else float(self.frame_times[frame]))
            starts += [(column[0], column[3])] + [(x, column[3]) for x in xs]
            ends += [(column[2], column[3])] + [(x, column[3] + TICK) for x in xs]
            if (frame is None) == (self.style.time_axis != "absolute"):
                for x, label in zip(xs, labels):
                    half = text_width(label, small) / 2
                    x = float(np.clip(x, column[0] - place.scale_width + half, column[2] + PADDING - half))
                    texts.add(x, column[3] + TICK + small + 1, label, color, small, "center")
        scale_size = small * SCALE_TEXT
        for lane, box in zip(self.lanes, place.lanes):
            labels = self._scale_labels(lane, 0 if frame is None else frame)
            if labels is None or place.scale_width == 0 or box[3] - box[1] < SCALE_ROWS * scale_size:
                continue
            inner = (box[1] + PADDING, box[3] - PADDING) if lane.kind == "lines" else (box[1] + 1, box[3] - 1)
            starts += [(box[0], box[1]), (box[0] - TICK, inner[0]), (box[0] - TICK, inner[1])]
            ends += [(box[0], box[3]), (box[0], inner[0]), (box[0], inner[1])]
            if (frame is None) == self.scrolls:
                label_x = box[0] - TICK - 2
                fit = _fit_number if lane.kind == "lines" else _fit  # limits, or the first and last row's names
                top_label, bottom_label = (fit(label, place.scale_width - TICK - 3, scale_size) for label in labels)
                texts.add(label_x, box[1] + scale_size, top_label, color, scale_size, "right")
                texts.add(label_x, box[3] - 2, bottom_label, color, scale_size, "right")
        if frame is None:
            return Segments(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 4)))
        starts, ends = np.array(starts, dtype=float).reshape(-1, 2), np.array(ends, dtype=float).reshape(-1, 2)
        return Segments(starts, ends, fade([color] * len(starts), 0.6), 1.0)

    def _gutters(self, frame: int | None, place: PanelPlacement, texts: _TextBatch) -> None:
        """Names and current values beside the lanes; with lanes too thin for text, every few lanes' name.
        `frame` None: the lines that never change (names); else the ones with a current value."""
        heights = place.lanes[:, 3] - place.lanes[:, 1]
        every = max(1, math.ceil(MIN_TEXT * 1.1 / max(heights.min(), 1))) if len(heights) else 1
        for index, (lane, gutter, height) in enumerate(zip(self.lanes, place.gutters, heights)):
            lines = self._gutter_lines(lane, height, place.line_height, place.font, place.small, frame)
            width = gutter[2] - gutter[0] - 2 * PADDING
            if every > 1:  # dense: names only, of every few lanes, each reaching over the lanes below it
                if index % every == 0 and frame is None:
                    name = self.channels[lane.channels[0]].name if lane.kind == "lines" else lines[0].name
                    texts.add(
                        gutter[0] + PADDING, gutter[1] + MIN_TEXT, _fit(name, width, MIN_TEXT), lines[0].color, MIN_TEXT
                    )
                continue
            y = gutter[1] + 1
            for number, line in enumerate(lines):
                size = line.size
                if y + size > gutter[3] + 1:  # no room left: neither this line nor the ones below it
                    break
                below = sum(later.size + 2 for later in lines[number + 1 :])  # room the next lines need
                rows = max(1, int((gutter[3] + 1 - y - below) // (size + 2)))
                if line.value:  # one row: the value whole, the name shortened first
                    fitted = [_fit_line(line.name, line.value, width, size)]
                else:  # a long name on more rows
                    fitted = [_fit(row, width, size) for row in _wrapped(line.name, width, size, rows)]
                for row in fitted:
                    if y + size > gutter[3] + 1:
                        break
                    y += size
                    if line.changes == (frame is not None):
                        texts.add(gutter[0] + PADDING, y, row, line.color, size)
                    y += 2

    def _overview(
        self, time: float | None, place: PanelPlacement, geometry: Geometry, texts: _TextBatch, fade: _Fader
    ) -> None:
        """The whole recording in one strip: intervals and events (`time` None), or the window shown at `time`."""
        strip = place.overview.copy()
        strip[0], strip[2] = place.columns[0, 0], place.columns[-1, 2]
        start, end = self.frame_times[0], self.frame_times[-1]
        whole = max(end - start, 1e-9)

        def x_of(times):
            return strip[0] + (np.asarray(times, dtype=float) - start) / whole * (strip[2] - strip[0])

        if time is not None:
            window = x_of(np.clip([time - self.left, time + self.right], start, end))
            geometry.add(
                Rectangles(
                    np.array([[window[0], strip[1] - 1, max(window[1], window[0] + 2), strip[3] + 1]]),
                    fade([self.style.cursor_color], 0.35),
                )
            )
            x = float(x_of(time))
            geometry.add(
                Segments(np.array([[x, strip[1]]]), np.array([[x, strip[3]]]), rgba([self.style.cursor_color]))
            )
            return
        boxes, colors = [strip], [fade([self.style.text_color], 0.12)[0]]
        if self.intervals is not None:
            intervals = self.intervals
            boxes += [
                [a, strip[1], max(b, a + 1), strip[3]]
                for a, b in zip(x_of(np.clip(intervals.starts, start, end)), x_of(np.clip(intervals.ends, start, end)))
            ]
            colors += list(fade([self.label_colors[label] for label in intervals.labels], 0.8))
        geometry.add(Rectangles(np.array(boxes, dtype=float), np.array(colors)))
        marks = [] if self.events is None else list(zip(x_of(self.events.times), self.events.kinds))
        marks = [(x, self.kind_colors[kind]) for x, kind in marks if strip[0] <= x <= strip[2]]
        if marks:
            xs = np.array([x for x, _ in marks])
            geometry.add(
                Segments(
                    np.column_stack([xs, np.full(len(xs), strip[1])]),
                    np.column_stack([xs, np.full(len(xs), strip[3])]),
                    rgba([color for _, color in marks]),
                    1.0,
                )
            )
        label = _fit(f"all {_format_time(whole, 1.0, False)} s", place.gutters[0, 2] - place.gutters[0, 0], place.small)
        texts.add(place.gutters[0, 0] + PADDING, strip[3] - 1, label, self.style.text_color, place.small)


class _Fader:
    """Faint colors for the panel: on an opaque panel, the opaque color they give over its background (the
    same pixels, and drawn without a blend); over the video, translucent."""

    def __init__(self, style: Style, inset: bool):
        self.background = None if inset or style.panel_color[3] < 1 else np.asarray(style.panel_color[:3])

    def __call__(self, colors, alpha: float) -> np.ndarray:
        colors = rgba(colors).reshape(-1, 4)
        if self.background is None:
            return rgba(colors, alpha).reshape(-1, 4)
        return rgba(colors[:, :3] * alpha + self.background * (1 - alpha))


class _TextBatch:
    """Texts gathered by size and anchor, so a frame draws a few `Texts` rather than one per string."""

    def __init__(self):
        self.groups: dict[tuple, tuple[list, list, list]] = {}

    def add(self, x: float, y: float, text: str, color, size: float, anchor: str = "left") -> None:
        if not text:
            return
        positions, strings, colors = self.groups.setdefault((float(size), anchor), ([], [], []))
        positions.append((float(x), float(y)))
        strings.append(text)
        colors.append(np.asarray(color, dtype=float))

    def items(self) -> list[Texts]:
        return [
            Texts(np.array(positions), strings, rgba(colors), size, anchor)
            for (size, anchor), (positions, strings, colors) in self.groups.items()
        ]


def _small_text(font: float) -> float:
    """The size of the values, ticks and labels beside names of size `font`."""
    return max(MIN_TEXT, round(font * SMALL_TEXT))


def smallest_text(font: float) -> float:
    """The size of the panel's smallest text (its y scales' labels) with names of size `font`.

    Parameters
    ----------
    font : float
        The style's font size, pixels.

    Returns
    -------
    float
        Pixels.
    """
    return _small_text(font) * SCALE_TEXT


def _from_the_end(count: int) -> np.ndarray:
    """`count` palette colors, the last first: grey, blue, purple, ... (the first ones color the traces)."""
    return palette(max(count, 8))[::-1][:count]


def _file_stem(source: str) -> str:
    """The file name without its suffix of a source read from a file, else ""."""
    path = Path(source)
    return path.stem if path.suffix else ""


def _split_unit(name: str) -> tuple[str, str]:
    """A column name and the unit it carries in brackets: "speed (px/s)" -> ("speed", "px/s")."""
    found = UNIT_SUFFIX.match(str(name))
    return (found.group(1), found.group(2)) if found and found.group(1) else (str(name), "")


def _format_value(value: float) -> str:
    """At most 8 characters: 4 significant digits, or a mantissa and exponent."""
    if not np.isfinite(value):
        return "-"
    text = f"{value:.4g}"
    return text if len(text) <= 7 else f"{value:.1e}"


def _format_tick(value: float) -> str:
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


def _format_time(seconds: float, step: float, clock: bool) -> str:
    """A tick label: seconds with the decimals `step` needs, or with `clock` and a minute or more, m:ss."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if clock and abs(seconds) >= 60:
        minutes, rest = divmod(abs(seconds), 60)
        hours, minutes = divmod(int(minutes), 60)
        rest_text = f"{rest:0{3 + decimals if decimals else 2}.{decimals}f}"
        text = f"{hours}:{minutes:02d}:{rest_text}" if hours else f"{minutes}:{rest_text}"
        return ("-" if seconds < 0 else "") + text
    text = f"{seconds:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _fit_number(text: str, width: float, size: float) -> str:
    """A number written as `text`, with fewer digits when it is wider than `width` pixels at `size`, or left out:
    never cut (0.0684 is not "0.068.")."""
    if text_width(text, size) <= width:
        return text
    shorter = (f"{float(text):.{digits}g}" for digits in (2, 1))
    return next((short for short in shorter if text_width(short, size) <= width), "")


def _fit_value(text: str, width: float, size: float) -> str:
    """A current value and its unit ("0.342 mV") in `width` pixels at `size`: with fewer digits and its unit, else
    the number alone: neither the number nor the unit is ever cut. A text that is not a number is `_fit`."""
    number, _, unit = text.partition(" ")
    try:
        float(number)
    except ValueError:
        return _fit(text, width, size)
    if text_width(text, size) <= width:
        return text
    shorter = _fit_number(number, width - text_width(f" {unit}", size), size) if unit else ""
    return f"{shorter} {unit}" if shorter else _fit_number(number, width, size)


def _fit_line(name: str, value: str, width: float, size: float) -> str:
    """A name and a current value on one line of `width` pixels at `size`: the value fitted first (`_fit_value`),
    the name cut short to the room left ("running_sp. 6.5 cm/s"), so a value's unit is never what is cut."""
    value = _fit_value(value, width, size)
    name = _fit(name, width - text_width(f" {value}", size), size) if name else ""
    return f"{name} {value}" if name else value


def _wrapped(text: str, width: float, size: float, rows: int) -> list[str]:
    """`text` on at most `rows` lines of `width` pixels at `size`, broken between words; what does not fit the
    last line is cut there (`_fit`)."""
    lines, words = [], text.split(" ")
    while words and len(lines) < rows - 1:
        taken = 1
        while taken < len(words) and text_width(" ".join(words[: taken + 1]), size) <= width:
            taken += 1
        if taken == len(words) and text_width(" ".join(words), size) <= width:
            break
        lines.append(" ".join(words[:taken]))
        words = words[taken:]
    return lines + [" ".join(words)] if words else lines


def _fit(text: str, width: float, size: float) -> str:
    """`text`, cut short with a trailing "." when it is wider than `width` pixels at `size`."""
    if text_width(text, size) <= width:
        return text
    while len(text) > 1 and text_width(text + ".", size) > width:
        text = text[:-1]
    return text + "." if width > text_width(text + ".", size) else ""


def _lut_index(values: np.ndarray, low: float, high: float) -> np.ndarray:
    scaled = (np.nan_to_num(values, nan=low) - low) / (high - low) * 255
    return np.clip(np.round(scaled), 0, 255).astype(np.intp)


def _moving(values: np.ndarray, reach: int, extreme) -> np.ndarray:
    """The `extreme` (np.min / np.max) of each value and its `reach` neighbours on each side."""
    if reach == 0:
        return values
    return extreme(np.lib.stride_tricks.sliding_window_view(np.pad(values, reach, mode="edge"), 2 * reach + 1), axis=1)


def _moving_mean(values: np.ndarray, reach: int) -> np.ndarray:
    if reach == 0:
        return values
    sums = np.cumsum(np.pad(values, (reach + 1, reach), mode="edge"))
    return (sums[2 * reach + 1 :] - sums[: -2 * reach - 1]) / (2 * reach + 1)


def _finite_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    return (low - 1, high + 1) if low == high else (low, high)
