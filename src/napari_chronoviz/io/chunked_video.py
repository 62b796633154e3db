"""A recording split into several video files, read as one: imgstore stores' chunks, NWB videos' external files."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import VideoReadError

OPEN_CHUNKS = 3  # decoders kept open: the chunk played, the one before and the one after a boundary


class VideoChunks:
    """Frames by index across video files played one after another, each file opened when first read.

    Parameters
    ----------
    files
        The chunk files, in order.
    starts
        The index of each chunk's first frame in the whole recording, then the recording's frame count (one more
        than `files`).
    mismatch
        `(file, decoded, expected) -> message` for a chunk that decodes to another number of frames than `starts`
        gives it (the message says what the recording's metadata claims and what to do).
    opened
        Chunks the caller has already opened (`PyAVVideo`s by chunk index, e.g. the last one, opened to count the
        recording's frames): kept and closed with the others.
    """

    def __init__(
        self,
        files: Sequence[Path],
        starts: Sequence[int],
        mismatch: Callable[[Path, int, int], str],
        opened: dict[int, object] | None = None,
    ):
        self.files = [Path(file) for file in files]
        self.starts = np.asarray(starts, dtype=np.int64)
        self._mismatch = mismatch
        self._open: OrderedDict[int, object] = OrderedDict(opened or {})
        self._lock = threading.Lock()

    def read_frame(self, index: int) -> np.ndarray:
        """Frame `index` of the whole recording as RGB uint8."""
        chunk = int(np.searchsorted(self.starts, index, side="right") - 1)
        return self.chunk(chunk).read_frame(index - int(self.starts[chunk]))

    def chunk(self, chunk: int):
        """The opened video of chunk `chunk` (a `PyAVVideo`), checked to hold its frames."""
        with self._lock:
            video = self._open.get(chunk)
            if video is not None:
                self._open.move_to_end(chunk)
                return video
            from .pyav_video import PyAVVideo

            video = PyAVVideo(self.files[chunk])
            expected = int(self.starts[chunk + 1] - self.starts[chunk])
            if len(video) != expected:
                video.close()
                raise VideoReadError(self._mismatch(self.files[chunk], len(video), expected))
            self._open[chunk] = video
            while len(self._open) > OPEN_CHUNKS:
                self._open.popitem(last=False)[1].close()
            return video

    def close(self) -> None:
        """Close the open chunk videos."""
        with self._lock:
            for video in self._open.values():
                video.close()
            self._open.clear()
