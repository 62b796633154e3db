"""`PlotPanel`: the plot panel's state, where its lanes lie in time (the strip), and its geometry per frame put
together from the parts beside it (see the package's docstring)."""

from __future__ import annotations

import math

import numpy as np

from ...errors import ChronovizError, advice
from ...io.labels import Events, Intervals
from ...io.spikes import Spikes
from ..primitives import Clip, Geometry, Rectangles, Segments, rgba, text_width
from ..style import Style, colormap_table, palette
from ._constants import LANE_GAP, MAX_TICKS, NICE_STEPS, PADDING, SCROLL_MARGIN
from ._guides import (
    draw_axes,
    draw_colorbar,
    draw_grid_lines,
    draw_gutters,
    draw_legend,
    draw_overview,
    draw_value_dots,
)
from ._lanes import (
    Channel,
    Trace,
    channels_of,
    chosen_traces,
    dense_of,
    draw_dense,
    draw_heatmap,
    draw_rasters,
    draw_traces,
    heatmap_of,
    lanes_of,
)
from ._placement import PanelPlacement, lane_need, lane_weight, natural_width, placement_in, rows_around_lanes
from ._slice import SignalSlicer
from ._strip import draw_bands, draw_events
from ._text import TextBatch, format_time, row_names, small_text
from ._utils import Fader, from_the_end


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
        kinds = {index: "heatmap" for index in chosen_traces(self, "heatmaps")}
        for index in chosen_traces(self, "dense"):
            if index in kinds:
                raise ChronovizError(
                    f"Signal {index} ({traces[index].signal.source or 'given'}) is listed in both "
                    f"{advice('heatmaps')} and {advice('dense')}: a signal is drawn one way; list it in one of them."
                )
            kinds[index] = "dense"
        self.slicers = [SignalSlicer.of(trace.signal) for trace in traces]
        self.channels = channels_of(self, set(kinds))
        self.heatmaps = {index: heatmap_of(self, index) for index, kind in kinds.items() if kind == "heatmap"}
        self.dense = {index: dense_of(self, index) for index, kind in kinds.items() if kind == "dense"}
        self.row_names = {index: row_names(traces[index].signal.names) for index in kinds}  # named on the y axis
        self.colormap = colormap_table(style.colormap)
        self.lanes = lanes_of(self, kinds)
        labels = sorted(set(intervals.labels)) if intervals is not None else []
        self.label_colors = dict(zip(labels, palette(len(labels))[::-1]))
        kinds = sorted(set(events.kinds)) if events is not None else []
        self.kind_colors = dict(zip(kinds, from_the_end(len(kinds))))  # the traces take the first colors
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

    def placement(self, box) -> PanelPlacement:
        """Where the lanes, gutters, axes, legend, event labels and overview go in the panel `box`."""
        key = tuple(float(v) for v in box)
        if key not in self._placements:
            self._placements[key] = placement_in(self, np.round(np.asarray(box, dtype=float)))
        return self._placements[key]

    def natural_height(self, font: float | None = None) -> int:
        """The height (pixels) of a panel below or above the video in which, with names `font` pixels high (default:
        the style's), every lane has room for its name, its value and its y scale, under the legend and the rows
        of event labels and above the time axis: what the panel's automatic size grows to with lanes and labels."""
        font = float(font or self.style.font_size)
        small = small_text(font)
        rows = rows_around_lanes(self, small)
        needs = [lane_need(self, lane, font, small) + LANE_GAP for lane in self.lanes] or [0.0]
        if self.style.plot_layout == "grid":  # lanes of one height, in rows of `grid_columns`
            lanes = math.ceil(len(needs) / min(self.style.grid_columns, len(needs))) * max(needs)
        else:  # lanes share the height by weight: the neediest for its weight sets it
            weights = [lane_weight(self, lane) for lane in self.lanes] or [1.0]
            lanes = max(need / weight for need, weight in zip(needs, weights)) * sum(weights)
        return math.ceil(4 + sum(rows.values()) + lanes)

    def natural_width(self, height: float, font: float | None = None) -> int:
        """The width (pixels) of a panel beside the video, `height` pixels high, in which, with names `font` pixels
        high (default: the style's), every gutter shows its name and value and every y scale its labels, with at
        least 45 % left to the traces: what the panel's automatic size grows to beside the video."""
        return natural_width(self, float(font or self.style.font_size), height)

    def values_at(self, frame: int) -> list[np.ndarray]:
        """Each trace's channel values at `frame` (as its alignment interpolates them); the last frame's kept,
        as the gutter and the value dots both read them."""
        if self._values_frame != frame:
            self._values = [trace.alignment.values(trace.signal.values, frame) for trace in self.traces]
            self._values_frame = frame
        return self._values

    def lane_boxes(self, box: np.ndarray) -> np.ndarray:
        """(x0, y0, x1, y1) of each channel's trace area inside the panel `box` (one box for all in "overlay")."""
        return self.lane_boxes_of(self.placement(box))

    def lane_boxes_of(self, place: PanelPlacement) -> np.ndarray:
        """Each channel's trace area in a placement (see `lane_boxes`)."""
        lane_of = {channel: index for index, lane in enumerate(self.lanes) for channel in lane.channels}
        return np.array([place.lanes[lane_of[i]] for i in range(len(self.channels))]).reshape(-1, 4)

    def y_of(self, channel: Channel, values: np.ndarray, lane: np.ndarray, frame) -> np.ndarray:
        """Where `values` of `channel` at `frame` (an int, or an array of frames with the values) sit in its
        `lane`: its y-limits span the lane, clipped to it."""
        low, high = channel.limits(frame)
        top, bottom = lane[1] + PADDING, lane[3] - PADDING
        fraction = (np.asarray(values, dtype=float) - low) / (high - low)
        return np.clip(bottom - fraction * (bottom - top), lane[1], lane[3])

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
        return np.round(self.strip_x(time, box) - self.left * self.pixels_per_second(box)).astype(int)

    @property
    def strip_start(self) -> float:
        """The time at the strip's pixel 0: the left edge of the first frame's window."""
        return float(self.frame_times[0]) - self.left

    def cursor_x(self, boxes: np.ndarray, time: float | np.ndarray) -> float | np.ndarray:
        """The x of the current `time` in a traces' box (x0, y0, x1, y1), or in each row of (n, 4) boxes such
        as lanes, or at each of several times: where the scrolled content has that time, within half a pixel
        of `left` seconds from the box's left edge."""
        boxes = np.asarray(boxes, dtype=float)
        return boxes[..., 0] + self.strip_x(time, boxes) - self.scroll(time, boxes)

    def x_of_time(self, times, time: float, box: np.ndarray) -> np.ndarray:
        """The canvas x of `times` in a traces' `box` when the current time is `time` (inverse: `time_of_x`)."""
        return box[0] + self.strip_x(times, box) - self.scroll(time, box)

    def time_of_x(self, xs, time: float, box: np.ndarray) -> np.ndarray:
        """The times at canvas `xs` in `box` when the current time is `time` (the inverse of `x_of_time`)."""
        strip_x = np.asarray(xs, dtype=float) - box[0] + self.scroll(time, box)
        return self.strip_start + strip_x / self.pixels_per_second(box)

    def strip_x(self, times, boxes: np.ndarray) -> np.ndarray:
        """Strip pixels of `times` in traces' boxes: one box, or one time per box of several."""
        return (np.asarray(times, dtype=float) - self.strip_start) * self.pixels_per_second(boxes)

    def x_of_offset(self, offsets, box: np.ndarray, time: float | None) -> np.ndarray:
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

    def geometry(self, frame: int, box: np.ndarray, inset: bool = False) -> Geometry:
        """What the panel shows at `frame`, inside `box` (x0, y0, x1, y1).

        In three parts, drawn in this order: `fixed_geometry` (the same on every frame), each column's part
        of the strip (`strip_geometry`) clipped to its `scroll_boxes` box, and `moving_geometry` (cursor,
        values, axes: what changes and lies over the strip).
        """
        geometry = self.fixed_geometry(box, inset)
        geometry.extend(self.frame_geometry(frame, box, inset))
        return geometry

    def frame_geometry(self, frame: int, box: np.ndarray, inset: bool = False) -> Geometry:
        """What `geometry` draws over `fixed_geometry` at `frame`: each column's strip, clipped, then
        `moving_geometry`; a jump draws it over the fixed part's pixels kept from before (render/panel.py)."""
        place = self.placement(box)
        time = float(self.frame_times[frame])
        geometry, background = Geometry(), self.background(inset)
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
        geometry, texts, fade = Geometry(), TextBatch(), Fader(self.style, inset)
        geometry.add(Rectangles(np.asarray(box, dtype=float)[None], self.background(inset)[None]))
        if self.intervals is not None:
            draw_legend(self, None, place, geometry, texts, fade)
        for index, lane in enumerate(self.lanes):
            if lane.kind == "heatmap":
                draw_colorbar(self, lane.source, place.gutters[index], None, place, geometry, texts)
        draw_axes(self, None, place, texts, None, fade)
        draw_gutters(self, None, place, texts)
        if place.overview is not None:
            draw_overview(self, None, place, geometry, texts, fade)
        for item in texts.items():
            geometry.add(item)
        return geometry

    def moving_geometry(self, frame: int, box: np.ndarray, inset: bool = False) -> Geometry:
        """What changes with `frame` outside the strip, or lies over it: grid lines, axes, the current values,
        label and window, the value dots and the cursor."""
        style, place = self.style, self.placement(box)
        time = float(self.frame_times[frame])
        geometry, texts, fade = Geometry(), TextBatch(), Fader(style, inset)
        ticks = [self.time_ticks(time, column[2] - column[0]) for column in place.columns]
        geometry.add(draw_grid_lines(self, ticks, time, place, fade))
        if self.intervals is not None:
            draw_legend(self, time, place, geometry, texts, fade)
        if not self.scrolls:
            for index, lane in enumerate(self.lanes):
                if lane.kind == "heatmap":
                    draw_colorbar(self, lane.source, place.gutters[index], frame, place, geometry, texts)
        geometry.add(draw_axes(self, ticks, place, texts, frame, fade))
        draw_gutters(self, frame, place, texts)
        if place.overview is not None:
            draw_overview(self, time, place, geometry, texts, fade)
        for item in texts.items():
            geometry.add(item)
        geometry.add(draw_value_dots(self, frame, place))
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
        heatmaps, dense lanes, traces, spike rasters, event lines and their labels. Lines and bands reach
        `SCROLL_MARGIN` pixels past both ends, so a range drawn on its own matches the same pixels of a longer one.
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
        geometry, fade = Geometry(), Fader(self.style, inset)
        if self.intervals is not None:
            geometry.add(draw_bands(self, edges, reach, shift, stop - start, fade))
        for index in lanes:
            if self.lanes[index].kind == "heatmap":
                geometry.add(draw_heatmap(self, self.lanes[index].source, place.lanes[index], start, stop, frame))
            elif self.lanes[index].kind == "dense":
                geometry.add(draw_dense(self, index, place.lanes[index], reach, shift))
        geometry.add(draw_traces(self, lanes, place, reach, shift, frame))
        geometry.add(draw_rasters(self, lanes, place, reach, shift))
        if self.events is not None:
            draw_events(self, column, place, reach, shift, geometry, fade)
        return geometry

    def time_ticks(self, time: float, width: float) -> tuple[np.ndarray, list[str]]:
        """Round tick times (seconds from `time`) and their labels for a window `width` pixels wide.

        The step is the smallest of 1, 2, 5 x 10^k s (then whole minutes) that gives at most `MAX_TICKS`
        ticks whose labels do not crowd; labels
        count from the current time ("-2", "0", "2 s") or, with `time_axis="absolute"`, on the video's clock.
        """
        small = small_text(float(self.style.font_size))
        span = self.left + self.right
        absolute = self.style.time_axis == "absolute"
        origin = time if absolute else 0.0
        for step in NICE_STEPS:
            first = math.ceil((origin - self.left) / step - 1e-9)
            last = math.floor((origin + self.right) / step + 1e-9)
            if last - first + 1 > MAX_TICKS and step != NICE_STEPS[-1]:
                continue
            values = np.arange(first, last + 1) * step
            labels = [format_time(value, step, absolute) for value in values]
            if labels:
                labels[-1] = labels[-1] if ":" in labels[-1] else labels[-1] + " s"
            widest = max((text_width(label, small) for label in labels), default=0.0)
            if step / span * width >= widest + small or step == NICE_STEPS[-1]:
                return values - origin, labels
        raise AssertionError("unreachable: the last step always returns")
