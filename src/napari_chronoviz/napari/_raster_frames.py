"""The raster display's pixels: a frame's overlays drawn complete on a canvas of their own, copied into the
napari layer's image where they changed, and the next frame drawn ahead on a worker thread while frames
come one after another (napari playing, the arrow key held).

Drawing the pose and the panel takes a playback step 5-10 ms of the main thread, which napari also needs
to slice the video and paint; drawn ahead, it overlaps napari's painting on the other core, and the step
only copies the changed boxes (see benchmarks/bench_playback.py).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from ..overlays.scene import Scene
from ..render.panel import PanelPainter
from ..render.raster import composite_over, draw, unpremultiply

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1) pixels of the image, x1/y1 excluded


class RasterFrames:
    """Puts `scene`'s overlays of a frame into `image`, the RGBA data of a napari layer placed at canvas
    point `origin`, in straight colors as napari takes them.

    Parameters
    ----------
    scene : Scene
        What to draw (its video overlays and its plot panel, a panel in a corner over the pose).
    image : numpy.ndarray
        (height, width, 4) uint8: the layer's data, written in place (assigning a layer's data makes napari
        recompute every layer's extent). Its content at the start is taken as unknown.
    origin : tuple of float
        Canvas (x, y) of the image's top-left pixel.
    """

    def __init__(self, scene: Scene, image: np.ndarray, origin):
        self.scene, self.image = scene, image
        self.origin = np.asarray(origin, dtype=float)
        self._full: Box = (0, 0, image.shape[1], image.shape[0])
        self._canvas = np.zeros_like(image)  # the frame `_canvas_frame` complete, in straight colors
        self._canvas_frame: int | None = None
        self._canvas_pose_box: Box | None = self._full  # what the video overlays cover on the canvas
        self._image_pose_box: Box | None = self._full  # ... and on the image (unknown at first: all of it)
        self._painter = PanelPainter(scene) if scene.plot is not None else None
        self._panel_box: Box | None = None if self._painter is None else self._pixels(self._painter.box)
        self._previous: int | None = None  # the frame shown before the last one
        self._ahead: Future | None = None
        self.frames_drawn_ahead = 0  # how many of the frames shown the worker had drawn
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chronoviz-overlays")

    def show(self, frame: int) -> bool:
        """Write frame `frame`'s overlays into the image (the caller refreshes the layer).

        Parameters
        ----------
        frame : int
            The scene's frame (the clock's step for several cameras).

        Returns
        -------
        bool
            Whether `frame` follows the frame shown before (playing): the frame after it is being drawn ahead.
        """
        drawn_ahead = self._wait_for_ahead()  # the canvas is the worker's while it draws
        if self._canvas_frame != frame:
            self._draw(frame)
        elif drawn_ahead == frame:
            self.frames_drawn_ahead += 1
        for box in (self._image_pose_box, self._canvas_pose_box, self._panel_box):
            if box is not None:
                x0, y0, x1, y1 = box
                self.image[y0:y1, x0:x1] = self._canvas[y0:y1, x0:x1]
        self._image_pose_box = self._canvas_pose_box
        playing = self._previous == frame - 1
        if playing and frame + 1 < self.scene.n_frames:
            self._ahead = self._worker.submit(self._draw, frame + 1)
        self._previous = frame
        return playing

    def close(self) -> None:
        """Finish the frame being drawn ahead and let the worker thread end."""
        self._ahead = None
        self._worker.shutdown(wait=True)

    def _wait_for_ahead(self) -> int | None:
        """Wait for the frame being drawn ahead, if any, and return it."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        ahead.result()  # an error drawing ahead is raised here, for the frame being shown
        return self._canvas_frame

    def _pixels(self, canvas_box) -> Box:
        """Canvas box (x0, y0, x1, y1) as whole image pixels, clipped to the image."""
        box = np.round(np.asarray(canvas_box, dtype=float) - np.tile(self.origin, 2)).astype(int)
        width, height = self._full[2:]
        return tuple(int(v) for v in np.clip(box, 0, [width, height, width, height]))

    def _draw(self, frame: int) -> None:
        """Draw frame `frame` complete on the canvas, clearing only what the last frame's video overlays
        covered (an opaque panel paints its whole box)."""
        canvas = self._canvas
        self._canvas_frame = None  # until drawn complete: an error on the way leaves it unknown
        if self._canvas_pose_box is not None:
            x0, y0, x1, y1 = self._canvas_pose_box
            canvas[y0:y1, x0:x1] = 0
        self._canvas_pose_box = self._full
        painter = self._painter
        if painter is not None and painter.translucent:  # laid over what is under it: start from nothing
            x0, y0, x1, y1 = self._panel_box
            canvas[y0:y1, x0:x1] = 0
        geometry = self.scene.video_geometry(frame)
        draw(canvas, geometry, origin=self.origin)
        extent = geometry.extent()
        pose_box = None
        if extent is not None:
            pose_box = self._pixels(np.concatenate([np.floor(extent[:2]), np.ceil(extent[2:]) + 1]))
        straighten = [] if pose_box is None else [pose_box]  # where the premultiplied pixels may be translucent
        if painter is not None:  # last: a panel in a corner lies over the pose, as in the export
            x0, y0, x1, y1 = self._panel_box
            panel = canvas[y0:y1, x0:x1]
            if painter.translucent:
                composite_over(panel, painter.paint(frame))
                straighten = [part for box in straighten for part in _outside(box, self._panel_box)]
                straighten.append(self._panel_box)
            else:
                panel[..., :3] = painter.paint(frame)
                panel[..., 3] = 255
        for box in straighten:  # each pixel once: straightening twice would brighten it
            unpremultiply(canvas, box)
        self._canvas_pose_box, self._canvas_frame = pose_box, frame


def _outside(box: Box, hole: Box) -> list[Box]:
    """The parts of `box` outside `hole`, as up to four boxes."""
    x0, y0, x1, y1 = box
    hx0, hy0, hx1, hy1 = np.clip(hole, [x0, y0, x0, y0], [x1, y1, x1, y1])
    if hx0 >= hx1 or hy0 >= hy1:
        return [box]
    parts = [(x0, y0, x1, hy0), (x0, hy1, x1, y1), (x0, hy0, hx0, hy1), (hx1, hy0, x1, hy1)]
    return [part for part in parts if part[0] < part[2] and part[1] < part[3]]
