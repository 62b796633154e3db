"""Check a user's own video file for exact frame access, and say what is unusual about it.

`check_video` reports what the container says (frames, time base, frame rate, keyframe interval,
B-frames, open GOPs, an edit list's hidden frames, what decoders had to learn from the first packets)
and a verdict: random frames, each read by a freshly opened source that saw nothing before, are
compared with a plain sequential decode of the whole file by PyAV (what a player shows), hash by hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .._times import mean_rate
from ..errors import VideoReadError, advice, in_words
from .imgstore import is_imgstore
from .orientation import Orientation, read_orientation
from .pyav_video import PyAVVideo
from .video_factory import checked_frame_times

GAP_FACTOR = 1.5  # a frame step this many times the median one is a gap (dropped frames)
RATE_TOLERANCE = 0.01  # steps within 1 % of the median: a constant frame rate


@dataclass(frozen=True)
class VideoCheck:
    """What `check_video` found; `str()` gives the report `chronoviz check` prints."""

    path: Path
    codec: str
    pix_fmt: str
    width: int  # as shown (after `orientation`)
    height: int
    orientation: Orientation  # the display matrix's turn and mirror
    upright: bool  # frames read turned as `orientation` says (False: kept as stored)
    n_frames: int
    decoded_frames: int  # frames a plain sequential decode yields
    times_agree: bool  # the index's frame times are the sequential decode's
    time_base: Fraction
    duration: float  # seconds from the first frame to the end of the last
    fps: float
    steps: tuple[float, float, float]  # min, median, max seconds between frames
    gaps: int  # steps over GAP_FACTOR x the median
    duplicate_times: int
    keyframe_interval: tuple[int, int]  # median and longest frames from one keyframe to the next
    reorder_depth: int  # frames the decoder holds back for B-frames (0: no B-frames)
    leading_frames: int  # open GOP: frames shown before their group's keyframe
    hidden_frames: int  # an edit list's pre-roll, decoded but never shown
    decoder_options: dict
    priming_needed: bool | None  # a fresh seek decodes differently without `decoder_options` (None: none learned)
    checked: tuple[int, ...]  # frames read by fresh sources
    wrong: tuple[int, ...]  # of those, frames that differ from the sequential decode
    frame_times_file: str | None = None  # the file the frame rate, steps and gaps were read from (None: the container)

    @property
    def constant_rate(self) -> bool:
        """Whether every frame step is within 1 % of the median step."""
        low, median, high = self.steps
        return median > 0 and high - low <= RATE_TOLERANCE * median

    @property
    def exact(self) -> bool:
        """Fresh reads equal the sequential decode, and the index counts and times the frames it yields."""
        return not self.wrong and self.decoded_frames == self.n_frames and self.times_agree

    def __str__(self) -> str:
        return self.report()

    def report(self, interface: str = "python") -> str:
        """The readable report, its advice in the words of `interface` ("python" or "cli", see `in_words`)."""
        verdict = "EXACT" if self.exact else "NOT EXACT"
        lines = [
            f"{self.path}: {verdict}: {len(self.checked) - len(self.wrong)} of {len(self.checked)} frames read "
            "by fresh sources equal a plain sequential decode"
        ]
        if self.wrong:
            lines.append(f"  wrong frames  {', '.join(map(str, self.wrong))}")
        count = f"{self.n_frames}" + (
            ""
            if self.decoded_frames == self.n_frames
            else f" indexed, but a sequential decode yields {self.decoded_frames}"
        )
        lines.append(f"  frames        {count}; {self.width}x{self.height} {self.codec} {self.pix_fmt}")
        if not self.orientation.is_stored and self.upright:
            stored = "x".join(map(str, self.orientation.displayed_size(self.width, self.height)))
            opencv = " (OpenCV turns them but does not mirror)" if self.orientation.mirrored else " and OpenCV"
            lines.append(
                f"  orientation   the display matrix shows the stored {stored} frames {self.orientation}: read "
                f"{self.width}x{self.height} as players{opencv} show them; {advice('upright')} keeps "
                "them as stored"
            )
        elif not self.orientation.is_stored:
            lines.append(
                f"  orientation   kept as stored ({self.width}x{self.height}), as asked; the display matrix would show "
                f"them {self.orientation}, as players and OpenCV do"
            )
        times = "" if self.times_agree else "; the indexed times differ from the decoder's"
        lines.append(f"  time          base {self.time_base}, {self.duration:.3f} s{times}")
        low, median, high = (1000 * step for step in self.steps)
        if self.constant_rate:
            rate = f"constant {self.fps:.3f} fps (step {median:.3f} ms)"
        else:
            rate = f"variable: steps {low:.3f} to {high:.3f} ms (median {median:.3f}), {self.gaps} gap(s)"
        if self.duplicate_times:
            rate += f", {self.duplicate_times} duplicate time(s)"
        timed_by = f" (from {self.frame_times_file})" if self.frame_times_file else ""
        lines.append(f"  frame rate    {rate}{timed_by}")
        median_gop, longest_gop = self.keyframe_interval
        b_frames = f"yes (reorder depth {self.reorder_depth})" if self.reorder_depth else "no"
        open_gop = f"yes ({self.leading_frames} leading frames)" if self.leading_frames else "no"
        lines.append(
            f"  keyframes     every {median_gop} frames (longest {longest_gop}); B-frames: {b_frames}; "
            f"open GOP: {open_gop}"
        )
        if self.hidden_frames:
            lines.append(
                f"  edit list     hides {self.hidden_frames} pre-roll frame(s): frame 0 is the first one a player shows"
            )
        if self.decoder_options:
            learned = ", ".join(f"{key}={value}" for key, value in self.decoder_options.items())
            needed = "needed: a fresh seek decodes differently without it" if self.priming_needed else "not needed here"
            lines.append(
                f"  priming       {learned} learned from the first packet and given to every decoder ({needed})"
            )
        return in_words("\n".join(lines), interface)


def check_video(
    path: str | Path, *, seeks: int = 20, seed: int = 0, frame_times: str | Path | None = None, upright: bool = True
) -> VideoCheck:
    """Check that frames of a video file are read exactly, and describe how the file keeps time.

    Decodes the whole file once with plain PyAV (sequentially, as a player does), and reads `seeks`
    random frames, each through a source opened afresh, comparing them by hash. Takes about as long
    as decoding the file.

    Parameters
    ----------
    path
        A video file (an imgstore is checked chunk file by chunk file).
    seeks
        How many random frames to read through fresh sources (the last frame is always one of them).
    seed
        Seed of the random choice of frames, for a repeatable check.
    frame_times
        A frame-time file (as `open_video` takes it: a camera's timestamps, an ataraxis log) whose times the
        frame rate, steps and gaps describe, in place of the container's; it is checked against the frame count.
    upright
        Read frames turned as the display matrix says (as `open_video` does); False checks them as stored.

    Returns
    -------
    VideoCheck
        The findings; `str()` of it is a readable report, `.exact` the verdict.

    Raises
    ------
    VideoReadError
        When the file cannot be opened as a video.
    """
    path = Path(path).expanduser()
    if is_imgstore(path):
        folder = path if path.is_dir() else path.parent
        raise VideoReadError(
            f"{path} is an imgstore: check its chunk video files one by one (e.g. `chronoviz check {folder}/*.mp4`)."
        )
    with PyAVVideo(path, readahead=0, upright=upright) as video:
        rng = np.random.default_rng(seed)
        checked = sorted(set(rng.integers(0, len(video), max(seeks - 1, 0)).tolist()) | {len(video) - 1})
        decoded_times, reference, reorder_depth = _sequential_decode(path, set(checked), video.orientation)
        wrong = []
        for index in checked:
            with video.reopened(readahead=0) as fresh:
                if _digest(fresh[index]) != reference.get(index):
                    wrong.append(index)
        index = video.frame_index
        priming_needed = None
        if video.decoder_options and checked:
            probe = checked[len(checked) // 2]
            without = decode_after_seek(
                path, int(index.pts[probe]), int(index.seek_targets[index.seek_point[probe]]), {}
            )
            priming_needed = _digest(video.orientation.apply(without)) != reference.get(probe)
        times = (
            video.frame_times
            if frame_times is None
            else checked_frame_times(frame_times, len(video), video_path=path, own_times=video.frame_times)
        )
        steps = np.diff(times)
        median_step = float(np.median(steps)) if len(steps) else 0.0
        keyframe_steps = np.diff(np.r_[video.keyframes, len(video)])
        times_agree = len(decoded_times) == len(video) and np.allclose(decoded_times, video.frame_times, atol=1e-9)
        return VideoCheck(
            path=path,
            codec=video.codec,
            pix_fmt=video.pix_fmt,
            width=video.width,
            height=video.height,
            orientation=video.orientation if upright else read_orientation(path),
            upright=upright,
            n_frames=len(video),
            decoded_frames=len(decoded_times),
            times_agree=bool(times_agree),
            time_base=index.time_base,
            duration=float(times[-1] - times[0] + median_step),
            fps=mean_rate(times) if frame_times is not None else video.fps,
            steps=(float(steps.min()), median_step, float(steps.max())) if len(steps) else (0.0,) * 3,
            gaps=int(np.count_nonzero(steps > GAP_FACTOR * median_step)),
            duplicate_times=int(np.count_nonzero(steps == 0)),
            keyframe_interval=(int(np.median(keyframe_steps)), int(keyframe_steps.max())),
            reorder_depth=int(reorder_depth),
            leading_frames=index.leading,
            hidden_frames=index.hidden,
            decoder_options=video.decoder_options,
            priming_needed=priming_needed,
            checked=tuple(checked),
            wrong=tuple(wrong),
            frame_times_file=None if frame_times is None else str(frame_times),
        )


def decode_after_seek(path: str | Path, pts: int, seek_target: int, decoder_options: dict[str, str]) -> np.ndarray:
    """The frame with timestamp `pts` as RGB, decoded by plain PyAV after a seek to `seek_target` (its
    keyframe's `FrameIndex.seek_targets` entry) with a new decoder given `decoder_options` (it saw no
    earlier packet of the file)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.options = dict(decoder_options)
        container.seek(seek_target, stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.pts == pts:
                return frame.to_ndarray(format="rgb24")
    raise VideoReadError(f"{path}: no frame with timestamp {pts} after a seek to {seek_target}.")


def _sequential_decode(
    path: Path, wanted: set[int], orientation: Orientation
) -> tuple[np.ndarray, dict[int, str], int]:
    """Every frame's time, the digests of the `wanted` frames (turned as `orientation` shows them) and the
    decoder's B-frame reorder depth, from a plain decode of the whole file."""
    times, digests = [], {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for position, frame in enumerate(container.decode(stream)):
            times.append(float(frame.pts * frame.time_base) if frame.pts is not None else np.nan)
            if position in wanted:
                digests[position] = _digest(orientation.apply(frame.to_ndarray(format="rgb24")))
        reorder_depth = stream.codec_context.has_b_frames  # known for sure once frames were decoded
    return np.asarray(times), digests, reorder_depth


def _digest(frame: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(frame).tobytes(), digest_size=16).hexdigest()
