"""The plot panel's content on the strip besides its lanes: interval bands, and event lines with their labels in
rows above the lanes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..primitives import Geometry, Rectangles, Segments, text_width
from ..style import MAX_BAND_ALPHA
from ._constants import EVENT_ROWS, SCROLL_MARGIN
from ._text import TextBatch
from ._utils import Fader

if TYPE_CHECKING:
    from ._placement import PanelPlacement
    from .panel import PlotPanel


def draw_bands(panel: PlotPanel, column: np.ndarray, reach, shift: float, width: int, fade: Fader) -> Rectangles:
    """The intervals as bands under the traces, cut `SCROLL_MARGIN` pixels past the drawn range."""
    intervals = panel.intervals
    visible = np.flatnonzero((intervals.ends > reach[0]) & (intervals.starts < reach[1]))
    alpha = min(panel.style.interval_alpha, MAX_BAND_ALPHA)
    low, high = column[0] - SCROLL_MARGIN, column[0] + width + SCROLL_MARGIN
    x0 = np.clip(panel.strip_x(intervals.starts[visible], column) + shift, low, high)
    x1 = np.clip(panel.strip_x(intervals.ends[visible], column) + shift, low, high)
    boxes = np.column_stack([x0, np.full(len(visible), column[1]), x1, np.full(len(visible), column[3])])
    return Rectangles(boxes, fade([panel.label_colors[intervals.labels[i]] for i in visible], alpha))


def draw_events(
    panel: PlotPanel, column: int, place: PanelPlacement, reach, shift: float, geometry: Geometry, fade: Fader
) -> None:
    """A line per event across the column's lanes, its kind in the rows above them (see `event_rows`)."""
    events, small, edges = panel.events, place.small, place.columns[column]
    rows, widths = event_rows(panel, column, place)
    strip_x = panel.strip_x(events.times, edges)
    per_second = panel.pixels_per_second(edges)
    lines = np.flatnonzero((events.times >= reach[0]) & (events.times <= reach[1]))
    labelled = np.flatnonzero(
        (rows >= 0) & (strip_x + 2 + widths >= (reach[0] - panel.strip_start) * per_second) & (events.times <= reach[1])
    )
    colors = fade([panel.kind_colors[kind] for kind in events.kinds], 0.9)
    xs = strip_x[lines] + shift
    geometry.add(
        Segments(
            np.column_stack([xs, np.full(len(xs), edges[1])]),
            np.column_stack([xs, np.full(len(xs), edges[3])]),
            colors[lines],
            1.0,
        )
    )
    texts = TextBatch()
    row_height = (place.event_strip[3] - place.event_strip[1] - 2) / EVENT_ROWS
    for index in labelled:
        baseline = place.event_strip[1] + (rows[index] + 1) * row_height - 2
        texts.add(strip_x[index] + shift + 2, baseline, events.kinds[index], colors[index], small)
    for item in texts.items():
        geometry.add(item)


def event_rows(panel: PlotPanel, column: int, place: PanelPlacement) -> tuple[np.ndarray, np.ndarray]:
    """Each event's row of labels in a column (-1: none) and its label's width, for the whole recording:
    in time order, a label goes in the first row where it does not overlap the one before, and is left
    out when it fits in none, so labels never overlap and keep their row while they scroll."""
    key = (column, *place.columns[column])
    if key not in panel._label_rows:
        events, small = panel.events, place.small
        strip_x = panel.strip_x(events.times, place.columns[column])
        widths = np.array([text_width(kind, small) for kind in events.kinds])
        rows = np.full(len(strip_x), -1)
        free_from = np.full(EVENT_ROWS, -np.inf)
        for index in np.argsort(strip_x, kind="stable"):
            row = next((r for r in range(EVENT_ROWS) if strip_x[index] - 1 >= free_from[r]), None)
            if row is not None:
                rows[index] = row
                free_from[row] = strip_x[index] + 2 + widths[index] + 2
        panel._label_rows[key] = (rows, widths)
    return panel._label_rows[key]
