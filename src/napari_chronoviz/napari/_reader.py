"""napari reader contribution: videos and imgstore stores open as lazy, dask-backed RGB image layers."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from napari.utils.notifications import show_error

from ..errors import ChronovizError
from ..io.imgstore import is_imgstore
from ..io.video import VIDEO_EXTENSIONS, VideoSource, open_video


def get_reader(path: str | list[str]):
    """Return a reader for video files or imgstore stores, or None for paths this plugin cannot read.

    The videos are opened here (indexing their frames) so that a damaged file is reported as a napari
    notification that names the problem, and napari can try other readers, instead of failing later.
    """
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    if not paths or not all(_is_video_path(p) for p in paths):
        return None
    videos = []
    for video_path in paths:
        try:
            videos.append(open_video(video_path))
        except (ChronovizError, OSError) as error:
            for video in videos:
                video.close()
            show_error(str(error))
            return None
    return partial(_layers_of, videos)


def _is_video_path(path: Path) -> bool:
    return is_imgstore(path) or path.suffix.lower() in VIDEO_EXTENSIONS


def _layers_of(videos: list[VideoSource], path=None) -> list[tuple]:
    return [video_layer_data(video) for video in videos]


def video_layer_data(video: VideoSource) -> tuple:
    """The (data, attributes, "image") tuple of a video layer: dask-backed, RGB, times in metadata."""
    name = video.path.parent.name if video.path.name == "metadata.yaml" else video.path.stem
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
