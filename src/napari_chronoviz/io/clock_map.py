"""A video's clock put on the rig's: where each frame was taken, in the acquisition system's seconds.

A `ClockMap` is what syncing a video to its rig's pulses found (`napari_chronoviz.sync`): frames the camera
lost or repeated, and a piecewise linear map (one segment for a constant drift) from the video's frame times,
once those are accounted for, to the rig's clock. It is written as a small JSON file that `open_video` (and so
a session, `chronoviz`, the dock) takes wherever it takes a frame-time file: the video's frame times then are
rig times, and every source timed on the rig's clock lines up with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .._times import extrapolate
from ..errors import FrameTimesError
from .tables import write_text_atomically

CLOCK_MAP_FORMAT = "chronoviz_clock_map"
CLOCK_MAP_VERSION = 1


@dataclass(frozen=True, eq=False)
class ClockMap:
    """Video frame times -> rig times.

    Attributes
    ----------
    video_knots, rig_knots : numpy.ndarray
        Matching times (seconds) on the video's clock (corrected for `drops`) and the rig's: the map is linear
        between them and continues the end segments beyond them.
    frame_step : float
        The video's frame step in seconds: what a lost or repeated frame shifts the frames after it by.
    drops : tuple of (int, int)
        `(frame, count)`: `count` frames were lost just before `frame` (negative: `frame` repeats the
        frame before it, and later frames were taken that many steps earlier than their times say).
    n_frames : int
        How many frames the video it was fitted on has (0: not checked).
    video : str
        That video's file name, for messages.
    """

    video_knots: np.ndarray
    rig_knots: np.ndarray
    frame_step: float
    drops: tuple[tuple[int, int], ...] = ()
    n_frames: int = 0
    video: str = ""
    notes: dict = field(default_factory=dict)  # what the fit reported (residual RMS, matched pulses), kept as is

    def __post_init__(self):
        video_knots = np.asarray(self.video_knots, dtype=float)
        rig_knots = np.asarray(self.rig_knots, dtype=float)
        if video_knots.shape != rig_knots.shape or video_knots.ndim != 1 or len(video_knots) < 2:
            raise FrameTimesError("A clock map needs at least two matching (video, rig) knots.")
        if np.any(np.diff(video_knots) <= 0) or np.any(np.diff(rig_knots) <= 0):
            raise FrameTimesError("A clock map's knots must increase on both clocks.")
        object.__setattr__(self, "video_knots", video_knots)
        object.__setattr__(self, "rig_knots", rig_knots)
        object.__setattr__(self, "drops", tuple(sorted((int(frame), int(count)) for frame, count in self.drops)))

    @property
    def offset(self) -> float:
        """The rig's time at the video's time 0, seconds."""
        return float(extrapolate(0.0, self.video_knots, self.rig_knots))

    @property
    def drift_ppm(self) -> float:
        """How much faster the rig's clock runs than the video's, in parts per million, over the whole map."""
        slope = (self.rig_knots[-1] - self.rig_knots[0]) / (self.video_knots[-1] - self.video_knots[0])
        return float((slope - 1) * 1e6)

    @property
    def nudge(self) -> float:
        """Seconds the fitted map was shifted by hand (`shifted`), 0 when it was not."""
        return float(self.notes.get("nudge_s", 0.0))

    def shifted(self, seconds: float) -> ClockMap:
        """The map with every rig time `seconds` later (a hand nudge of the offset, kept in `nudge`)."""
        notes = {**self.notes, "nudge_s": self.nudge + float(seconds)}
        return replace(self, rig_knots=self.rig_knots + float(seconds), notes=notes)

    def frame_shifts(self, n_frames: int) -> np.ndarray:
        """Seconds each of `n_frames` frames was taken after its time says, from the lost and repeated frames."""
        lost = np.zeros(n_frames + 1)
        for frame, count in self.drops:
            lost[min(frame, n_frames)] += count
        return np.cumsum(lost)[:n_frames] * self.frame_step

    def rig_times(self, frame_times) -> np.ndarray:
        """Each frame's time on the rig's clock, from the video's frame times (one per frame)."""
        frame_times = np.asarray(frame_times, dtype=float)
        if self.n_frames and len(frame_times) != self.n_frames:
            raise FrameTimesError(
                f"This clock map was fitted on {self.video or 'a video'} of {self.n_frames} frames; this video has "
                f"{len(frame_times)}. Sync this video to make its own."
            )
        return extrapolate(frame_times + self.frame_shifts(len(frame_times)), self.video_knots, self.rig_knots)

    def to_dict(self) -> dict:
        return {
            "format": CLOCK_MAP_FORMAT,
            "version": CLOCK_MAP_VERSION,
            "video": self.video,
            "n_frames": self.n_frames,
            "frame_step": self.frame_step,
            "video_knots": self.video_knots.tolist(),
            "rig_knots": self.rig_knots.tolist(),
            "drops": [list(drop) for drop in self.drops],
            "offset_s": self.offset,
            "drift_ppm": self.drift_ppm,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, given: dict, where: str = "the clock map") -> ClockMap:
        if not isinstance(given, dict) or given.get("format") != CLOCK_MAP_FORMAT:
            raise FrameTimesError(f'{where} is not a chronoviz clock map (no "format": "{CLOCK_MAP_FORMAT}").')
        try:
            return cls(
                given["video_knots"],
                given["rig_knots"],
                float(given["frame_step"]),
                tuple(tuple(drop) for drop in given.get("drops", ())),
                int(given.get("n_frames", 0)),
                str(given.get("video", "")),
                dict(given.get("notes", {})),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise FrameTimesError(f"{where} is a damaged clock map ({error!r}); sync the video again.") from None

    def write(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the map as JSON to `path` (through a temporary file, renamed when complete); return the path.

        Raises
        ------
        FileExistsError
            When `path` exists and `overwrite` is False.
        """
        return write_text_atomically(path, json.dumps(self.to_dict(), indent=1), overwrite=overwrite)


def is_clock_map_file(path: str | Path) -> bool:
    """Whether `path` is a JSON file holding a clock map (read no further than its start)."""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    with open(path, encoding="utf-8", errors="replace") as file:
        return CLOCK_MAP_FORMAT in file.read(200)


def read_clock_map(path: str | Path) -> ClockMap:
    """The `ClockMap` written to `path` by `ClockMap.write` (or `chronoviz sync`).

    Raises
    ------
    FrameTimesError
        When the file is not a clock map.
    """
    path = Path(path)
    try:
        given = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameTimesError(f"{path} cannot be read as a clock map (JSON): {error}") from None
    return ClockMap.from_dict(given, str(path))
