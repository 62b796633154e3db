"""Where each video frame falls in a source: frame index -> fractional sample index (NaN: no data).

`align` resolves one of these modes and returns an `Alignment` whose `positions` hold, for every video
frame, the source's fractional sample index at that frame's time:

- `frame`: sample k belongs to frame k, or to the frame its `frames` index names (a `frame` column).
- `ratio`: `ratio` samples per frame (2, 3, 4 ... or 1/2, 1/3 ...); `auto` detects it from the lengths.
- `stretch`: the source spans the whole video, whatever its length.
- `pad`: same rate as the frames (or `ratio`), frames past the source's end get NaN.
- `timestamps`: the source's own times against the video's frame times, plus `offset` seconds; with
  `sync` pairs of event times seen on both clocks, a fitted linear clock map (offset and drift).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from typing import Literal, get_args

import numpy as np

from ._times import (
    SNAP_TOLERANCE,
    UNIT_NAMES,
    RegularTimes,
    extrapolate,
    mean_rate,
    nominal_rate,
    require_finite_increasing,
    sample_positions,
    snapped,
    unit_read_as_seconds,
)
from .errors import AlignmentError, ChronovizWarning, advice
from .io.tables import TIME_COLUMN_NAMES

AlignMode = Literal["auto", "frame", "ratio", "stretch", "pad", "timestamps"]
Interpolation = Literal["linear", "nearest", "previous"]
MODES: tuple[str, ...] = get_args(AlignMode)
INTERPOLATIONS: tuple[str, ...] = get_args(Interpolation)
MAX_AUTO_RATIO = 16


@dataclass(frozen=True, eq=False)
class ClockFit:
    """source time -> video time as `video = slope * source + intercept`, fitted from sync events."""

    slope: float
    intercept: float
    residuals: np.ndarray  # seconds, video clock, one per event

    def __call__(self, source_times):
        """`source_times` (an array, or a `RegularTimes` and then one too) on the video's clock."""
        if isinstance(source_times, RegularTimes):
            if not self.slope > 0:
                raise AlignmentError(
                    f"The sync events give a clock map that runs backwards (slope {self.slope:g}): check that each "
                    "pair holds the same event seen on the video's clock and on the source's."
                )
            return source_times.mapped(self.slope, self.intercept)
        return self.slope * np.asarray(source_times, dtype=float) + self.intercept

    @property
    def drift_ppm(self) -> float:
        """How much faster the source clock runs than the video's, in parts per million."""
        return (1 / self.slope - 1) * 1e6


@dataclass(frozen=True, eq=False)
class SampleWindow:
    """The samples `start:stop` of a source that fall in a window around one frame."""

    start: int
    stop: int
    offsets: np.ndarray  # each sample's distance from the frame, in the window's unit (seconds or samples)

    @property
    def samples(self) -> slice:
        return slice(self.start, self.stop)


@dataclass(frozen=True, eq=False)
class Alignment:
    """Frame -> source sample map of one source; see `align`."""

    positions: np.ndarray  # float, one per video frame; NaN where the source has no data
    mode: str
    ratio: float | None  # samples per frame, for the rate-based modes
    n_samples: int
    interpolation: str
    message: str  # what was decided, for the user (e.g. what `auto` chose)
    frame_times: np.ndarray  # the video's, seconds
    sample_times: np.ndarray | RegularTimes  # each sample's time on the video's clock, seconds
    clock: ClockFit | None = None
    offset: float = 0.0  # seconds, as given to `align`

    def video_times(self, source_times) -> np.ndarray:
        """Times on the source's own clock (seconds) placed on the video's clock by the map that places its samples.

        This is how labels recorded on a source's clock (e.g. events logged by the DAQ that recorded a signal)
        follow it: with timestamps, through the fitted clock map (`sync`) if any, plus `offset`; in the rate
        modes the source's clock starts at its first sample and runs with the video's frames, `offset` seconds
        after the video's first frame. A stretched source has no clock of its own: its rate is unknown.
        """
        times = np.asarray(source_times, dtype=float)
        if self.mode == "timestamps":
            return (self.clock(times) if self.clock else times) + self.offset
        if self.mode == "stretch":
            raise AlignmentError(
                "A stretched source has no clock of its own (its samples are spread over the video at an unknown "
                "rate), so times on its clock cannot be placed on the video. Give the source its times, or a "
                "mode with a rate (frame, ratio, pad)."
            )
        frames = (times + self.offset) * nominal_rate(self.frame_times)
        return extrapolate(frames, np.arange(len(self.frame_times), dtype=float), self.frame_times)

    def sample_at(self, frame: int) -> float:
        """The fractional sample index at `frame` (NaN where there is no data)."""
        return float(self.positions[frame])

    def values(self, samples: np.ndarray, frame: int | np.ndarray) -> np.ndarray:
        """The source's values at `frame` (or frames), interpolated as `interpolation` says.

        `samples` is the source's (n_samples,) or (n_samples, n_channels) array, or anything indexed by rows
        like one (a recording on disk: only the rows around the frames are read); the result has the channel
        axis last and NaN where there is no data.
        """
        one_channel = np.ndim(samples) == 1
        table = np.asarray(samples, dtype=float)[:, None] if one_channel else samples
        positions = np.atleast_1d(self.positions[frame])
        result = np.full((len(positions), table.shape[1]), np.nan)
        valid = np.isfinite(positions)
        where = positions[valid]
        if self.interpolation == "linear":
            lower = np.clip(np.floor(where).astype(int), 0, len(table) - 1)
            upper = np.minimum(lower + 1, len(table) - 1)
            weight = (where - lower)[:, None]
            rows = np.asarray(table[np.r_[lower, upper]], dtype=float)
            result[valid] = rows[: len(lower)] * (1 - weight) + rows[len(lower) :] * weight
        else:
            rounding = np.round if self.interpolation == "nearest" else np.floor
            result[valid] = table[np.clip(rounding(where).astype(int), 0, len(table) - 1)]
        result = result[:, 0] if one_channel else result
        return result[0] if np.ndim(frame) == 0 else result

    def window_bounds(self, centers, left: float, right: float) -> tuple[np.ndarray, np.ndarray]:
        """The first and one-past-last sample within `left` before to `right` after each time of `centers`
        (seconds on the video's clock; a scalar or an array, e.g. every frame's time)."""
        centers = np.asarray(centers, dtype=float)
        return (
            self.sample_times.searchsorted(centers - left - self._edge_tolerance, "left"),
            self.sample_times.searchsorted(centers + right + self._edge_tolerance, "right"),
        )

    @cached_property
    def sample_rate(self) -> float:
        """The source's nominal rate on the video's clock (samples per second).

        Cached: for times of their own it is a median over every sample, and windows are taken on every frame.
        """
        return nominal_rate(self.sample_times)

    @property
    def _edge_tolerance(self) -> float:
        """How near an edge a sample counts as inside it: a millionth of a step (sample times are computed)."""
        return SNAP_TOLERANCE / self.sample_rate

    def window(self, frame: int, left: float, right: float, unit: str = "s") -> SampleWindow:
        """The samples from `left` before to `right` after `frame`, for a sliding plot.

        `unit` is "s" (seconds on the video's clock) or "samples"; `offsets` are in the same unit, 0 at
        the frame. Near the ends of the data the window holds fewer samples (none outside the data).
        """
        center = float(self.frame_times[frame])
        if unit == "s":
            start, stop = map(int, self.window_bounds(center, left, right))
            return SampleWindow(start, stop, self.sample_times[start:stop] - center)
        if unit != "samples":
            raise AlignmentError(f"Unknown window unit {unit!r}: use 's' or 'samples'.")
        position = snapped(sample_positions(self.sample_times, center, extrapolated=True))
        start = int(np.clip(np.ceil(position - left), 0, self.n_samples))
        stop = int(np.clip(np.floor(position + right) + 1, start, self.n_samples))
        return SampleWindow(start, stop, np.arange(start, stop) - position)


def frames_at_or_before(frame_times, times) -> np.ndarray:
    """For each of `times` (seconds), the index of the last frame of `frame_times` that is not after it: the
    frame on screen then (1 ns tolerance for times computed in floating point); 0 before the first frame."""
    found = np.searchsorted(np.asarray(frame_times, dtype=float), np.asarray(times, dtype=float) + 1e-9, side="right")
    return np.maximum(found - 1, 0)


def check_clocks_meet(frame_times, names) -> None:
    """Raise when a video's frame times do not overlap the first video's: no time shows a frame of both.

    Parameters
    ----------
    frame_times : sequence of numpy.ndarray
        Each video's frame times in seconds, the first being the clock the others are placed on.
    names : sequence of str
        Each video's name (file or layer), for the message.

    Raises
    ------
    AlignmentError
        Naming both videos, their time ranges and how to put them on one clock. Checked before anything is
        allocated by time span: epoch seconds (~1.8e9) against times from 0 would ask for billions of ticks.
    """
    first = np.asarray(frame_times[0], dtype=float)
    for times, name in zip(frame_times[1:], names[1:]):
        times = np.asarray(times, dtype=float)
        if times[0] <= first[-1] and first[0] <= times[-1]:
            continue
        raise AlignmentError(
            f"The clocks of {names[0]} ({_time_range(first)}) and {name} ({_time_range(times)}) do not overlap, so "
            "no time shows a frame of both. Give both videos frame times on one clock: the same log or time "
            f"source for both, or, if they started together, times from each one's first frame (e.g. "
            f"frame_times=times - times[0]; a video's own timestamps already start there), or shift one by the "
            f"offset between the clocks ({times[0] - first[0]:.3f} s between their first frames here)."
        )


def shared_clock(frame_times, names) -> np.ndarray:
    """One regular clock (seconds) through every frame of several videos, to show them side by side.

    It ticks at the fastest video's mean frame step (its frames over its duration: a camera's jitter and dropped
    frames included, so the clock plays in real time) from the earliest first frame to the latest last frame, with
    no more ticks than all the videos have frames together (a slow camera over hours beside a fast one over
    seconds gets a coarser step rather than a clock sized by the time span).

    Parameters
    ----------
    frame_times : sequence of numpy.ndarray
        Each video's frame times in seconds.
    names : sequence of str
        Each video's name, for the message of `check_clocks_meet`.

    Returns
    -------
    numpy.ndarray
        The ticks, in seconds.

    Raises
    ------
    AlignmentError
        When the videos' clocks do not overlap (see `check_clocks_meet`).
    """
    check_clocks_meet(frame_times, names)
    start = min(float(times[0]) for times in frame_times)
    end = max(float(times[-1]) for times in frame_times)
    step = min((1 / mean_rate(times) for times in frame_times if len(times) > 1), default=1.0)
    step = max(step, (end - start) / sum(len(times) for times in frame_times))
    return start + np.arange(int(np.ceil((end - start) / step - 1e-6)) + 1) * step  # through every last frame


def _time_range(times: np.ndarray) -> str:
    """'first..last s' of increasing times, in milliseconds also for epoch seconds."""
    return f"{times[0]:.3f}..{times[-1]:.3f} s"


def align(
    video_or_frame_times,
    source,
    *,
    mode: AlignMode = "auto",
    ratio: float | Fraction | None = None,
    offset: float = 0.0,
    interpolation: Interpolation = "linear",
    sync=None,
) -> Alignment:
    """Place `source` on the video's timeline: one fractional sample index per video frame.

    Parameters
    ----------
    video_or_frame_times
        A `VideoSource` (its `frame_times`) or the frame times in seconds.
    source
        The samples: an int (how many), an array/list (samples along the first axis), or an object with
        `times` (seconds, or None) and `values` (e.g. a signal from `read_timeseries`).
    mode
        "auto", "frame", "ratio", "stretch", "pad" or "timestamps" (see the module docstring). "auto"
        uses timestamps when the source has times, else a ratio detected from the lengths, and refuses
        to guess when the lengths fit no ratio.
    ratio
        Samples per video frame (2, 3, 4, or 1/2, 1/3, ...) for "ratio" and "pad".
    offset
        Seconds by which the source starts after the video's first frame (negative: before).
    interpolation
        "linear", "nearest" or "previous": how `Alignment.values` reads between samples.
    sync
        For "timestamps": `(video_event_times, source_event_times)` or an (n, 2) array of the same
        events seen on both clocks; a linear clock map is fitted and applied to the source times.

    Returns
    -------
    Alignment
        The fractional sample index of each frame (NaN where the source has no sample), with the mode used
        and a `message` saying what was decided.

    Raises
    ------
    AlignmentError
        For an unknown mode or interpolation, a source without samples, or lengths and times that do not
        fit the mode (the message says which mode or option would).
    """
    frame_times = np.asarray(getattr(video_or_frame_times, "frame_times", video_or_frame_times), dtype=float)
    source = _SourceShape.of(source)
    n_samples = source.n_samples
    if mode not in MODES:
        raise AlignmentError(f"Unknown alignment mode {mode!r}: use one of {', '.join(MODES)}.")
    if interpolation not in INTERPOLATIONS:
        raise AlignmentError(f"Unknown interpolation {interpolation!r}: use one of {', '.join(INTERPOLATIONS)}.")
    if n_samples == 0:
        raise AlignmentError("The source has no samples to align.")
    n_frames = len(frame_times)
    rate = nominal_rate(frame_times)
    message, requested_mode = None, mode

    if mode == "auto":
        if source.times is not None:
            mode = "timestamps"
        elif source.frames is not None:
            mode = "frame"
        elif source.is_pose:
            mode, ratio = "frame", 1
            message = "auto: one pose row per video frame"
        else:
            ratio = _detect_ratio(n_samples, n_frames, source.columns_without_time)
            mode = "frame" if ratio == 1 else "ratio"
            message = f"auto: {n_samples} samples for {n_frames} frames fit {_ratio_text(ratio)}"
    if mode == "timestamps":
        return _align_timestamps(frame_times, source.times, n_samples, offset, interpolation, sync)

    # each sample's (fractional) frame: an array, or for a number of samples per frame, computed when asked
    if mode == "frame" and source.frames is not None:
        sample_frames = snapped(source.frames + offset * rate)
        message = "frame: the source's frame indices" + (f" plus {offset:g} s" if offset else "")
        ratio_used = None
    elif mode == "stretch":
        sample_frames = snapped(np.linspace(0, n_frames - 1, n_samples) if n_samples > 1 else np.zeros(n_samples))
        ratio_used = (n_samples - 1) / (n_frames - 1) if n_frames > 1 else None
        message = f"stretch: {n_samples} samples spread over {n_frames} frames"
    else:
        if mode == "frame":
            ratio = 1
        elif ratio is None:
            ratio = 1 if mode == "pad" else None
        if ratio is None or float(ratio) <= 0:
            raise AlignmentError(f"Mode {mode!r} needs a positive ratio (samples per frame), got {ratio!r}.")
        ratio_used = float(ratio)
        sample_frames = RegularTimes(n_samples, ratio_used, offset * rate, snap=True)
        message = message or f"{mode}: {_ratio_text(ratio)}"
    positions = _positions(sample_frames, n_frames, span_last_sample=mode != "stretch" and ratio_used is not None)
    if mode == "frame" and source.frames is None and n_samples != n_frames:
        mismatch = _length_mismatch(n_samples, n_frames, sample_frames, positions, source.is_pose)
        pose = "pose_" if source.is_pose else ""
        if source.is_pose and n_samples > n_frames and requested_mode == "auto":
            raise AlignmentError(
                f"{mismatch} A pose is read frame for frame: check that it was tracked on this video. If it was "
                f"tracked at k rows per video frame, set {advice('pose_ratio', 'k')}; to show its first rows anyway "
                f"set {advice('pose_mode', 'frame')}."
            )
        early_end = (
            f" If it stops early on purpose, set {advice(pose + 'mode', 'pad')}." if n_samples < n_frames else ""
        )
        warnings.warn(ChronovizWarning(mismatch + early_end), stacklevel=2)
    if isinstance(sample_frames, RegularTimes):
        sample_times = replace(sample_frames, frame_times=frame_times)
    else:
        sample_times = extrapolate(sample_frames, np.arange(n_frames, dtype=float), frame_times)
    return Alignment(
        positions, mode, ratio_used, n_samples, interpolation, message, frame_times, sample_times, offset=offset
    )


def _positions(sample_frames, n_frames: int, span_last_sample: bool) -> np.ndarray:
    """Fractional sample index at each frame, from each sample's (fractional) frame (an increasing array or a
    `RegularTimes`); NaN outside the samples.

    With `span_last_sample`, a sample lasts until the next would start, so the last one also covers the
    frames of its own duration (a sample every 2 frames: the last sample holds for 2 frames).
    """
    n_samples = len(sample_frames)
    frames = np.arange(n_frames, dtype=float)
    positions = sample_positions(sample_frames, frames)
    if span_last_sample and n_samples > 1:
        last, step = sample_frames[-1], sample_frames[-1] - sample_frames[-2]
        tolerance = 1e-9 * n_samples * step
        beyond = (frames > last) & (frames < last + step - tolerance)
        positions[beyond] = float(n_samples - 1) + (frames[beyond] - last) / step
    elif span_last_sample:
        positions[frames == sample_frames[0]] = 0.0
    return positions


@dataclass(frozen=True, eq=False)
class _SourceShape:
    """What the timeline needs to know about a source: its length, and its times or frame indices if any."""

    n_samples: int
    times: np.ndarray | None = None
    frames: np.ndarray | None = None
    is_pose: bool = False
    columns_without_time: tuple[str, ...] = ()  # a table's columns, none of them a time (`Signal`)

    @classmethod
    def of(cls, source) -> _SourceShape:
        if isinstance(source, (int, np.integer)):
            return cls(int(source))
        if hasattr(source, "keypoints") and hasattr(source, "xy"):  # a Pose
            frames = None if source.frames is None else np.asarray(source.frames, dtype=float)
            if frames is not None and np.array_equal(frames, np.arange(len(frames))):
                frames = None  # row k is frame k: check the length like any pose
            times = None if source.times is None else np.asarray(source.times, dtype=float)
            return cls(len(source.xy), times, frames, is_pose=True)
        if hasattr(source, "values") and hasattr(source, "times") and not hasattr(source, "columns"):  # a Signal
            times = (
                source.times
                if isinstance(source.times, (RegularTimes, type(None)))
                else np.asarray(source.times, float)
            )
            frames = getattr(source, "frames", None)
            return cls(
                len(source.values),  # a recording on disk (`DiskSamples`) is not read to be counted
                times,
                None if frames is None else np.asarray(frames, float),
                columns_without_time=tuple(getattr(source, "columns_without_time", ())),
            )
        return cls(len(source))


def _length_mismatch(
    n_samples: int, n_frames: int, sample_frames: RegularTimes, positions: np.ndarray, is_pose: bool
) -> str:
    """Both counts, which frames get no data and which samples fall outside the video, for a 1:1 alignment."""
    what, rows = ("pose", "rows") if is_pose else ("data", "samples")
    parts = []
    missing = np.flatnonzero(np.isnan(positions))
    if len(missing):
        parts.append(f"frames {_ranges(missing)} ({len(missing)} frames) have no {what}")
    before_first = int(sample_frames.searchsorted(0.0, "left"))  # the samples increase: those outside are runs
    after_last = int(sample_frames.searchsorted(float(n_frames - 1), "right"))
    runs = ((0, n_samples),) if before_first >= after_last else ((0, before_first), (after_last, n_samples))
    outside = [(first, stop) for first, stop in runs if stop > first]
    if outside:
        runs = ", ".join(str(first) if stop == first + 1 else f"{first}-{stop - 1}" for first, stop in outside)
        count = sum(stop - first for first, stop in outside)
        parts.append(f"{rows} {runs} ({count} {rows}) are past the video's ends and not shown")
    source = "pose" if is_pose else "source"
    return f"The {source} has {n_samples} {rows} but the video has {n_frames} frames: {' and '.join(parts)}."


def _ranges(indices: np.ndarray) -> str:
    """Sorted integers as runs: [3, 4, 5, 9] -> '3-5, 9'."""
    breaks = np.flatnonzero(np.diff(indices) != 1)
    firsts, lasts = indices[np.r_[0, breaks + 1]], indices[np.r_[breaks, len(indices) - 1]]
    return ", ".join(str(first) if first == last else f"{first}-{last}" for first, last in zip(firsts, lasts))


def _detect_ratio(n_samples: int, n_frames: int, columns_without_time: tuple[str, ...] = ()) -> Fraction:
    """The ratio k or 1/k (k <= MAX_AUTO_RATIO) that the two lengths fit exactly (up to one partial frame).

    `columns_without_time` are the columns of the table the samples came from, none of them a time: when given,
    the error says so first, since a time column or a sample rate is the usual fix."""
    for k in range(1, MAX_AUTO_RATIO + 1):
        if abs(n_samples - k * n_frames) < k:  # k samples per frame; the last frame may be partial
            return Fraction(k)
        if k > 1 and abs(n_samples * k - n_frames) < k:  # one sample every k frames
            return Fraction(1, k)
    untimed = (
        f"No time column was found among its columns {list(columns_without_time)} (a time column is named "
        f"{', '.join(TIME_COLUMN_NAMES)} or frame, with an optional unit such as time_ms), so its samples can "
        f"only be placed by count. Give its sample rate in Hz ({advice('rate')}), or name its time column "
        f"({advice('time_column')}). "
        if columns_without_time
        else ""
    )
    raise AlignmentError(
        f"{untimed}{n_samples} samples do not fit {n_frames} video frames at any ratio (k or 1/k samples per frame, "
        f"k <= {MAX_AUTO_RATIO}); the nearest is {n_samples / n_frames:.4g} samples per frame. Choose how to "
        f"align them: {advice('mode', 'stretch')} spreads the samples over the whole video (their rate becomes "
        f"{n_samples / n_frames:.4g} per frame), {advice('mode', 'pad')} keeps one sample per frame (or N "
        f"samples per frame: {advice('ratio', 'N')}) and leaves frames past the end blank; or give the samples' "
        "times and use "
        f"{advice('mode', 'timestamps')}."
    )


def _ratio_text(ratio) -> str:
    ratio = Fraction(ratio).limit_denominator(1000)
    if ratio.denominator == 1:
        return f"{ratio.numerator} sample{'s' if ratio.numerator != 1 else ''} per frame"
    return f"one sample every {ratio.denominator / ratio.numerator:g} frames"


def _align_timestamps(frame_times, source_times, n_samples, offset, interpolation, sync) -> Alignment:
    if source_times is None:
        raise AlignmentError(
            f"{advice('mode', 'timestamps')} needs the source's times; this source has none. Give its time column "
            f"({advice('time_column')}) or sample rate ({advice('rate')}), or use {advice('mode', 'ratio')}, "
            f"{advice('mode', 'stretch')} or {advice('mode', 'pad')}."
        )
    if len(source_times) != n_samples:
        raise AlignmentError(f"The source has {n_samples} samples but {len(source_times)} times.")
    if not isinstance(source_times, RegularTimes):  # regular times increase by construction
        require_finite_increasing(
            source_times,
            "The source's times",
            "samples",
            "Sort the table by time or remove duplicated rows.",
            AlignmentError,
        )
    clock = fit_clock(sync) if sync is not None else None
    on_clock = clock(source_times) if clock else source_times
    on_video_clock = on_clock.mapped(shift=offset) if isinstance(on_clock, RegularTimes) else on_clock + offset
    _check_overlap(frame_times, on_video_clock)
    positions = sample_positions(on_video_clock, frame_times)
    message = f"timestamps: source times {'through the fitted clock map ' if clock else ''}plus {offset:g} s"
    return Alignment(
        positions, "timestamps", None, n_samples, interpolation, message, frame_times, on_video_clock, clock, offset
    )


def fit_clock(sync) -> ClockFit:
    """Fit `video = slope * source + intercept` to events seen on both clocks.

    `sync` is `(video_event_times, source_event_times)` or an (n, 2) array of (video, source) pairs.
    """
    pairs = np.asarray(sync, dtype=float)
    if pairs.ndim == 2 and pairs.shape[0] == 2 and pairs.shape[1] != 2:
        pairs = pairs.T
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise AlignmentError(f"sync must be (video_times, source_times) or an (n, 2) array, got shape {pairs.shape}.")
    if len(pairs) < 2:
        raise AlignmentError(f"A clock map needs at least 2 sync events seen on both clocks, got {len(pairs)}.")
    video, source = pairs[:, 0], pairs[:, 1]
    slope, intercept = np.polyfit(source, video, 1)
    return ClockFit(float(slope), float(intercept), video - (slope * source + intercept))


def _check_overlap(frame_times: np.ndarray, source_times: np.ndarray) -> None:
    video_range = (frame_times[0], frame_times[-1])
    source_range = (source_times[0], source_times[-1])
    overlap = min(video_range[1], source_range[1]) - max(video_range[0], source_range[0])
    span = max(video_range[1] - video_range[0], 1e-12)
    ranges = f"video {_time_range(frame_times)}, source {_time_range(source_times)}"
    unit_hint = _unit_mistake_hint((source_range[1] - source_range[0]) / span)
    if overlap < 0:
        raise AlignmentError(
            f"The source and the video do not overlap in time ({ranges}).{unit_hint} If the clocks differ by a "
            f"constant, set its offset (seconds added to the source times): "
            f"{advice('offset', f'{video_range[0] - source_range[0]:.3f}')} starts them together."
        )
    if unit_hint:
        warnings.warn(
            ChronovizWarning(f"Source and video times ({ranges}) look like a unit mistake.{unit_hint}"), stacklevel=3
        )
    elif overlap < 0.5 * span:
        warnings.warn(f"The source covers only {100 * overlap / span:.0f}% of the video ({ranges}).", stacklevel=3)


def _unit_mistake_hint(span_ratio: float) -> str:
    """A hint when the source spans about 1e3, 1e6 or 1e9 times the video: times read as seconds that are not."""
    unit = unit_read_as_seconds(span_ratio)
    if unit is None:
        return ""
    return (
        f" The source spans {span_ratio:.3g}x the video: are its times in {UNIT_NAMES[unit]}? Give its time unit "
        f"({advice('time_unit')})."
    )
