"""napari reader contribution.

Videos and imgstore stores open as lazy, dask-backed RGB image layers; pose files as (frame, y, x) points
whose `features` hold individual, keypoint and confidence; time series as a hidden points layer whose
`features` hold the table (one row per sample), for the dock widget to attach to a video.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from napari import current_viewer
from napari.utils.notifications import show_error

import numpy as np

from ..errors import ChronovizError, PoseError
from ..io.imgstore import is_imgstore
from ..io.pose import Pose, read_pose
from ..io.timeseries import TIMESERIES_SUFFIXES, Signal, read_timeseries
from ..io.video import VIDEO_EXTENSIONS, VideoSource
from ..io.video_factory import open_video, recording_name
from ..overlays.style import palette
from ._layers import play_videos_at_frame_rate

POSE_ONLY_SUFFIXES = (".slp", ".nc", ".nwb")


def get_reader(path: str | list[str]):
    """Return a reader for videos, imgstore stores, pose files and time series, or None for other paths.

    Files are read here so that a bad file is reported as a napari notification that names the problem
    (and napari can try other readers) instead of failing later.
    """
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    if not paths or not all(_is_video_path(p) or _is_data_path(p) for p in paths):
        return None
    layers = []
    try:
        for file in paths:
            layers.append(video_layer_data(open_video(file)) if _is_video_path(file) else _data_layer(file))
    except (ChronovizError, OSError) as error:
        show_error(str(error))
        return None
    if (viewer := current_viewer()) is not None:  # the viewer opening the files: videos play at their frame rate
        play_videos_at_frame_rate(viewer)
    return partial(_layers_of, layers)


def _is_video_path(path: Path) -> bool:
    return is_imgstore(path) or path.suffix.lower() in VIDEO_EXTENSIONS


def _is_data_path(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in TIMESERIES_SUFFIXES + POSE_ONLY_SUFFIXES


def _data_layer(path: Path) -> tuple:
    """A pose file's points layer, or else a time series' table layer."""
    if path.suffix.lower() in POSE_ONLY_SUFFIXES or _may_be_pose(path):
        try:
            return pose_layer_data(read_pose(path))
        except PoseError:
            if path.suffix.lower() in POSE_ONLY_SUFFIXES:
                raise
    return signal_layer_data(read_timeseries(path))


def _may_be_pose(path: Path) -> bool:
    """DeepLabCut CSVs start with `scorer`; HDF5 may be DeepLabCut or SLEAP analysis files."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.readline().strip().lower().startswith("scorer")
    return suffix in (".h5", ".hdf5")


def _layers_of(layers: list[tuple], path=None) -> list[tuple]:
    return layers


def pose_layer_data(pose: Pose) -> tuple:
    """The (data, attributes, "points") tuple of a pose: (frame, y, x) points colored by keypoint."""
    frames = pose.frames if pose.frames is not None else np.arange(pose.n_frames)
    row, individual, keypoint = np.nonzero(np.isfinite(pose.xy).all(axis=-1))
    data = np.column_stack([frames[row], pose.xy[row, individual, keypoint, 1], pose.xy[row, individual, keypoint, 0]])
    features = {
        "individual": np.asarray(pose.individuals, dtype=object)[individual],
        "keypoint": np.asarray(pose.keypoints, dtype=object)[keypoint],
        "confidence": pose.confidence[row, individual, keypoint],
    }
    attributes = {
        "name": Path(pose.source).stem or "pose",
        "features": features,
        "face_color": palette(len(pose.keypoints))[keypoint] if len(keypoint) else "white",
        "border_width": 0,
        "size": 8,
        "axis_labels": ("frame", "y", "x"),
        "metadata": {"chronoviz": {"kind": "pose", "path": pose.source, "edges": [list(e) for e in pose.edges]}},
    }
    return (data, attributes, "points")


def signal_layer_data(signal: Signal) -> tuple:
    """The (data, attributes, "points") tuple of a time series: a hidden layer whose features are its table."""
    attributes = {
        "name": Path(signal.source).stem or "signal",
        "features": signal.to_dataframe(),
        "visible": False,
        "metadata": {"chronoviz": {"kind": "signal", "path": signal.source}},
    }
    return (np.zeros((signal.n_samples, 2)), attributes, "points")


def video_layer_data(video: VideoSource) -> tuple:
    """The (data, attributes, "image") tuple of a video layer: dask-backed, RGB, times in metadata."""
    name = recording_name(video.path)
    attributes = {
        "name": name,
        "rgb": True,
        "axis_labels": ("frame", "y", "x"),
        "contrast_limits": (0, 255),  # uint8 RGB: known without scanning the video
        "metadata": {
            "chronoviz": {"kind": "video", "path": str(video.path), "fps": video.fps, "n_frames": len(video)},
            "frame_times": video.frame_times,
        },
    }
    return (video.to_dask(), attributes, "image")
