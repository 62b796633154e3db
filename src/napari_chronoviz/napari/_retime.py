"""Put a video layer's frames on another clock in place: a camera's own timestamps, or the rig's through the
clock map that syncing the video made (`chronoviz sync`, the "Sync to rig" dock)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ChronovizError, advice
from ..io.video_factory import VideoEntry
from ._labeling import Labeler
from ._layers import Session
from ._metadata import CLOCK_RATE_KEY, METADATA_KEY
from ._reader import video_layer_data

if TYPE_CHECKING:
    import napari


def use_frame_times(viewer: napari.Viewer, video_layer, frame_times: str | Path) -> napari.layers.Image:
    """Time a video layer's frames by `frame_times` from now on, in place, and let everything on it follow.

    The layer stays (its name, its place, the docks that follow it); its frames are read again with the new
    times. Its overlays are aligned again on them: sources timed on the new clock (a rig's signals and events,
    once the video runs on the rig's clock) line up. Labels keep their frames and take the new times. A session
    saved from the layer names the file, so it opens with the same times.

    Parameters
    ----------
    viewer
        The napari viewer holding the layer.
    video_layer
        A video layer opened by napari-chronoviz, or its name.
    frame_times
        A frame-time file (a camera's timestamps) or a clock map (`ClockMap.write`, `chronoviz sync -o`).

    Returns
    -------
    napari.layers.Image
        The layer, now timed by `frame_times`.

    Raises
    ------
    ChronovizError
        When the layer is not a napari-chronoviz video, is on one clock with other cameras, or the file does not
        fit the video (another frame count, a clock map of another video).
    """
    layer = viewer.layers[video_layer] if isinstance(video_layer, str) else video_layer
    info = layer.metadata.get(METADATA_KEY, {})
    if info.get("kind") != "video":
        raise ChronovizError(f"Layer {layer.name!r} is not a video opened by napari-chronoviz; open its file with it.")
    if CLOCK_RATE_KEY in info:  # its frames are shown through a clock shared with other cameras
        raise ChronovizError(
            f"{layer.name!r} is shown on one clock with other cameras, which was built from the frame times they "
            f"were opened with: {advice('camera_frame_times')}."
        )
    session, labeler = Session.of(layer), Labeler.of(layer)
    info = {**info, "frame_times_file": str(frame_times)}
    video = VideoEntry.of(info).open()
    data, attributes, _ = video_layer_data(video, frame_times_file=frame_times)
    layer.data = data
    new_info = attributes["metadata"][METADATA_KEY]
    layer.metadata = {**layer.metadata, **attributes["metadata"], METADATA_KEY: {**info, **new_info}}
    if session is not None:
        session.update(frame_times=video.frame_times)
    if labeler is not None:
        labeler.labeling.retime(video.frame_times)
    return layer
