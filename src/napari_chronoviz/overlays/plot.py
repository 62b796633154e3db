"""The sliding-window plot panel: traces around the current frame, a cursor, names, values, events, intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.labels import Events, Intervals
from ..io.timeseries import Signal
from ..timeline import Alignment
from .primitives import Geometry, Polylines, Rectangles, Segments, Texts, rgba
from .style import Style, palette

PADDING = 4.0  # pixels between a lane's edge and its trace


@dataclass(frozen=True, eq=False)
class Trace:
    """A signal placed on the video's timeline."""

    signal: Signal
    alignment: Alignment


@dataclass(frozen=True, eq=False)
class _Channel:
    trace: int
    column: int
    name: str
    color: np.ndarray
    low: float
    high: float


class PlotPanel:
    """Draws `traces` in a window from `left` seconds before to `right` seconds after each frame.

    `frame_times` are the video's (seconds); events and intervals are on the same clock.
    """

    def __init__(self, frame_times: np.ndarray, traces: list[Trace], *, left: float, right: float, style: Style,
                 events: Events | None = None, intervals: Intervals | None = None):
        if left < 0 or right < 0 or left + right <= 0:
            from ..errors import ChronovizError

            raise ChronovizError(f"The plot window needs left, right >= 0 seconds and a positive span; got {left}, {right}.")
        self.frame_times = frame_times
        self.traces, self.left, self.right, self.style = traces, float(left), float(right), style
        self.events, self.intervals = events, intervals
        self.channels = self._channels()
        labels = sorted(set(intervals.labels)) if intervals is not None else []
        self.label_colors = dict(zip(labels, palette(len(labels))[::-1]))
        kinds = sorted(set(events.kinds)) if events is not None else []
        self.kind_colors = dict(zip(kinds, palette(len(kinds) + 3)[3:]))
        for colors in (self.label_colors, self.kind_colors):  # the style's (an ethogram's) colours win
            colors.update({label: np.asarray(color, float) for label, color in (style.label_colors or {}).items()
                           if label in colors})

    def _channels(self) -> list[_Channel]:
        count = sum(trace.signal.n_channels for trace in self.traces)
        colors = palette(count)
        ylim = self.style.ylim
        all_values = [trace.signal.values for trace in self.traces]
        global_range = _finite_range(np.concatenate([v.ravel() for v in all_values])) if all_values else (0.0, 1.0)
        channels = []
        for index, trace in enumerate(self.traces):
            for column, name in enumerate(trace.signal.names):
                if isinstance(ylim, str):
                    low, high = global_range if ylim == "global" else _finite_range(trace.signal.values[:, column])
                else:
                    low, high = map(float, ylim)
                channels.append(_Channel(index, column, name, colors[len(channels)], low, high))
        return channels

    def lane_boxes(self, box: np.ndarray) -> np.ndarray:
        """(x0, y0, x1, y1) of each channel's lane inside the panel `box`, per `style.plot_layout`."""
        count = max(len(self.channels), 1)
        x0, y0, x1, y1 = box
        if self.style.plot_layout == "overlay":
            return np.tile(box, (count, 1))
        columns = min(self.style.grid_columns, count) if self.style.plot_layout == "grid" else 1
        rows = int(np.ceil(count / columns))
        width, height = (x1 - x0) / columns, (y1 - y0) / rows
        index = np.arange(count)
        column, row = index // rows, index % rows
        return np.column_stack([x0 + column * width, y0 + row * height, x0 + (column + 1) * width, y0 + (row + 1) * height])

    @staticmethod
    def y_of(channel: _Channel, values: np.ndarray, lane: np.ndarray) -> np.ndarray:
        """Where `values` of `channel` sit in its `lane`: its y-limits span the lane, clipped to it."""
        top, bottom = lane[1] + PADDING, lane[3] - PADDING
        fraction = (np.asarray(values, dtype=float) - channel.low) / (channel.high - channel.low)
        return np.clip(bottom - fraction * (bottom - top), lane[1], lane[3])

    def cursor_x(self, boxes: np.ndarray) -> float | np.ndarray:
        """The x of the current time in a box (x0, y0, x1, y1), or in each row of (n, 4) boxes such as lanes."""
        boxes = np.asarray(boxes)
        return boxes[..., 0] + self.left / (self.left + self.right) * (boxes[..., 2] - boxes[..., 0])

    def geometry(self, frame: int, box: np.ndarray, inset: bool = False) -> Geometry:
        """What the panel shows at `frame`, inside `box` (x0, y0, x1, y1)."""
        style = self.style
        geometry = Geometry()
        background = rgba([style.panel_color], style.inset_alpha if inset else style.panel_color[3])
        geometry.add(Rectangles(box[None], background))
        lanes = self.lane_boxes(box)
        time = float(self.frame_times[frame])
        if self.intervals is not None:
            geometry.extend(self._intervals(time, box))
        paths, path_colors, names, name_positions, name_colors = [], [], [], [], []
        for channel, lane in zip(self.channels, lanes):
            trace = self.traces[channel.trace]
            window = trace.alignment.window(frame, self.left, self.right)
            xs = lane[0] + (window.offsets + self.left) / (self.left + self.right) * (lane[2] - lane[0])
            values = trace.signal.values[window.samples, channel.column]
            ys = self.y_of(channel, values, lane)
            for piece in _finite_pieces(xs, ys):
                paths.append(min_max_decimate(piece, int(lane[2] - lane[0])))
                path_colors.append(channel.color)
            names.append(self._name(channel, trace, frame))
            name_colors.append(channel.color if style.plot_layout == "overlay" else style.text_color)
        geometry.add(Polylines(paths, rgba(path_colors) if paths else np.zeros((0, 4)), style.line_width))
        if style.plot_layout == "overlay":
            name_positions = [(box[2] - PADDING, box[1] + (i + 1) * (style.font_size + 2)) for i in range(len(names))]
            geometry.add(Texts(np.array(name_positions).reshape(-1, 2), names, rgba(name_colors).reshape(-1, 4),
                               style.font_size, anchor="right"))
        elif self._lane_height(lanes) >= style.font_size * 0.75:
            name_positions = lanes[:, :2] + [PADDING, min(style.font_size, self._lane_height(lanes)) + 1]
            geometry.add(Texts(name_positions, names, rgba(name_colors).reshape(-1, 4),
                               min(style.font_size, self._lane_height(lanes)), anchor="left"))
        if self.events is not None:
            geometry.extend(self._events(time, box))
        xs = np.unique(self.cursor_x(lanes))  # one cursor per column of lanes: the grid layout has several
        tops, bottoms = np.full(len(xs), box[1]), np.full(len(xs), box[3])
        geometry.add(Segments(np.column_stack([xs, tops]), np.column_stack([xs, bottoms]),
                              rgba([style.cursor_color] * len(xs)), 1.0))
        return geometry

    def _name(self, channel: _Channel, trace: Trace, frame: int) -> str:
        if not self.style.show_values:
            return channel.name
        value = trace.alignment.values(trace.signal.values[:, channel.column], frame)
        return f"{channel.name} {value:.4g}" if np.isfinite(value) else f"{channel.name} -"

    @staticmethod
    def _lane_height(lanes: np.ndarray) -> float:
        return float(lanes[0, 3] - lanes[0, 1]) if len(lanes) else 0.0

    def _x_of_time(self, times: np.ndarray, time: float, box: np.ndarray) -> np.ndarray:
        return box[0] + (np.asarray(times) - time + self.left) / (self.left + self.right) * (box[2] - box[0])

    def time_of_x(self, xs, time: float, box: np.ndarray) -> np.ndarray:
        """The times at canvas `xs` in `box` when the current time is `time` (the inverse of `_x_of_time`)."""
        return time - self.left + (np.asarray(xs, dtype=float) - box[0]) / (box[2] - box[0]) * (self.left + self.right)

    def _intervals(self, time: float, box: np.ndarray) -> Geometry:
        intervals, style = self.intervals, self.style
        geometry = Geometry()
        visible = np.flatnonzero((intervals.ends > time - self.left) & (intervals.starts < time + self.right))
        x0 = np.clip(self._x_of_time(intervals.starts[visible], time, box), box[0], box[2])
        x1 = np.clip(self._x_of_time(intervals.ends[visible], time, box), box[0], box[2])
        labels = [intervals.labels[i] for i in visible]
        colors = rgba([self.label_colors[label] for label in labels], style.interval_alpha).reshape(-1, 4)
        boxes = np.column_stack([x0, np.full(len(visible), box[1]), x1, np.full(len(visible), box[3])])
        geometry.add(Rectangles(boxes, colors))
        wide = (x1 - x0) > style.font_size * 2
        geometry.add(Texts(np.column_stack([x0[wide] + PADDING, np.full(wide.sum(), box[3] - PADDING)]),
                           [label for label, keep in zip(labels, wide) if keep],
                           rgba(colors[wide], 0.9).reshape(-1, 4), style.font_size * 0.85))
        current = intervals.label_at(time)
        if current is not None:
            geometry.add(Texts(np.array([[box[2] - PADDING, box[3] - PADDING]]), [current],
                               rgba([self.label_colors[current]]), style.font_size * 1.2, anchor="right"))
        return geometry

    def _events(self, time: float, box: np.ndarray) -> Geometry:
        events = self.events
        geometry = Geometry()
        visible = np.flatnonzero((events.times >= time - self.left) & (events.times <= time + self.right))
        xs = self._x_of_time(events.times[visible], time, box)
        kinds = [events.kinds[i] for i in visible]
        colors = rgba([self.kind_colors[kind] for kind in kinds]).reshape(-1, 4)
        geometry.add(Segments(np.column_stack([xs, np.full(len(xs), box[1])]),
                              np.column_stack([xs, np.full(len(xs), box[3])]), colors, 1.5))
        labelled = _spaced(xs, [len(kind) * self.style.font_size * 0.6 for kind in kinds])
        geometry.add(Texts(np.column_stack([xs[labelled] + 2, np.full(len(labelled), box[1] + self.style.font_size * 2.2)]),
                           [kinds[i] for i in labelled], colors[labelled], self.style.font_size * 0.85))
        return geometry


def _spaced(xs: np.ndarray, widths: list[float]) -> np.ndarray:
    """Indices of the labels to write at `xs` (sorted) so that none overlaps the one before."""
    keep, free_from = [], -np.inf
    for index, (x, width) in enumerate(zip(xs, widths)):
        if x >= free_from:
            keep.append(index)
            free_from = x + width
    return np.array(keep, dtype=int)


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
