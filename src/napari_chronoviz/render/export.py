"""Export a scene as a video: decode -> composite -> encode, overlapped, written safely.

Three threads share the work through bounded queues: one reads the input frames in order (the video
source's sequential path), the calling thread composites each frame (video pixels plus the scene's
geometry, drawn by the rasterizer napari also uses) and converts it to the encoder's pixel format, one
encodes and muxes (libx264 and friends use every core). Frame k of the output is frame k of the range,
with its own presentation time, so variable frame rates survive; with `fps=` the output ticks at that
constant rate and each tick shows the input frame on screen at its time.

The file is written under a temporary name in the destination folder, its packet index re-read and
compared with the frames and times asked for, and only then renamed: a failure at any stage, a cancel or
a killed process never leaves a partial file at the destination, and no stage can leave the others
waiting. Partial files of processes that died are removed by the next export to the same folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import shutil
import threading
import time
import warnings
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from .._progress import progress_reporter
from .._times import nominal_rate
from ..errors import ExportCancelled, ExportError, advice
from ..io.formats import EXPORT_CONTAINERS, EXPORT_SUFFIXES, VIDEO_SUFFIXES
from ..io.video import i420_of_rgb
from ..overlays.readable import seen_in_export, with_readable_font
from ..overlays.scene import Scene
from ..timeline import frames_at_or_before
from .encode import EncoderSettings, output_timing
from .panel import PanelPainter
from .raster import composite_over, draw, unpremultiply

QUEUE_DEPTH = 8
CONSTANT_RATE_CONTAINERS = (".avi",)  # no per-frame timestamps: frame k at k / rate
MILLISECOND_CONTAINERS = (".mkv", ".webm")
GIF_TIME_BASE = Fraction(1, 100)  # GIF stores each frame's delay in centiseconds
PARTIAL_NAME = re.compile(r"^\..+\.partial-(\d+)")  # `.NAME.partial-PID...`: a file or folder being written
_DONE = object()
_log = logging.getLogger(__name__)


def export_scene(
    video,
    scene: Scene,
    output: Path,
    *,
    start: int | None = None,
    end: int | None = None,
    scale: float | None = None,
    crop=None,
    fps: float | None = None,
    overwrite: bool = False,
    make_dirs: bool = False,
    progress: bool | Callable[[int, int], bool | None] = True,
    plot_only: bool = False,
    alpha: bool = False,
    audio: bool = True,
    **encoder_kwargs,
) -> Path:
    """Write the frames `start..end-1` of `video` with `scene` drawn on them to `output`; return its path.

    `scale` resizes the composite, `crop` is (x0, y0, x1, y1) in canvas pixels, `fps` sets a constant
    output rate (default: the input's own frame times). `progress` is True (a line on stderr), False,
    or a callable `(done, total)` that may return True to cancel. `plot_only` writes just the plot panel
    (the video is not decoded); with `alpha` its background is transparent (VP9 with alpha, in WebM).
    `audio` copies the input's audio for the exported span (when the container can hold it). Other keywords
    go to the encoder (see `EncoderSettings.from_kwargs`).
    """
    if alpha and not plot_only:
        raise ExportError("alpha=True makes the plot panel's background transparent: it needs plot_only=True.")
    if scale is not None and not float(scale) > 0:
        raise ExportError(f"scale is the factor of the output's size (0.5 halves it, 2 doubles it); got {scale}.")
    check_fps(fps)
    if crop is not None and not plot_only:
        _check_crop(crop, scene.layout.canvas_box)
    scene = with_readable_font(scene, seen_in_export(float(scale or 1.0)))  # text scaled down grows to stay readable
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
    frames = frame_range(start, end, len(video))
    shown, times = output_frames(scene.frame_times, frames, fps)
    clock = StageClock()
    compositor = _Compositor(
        video, scene, settings, scale=scale, crop=crop, video_pixels=not plot_only, alpha=alpha, clock=clock
    )
    time_base, pts, rate = _container_timing(output, times, fps, getattr(video, "time_base", None), settings)
    report = progress_reporter(progress, len(shown))
    remove_stale_partials(output.parent)
    partial = partial_path(output)
    try:
        container = _in_stage(
            "open", f"creating {partial.name}", av.open, str(partial), "w", format=_container_format(output)
        )
        try:
            stream = settings.open_stream(container, compositor.width, compositor.height, time_base, rate)
            if audio and not plot_only and output.suffix.lower() != ".gif":
                _in_stage("audio", "copying the input's audio", copy_audio, video, container, scene.frame_times, frames)
            started = time.perf_counter()
            _run_pipeline(video, shown, compositor, stream, container, pts, report, clock)
            _log.debug(
                "exported %d frames in %.2f s; time per stage: %s",
                len(shown),
                time.perf_counter() - started,
                clock,
                extra={"stage_seconds": dict(clock.seconds), "stage_cpu_seconds": dict(clock.cpu_seconds)},
            )
        except BaseException:
            _close_quietly(container)
            raise
        _in_stage("mux", "writing the end of the file", container.close)
        verify_written(partial, pts * float(time_base), float(time_base))
        os.replace(partial, output)
    except ExportError as error:
        if error.stage is None:
            raise
        raise ExportError(f"{error} Nothing was written to {output}.", stage=error.stage) from error.__cause__
    finally:
        if partial.exists():
            partial.unlink()
    return output


def output_frames(frame_times: np.ndarray, frames: range, fps: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Which input frame each output frame shows, and the output frames' times in seconds.

    Without `fps`, output frame k is input frame `frames[k]` at its own time. With `fps`, the output ticks
    at t0 + k / fps over the span the input frames are shown (the last one for one nominal frame step),
    and each tick shows the input frame on screen at that time: the last one whose time is not after it.
    """
    times = np.asarray(frame_times, dtype=float)[frames.start : frames.stop]
    if fps is None:
        return np.arange(frames.start, frames.stop), times
    check_fps(fps)
    step = 1 / nominal_rate(times) if len(times) > 1 else 1 / fps
    span = times[-1] + step - times[0]
    ticks = times[0] + np.arange(max(1, int(np.floor(span * fps + 1e-6)))) / fps
    return frames.start + frames_at_or_before(times, ticks), ticks


def _container_timing(output: Path, times: np.ndarray, fps, input_time_base, settings: EncoderSettings):
    """The output stream's time base, each frame's integer timestamp in it, and the nominal rate."""
    rate = Fraction(fps or nominal_rate(times)).limit_denominator(1001)  # 30000/1001 still exact
    relative = times - times[0]
    suffix = output.suffix.lower()
    if suffix in CONSTANT_RATE_CONTAINERS:
        if not fps and _varies(times):
            warnings.warn(
                f"{output.name}: {suffix} stores one frame rate, so the variable frame times of the input "
                f"become {float(rate):.4g} fps; write .mp4 or .mkv to keep them.",
                stacklevel=4,
            )
        return 1 / rate, np.arange(len(times)), rate
    if suffix == ".gif":
        pts = np.round(relative / float(GIF_TIME_BASE)).astype(np.int64)
        if len(pts) > 1 and np.any(np.diff(pts) <= 0):
            raise ExportError(
                f"{output.name}: GIF counts time in 1/100 s, so frames less than 10 ms apart cannot be "
                f"told apart: {advice('fps', 50)}."
            )
        if np.abs(pts * float(GIF_TIME_BASE) - relative).max() > 1e-6:
            warnings.warn(
                f"{output.name}: GIF stores frame delays in 1/100 s, so frames are shown up to 5 ms early or "
                "late (the total length is kept); write .mp4 or .webm for exact times.",
                stacklevel=4,
            )
        return GIF_TIME_BASE, pts, rate
    if suffix in MILLISECOND_CONTAINERS:  # Matroska counts in ms; a finer encoder clock confuses durations
        return Fraction(1, 1000), np.round(relative * 1000).astype(np.int64), rate
    time_base, pts = output_timing(times, None if fps else input_time_base, settings.max_time_base_denominator)
    return time_base, pts, rate


def verify_written(path: Path, times: np.ndarray, tick: float) -> None:
    """Check that the file at `path` holds one frame per time of `times` (seconds, from the first), at those
    times within half a `tick`: re-read from its packet index (no decoding); raise ExportError otherwise."""

    def read_index():
        with av.open(str(path)) as written:
            stream = written.streams.video[0]
            found = sorted(
                packet.pts
                for packet in written.demux(stream)
                if packet.size and packet.pts is not None and not packet.is_discard
            )
            return np.asarray(found, dtype=float) * float(stream.time_base)

    written = _in_stage("verify", "re-reading the written file's index", read_index)
    expected = np.asarray(times, dtype=float)
    if len(written) != len(expected):
        raise ExportError(
            f"Export failed at the verify stage: the written file holds {len(written)} frames, not the "
            f"{len(expected)} asked for (please report this with the input file and the export "
            "options).",
            stage="verify",
        )
    error = np.abs((written - written[0]) - (expected - expected[0]))
    if len(error) and error.max() > tick / 2 + 1e-6:
        frame = int(np.argmax(error))
        raise ExportError(
            f"Export failed at the verify stage: frame {frame} of the written file is at "
            f"{written[frame] - written[0]:.6f} s, not {expected[frame] - expected[0]:.6f} s (please "
            "report this with the input file and the export options).",
            stage="verify",
        )


def partial_path(output: Path, tag: str = "") -> Path:
    """The hidden name `output` is written under until it is complete: `.NAME.partial-PID[tag].EXT`."""
    return output.with_name(f".{output.stem}.partial-{os.getpid()}{tag}{output.suffix}")


def remove_stale_partials(folder: Path) -> None:
    """Remove the partial files and chunk folders in `folder` left by exports whose process is gone."""
    for path in folder.glob(".*.partial-*"):
        found = PARTIAL_NAME.match(path.name)
        if found is None or _process_alive(int(found.group(1))):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


STAGES = ("open", "decode", "draw", "encode", "flush", "mux", "audio", "verify")


class StageClock:
    """Wall-clock seconds each stage of an export spent working, summed over its frames, and the CPU seconds
    its thread used meanwhile.

    The stages run on three threads at once (decode; draw and convert; encode and mux), so their sum exceeds
    the export's time; a stage whose total is near the export's time is what the others wait for. "waiting
    for frames" is the encoder's idle time: the frames it was not fed. CPU seconds do not grow when other
    programs share the cores, as wall-clock seconds do; they leave out the codec's own worker threads.
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def timing(self, stage: str):
        """Add the time spent in the `with` block to `stage`."""
        start, cpu_start = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
            with self._lock:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed
                self.cpu_seconds[stage] = self.cpu_seconds.get(stage, 0.0) + cpu

    def __str__(self) -> str:
        return ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in self.seconds.items())


def _in_stage(stage: str, doing: str, function, *args, clock: StageClock | None = None, **kwargs):
    """Call `function`; turn any failure into an ExportError that names the export stage and what it was doing.
    With `clock`, the call's time is added to the stage's."""
    try:
        with clock.timing(stage) if clock is not None else contextlib.nullcontext():
            return function(*args, **kwargs)
    except (ExportError, ExportCancelled):
        raise
    except Exception as error:
        raise ExportError(f"Export failed at the {stage} stage ({doing}): {error}", stage=stage) from error


def _close_quietly(container) -> None:
    try:
        container.close()
    except Exception:  # noqa: BLE001 - the export already failed; its first error is the one to report
        pass


def checked_output(output: Path, video, *, overwrite: bool, make_dirs: bool) -> Path:
    """The output path, after the checks that protect the user's files."""
    output = output.expanduser()
    if output.suffix.lower() not in EXPORT_SUFFIXES:
        problem = "has no file extension" if not output.suffix else "is not a video file chronoviz writes"
        raise ExportError(f"{output} {problem}; use one of {', '.join(EXPORT_SUFFIXES)}.")
    inputs = [Path(path) for path in getattr(video, "paths", [getattr(video, "path", None)]) if path]
    for source in inputs:
        if (
            output.exists()
            and source.exists()
            and os.path.samefile(output, source)
            or output.resolve() == source.resolve()
        ):
            raise ExportError(f"The output {output} is the input video: choose another name (nothing was written).")
    if output.exists() and not overwrite:
        raise ExportError(f"{output} exists; {advice('overwrite')} to replace it, or choose another name.")
    if not output.parent.is_dir():
        if not make_dirs:
            raise ExportError(f"The folder {output.parent} does not exist; create it, or {advice('make_dirs')}.")
        output.parent.mkdir(parents=True)
    return output


class _Compositor:
    """Builds each output frame: canvas background, the video frame in place, what is drawn over the video
    (pose, timestamp, scale bar), the plot panel on top (over the pose when it lies in a corner).

    The panel's pixels come from the `PanelPainter` napari's overlay uses too (an opaque panel is copied in,
    a translucent one laid over the video as napari lays its layer). For yuv420p output with even sizes and
    offsets it works on the decoded YUV planes: the video is copied plane by plane, and only the regions the
    overlays touch go through RGB (the panel's box; the box of the pose and timestamp is converted, drawn on
    and converted back). Otherwise it draws the whole canvas in RGB and lets the encoder's scaler convert it.
    """

    def __init__(
        self,
        video,
        scene: Scene,
        settings: EncoderSettings,
        *,
        scale=None,
        crop=None,
        video_pixels=True,
        alpha=False,
        clock: StageClock | None = None,
    ):
        self.scene, self.settings, self.video_pixels, self.alpha = scene, settings, video_pixels, alpha
        self.clock = StageClock() if clock is None else clock
        x0, y0, x1, y1 = scene.layout.canvas_box if crop is None else np.asarray(crop, dtype=float)
        self.origin = np.array([x0, y0])
        self.scale = float(scale or 1.0)
        width, height = int(round((x1 - x0) * self.scale)), int(round((y1 - y0) * self.scale))
        if width <= 0 or height <= 0:
            raise ExportError(f"The crop {crop} leaves no pixels.")
        self.width, self.height = settings.even_size(width, height)
        self.video_size = (video.width, video.height)
        self.top, self.left = np.round(-self.origin[::-1] * self.scale).astype(int)
        whole_pixels = self.scale == 1.0 and self.origin.round().tolist() == self.origin.tolist()
        # the painter draws at the canvas' pixel scale; a scaled export draws the panel's geometry instead
        self.painter = PanelPainter(scene) if scene.plot is not None and whole_pixels else None
        self.yuv = (
            video_pixels
            and settings.pix_fmt == "yuv420p"
            and self.scale == 1.0
            and self.origin.round().tolist() == self.origin.tolist()
            and not (
                self.width % 2
                or self.height % 2
                or video.width % 2
                or video.height % 2
                or self.top % 2
                or self.left % 2
            )
        )

    def read(self, video, index: int) -> np.ndarray | None:
        """The input frame in the form `frame` takes (I420 planes or RGB; None when not drawn)."""
        if not self.video_pixels:
            return None
        return video.read_yuv420(index) if self.yuv else video[index]

    def frame(self, index: int, pixels: np.ndarray) -> av.VideoFrame:
        """Output frame of input frame `index`, whose pixels `read` gave, in the encoder's pixel format. The time
        spent drawing and converting colours goes to the clock's "draw" and "convert" stages."""
        if self.yuv:
            return self._yuv_frame(index, pixels)
        with self.clock.timing("draw"):
            canvas = np.zeros((self.height, self.width, 4 if self.alpha else 3), np.uint8)
            if pixels is not None:
                self._place(canvas, pixels if self.scale == 1.0 else _resized(pixels, self.scale))
            draw(canvas, self.scene.video_geometry(index), origin=self.origin, scale=self.scale)
            if self.painter is None and self.scene.plot is not None:
                self._draw_scaled_panel(index, canvas)
            elif self.painter is not None:
                x0, y0 = (self.painter.box[:2] - self.origin).astype(int)
                self._paint_panel(index, canvas, x0, y0)
            if self.alpha:  # drawn premultiplied (render/raster.py); the encoder takes straight colors
                unpremultiply(canvas)
        with self.clock.timing("convert"):
            frame = av.VideoFrame.from_ndarray(canvas, format="rgba" if self.alpha else "rgb24")
            return frame.reformat(format=self.settings.pix_fmt)

    def _place(self, canvas: np.ndarray, pixels: np.ndarray, top: int | None = None, left: int | None = None) -> None:
        """Copy `pixels` into `canvas` at (top, left) (default: the video's place), clipped to the canvas."""
        region, part = _overlap(canvas, pixels, self.top if top is None else top, self.left if left is None else left)
        region[...] = part

    def _draw_scaled_panel(self, index: int, canvas: np.ndarray) -> None:
        """The panel drawn from its geometry at the export's scale on a layer of its own, laid over `canvas`."""
        x0, y0 = np.floor((self.scene.layout.panel_box[:2] - self.origin) * self.scale).astype(int).clip(0)
        x1, y1 = np.ceil((self.scene.layout.panel_box[2:] - self.origin) * self.scale).astype(int)
        x1, y1 = min(x1, canvas.shape[1]), min(y1, canvas.shape[0])
        if x1 <= x0 or y1 <= y0:
            return
        layer = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
        draw(
            layer,
            self.scene.panel_geometry(index),
            origin=self.origin + np.array([x0, y0]) / self.scale,
            scale=self.scale,
        )
        composite_over(canvas[y0:y1, x0:x1], layer)

    def _paint_panel(self, index: int, target: np.ndarray, x0: int, y0: int) -> None:
        """The panel of output frame `index` on `target` (RGB or premultiplied RGBA) with its top-left pixel at
        (x0, y0), clipped to `target`: copied when opaque, laid over what is there when translucent."""
        region, pixels = _overlap(target, self.painter.paint(index), y0, x0)
        if self.painter.translucent:
            composite_over(region, pixels)
        else:
            region[..., :3] = pixels
            if target.shape[2] == 4:
                region[..., 3] = 255

    def _yuv_frame(self, index: int, i420: np.ndarray) -> av.VideoFrame:
        """The yuv420p output frame: the video's planes copied into the frame's own, and only the boxes the
        overlays cover converted to RGB, drawn on and converted back."""
        with self.clock.timing("convert"):
            frame = av.VideoFrame(self.width, self.height, "yuv420p")
            luma, blue, red = (_plane_view(plane) for plane in frame.planes)
            luma[...], blue[...], red[...] = 16, 128, 128  # black
            video_luma, video_blue, video_red = _split_i420(i420, *self.video_size[::-1])
            self._place(luma, video_luma)
            self._place(blue, video_blue, self.top // 2, self.left // 2)
            self._place(red, video_red, self.top // 2, self.left // 2)
        with self.clock.timing("draw"):
            geometry = self.scene.video_geometry(index)
        box = self._even_box(geometry.extent()) if geometry.items else None
        if box is not None:
            rgb = self._region_rgb((luma, blue, red), box, fresh=False)
            with self.clock.timing("draw"):
                draw(rgb, geometry, origin=self.origin + box[:2])
            self._put_region((luma, blue, red), rgb, box)
        if self.painter is not None:  # last: a panel in a corner lies over the pose, as a legend would
            box = self._even_box(self.painter.box)
            if box is not None:
                rgb = self._region_rgb((luma, blue, red), box, fresh=not self.painter.translucent)
                with self.clock.timing("draw"):
                    self._paint_panel(index, rgb, *(self.painter.box[:2] - self.origin).astype(int) - box[:2])
                self._put_region((luma, blue, red), rgb, box)
        return frame

    def _even_box(self, extent) -> np.ndarray | None:
        """The canvas pixels (x0, y0, x1, y1) of canvas coordinates `extent`, widened to even edges (4:2:0
        chroma) and cut to the canvas; None when nothing is left."""
        if extent is None:
            return None
        x0, y0 = (np.floor(extent[:2] - self.origin).astype(int) // 2 * 2).clip(0)
        x1, y1 = np.minimum(-(-np.ceil(extent[2:] - self.origin).astype(int) // 2) * 2, [self.width, self.height])
        return None if x1 <= x0 or y1 <= y0 else np.array([x0, y0, x1, y1])

    def _region_rgb(self, planes, box: np.ndarray, fresh: bool) -> np.ndarray:
        """The pixels of the Y, U and V `planes` in `box` as RGB, or black when `fresh` (to be painted over
        entirely)."""
        x0, y0, x1, y1 = box
        if fresh:
            return np.zeros((y1 - y0, x1 - x0, 3), np.uint8)
        with self.clock.timing("convert"):
            luma, blue, red = planes
            region = np.concatenate(
                [
                    luma[y0:y1, x0:x1].ravel(),
                    blue[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2].ravel(),
                    red[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2].ravel(),
                ]
            ).reshape(-1, x1 - x0)
            return cv2.cvtColor(region, cv2.COLOR_YUV2RGB_I420)

    def _put_region(self, planes, rgb: np.ndarray, box: np.ndarray) -> None:
        """Write RGB pixels back into the Y, U and V `planes` at `box`."""
        with self.clock.timing("convert"):
            x0, y0, x1, y1 = box
            luma, blue, red = planes
            drawn = i420_of_rgb(rgb)
            drawn_luma, drawn_blue, drawn_red = _split_i420(drawn, y1 - y0, x1 - x0)
            luma[y0:y1, x0:x1] = drawn_luma
            blue[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = drawn_blue
            red[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = drawn_red


def _overlap(target: np.ndarray, pixels: np.ndarray, top: int, left: int) -> tuple[np.ndarray, np.ndarray]:
    """The region of `target` that `pixels` placed with their top-left pixel at (top, left) cover, and the part
    of `pixels` that lies there: views of both, cut to `target`."""
    rows = slice(max(top, 0), min(top + pixels.shape[0], target.shape[0]))
    cols = slice(max(left, 0), min(left + pixels.shape[1], target.shape[1]))
    return target[rows, cols], pixels[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]


def _plane_view(plane) -> np.ndarray:
    """A writable (height, width) view of a uint8 plane of a VideoFrame, without its rows' padding."""
    return np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]


def _split_i420(i420: np.ndarray, height: int, width: int):
    """Views of the Y, U and V planes of an (H * 3/2, W) I420 array."""
    flat = i420.reshape(-1)
    luma = flat[: height * width].reshape(height, width)
    quarter = (height // 2) * (width // 2)
    blue = flat[height * width : height * width + quarter].reshape(height // 2, width // 2)
    red = flat[height * width + quarter :].reshape(height // 2, width // 2)
    return luma, blue, red


def _resized(pixels: np.ndarray, scale: float) -> np.ndarray:
    return cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _run_pipeline(
    video, shown: np.ndarray, compositor: _Compositor, stream, container, pts, report, clock: StageClock
) -> None:
    """Decode, composite and encode the input frames `shown` (one per output frame) on three threads.

    A failure in any thread, or a cancel, sets `abort`: the reader stops, the encoder skips the final flush,
    and every thread still drains or ends its queue, so none waits for an item that never comes."""
    decoded: queue.Queue = queue.Queue(QUEUE_DEPTH)
    composed: queue.Queue = queue.Queue(QUEUE_DEPTH)
    failures: list[BaseException] = []
    abort = threading.Event()

    def read():
        try:
            previous, pixels = None, None
            for index in shown:
                if abort.is_set():
                    return
                if index != previous:  # with fps= above the input rate a frame repeats: decode it once
                    pixels = _in_stage(
                        "decode", f"reading input frame {index}", compositor.read, video, int(index), clock=clock
                    )
                    previous = index
                decoded.put((int(index), pixels))
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failures.append(error)
            abort.set()
        finally:
            decoded.put(_DONE)

    def encode():
        finished = False
        try:
            while True:
                with clock.timing("encoder waiting for frames"):
                    frame = composed.get()
                if frame is _DONE:
                    break
                if abort.is_set():  # stopped (a failure, a cancel, Ctrl+C): the frames queued are not encoded
                    continue
                packets = _in_stage(
                    "encode", f"encoding output frame {frame.index}", stream.encode, frame.picture, clock=clock
                )
                _in_stage("mux", f"writing output frame {frame.index}", container.mux, packets, clock=clock)
            finished = True
            if not abort.is_set():
                packets = _in_stage("flush", "encoding the last frames", stream.encode, None, clock=clock)
                _in_stage("mux", "writing the last frames", container.mux, packets, clock=clock)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failures.append(error)
            abort.set()
            while not finished and composed.get() is not _DONE:  # let the compositor finish putting
                pass

    reader, encoder = threading.Thread(target=read, daemon=True), threading.Thread(target=encode, daemon=True)
    reader.start()
    encoder.start()
    try:
        for done, item in enumerate(iter(decoded.get, _DONE)):
            if abort.is_set():
                break
            index, pixels = item
            picture = _in_stage("draw", f"drawing the overlays of input frame {index}", compositor.frame, index, pixels)
            picture.pts, picture.time_base = int(pts[done]), stream.time_base
            composed.put(_Composed(done, picture))
            if report(done + 1):
                raise ExportCancelled(f"Export cancelled after {done + 1} of {len(shown)} frames; nothing was written.")
    except BaseException:
        abort.set()
        raise
    finally:
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


class _Composed:
    """An output frame ready for the encoder, with its position in the output."""

    __slots__ = ("index", "picture")

    def __init__(self, index: int, picture: av.VideoFrame):
        self.index, self.picture = index, picture


def copy_audio(video, container, frame_times: np.ndarray, frames: range) -> None:
    """Copy the input's first audio stream, cut to the exported frames' time span, without re-encoding."""
    path = getattr(video, "path", None)
    if path is None or Path(path).suffix.lower() not in VIDEO_SUFFIXES or not Path(path).is_file():
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


def check_fps(fps) -> None:
    """An ExportError unless `fps` (the output's constant rate) is None (the input's own times) or positive."""
    if fps is not None and not float(fps) > 0:
        raise ExportError(
            f"fps is the output's constant frame rate, a positive number of frames per second, not {fps}: set "
            f"{advice('export_fps')} above 0, or leave it out to keep the input's frame times."
        )


def _check_crop(crop, canvas_box) -> None:
    """An ExportError unless `crop` (x0, y0, x1, y1) is a box of pixels inside the canvas."""
    x0, y0, x1, y1 = np.asarray(crop, dtype=float)
    left, top, right, bottom = canvas_box
    if not (left <= x0 < x1 <= right and top <= y0 < y1 <= bottom):
        raise ExportError(
            f"The crop box {tuple(float(value) for value in crop)} is not inside the canvas, which is "
            f"{right - left:g}x{bottom - top:g} pixels (x {left:g}..{right:g}, y {top:g}..{bottom:g}): set "
            f"{advice('crop')} with x0 < x1 and y0 < y1 within it."
        )


def frame_range(start, end, n_frames: int) -> range:
    """The frames `start..end-1` to export (None: from the first, to the last); an ExportError saying which
    argument to change when they are not a range inside the video's `n_frames`."""
    start = 0 if start is None else int(start)
    end = n_frames if end is None else int(end)
    if start >= end:
        raise ExportError(
            f"The first frame to export ({start}) must come before the end ({end}, the frame after the last): set "
            f"{advice('frame_range')} with start < end."
        )
    if not 0 <= start < end <= n_frames:
        raise ExportError(
            f"The frame range {start}..{end} is not inside the video (frames 0..{n_frames}): set "
            f"{advice('frame_range')} within it."
        )
    return range(start, end)


def _container_format(output: Path) -> str | None:
    container = EXPORT_CONTAINERS.get(output.suffix.lower())
    return container.muxer if container else None
