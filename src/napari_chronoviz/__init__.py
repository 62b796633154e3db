"""napari-chronoviz: behavior video, signals and pose on one frame-exact timeline."""

from .errors import ChronovizError, FrameTimesError, VideoReadError
from .io.imgstore import read_imgstore_index
from .io.timestamps import read_frame_times
from .io.video import VideoSource, open_video
from .timeline import Alignment, AlignmentError, align

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "AlignmentError",
    "align",
    "ChronovizError",
    "FrameTimesError",
    "VideoReadError",
    "VideoSource",
    "open_video",
    "read_frame_times",
    "read_imgstore_index",
]
