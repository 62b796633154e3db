"""napari-chronoviz: behavior video, signals and pose on one frame-exact timeline.

The public names load on first use (PEP 562), so importing the package, or napari scanning its
manifest, pulls in none of PyAV, OpenCV, pandas, h5py or dask.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("napari-chronoviz")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "unknown"

_PUBLIC = {
    "napari_chronoviz.errors": (
        "AlignmentError",
        "ChronovizError",
        "EthogramError",
        "ExportCancelled",
        "ExportError",
        "FrameTimesError",
        "LabelError",
        "PoseError",
        "SignalError",
        "SyncError",
        "VideoReadError",
    ),
    "napari_chronoviz.annotation": ("Labeling",),
    "napari_chronoviz.calibration": ("Calibration", "read_calibration", "write_calibration"),
    "napari_chronoviz.kinematics": ("pose_speed",),
    "napari_chronoviz.io.clock_map": ("ClockMap", "read_clock_map"),
    "napari_chronoviz.sync": ("Region", "SyncResult", "read_pulses", "region_signals", "sync_video"),
    "napari_chronoviz.io.ethogram": ("Behavior", "Ethogram", "read_ethogram", "write_ethogram"),
    "napari_chronoviz.io.imgstore": ("read_imgstore_index",),
    "napari_chronoviz.io.labels": (
        "Events",
        "Intervals",
        "read_events",
        "read_intervals",
        "write_boris_tabular",
        "write_events",
        "write_intervals",
    ),
    "napari_chronoviz.io.pose": ("Pose", "VideoRecord", "check_pose_video", "read_pose"),
    "napari_chronoviz.io.spikes": ("Spikes", "read_spikes"),
    "napari_chronoviz.io.timeseries": ("Signal", "read_signal_pairs", "read_timeseries"),
    "napari_chronoviz.io.timestamps": ("read_frame_times",),
    "napari_chronoviz.io.video": ("VideoSource",),
    "napari_chronoviz.io.video_factory": ("VideoEntry", "open_video"),
    "napari_chronoviz.io.video_check": ("VideoCheck", "check_video"),
    "napari_chronoviz.samples": ("sample_file",),
    "napari_chronoviz.session": ("OpenedSession", "open_session", "save_session"),
    "napari_chronoviz.sources": ("SourceSpec",),
    "napari_chronoviz.scene_options": ("SceneOptions",),
    "napari_chronoviz.timeline": ("Alignment", "SampleWindow", "align"),
    "napari_chronoviz.overlays.layout": ("Layout",),
    "napari_chronoviz.overlays.scene": ("Scene", "build_scene"),
    "napari_chronoviz.overlays.tiles": ("TiledScene", "build_tiled_scene"),
    "napari_chronoviz.overlays.style": ("Style",),
    "napari_chronoviz.render.visualization": ("create_visualization", "export_video"),
    "napari_chronoviz.render.batch": ("batch_render", "read_jobs"),
    "napari_chronoviz.napari._attach": ("attach", "sync_by_time"),
    "napari_chronoviz.napari._retime": ("use_frame_times",),
}
_MODULE_OF = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'napari_chronoviz' has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .annotation import Labeling
    from .calibration import Calibration, read_calibration, write_calibration
    from .errors import (
        AlignmentError,
        ChronovizError,
        EthogramError,
        ExportCancelled,
        ExportError,
        FrameTimesError,
        LabelError,
        PoseError,
        SignalError,
        SyncError,
        VideoReadError,
    )
    from .io.clock_map import ClockMap, read_clock_map
    from .io.ethogram import Behavior, Ethogram, read_ethogram, write_ethogram
    from .io.imgstore import read_imgstore_index
    from .io.labels import (
        Events,
        Intervals,
        read_events,
        read_intervals,
        write_boris_tabular,
        write_events,
        write_intervals,
    )
    from .io.pose import Pose, VideoRecord, check_pose_video, read_pose
    from .io.spikes import Spikes, read_spikes
    from .io.timeseries import Signal, read_signal_pairs, read_timeseries
    from .io.timestamps import read_frame_times
    from .io.video import VideoSource
    from .io.video_check import VideoCheck, check_video
    from .io.video_factory import VideoEntry, open_video
    from .kinematics import pose_speed
    from .napari._attach import attach, sync_by_time
    from .napari._retime import use_frame_times
    from .overlays.layout import Layout
    from .overlays.scene import Scene, build_scene
    from .overlays.style import Style
    from .overlays.tiles import TiledScene, build_tiled_scene
    from .render.batch import batch_render, read_jobs
    from .render.visualization import create_visualization, export_video
    from .samples import sample_file
    from .scene_options import SceneOptions
    from .session import OpenedSession, open_session, save_session
    from .sources import SourceSpec
    from .sync import Region, SyncResult, read_pulses, region_signals, sync_video
    from .timeline import Alignment, SampleWindow, align
