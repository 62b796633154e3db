"""napari sample-data contributions: real recordings bundled in the package (see sample_data/README.md).

Each sample returns layer data only, as npe2 asks: the video layer, whose `metadata["chronoviz"]["overlays"]`
holds the sample's overlays (signal, pose, events and intervals files as paths, window and style) in the
keywords `attach` takes. The dock widget (Plugins ▸ chronoviz ▸ Overlays) attaches them when it
sees the layer, whether it was open before the sample or is opened after. Like the reader, a sample asks
the viewer to play chronoviz videos at their frame rate.
"""

from __future__ import annotations

import json

from ..samples import sample_file as sample_path

FLIES_POSE = "flies.analysis.h5"
MOUSE_POSE = "mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5"


def flies_sources() -> dict:
    """The two-fly sample's overlays, as `attach`/`create_visualization` take them.

    Returns
    -------
    dict
        signals, pose, events and intervals (paths), window and style.
    """
    return {
        "signals": [sample_path("flies_signals.csv"), sample_path("flies_photometry.csv")],
        "pose": sample_path(FLIES_POSE),
        "events": sample_path("flies_events.csv"),
        "intervals": sample_path("flies_intervals.csv"),
        "window": (4.0, 2.0),
        "style": {"trail_length": 20, "head_direction": ["thorax", "head"], "overview": True},
    }


def mouse_sources() -> dict:
    """The open-field mouse sample's overlays, as `attach`/`create_visualization` take them.

    Returns
    -------
    dict
        signals and pose (paths), window and style.
    """
    return {
        "signals": sample_path("mouse_signals.csv"),
        "pose": sample_path(MOUSE_POSE),
        "window": (3.0, 3.0),
        "style": {"trail_length": 30, "confidence_cutoff": 0.6},
    }


def flies_sample() -> list[tuple]:
    """Two courting flies (SLEAP clip) with proofread poses, derived signals, events and intervals.

    Returns
    -------
    list of tuple
        The video layer's `(data, attributes, "image")`, its overlays in its metadata.
    """
    return [_video_with_overlays("flies.mp4", flies_sources())]


def mouse_sample() -> list[tuple]:
    """A mouse in an open field (DeepLabCut example) with its predictions and derived signals.

    Returns
    -------
    list of tuple
        The video layer's `(data, attributes, "image")`, its overlays in its metadata.
    """
    return [_video_with_overlays("mouse.mp4", mouse_sources())]


def _video_with_overlays(video: str, sources: dict) -> tuple:
    from napari import current_viewer

    from ..io.video_factory import open_video
    from ._layers import play_videos_at_frame_rate
    from ._reader import video_layer_data

    if (viewer := current_viewer()) is not None:
        play_videos_at_frame_rate(viewer)
    overlays = json.loads(json.dumps(sources, default=str))  # paths as text: the metadata stays JSON-able
    return video_layer_data(open_video(sample_path(video)), overlays=overlays)
