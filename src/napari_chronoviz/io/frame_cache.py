"""A thread-safe least-recently-used cache of decoded frames, bounded in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class FrameCache:
    """Keep the most recently used frames until `max_bytes` is reached (at least `min_frames`)."""

    def __init__(self, max_bytes: int, min_frames: int = 2):
        self.max_bytes = max_bytes
        self.min_frames = min_frames
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, index: int) -> np.ndarray | None:
        """Return the cached frame `index` (marking it recently used), or None."""
        with self._lock:
            frame = self._frames.get(index)
            if frame is not None:
                self._frames.move_to_end(index)
            return frame

    def __contains__(self, index: int) -> bool:
        with self._lock:
            return index in self._frames

    def put(self, index: int, frame: np.ndarray) -> None:
        """Store `frame` as `index`, evicting the least recently used frames beyond the budget."""
        with self._lock:
            previous = self._frames.pop(index, None)
            if previous is not None:
                self._bytes -= previous.nbytes
            self._frames[index] = frame
            self._bytes += frame.nbytes
            while self._bytes > self.max_bytes and len(self._frames) > self.min_frames:
                _, evicted = self._frames.popitem(last=False)
                self._bytes -= evicted.nbytes

    def clear(self) -> None:
        """Drop every cached frame."""
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes held by cached frames."""
        return self._bytes
