"""Text sizes that stay readable where the picture is seen: on the screen pixels of napari's view, or in an export
relative to its size and in its own pixels (an export scaled down draws its text smaller). The plot panel below or
above the video grows with its text, one beside it widens (`grown_layout`), which shrinks the picture in a view of
a given size: the font size is found by a few fixed-point steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .layout import Layout
from .plot import PlotPanel, smallest_text

LEAST_TEXT_SEEN = 9.0  # pixels where the picture is seen, of the panel's smallest text (its y scales' labels)
EXPORT_SEEN_HEIGHT = 900  # pixels: an export is read as if shown this high (its smallest text >= 1% of its height)
# ... but never enlarged: text drawn fewer than LEAST_TEXT_SEEN pixels of the file is blurred to blobs, however shown
VIEW_MARGIN = 0.05  # of napari's view, left around the canvas when the view fits it (`viewer.reset_view`)
STEPS = 8  # fixed-point steps: each one grows the font to what the last canvas needed
MOST_FONT_SHARE = 1 / 8  # of the video's height: beyond this font size a panel would dwarf the video in a tiny view


def readable_font_size(plot: PlotPanel, layout: Layout, font: float, seen_per_pixel: Callable) -> float:
    """The least font size, from `font` up, at which the smallest text of `plot` is `LEAST_TEXT_SEEN` pixels where
    the canvas is seen (at most `MOST_FONT_SHARE` of the video's height).

    Parameters
    ----------
    plot : PlotPanel
        The panel: its lanes and labels set how tall it grows with its text (`PlotPanel.natural_height`).
    layout : Layout
        Where the panel goes, as requested: its automatic size grows with the text.
    font : float
        The font size now (pixels of the canvas); the result is never smaller.
    seen_per_pixel : callable
        `seen_per_pixel(width, height)`: pixels seen per canvas pixel when the canvas is `width` x `height`
        (`seen_in_view`, `seen_in_export`).

    Returns
    -------
    float
        The font size, pixels of the canvas.
    """
    most = max(font, math.floor(layout.video_height * MOST_FONT_SHARE))
    for _ in range(STEPS):
        x0, y0, x1, y1 = grown_layout(layout, plot, font).canvas_box
        needed = math.ceil(font * LEAST_TEXT_SEEN / (smallest_text(font) * seen_per_pixel(x1 - x0, y1 - y0)))
        if needed <= font:
            break
        font = min(needed, most)
    return font


def grown_layout(layout: Layout, plot: PlotPanel, font: float | None = None) -> Layout:
    """`layout` with its automatic panel grown to the room the text of `plot` needs at `font` (default: its
    style's): taller below or above the video, wider beside it (`Layout.with_panel_room`).

    Parameters
    ----------
    layout : Layout
        Where the panel goes, as requested.
    plot : PlotPanel
        The panel's lanes and labels.
    font : float, optional
        The names' size in pixels.

    Returns
    -------
    Layout
        `layout`, its size set when the panel grew.
    """
    return layout.with_panel_room(plot.natural_height(font), plot.natural_width(layout.video_height, font))


def seen_in_view(view_width: float, view_height: float) -> Callable:
    """`seen_per_pixel` of napari's view, `view_width` x `view_height` screen pixels, fitted to the canvas.

    Parameters
    ----------
    view_width, view_height : float
        The view's size in screen pixels.

    Returns
    -------
    callable
        Screen pixels per canvas pixel for a canvas of a given width and height.
    """
    return lambda width, height: (1 - VIEW_MARGIN) * min(view_width / width, view_height / height)


def seen_in_export(scale: float = 1.0) -> Callable:
    """`seen_per_pixel` of an export written at `scale` (its pixels per canvas pixel): read as if shown
    `EXPORT_SEEN_HEIGHT` pixels high, but never enlarged beyond its own pixels.

    Parameters
    ----------
    scale : float
        The export's `scale`: 0.5 writes half the canvas' width and height, its text half as many pixels high.

    Returns
    -------
    callable
        Pixels seen per canvas pixel for a canvas of a given width and height.
    """
    return lambda width, height: min(EXPORT_SEEN_HEIGHT / height, scale)


def with_readable_font(scene, seen_per_pixel: Callable, font_given: float | None = None):
    """`scene` (a `Scene` or `TiledScene`) with the least font size, from `font_given` (default: its own) up, at
    which its panel's text is readable where it is seen (`seen_per_pixel`); `scene` itself when it has it."""
    if scene.plot is None:
        return scene
    font = readable_font_size(scene.plot, scene.requested_layout, font_given or scene.style.font_size, seen_per_pixel)
    return scene if font == scene.style.font_size else scene.updated(readable_font=font)
