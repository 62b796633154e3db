"""Export a scene as a video: decode -> composite -> encode, overlapped, written safely.

Three threads share the work through bounded queues: one reads the input frames in order (the video
source's sequential path), the calling thread composites each frame (video pixels plus the scene's
geometry, drawn by the rasterizer napari also uses) and converts it to the encoder's pixel format, one
encodes and muxes (libx264 and friends use every core). Frame k of the output is frame k of the range,
with its own presentation time, so variable frame rates survive.

The file is written under a temporary name in the destination folder and renamed when complete: a
failure, a cancel or a killed process never leaves a partial file at the destination.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
import warnings
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from ..io.video import VIDEO_EXTENSIONS
from ..overlays.scene import Scene
from ..timeline import nominal_rate
from .encode import EncoderSettings, ExportError, output_timing
from .raster import draw

QUEUE_DEPTH = 8
CONSTANT_RATE_CONTAINERS = (".avi",)  # no per-frame timestamps: frame k at k / rate
MILLISECOND_CONTAINERS = (".mkv", ".webm")
_DONE = object()


class ExportCancelled(Exception):
    """Raised inside the export when the progress callback asks to stop."""


def export_scene(video, scene: Scene, output: Path, *, start: int | None = None, end: int | None = None,
                 scale: float | None = None, crop=None, fps: float | None = None, overwrite: bool = False,
                 make_dirs: bool = False, progress: bool | Callable[[int, int], bool | None] = True,
                 plot_only: bool = False, alpha: bool = False, audio: bool = True, **encoder_kwargs) -> Path:
    """Write the frames `start..end-1` of `video` with `scene` drawn on them to `output`; return its path.

    `scale` resizes the composite, `crop` is (x0, y0, x1, y1) in canvas pixels, `fps` sets a constant
    output rate (default: the input's own frame times). `progress` is True (a line on stderr), False,
    or a callable `(done, total)` that may return True to cancel. `plot_only` writes just the plot panel
    (the video is not decoded); with `alpha` its background is transparent (VP9 with alpha, in WebM).
    `audio` copies the input's audio for the exported span (when the container can hold it). Other keywords go to the encoder (see `EncoderSettings.from_kwargs`).
    """
    if alpha and not plot_only:
        raise ExportError("alpha=True makes the plot panel's background transparent: it needs plot_only=True.")
    if plot_only:
        if scene.plot is None:
            raise ExportError("plot_only needs a plot panel: give signals, events or intervals and a panel position.")
        crop = scene.layout.panel_box
    if alpha:
        if Path(output).suffix.lower() != ".webm":
            raise ExportError(f"A transparent video needs WebM (VP9 with alpha); {output} is not .webm.")
        encoder_kwargs = {"codec": "libvpx-vp9", "pix_fmt": "yuva420p", **encoder_kwargs}
        scene = scene.updated(style={"panel_color": (0.0, 0.0, 0.0, 0.0)})
    output = checked_output(Path(output), video, overwrite=overwrite, make_dirs=make_dirs)
    settings = EncoderSettings.from_kwargs(output.suffix.lower(), **encoder_kwargs)
    frames = _frame_range(start, end, len(video))
    compositor = _Compositor(video, scene, settings, scale=scale, crop=crop, video_pixels=not plot_only, alpha=alpha)
    times = scene.frame_times[frames]
    rate = Fraction(fps or nominal_rate(times)).limit_denominator(1001)  # 30000/1001 still exact
    suffix = output.suffix.lower()
    if fps or suffix in CONSTANT_RATE_CONTAINERS:
        if not fps and _varies(times):
            warnings.warn(f"{output.name}: {suffix} stores one frame rate, so the variable frame times of the input "
                          f"become {float(rate):.4g} fps; write .mp4 or .mkv to keep them.", stacklevel=3)
        time_base, pts = 1 / rate, np.arange(len(frames))
    elif suffix in MILLISECOND_CONTAINERS:  # Matroska counts in ms; a finer encoder clock confuses durations
        time_base, pts = Fraction(1, 1000), np.round((times - times[0]) * 1000).astype(np.int64)
    else:
        time_base, pts = output_timing(times, getattr(video, "time_base", None), settings.max_time_base_denominator)
    report = progress_reporter(progress, len(frames))
    partial = output.with_name(f".{output.stem}.partial-{os.getpid()}{output.suffix}")
    try:
        with av.open(str(partial), "w", format=_container_format(output)) as container:
            stream = settings.open_stream(container, compositor.width, compositor.height, time_base, rate)
            if audio and not plot_only and output.suffix.lower() != ".gif":
                copy_audio(video, container, scene.frame_times, frames)
            _run_pipeline(video, frames, compositor, stream, container, pts, report)
        os.replace(partial, output)
    finally:
        if partial.exists():
            partial.unlink()
    return output


def checked_output(output: Path, video, *, overwrite: bool, make_dirs: bool) -> Path:
    """The output path, after the checks that protect the user's files."""
    output = output.expanduser()
    if not output.suffix:
        raise ExportError(f"{output} has no file extension; use .mp4, .webm, .mov, .mkv, .avi or .gif.")
    inputs = [Path(video.path)] if getattr(video, "path", None) else []
    for source in inputs:
        if output.exists() and source.exists() and os.path.samefile(output, source) or output.resolve() == source.resolve():
            raise ExportError(f"The output {output} is the input video: choose another name (nothing was written).")
    if output.exists() and not overwrite:
        raise ExportError(f"{output} exists; pass overwrite=True (--overwrite) to replace it, or choose another name.")
    if not output.parent.is_dir():
        if not make_dirs:
            raise ExportError(f"The folder {output.parent} does not exist; create it or pass make_dirs=True.")
        output.parent.mkdir(parents=True)
    return output


class _Compositor:
    """Builds each output frame: canvas background, the video frame in place, the geometry on top.

    For yuv420p output with even sizes and offsets it works on the decoded YUV planes: the video is
    copied plane by plane, and only the regions overlays touch go through RGB (the plot panel is drawn
    from scratch; the pose's box is converted, drawn on and converted back). Otherwise it draws the whole
    canvas in RGB and lets the encoder's scaler convert it.
    """

    def __init__(self, video, scene: Scene, settings: EncoderSettings, *, scale=None, crop=None, video_pixels=True,
                 alpha=False):
        self.scene, self.settings, self.video_pixels, self.alpha = scene, settings, video_pixels, alpha
        x0, y0, x1, y1 = scene.layout.canvas_box if crop is None else np.asarray(crop, dtype=float)
        self.origin = np.array([x0, y0])
        self.scale = float(scale or 1.0)
        width, height = int(round((x1 - x0) * self.scale)), int(round((y1 - y0) * self.scale))
        if width <= 0 or height <= 0:
            raise ExportError(f"The crop {crop} leaves no pixels.")
        self.width, self.height = settings.even_size(width, height)
        self.video_size = (video.width, video.height)
        self.top, self.left = np.round(-self.origin[::-1] * self.scale).astype(int)
        self.yuv = (video_pixels and settings.pix_fmt == "yuv420p" and self.scale == 1.0 and self.origin.round().tolist() == self.origin.tolist()
                    and not (self.width % 2 or self.height % 2 or video.width % 2 or video.height % 2
                             or self.top % 2 or self.left % 2))

    def read(self, video, index: int) -> np.ndarray | None:
        """The input frame in the form `frame` takes (I420 planes or RGB; None when not drawn)."""
        if not self.video_pixels:
            return None
        return video.read_yuv420(index) if self.yuv else video[index]

    def frame(self, index: int, pixels: np.ndarray) -> av.VideoFrame:
        if self.yuv:
            return av.VideoFrame.from_ndarray(self._yuv_frame(index, pixels), format="yuv420p")
        canvas = np.zeros((self.height, self.width, 4 if self.alpha else 3), np.uint8)
        if pixels is not None:
            self._place(canvas, pixels if self.scale == 1.0 else _resized(pixels, self.scale))
        draw(canvas, self.scene.geometry(index), origin=self.origin, scale=self.scale)
        frame = av.VideoFrame.from_ndarray(canvas, format="rgba" if self.alpha else "rgb24")
        return frame.reformat(format=self.settings.pix_fmt)

    def _place(self, canvas: np.ndarray, pixels: np.ndarray, top: int | None = None, left: int | None = None) -> None:
        """Copy `pixels` into `canvas` at (top, left) (default: the video's place), clipped to the canvas."""
        top = self.top if top is None else top
        left = self.left if left is None else left
        rows = slice(max(top, 0), min(top + pixels.shape[0], canvas.shape[0]))
        cols = slice(max(left, 0), min(left + pixels.shape[1], canvas.shape[1]))
        canvas[rows, cols] = pixels[rows.start - top:rows.stop - top, cols.start - left:cols.stop - left]

    def _yuv_frame(self, index: int, i420: np.ndarray) -> np.ndarray:
        width, height = self.video_size
        luma, blue, red = _planes(self.height, self.width)
        luma[...], blue[...], red[...] = 16, 128, 128  # black
        video_luma, video_blue, video_red = _split_i420(i420, height, width)
        self._place(luma, video_luma)
        self._place(blue, video_blue, self.top // 2, self.left // 2)
        self._place(red, video_red, self.top // 2, self.left // 2)
        canvas = np.concatenate([luma.ravel(), blue.ravel(), red.ravel()]).reshape(-1, self.width)
        panel_over_video = self.scene.layout.is_inset
        for geometry, fresh in ((self.scene.panel_geometry(index), not panel_over_video),
                                (self.scene.pose_geometry(index), False)):
            self._draw_region(canvas, geometry, fresh)
        return canvas

    def _draw_region(self, canvas: np.ndarray, geometry, fresh: bool) -> None:
        """Draw `geometry` in RGB over the even-aligned box it covers; `fresh`: the plot panel, which paints
        its whole box (so the box is the panel's, and what was under it is not converted)."""
        extent = self.scene.layout.panel_box if fresh else geometry.extent()
        if extent is None or not geometry.items:
            return
        x0, y0 = (np.floor(extent[:2] - self.origin).astype(int) // 2 * 2).clip(0)
        x1, y1 = np.minimum(-(-np.ceil(extent[2:] - self.origin).astype(int) // 2) * 2, [self.width, self.height])
        if x1 <= x0 or y1 <= y0:
            return
        luma, blue, red = _split_i420(canvas, self.height, self.width)
        region = np.concatenate([luma[y0:y1, x0:x1].ravel(), blue[y0 // 2:y1 // 2, x0 // 2:x1 // 2].ravel(),
                                 red[y0 // 2:y1 // 2, x0 // 2:x1 // 2].ravel()]).reshape(-1, x1 - x0)
        rgb = np.zeros((y1 - y0, x1 - x0, 3), np.uint8) if fresh else cv2.cvtColor(region, cv2.COLOR_YUV2RGB_I420)
        draw(rgb, geometry, origin=self.origin + [x0, y0])
        drawn = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
        drawn_luma, drawn_blue, drawn_red = _split_i420(drawn, y1 - y0, x1 - x0)
        luma[y0:y1, x0:x1] = drawn_luma
        blue[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = drawn_blue
        red[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = drawn_red


def _planes(height: int, width: int):
    return (np.empty((height, width), np.uint8), np.empty((height // 2, width // 2), np.uint8),
            np.empty((height // 2, width // 2), np.uint8))


def _split_i420(i420: np.ndarray, height: int, width: int):
    """Views of the Y, U and V planes of an (H * 3/2, W) I420 array."""
    flat = i420.reshape(-1)
    luma = flat[:height * width].reshape(height, width)
    quarter = (height // 2) * (width // 2)
    blue = flat[height * width:height * width + quarter].reshape(height // 2, width // 2)
    red = flat[height * width + quarter:].reshape(height // 2, width // 2)
    return luma, blue, red


def _resized(pixels: np.ndarray, scale: float) -> np.ndarray:
    return cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _run_pipeline(video, frames: range, compositor: _Compositor, stream, container, pts, report) -> None:
    decoded: queue.Queue = queue.Queue(QUEUE_DEPTH)
    composed: queue.Queue = queue.Queue(QUEUE_DEPTH)
    failures: list[BaseException] = []
    stop = threading.Event()

    def read():
        try:
            for index in frames:
                if stop.is_set():
                    return
                decoded.put((index, compositor.read(video, index)))
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failures.append(error)
        finally:
            decoded.put(_DONE)

    def encode():
        try:
            while (frame := composed.get()) is not _DONE:
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failures.append(error)
            stop.set()
            while composed.get() is not _DONE:  # let the compositor finish putting
                pass

    reader, encoder = threading.Thread(target=read, daemon=True), threading.Thread(target=encode, daemon=True)
    reader.start()
    encoder.start()
    try:
        for done, item in enumerate(iter(decoded.get, _DONE)):
            if failures or stop.is_set():
                break
            index, pixels = item
            frame = compositor.frame(index, pixels)
            frame.pts, frame.time_base = int(pts[done]), stream.time_base
            composed.put(frame)
            if report(done + 1):
                raise ExportCancelled(f"Export cancelled after {done + 1} of {len(frames)} frames; nothing was written.")
    finally:
        stop.set()
        composed.put(_DONE)
        encoder.join()
        while reader.is_alive():
            try:
                decoded.get(timeout=0.1)
            except queue.Empty:
                pass
        reader.join()
    if failures:
        raise failures[0]


def copy_audio(video, container, frame_times: np.ndarray, frames: range) -> None:
    """Copy the input's first audio stream, cut to the exported frames' time span, without re-encoding."""
    path = getattr(video, "path", None)
    if path is None or Path(path).suffix.lower() not in VIDEO_EXTENSIONS or not Path(path).is_file():
        return  # an imgstore (metadata.yaml) or frames from memory: no audio to copy
    with av.open(str(path)) as source:
        if not source.streams.audio:
            return
        audio = source.streams.audio[0]
        try:
            copied = container.add_stream_from_template(audio)
        except (ValueError, av.error.FFmpegError):
            return  # the output format cannot hold this audio codec (e.g. AAC in WebM): video only
        first = float(frame_times[frames.start])
        step = 1 / nominal_rate(frame_times) if len(frame_times) > 1 else 0.0
        last = float(frame_times[frames.stop - 1]) + step
        shift = int(round(first / audio.time_base))
        for packet in source.demux(audio):
            if packet.pts is None or packet.size == 0:
                continue
            if first <= float(packet.pts * audio.time_base) < last:
                packet.pts -= shift
                packet.dts = packet.pts if packet.dts is None else packet.dts - shift
                packet.stream = copied
                container.mux(packet)


def _varies(times: np.ndarray) -> bool:
    """Whether frame steps differ by more than 1% (a variable frame rate)."""
    steps = np.diff(times)
    return len(steps) > 1 and float(np.ptp(steps)) > 0.01 * float(np.median(steps))


def _frame_range(start, end, n_frames: int) -> range:
    start = 0 if start is None else int(start)
    end = n_frames if end is None else int(end)
    if not 0 <= start < end <= n_frames:
        raise ExportError(f"The frame range {start}..{end} is not inside the video (0..{n_frames}).")
    return range(start, end)


def _container_format(output: Path) -> str | None:
    return {".gif": "gif", ".webm": "webm", ".mkv": "matroska", ".mov": "mov", ".mp4": "mp4", ".avi": "avi"}.get(
        output.suffix.lower()
    )


def progress_reporter(progress, total: int) -> Callable[[int], bool]:
    """A function of frames done that reports progress and returns True when asked to cancel."""
    if callable(progress):
        return lambda done: bool(progress(done, total))
    if not progress:
        return lambda done: False
    started = time.perf_counter()
    terminal = sys.stderr.isatty()  # a terminal gets one updating line, a log a line per 10%
    every = 25 if terminal else max(total // 10, 1)

    printed = [0]

    def report(done: int) -> bool:
        if done == total or done - printed[0] >= every:
            printed[0] = done
            elapsed = time.perf_counter() - started
            rate = done / elapsed if elapsed > 0 else 0.0
            left = (total - done) / rate if rate else 0.0
            line = f"export: {done}/{total} frames, {rate:.0f} frames/s, {left:.0f} s left"
            sys.stderr.write(f"\r{line} " if terminal else f"{line}\n")
            if terminal and done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return False

    return report
