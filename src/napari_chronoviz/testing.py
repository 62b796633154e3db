"""Videos whose frames know who they are, for tests and benchmarks.

Each frame carries its own index as a grid of large black/white blocks (one bit per block, most
significant bit first, read left to right and top to bottom). The blocks survive lossy codecs and chroma
subsampling, so `read_stamp` recovers the index of any decoded frame and a test can tell which frame a
reader really returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

STAMP_GRID = (4, 5)  # rows x columns of blocks: 20 bits, enough for 1,048,575 frames
_STAMP_BITS = STAMP_GRID[0] * STAMP_GRID[1]


def stamp_frame(index: int, height: int, width: int) -> np.ndarray:
    """Return an (height, width, 3) uint8 RGB frame whose blocks spell `index` in binary."""
    if not 0 <= index < 2**_STAMP_BITS:
        raise ValueError(f"stamp index must be in [0, {2**_STAMP_BITS}), got {index}")
    bits = (index >> np.arange(_STAMP_BITS - 1, -1, -1)) & 1
    rows = np.arange(height) * STAMP_GRID[0] // height
    cols = np.arange(width) * STAMP_GRID[1] // width
    cell = rows[:, None] * STAMP_GRID[1] + cols[None, :]
    gray = (bits[cell] * 255).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2)


def read_stamp(frame: np.ndarray) -> int:
    """Return the index spelled by a frame made by `stamp_frame` (RGB or grayscale, any codec)."""
    gray = frame.mean(axis=2) if frame.ndim == 3 else frame.astype(float)
    height, width = gray.shape
    value = 0
    for row in range(STAMP_GRID[0]):
        for col in range(STAMP_GRID[1]):
            top, bottom = row * height // STAMP_GRID[0], (row + 1) * height // STAMP_GRID[0]
            left, right = col * width // STAMP_GRID[1], (col + 1) * width // STAMP_GRID[1]
            margin_y, margin_x = (bottom - top) // 4, (right - left) // 4
            center = gray[top + margin_y : bottom - margin_y, left + margin_x : right - margin_x]
            value = (value << 1) | int(center.mean() > 127)
    return value


def plain_decode(path) -> tuple[list[np.ndarray], np.ndarray]:
    """Every frame (RGB) of a video file and its time from the first, by a plain sequential PyAV decode: how a test
    checks what chronoviz wrote without chronoviz's own reader."""
    with av.open(str(path)) as container:
        frames = [(frame.to_ndarray(format="rgb24"), float(frame.time)) for frame in container.decode(video=0)]
    times = np.array([time for _, time in frames])
    return [pixels for pixels, _ in frames], times - times[0]


def make_stamped_video(
    path: str | Path,
    n_frames: int,
    *,
    size: tuple[int, int] = (160, 120),
    fps: float = 30,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    gop: int | None = None,
    b_frames: int | None = None,
    pts: np.ndarray | None = None,
    time_base: Fraction | None = None,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
    audio: bool = False,
    first_stamp: int = 0,
) -> Path:
    """Write a video of `n_frames` stamped frames and return its path.

    `size` is (width, height). `pts` gives each frame's presentation timestamp in `time_base` units
    (variable frame rate); by default frame k is shown at k / fps. `gop` and `b_frames` set the encoder's
    keyframe interval and B-frame count; `options` passes further encoder options and
    `container_options` muxer options (e.g. {"movflags": "faststart"}). `audio` adds an AAC stream with
    a 440 Hz tone as long as the video. Frame k shows `first_stamp + k` (a recording's second file goes on
    counting).
    """
    path = Path(path)
    width, height = size
    rate = Fraction(fps).limit_denominator(1001)
    if time_base is None:
        time_base = Fraction(1, 90000) if pts is not None else 1 / rate
    if pts is None:
        pts = np.round(np.arange(n_frames) / float(rate * time_base)).astype(np.int64)
    if len(pts) != n_frames:
        raise ValueError(f"got {len(pts)} pts for {n_frames} frames")
    with av.open(str(path), mode="w", options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if gop is not None:
            stream.codec_context.gop_size = gop
        if b_frames is not None:
            stream.codec_context.max_b_frames = b_frames
        if options:
            stream.options = dict(options)
        sound = container.add_stream("aac", rate=TONE_RATE) if audio else None  # streams come before any packet
        for index in range(n_frames):
            frame = av.VideoFrame.from_ndarray(stamp_frame(first_stamp + index, height, width), format="rgb24")
            frame.pts = int(pts[index])
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            _encode_tone(container, sound, seconds=float(pts[-1] * time_base) + float(1 / rate))
    return path


TONE_RATE = 48000


def _encode_tone(container, sound, seconds: float) -> None:
    samples = np.sin(np.arange(int(seconds * TONE_RATE)) / TONE_RATE * 2 * np.pi * 440).astype(np.float32)
    for start in range(0, len(samples), 1024):
        chunk = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples[None, start : start + 1024]), format="fltp", layout="mono"
        )
        chunk.sample_rate, chunk.pts = TONE_RATE, start
        container.mux(sound.encode(chunk))
    container.mux(sound.encode(None))


@dataclass(frozen=True, eq=False)
class SyncRecording:
    """A video with a painted sync LED and the truth it was made from (`make_sync_video`).

    `rig_onsets` / `rig_offsets` are the pulses' rising and falling edges on the rig's clock; frame k of the
    video was taken at video time `(k + lost_before_k) / fps`, i.e. rig time `offset + (1 + drift_ppm * 1e-6) *`
    that, where `dropped` are the frames just after each lost one.
    """

    path: Path
    led: tuple[int, int, int, int]  # x, y, w, h
    rig_onsets: np.ndarray
    rig_offsets: np.ndarray
    offset: float
    drift_ppm: float
    dropped: tuple[int, ...]
    fps: float

    def true_rig_times(self, n_frames: int) -> np.ndarray:
        """Each frame's rig time, as the video was made."""
        lost = np.zeros(n_frames)
        for frame in self.dropped:
            lost[frame:] += 1
        return self.offset + (1 + self.drift_ppm * 1e-6) * (np.arange(n_frames) + lost) / self.fps


def sync_pulses(seconds: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random sync pulse train: onsets 0.5-1.5 s apart, each 0.15-0.35 s long; (onsets, offsets) in seconds."""
    rng = np.random.default_rng(seed)
    onsets = np.cumsum(rng.uniform(0.5, 1.5, int(seconds / 0.5) + 2))
    onsets = onsets[onsets < seconds]
    return onsets, onsets + rng.uniform(0.15, 0.35, len(onsets))


def make_sync_video(
    path: str | Path,
    *,
    source: str | Path | None = None,
    n_frames: int = 1800,
    size: tuple[int, int] = (160, 120),
    fps: float = 30,
    offset: float = 3.0,
    drift_ppm: float = 80.0,
    dropped: tuple[int, ...] = (),
    led: tuple[int, int, int, int] | None = None,
    unseen: float = 0.0,
    seed: int = 0,
    pulses=None,
) -> SyncRecording:
    """Write a video showing a sync LED driven by a random pulse train on a rig's clock; return the truth.

    The pictures are `source`'s frames (a video file, e.g. real footage) or, without one, smooth stripes
    drifting one pixel per frame. Frame k shows the picture taken at video time (k + frames lost before k) /
    fps: the frames before each of `dropped` are skipped, as a camera that lost one. The LED (a box at `led`,
    x, y, w, h; default the top-right corner) is painted lit by the fraction of the frame's exposure (a frame
    step centred on its time) during which the rig's pulse was on, the rig's clock running at
    `offset + (1 + drift_ppm * 1e-6) * video time`. A share `unseen` of the pulses (chosen at random) leaves the
    LED dark, as an LED the camera missed. `source` must hold `n_frames + len(dropped)` frames. `pulses` is
    the rig's train, as a function of the seconds it lasts returning its (rising, falling) edge times (e.g.
    barcodes: `BitCodes.pulses`); default a random train (`sync_pulses`).
    """
    path = Path(path)
    frames = _source_pictures(source, n_frames, size)
    first = next(frames)
    height, width = first.shape[:2]
    led = led or (width - 28, 8, 20, 20)
    total = n_frames + len(dropped)
    seconds = offset + total / fps * (1 + drift_ppm * 1e-6) + 2
    onsets, offsets = sync_pulses(seconds, seed) if pulses is None else pulses(seconds)
    onsets, offsets = onsets[onsets > offset - 1], offsets[onsets > offset - 1]
    shown = np.ones(len(onsets), bool)
    shown[np.random.default_rng(seed + 1).choice(len(onsets), int(round(unseen * len(onsets))), replace=False)] = False
    rate = Fraction(fps).limit_denominator(1001)
    x, y, w, h = led
    taken = _taken_indices(n_frames, dropped)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=rate, options={"crf": "18", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = width - width % 2, height - height % 2, "yuv420p"
        picture, position = first, 0
        for index, capture in enumerate(taken):
            while position < capture:
                picture, position = next(frames), position + 1
            frame = picture.copy()
            middle = capture / fps
            start, end = offset + (1 + drift_ppm * 1e-6) * np.array([middle - 0.5 / fps, middle + 0.5 / fps])
            lit = np.sum(np.clip(np.minimum(offsets[shown], end) - np.maximum(onsets[shown], start), 0, None))
            lit /= end - start
            frame[y : y + h, x : x + w] = np.round(30 + lit * (250 - 30)).astype(np.uint8)
            video_frame = av.VideoFrame.from_ndarray(frame[: stream.height, : stream.width], format="rgb24")
            video_frame.pts = index
            video_frame.time_base = 1 / rate
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))
    return SyncRecording(path, led, onsets, offsets, offset, drift_ppm, tuple(dropped), float(fps))


def _taken_indices(n_frames: int, dropped) -> np.ndarray:
    """The picture each output frame shows: frame k shows picture k + (frames lost before k)."""
    lost = np.zeros(n_frames, int)
    for frame in dropped:
        lost[frame:] += 1
    return np.arange(n_frames) + lost


def _source_pictures(source, n_frames: int, size: tuple[int, int]):
    """RGB pictures, one per capture: `source`'s frames in order, or drifting stripes."""
    if source is not None:
        with av.open(str(source)) as container:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
        return
    width, height = size
    columns, rows = np.meshgrid(np.arange(width), np.arange(height))
    for index in range(n_frames + 64):
        phase = 2 * np.pi * (columns + 0.5 * rows - index) / 48
        gray = (128 + 90 * np.sin(phase)).astype(np.uint8)
        yield np.repeat(gray[:, :, None], 3, axis=2)
