"""napari sample-data contributions: real recordings bundled in the package (see sample_data/README.md).

Each sample returns its video layer; when napari has added it to the current viewer, the overlays are
attached to it and the dock widget is docked.
"""

from __future__ import annotations

from ..samples import sample_file as sample_path

FLIES_POSE = "flies.analysis.h5"
MOUSE_POSE = "mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5"


def flies_sources() -> dict:
    """The two-fly sample's overlays, as `attach`/`create_visualization` take them."""
    return {
        "signals": [sample_path("flies_signals.csv"), sample_path("flies_photometry.csv")],
        "pose": sample_path(FLIES_POSE),
        "events": sample_path("flies_events.csv"),
        "intervals": sample_path("flies_intervals.csv"),
        "window": (4.0, 2.0),
        "style": {"trail_length": 20, "head_direction": ["thorax", "head"], "overview": True},
    }


def mouse_sources() -> dict:
    """The open-field mouse sample's overlays."""
    return {
        "signals": sample_path("mouse_signals.csv"),
        "pose": sample_path(MOUSE_POSE),
        "window": (3.0, 3.0),
        "style": {"trail_length": 30, "confidence_cutoff": 0.6},
    }


def flies_sample() -> list:
    """Two courting flies (SLEAP clip) with proofread poses, derived signals, events and intervals."""
    return _open_sample("flies.mp4", flies_sources())


def mouse_sample() -> list:
    """A mouse in an open field (DeepLabCut example) with its predictions and derived signals."""
    return _open_sample("mouse.mp4", mouse_sources())


def _open_sample(video: str, sources: dict) -> list:
    import napari

    from ..io.video_factory import open_video
    from ._reader import video_layer_data

    path = sample_path(video)
    viewer = napari.current_viewer()
    if viewer is not None:

        def attach_when_added(event) -> None:
            layer = event.value
            if layer.metadata.get("chronoviz", {}).get("path") != str(path):
                return
            viewer.layers.events.inserted.disconnect(attach_when_added)
            from ._attach import attach
            from ._widget import ChronovizWidget

            attach(viewer, layer, **sources)
            viewer.window.add_dock_widget(ChronovizWidget(viewer), name="chronoviz", area="right")

        viewer.layers.events.inserted.connect(attach_when_added)
    return [video_layer_data(open_video(path))]
