"""Where each frame of a video stream is: its presentation timestamp and the keyframe to seek to.

The index is built by demuxing packets, which is far cheaper than decoding. Frames are numbered in
presentation order (sorted presentation timestamps), whatever order the packets are stored in
(B-frames). For each frame the index keeps the keyframe from which decoding must start to reach it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np


@dataclass(frozen=True)
class FrameIndex:
    """Presentation timestamps of a stream's frames and, per frame, the keyframe to decode from."""

    pts: np.ndarray  # int64, presentation order, strictly increasing
    keyframe: np.ndarray  # int64, per frame: the frame index of the keyframe to seek to
    time_base: Fraction

    def __len__(self) -> int:
        return len(self.pts)

    @property
    def times(self) -> np.ndarray:
        """Presentation times in seconds."""
        return self.pts * float(self.time_base)

    def frame_of_pts(self, pts: int) -> int:
        """Return the frame index whose timestamp is `pts`, or -1 when no frame has it."""
        position = int(np.searchsorted(self.pts, pts))
        if position < len(self.pts) and self.pts[position] == pts:
            return position
        return -1

    def identify(self, pts: int | None, previous: int) -> int:
        """The frame index of a decoded frame with timestamp `pts`, decoded right after frame `previous`.

        Frames without a timestamp, or with one the index lacks, are taken to follow `previous`."""
        found = self.frame_of_pts(pts) if pts is not None else -1
        return found if found >= 0 else previous + 1

    def truncated(self, n_frames: int) -> FrameIndex:
        """Return the index of the first `n_frames` frames."""
        return FrameIndex(self.pts[:n_frames], self.keyframe[:n_frames], self.time_base)


def index_from_packets(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> FrameIndex:
    """Demux every packet of `stream` (no decoding) and index its frames by presentation timestamp.

    A frame shown before the keyframe that starts its group in decoding order (an open-GOP leading
    B-frame) needs the group before, so it seeks to the previous keyframe.
    """
    timestamps, is_keyframe = [], []
    for packet in container.demux(stream):
        if packet.size == 0:
            continue  # end-of-stream flush packets carry no frame
        timestamp = packet.pts if packet.pts is not None else packet.dts
        if timestamp is None:
            continue
        timestamps.append(timestamp)
        is_keyframe.append(packet.is_keyframe)
    return _index_from_decode_order(np.asarray(timestamps, dtype=np.int64), np.asarray(is_keyframe, bool), stream)


def index_from_decoding(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> FrameIndex:
    """Decode every frame of `stream` (no pixel conversion) and index them: slower, but always agrees
    with what the decoder outputs (needed where packets and frames differ, e.g. packed B-frames in AVI)."""
    timestamps, is_keyframe = [], []
    previous = None
    for frame in container.decode(stream):
        timestamp = frame.pts if frame.pts is not None else (previous + 1 if previous is not None else 0)
        timestamps.append(timestamp)
        is_keyframe.append(frame.key_frame)
        previous = timestamp
    return _index_from_decode_order(np.asarray(timestamps, dtype=np.int64), np.asarray(is_keyframe, bool), stream)


def _index_from_decode_order(timestamps: np.ndarray, is_keyframe: np.ndarray, stream) -> FrameIndex:
    time_base = stream.time_base or Fraction(1, 1)
    if len(timestamps) == 0:
        return FrameIndex(np.empty(0, np.int64), np.empty(0, np.int64), time_base)
    if not is_keyframe.any():
        is_keyframe = is_keyframe.copy()
        is_keyframe[0] = True
    group = np.maximum(np.cumsum(is_keyframe) - 1, 0)
    group_keyframe_pts = timestamps[is_keyframe]
    leading = (timestamps < group_keyframe_pts[group]) & (group > 0)
    group[leading] -= 1
    seek_pts = group_keyframe_pts[group]

    order = np.argsort(timestamps, kind="stable")
    pts = timestamps[order]
    keyframe = np.searchsorted(pts, seek_pts[order])
    return FrameIndex(pts, keyframe.astype(np.int64), time_base)
