"""Open a video file or an imgstore store with the right `VideoSource` backend, and name its outputs."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .._times import UNIT_NAMES, mean_rate, require_finite_increasing, unit_read_as_seconds
from ..errors import ChronovizWarning, FrameTimesError, advice
from .clock_map import ClockMap, is_clock_map_file, read_clock_map
from .imgstore import is_imgstore, open_imgstore
from .nwb import NwbVideo, is_nwb
from .remote import is_url
from .timestamps import read_frame_times
from .video import VideoSource


def recording_name(path: Path) -> str:
    """A recording's name: the file's stem, or an imgstore's folder name (not "metadata")."""
    path = Path(path)
    return path.parent.name if path.name == "metadata.yaml" else path.stem


@dataclass(frozen=True)
class VideoEntry:
    """One video of a session as it is opened again: its file and `open_video`'s options.

    Sessions, the layers' metadata and exports keep a video this way, so a new per-video option is one field here.

    Attributes
    ----------
    path : str or Path
        The video file, imgstore, NWB file or an address of a streamed NWB session.
    frame_times : str, Path or None
        The file its frame times were read from (a camera log, a clock map); None: its own times.
    upright : bool
        Whether it is shown turned as its display matrix says (False: its stored orientation kept).
    key : str or None
        For an NWB file, its video (`ImageSeries`) by path in the file.
    """

    path: str | Path
    frame_times: str | Path | None = None
    upright: bool = True
    key: str | None = None

    @classmethod
    def of(cls, video) -> VideoEntry:
        """The entry of `video`: an entry, a path, or the chronoviz metadata of a video layer (a dict)."""
        if isinstance(video, cls):
            return video
        if isinstance(video, dict):
            return cls(video["path"], video.get("frame_times_file"), video.get("upright", True), video.get("key"))
        return cls(video)

    @classmethod
    def reading_frames_of(cls, video) -> VideoEntry:
        """How a worker process opens an open `video` again to read its frames by index: its file, orientation and
        NWB key, without its frame-time file (the frames' times stay with the caller)."""
        return cls(video.path, upright=getattr(video, "upright", True), key=getattr(video, "key", None))

    def layer_metadata(self) -> dict:
        """The fields a video layer's chronoviz metadata keeps, with the defaults left out (JSON-able)."""
        return {
            "path": str(self.path),
            **({} if self.frame_times is None else {"frame_times_file": str(self.frame_times)}),
            **({} if self.upright else {"upright": False}),
            **({} if self.key is None else {"key": self.key}),
        }

    def open(self) -> VideoSource:
        """The video opened as this entry says (`open_video`); close it when done."""
        return open_video(self.path, self.frame_times, upright=self.upright, key=self.key)


def default_output(video_path: Path) -> Path:
    """Where an export goes when no output is given: `<recording>_chronoviz.mp4` beside the video."""
    video_path = Path(video_path)
    return video_path.with_name(f"{recording_name(video_path)}_chronoviz.mp4")


def open_video(
    path: str | Path,
    frame_times: str | Path | Sequence[float] | np.ndarray | None = None,
    *,
    backend: Literal["pyav", "opencv"] = "pyav",
    upright: bool = True,
    key: str | None = None,
) -> VideoSource:
    """Open a video file or an imgstore store for exact frame access.

    Parameters
    ----------
    path
        A video file (mp4, m4v, mov, avi, mkv, webm, ...), an imgstore `metadata.yaml` or the store's
        folder.
    frame_times
        Seconds, one per frame, replacing the times the container or store reports: an array, or a file
        that `read_frame_times` understands (.npy, one-column .csv, camera timestamp logs, imgstore
        indexes, ataraxis DataLogger archives), or a clock map (`ClockMap` or the JSON file `chronoviz sync`
        writes), which puts the video's own frame times on its rig's clock. `fps` then becomes their mean rate.
    backend
        "pyav" (default: exact, indexed by presentation timestamps) or "opencv" (napari-video's
        OpenCV reader, for comparison; it derives times from the nominal rate).
    upright
        Show a video file's frames turned as its display matrix says (phone videos), as players, OpenCV and
        hence DeepLabCut's poses do: frames, shape and exports are the displayed ones. False keeps the
        stored orientation (the "pyav" backend only).
    key
        For an NWB file (`.nwb`): its video (an `ImageSeries` with external files) by its path in the file
        ("acquisition/front"); the first one when left out. The frames are read from the files it points at
        (one after another when it is split), on the session clock.

    Returns
    -------
    VideoSource
        The opened video (also a context manager that closes it).

    Raises
    ------
    FileNotFoundError
        When `path` does not exist.
    VideoReadError
        When the file is not a video FFmpeg can read, or is empty or truncated.
    FrameTimesError
        When `frame_times` cannot be read or does not hold one increasing time per frame.
    """
    if is_url(path) and is_nwb(path):  # a streamed NWB session's video (downloaded once to the cache)
        return _with_frame_times(NwbVideo(path, key), frame_times, path)
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Video not found: {path}. Check the path and that the drive is mounted.")
    if key is not None and not is_nwb(path):
        raise ValueError(f"key={key!r} names a video inside an NWB file; {path.name} is not one: leave key out.")
    if is_imgstore(path):
        video: VideoSource = open_imgstore(path)
    elif is_nwb(path):
        video = NwbVideo(path, key)
    elif backend == "pyav":
        from .pyav_video import PyAVVideo

        video = PyAVVideo(path, upright=upright)
    elif backend == "opencv":
        from .opencv_video import OpenCVVideo

        video = OpenCVVideo(path)
    else:
        raise ValueError(f"Unknown video backend {backend!r}: use 'pyav' (exact) or 'opencv' (napari-video).")
    return _with_frame_times(video, frame_times, path)


def _with_frame_times(video: VideoSource, frame_times, path) -> VideoSource:
    """`video` with `frame_times` (see `open_video`) in place of its own, when given; closed on an error."""
    if frame_times is None:
        return video
    try:
        given = checked_frame_times(frame_times, video.n_frames, video_path=path, own_times=video.frame_times)
        video.frame_times = given
        if len(given) > 1:  # napari's play button and the dock show this rate: the recorded one, not the header's
            video.fps = mean_rate(given)
    except Exception:
        video.close()
        raise
    return video


def _warn_unit_mistake(given: np.ndarray, own: np.ndarray, source) -> None:
    """Warn when the given frame times step about 1e3, 1e6 or 1e9 times the container's own: another unit."""
    if len(given) < 2:
        return
    ratio = float(np.median(np.diff(given)) / np.median(np.diff(own)))
    unit = unit_read_as_seconds(ratio)
    if unit is None:
        return
    where = Path(source).name if isinstance(source, (str, Path)) else "the given frame_times"
    warnings.warn(
        ChronovizWarning(
            f"{where} steps {np.median(np.diff(given)):.6g} s between frames, {ratio:.3g} times the video's own "
            f"timestamps: are its times {UNIT_NAMES[unit]}? Read them in that unit: "
            f"{advice('frame_times_unit', unit)}."
        ),
        stacklevel=3,
    )


def checked_frame_times(
    frame_times: str | Path | Sequence[float] | np.ndarray | ClockMap,
    n_frames: int,
    *,
    video_path: Path | None = None,
    own_times: np.ndarray | None = None,
) -> np.ndarray:
    """Return `frame_times` (an array, a timestamp file, or a `ClockMap` or its file applied to the video's
    `own_times`) as float seconds, checked against `n_frames`; a warning when they step about 1e3, 1e6 or 1e9 times
    `own_times` (another unit)."""
    given = frame_times
    source = "the given frame_times"
    if isinstance(frame_times, ClockMap) or (isinstance(frame_times, (str, Path)) and is_clock_map_file(frame_times)):
        if own_times is None:
            raise FrameTimesError("A clock map turns the video's own frame times into rig times: open the video.")
        clock = frame_times if isinstance(frame_times, ClockMap) else read_clock_map(frame_times)
        frame_times = clock.rig_times(own_times)
    elif isinstance(frame_times, (str, Path)):
        source = str(frame_times)
        frame_times = read_frame_times(frame_times)
    times = np.asarray(frame_times, dtype=float)
    target = f"video {video_path}" if video_path else "the video"
    if times.ndim != 1:
        raise FrameTimesError(f"{source} must be one time per frame (1-D), got shape {times.shape}.")
    if len(times) != n_frames:
        raise FrameTimesError(
            f"{source} holds {len(times)} frame times but {target} has {n_frames} frames. "
            "Use the timestamp file recorded with this video, or trim it to the frames the video holds."
        )
    require_finite_increasing(
        times, str(source), "frames", "Check that the file belongs to this video and is not shuffled.", FrameTimesError
    )
    if own_times is not None:
        _warn_unit_mistake(times, own_times, given)
    return times
