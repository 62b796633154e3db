"""Signals read from the video itself: the mean colour and the motion of a region, for every frame.

A sync LED, a cue light or a lever seen by the camera becomes a signal on the video's own clock: the mean red,
green and blue of the region's pixels (as the frames are shown, 0-255), the region's motion energy (mean
absolute change of those pixels since the frame before), and the motion of the whole picture (the share of it
whose luma changed by more than a codec's noise, on a 1-in-4 grid, the region left out), which pinpoints
dropped and repeated frames (`sync.fit`).

Each frame is decoded once, in order, with frame threads. For PyAV files of 8-bit planar YUV or gray
(`_cuttable`) only the region's box is cut from the decoded planes, never the whole picture converted; the
boxes of a chunk of frames are stacked into one picture and converted to RGB in one call with the conversion
the frames are shown with, so the colours equal those of `video[k]`. The statistics of a chunk are a few
array operations; on 640x480 H.264 the lane costs about 0.08 ms a frame beyond the decoding.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from ..errors import ChronovizError, ScanCancelled, advice
from ..io.frame_index import chunk_ranges
from ..io.timeseries import Signal
from ..io.video_factory import VideoEntry

CHANNELS = ("red", "green", "blue", "motion", "frame motion")
MOTION_GRID = 4  # the whole picture's motion is read on every 4th pixel of every 4th row
# a change of luma that counts as motion: more than a codec's noise, which changes at every keyframe
MOTION_LEVELS = 16
MIN_CHUNKED_FRAMES = 3000  # fewer frames are read in this process: starting workers costs more (bench_sync.py)
RANGE_FRAMES = 9000  # frames of a worker's range at most, where keyframes allow (5 minutes at 30 fps)
MAX_STACKED_ROWS = 16384  # rows of region boxes converted to RGB in one call
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
            f"{width}x{height} picture. Draw it over the LED, inside the frame ({advice('roi')})."
        )


def region_signals(
    video,
    region: Region,
    *,
    start: int = 0,
    stop: int | None = None,
    progress=None,
    workers: int | None = None,
    client=None,
) -> Signal:
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
    workers, client
        Read the video in keyframe-aligned ranges of frames on dask: `workers=N` starts a local cluster of N
        worker processes for the scan (but for fewer than `MIN_CHUNKED_FRAMES` frames, read here: starting the
        workers would cost more than they save), `client` uses a running cluster. Each worker opens the video
        file itself. The values are those of the scan in one process, to the bit.

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
        When the region holds no pixel of the picture, or workers are asked for a video that is not a file.
    ScanCancelled
        When `progress` asked to stop.
    """
    stop = video.n_frames if stop is None else min(int(stop), video.n_frames)
    if not 0 <= start < stop:
        raise ChronovizError(f"The frames {start}..{stop} to read are not inside the video (0..{video.n_frames}).")
    region._box_and_mask(video.width, video.height)  # refused here, before any worker starts
    if client is None and ((workers or 1) <= 1 or stop - start < MIN_CHUNKED_FRAMES):
        stats = _scan(video, region, start, stop, progress)
    elif client is not None:
        stats = _scan_on_dask(video, region, start, stop, progress, client)
    else:
        from dask.distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=int(workers), threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as own,
        ):
            stats = _scan_on_dask(video, region, start, stop, progress, own)
    return Signal(
        stats.values,
        CHANNELS,
        times=np.asarray(video.frame_times[start:stop], dtype=float).copy(),
        source=f"region of {getattr(video, 'path', None) or 'the video'}",
    )


def _scan(video, region: Region, start: int, stop: int, progress) -> _RegionStats:
    """The statistics of frames `start..stop-1`, decoded once, in order, in this process."""
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
    return stats


def _scan_range(entry: VideoEntry, region: Region, start: int, stop: int) -> _RegionStats:
    """A worker's part: the statistics of frames `start..stop-1` of the video it opens itself."""
    with entry.open() as video:
        return _scan(video, region, start, stop, None)


def _scan_on_dask(video, region: Region, start: int, stop: int, progress, client) -> _RegionStats:
    """The statistics of frames `start..stop-1` read in keyframe-aligned ranges by `client`'s workers, joined."""
    from dask.distributed import as_completed

    if getattr(video, "path", None) is None:
        raise ChronovizError("Reading a region on workers needs the video as a file that they can open.")
    entry = VideoEntry.reading_frames_of(video)
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    keyframes = getattr(video, "keyframes", np.arange(start, stop))
    # a few ranges per worker (one may be slower), and more for long videos: progress comes range by range
    ranges = chunk_ranges(keyframes, start, stop, max(2 * workers, -(-(stop - start) // RANGE_FRAMES)))
    futures = [client.submit(_scan_range, entry, region, a, b, pure=False) for a, b in ranges]
    frames_of = {future.key: b - a for (a, b), future in zip(ranges, futures)}
    done = 0
    for future in as_completed(futures):
        future.result()
        done += frames_of[future.key]
        if progress is not None and progress(done, stop - start):
            client.cancel(futures)
            raise ScanCancelled(f"Reading the region was cancelled after {done} of {stop - start} frames.")
    return _RegionStats.joined([future.result() for future in futures])


class _RegionStats:
    """Accumulates the per-frame means of chunks of region boxes."""

    def __init__(self, mask: np.ndarray, box: tuple[int, int, int, int], total: int):
        self.total, self.done = total, 0
        self._pixels = None if mask.all() else mask  # a rectangle's box needs no mask
        x0, y0, x1, y1 = box
        # the region's own changes (an LED switching) are left out of the whole picture's motion
        self._region_on_grid = (
            slice(None),
            slice(y0 // MOTION_GRID, -(-y1 // MOTION_GRID)),
            slice(x0 // MOTION_GRID, -(-x1 // MOTION_GRID)),
        )
        self.values = np.full((total, len(CHANNELS)), np.nan)
        self._first_box = self._first_grid = None  # the first frame's, which a range read before it needs
        self._previous_box = None
        self._previous_grid = None

    def add(self, rgb: np.ndarray, luma_grid: np.ndarray) -> None:
        """`rgb`: (n, h, w, 3) uint8 boxes; `luma_grid`: (n, gh, gw) uint8 luma of the whole pictures (the
        region's box in it is set to 0)."""
        n = len(rgb)
        inside = rgb.reshape(n, -1, 3) if self._pixels is None else rgb[:, self._pixels]
        inside = inside.astype(np.int16)  # (n, pixels, 3)
        luma_grid[self._region_on_grid] = 0
        if self._first_box is None:
            self._first_box, self._first_grid = inside[:1], luma_grid[:1].copy()
        rows = slice(self.done, self.done + n)
        self.values[rows, :3] = inside.mean(axis=1)
        self._add_motions(inside, luma_grid)
        self._previous_box, self._previous_grid = inside[-1:], luma_grid[-1:].copy()
        self.done += n

    def _add_motions(self, inside: np.ndarray, luma_grid: np.ndarray) -> None:
        """The motions of the frames from `self.done` on, each since the one before (the previous chunk's last
        for the first, when there was one)."""
        n = len(inside)
        previous = inside if self._previous_box is None else np.concatenate([self._previous_box, inside])
        changes = np.abs(np.diff(previous, axis=0)).mean(axis=(1, 2))
        self.values[self.done : self.done + n, 3][n - len(changes) :] = changes
        if self._previous_grid is not None:
            self.values[self.done, 4] = _changed_shares(luma_grid[:1], self._previous_grid)[0]
        self.values[self.done + 1 : self.done + n, 4] = _changed_shares(luma_grid[1:], luma_grid[:-1])

    @staticmethod
    def joined(ranges: list[_RegionStats]) -> _RegionStats:
        """The statistics of consecutive ranges as one: each range's first motions are taken since the last frame
        of the range before, as a scan of the whole would have them."""
        whole = ranges[0]
        for later in ranges[1:]:
            whole.values = np.concatenate([whole.values, later.values])
            whole._add_motions(later._first_box, later._first_grid)
            whole.done += later.done
            whole._previous_box, whole._previous_grid = later._previous_box, later._previous_grid
        whole.total = whole.done
        return whole


def _changed_shares(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Per picture of (n, h, w) uint8 `later`, the share of its pixels that differ from `earlier`'s by more than
    `MOTION_LEVELS` (OpenCV's: an order of magnitude faster than numpy's widen-subtract-compare-mean)."""
    if not len(later):
        return np.empty(0)
    n, height, width = later.shape
    difference = cv2.absdiff(later.reshape(-1, width), earlier.reshape(-1, width))
    changed = cv2.threshold(difference, MOTION_LEVELS, 1, cv2.THRESH_BINARY)[1].reshape(n, height * width)
    return cv2.reduce(changed, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() / (height * width)


def _chunk_frames(box_height: int) -> int:
    return max(1, min(256, MAX_STACKED_ROWS // max(box_height, 1)))


def _decoded_chunks(video, box, start: int, stop: int):
    """(rgb boxes, luma grids) per chunk, cut from the decoded planes of a PyAV video."""
    converter = VideoReformatter()
    boxes = None
    for index, frame in video.decoded_in_order(start, stop):
        if boxes is None:
            boxes = _PlaneBoxes(frame, box) if _cuttable(frame) else _WholeFrames(box)
        if boxes.add(frame) or index == stop - 1:
            yield boxes.take(converter)


def _cuttable(frame: av.VideoFrame) -> bool:
    """Whether the region's box can be cut from each plane of `frame` and converted alone as the whole frame
    converts: 8-bit planar YUV (or gray), each component on a plane of its own, of an even width and height when
    its chroma is subsampled. swscale converts such pictures with nearest chroma, sample by sample; pictures of
    an odd size it converts otherwise (up to 6 levels apart), so those are converted whole."""
    pixel_format = frame.format
    components = pixel_format.components
    planar = (
        not (pixel_format.is_rgb or pixel_format.has_palette or pixel_format.is_bayer)
        and all(component.bits == 8 for component in components)
        and len({component.plane for component in components}) == len(components)
    )
    return planar and not (_subsampled(frame) and (frame.width % 2 or frame.height % 2))


def _subsampled(frame: av.VideoFrame) -> bool:
    return any(plane.width != frame.width or plane.height != frame.height for plane in frame.planes)


def _planes(frame: av.VideoFrame) -> list[np.ndarray]:
    """Views of a decoded frame's planes, without their row padding."""
    return [
        np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        for plane in frame.planes
    ]


class _PlaneBoxes:
    """The region's box cut from each plane of decoded frames (`_cuttable`) into buffers of a chunk of frames,
    converted to RGB in one call per chunk with the conversion the frames are shown with.

    The box is widened to whole chroma samples, so that its pixels convert with their own chroma, as in the
    whole frame, and to an even size when the chroma is subsampled, so that the stacked boxes convert as the
    whole frame does (`_cuttable`); the luma of the whole picture is kept on the `MOTION_GRID` grid."""

    def __init__(self, first: av.VideoFrame, box):
        x0, y0, x1, y1 = box
        self.format = first.format.name
        self.colorspace, self.color_range = first.colorspace, first.color_range
        # (columns, rows) of the picture per sample of each plane
        self.steps = [(first.width // plane.width, first.height // plane.height) for plane in first.planes]
        align = 2 if _subsampled(first) else 1
        wx0, wy0, wx1, wy1 = x0 // align * align, y0 // align * align, -(-x1 // align) * align, -(-y1 // align) * align
        self.widened = (wx0, wy0, wx1, wy1)
        self.crop = (slice(y0 - wy0, y1 - wy0), slice(x0 - wx0, x1 - wx0))
        self.chunk = _chunk_frames(wy1 - wy0)
        self.buffers = [
            np.empty((self.chunk, (wy1 - wy0) // rows, (wx1 - wx0) // columns), np.uint8)
            for columns, rows in self.steps
        ]
        # each plane's box, and the luma grid, as indices into its rows with their padding (computed once: a
        # frame's cut is a few microseconds of Python, beside the ~0.5 ms of decoding it)
        self.cuts = [
            (slice(wy0 // rows, wy1 // rows), slice(wx0 // columns, wx1 // columns)) for columns, rows in self.steps
        ]
        self.grid_cut = (slice(None, None, MOTION_GRID), slice(0, first.width, MOTION_GRID))
        luma = _planes(first)[0][self.grid_cut]
        self.grids = np.empty((self.chunk, *luma.shape), np.uint8)
        self.count = 0

    def add(self, frame: av.VideoFrame) -> bool:
        """Cut `frame`'s box and luma grid into the buffers; returns whether the chunk is full."""
        planes = frame.planes
        for plane, buffer, cut in zip(planes, self.buffers, self.cuts):
            buffer[self.count] = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[cut]
        luma = planes[0]
        self.grids[self.count] = np.frombuffer(luma, np.uint8).reshape(luma.height, luma.line_size)[self.grid_cut]
        self.count += 1
        return self.count == self.chunk

    def take(self, converter: VideoReformatter) -> tuple[np.ndarray, np.ndarray]:
        """The chunk's boxes as RGB (n, h, w, 3) and its luma grids; empties the buffers."""
        n, self.count = self.count, 0
        wx0, wy0, wx1, wy1 = self.widened
        picture = av.VideoFrame(wx1 - wx0, n * (wy1 - wy0), self.format)
        for plane, buffer in zip(picture.planes, self.buffers):
            rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
            rows[:, : plane.width] = buffer[:n].reshape(plane.height, plane.width)
        picture.colorspace, picture.color_range = self.colorspace, self.color_range
        rgb = converter.reformat(picture, format="rgb24").to_ndarray().reshape(n, wy1 - wy0, wx1 - wx0, 3)
        return rgb[:, self.crop[0], self.crop[1]], self.grids[:n]


class _WholeFrames:
    """Frames of other pixel formats (packed, 10-bit): converted whole to RGB, the box and the grid cut from it."""

    def __init__(self, box):
        x0, y0, x1, y1 = box
        self.crop = (slice(y0, y1), slice(x0, x1))
        self.chunk = _chunk_frames(y1 - y0)
        self.pending = []

    def add(self, frame: av.VideoFrame) -> bool:
        self.pending.append(frame)
        return len(self.pending) == self.chunk

    def take(self, converter: VideoReformatter) -> tuple[np.ndarray, np.ndarray]:
        frames = np.stack([converter.reformat(frame, format="rgb24").to_ndarray() for frame in self.pending])
        self.pending = []
        return frames[:, self.crop[0], self.crop[1]], _luma(frames[:, ::MOTION_GRID, ::MOTION_GRID])


def _luma(rgb: np.ndarray) -> np.ndarray:
    return (rgb @ _LUMA_WEIGHTS + 16).round().astype(np.uint8)


def _read_chunks(video, box, start: int, stop: int):
    """(rgb boxes, luma grids) per chunk, from frames read as RGB (any video source)."""
    x0, y0, x1, y1 = box
    chunk = _chunk_frames(y1 - y0)
    for first in range(start, stop, chunk):
        frames = video[first : min(first + chunk, stop)]
        yield frames[:, y0:y1, x0:x1], _luma(frames[:, ::MOTION_GRID, ::MOTION_GRID])
