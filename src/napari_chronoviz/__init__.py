"""napari-chronoviz: behavior video, signals and pose on one frame-exact timeline."""

from .api import attach, create_visualization, sync_by_time
from .errors import ChronovizError, FrameTimesError, LabelError, PoseError, SignalError, VideoReadError
from .io.imgstore import read_imgstore_index
from .io.labels import Events, Intervals, read_events, read_intervals
from .io.pose import Pose, read_pose
from .io.timeseries import Signal, read_signal_pairs, read_timeseries
from .io.timestamps import read_frame_times
from .io.video import VideoSource, open_video
from .io.video_check import VideoCheck, check_video
from .overlays.layout import Layout
from .overlays.scene import Scene, build_scene
from .overlays.style import Style
from .render.distributed import batch_render, read_jobs
from .samples import sample_file
from .timeline import Alignment, AlignmentError, SampleWindow, align

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "AlignmentError",
    "align",
    "attach",
    "batch_render",
    "build_scene",
    "check_video",
    "create_visualization",
    "Layout",
    "Scene",
    "Style",
    "sync_by_time",
    "ChronovizError",
    "Events",
    "FrameTimesError",
    "Intervals",
    "LabelError",
    "Pose",
    "PoseError",
    "read_events",
    "read_frame_times",
    "read_imgstore_index",
    "read_intervals",
    "read_jobs",
    "read_pose",
    "read_signal_pairs",
    "read_timeseries",
    "sample_file",
    "SampleWindow",
    "Signal",
    "SignalError",
    "VideoCheck",
    "VideoReadError",
    "VideoSource",
    "open_video",
]
