"""What the plot panel draws around its strip: each lane's gutter (names, current values) and y scale, the time
axis and grid lines, the intervals' legend, the heatmaps' colorbars, the overview and the dots at the cursor."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..primitives import Geometry, Image, Points, Rectangles, Segments, rgba, text_width
from ._constants import GRID_ALPHA, MIN_TEXT, NAME_AND_VALUE, PADDING, SCALE_ROWS, SCALE_TEXT, TICK, VALUE_RESERVE
from ._lanes import row_centers
from ._text import (
    TextBatch,
    file_stem,
    fit,
    fit_line,
    fit_number,
    format_tick,
    format_time,
    format_value,
    wrapped,
)
from ._utils import Fader

if TYPE_CHECKING:
    from ._lanes import Channel, Lane
    from ._placement import PanelPlacement
    from .panel import PlotPanel


class GutterLine(NamedTuple):
    """A line of a lane's gutter: a name and/or a current value with its unit."""

    name: str
    value: str
    size: float
    color: np.ndarray
    changes: bool  # shows a current value: drawn on every frame

    @property
    def text(self) -> str:
        return f"{self.name} {self.value}".strip()


def gutter_lines(
    panel: PlotPanel, lane: Lane, height: float, line_height: float, font: float, small: float, frame: int | None
) -> list[GutterLine]:
    """The gutter's lines of text, top down; `frame` None: values as wide as any.

    One-channel lanes of `height` write their names in the size the lowest of them (`line_height`) has
    room for, so the names of a stack all have one size."""
    style = panel.style
    text_color = np.asarray(style.text_color)
    if lane.kind == "heatmap":
        return [GutterLine(panel.heatmaps[lane.source].name, "", font, text_color, False)]
    if lane.kind == "dense":
        dense, n_channels = panel.dense[lane.source], panel.traces[lane.source].signal.n_channels
        return [
            GutterLine(dense.name, "", font, text_color, False),
            GutterLine(f"{n_channels} channels", "", small, text_color, False),
            GutterLine(
                f"{format_tick(dense.spread)} {dense.unit}/row".replace(" /", "/"), "", small, text_color, False
            ),
        ]
    if lane.kind == "raster":
        spikes = panel.spikes[lane.source]
        name = file_stem(spikes.source) or "spikes"
        units = f"{spikes.n_units} units"
        return [GutterLine(name, "", font, text_color, False), GutterLine(units, "", small, text_color, False)]
    channels = [panel.channels[i] for i in lane.channels]
    values = [value_text(panel, channel, frame) for channel in channels]
    changes = panel.style.show_values
    if len(channels) > 1:  # the one-axis layout: a legend, one line per channel
        size = max(MIN_TEXT, min(font, height / len(channels) / 1.2))
        return [GutterLine(c.name, value, size, c.color, changes) for c, value in zip(channels, values)]
    channel, value = channels[0], values[0]
    name_size = min(font, (min(height, line_height) - 3) / NAME_AND_VALUE)  # name, value in 0.8 of its size
    if name_size >= MIN_TEXT + 1:
        return [GutterLine(channel.name, "", name_size, channel.color, False)] + (
            [GutterLine("", value, name_size * 0.8, text_color, changes)] if value else []
        )
    size = max(MIN_TEXT, min(font, height * 0.85))
    return [GutterLine(channel.name, value, size, channel.color, changes)]


def value_text(panel: PlotPanel, channel: Channel, frame: int | None) -> str:
    """The current value with its unit; `frame` None gives the widest such text."""
    if not panel.style.show_values:
        return channel.unit
    if frame is None:
        value = VALUE_RESERVE
    else:
        value = format_value(panel.values_at(frame)[channel.trace][channel.column])
    return f"{value} {channel.unit}".rstrip()


def gutter_width(panel: PlotPanel, lane: Lane, height: float, line_height: float, font: float, small: float) -> float:
    lines = gutter_lines(panel, lane, height, line_height, font, small, None)
    widths = [text_width(line.text, line.size) for line in lines]
    if lane.kind == "heatmap":
        widths.append(font * 6)  # room for the colorbar
    return max(widths) + 2 * PADDING


def scale_labels(panel: PlotPanel, lane: Lane, frame: int | None) -> tuple[str, str] | None:
    """The (top, bottom) labels of a lane's y scale: its limits, or its first and last row's names; None
    for a lane whose channels do not share limits. `frame` None: as wide as they can get."""
    if lane.kind == "raster":
        names = panel.spikes[lane.source].names
        return (names[0], names[-1]) if names else None
    if lane.has_rows:  # the rows' names, thinned to those that fit (`named_rows`): as wide as the widest
        widest = max(panel.row_names[lane.source], key=len)
        return widest, widest
    channels = [panel.channels[i] for i in lane.channels]
    if frame is None:
        lows, highs = zip(*[(np.min(c.low), np.max(c.high)) for c in channels])
        widest = [format_tick(v) for v in lows + highs] + (["-0.888"] * 2 if panel.style.ylim == "window" else [])
        return max(widest, key=len), max(widest, key=len)
    limits = {tuple(map(float, c.limits(frame))) for c in channels}
    if len(limits) > 1:
        return None
    low, high = limits.pop()
    return format_tick(high), format_tick(low)


def named_rows(centers: np.ndarray, box: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Which rows (at y `centers`) of a lane in `box` are named, and their names' baselines: the first row, then
    every few rows, as many as names of `size` fit one above the other; a name stays inside the lane (the row's
    tick shows its place) and one that would crowd the name above it is left out."""
    spacing = centers[1] - centers[0] if len(centers) > 1 else np.inf
    every = max(1, math.ceil(size * 1.4 / spacing))
    rows = np.arange(0, len(centers), every)
    baselines = np.clip(centers[rows] + size / 2, box[1] + size, box[3])
    kept = [0] if len(rows) else []
    for index in range(1, len(rows)):
        if baselines[index] - baselines[kept[-1]] >= size * 1.4:
            kept.append(index)
    return rows[kept], baselines[kept]


def scale_width(panel: PlotPanel, lane: Lane, height: float, small: float) -> float:
    labels = scale_labels(panel, lane, None)
    if labels is None or height < SCALE_ROWS * small * SCALE_TEXT:
        return 0.0
    return max(text_width(label, small * SCALE_TEXT) for label in labels) + TICK + 3


def draw_value_dots(panel: PlotPanel, frame: int, place: PanelPlacement) -> Points:
    """A dot where each trace crosses the cursor."""
    time, positions, colors = float(panel.frame_times[frame]), [], []
    for channel, lane in zip(panel.channels, panel.lane_boxes_of(place)):
        value = panel.values_at(frame)[channel.trace][channel.column]
        if np.isfinite(value):
            positions.append((panel.cursor_x(lane, time), float(panel.y_of(channel, value, lane, frame))))
            colors.append(channel.color)
    return Points(np.array(positions).reshape(-1, 2), rgba(colors).reshape(-1, 4), max(4.0, 3 * panel.style.line_width))


def draw_colorbar(
    panel: PlotPanel,
    trace_index: int,
    gutter: np.ndarray,
    frame: int | None,
    place: PanelPlacement,
    geometry: Geometry,
    texts: TextBatch,
) -> None:
    """The colormap under the heatmap's name, with its limits below it, when the lane is tall enough.
    `frame` None: the fixed part (the bar, and the limits when they are fixed); else the limits at `frame`
    when they follow the window."""
    heatmap, small = panel.heatmaps[trace_index], place.small * 0.9
    bar_top = gutter[1] + place.font + 5
    if gutter[3] - bar_top < small * 0.6 + small + 4:
        return
    bar = np.array([gutter[0] + PADDING, bar_top, gutter[2] - PADDING, bar_top + round(small * 0.6)])
    if frame is None:
        geometry.add(Image(bar, panel.colormap[None]))
    if (frame is None) != panel.scrolls:
        return
    low, high = heatmap.low, heatmap.high
    if np.ndim(low):
        low, high = low[frame], high[frame]
    color, baseline = panel.style.text_color, bar[3] + small + 1
    texts.add(bar[0], baseline, format_tick(low), color, small)
    texts.add(bar[2], baseline, f"{format_tick(high)} {heatmap.unit}".rstrip(), color, small, "right")


def draw_legend(
    panel: PlotPanel, time: float | None, place: PanelPlacement, geometry: Geometry, texts: TextBatch, fade: Fader
) -> None:
    """The current interval's label above the gutter, and a swatch and name per label while they fit (the
    current one in its color); `time` None: the swatches only."""
    row, small = place.legend, place.small
    baseline = row[1] + (row[3] - row[1] + small) / 2 - 1
    current = None if time is None else panel.intervals.label_at(time)
    if current is not None:
        label = fit(current, place.gutters[0, 2] - place.gutters[0, 0] - 2 * PADDING, small)
        texts.add(row[0] + PADDING, baseline, label, panel.label_colors[current], small)
    x, swatches, colors = place.columns[0, 0], [], []
    dim = fade([panel.style.text_color], 0.65)[0]
    for label, color in panel.label_colors.items():
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


def draw_grid_lines(panel: PlotPanel, ticks, time: float, place: PanelPlacement, fade: Fader) -> Segments:
    """Faint vertical lines at the time ticks (not at the cursor, which is drawn there)."""
    xs, tops, bottoms = [], [], []
    for (offsets, _), column in zip(ticks, place.columns):
        at = panel.x_of_offset(offsets[np.abs(offsets) > 1e-9], column, time)
        xs.append(at)
        tops.append(np.full(len(at), column[1]))
        bottoms.append(np.full(len(at), column[3]))
    xs, tops, bottoms = np.concatenate(xs), np.concatenate(tops), np.concatenate(bottoms)
    return Segments(
        np.column_stack([xs, tops]),
        np.column_stack([xs, bottoms]),
        fade([panel.style.text_color] * len(xs), GRID_ALPHA),
        1.0,
    )


def draw_axes(
    panel: PlotPanel, ticks, place: PanelPlacement, texts: TextBatch, frame: int | None, fade: Fader
) -> Segments:
    """The time axis under each column (baseline, ticks, labels) and each lane's y scale (ticks at its
    limits, labelled, or its first and last row's names). `frame` None: only the labels that never change
    (relative time labels, fixed limits), and no lines."""
    small, color = place.small, panel.style.text_color
    starts, ends = [], []
    if frame is None and panel.style.time_axis != "absolute":
        ticks = [panel.time_ticks(0.0, column[2] - column[0]) for column in place.columns]
    for (offsets, labels), column in zip(ticks or [], place.columns):
        xs = panel.x_of_offset(offsets, column, None if frame is None else float(panel.frame_times[frame]))
        starts += [(column[0], column[3])] + [(x, column[3]) for x in xs]
        ends += [(column[2], column[3])] + [(x, column[3] + TICK) for x in xs]
        if (frame is None) == (panel.style.time_axis != "absolute"):
            for x, label in zip(xs, labels):
                half = text_width(label, small) / 2
                x = float(np.clip(x, column[0] - place.scale_width + half, column[2] + PADDING - half))
                texts.add(x, column[3] + TICK + small + 1, label, color, small, "center")
    scale_size = small * SCALE_TEXT
    for lane, box in zip(panel.lanes, place.lanes):
        labels = scale_labels(panel, lane, 0 if frame is None else frame)
        if labels is None or place.scale_width == 0 or box[3] - box[1] < SCALE_ROWS * scale_size:
            continue
        label_x = box[0] - TICK - 2
        if lane.has_rows:  # a tick and a name at each row that has room for one
            centers = row_centers(panel, lane, box)
            named, baselines = named_rows(centers, box, scale_size)
            starts += [(box[0], box[1])] + [(box[0] - TICK, centers[row]) for row in named]
            ends += [(box[0], box[3])] + [(box[0], centers[row]) for row in named]
            if (frame is None) == panel.scrolls:
                names = panel.row_names[lane.source]
                for row, baseline in zip(named, baselines):
                    label = fit(names[row], place.scale_width - TICK - 3, scale_size)
                    texts.add(label_x, baseline, label, color, scale_size, "right")
            continue
        inner = (box[1] + PADDING, box[3] - PADDING) if lane.kind == "lines" else (box[1] + 1, box[3] - 1)
        starts += [(box[0], box[1]), (box[0] - TICK, inner[0]), (box[0] - TICK, inner[1])]
        ends += [(box[0], box[3]), (box[0], inner[0]), (box[0], inner[1])]
        if (frame is None) == panel.scrolls:
            shorten = fit_number if lane.kind == "lines" else fit  # limits, or the first and last row's names
            top_label, bottom_label = (shorten(label, place.scale_width - TICK - 3, scale_size) for label in labels)
            texts.add(label_x, box[1] + scale_size, top_label, color, scale_size, "right")
            texts.add(label_x, box[3] - 2, bottom_label, color, scale_size, "right")
    if frame is None:
        return Segments(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 4)))
    starts, ends = np.array(starts, dtype=float).reshape(-1, 2), np.array(ends, dtype=float).reshape(-1, 2)
    return Segments(starts, ends, fade([color] * len(starts), 0.6), 1.0)


def draw_gutters(panel: PlotPanel, frame: int | None, place: PanelPlacement, texts: TextBatch) -> None:
    """Names and current values beside the lanes; with lanes too thin for text, every few lanes' name.
    `frame` None: the lines that never change (names); else the ones with a current value."""
    heights = place.lanes[:, 3] - place.lanes[:, 1]
    every = max(1, math.ceil(MIN_TEXT * 1.1 / max(heights.min(), 1))) if len(heights) else 1
    for index, (lane, gutter, height) in enumerate(zip(panel.lanes, place.gutters, heights)):
        lines = gutter_lines(panel, lane, height, place.line_height, place.font, place.small, frame)
        width = gutter[2] - gutter[0] - 2 * PADDING
        if every > 1:  # dense: names only, of every few lanes, each reaching over the lanes below it
            if index % every == 0 and frame is None:
                name = panel.channels[lane.channels[0]].name if lane.kind == "lines" else lines[0].name
                texts.add(
                    gutter[0] + PADDING, gutter[1] + MIN_TEXT, fit(name, width, MIN_TEXT), lines[0].color, MIN_TEXT
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
                fitted = [fit_line(line.name, line.value, width, size)]
            else:  # a long name on more rows
                fitted = [fit(row, width, size) for row in wrapped(line.name, width, size, rows)]
            for row in fitted:
                if y + size > gutter[3] + 1:
                    break
                y += size
                if line.changes == (frame is not None):
                    texts.add(gutter[0] + PADDING, y, row, line.color, size)
                y += 2


def draw_overview(
    panel: PlotPanel, time: float | None, place: PanelPlacement, geometry: Geometry, texts: TextBatch, fade: Fader
) -> None:
    """The whole recording in one strip: intervals and events (`time` None), or the window shown at `time`."""
    strip = place.overview.copy()
    strip[0], strip[2] = place.columns[0, 0], place.columns[-1, 2]
    start, end = panel.frame_times[0], panel.frame_times[-1]
    whole = max(end - start, 1e-9)

    def x_of(times):
        return strip[0] + (np.asarray(times, dtype=float) - start) / whole * (strip[2] - strip[0])

    if time is not None:
        window = x_of(np.clip([time - panel.left, time + panel.right], start, end))
        geometry.add(
            Rectangles(
                np.array([[window[0], strip[1] - 1, max(window[1], window[0] + 2), strip[3] + 1]]),
                fade([panel.style.cursor_color], 0.35),
            )
        )
        x = float(x_of(time))
        geometry.add(Segments(np.array([[x, strip[1]]]), np.array([[x, strip[3]]]), rgba([panel.style.cursor_color])))
        return
    boxes, colors = [strip], [fade([panel.style.text_color], 0.12)[0]]
    if panel.intervals is not None:
        intervals = panel.intervals
        boxes += [
            [a, strip[1], max(b, a + 1), strip[3]]
            for a, b in zip(x_of(np.clip(intervals.starts, start, end)), x_of(np.clip(intervals.ends, start, end)))
        ]
        colors += list(fade([panel.label_colors[label] for label in intervals.labels], 0.8))
    geometry.add(Rectangles(np.array(boxes, dtype=float), np.array(colors)))
    marks = [] if panel.events is None else list(zip(x_of(panel.events.times), panel.events.kinds))
    marks = [(x, panel.kind_colors[kind]) for x, kind in marks if strip[0] <= x <= strip[2]]
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
    label = fit(f"all {format_time(whole, 1.0, False)} s", place.gutters[0, 2] - place.gutters[0, 0], place.small)
    texts.add(place.gutters[0, 0] + PADDING, strip[3] - 1, label, panel.style.text_color, place.small)
