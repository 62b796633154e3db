"""The pixels of several videos side by side: a `VideoSource` whose frame k is every tile's frame of that time.

The export pipeline reads it like one video: frame k of the tiled video is the canvas of the tiled area with
each video's frame `scene.tile_frames[i, k]` in its tile (resized when the tiling scales it). A tile whose
frame does not change from one output frame to the next (a slower camera) is decoded once.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from .._times import nominal_rate
from ..io.video import VideoSource
from ..overlays.tiles import TiledScene


class TiledVideo(VideoSource):
    """The tiled area of `scene` over `videos` (opened `VideoSource`s, in tile order; left open).

    `path` is the first video's (its audio is the export's), `paths` every video's."""

    def __init__(self, videos: list[VideoSource], scene: TiledScene):
        self.videos, self.scene = list(videos), scene
        self.paths = [video.path for video in self.videos]
        self.path = self.paths[0]
        self.frame_times = scene.frame_times
        self.n_frames = len(self.frame_times)
        self.width, self.height = scene.tiling.size
        self.fps = nominal_rate(self.frame_times) if self.n_frames > 1 else self.videos[0].fps
        self._boxes = scene.tiling.boxes.astype(int)
        self._last = [(None, None)] * len(self.videos)  # per tile: (frame index, tile pixels)
        self._lock = threading.Lock()

    def read_frame(self, index: int) -> np.ndarray:
        canvas = np.zeros((self.height, self.width, 3), np.uint8)
        for tile, (x0, y0, x1, y1) in enumerate(self._boxes):
            canvas[y0:y1, x0:x1] = self._tile(tile, int(self.scene.tile_frames[tile, index]), (x1 - x0, y1 - y0))
        return canvas

    def _tile(self, tile: int, frame: int, size: tuple[int, int]) -> np.ndarray:
        with self._lock:
            shown, pixels = self._last[tile]
            if shown != frame:
                pixels = self.videos[tile][frame]
                if pixels.shape[1::-1] != size:
                    pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
                self._last[tile] = (frame, pixels)
            return pixels

    @property
    def keyframes(self) -> np.ndarray:
        """The output frames a chunked export starts its chunks on: the first to show each keyframe of the first
        video (its frames are the output's unless `fps=` retimed it), so that its decoder starts there cleanly.
        The other videos' keyframes fall elsewhere: a chunk's first read of each seeks it exactly (from its own
        keyframe before). Every frame where the first tile changes when the first video names no keyframes."""
        first = self.videos[0]
        keyframes = getattr(first, "keyframes", np.arange(len(first)))
        return np.unique(np.searchsorted(self.scene.tile_frames[0], keyframes))
