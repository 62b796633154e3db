"""The video source: exact, lazy, thread-safe access to frames by index, and where they sit in time.

Every backend (PyAV files, imgstore stores, OpenCV through napari-video) is a `VideoSource`: it knows
its frame count, frame size and per-frame times, and returns frame k as an (H, W, 3) RGB uint8 array.
Indexing, slicing and the dask view are shared here; `video_factory.open_video` picks the backend.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import VideoReadError

_dask_names = itertools.count()


class VideoSource(ABC):
    """Frames of one video by index, with their times in seconds.

    Subclasses set `path`, `n_frames`, `height`, `width`, `fps` and `frame_times`, and implement
    `read_frame`. Indexing follows numpy: `video[k]`, `video[-1]`, `video[a:b:s]`,
    `video[[k1, k2]]` and tuples whose first item selects frames, the rest slicing each frame.
    """

    dtype = np.dtype(np.uint8)
    ndim = 4

    path: Path | None
    n_frames: int
    height: int
    width: int
    fps: float
    frame_times: np.ndarray

    @abstractmethod
    def read_frame(self, index: int) -> np.ndarray:
        """Return frame `index` (0 <= index < len) as an (H, W, 3) RGB uint8 array."""

    def read_yuv420(self, index: int) -> np.ndarray:
        """Frame `index` as an (H * 3/2, W) I420 array (BT.601, limited range), for yuv420p encoders.

        Even sizes only. Sources that decode to YUV override this to skip the trip through RGB."""
        return i420_of_rgb(self.read_frame(self._checked_index(index)))

    def close(self) -> None:  # noqa: B027 - not abstract: a source holding no files has nothing to release
        """Release open files and threads. The source can no longer read afterwards."""

    @property
    def recorded_file(self) -> Path | None:
        """The file the frames were recorded to, as tracking software names it (an NWB video: its first file)."""
        return self.path

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(n_frames, height, width, 3)."""
        return (self.n_frames, self.height, self.width, 3)

    def __len__(self) -> int:
        return self.n_frames

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({str(self.path)!r}, frames={self.n_frames}, "
            f"size={self.width}x{self.height}, fps={self.fps:.3f})"
        )

    def __getitem__(self, key: Any) -> np.ndarray:
        frame_key, pixel_key = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if frame_key is Ellipsis:
            frame_key, pixel_key = slice(None), (Ellipsis, *pixel_key)
        if isinstance(frame_key, (int, np.integer)):
            return self.read_frame(self._checked_index(int(frame_key)))[pixel_key]
        if isinstance(frame_key, slice):
            indices = range(*frame_key.indices(self.n_frames))
        else:
            indices = np.asarray(frame_key)
            if indices.dtype == bool:
                indices = np.flatnonzero(indices)
            indices = [self._checked_index(int(i)) for i in indices.ravel()]
        frames = np.empty((len(indices), self.height, self.width, 3), dtype=self.dtype)
        for position, index in enumerate(indices):
            frames[position] = self.read_frame(index)
        return frames[(slice(None), *pixel_key)]

    def _checked_index(self, index: int) -> int:
        if index < 0:
            index += self.n_frames
        if not 0 <= index < self.n_frames:
            raise IndexError(f"frame {index} is out of range for {self!r} (valid: 0..{self.n_frames - 1})")
        return index

    def to_dask(self):
        """Return a lazy dask array of shape `shape`, one chunk per frame, reading through this source."""
        import dask.array as da

        return da.from_array(
            self,
            chunks=(1, self.height, self.width, 3),
            asarray=False,
            fancy=False,
            lock=False,
            inline_array=True,  # the source in each task, not a key of its own: napari slices ~1.3 ms sooner
            meta=np.empty((0, 0, 0, 0), dtype=self.dtype),
            name=f"chronoviz-video-{next(_dask_names)}",
        )


def i420_of_rgb(rgb: np.ndarray) -> np.ndarray:
    """An (H, W, 3) RGB uint8 image of even size as an (H * 3/2, W) I420 array, BT.601 limited range."""
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


def raise_unreadable(path: Path, reason: str) -> None:
    """Raise a VideoReadError for `path`, adding what to check for the usual causes."""
    size = path.stat().st_size if path.exists() else 0
    if size == 0:
        raise VideoReadError(f"{path} is empty (0 bytes): the recording or copy did not finish. Copy it again.")
    raise VideoReadError(
        f"Cannot read {path} as a video: {reason}. The file may be truncated (an mp4 whose recording was "
        "interrupted has no index), not a video despite its extension, or in a format FFmpeg cannot read. "
        "Try `ffprobe` on it, or re-export it from the recording software."
    )
