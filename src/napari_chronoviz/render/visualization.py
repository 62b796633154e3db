"""The one way to export: every front end (script, napari writer, dock widget, CLI, batch worker) calls
`export_video` with a scene, or `create_visualization`, which builds the scene from files first. Several
videos (cameras) are exported as tiles of one file: their scene is a `TiledScene` and the pipeline reads
them as one `TiledVideo`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._progress import Progress
from ..errors import ExportError
from ..io.video import VideoSource
from ..io.video_factory import default_output, open_video
from ..overlays.scene import Scene
from ..overlays.tiles import TiledScene, scene_of
from ..scene_options import SCENE_OPTION_NAMES, SceneOptions
from .distributed import export_chunked
from .export import export_scene, output_frames
from .tiles import TiledVideo

Videos = str | Path | VideoSource | Sequence[str | Path | VideoSource]


def export_video(
    video: Videos,
    scene: Scene | TiledScene,
    output: str | Path | None = None,
    *,
    start: int | None = None,
    end: int | None = None,
    scale: float | None = None,
    crop: Sequence[float] | None = None,
    plot_only: bool = False,
    alpha: bool = False,
    progress: Progress = True,
    overwrite: bool = False,
    make_dirs: bool = False,
    workers: int | None = None,
    client: Any = None,
    **ffmpeg_kwargs,
) -> Path:
    """Write `video` with `scene` drawn on it, in one pipeline or in chunks on dask; return the output path.

    Parameters
    ----------
    video
        A video path (or imgstore) or an opened `VideoSource` (left open); or a list of them (several cameras),
        written side by side as the tiles of `scene`.
    scene
        What to draw: a `Scene` from `build_scene` (or an attached napari session's `scene`); for several
        videos a `TiledScene` from `build_tiled_scene`, whose clock gives the output's frame times.
    output
        The file to write (.mp4, .mov, .mkv, .avi, .webm, .gif); default `<video stem>_chronoviz.mp4`
        beside the (first) video. Never the input; an existing file only with `overwrite=True`; its folder must
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
        joined by stream copy, without B-frames. One worker: the plain pipeline. Several videos: each
        worker opens them all; the chunks start on the first video's keyframes.
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
    given = list(video) if isinstance(video, (list, tuple)) else [video]
    tiled = isinstance(scene, TiledScene)
    if len(given) > 1 and not tiled:
        raise ExportError(
            f"{len(given)} videos need one scene of them all: build it with build_tiled_scene(videos, "
            "...), or call create_visualization(videos, ...)."
        )
    if tiled and len(given) != len(scene.cameras):
        raise ExportError(
            f"The scene has {len(scene.cameras)} tiles but {len(given)} videos were given; give the "
            "videos the scene was built over, in the same order."
        )
    opened = [item if isinstance(item, VideoSource) else open_video(item) for item in given]
    try:
        source = opened[0]
        if tiled:
            fps = ffmpeg_kwargs.pop("fps", None)
            if fps is not None:  # the tiles are picked at the constant rate's ticks, not at the first video's frames
                scene = scene.retimed(output_frames(scene.frame_times, range(scene.n_frames), fps)[1])
            source = TiledVideo(opened, scene)
        output = Path(output) if output is not None else default_output(source.path)
        if client is None and (workers or 1) <= 1:
            return export_scene(
                source,
                scene,
                output,
                start=start,
                end=end,
                scale=scale,
                crop=crop,
                plot_only=plot_only,
                alpha=alpha,
                progress=progress,
                overwrite=overwrite,
                make_dirs=make_dirs,
                **ffmpeg_kwargs,
            )
        if scale or crop or plot_only or alpha:
            raise ExportError(
                "A chunked export (workers/client) takes the full composite; drop scale, crop, "
                "plot_only and alpha, or export without workers."
            )
        options = dict(
            start=start, end=end, progress=progress, overwrite=overwrite, make_dirs=make_dirs, **ffmpeg_kwargs
        )
        if client is not None:
            return export_chunked(source, scene, output, client, **options)
        from dask.distributed import Client, LocalCluster

        with (
            LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True) as cluster,
            Client(cluster) as own,
        ):
            return export_chunked(source, scene, output, own, **options)
    finally:
        for item, source in zip(given, opened):
            if source is not item:
                source.close()


def create_visualization(
    video: Videos,
    signals=None,
    output: str | Path | None = None,
    *,
    pose=None,
    events=None,
    intervals=None,
    spikes=None,
    **options,
) -> Path:
    """Write `video` with its signals, pose, events and intervals drawn on it, and return the output path.

    Parameters
    ----------
    video
        A video path (or imgstore) or an opened `VideoSource`; or a list of them (several cameras), written
        side by side in one file. The output's frames are then the first video's (or ticks of a constant
        `fps`), and every tile shows its own video's frame at or before each output frame's time.
    signals
        Time series: a path, `SourceSpec`, DataFrame, list, array, `Signal`, or a list of these.
    output
        The file to write; see `export_video`.
    pose
        One video: a pose path, `SourceSpec` or `Pose`, or a list of them. Several videos: one entry per video in
        the same order (a pose, a list of poses, or None), each drawn on its own tile, e.g. `pose=[front_h5, None]`.
    events, intervals, spikes
        What else to draw (for several videos, on the first video's or the output's clock); see `build_scene`.
    **options
        The scene options, by the names of `SceneOptions` (`alignment`, `pose_alignment`, `labels_clock`,
        `window`, `layout`, `style`; `tiles` for several videos; `calibration` and `pose_speed` for one video),
        and everything `export_video` takes: `start`, `end`, `scale`, `crop`, `plot_only`, `alpha`,
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
        `AlignmentError`, ...), an invalid scene option, and export problems (`ExportError`).
    """
    scene_options = SceneOptions.of({name: options.pop(name) for name in SCENE_OPTION_NAMES if name in options})
    tiles = scene_options.tiles
    given = list(video) if isinstance(video, (list, tuple)) else [video]
    if tiles is not None and len(given) < 2:
        raise ExportError("tiles= arranges several videos; with one video leave it out.")
    opened = [item if isinstance(item, VideoSource) else open_video(item) for item in given]
    try:
        scene = scene_of(
            opened,
            signals=signals,
            pose=pose,
            events=events,
            intervals=intervals,
            spikes=spikes,
            **scene_options.keywords(),
        )
        return export_video(opened if len(opened) > 1 else opened[0], scene, output, **options)
    finally:
        for item, source in zip(given, opened):
            if source is not item:
                source.close()
