"""Videos whose frames know who they are, for tests and benchmarks.

Each frame carries its own index as a grid of large black/white blocks (one bit per block, most
significant bit first, read left to right and top to bottom). The blocks survive lossy codecs and chroma
subsampling, so `read_stamp` recovers the index of any decoded frame and a test can tell which frame a
reader really returned.
"""

from __future__ import annotations

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
