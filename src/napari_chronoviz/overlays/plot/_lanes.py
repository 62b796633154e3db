"""The plot panel's lanes: what each holds (channels of traces, a heatmap's signal, a raster's spikes) and its
y-limits, and their content on the strip: traces thinned per pixel column, heatmap cells, spike ticks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..._times import nominal_rate
from ...errors import ChronovizError, advice
from ...io.timeseries import Signal
from ...timeline import Alignment
from ..primitives import Image, Polylines, Segments, rgba
from ..style import palette
from ._constants import PADDING, ROWS_PER_SWING, SMOOTHING
from ._text import file_stem, split_unit
from ._utils import finite_range, lut_index, moving_extreme, moving_mean

if TYPE_CHECKING:
    from ._placement import PanelPlacement
    from .panel import PlotPanel


@dataclass(frozen=True, eq=False)
class Trace:
    """A signal placed on the video's timeline."""

    signal: Signal
    alignment: Alignment


@dataclass(frozen=True, eq=False)
class Channel:
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
class Lane:
    kind: str  # "lines", "heatmap", "dense" or "raster"
    channels: tuple[int, ...] = ()  # lines: indices into `PlotPanel.channels`
    source: int = -1  # heatmap, dense: the trace; raster: the spike source

    @property
    def has_rows(self) -> bool:
        """Whether the lane shows a row per channel (heatmap, dense), named on its y axis."""
        return self.kind in ("heatmap", "dense")


@dataclass(frozen=True, eq=False)
class Heatmap:
    name: str
    unit: str
    low: float | np.ndarray
    high: float | np.ndarray


def listed_name(source: str) -> str:
    """The name a style's list of signals (`heatmaps`, `dense`) gives a signal read from `source`: its file's name,
    a raw recording's without the stream its source adds ("x.imec0.ap.meta (imec0.ap)"), an NWB series' own name
    (its source "x.nwb:acquisition/ephys")."""
    name = Path(source).name
    return name.rsplit(" (", 1)[0] if name.endswith(")") else name


def chosen_traces(panel: PlotPanel, option: str) -> list[int]:
    """The traces a style option that lists signals (`heatmaps`, `dense`) names, by position or file name."""
    names = [Path(trace.signal.source).name for trace in panel.traces]
    accepted = [
        {name, listed_name(trace.signal.source), Path(listed_name(trace.signal.source)).stem}
        for name, trace in zip(names, panel.traces)
    ]
    chosen = []
    for given in getattr(panel.style, option):
        if isinstance(given, (int, np.integer)) and 0 <= given < len(panel.traces):
            chosen.append(int(given))
        elif any(given in names_of_trace for names_of_trace in accepted):
            chosen.append(next(i for i, names_of_trace in enumerate(accepted) if given in names_of_trace))
        else:
            raise ChronovizError(
                f"{advice(option)}: {given!r} names no signal; give signals "
                f"by position (0..{len(panel.traces) - 1}) or file name ({names})."
            )
    return sorted(set(chosen))


def channels_of(panel: PlotPanel, own_lanes: set[int]) -> list[Channel]:
    """The channels drawn as lines: those of every trace but the ones with a lane of their own (`own_lanes`)."""
    lines = [(index, trace) for index, trace in enumerate(panel.traces) if index not in own_lanes]
    colors = palette(sum(trace.signal.n_channels for _, trace in lines))
    ylim = panel.style.ylim
    ranges = {index: panel.slicers[index].channel_ranges(slice(None)) for index, _ in lines}
    global_range = finite_range(np.concatenate([np.r_[low, high] for low, high in ranges.values()] or [[]]))
    channels = []
    for index, trace in lines:
        for column, full_name in enumerate(trace.signal.names):
            if ylim == "window":
                low, high = window_limits(panel, index, [column])
            elif isinstance(ylim, str):
                own = np.r_[ranges[index][0][column], ranges[index][1][column]]
                low, high = global_range if ylim == "global" else finite_range(own)
            else:
                low, high = map(float, ylim)
            name, unit = split_unit(full_name)
            channels.append(Channel(index, column, name, unit, colors[len(channels)], low, high))
    return channels


def heatmap_of(panel: PlotPanel, index: int) -> Heatmap:
    trace, ylim = panel.traces[index], panel.style.ylim
    if ylim == "window":
        low, high = window_limits(panel, index, slice(None))
    elif isinstance(ylim, str):
        low, high = finite_range(np.concatenate(panel.slicers[index].channel_ranges(slice(None))))
    else:
        low, high = map(float, ylim)
    name, unit = split_unit(file_stem(trace.signal.source) or "heatmap")
    return Heatmap(name, unit, low, high)


@dataclass(frozen=True, eq=False)
class Dense:
    """A dense lane's signal: channel k's baseline sits on row k's centre, and `spread` (in `unit`) spans a row."""

    name: str
    unit: str
    baselines: np.ndarray  # per channel, in its unit: the value drawn on its row's centre
    spread: float


def dense_of(panel: PlotPanel, index: int) -> Dense:
    """Trace `index` as a dense lane: each channel's baseline, and one scale for all: the style's `dense_scale`,
    else `ROWS_PER_SWING` times the channels' typical peak-to-peak over a pyramid bin
    (`SignalSlicer.baselines_and_swing`), so a channel's usual trace keeps within half its row."""
    signal = panel.traces[index].signal
    baselines, swing = panel.slicers[index].baselines_and_swing()
    typical = ROWS_PER_SWING * swing
    units = {split_unit(name)[1] for name in signal.names}
    name = split_unit(file_stem(signal.source) or "channels")[0]
    return Dense(name, units.pop() if len(units) == 1 else "", baselines, float(panel.style.dense_scale or typical))


def lanes_of(panel: PlotPanel, kinds: dict[int, str]) -> list[Lane]:
    """The lanes in the signals' order (a lane of its own per trace in `kinds`: "heatmap" or "dense"), then a
    raster per spike source."""
    lanes: list[Lane] = []
    for index in range(len(panel.traces)):
        if index in kinds:
            lanes.append(Lane(kinds[index], source=index))
            continue
        mine = tuple(i for i, channel in enumerate(panel.channels) if channel.trace == index)
        if panel.style.plot_layout != "overlay":
            lanes.extend(Lane("lines", (i,)) for i in mine)
        elif not any(lane.kind == "lines" for lane in lanes):  # one axis for every channel, at the first's place
            lanes.append(Lane("lines", tuple(range(len(panel.channels)))))
    return lanes + [Lane("raster", source=index) for index in range(len(panel.spikes))]


def window_limits(panel: PlotPanel, index: int, columns):
    """Per-frame y-limits holding every sample of `columns` of trace `index` in each frame's window, eased
    over neighbouring frames.

    The least and greatest sample of each window are widened by a moving extreme and then a moving mean
    over `SMOOTHING` of the window's span: the mean of extremes that each cover the frame still holds
    the frame's samples, and the limits glide instead of jumping when a peak enters or leaves the window.
    """
    slicer = panel.slicers[index]
    starts, stops = panel.traces[index].alignment.window_bounds(panel.frame_times, panel.left, panel.right)
    fallback = finite_range(np.concatenate(slicer.channel_ranges(columns)))
    lows, highs = slicer.range_bounds(starts, stops, columns)
    reach = 0
    if len(panel.frame_times) > 1:
        reach = max(1, int(round(SMOOTHING * (panel.left + panel.right) * nominal_rate(panel.frame_times))))
    limits = []
    for per_frame, extreme, default in ((lows, np.min, fallback[0]), (highs, np.max, fallback[1])):
        per_frame[~np.isfinite(per_frame)] = default
        eased = moving_mean(moving_extreme(per_frame, reach, extreme), reach)
        limits.append(extreme([eased, per_frame], axis=0))  # no rounding of the mean may cut a sample off
    low, high = limits
    flat = high - low <= 0
    return np.where(flat, low - 1, low), np.where(flat, high + 1, high)


def draw_traces(
    panel: PlotPanel, lanes: np.ndarray, place: PanelPlacement, reach, shift: float, frame: int
) -> Polylines:
    """The channels of `lanes` from the sample before `reach[0]` to the one after `reach[1]`, thinned to
    two points per strip pixel (by value, then clipped to the lane)."""
    paths, colors = [], []
    drawn = [(i, index) for index in lanes for i in panel.lanes[index].channels]
    if not drawn:
        return Polylines(paths, np.zeros((0, 4)), panel.style.line_width)
    per_second = panel.pixels_per_second(place.lanes[lanes[0]])  # the lanes of a column share their x
    pieces = {}
    for trace in sorted({panel.channels[i].trace for i, _ in drawn}):  # each trace's channels read together
        times = panel.traces[trace].alignment.sample_times
        first = max(int(times.searchsorted(reach[0], "left")) - 1, 0)
        stop = min(int(times.searchsorted(reach[1], "right")) + 1, len(times))
        mine = [i for i, _ in drawn if panel.channels[i].trace == trace]
        columns = [panel.channels[i].column for i in mine]
        thinned = panel.slicers[trace].thinned_paths(columns, times, first, stop, panel.strip_start, per_second)
        pieces.update(zip(mine, thinned))
    for i, index in drawn:
        channel, lane = panel.channels[i], place.lanes[index]
        for piece in pieces[i]:
            paths.append(np.column_stack([piece[:, 0] + shift, panel.y_of(channel, piece[:, 1], lane, frame)]))
            colors.append(channel.color)
    return Polylines(paths, rgba(colors) if paths else np.zeros((0, 4)), panel.style.line_width)


def draw_heatmap(panel: PlotPanel, trace_index: int, lane: np.ndarray, start: int, stop: int, frame: int) -> Image:
    """Channels x time as colors, one cell per channel and strip pixel `start` to `stop`: the mean of the
    samples in the pixel (its edges on the pyramid's bins when it holds many, `SignalSlicer.column_edges`), or
    the nearest sample where samples are sparser than pixels; transparent outside the data."""
    trace, heatmap = panel.traces[trace_index], panel.heatmaps[trace_index]
    sample_times = trace.alignment.sample_times
    n_columns = stop - start
    edges = panel.strip_start + np.arange(start, stop + 1) / panel.pixels_per_second(lane)
    centers = (edges[:-1] + edges[1:]) / 2
    bins = panel.slicers[trace_index].column_edges(
        sample_times.searchsorted(edges), trace.alignment.sample_rate / panel.pixels_per_second(lane)
    )
    dense = np.diff(bins) >= 2
    means = panel.slicers[trace_index].column_means(np.where(dense, bins[:-1], 0), np.where(dense, bins[1:], 0))
    after = (
        np.clip(sample_times.searchsorted(centers), 1, len(sample_times) - 1)
        if len(sample_times) > 1
        else np.zeros(n_columns, int)
    )
    before = np.maximum(after - 1, 0)
    nearest = np.where(np.abs(sample_times[before] - centers) <= np.abs(sample_times[after] - centers), before, after)
    values = means
    if not dense.all():
        values[~dense] = trace.signal.values[nearest[~dense]]
    half_step = 0.5 / trace.alignment.sample_rate if len(sample_times) > 1 else 0.5
    inside = (centers >= sample_times[0] - half_step) & (centers <= sample_times[-1] + half_step)
    low, high = heatmap.low, heatmap.high
    if np.ndim(low):
        low, high = low[frame], high[frame]
    pixels = panel.colormap[lut_index(values, low, high)]
    pixels[~(np.isfinite(values) & inside[:, None]), 3] = 0
    return Image(np.array([lane[0], lane[1] + 1, lane[0] + n_columns, lane[3] - 1]), pixels.transpose(1, 0, 2))


def row_centers(panel: PlotPanel, lane: Lane, box: np.ndarray) -> np.ndarray:
    """The y of each channel's row in a heatmap or dense `lane` drawn in `box`, first channel on top."""
    inset = 1 if lane.kind == "heatmap" else PADDING  # a heatmap's image fills its lane but a pixel each side
    top, bottom = box[1] + inset, box[3] - inset
    n_rows = panel.traces[lane.source].signal.n_channels
    return top + (np.arange(n_rows) + 0.5) * (bottom - top) / n_rows


def draw_dense(panel: PlotPanel, index: int, box: np.ndarray, reach, shift: float) -> Polylines:
    """Every channel of dense lane `index` from the sample before `reach[0]` to the one after `reach[1]`, on its
    row: thinned to two points per strip pixel as the lines' traces are (by value, then placed and clipped to
    the lane), so a recording on disk is drawn from its pyramid."""
    lane = panel.lanes[index]
    trace, dense = panel.traces[lane.source], panel.dense[lane.source]
    times = trace.alignment.sample_times
    first = max(int(times.searchsorted(reach[0], "left")) - 1, 0)
    stop = min(int(times.searchsorted(reach[1], "right")) + 1, len(times))
    columns = list(range(trace.signal.n_channels))
    thinned = panel.slicers[lane.source].thinned_paths(
        columns, times, first, stop, panel.strip_start, panel.pixels_per_second(box)
    )
    centers = row_centers(panel, lane, box)
    per_unit = (centers[1] - centers[0] if len(centers) > 1 else box[3] - box[1] - 2 * PADDING) / dense.spread
    paths = []
    for pieces, center, baseline in zip(thinned, centers, dense.baselines):
        for piece in pieces:  # the slicer's own float arrays: placed where they are
            piece[:, 0] += shift
            piece[:, 1] = np.clip(center - (piece[:, 1] - baseline) * per_unit, box[1], box[3])
            paths.append(piece)
    colors = rgba([panel.style.text_color] * len(paths)).reshape(-1, 4)
    # hundreds of stacked 1-pixel traces: stepped lines, which draw about ten times faster than smooth ones
    return Polylines(paths, colors, panel.style.line_width, smooth=False)


def draw_rasters(panel: PlotPanel, lanes: np.ndarray, place: PanelPlacement, reach, shift: float) -> Segments:
    """A tick per spike, a row per unit."""
    starts, ends = [], []
    for index in lanes:
        lane, box = panel.lanes[index], place.lanes[index]
        if lane.kind != "raster":
            continue
        spikes = panel.spikes[lane.source]
        first = np.searchsorted(spikes.times, reach[0], side="left")
        stop = np.searchsorted(spikes.times, reach[1], side="right")
        xs = panel.strip_x(spikes.times[first:stop], box) + shift
        row = (box[3] - box[1] - 2) / max(spikes.n_units, 1)
        tops = box[1] + 1 + spikes.units[first:stop] * row + row * 0.15
        starts.append(np.column_stack([xs, tops]))
        ends.append(np.column_stack([xs, tops + max(row * 0.7, 1.0)]))
    if not starts:
        return Segments(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 4)))
    starts, ends = np.concatenate(starts), np.concatenate(ends)
    return Segments(starts, ends, rgba([panel.style.text_color] * len(starts)).reshape(-1, 4), 1.0)
