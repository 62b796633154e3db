"""The plot panel's pixels on each frame, from content drawn once and scrolled.

What the lanes show (traces, heatmaps, rasters, bands, events) lies on one strip for the whole recording
(`PlotPanel.scroll`), drawn in tiles as they are first needed; a frame copies its window of the strip
over the panel's fixed part (background, names, labels: drawn once) and draws only what moves (cursor,
values, axes) on top. The pixels equal drawing `PlotPanel.geometry(frame)` from scratch: the napari overlay
and the exporter both take them from here, so both show the same panel, the translucent corner included.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .raster import CLIP_MARGIN, draw, fill_value

TILE_SHARE = 4  # tiles a quarter of the window wide: a jump draws 1.25 windows of content, not 2
MIN_TILE = 64  # pixels
JUMP = 64  # pixels the strip moves between two paints beyond which the window is drawn, not tiled
TILES_KEPT = 24  # tiles per column kept: the window spans at most five, scrubbing back and forth reuses the rest


class PanelPainter:
    """Paints the plot panel of `scene` (a `Scene` or `TiledScene` with a panel) frame by frame.

    Frames painted one after another (playback, an export) reuse the tiles; after a jump (the strip moved more
    than `JUMP` pixels since the last paint) the frame is drawn from scratch: the same pixels.

    The panel is RGB when it is opaque and premultiplied RGBA (see render/raster.py) when it is translucent:
    over the video (`layout.is_inset`), or with a translucent `panel_color`. With `ylim="window"` the y-limits
    change on every frame and each frame is drawn from scratch.
    """

    def __init__(self, scene):
        self.scene, self.plot = scene, scene.plot
        self.inset = bool(scene.layout.is_inset)
        self.translucent = self.plot.background(self.inset)[3] < 1
        self.box = np.round(np.asarray(scene.layout.panel_box, dtype=float))
        x0, y0, x1, y1 = self.box.astype(int)
        self.shape = (y1 - y0, x1 - x0, 4 if self.translucent else 3)
        self.origin = self.box[:2]
        self._fixed = None
        self._clips = self.plot.scroll_boxes(self.box).astype(int)
        self._tiles: list[OrderedDict] = [OrderedDict() for _ in self._clips]
        self._last_scroll = None

    def paint(self, frame: int, out: np.ndarray | None = None) -> np.ndarray:
        """The panel's pixels on output frame `frame` of the scene, written to `out` (a (height, width,
        channels) uint8 array, `shape`) or a new array."""
        out = np.empty(self.shape, np.uint8) if out is None else out
        panel_frame = self.scene.panel_frame(frame)
        time = float(self.plot.frame_times[panel_frame])
        columns = self.plot.placement(self.box).columns
        scroll = self.plot.scroll(time, columns[0])
        near, self._last_scroll = self._last_scroll is not None and abs(scroll - self._last_scroll) <= JUMP, scroll
        if not self.plot.scrolls or not near:  # a jump: drawing the window costs less than the tiles around it
            out[...] = self.fixed
            return draw(out, self.plot.frame_geometry(panel_frame, self.box, self.inset), origin=self.origin)
        out[...] = self.fixed
        for index, (column, clip) in enumerate(zip(columns, self._clips)):
            self._copy_window(index, self.plot.scroll(time, column), clip, out)
        return draw(out, self.plot.moving_geometry(panel_frame, self.box, self.inset), origin=self.origin)

    @property
    def fixed(self) -> np.ndarray:
        """The part of the panel that is the same on every frame."""
        if self._fixed is None:
            self._fixed = draw(
                np.zeros(self.shape, np.uint8), self.plot.fixed_geometry(self.box, self.inset), origin=self.origin
            )
        return self._fixed

    def _copy_window(self, column: int, start: int, clip: np.ndarray, out: np.ndarray) -> None:
        """Copy strip pixels `start` onwards of `column` into its clip box of `out`, from the tiles they lie in."""
        x0, y0, x1, y1 = clip - np.tile(self.origin.astype(int), 2)
        width = x1 - x0
        if width <= 0 or y1 <= y0:  # a panel too small for its lanes: nothing to scroll
            return
        tile_width = max(MIN_TILE, -(-width // TILE_SHARE))
        filled = 0
        while filled < width:
            index, offset = divmod(start + filled, tile_width)
            tile = self._tile(column, index, tile_width)
            count = min(width - filled, tile_width - offset)
            out[y0:y1, x0 + filled : x0 + filled + count] = tile[:, offset : offset + count]
            filled += count

    def _tile(self, column: int, index: int, width: int) -> np.ndarray:
        tiles = self._tiles[column]
        if index in tiles:
            tiles.move_to_end(index)
            return tiles[index]
        x0, y0, _, y1 = self._clips[column]
        start = index * width
        tile = np.empty((y1 - y0, width + 2 * CLIP_MARGIN, self.shape[2]), np.uint8)
        tile[...] = fill_value(self.plot.background(self.inset), self.shape[2])
        content = self.plot.strip_geometry(column, start, start + width, self.box, self.inset)
        draw(tile, content, origin=(x0 - CLIP_MARGIN, y0))
        tiles[index] = tile[:, CLIP_MARGIN:-CLIP_MARGIN]
        if len(tiles) > TILES_KEPT:
            tiles.popitem(last=False)
        return tiles[index]
