"""The public verbs for scripts: `attach` overlays to a video layer in a napari viewer."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ChronovizError
from .overlays.scene import build_scene
from .timeline import nominal_rate


@dataclass(frozen=True, eq=False)
class _LayerVideo:
    """What a scene needs of a video, read from a chronoviz video layer."""

    frame_times: np.ndarray
    shape: tuple


def attach(viewer, video_layer, *, signals=None, pose=None, events=None, intervals=None, alignment=None,
           pose_alignment=None, labels_clock="video", window=None, layout=None, style=None, display="raster"):
    """Show signals, pose, events and intervals over `video_layer` (a layer or its name), synced to the slider.

    The arguments are those of the scene (see `napari_chronoviz.overlays.scene.build_scene`): paths,
    DataFrames, arrays or loaded objects; `alignment` holds `align` options for the signals and
    `pose_alignment` those for the poses (mode, ratio, offset, sync; by default a pose is read frame for
    frame, and one shorter than the video shows nothing after its end, with a warning); `labels_clock` is
    "video" (the events' and intervals' times are the video's) or a signal (its position in `signals` or its
    file name) whose clock they were recorded on, so that they follow its offset and sync; `window`
    seconds on each side (or `(left, right)`, or a dict with `unit`); `layout` a panel position or dict;
    `style` a dict of `Style` options. `display` is "raster" (one image redrawn per frame: the fastest to
    play, the export's exact pixels) or "layers" (pose as napari points/vectors/tracks layers, for
    inspecting and editing). Returns the `Session`: `geometry(frame)`, `update(**changes)`, `detach()`.
    Attaching again to the same video layer replaces its overlays.
    """
    from .napari._layers import Session

    layer = viewer.layers[video_layer] if isinstance(video_layer, str) else video_layer
    scene = build_scene(video_of_layer(layer), signals=signals, pose=pose, events=events, intervals=intervals,
                        alignment=alignment, pose_alignment=pose_alignment, labels_clock=labels_clock, window=window,
                        layout=layout, style=style)
    previous = Session.of(layer)
    if previous is not None:
        previous.detach()
    return Session(viewer, layer, scene, display)


def video_of_layer(layer) -> _LayerVideo:
    """The frame times and shape of a video layer opened by chronoviz (or any frames x height x width image)."""
    shape = tuple(layer.data.shape)
    if len(shape) < 3:
        raise ChronovizError(f"Layer {layer.name!r} is not a video: its data has shape {shape}, not frames x height x width.")
    frame_times = layer.metadata.get("frame_times")
    if frame_times is None:
        fps = layer.metadata.get("chronoviz", {}).get("fps")
        if not fps:
            fps = 30.0
            warnings.warn(
                f"Layer {layer.name!r} carries no frame times (it was not opened by napari-chronoviz), so its frames "
                "are taken as 30 fps. Open the video with napari-chronoviz to use its real frame times.",
                stacklevel=3,
            )
        frame_times = np.arange(shape[0]) / fps
    return _LayerVideo(np.asarray(frame_times, dtype=float), shape)


def create_visualization(video, timeseries=None, output=None, *, pose=None, events=None, intervals=None,
                         alignment=None, pose_alignment=None, labels_clock="video", window=None, layout=None,
                         style=None, start=None, end=None, scale=None, crop=None, progress=True, overwrite=False,
                         make_dirs=False, alpha=False, workers=None, client=None, **ffmpeg_kwargs) -> Path:
    """Write `video` with its signals, pose, events and intervals drawn on it, and return the output path.

    Parameters
    ----------
    video
        A video path (or imgstore) or an opened `VideoSource`.
    timeseries
        Signals: a path, DataFrame, list, array, `Signal`, or a list of these.
    output
        The file to write (.mp4, .mov, .mkv, .avi, .webm, .gif); default `<video stem>_chronoviz.mp4`
        beside the video. Never the input; an existing file only with `overwrite=True`; its folder
        must exist unless `make_dirs=True`. Written under a temporary name and renamed when complete.
    pose, events, intervals, alignment, pose_alignment, labels_clock, window, layout, style
        As for `attach` (see `build_scene`). `layout="plot-only"` (or `{"position": "plot-only", "size":
        ...}`) writes only the plot panel, at the video's width; `layout="none"` only the video with pose.
    alpha
        With `layout="plot-only"` and a .webm output: a transparent background (VP9 with alpha), to lay
        the plot over other footage in an editor.
    workers, client
        Render in keyframe-aligned chunks on dask: `workers=N` starts a local cluster of N single-threaded
        worker processes for this export; `client=` uses any `dask.distributed.Client` (a SLURM or cloud
        cluster). The chunks are joined by stream copy, without B-frames. One worker: the plain pipeline.
    start, end
        The frame range `start..end-1` to export (default: all frames).
    scale, crop
        Resize factor of the composite; crop box (x0, y0, x1, y1) in canvas pixels.
    progress
        True (a progress line on stderr), False, or a callable `(done, total)` returning True to cancel.
    **ffmpeg_kwargs
        Encoder options: `codec` (libx264 by default; libx265, libvpx-vp9, libsvtav1, mpeg4, gif, a
        hardware encoder such as h264_nvenc when present), `crf`, `qp`, `preset`, `pix_fmt` (yuv420p by
        default), `fps` (a constant output rate; default: the input's own frame times), `bitrate`, `gop`,
        and `options={...}` for any other option of the encoder.
    """
    from .io.video import VideoSource
    from .io.video_factory import default_output, open_video
    from .render.export import export_scene

    source = video if isinstance(video, VideoSource) else open_video(video)
    plot_only = layout == "plot-only" or (isinstance(layout, dict) and layout.get("position") == "plot-only")
    if plot_only:
        layout = {"position": "below", "size": layout.get("size") if isinstance(layout, dict) else None}
    try:
        scene = build_scene(source, signals=timeseries, pose=pose, events=events, intervals=intervals,
                            alignment=alignment, pose_alignment=pose_alignment, labels_clock=labels_clock,
                            window=window, layout=layout, style=style)
        if output is None:
            output = default_output(source.path)
        if client is not None or (workers or 1) > 1:
            if scale or crop or plot_only or alpha:
                raise ChronovizError("A chunked export (workers/client) takes the full composite; drop scale, crop, "
                                     "plot-only and alpha, or export without workers.")
            return _export_on_dask(source, scene, Path(output), client, workers, start=start, end=end,
                                   progress=progress, overwrite=overwrite, make_dirs=make_dirs, **ffmpeg_kwargs)
        return export_scene(source, scene, Path(output), start=start, end=end, scale=scale, crop=crop,
                            progress=progress, overwrite=overwrite, make_dirs=make_dirs, plot_only=plot_only,
                            alpha=alpha, **ffmpeg_kwargs)
    finally:
        if source is not video:
            source.close()


def _export_on_dask(video, scene, output: Path, client, workers, **options) -> Path:
    from .render.distributed import export_chunked

    if client is not None:
        return export_chunked(video, scene, output, client, **options)
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True) as cluster, Client(cluster) as own:
        return export_chunked(video, scene, output, own, **options)


def sync_by_time(viewer, video_layers=None) -> None:
    """Put videos of different frame rates on one time slider: each layer's frame axis becomes seconds.

    Each video layer (default: every layer opened by napari-chronoviz) gets its median frame step as the
    frame axis' scale and its first frame time, relative to the earliest video's, as the translate, so
    napari's slider moves in time and each video shows its frame at that time (frames of a variable-rate
    video are placed at its median rate). Attached overlays are rebuilt to follow.
    """
    from .napari._layers import METADATA_KEY, Session

    layers = [viewer.layers[name] if isinstance(name, str) else name for name in video_layers] if video_layers else [
        layer for layer in viewer.layers if layer.metadata.get(METADATA_KEY, {}).get("kind") == "video"
    ]
    if not layers:
        raise ChronovizError("No video layers to synchronize: open videos with napari-chronoviz first.")
    times = [video_of_layer(layer).frame_times for layer in layers]
    start = min(float(frame_times[0]) for frame_times in times)
    for layer, frame_times in zip(layers, times):
        step = 1 / nominal_rate(frame_times)  # 1 s for a single frame
        layer.scale = (step, *layer.scale[1:])
        layer.translate = (float(frame_times[0]) - start, *layer.translate[1:])
        session = Session.of(layer)
        if session is not None:
            session.update()
    viewer.dims.axis_labels = ("time (s)", *viewer.dims.axis_labels[1:])
