"""The one way to export: every front end (script, napari writer, dock widget, CLI, batch worker) calls
`export_video` with a scene, or `create_visualization`, which builds the scene from files first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ExportError
from ..io.video import VideoSource
from ..io.video_factory import default_output, open_video
from ..overlays.scene import Scene, build_scene
from .distributed import export_chunked
from .export import export_scene

Progress = bool | Callable[[int, int], bool | None]


def export_video(video: str | Path | VideoSource, scene: Scene, output: str | Path | None = None, *,
                 start: int | None = None, end: int | None = None, scale: float | None = None,
                 crop: Sequence[float] | None = None, plot_only: bool = False, alpha: bool = False,
                 progress: Progress = True, overwrite: bool = False, make_dirs: bool = False,
                 workers: int | None = None, client: Any = None, **ffmpeg_kwargs) -> Path:
    """Write `video` with `scene` drawn on it, in one pipeline or in chunks on dask; return the output path.

    Parameters
    ----------
    video
        A video path (or imgstore) or an opened `VideoSource` (left open).
    scene
        What to draw: a `Scene` from `build_scene` (or an attached napari session's `scene`).
    output
        The file to write (.mp4, .mov, .mkv, .avi, .webm, .gif); default `<video stem>_chronoviz.mp4`
        beside the video. Never the input; an existing file only with `overwrite=True`; its folder must
        exist unless `make_dirs=True`. Written under a temporary name and renamed when complete.
    start, end
        The frame range `start..end-1` to export (default: all frames).
    scale, crop
        Resize factor of the composite; crop box (x0, y0, x1, y1) in canvas pixels.
    plot_only
        Write only the plot panel, at its size in the scene's layout (the video is not decoded).
    alpha
        With `plot_only` and a .webm output: a transparent background (VP9 with alpha), to lay the plot
        over other footage in an editor.
    progress
        True (a progress line on stderr), False, or a callable `(done, total)` returning True to cancel.
    workers, client
        Render in keyframe-aligned chunks on dask: `workers=N` starts a local cluster of N single-threaded
        worker processes for this export; `client=` uses any `dask.distributed.Client`. The chunks are
        joined by stream copy, without B-frames. One worker: the plain pipeline.
    **ffmpeg_kwargs
        Encoder options: `codec` (libx264 by default; libx265, libvpx-vp9, libsvtav1, mpeg4, gif, a
        hardware encoder such as h264_nvenc when present), `crf`, `qp`, `preset`, `pix_fmt` (yuv420p by
        default), `fps` (a constant output rate; default: the input's own frame times), `bitrate`, `gop`,
        and `options={...}` for any other option of the encoder.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ExportError
        For options that do not go together, an output that may not be written, or a failed stage
        (the message names it; nothing is left at `output`).
    ExportCancelled
        When `progress` asked to stop; nothing is left at `output`.
    """
    source = video if isinstance(video, VideoSource) else open_video(video)
    try:
        output = Path(output) if output is not None else default_output(source.path)
        if client is None and (workers or 1) <= 1:
            return export_scene(source, scene, output, start=start, end=end, scale=scale, crop=crop,
                                plot_only=plot_only, alpha=alpha, progress=progress, overwrite=overwrite,
                                make_dirs=make_dirs, **ffmpeg_kwargs)
        if scale or crop or plot_only or alpha:
            raise ExportError("A chunked export (workers/client) takes the full composite; drop scale, crop, "
                              "plot_only and alpha, or export without workers.")
        options = dict(start=start, end=end, progress=progress, overwrite=overwrite, make_dirs=make_dirs,
                       **ffmpeg_kwargs)
        if client is not None:
            return export_chunked(source, scene, output, client, **options)
        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True) as cluster, \
                Client(cluster) as own:
            return export_chunked(source, scene, output, own, **options)
    finally:
        if source is not video:
            source.close()


def create_visualization(video: str | Path | VideoSource, signals=None, output: str | Path | None = None, *,
                         pose=None, events=None, intervals=None, spikes=None, alignment: dict | None = None,
                         pose_alignment: dict | None = None, labels_clock: str | int = "video", window=None,
                         layout: str | dict | None = None, style: dict | None = None, **export_options) -> Path:
    """Write `video` with its signals, pose, events and intervals drawn on it, and return the output path.

    Parameters
    ----------
    video
        A video path (or imgstore) or an opened `VideoSource`.
    signals
        Time series: a path, DataFrame, list, array, `Signal`, or a list of these.
    output
        The file to write; see `export_video`.
    pose, events, intervals, spikes, alignment, pose_alignment, labels_clock, window, layout, style
        What to draw and how it sits on the video's timeline; see `build_scene`.
    **export_options
        Everything `export_video` takes: `start`, `end`, `scale`, `crop`, `plot_only`, `alpha`,
        `progress`, `overwrite`, `make_dirs`, `workers`, `client` and the encoder options (`codec`,
        `crf`, `preset`, `pix_fmt`, `fps`, ...).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ChronovizError
        For a file that cannot be read or placed on the video's timeline (`SignalError`, `PoseError`,
        `AlignmentError`, ...) and for export problems (`ExportError`).
    """
    source = video if isinstance(video, VideoSource) else open_video(video)
    try:
        scene = build_scene(source, signals=signals, pose=pose, events=events, intervals=intervals, spikes=spikes,
                            alignment=alignment, pose_alignment=pose_alignment, labels_clock=labels_clock,
                            window=window, layout=layout, style=style)
        return export_video(source, scene, output, **export_options)
    finally:
        if source is not video:
            source.close()
