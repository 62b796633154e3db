"""napari-video's OpenCV reader behind the `VideoSource` interface, as an alternative backend.

OpenCV seeks with `CAP_PROP_POS_FRAMES` and knows only the nominal frame rate, so on variable-rate or
long-GOP files it can return the wrong frame; frame times here are `index / fps`. It is kept for
comparison (the benchmarks measure against it) and for files PyAV cannot open.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..errors import VideoReadError
from .video import VideoSource, raise_unreadable


class OpenCVVideo(VideoSource):
    """A video file read by napari-video's `VideoReaderNP` (OpenCV)."""

    def __init__(self, path: str | Path):
        from napari_video.napari_video import VideoReaderNP

        self.path = Path(path)
        if self.path.stat().st_size == 0:
            raise_unreadable(self.path, "empty file")
        try:
            self._reader = VideoReaderNP(str(self.path), remove_leading_singleton=True)
        except Exception as error:  # videoreader raises bare exceptions for unreadable files
            raise_unreadable(self.path, f"OpenCV says '{error}'")
        self.n_frames = self._reader.number_of_frames
        self.height, self.width = self._reader.frame_height, self._reader.frame_width
        if self.n_frames <= 0 or self.height <= 0:
            raise_unreadable(self.path, "OpenCV found no frames")
        self.fps = float(self._reader.frame_rate)
        self.frame_times = np.arange(self.n_frames) / self.fps
        self._lock = threading.Lock()

    def read_frame(self, index: int) -> np.ndarray:
        """Return frame `index` as OpenCV finds it (RGB uint8)."""
        with self._lock:
            frame = self._reader[index]
        if frame is None:
            raise VideoReadError(f"OpenCV could not read frame {index} of {self.path}.")
        return frame

    def close(self) -> None:
        """Release the OpenCV capture."""
        with self._lock:
            self._reader.close()
