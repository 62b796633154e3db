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

import numpy as np

from .._times import nominal_rate
from ..errors import ChronovizError
from ..io.labels import Events, Intervals
from ..io.spikes import Spikes
from ..io.timeseries import Signal
from ..timeline import Alignment
from .primitives import Geometry, Image, Points, Polylines, Rectangles, Segments, Texts, rgba, text_width
from .style import MAX_BAND_ALPHA, Style, colormap_table, palette

PADDING = 4.0  # pixels between a lane's edge and its trace
TICK = 4.0  # length of the axes' ticks, pixels
EVENT_ROWS = 2  # rows of event labels above the lanes; a label that fits in none is left out
EVENT_ROW_HEIGHT = 1.6  # of the small text's size: room for the descenders of the row above
SMOOTHING = 0.25  # of the window's span: how far "window" y-limits look around each frame, so they glide
GRID_ALPHA = 0.18  # of the faint vertical lines at the time ticks
MIN_TEXT = 8.0  # pixels: smaller text is not drawn legibly by the rasterizer
SCALE_TEXT = 0.8  # of the small text: the y scales' labels
GUTTER_SHARE, SCALE_SHARE = 0.35, 0.2  # at most these parts of a column's width go to names and y scales
LANE_GAP = 3.0  # pixels between lanes, so one lane's lower label does not touch the next one's upper label
UNIT_SUFFIX = re.compile(r"^(.*?)\s*[(\[]([^()\[\]]+)[)\]]\s*$")  # "speed (px/s)", "dF/F [%]"
VALUE_RESERVE = "-8.8e+88"  # as wide as any value `_format_value` writes
MAX_TICKS = 7
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
    sums: np.ndarray  # (n_samples + 1, n_channels) running sums of the finite values, for column means
    counts: np.ndarray  # the same of how many are finite


@dataclass(frozen=True, eq=False)
class PanelPlacement:
    """Where each part of the panel goes inside one panel box: rows of (x0, y0, x1, y1) in canvas pixels."""

    lanes: np.ndarray  # each lane's trace area
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
        self.channels = self._channels(heatmap_traces)
        self.heatmaps = {index: self._heatmap(traces[index]) for index in heatmap_traces}
        self.colormap = colormap_table(style.colormap)
        self.lanes = self._lanes(heatmap_traces)
        labels = sorted(set(intervals.labels)) if intervals is not None else []
        self.label_colors = dict(zip(labels, palette(len(labels))[::-1]))
        kinds = sorted(set(events.kinds)) if events is not None else []
        self.kind_colors = dict(zip(kinds, _from_the_end(len(kinds))))  # the traces take the first colors
        self._placements: dict[tuple, PanelPlacement] = {}
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
        values = [trace.signal.values.ravel() for _, trace in lines]
        global_range = _finite_range(np.concatenate(values)) if values else (0.0, 1.0)
        channels = []
        for index, trace in lines:
            for column, full_name in enumerate(trace.signal.names):
                column_values = trace.signal.values[:, column]
                if ylim == "window":
                    low, high = self._window_limits(trace.alignment, column_values, column_values)
                elif isinstance(ylim, str):
                    low, high = global_range if ylim == "global" else _finite_range(column_values)
                else:
                    low, high = map(float, ylim)
                name, unit = _split_unit(full_name)
                channels.append(_Channel(index, column, name, unit, colors[len(channels)], low, high))
        return channels

    def _heatmap(self, trace: Trace) -> _Heatmap:
        values = trace.signal.values
        ylim = self.style.ylim
        if ylim == "window":
            low, high = self._window_limits(
                trace.alignment, np.fmin.reduce(values, axis=1), np.fmax.reduce(values, axis=1)
            )
        elif isinstance(ylim, str):
            low, high = _finite_range(values.ravel())
        else:
            low, high = map(float, ylim)
        finite = np.isfinite(values)
        sums = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(np.where(finite, values, 0.0), axis=0)])
        counts = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(finite, axis=0)])
        name, unit = _split_unit(_file_stem(trace.signal.source) or "heatmap")
        return _Heatmap(name, unit, low, high, sums, counts)

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

    def _window_limits(self, alignment: Alignment, lows: np.ndarray, highs: np.ndarray):
        """Per-frame y-limits holding every sample of each frame's window, eased over neighbouring frames.

        The least and greatest sample of each window are widened by a moving extreme and then a moving mean
        over `SMOOTHING` of the window's span: the mean of extremes that each cover the frame still holds
        the frame's samples, and the limits glide instead of jumping when a peak enters or leaves the window.
        """
        starts, stops = alignment.window_bounds(self.frame_times, self.left, self.right)
        fallback = _finite_range(np.concatenate([lows, highs]))
        empty = stops <= starts
        bounds = np.column_stack([starts, stops]).ravel()
        reach = 0
        if len(self.frame_times) > 1:
            reach = max(1, int(round(SMOOTHING * (self.left + self.right) * nominal_rate(self.frame_times))))
        limits = []
        for values, reduce, extreme, default in (
            (lows, np.fmin, np.min, fallback[0]),
            (highs, np.fmax, np.max, fallback[1]),
        ):
            per_frame = reduce.reduceat(np.append(values, np.nan), bounds)[::2]
            per_frame[empty | ~np.isfinite(per_frame)] = default
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

    def _place(self, box: np.ndarray) -> PanelPlacement:
        style = self.style
        font = float(style.font_size)
        small = max(MIN_TEXT, round(font * 0.8))
        x0, y0, x1, y1 = box
        top, bottom = y0 + 2, y1 - 2
        legend = event_strip = overview = None
        if self.intervals is not None:
            legend = np.array([x0, top, x1, top + round(small * 1.5)])
            top = legend[3]
        if self.events is not None:
            event_strip = np.array([x0, top, x1, top + round(EVENT_ROWS * small * EVENT_ROW_HEIGHT) + 2])
            top = event_strip[3]
        if style.overview:
            overview = np.array([x0, bottom - round(small * 1.2), x1, bottom])
            bottom = overview[1] - 3
        bottom -= round(TICK + small * 1.4)  # the time axis
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
            lanes, gutters, columns, legend, event_strip, overview, font, small, scale_width, float(line_height)
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
    ) -> list[tuple[str, float, np.ndarray]]:
        """The gutter's lines of text, top down, as (text, size, color); `frame` None: values as wide as any.

        One-channel lanes of `height` write their names in the size the lowest of them (`line_height`) has
        room for, so the names of a stack all have one size."""
        style = self.style
        text_color = np.asarray(style.text_color)
        if lane.kind == "heatmap":
            return [(self.heatmaps[lane.source].name, font, text_color)]
        if lane.kind == "raster":
            spikes = self.spikes[lane.source]
            name = _file_stem(spikes.source) or "spikes"
            return [(name, font, text_color), (f"{spikes.n_units} units", small, text_color)]
        channels = [self.channels[i] for i in lane.channels]
        values = [self._value_text(channel, frame) for channel in channels]
        if len(channels) > 1:  # the one-axis layout: a legend, one line per channel
            size = max(MIN_TEXT, min(font, height / len(channels) / 1.2))
            return [(f"{c.name} {value}".rstrip(), size, c.color) for c, value in zip(channels, values)]
        channel, value = channels[0], values[0]
        name_size = min(font, (min(height, line_height) - 3) / 1.9)  # two lines: name, value in 0.8 of its size
        if name_size >= MIN_TEXT + 1:
            return [(channel.name, name_size, channel.color)] + (
                [(value, name_size * 0.8, text_color)] if value else []
            )
        return [(f"{channel.name} {value}".rstrip(), max(MIN_TEXT, min(font, height * 0.85)), channel.color)]

    def _value_text(self, channel: _Channel, frame: int | None) -> str:
        """The current value with its unit; `frame` None gives the widest such text."""
        if not self.style.show_values:
            return channel.unit
        if frame is None:
            value = VALUE_RESERVE
        else:
            trace = self.traces[channel.trace]
            value = _format_value(trace.alignment.values(trace.signal.values[:, channel.column], frame))
        return f"{value} {channel.unit}".rstrip()

    def _gutter_width(self, lane: _Lane, height: float, line_height: float, font: float, small: float) -> float:
        lines = self._gutter_lines(lane, height, line_height, font, small, None)
        widths = [text_width(text, size) for text, size, _ in lines]
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
        if labels is None or height < 2.5 * small * SCALE_TEXT:
            return 0.0
        return max(text_width(label, small * SCALE_TEXT) for label in labels) + TICK + 3

    def lane_boxes(self, box: np.ndarray) -> np.ndarray:
        """(x0, y0, x1, y1) of each channel's trace area inside the panel `box` (one box for all in "overlay")."""
        return self.lane_boxes_of(self.placement(box))

    def y_of(self, channel: _Channel, values: np.ndarray, lane: np.ndarray, frame) -> np.ndarray:
        """Where `values` of `channel` at `frame` (an int, or an array of frames with the values) sit in its
        `lane`: its y-limits span the lane, clipped to it."""
        low, high = channel.limits(frame)
        top, bottom = lane[1] + PADDING, lane[3] - PADDING
        fraction = (np.asarray(values, dtype=float) - low) / (high - low)
        return np.clip(bottom - fraction * (bottom - top), lane[1], lane[3])

    def cursor_x(self, boxes: np.ndarray) -> float | np.ndarray:
        """The x of the current time in a box (x0, y0, x1, y1), or in each row of (n, 4) boxes such as lanes."""
        boxes = np.asarray(boxes)
        return boxes[..., 0] + self.left / (self.left + self.right) * (boxes[..., 2] - boxes[..., 0])

    def x_of_time(self, times, time: float, box: np.ndarray) -> np.ndarray:
        """The canvas x of `times` in a traces' `box` when the current time is `time` (inverse: `time_of_x`)."""
        return box[0] + (np.asarray(times) - time + self.left) / (self.left + self.right) * (box[2] - box[0])

    # --- one frame --------------------------------------------------------------------------------------

    def geometry(self, frame: int, box: np.ndarray, inset: bool = False) -> Geometry:
        """What the panel shows at `frame`, inside `box` (x0, y0, x1, y1)."""
        style, place = self.style, self.placement(box)
        time = float(self.frame_times[frame])
        geometry, texts, fade = Geometry(), _TextBatch(), _Fader(style, inset)
        background = rgba([style.panel_color], style.inset_alpha if inset else style.panel_color[3])
        geometry.add(Rectangles(np.asarray(box, dtype=float)[None], background))
        if self.intervals is not None:
            geometry.add(self._bands(time, place, fade))
            self._legend(time, place, geometry, texts, fade)
        ticks = [self.time_ticks(time, column[2] - column[0]) for column in place.columns]
        geometry.add(self._grid_lines(ticks, place, fade))
        for index, (lane, box_of_lane) in enumerate(zip(self.lanes, place.lanes)):
            if lane.kind == "heatmap":
                geometry.add(self._heatmap_image(lane.source, box_of_lane, frame, time))
                self._colorbar(lane.source, place.gutters[index], frame, place, geometry, texts)
        geometry.add(self._traces(frame, place))
        geometry.add(self._rasters(time, place))
        if self.events is not None:
            self._events(time, place, geometry, texts, fade)
        geometry.add(self._axes(ticks, place, texts, frame, fade))
        self._gutters(frame, place, texts)
        if place.overview is not None:
            self._overview(time, place, geometry, texts, fade)
        for item in texts.items():
            geometry.add(item)
        geometry.add(self._value_dots(frame, place))
        xs = self.cursor_x(place.columns)  # one cursor per column of lanes: the grid layout has several
        geometry.add(
            Segments(
                np.column_stack([xs, place.columns[:, 1]]),
                np.column_stack([xs, place.columns[:, 3]]),
                rgba([style.cursor_color] * len(xs)),
                1.0,
            )
        )
        return geometry

    def time_ticks(self, time: float, width: float) -> tuple[np.ndarray, list[str]]:
        """Round tick times (seconds from `time`) and their labels for a window `width` pixels wide.

        The step is the smallest of 1, 2, 5 x 10^k s (then whole minutes) that gives at most `MAX_TICKS`
        ticks whose labels do not crowd; labels
        count from the current time ("-2", "0", "2 s") or, with `time_axis="absolute"`, on the video's clock.
        """
        small = max(MIN_TEXT, round(self.style.font_size * 0.8))
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

    def _traces(self, frame: int, place: PanelPlacement) -> Polylines:
        paths, colors = [], []
        lanes = self.lane_boxes_of(place)
        for channel, lane in zip(self.channels, lanes):
            trace = self.traces[channel.trace]
            window = trace.alignment.window(frame, self.left, self.right)
            xs = lane[0] + (window.offsets + self.left) / (self.left + self.right) * (lane[2] - lane[0])
            ys = self.y_of(channel, trace.signal.values[window.samples, channel.column], lane, frame)
            for piece in _finite_pieces(xs, ys):
                paths.append(min_max_decimate(piece, int(lane[2] - lane[0])))
                colors.append(channel.color)
        return Polylines(paths, rgba(colors) if paths else np.zeros((0, 4)), self.style.line_width)

    def lane_boxes_of(self, place: PanelPlacement) -> np.ndarray:
        """Each channel's trace area in a placement (see `lane_boxes`)."""
        lane_of = {channel: index for index, lane in enumerate(self.lanes) for channel in lane.channels}
        return np.array([place.lanes[lane_of[i]] for i in range(len(self.channels))]).reshape(-1, 4)

    def _value_dots(self, frame: int, place: PanelPlacement) -> Points:
        """A dot where each trace crosses the cursor."""
        positions, colors = [], []
        for channel, lane in zip(self.channels, self.lane_boxes_of(place)):
            trace = self.traces[channel.trace]
            value = trace.alignment.values(trace.signal.values[:, channel.column], frame)
            if np.isfinite(value):
                positions.append((self.cursor_x(lane), float(self.y_of(channel, value, lane, frame))))
                colors.append(channel.color)
        return Points(
            np.array(positions).reshape(-1, 2), rgba(colors).reshape(-1, 4), max(4.0, 3 * self.style.line_width)
        )

    def _heatmap_image(self, trace_index: int, lane: np.ndarray, frame: int, time: float) -> Image:
        """Channels x time as colors: one cell per channel and pixel column, the mean of the samples in the
        column, or the nearest sample where samples are sparser than pixels; transparent outside the data."""
        trace, heatmap = self.traces[trace_index], self.heatmaps[trace_index]
        sample_times = trace.alignment.sample_times
        n_columns = int(lane[2] - lane[0])
        edges = time - self.left + np.arange(n_columns + 1) / max(n_columns, 1) * (self.left + self.right)
        centers = (edges[:-1] + edges[1:]) / 2
        bins = np.searchsorted(sample_times, edges)
        counts = heatmap.counts[bins[1:]] - heatmap.counts[bins[:-1]]
        means = (heatmap.sums[bins[1:]] - heatmap.sums[bins[:-1]]) / np.maximum(counts, 1)
        after = (
            np.clip(np.searchsorted(sample_times, centers), 1, len(sample_times) - 1)
            if len(sample_times) > 1
            else np.zeros(n_columns, int)
        )
        before = np.maximum(after - 1, 0)
        nearest = np.where(
            np.abs(sample_times[before] - centers) <= np.abs(sample_times[after] - centers), before, after
        )
        values = np.where(np.diff(bins)[:, None] >= 2, means, trace.signal.values[nearest])
        half_step = 0.5 / nominal_rate(sample_times) if len(sample_times) > 1 else 0.5
        inside = (centers >= sample_times[0] - half_step) & (centers <= sample_times[-1] + half_step)
        low, high = heatmap.low, heatmap.high
        if np.ndim(low):
            low, high = low[frame], high[frame]
        pixels = self.colormap[_lut_index(values, low, high)]
        pixels[~(np.isfinite(values) & inside[:, None]), 3] = 0
        return Image(np.array([lane[0], lane[1] + 1, lane[0] + n_columns, lane[3] - 1]), pixels.transpose(1, 0, 2))

    def time_of_x(self, xs, time: float, box: np.ndarray) -> np.ndarray:
        """The times at canvas `xs` in `box` when the current time is `time` (the inverse of `x_of_time`)."""
        return time - self.left + (np.asarray(xs, dtype=float) - box[0]) / (box[2] - box[0]) * (self.left + self.right)

    def _colorbar(
        self,
        trace_index: int,
        gutter: np.ndarray,
        frame: int,
        place: PanelPlacement,
        geometry: Geometry,
        texts: _TextBatch,
    ) -> None:
        """The colormap under the heatmap's name, with its limits below it, when the lane is tall enough."""
        heatmap, small = self.heatmaps[trace_index], place.small * 0.9
        bar_top = gutter[1] + place.font + 5
        if gutter[3] - bar_top < small * 0.6 + small + 4:
            return
        bar = np.array([gutter[0] + PADDING, bar_top, gutter[2] - PADDING, bar_top + round(small * 0.6)])
        geometry.add(Image(bar, self.colormap[None]))
        low, high = heatmap.low, heatmap.high
        if np.ndim(low):
            low, high = low[frame], high[frame]
        color, baseline = self.style.text_color, bar[3] + small + 1
        texts.add(bar[0], baseline, _format_tick(low), color, small)
        texts.add(bar[2], baseline, f"{_format_tick(high)} {heatmap.unit}".rstrip(), color, small, "right")

    def _rasters(self, time: float, place: PanelPlacement) -> Segments:
        """A tick per spike in the window, a row per unit."""
        starts, ends = [], []
        for lane, box in zip(self.lanes, place.lanes):
            if lane.kind != "raster":
                continue
            spikes = self.spikes[lane.source]
            first = np.searchsorted(spikes.times, time - self.left, side="left")
            stop = np.searchsorted(spikes.times, time + self.right, side="right")
            xs = self.x_of_time(spikes.times[first:stop], time, box)
            row = (box[3] - box[1] - 2) / max(spikes.n_units, 1)
            tops = box[1] + 1 + spikes.units[first:stop] * row + row * 0.15
            starts.append(np.column_stack([xs, tops]))
            ends.append(np.column_stack([xs, tops + max(row * 0.7, 1.0)]))
        if not starts:
            return Segments(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 4)))
        starts, ends = np.concatenate(starts), np.concatenate(ends)
        return Segments(starts, ends, rgba([self.style.text_color] * len(starts)).reshape(-1, 4), 1.0)

    def _bands(self, time: float, place: PanelPlacement, fade: _Fader) -> Rectangles:
        """The intervals in the window as bands under the traces of each column."""
        intervals = self.intervals
        visible = np.flatnonzero((intervals.ends > time - self.left) & (intervals.starts < time + self.right))
        alpha = min(self.style.interval_alpha, MAX_BAND_ALPHA)
        boxes, colors = [], []
        for column in place.columns:
            x0 = np.clip(self.x_of_time(intervals.starts[visible], time, column), column[0], column[2])
            x1 = np.clip(self.x_of_time(intervals.ends[visible], time, column), column[0], column[2])
            boxes.append(np.column_stack([x0, np.full(len(visible), column[1]), x1, np.full(len(visible), column[3])]))
            colors += [self.label_colors[intervals.labels[i]] for i in visible]
        return Rectangles(np.concatenate(boxes), fade(colors, alpha))

    def _legend(self, time: float, place: PanelPlacement, geometry: Geometry, texts: _TextBatch, fade: _Fader) -> None:
        """The current interval's label above the gutter, and a swatch and name per label while they fit."""
        row, small = place.legend, place.small
        baseline = row[1] + (row[3] - row[1] + small) / 2 - 1
        current = self.intervals.label_at(time)
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
            texts.add(x + small * 0.8 + 4, baseline, label, color if label == current else dim, small)
            x += width + small
        geometry.add(Rectangles(np.array(swatches).reshape(-1, 4), rgba(colors).reshape(-1, 4)))

    def _events(self, time: float, place: PanelPlacement, geometry: Geometry, texts: _TextBatch, fade: _Fader) -> None:
        """A line per event across the lanes of each column, its kind in the rows above them: each label goes
        in the first row where it does not overlap the one before, and is left out when it fits in none."""
        events, small = self.events, place.small
        visible = np.flatnonzero((events.times >= time - self.left) & (events.times <= time + self.right))
        kinds = [events.kinds[i] for i in visible]
        colors = fade([self.kind_colors[kind] for kind in kinds], 0.9)
        row_height = (place.event_strip[3] - place.event_strip[1] - 2) / EVENT_ROWS
        starts, ends, line_colors = [], [], []
        for column in place.columns:
            xs = self.x_of_time(events.times[visible], time, column)
            starts.append(np.column_stack([xs, np.full(len(xs), column[1])]))
            ends.append(np.column_stack([xs, np.full(len(xs), column[3])]))
            line_colors.append(colors)
            free_from = np.full(EVENT_ROWS, -np.inf)
            for x, kind, color in zip(xs, kinds, colors):
                width = text_width(kind, small)
                row = next((r for r in range(EVENT_ROWS) if x - 1 >= free_from[r]), None)
                if row is None or x + 2 + width > column[2]:
                    continue
                free_from[row] = x + 2 + width + 2
                texts.add(x + 2, place.event_strip[1] + (row + 1) * row_height - 2, kind, color, small)
        geometry.add(Segments(np.concatenate(starts), np.concatenate(ends), np.concatenate(line_colors), 1.0))

    def _grid_lines(self, ticks, place: PanelPlacement, fade: _Fader) -> Segments:
        """Faint vertical lines at the time ticks (not at the cursor, which is drawn there)."""
        xs, tops, bottoms = [], [], []
        for (offsets, _), column in zip(ticks, place.columns):
            at = self.x_of_time(offsets[np.abs(offsets) > 1e-9], 0.0, column)
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

    def _axes(self, ticks, place: PanelPlacement, texts: _TextBatch, frame: int, fade: _Fader) -> Segments:
        """The time axis under each column (baseline, ticks, labels) and each lane's y scale (ticks at its
        limits, labelled, or its first and last row's names)."""
        small, color = place.small, self.style.text_color
        starts, ends = [], []
        for (offsets, labels), column in zip(ticks, place.columns):
            xs = self.x_of_time(offsets, 0.0, column)
            starts += [(column[0], column[3])] + [(x, column[3]) for x in xs]
            ends += [(column[2], column[3])] + [(x, column[3] + TICK) for x in xs]
            for x, label in zip(xs, labels):
                half = text_width(label, small) / 2
                x = float(np.clip(x, column[0] - place.scale_width + half, column[2] + PADDING - half))
                texts.add(x, column[3] + TICK + small + 1, label, color, small, "center")
        scale_size = small * SCALE_TEXT
        for lane, box in zip(self.lanes, place.lanes):
            labels = self._scale_labels(lane, frame)
            if labels is None or place.scale_width == 0 or box[3] - box[1] < 2.5 * scale_size:
                continue
            inner = (box[1] + PADDING, box[3] - PADDING) if lane.kind == "lines" else (box[1] + 1, box[3] - 1)
            starts += [(box[0], box[1]), (box[0] - TICK, inner[0]), (box[0] - TICK, inner[1])]
            ends += [(box[0], box[3]), (box[0], inner[0]), (box[0], inner[1])]
            label_x = box[0] - TICK - 2
            top_label, bottom_label = (_fit(label, place.scale_width - TICK - 3, scale_size) for label in labels)
            texts.add(label_x, box[1] + scale_size, top_label, color, scale_size, "right")
            texts.add(label_x, box[3] - 2, bottom_label, color, scale_size, "right")
        starts, ends = np.array(starts, dtype=float).reshape(-1, 2), np.array(ends, dtype=float).reshape(-1, 2)
        return Segments(starts, ends, fade([color] * len(starts), 0.6), 1.0)

    def _gutters(self, frame: int, place: PanelPlacement, texts: _TextBatch) -> None:
        """Names and current values beside the lanes; with lanes too thin for text, every few lanes' name."""
        heights = place.lanes[:, 3] - place.lanes[:, 1]
        every = max(1, math.ceil(MIN_TEXT * 1.1 / max(heights.min(), 1))) if len(heights) else 1
        for index, (lane, gutter, height) in enumerate(zip(self.lanes, place.gutters, heights)):
            lines = self._gutter_lines(lane, height, place.line_height, place.font, place.small, frame)
            width = gutter[2] - gutter[0] - 2 * PADDING
            if every > 1:  # dense: names only, of every few lanes, each reaching over the lanes below it
                if index % every == 0:
                    name = self.channels[lane.channels[0]].name if lane.kind == "lines" else lines[0][0]
                    texts.add(
                        gutter[0] + PADDING, gutter[1] + MIN_TEXT, _fit(name, width, MIN_TEXT), lines[0][2], MIN_TEXT
                    )
                continue
            y = gutter[1] + 1
            for text, size, color in lines:
                if y + size > gutter[3] + 1:
                    break
                y += size
                texts.add(gutter[0] + PADDING, y, _fit(text, width, size), color, size)
                y += 2

    def _overview(
        self, time: float, place: PanelPlacement, geometry: Geometry, texts: _TextBatch, fade: _Fader
    ) -> None:
        """The whole recording in one strip: intervals, events, and the window shown now."""
        strip = place.overview.copy()
        strip[0], strip[2] = place.columns[0, 0], place.columns[-1, 2]
        start, end = self.frame_times[0], self.frame_times[-1]
        whole = max(end - start, 1e-9)

        def x_of(times):
            return strip[0] + (np.asarray(times, dtype=float) - start) / whole * (strip[2] - strip[0])

        boxes, colors = [strip], [fade([self.style.text_color], 0.12)[0]]
        if self.intervals is not None:
            intervals = self.intervals
            boxes += [
                [a, strip[1], max(b, a + 1), strip[3]]
                for a, b in zip(x_of(np.clip(intervals.starts, start, end)), x_of(np.clip(intervals.ends, start, end)))
            ]
            colors += list(fade([self.label_colors[label] for label in intervals.labels], 0.8))
        window = x_of(np.clip([time - self.left, time + self.right], start, end))
        boxes.append([window[0], strip[1] - 1, max(window[1], window[0] + 2), strip[3] + 1])
        colors.append(fade([self.style.cursor_color], 0.35)[0])
        geometry.add(Rectangles(np.array(boxes, dtype=float), np.array(colors)))
        marks = [] if self.events is None else list(zip(x_of(self.events.times), self.events.kinds))
        marks = [(x, self.kind_colors[kind]) for x, kind in marks if strip[0] <= x <= strip[2]]
        xs = np.array([x for x, _ in marks] + [float(x_of(time))])
        mark_colors = [color for _, color in marks] + [self.style.cursor_color]
        geometry.add(
            Segments(
                np.column_stack([xs, np.full(len(xs), strip[1])]),
                np.column_stack([xs, np.full(len(xs), strip[3])]),
                rgba(mark_colors),
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


def min_max_decimate(path: np.ndarray, columns: int) -> np.ndarray:
    """Thin an (n, 2) path to at most two points (min and max y, in order) per pixel column; peaks survive."""
    if columns <= 0 or len(path) <= 2 * columns:
        return path
    x, y = path[:, 0], path[:, 1]
    bins = np.floor((x - x[0]) / max(x[-1] - x[0], 1e-12) * (columns - 1)).astype(int)
    by_bin_then_y = np.lexsort((y, bins))  # within each column: lowest y first, highest last
    sorted_bins = bins[by_bin_then_y]
    first = np.r_[True, sorted_bins[1:] != sorted_bins[:-1]]
    last = np.r_[sorted_bins[1:] != sorted_bins[:-1], True]
    picks = np.sort(np.column_stack([by_bin_then_y[first], by_bin_then_y[last]]), axis=1).ravel()
    keep = np.r_[True, picks[1:] != picks[:-1]]
    return path[picks[keep]]


def _finite_pieces(xs: np.ndarray, ys: np.ndarray) -> list[np.ndarray]:
    """The runs of finite samples as (n, 2) paths: NaN samples break the line instead of bridging the gap."""
    finite = np.isfinite(ys)
    if finite.all():
        return [np.column_stack([xs, ys])] if len(xs) > 1 else []
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(int), 0]))
    return [np.column_stack([xs[a:b], ys[a:b]]) for a, b in zip(edges[::2], edges[1::2]) if b - a > 1]


def _finite_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    return (low - 1, high + 1) if low == high else (low, high)
