"""Where each frame of a video stream is: its presentation timestamp and the keyframe to decode it from.

The index is built by demuxing packets, which is far cheaper than decoding. Frames are numbered in
presentation order (sorted presentation timestamps), whatever order the packets are stored in
(B-frames), and only the frames a player shows count: pre-roll frames that an mp4 edit list hides (a
file cut with `ffmpeg -c copy` starts decoding at the keyframe before the cut) are decoded but never
numbered. For each frame the index keeps the seek point (a keyframe, shown or hidden) from which decoding
must start to reach it, and the timestamp a seek aims at to land there: the keyframe's presentation
timestamp, except in formats without an index (MPEG-TS, MPEG program streams), which are searched by
decoding timestamps; there the B-frames stored after a keyframe have decoding timestamps before its shown
time, so aiming at that lands past it. (mp4 and Matroska search by presentation time: aiming at the
decoding timestamp there lands a whole group early.)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import VideoReadError

# Demuxers without an index, which search a file by the packets' decoding timestamps
DECODING_TIME_SEARCH = ("mpegts", "mpeg")


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """Presentation timestamps of a stream's shown frames and, per frame, where decoding must start."""

    pts: np.ndarray  # int64, shown frames in presentation order, strictly increasing
    seek_point: np.ndarray  # int64, per frame: which of `seek_pts` to decode it from
    seek_pts: np.ndarray  # int64, timestamps of the keyframes decoding can start at, increasing
    seek_targets: np.ndarray  # int64, the timestamps a seek aims at to land on each of them
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
        following = previous + 1
        if pts is not None and following < len(self.pts) and self.pts[following] == pts:
            return following  # the usual case, without a search
        found = self.frame_of_pts(pts) if pts is not None else -1
        return found if found >= 0 else following

    def truncated(self, n_frames: int) -> FrameIndex:
        """Return the index of the first `n_frames` frames."""
        return FrameIndex(
            self.pts[:n_frames],
            self.seek_point[:n_frames],
            self.seek_pts,
            self.seek_targets,
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
    timestamps, seek_at, is_keyframe, shown = [], [], [], []
    by_decoding_time = container.format.name in DECODING_TIME_SEARCH
    untimed = 0
    for packet in container.demux(stream):
        if packet.size == 0:
            continue  # end-of-stream flush packets carry no frame
        timestamp = packet.pts if packet.pts is not None else packet.dts
        if timestamp is None:
            untimed += 1
            continue
        timestamps.append(timestamp)
        seek_at.append(packet.dts if by_decoding_time and packet.dts is not None else timestamp)
        is_keyframe.append(packet.is_keyframe)
        shown.append(not packet.is_discard)
    if untimed:
        raise VideoReadError(
            f"{untimed} of the {untimed + len(timestamps)} video packets of {path} carry no timestamp (an H.264 "
            f"stream in an MPEG program stream is stored so), so their frames cannot be placed in time exactly. "
            f"Re-encode it into a container that times every frame: {_re_encoding(path)}"
        )
    return _index_from_decode_order(
        np.asarray(timestamps, np.int64),
        np.asarray(seek_at, np.int64),
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
    timestamps, is_keyframe = [], []
    previous = None
    for frame in container.decode(stream):
        timestamp = frame.pts if frame.pts is not None else (previous + 1 if previous is not None else 0)
        timestamps.append(timestamp)
        is_keyframe.append(frame.key_frame)
        previous = timestamp
    shown = np.ones(len(timestamps), bool)  # the decoder outputs only frames to show
    if np.any(np.diff(timestamps) <= 0):
        raise VideoReadError(
            f"The frames of {path} come out of the decoder in another order than their timestamps (the "
            f"{stream.codec_context.name} stream has B-frames, and AVI times its packets in the order they are "
            f"stored), so which frame is shown when cannot be known. Re-encode it: {_re_encoding(path)}"
        )
    timestamps = np.asarray(timestamps, np.int64)
    return _index_from_decode_order(timestamps, timestamps, np.asarray(is_keyframe, bool), shown, stream)


def _re_encoding(path: Path) -> str:
    """The ffmpeg command that re-encodes `path` into an mp4 with a timestamp on every frame."""
    return f"ffmpeg -i {path.name} -c:v libx264 -crf 18 {path.stem}.mp4"


def _index_from_decode_order(
    timestamps: np.ndarray, seek_targets: np.ndarray, is_keyframe: np.ndarray, shown: np.ndarray, stream
) -> FrameIndex:
    """The index of frames given in decoding order, with their presentation timestamps and the timestamps a
    seek aims at to land on each.

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
        seek_targets[is_keyframe],
        time_base,
        hidden=int(np.count_nonzero(~shown)),
        leading=int(np.count_nonzero(leading & shown)),
    )


def chunk_ranges(keyframes: np.ndarray, start: int, end: int, n_chunks: int) -> list[tuple[int, int]]:
    """Split `start..end` into at most `n_chunks` ranges that begin on keyframes of the input."""
    cuts = [int(k) for k in np.asarray(keyframes) if start < k < end]
    if not cuts or n_chunks <= 1:
        return [(start, end)]
    wanted = np.linspace(start, end, n_chunks + 1)[1:-1]
    chosen = sorted({min(cuts, key=lambda k: abs(k - target)) for target in wanted})
    bounds = [start, *chosen, end]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
