"""One source file and how it is read and placed on the video's timeline: a `SourceSpec`.

A spec is what every interface keeps of a source (the API, the dock's list of sources, `chronoviz` flags,
session files, the writer's layer metadata): its kind, its path, its reader options (HDF5 key or NPZ member,
time column, time unit, sample rate) and its own alignment options (mode, ratio, offset), which win over the
scene's. `build_scene` accepts specs (or their dicts) wherever it accepts paths.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from ._times import RegularTimes
from .errors import ChronovizError, advice
from .io.ephys import is_spikeglx
from .io.labels import read_events, read_intervals
from .io.pose import check_pose_video, read_pose
from .io.spikes import read_spikes
from .io.timeseries import read_timeseries
from .timeline import align

# the kinds, named as build_scene's keywords
SOURCE_KINDS = ("signals", "pose", "events", "intervals", "spikes")
TIME_UNITS = ("s", "ms", "us", "ns")
ALIGNMENT_FIELDS = ("mode", "ratio", "offset")
CHECK_VIDEO = "check_video"  # the pose alignment option that turns the pose-against-video check off
# which reader options each kind's reader takes
READER_FIELDS = {
    "signals": ("key", "time_column", "time_unit", "rate", "dtype", "n_channels", "gain", "channels"),
    "pose": ("key",),
    "events": ("time_unit",),
    "intervals": ("time_unit", "key"),
    "spikes": ("good_only", "order", "start", "rows"),
}
READER_OPTIONS = tuple(dict.fromkeys(name for names in READER_FIELDS.values() for name in names))


@dataclass(frozen=True)
class SourceSpec:
    """A source file with its reader and alignment options.

    Attributes
    ----------
    kind : str
        "signals", "pose", "events", "intervals" or "spikes".
    path : str
        The file.
    key : str, optional
        Signals: the HDF5 key or dataset, or NPZ member, holding the values, or an NWB file's `TimeSeries` by its
        path in the file ("acquisition/lick"). Intervals: an NWB file's interval table ("intervals/trials"). Pose: an
        NWB file's pose estimation ("processing/behavior/PoseEstimation").
    time_column : str, optional
        Signals: the column (or dataset / member) of the sample times; found by name when not given.
    time_unit : str, optional
        Signals, events, intervals: "s", "ms", "us" or "ns" of the times (default: from the column's name or
        an HDF5 attribute, else seconds).
    rate : float, optional
        Signals without a time column: samples per second; sample k then sits at k / rate seconds.
    dtype, n_channels : optional
        Signals in a headerless binary file (SpikeGLX, Open Ephys, Kilosort `.bin`/`.dat`): the samples' numpy
        dtype ("int16") and how many channels are interleaved.
    gain : float, optional
        Signals: physical units per file unit (e.g. microvolts per bit).
    channels : str or tuple, optional
        Signals: the channels to show, as text ("0-63", "0-31, 64-95", "AP12, AP13", "shank 1") or indices and
        names (a list or a `range` is kept as a tuple); indices count from 0 in the order the channels are read
        (along the probe for a raw recording). See `read_timeseries`.
    good_only, order, start, rows : optional
        Spikes from a phy / Kilosort folder: keep only "good" units; order them by "id", "depth" or "rate";
        the time (s) of its sample 0 (default: the start of the recording it was sorted from); only the units at
        positions `(first, stop)` of that order (see `read_phy`).
    mode, ratio, offset : optional
        This source's alignment (see `align`); None keeps the scene's `alignment` / `pose_alignment`.
    """

    kind: str
    path: str
    key: str | None = None
    time_column: str | None = None
    time_unit: str | None = None
    rate: float | None = None
    dtype: str | None = None
    n_channels: int | None = None
    gain: float | None = None
    channels: str | tuple[int | str, ...] | None = None
    good_only: bool | None = None
    order: str | None = None
    start: float | None = None
    rows: tuple[int, int] | None = None
    mode: str | None = None
    ratio: Fraction | float | None = None
    offset: float | None = None

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ChronovizError(f"Unknown source kind {self.kind!r}: use one of {', '.join(SOURCE_KINDS)}.")
        object.__setattr__(self, "path", str(self.path))
        if self.channels is not None and not isinstance(self.channels, str):  # a list, a range: a tuple
            given = self.channels if np.ndim(self.channels) else [self.channels]
            object.__setattr__(self, "channels", tuple(item if isinstance(item, str) else int(item) for item in given))
        if self.rows is not None:  # a session file gives a list
            if len(self.rows) != 2:
                raise ChronovizError(f"{self.name}: rows are (first, stop), e.g. (0, 100); not {self.rows!r}.")
            object.__setattr__(self, "rows", tuple(int(row) for row in self.rows))
        given = [name for name in READER_OPTIONS if getattr(self, name) is not None]
        refused = [name for name in given if name not in READER_FIELDS[self.kind]]
        if refused:
            raise ChronovizError(
                f"{self.name}: {', '.join(refused)} {'is' if len(refused) == 1 else 'are'} not read for "
                f"{self.kind}; leave {'it' if len(refused) == 1 else 'them'} out."
            )
        if self.time_unit is not None and self.time_unit not in TIME_UNITS:
            raise ChronovizError(f"{self.name}: unknown time unit {self.time_unit!r}; use one of {TIME_UNITS}.")
        if self.rate is not None and not (np.isfinite(self.rate) and self.rate > 0):
            raise ChronovizError(f"{self.name}: the sample rate must be a positive number of Hz, not {self.rate!r}.")
        if self.kind not in ("signals", "pose") and self.alignment:
            raise ChronovizError(
                f"{self.name}: {self.kind} are on the clock `labels_clock` names; they take no mode, ratio or offset."
            )

    @property
    def name(self) -> str:
        """The file's name, with the part of it read when a key names one ("session.nwb acquisition/lick"), for
        messages and the dock's list."""
        return f"{Path(self.path).name} {self.key}" if self.key else Path(self.path).name

    @property
    def alignment(self) -> dict:
        """The source's own alignment options (those given)."""
        return {name: getattr(self, name) for name in ALIGNMENT_FIELDS if getattr(self, name) is not None}

    def is_same_file(self, other) -> bool:
        """Whether `other` is the same file (and the same part of it: HDF5 key, NPZ member, NWB series) as the same
        kind: adding it again replaces this one."""
        return (
            isinstance(other, SourceSpec)
            and self.kind == other.kind
            and _recording_file(self.path) == _recording_file(other.path)
            and self.key == other.key
        )

    def read(self):
        """The loaded source (`Signal`, `Pose`, `Events`, `Intervals` or `Spikes`), read once: a spec is a
        snapshot, and reading the file again with other options is another spec.

        Raises
        ------
        ChronovizError
            When the file cannot be read with these options (the message names the file).
        FileNotFoundError
            When the file does not exist.
        """
        if "_loaded" not in self.__dict__:
            object.__setattr__(self, "_loaded", self._read())
        return self.__dict__["_loaded"]

    def check(self, video, alignment: dict | None = None):
        """Read the source and place it on a video's timeline, as a scene would: the check a source passes
        before it joins what is open. A pose is also checked against the video it is drawn on
        (`check_pose_on_video`).

        Parameters
        ----------
        video
            The video: its `frame_times` (seconds), `shape` (frames, height, width, ...) and `path` (None: in
            memory).
        alignment
            The scene's alignment options for this kind (`alignment` or `pose_alignment`, whose `check_video`
            False lets a pose of another video through); the spec's own win.

        Returns
        -------
        Alignment or None
            How a signal or pose sits on the video (None for events, intervals and spikes, which are placed by
            the scene's `labels_clock`).

        Raises
        ------
        ChronovizError
            When the file cannot be read with these options or placed on the video's timeline.
        FileNotFoundError
            When the file does not exist.
        """
        loaded = self.read()
        if self.kind not in ("signals", "pose"):
            return None
        options = {**(alignment or {}), **self.alignment}
        if self.kind == "pose":
            height, width = video.shape[1:3]
            check_pose_on_video(
                loaded, getattr(video, "recorded_file", None), (width, height), len(video.frame_times), options
            )
        return align(
            video.frame_times, loaded, **{name: value for name, value in options.items() if name != CHECK_VIDEO}
        )

    def _read(self):
        if self.kind == "signals":
            signal = read_timeseries(
                self.path,
                key=self.key,
                time_column=self.time_column,
                time_unit=self.time_unit,
                dtype=self.dtype,
                n_channels=self.n_channels,
                gain=self.gain,
                channels=self.channels,
            )
            return signal if self.rate is None else _timed_by_rate(signal, self.rate, self.name)
        if self.kind == "intervals":
            return read_intervals(self.path, time_unit=self.time_unit, key=self.key)
        if self.kind == "events":
            return read_events(self.path, time_unit=self.time_unit)
        if self.kind == "spikes":
            return read_spikes(
                self.path, good_only=bool(self.good_only), order=self.order or "id", start=self.start, rows=self.rows
            )
        return read_pose(self.path, key=self.key)

    def to_dict(self) -> dict:
        """JSON-able: the kind, the path and the options that were given (a ratio as text, e.g. "1/4")."""
        written = {key: value for key, value in asdict(self).items() if value is not None}
        if self.ratio is not None:
            written["ratio"] = str(self.ratio)
        if isinstance(self.channels, tuple):
            written["channels"] = list(self.channels)
        return written

    @classmethod
    def from_dict(cls, given: dict, kind: str | None = None) -> SourceSpec:
        """The spec `to_dict` wrote (`kind` fills in a dict without one)."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ChronovizError(f"Unknown source option(s) {unknown} in {given!r}: use {', '.join(sorted(known))}.")
        values = {"kind": kind, **given}
        if isinstance(values.get("ratio"), str):
            values["ratio"] = ratio_from_text(values["ratio"])
        return cls(**values)


def check_pose_on_video(pose, video_path, video_size: tuple[int, int], n_frames: int, pose_alignment: dict) -> None:
    """`check_pose_video` of `pose` on the video: refused unless `pose_alignment` has `check_video` False, when
    each finding is a warning.

    Raises
    ------
    PoseError
        When the pose cannot have been made on this video and the check is not turned off.
    """
    check_pose_video(pose, video_path, video_size, n_frames, refuse=pose_alignment.get(CHECK_VIDEO, True))


def spec_of(given, kind: str) -> SourceSpec | None:
    """`given` as a `SourceSpec` when it names a file (a path, a spec or a spec's dict, which has a `path`), else
    None (in memory, e.g. spike times as `{unit: times}`)."""
    if isinstance(given, SourceSpec):
        return given
    if isinstance(given, dict) and "path" in given:
        return SourceSpec.from_dict(given, kind)
    if isinstance(given, (str, Path)):
        return SourceSpec(kind, str(given))
    return None


def how_aligned(alignment) -> str:
    """A short line saying how a source sits on the video: "timestamps + 0.000 s", "ratio 4", "pad after frame
    101", "frame", "stretch" (`alignment` is a `timeline.Alignment`)."""
    mode = alignment.mode
    if mode == "timestamps":
        sign = "-" if alignment.offset < 0 else "+"
        line = f"timestamps {sign} {abs(alignment.offset):.3f} s"
        return line + (f", clock fitted ({alignment.clock.drift_ppm:+.0f} ppm)" if alignment.clock else "")
    offset = f", {alignment.offset:+.3f} s" if alignment.offset else ""
    if mode == "ratio":
        return f"ratio {_ratio_text(alignment.ratio)}{offset}"
    if mode == "pad":
        shown = np.flatnonzero(np.isfinite(alignment.positions))
        if len(shown) and shown[-1] < len(alignment.positions) - 1:
            return f"pad after frame {shown[-1]}{offset}"
    return f"{mode}{offset}"


def _ratio_text(ratio) -> str:
    return str(Fraction(ratio).limit_denominator(1000)) if ratio is not None else "?"


def _timed_by_rate(signal, rate: float, name: str):
    """`signal` with sample k at k / rate seconds; refused when it has its own times or frames."""
    if isinstance(signal.times, RegularTimes):  # a raw recording's or an NWB series' own rate
        raise ChronovizError(
            f"{name} carries its own clock: {signal.times.rate:g} Hz, its first sample at {signal.times.start:g} s, "
            f"from the file itself, so a sample rate is not needed and would not apply: {advice('no_rate')}."
        )
    if signal.times is not None or signal.frames is not None:
        column = "time" if signal.times is not None else "frame"
        raise ChronovizError(
            f"{name} has its own {column} column, so a sample rate does not apply: leave the rate empty, or read "
            "another column as the time."
        )
    return replace(signal, times=RegularTimes(signal.n_samples, float(rate)))


def ratio_from_text(text: str, name: str = "The ratio") -> Fraction | None:
    """A ratio typed as text ("4", "1/2", "40.003") as a number; None when empty; `name` says whose in the error."""
    text = text.strip()
    try:
        return Fraction(text) if text else None
    except ValueError:
        raise ChronovizError(f"{name} must be a number or a fraction like 1/4, not {text!r}.") from None


def _recording_file(path) -> Path:
    """`path`, resolved; a SpikeGLX `.bin` by its `.meta` (the same recording, whichever of the two was given)."""
    path = Path(path).resolve()
    return path.with_suffix(".meta") if is_spikeglx(path) else path
