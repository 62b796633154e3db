"""A thread-safe least-recently-used cache of decoded frames, bounded in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class FrameCache:
    """Keep the most recently used frames until `max_bytes` is reached (at least `min_frames`).

    A frame is usually an array; any other object (a decoded frame not yet converted, say) can be
    stored with its size given to `put`.
    """

    def __init__(self, max_bytes: int, min_frames: int = 2):
        self.max_bytes = max_bytes
        self.min_frames = min_frames
        self._frames: OrderedDict[int, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, index: int) -> Any | None:
        """Return the cached frame `index` (marking it recently used), or None."""
        with self._lock:
            entry = self._frames.get(index)
            if entry is None:
                return None
            self._frames.move_to_end(index)
            return entry[0]

    def __contains__(self, index: int) -> bool:
        with self._lock:
            return index in self._frames

    def put(self, index: int, frame: Any, nbytes: int | None = None) -> None:
        """Store `frame` as `index`, evicting the least recently used frames beyond the budget.

        Parameters
        ----------
        index
            The frame's index in the video.
        frame
            The frame: an array, or any object whose size is given as `nbytes`.
        nbytes
            Bytes the frame holds; None takes the array's `nbytes`.
        """
        size = frame.nbytes if nbytes is None else nbytes
        with self._lock:
            previous = self._frames.pop(index, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._frames[index] = (frame, size)
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._frames) > self.min_frames:
                _, (_, evicted_size) = self._frames.popitem(last=False)
                self._bytes -= evicted_size

    def clear(self) -> None:
        """Drop every cached frame."""
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes held by cached frames."""
        return self._bytes
