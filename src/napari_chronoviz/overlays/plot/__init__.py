"""The sliding-window plot panel: lanes of traces, heatmaps and spike rasters around the current frame.

Each lane has its name and current value in a gutter on its left and its y scale beside its traces; the
lanes of a column share a time axis below them and a cursor at the current time. Interval bands lie
under the traces (with a legend above them), event labels sit in rows above the lanes, and an optional
overview strip shows the whole recording with the current window. Where each part goes is worked out
once per panel box (`PanelPlacement`), and `geometry(frame)` is a pure function of the frame.

`PlotPanel` (panel.py) holds the panel's state and puts its parts together; beside it, by what they draw:
`_placement` (where each part goes), `_lanes` (what each lane holds, and its traces, heatmap or raster),
`_strip` (the intervals and events on the scrolling strip), `_guides` (gutters, axes, legend, colorbars,
overview, value dots), `_text` (formatting and fitting text), `_slice` (which samples each pixel column
draws), `_constants` and `_utils`.
"""

from ._lanes import Trace, listed_name
from ._placement import PanelPlacement
from ._text import smallest_text
from .panel import PlotPanel

__all__ = ["PanelPlacement", "PlotPanel", "Trace", "listed_name", "smallest_text"]
