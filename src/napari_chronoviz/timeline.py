"""Where each video frame falls in a source: frame index -> fractional sample index (NaN: no data).

`align` resolves one of these modes and returns an `Alignment` whose `positions` hold, for every video
frame, the source's fractional sample index at that frame's time:

- `frame`: sample k belongs to frame k.
- `ratio`: `ratio` samples per frame (2, 3, 4 ... or 1/2, 1/3 ...); `auto` detects it from the lengths.
- `stretch`: the source spans the whole video, whatever its length.
- `pad`: same rate as the frames (or `ratio`), frames past the source's end get NaN.
- `timestamps`: the source's own times against the video's frame times, plus `offset` seconds; with
  `sync` pairs of event times seen on both clocks, a fitted linear clock map (offset and drift).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ._checks import not_later_than_previous
from .errors import ChronovizError

MODES = ("auto", "frame", "ratio", "stretch", "pad", "timestamps")
INTERPOLATIONS = ("linear", "nearest", "previous")
MAX_AUTO_RATIO = 16


class AlignmentError(ChronovizError):
    """A source cannot be placed on the video's timeline as asked."""


@dataclass(frozen=True)
class ClockFit:
    """source time -> video time as `video = slope * source + intercept`, fitted from sync events."""

    slope: float
    intercept: float
    residuals: np.ndarray  # seconds, video clock, one per event

    def __call__(self, source_times: np.ndarray) -> np.ndarray:
        return self.slope * np.asarray(source_times, dtype=float) + self.intercept

    @property
    def drift_ppm(self) -> float:
        """How much faster the source clock runs than the video's, in parts per million."""
        return (1 / self.slope - 1) * 1e6


@dataclass(frozen=True)
class Alignment:
    """Frame -> source sample map of one source; see `align`."""

    positions: np.ndarray  # float, one per video frame; NaN where the source has no data
    mode: str
    ratio: float | None  # samples per frame, for the rate-based modes
    n_samples: int
    interpolation: str
    message: str  # what was decided, for the user (e.g. what `auto` chose)
    clock: ClockFit | None = None

    def sample_at(self, frame: int) -> float:
        """The fractional sample index at `frame` (NaN where there is no data)."""
        return float(self.positions[frame])

    def values(self, samples: np.ndarray, frame: int | np.ndarray) -> np.ndarray:
        """The source's values at `frame` (or frames), interpolated as `interpolation` says.

        `samples` is the source's (n_samples,) or (n_samples, n_channels) array; the result has the
        channel axis last and NaN where there is no data.
        """
        samples = np.asarray(samples, dtype=float)
        table = samples[:, None] if samples.ndim == 1 else samples
        positions = np.atleast_1d(self.positions[frame])
        result = np.full((len(positions), table.shape[1]), np.nan)
        valid = np.isfinite(positions)
        where = positions[valid]
        if self.interpolation == "linear":
            lower = np.clip(np.floor(where).astype(int), 0, len(table) - 1)
            upper = np.minimum(lower + 1, len(table) - 1)
            weight = (where - lower)[:, None]
            result[valid] = table[lower] * (1 - weight) + table[upper] * weight
        else:
            rounding = np.round if self.interpolation == "nearest" else np.floor
            result[valid] = table[np.clip(rounding(where).astype(int), 0, len(table) - 1)]
        result = result[:, 0] if samples.ndim == 1 else result
        return result[0] if np.ndim(frame) == 0 else result


def align(
    video_or_frame_times,
    source,
    *,
    mode: str = "auto",
    ratio: float | Fraction | None = None,
    offset: float = 0.0,
    interpolation: str = "linear",
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
    """
    frame_times = np.asarray(getattr(video_or_frame_times, "frame_times", video_or_frame_times), dtype=float)
    n_samples, source_times = _source_length_and_times(source)
    if mode not in MODES:
        raise AlignmentError(f"Unknown alignment mode {mode!r}: use one of {', '.join(MODES)}.")
    if interpolation not in INTERPOLATIONS:
        raise AlignmentError(f"Unknown interpolation {interpolation!r}: use one of {', '.join(INTERPOLATIONS)}.")
    if n_samples == 0:
        raise AlignmentError("The source has no samples to align.")
    n_frames = len(frame_times)
    message = None

    if mode == "auto":
        if source_times is not None:
            mode = "timestamps"
        else:
            ratio = _detect_ratio(n_samples, n_frames)
            mode = "frame" if ratio == 1 else "ratio"
            message = f"auto: {n_samples} samples for {n_frames} frames fit {_ratio_text(ratio)}"
    if mode == "timestamps":
        return _align_timestamps(frame_times, source_times, n_samples, offset, interpolation, sync)

    if mode == "stretch":
        positions = np.linspace(0, n_samples - 1, n_frames) if n_frames > 1 else np.zeros(n_frames)
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
        frames = np.arange(n_frames, dtype=float) - offset * _nominal_rate(frame_times)
        positions = frames * ratio_used
        message = message or f"{mode}: {_ratio_text(ratio)}"
    # A sample lasts until the next one: positions in [n - 1, n) still read the last sample.
    tolerance = 1e-9 * max(n_samples, 1)
    positions = np.where((positions > -tolerance) & (positions < n_samples - tolerance), positions, np.nan)
    positions = np.maximum(positions, 0)
    return Alignment(positions, mode, ratio_used, n_samples, interpolation, message)


def _source_length_and_times(source) -> tuple[int, np.ndarray | None]:
    if isinstance(source, (int, np.integer)):
        return int(source), None
    if hasattr(source, "values") and hasattr(source, "times") and not hasattr(source, "columns"):
        times = None if source.times is None else np.asarray(source.times, dtype=float)
        return len(np.asarray(source.values)), times
    return len(source), None


def _detect_ratio(n_samples: int, n_frames: int) -> Fraction:
    """The ratio k or 1/k (k <= MAX_AUTO_RATIO) that the two lengths fit exactly (up to one partial frame)."""
    for k in range(1, MAX_AUTO_RATIO + 1):
        if abs(n_samples - k * n_frames) < k:  # k samples per frame; the last frame may be partial
            return Fraction(k)
        if k > 1 and abs(n_samples * k - n_frames) < k:  # one sample every k frames
            return Fraction(1, k)
    raise AlignmentError(
        f"{n_samples} samples do not fit {n_frames} video frames at any ratio (k or 1/k samples per frame, "
        f"k <= {MAX_AUTO_RATIO}); the nearest is {n_samples / n_frames:.4g} samples per frame. Choose how to "
        f"align them: mode='stretch' spreads the samples over the whole video (their rate becomes "
        f"{n_samples / n_frames:.4g} per frame), mode='pad' keeps one sample per frame (or ratio=...) and "
        "leaves frames past the end blank; or give the samples' times and use mode='timestamps'."
    )


def _ratio_text(ratio) -> str:
    ratio = Fraction(ratio).limit_denominator(1000)
    if ratio.denominator == 1:
        return f"{ratio.numerator} sample{'s' if ratio.numerator != 1 else ''} per frame"
    return f"one sample every {ratio.denominator / ratio.numerator:g} frames"


def _nominal_rate(frame_times: np.ndarray) -> float:
    steps = np.diff(frame_times)
    return float(1 / np.median(steps)) if len(steps) and np.median(steps) > 0 else 1.0


def _align_timestamps(frame_times, source_times, n_samples, offset, interpolation, sync) -> Alignment:
    if source_times is None:
        raise AlignmentError(
            "mode='timestamps' needs the source's times; this source has none. Give a time column when reading "
            "it, or use mode='ratio'/'stretch'/'pad'."
        )
    if len(source_times) != n_samples:
        raise AlignmentError(f"The source has {n_samples} samples but {len(source_times)} times.")
    bad = not_later_than_previous(source_times)
    if bad:
        raise AlignmentError(
            f"The source's times must increase; samples {bad} are not later than the sample before. "
            "Sort the table by time or remove duplicated rows."
        )
    clock = fit_clock(sync) if sync is not None else None
    on_video_clock = (clock(source_times) if clock else source_times) + offset
    _check_overlap(frame_times, on_video_clock)
    positions = np.interp(frame_times, on_video_clock, np.arange(n_samples, dtype=float), left=np.nan, right=np.nan)
    message = f"timestamps: source times {'through the fitted clock map ' if clock else ''}plus {offset:g} s"
    return Alignment(positions, "timestamps", None, n_samples, interpolation, message, clock)


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
    ranges = f"video {video_range[0]:.6g}..{video_range[1]:.6g} s, source {source_range[0]:.6g}..{source_range[1]:.6g} s"
    if overlap < 0:
        ratio = (source_range[1] - source_range[0]) / span
        hint = ""
        for unit, factor in (("milliseconds", 1e3), ("microseconds", 1e6), ("nanoseconds", 1e9)):
            if 0.5 < ratio / factor < 2:
                hint = f" The source spans {ratio:.3g}x the video: are its times in {unit}? Pass time_unit."
        raise AlignmentError(
            f"The source and the video do not overlap in time ({ranges}).{hint} If the clocks differ by a "
            "constant, pass offset= (seconds added to the source times)."
        )
    if overlap < 0.5 * span:
        warnings.warn(f"The source covers only {100 * overlap / span:.0f}% of the video ({ranges}).", stacklevel=3)
