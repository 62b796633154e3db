"""Where each frame of a video stream is: its presentation timestamp and the keyframe to decode it from.

The index is built by demuxing packets, which is far cheaper than decoding. Frames are numbered in
presentation order (sorted presentation timestamps), whatever order the packets are stored in
(B-frames), and only the frames a player shows count: pre-roll frames that an mp4 edit list hides (a
file cut with `ffmpeg -c copy` starts decoding at the keyframe before the cut) are decoded but never
numbered. For each frame the index keeps the seek point (a keyframe, shown or hidden) from which decoding
must start to reach it. A seek aims at the keyframe's decoding timestamp: formats without an index
(MPEG-TS, MPEG-PS) search packets by it, and the B-frames stored after a keyframe are decoded before it is
shown, so aiming at its presentation timestamp lands past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import VideoReadError


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """Presentation timestamps of a stream's shown frames and, per frame, where decoding must start."""

    pts: np.ndarray  # int64, shown frames in presentation order, strictly increasing
    seek_point: np.ndarray  # int64, per frame: which of `seek_pts` to decode it from
    seek_pts: np.ndarray  # int64, timestamps of the keyframes decoding can start at, increasing
    seek_dts: np.ndarray  # int64, their decoding timestamps: what a seek aims at
    time_base: Fraction
    hidden: int = 0  # frames stored in the stream but hidden by the container (edit-list pre-roll)
    leading: int = 0  # frames shown before the keyframe of their group (open GOP): decoded from the group before

    def __len__(self) -> int:
        return len(self.pts)

    @property
    def times(self) -> np.ndarray:
        """Presentation times in seconds."""
        return self.pts * float(self.time_base)

    @property
    def keyframes(self) -> np.ndarray:
        """Indices of the shown frames that are keyframes (decoding can start at them)."""
        return np.flatnonzero(self.seek_pts[self.seek_point] == self.pts)

    def first_frame_at_or_after(self, pts: int) -> int:
        """Index of the first shown frame whose timestamp is `pts` or later."""
        return int(np.searchsorted(self.pts, pts))

    def frame_of_pts(self, pts: int) -> int:
        """Return the frame index whose timestamp is `pts`, or -1 when no frame has it."""
        position = self.first_frame_at_or_after(pts)
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
        return FrameIndex(
            self.pts[:n_frames],
            self.seek_point[:n_frames],
            self.seek_pts,
            self.seek_dts,
            self.time_base,
            self.hidden,
            self.leading,
        )


def index_from_packets(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: Path
) -> FrameIndex:
    """Demux every packet of `stream` (no decoding) and index its shown frames by presentation timestamp.

    Raises
    ------
    VideoReadError
        When packets carry no timestamp at all: their frames could not be placed in time.
    """
    timestamps, decoding, is_keyframe, shown = [], [], [], []
    untimed = 0
    for packet in container.demux(stream):
        if packet.size == 0:
            continue  # end-of-stream flush packets carry no frame
        timestamp = packet.pts if packet.pts is not None else packet.dts
        if timestamp is None:
            untimed += 1
            continue
        timestamps.append(timestamp)
        decoding.append(packet.dts if packet.dts is not None else timestamp)
        is_keyframe.append(packet.is_keyframe)
        shown.append(not packet.is_discard)
    if untimed:
        raise VideoReadError(
            f"{untimed} of the {untimed + len(timestamps)} video packets of {path} carry no timestamp (an H.264 "
            f"stream in an MPEG program stream is stored so), so their frames cannot be placed in time exactly. "
            f"Re-encode it into a container that times every frame: "
            f"ffmpeg -i {path.name} -c:v libx264 -crf 18 {path.stem}.mp4"
        )
    return _index_from_decode_order(
        np.asarray(timestamps, np.int64),
        np.asarray(decoding, np.int64),
        np.asarray(is_keyframe, bool),
        np.asarray(shown, bool),
        stream,
    )


def index_from_decoding(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: Path
) -> FrameIndex:
    """Decode every frame of `stream` (no pixel conversion) and index them: slower, but always agrees
    with what the decoder outputs (needed where packets and frames differ, e.g. packed B-frames in AVI).

    Raises
    ------
    VideoReadError
        When the frames come out of the decoder in another order than their timestamps (H.264 with
        B-frames in AVI, whose timestamps follow the packets): which frame is shown when is unknown.
    """
    timestamps, decoding, is_keyframe = [], [], []
    previous = None
    for frame in container.decode(stream):
        timestamp = frame.pts if frame.pts is not None else (previous + 1 if previous is not None else 0)
        timestamps.append(timestamp)
        decoding.append(frame.dts if frame.dts is not None else timestamp)
        is_keyframe.append(frame.key_frame)
        previous = timestamp
    shown = np.ones(len(timestamps), bool)  # the decoder outputs only frames to show
    if np.any(np.diff(timestamps) <= 0):
        raise VideoReadError(
            f"The frames of {path} come out of the decoder in another order than their timestamps (the "
            f"{stream.codec_context.name} stream has B-frames, and AVI times its packets in the order they are "
            "stored), so which frame is shown when cannot be known. Re-encode it: "
            f"ffmpeg -i {path.name} -c:v libx264 -crf 18 {path.stem}.mp4"
        )
    return _index_from_decode_order(
        np.asarray(timestamps, np.int64), np.asarray(decoding, np.int64), np.asarray(is_keyframe, bool), shown, stream
    )


def _index_from_decode_order(
    timestamps: np.ndarray, decoding: np.ndarray, is_keyframe: np.ndarray, shown: np.ndarray, stream
) -> FrameIndex:
    """The index of frames given in decoding order, with their presentation and decoding timestamps.

    A frame shown before the keyframe that starts its group in decoding order (an open-GOP leading
    B-frame, HEVC's RASL pictures) references the group before, so it is decoded from the previous
    keyframe.
    """
    time_base = stream.time_base or Fraction(1, 1)
    if len(timestamps) == 0:
        empty = np.empty(0, np.int64)
        return FrameIndex(empty, empty, empty, empty, time_base)
    if not is_keyframe.any():
        is_keyframe = is_keyframe.copy()
        is_keyframe[0] = True
    group = np.maximum(np.cumsum(is_keyframe) - 1, 0)
    seek_pts = timestamps[is_keyframe]
    leading = (timestamps < seek_pts[group]) & (group > 0)
    group[leading] -= 1
    order = np.argsort(timestamps[shown], kind="stable")
    return FrameIndex(
        timestamps[shown][order],
        group[shown][order],
        seek_pts,
        decoding[is_keyframe],
        time_base,
        hidden=int(np.count_nonzero(~shown)),
        leading=int(np.count_nonzero(leading & shown)),
    )
