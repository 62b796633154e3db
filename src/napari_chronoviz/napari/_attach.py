"""The verbs for napari viewers: `attach` overlays to a video layer, `sync_by_time` puts videos on one time slider."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._times import nominal_rate
from ..errors import ChronovizError
from ..overlays.scene import build_scene
from ._layers import Display, Session
from ._metadata import METADATA_KEY

if TYPE_CHECKING:
    import napari


@dataclass(frozen=True, eq=False)
class _LayerVideo:
    """What a scene needs of a video, read from a chronoviz video layer."""

    frame_times: np.ndarray
    shape: tuple


def attach(viewer: napari.Viewer, video_layer: napari.layers.Image | str, *, signals=None, pose=None, events=None,
           intervals=None, spikes=None, alignment: dict | None = None, pose_alignment: dict | None = None,
           labels_clock: str | int = "video", window=None, layout: str | dict | None = None,
           style: dict | None = None, display: Display = "raster") -> Session:
    """Show signals, pose, events and intervals over a video layer, synced to napari's slider.

    Attaching again to the same video layer replaces its overlays.

    Parameters
    ----------
    viewer
        The napari viewer holding the layer.
    video_layer
        A video layer opened by napari-chronoviz (or any frames x height x width image layer), or its name.
    signals, pose, events, intervals, spikes
        Paths, DataFrames, arrays or loaded `Signal` / `Pose` / `Events` / `Intervals` / `Spikes` (see
        `build_scene`).
    alignment, pose_alignment
        `align` options for the signals and for the poses (mode, ratio, offset, sync). By default a pose is
        read frame for frame, and one shorter than the video shows nothing after its end, with a warning.
    labels_clock
        "video" (the events' and intervals' times are the video's) or a signal, by its position in
        `signals` or its file name, whose clock they were recorded on: they then follow its offset and sync.
    window
        Seconds on each side, `(left, right)`, or a dict with `unit` ("s" or "samples").
    layout
        A panel position ("below", "top-right", ..., "none") or `{"position", "size"}`.
    style
        A dict of `Style` options.
    display
        "raster" (one image redrawn per frame: the fastest to play, the export's exact pixels) or "layers"
        (pose as napari points/vectors/tracks layers, for inspecting and editing).

    Returns
    -------
    Session
        The attached overlays: `scene`, `geometry(frame)`, `update(**changes)`, `detach()`.

    Raises
    ------
    ChronovizError
        When the layer is not a video or a source cannot be read or placed on its timeline.
    """
    layer = viewer.layers[video_layer] if isinstance(video_layer, str) else video_layer
    scene = build_scene(video_of_layer(layer), signals=signals, pose=pose, events=events, intervals=intervals,
                        spikes=spikes, alignment=alignment, pose_alignment=pose_alignment, labels_clock=labels_clock, window=window,
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
        fps = layer.metadata.get(METADATA_KEY, {}).get("fps")
        if not fps:
            fps = 30.0
            warnings.warn(
                f"Layer {layer.name!r} carries no frame times (it was not opened by napari-chronoviz), so its frames "
                "are taken as 30 fps. Open the video with napari-chronoviz to use its real frame times.",
                stacklevel=3,
            )
        frame_times = np.arange(shape[0]) / fps
    return _LayerVideo(np.asarray(frame_times, dtype=float), shape)


def sync_by_time(viewer: napari.Viewer, video_layers: list | None = None) -> None:
    """Put videos of different frame rates on one time slider: each layer's frame axis becomes seconds.

    Each video layer gets its median frame step as the frame axis' scale and its first frame time,
    relative to the earliest video's, as the translate, so napari's slider moves in time and each video
    shows its frame at that time (frames of a variable-rate video are placed at its median rate).
    Attached overlays are rebuilt to follow.

    Parameters
    ----------
    viewer
        The napari viewer.
    video_layers
        The layers (or their names) to put on one clock; default: every layer opened by napari-chronoviz.

    Raises
    ------
    ChronovizError
        When there is no video layer to synchronize.
    """
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
