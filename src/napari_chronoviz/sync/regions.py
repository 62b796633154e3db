"""Signals read from the video itself: the mean colour and the motion of a region, for every frame.

A sync LED, a cue light or a lever seen by the camera becomes a signal on the video's own clock: the mean red,
green and blue of the region's pixels (as the frames are shown, 0-255), the region's motion energy (mean
absolute change of those pixels since the frame before), and the motion of the whole picture (the share of it
whose luma changed by more than a codec's noise, on a 1-in-4 grid, the region left out), which pinpoints
dropped and repeated frames (`sync.fit`).

Each frame is decoded once, in order. For PyAV files stored as YUV 4:2:0 or 4:4:4 only the region's box is
cut from the decoded planes; the boxes of a chunk of frames are stacked into one picture and converted to RGB
in one call with the conversion the frames are shown with, so the colours equal those of `video[k]`.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from ..errors import ChronovizError, ScanCancelled
from ..io.timeseries import Signal

CHANNELS = ("red", "green", "blue", "motion", "frame motion")
MOTION_GRID = 4  # the whole picture's motion is read on every 4th pixel of every 4th row
# a change of luma that counts as motion: more than a codec's noise, which changes at every keyframe
MOTION_LEVELS = 16
MAX_STACKED_ROWS = 16384  # rows of region boxes converted to RGB in one call
_CROPPED_FORMATS = {"yuv420p": 2, "yuvj420p": 2, "yuv444p": 1, "yuvj444p": 1}  # chroma subsampling
# BT.601 luma of RGB in studio range, as the Y plane of the usual 8-bit YUV video holds it
_LUMA_WEIGHTS = np.array([65.481, 128.553, 24.966]) / 255


@dataclass(frozen=True, eq=False)
class Region:
    """A region of the picture: a polygon with vertices in pixels (x to the right, y down), as displayed.

    A pixel belongs to the region when its centre lies inside the polygon (`cv2.fillPoly`), so a rectangle
    `x, y, w, h` holds the pixels of columns x..x+w-1 and rows y..y+h-1.
    """

    vertices: np.ndarray  # (n, 2) float: x, y

    def __post_init__(self):
        vertices = np.asarray(self.vertices, dtype=float)
        if vertices.ndim != 2 or vertices.shape[1] != 2 or len(vertices) < 3 or not np.isfinite(vertices).all():
            raise ChronovizError(
                f"A region is a polygon of at least 3 (x, y) vertices in pixels, got {np.shape(self.vertices)}."
            )
        object.__setattr__(self, "vertices", vertices)

    @classmethod
    def rectangle(cls, x: float, y: float, width: float, height: float) -> Region:
        """The rectangle whose top-left pixel is (x, y), `width` pixels wide and `height` tall."""
        if not (width > 0 and height > 0):
            raise ChronovizError(f"A rectangle needs a positive width and height, got {width} x {height}.")
        x0, y0, x1, y1 = x - 0.5, y - 0.5, x + width - 0.5, y + height - 0.5  # pixel edges around the centres
        return cls(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))

    @classmethod
    def from_text(cls, text: str) -> Region:
        """A rectangle typed as "x,y,w,h" (pixels), as `chronoviz sync --roi` takes it."""
        try:
            x, y, width, height = (float(part) for part in text.split(","))
        except ValueError:
            raise ChronovizError(
                f"A region is typed as x,y,w,h in pixels (its top-left pixel, width and height), e.g. 600,20,24,24; "
                f"got {text!r}."
            ) from None
        return cls.rectangle(x, y, width, height)

    @classmethod
    def from_napari(cls, data) -> Region:
        """The region of a napari Shapes rectangle or polygon: its vertices as (..., row, column) world
        coordinates, which on a video layer are pixel centres (row y, column x)."""
        rows_columns = np.asarray(data, dtype=float)[:, -2:]
        return cls(rows_columns[:, ::-1])

    def to_dict(self) -> dict:
        return {"vertices": self.vertices.round(3).tolist()}

    @classmethod
    def from_dict(cls, given: dict) -> Region:
        return cls(np.asarray(given["vertices"], dtype=float))

    def mask(self, box: tuple[int, int, int, int]) -> np.ndarray:
        """The region's pixels in `box` as a boolean (rows, columns) array."""
        x0, y0, x1, y1 = box
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        # fillPoly fills the pixels whose centres lie inside, in fixed point with 8 fractional bits
        points = np.round((self.vertices - [x0, y0]) * 256).astype(np.int32)
        cv2.fillPoly(mask, [points], 1, lineType=cv2.LINE_8, shift=8)
        return mask.astype(bool)

    def _box_and_mask(self, width: int, height: int):
        x0, y0 = np.maximum(np.ceil(self.vertices.min(axis=0) - 0.5).astype(int), 0)
        x1, y1 = np.minimum(np.floor(self.vertices.max(axis=0) + 0.5).astype(int), [width, height])
        if x1 > x0 and y1 > y0:
            box = (int(x0), int(y0), int(x1), int(y1))
            mask = self.mask(box)
            if mask.any():
                return box, mask
        low, high = self.vertices.min(axis=0), self.vertices.max(axis=0)
        raise ChronovizError(
            f"The region (x {low[0]:g}..{high[0]:g}, y {low[1]:g}..{high[1]:g}) holds no pixel of the "
            f"{width}x{height} picture. Draw it over the LED, inside the frame."
        )


def region_signals(video, region: Region, *, start: int = 0, stop: int | None = None, progress=None) -> Signal:
    """The mean colour and motion of `region` in every frame of `video`, one sample per frame.

    Parameters
    ----------
    video
        A `VideoSource` (`open_video`).
    region
        The `Region` (pixels of the frames as displayed).
    start, stop
        The frames to read (default: all).
    progress
        Called as `progress(done, total)` after each chunk of frames; returning True cancels the scan.

    Returns
    -------
    Signal
        Channels `CHANNELS`: "red", "green", "blue" (the region's mean, 0-255), "motion" (mean absolute
        change of the region's pixel values since the frame before, over the three channels), "frame motion"
        (the share of the whole picture, but the region's box, whose luma changed by more than
        `MOTION_LEVELS` since the frame before, on a 1-in-`MOTION_GRID` grid). The motions are
        NaN on the first frame read. `times` are the frames' times.

    Raises
    ------
    ChronovizError
        When the region holds no pixel of the picture.
    ScanCancelled
        When `progress` asked to stop.
    """
    stop = video.n_frames if stop is None else min(int(stop), video.n_frames)
    if not 0 <= start < stop:
        raise ChronovizError(f"The frames {start}..{stop} to read are not inside the video (0..{video.n_frames}).")
    box, mask = region._box_and_mask(video.width, video.height)
    stats = _RegionStats(mask, box, stop - start)
    stored = getattr(video, "orientation", None) is None or video.orientation.is_stored
    if hasattr(video, "decoded_in_order") and stored:
        chunks = _decoded_chunks(video, box, start, stop)
    else:
        chunks = _read_chunks(video, box, start, stop)
    for rgb, luma_grid in chunks:
        stats.add(rgb, luma_grid)
        if progress is not None and progress(stats.done, stats.total):
            raise ScanCancelled(f"Reading the region was cancelled after {stats.done} of {stats.total} frames.")
    return Signal(
        stats.values,
        CHANNELS,
        times=np.asarray(video.frame_times[start:stop], dtype=float).copy(),
        source=f"region of {getattr(video, 'path', None) or 'the video'}",
    )


class _RegionStats:
    """Accumulates the per-frame means of chunks of region boxes."""

    def __init__(self, mask: np.ndarray, box: tuple[int, int, int, int], total: int):
        self.mask, self.total, self.done = mask, total, 0
        x0, y0, x1, y1 = box
        # the region's own changes (an LED switching) are left out of the whole picture's motion
        self._region_on_grid = (
            slice(None),
            slice(y0 // MOTION_GRID, -(-y1 // MOTION_GRID)),
            slice(x0 // MOTION_GRID, -(-x1 // MOTION_GRID)),
        )
        self.values = np.full((total, len(CHANNELS)), np.nan)
        self._previous_box = None
        self._previous_grid = None

    def add(self, rgb: np.ndarray, luma_grid: np.ndarray) -> None:
        """`rgb`: (n, h, w, 3) uint8 boxes; `luma_grid`: (n, gh, gw) uint8 luma of the whole pictures."""
        n = len(rgb)
        inside = rgb[:, self.mask].astype(np.int16)  # (n, pixels, 3)
        rows = slice(self.done, self.done + n)
        self.values[rows, :3] = inside.mean(axis=1)
        previous = inside if self._previous_box is None else np.concatenate([self._previous_box, inside])
        changes = np.abs(np.diff(previous, axis=0)).mean(axis=(1, 2))
        self.values[rows, 3][n - len(changes) :] = changes
        grid = luma_grid.astype(np.int16)
        grid[self._region_on_grid] = 0
        previous = grid if self._previous_grid is None else np.concatenate([self._previous_grid, grid])
        changes = (np.abs(np.diff(previous, axis=0)) > MOTION_LEVELS).mean(axis=(1, 2))
        self.values[rows, 4][n - len(changes) :] = changes
        self._previous_box, self._previous_grid = inside[-1:], grid[-1:]
        self.done += n


def _chunk_frames(box_height: int) -> int:
    return max(1, min(256, MAX_STACKED_ROWS // max(box_height, 1)))


def _decoded_chunks(video, box, start: int, stop: int):
    """(rgb boxes, luma grids) per chunk, cut from the decoded planes of a PyAV video."""
    x0, y0, x1, y1 = box
    converter = VideoReformatter()
    chunk = _chunk_frames(y1 - y0 + 2)
    pending = []
    for index, frame in video.decoded_in_order(start, stop):
        pending.append(frame)
        if len(pending) == chunk or index == stop - 1:
            yield _convert_boxes(pending, box, converter), np.stack([_luma_grid(frame) for frame in pending])
            pending = []


def _planes(frame: av.VideoFrame) -> list[np.ndarray]:
    """Views of a decoded frame's planes, without their row padding."""
    return [
        np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        for plane in frame.planes
    ]


def _luma_grid(frame: av.VideoFrame) -> np.ndarray:
    if frame.format.name in _CROPPED_FORMATS:
        return _planes(frame)[0][::MOTION_GRID, ::MOTION_GRID]
    return _luma(frame.to_ndarray(format="rgb24")[::MOTION_GRID, ::MOTION_GRID])


def _luma(rgb: np.ndarray) -> np.ndarray:
    return (rgb @ _LUMA_WEIGHTS + 16).round().astype(np.uint8)


def _convert_boxes(frames: list, box, converter: VideoReformatter) -> np.ndarray:
    """The pixels in `box` of each decoded frame as RGB, (n, h, w, 3), converted as the frames are shown."""
    x0, y0, x1, y1 = box
    first = frames[0]
    step = _CROPPED_FORMATS.get(first.format.name)
    if step is None:  # another pixel format: convert whole frames
        return np.stack([converter.reformat(frame, format="rgb24").to_ndarray()[y0:y1, x0:x1] for frame in frames])
    # widen to whole chroma samples: the box's pixels then convert with their own chroma, as in the whole frame
    wx0, wy0 = x0 // step * step, y0 // step * step
    wx1, wy1 = -(-x1 // step) * step, -(-y1 // step) * step
    wx1, wy1 = min(wx1, first.width + first.width % step), min(wy1, first.height + first.height % step)
    height, width = wy1 - wy0, wx1 - wx0
    cuts = []
    for frame in frames:
        planes = _planes(frame)
        luma = _padded(planes[0][wy0:wy1, wx0:wx1], height, width)
        chroma = [
            _padded(plane[wy0 // step : wy1 // step, wx0 // step : wx1 // step], height // step, width // step)
            for plane in planes[1:3]
        ]
        cuts.append((luma, *chroma))
    if step == 2:
        stacked = np.concatenate([np.concatenate([cut[plane] for cut in cuts]).ravel() for plane in range(3)])
        picture = av.VideoFrame.from_ndarray(stacked.reshape(-1, width), format=first.format.name)
    else:
        stacked = np.stack([np.concatenate([cut[plane] for cut in cuts]) for plane in range(3)])
        picture = av.VideoFrame.from_ndarray(stacked, format=first.format.name)
    picture.colorspace, picture.color_range = first.colorspace, first.color_range
    rgb = converter.reformat(picture, format="rgb24").to_ndarray().reshape(len(frames), height, width, 3)
    return rgb[:, y0 - wy0 : y1 - wy0, x0 - wx0 : x1 - wx0]


def _padded(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """`plane` repeated at its last row and column to `height` x `width` (an odd-sized picture's last sample)."""
    if plane.shape == (height, width):
        return plane
    return np.pad(plane, ((0, height - plane.shape[0]), (0, width - plane.shape[1])), mode="edge")


def _read_chunks(video, box, start: int, stop: int):
    """(rgb boxes, luma grids) per chunk, from frames read as RGB (any video source)."""
    x0, y0, x1, y1 = box
    chunk = _chunk_frames(y1 - y0)
    for first in range(start, stop, chunk):
        frames = video[first : min(first + chunk, stop)]
        yield frames[:, y0:y1, x0:x1], _luma(frames[:, ::MOTION_GRID, ::MOTION_GRID])
