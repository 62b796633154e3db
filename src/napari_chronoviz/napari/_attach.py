"""The verbs for napari viewers: `attach` overlays to a video layer, `sync_by_time` puts videos on one time slider."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ChronovizError
from ..overlays.tiles import scene_of
from ..scene_options import SceneOptions
from ._cameras import CamerasSession, put_on_one_clock, source_data
from ._layers import Display, Session
from ._metadata import METADATA_KEY

if TYPE_CHECKING:
    import napari


@dataclass(frozen=True, eq=False)
class _LayerVideo:
    """What a scene needs of a video, read from a chronoviz video layer."""

    frame_times: np.ndarray
    shape: tuple
    recorded_file: str | None  # the file the frames were recorded to, for checking that a pose was made on it


def attach(
    viewer: napari.Viewer,
    video_layer: napari.layers.Image | str | list,
    *,
    signals=None,
    pose=None,
    events=None,
    intervals=None,
    spikes=None,
    display: Display = "raster",
    **options,
) -> Session:
    """Show signals, pose, events and intervals over a video layer, synced to napari's slider.

    Attaching again to the same video layer replaces its overlays. Given several video layers (cameras),
    they are put on one clock side by side first (see `sync_by_time`) and one session draws them all: each
    camera's pose on its tile, one plot panel on the first video's clock, as an export of them would.

    Parameters
    ----------
    viewer
        The napari viewer holding the layer.
    video_layer
        A video layer opened by napari-chronoviz (or any frames x height x width image layer), or its name;
        or a list of them (several cameras, tiled in that order).
    signals, pose, events, intervals, spikes
        Paths, `SourceSpec`s, DataFrames, arrays or loaded `Signal` / `Pose` / `Events` / `Intervals` / `Spikes`
        (see `build_scene`). With several video layers, `pose` has one entry per layer (a pose, a list of poses,
        or None), each drawn on its own video.
    display
        "raster" (one image redrawn per frame: the fastest to play, the export's exact pixels) or "layers"
        (pose as napari points/vectors/tracks layers, the plot panel as shapes and text layers and its
        values as points whose features napari shows on hover: for inspecting, zooming and editing).
    **options
        The scene options, by the names of `SceneOptions`: `alignment` and `pose_alignment` (by default a pose
        is read frame for frame, and one shorter than the video shows nothing after its end, with a warning),
        `labels_clock`, `window`, `layout`, `style`; `tiles` for several video layers ("row" by default,
        "grid" or `{"columns": int, "height": int}`; see `sync_by_time`); `calibration` and `pose_speed` for
        one video layer (a scale bar over the video, and a lane of each pose's speed); see `build_scene`.

    Returns
    -------
    Session
        The attached overlays: `scene`, `geometry(frame)`, `update(**changes)`, `detach()`.

    Raises
    ------
    ChronovizError
        When the layer is not a video or a source cannot be read or placed on its timeline.
    """
    scene_options = SceneOptions.of(options, where="attach")
    tiles = scene_options.tiles
    layers = _layers_of(viewer, video_layer if isinstance(video_layer, (list, tuple)) else [video_layer])
    videos = [video_of_layer(layer) for layer in layers]
    clock = None
    if len(layers) > 1:
        if display != "raster":
            raise ChronovizError("Several cameras are drawn as one raster image; display='layers' is for one video.")
        clock = put_on_one_clock(viewer, layers, [video.frame_times for video in videos], tiles)
    elif tiles is not None:
        raise ChronovizError("tiles= arranges several video layers; with one layer leave it out.")
    scene = scene_of(
        videos,
        frame_times=clock,
        signals=signals,
        pose=pose,
        events=events,
        intervals=intervals,
        spikes=spikes,
        **scene_options.keywords(),
    )
    for previous in filter(None, map(Session.of, layers)):
        previous.detach()
    if len(layers) > 1:
        return CamerasSession(viewer, layers, scene)
    return Session(viewer, layers[0], scene, display)


def video_of_layer(layer) -> _LayerVideo:
    """The frame times and shape of a video layer opened by chronoviz (or any frames x height x width image)."""
    shape = tuple(source_data(layer).shape)
    if len(shape) < 3:
        raise ChronovizError(
            f"Layer {layer.name!r} is not a video: its data has shape {shape}, not frames x height x width."
        )
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
    info = layer.metadata.get(METADATA_KEY, {})
    return _LayerVideo(np.asarray(frame_times, dtype=float), shape, info.get("recorded_file", info.get("path")))


def sync_by_time(viewer: napari.Viewer, video_layers: list | None = None, *, tiles: str | dict | None = None) -> None:
    """Put videos of different frame rates on one time slider, side by side.

    The slider's steps tick at the fastest video's frame step from the first frame time (seconds, on the
    videos' own clocks), so every frame of each video at a constant rate shows on at least one step; at each
    step every video shows its frame at or before that time (its first frame before it starts). The frame
    axis is scaled by that step, so the slider's position is the time, and the axis label next to it reads
    the time of the step. The layers
    are placed side by side in world coordinates (their y/x translate and scale), in the order given: the
    same tiles an export of these videos has. Attached overlays are rebuilt to follow.

    Parameters
    ----------
    viewer
        The napari viewer.
    video_layers
        The layers (or their names) to put on one clock; default: every layer opened by napari-chronoviz.
    tiles
        "row" (default: one row, native sizes), "grid", or `{"columns": int, "height": int}` (tiles per row;
        every video scaled to that many pixels high).

    Raises
    ------
    ChronovizError
        When there is no video layer to synchronize.
    """
    layers = (
        _layers_of(viewer, video_layers)
        if video_layers
        else [layer for layer in viewer.layers if layer.metadata.get(METADATA_KEY, {}).get("kind") == "video"]
    )
    if not layers:
        raise ChronovizError("No video layers to synchronize: open videos with napari-chronoviz first.")
    put_on_one_clock(viewer, layers, [video_of_layer(layer).frame_times for layer in layers], tiles)
    for session in filter(None, map(Session.of, layers)):
        session.update()


def _layers_of(viewer, layers: list) -> list:
    return [viewer.layers[name] if isinstance(name, str) else name for name in layers]
