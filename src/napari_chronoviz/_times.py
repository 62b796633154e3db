"""Checks on time arrays and the rate they show, shared by the readers, the timeline and the export."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

SHOWN = 5  # how many offending indices a message lists
SNAP_TOLERANCE = 1e-6  # of a frame or a sample step
UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}


def _not_later_than_previous(times: np.ndarray, limit: int = SHOWN) -> list[int]:
    """Indices of the first `limit` entries that are not later than the entry before (empty: increasing)."""
    return (np.flatnonzero(np.diff(times) <= 0)[:limit] + 1).tolist()


def require_finite_increasing(times: np.ndarray, where: str, items: str, fix: str, error: type[Exception]) -> None:
    """Raise `error` naming the first missing or not-increasing `items` ("rows", "frames", ...) of `times`.

    `where` names the data ("photometry.csv: 'time'"), `fix` tells the user what to do about an order problem.
    """
    missing = np.flatnonzero(~np.isfinite(times))[:SHOWN].tolist()
    if missing:
        raise error(f"{where} has missing, infinite or non-numeric times at {items} {missing}.")
    bad = _not_later_than_previous(times, SHOWN)
    if bad:
        raise error(
            f"{where} must be strictly increasing, but {items} {bad} are not later than the one before "
            f"({times[bad[0] - 1]:g}, then {times[bad[0]]:g}). {fix}"
        )


def nominal_rate(frame_times: np.ndarray) -> float:
    """Frames per second from the median step between frame times (1.0 when it cannot be told)."""
    if isinstance(frame_times, RegularTimes):
        return frame_times.rate_on_clock
    steps = np.diff(frame_times)
    return float(1 / np.median(steps)) if len(steps) and np.median(steps) > 0 else 1.0


def mean_rate(frame_times: np.ndarray) -> float:
    """Frames per second over the whole recording: frames counted from the first to the last time (the rate a
    player must keep to take as long as the recording did)."""
    return float((len(frame_times) - 1) / (frame_times[-1] - frame_times[0]))


def unit_read_as_seconds(ratio: float) -> str | None:
    """The unit ("ms", "us" or "ns") of times read as seconds that span `ratio` times what they should (about
    1e3, 1e6 or 1e9), or None."""
    for unit, factor in (("ms", 1e3), ("us", 1e6), ("ns", 1e9)):
        if 0.5 < ratio / factor < 2:
            return unit
    return None


def extrapolate(x, known_x: np.ndarray, known_y: np.ndarray):
    """Linear interpolation of `known_y` at `x`, continued beyond both ends with the end segments' slopes."""
    if len(known_x) < 2:
        return np.full(np.shape(x), known_y[0] if len(known_y) else np.nan, dtype=float)
    result = np.interp(x, known_x, known_y)
    first_slope = (known_y[1] - known_y[0]) / (known_x[1] - known_x[0])
    last_slope = (known_y[-1] - known_y[-2]) / (known_x[-1] - known_x[-2])
    result = np.where(np.less(x, known_x[0]), known_y[0] + (np.asarray(x) - known_x[0]) * first_slope, result)
    return np.where(np.greater(x, known_x[-1]), known_y[-1] + (np.asarray(x) - known_x[-1]) * last_slope, result)


def snapped(values):
    """`values` within `SNAP_TOLERANCE` of an integer set to it: rates from float frame times are not exact, and a
    sample a millionth of a frame off a frame (or a window's edge) sits on it."""
    rounded = np.round(values)
    return np.where(np.abs(values - rounded) < SNAP_TOLERANCE, rounded, values)


@dataclass(frozen=True, eq=False)
class RegularTimes:
    """The times of `n` samples taken at a regular `rate`, computed when asked rather than held.

    Sample k sits at the tick `k / rate + start` (with `snap`, a tick within `SNAP_TOLERANCE` of a whole number is
    set to it); with `frame_times`, ticks count the frames of a video and are placed on its clock by linear
    interpolation between those times (continued beyond both ends: samples placed by a number of samples per frame);
    then through each `(scale, shift)` of `maps` in turn (`scale * t + shift`: a fitted clock map, an offset). It
    stands in for the array of those times wherever one is read by index, slice or `searchsorted`, and gives the
    very same numbers (the same floating-point operations in the same order), without holding them: an hour at
    30 kHz would be 864 MB of float64. `numpy.asarray` gives the whole array.
    """

    n: int
    rate: float  # samples per second on the samples' own clock (per frame with `frame_times`)
    start: float = 0.0  # seconds, sample 0's time on that clock (its frame with `frame_times`)
    maps: tuple[tuple[float, float], ...] = ()
    snap: bool = False
    frame_times: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        if not (np.isfinite(self.rate) and self.rate > 0 and np.isfinite(self.start)):
            raise ValueError(
                f"A regular clock needs a positive rate and a finite start, got {self.rate!r}, {self.start!r}."
            )
        if any(not (np.isfinite(scale) and scale > 0 and np.isfinite(shift)) for scale, shift in self.maps):
            raise ValueError(f"A regular clock's maps must keep times increasing, got {self.maps!r}.")
        if self.frame_times is not None:
            object.__setattr__(self, "frame_times", np.asarray(self.frame_times, dtype=float))

    def mapped(self, scale: float = 1.0, shift: float = 0.0) -> RegularTimes:
        """These times through `scale * t + shift` (a clock map; `shift` alone: an offset)."""
        return replace(self, maps=(*self.maps, (float(scale), float(shift))))

    @property
    def rate_on_clock(self) -> float:
        """Samples per second on the clock the maps lead to."""
        rate = self.rate if self.frame_times is None else self.rate * nominal_rate(self.frame_times)
        return rate / float(np.prod([scale for scale, _ in self.maps]))

    def at(self, indices) -> np.ndarray:
        """The times of samples `indices` (integers, not checked against `n`)."""
        times = np.asarray(indices, dtype=float) / self.rate + self.start
        if self.snap:
            times = snapped(times)
        if self.frame_times is not None:
            times = extrapolate(times, np.arange(len(self.frame_times), dtype=float), self.frame_times)
        for scale, shift in self.maps:
            times = scale * times + shift
        return times

    def __len__(self) -> int:
        return self.n

    @property
    def shape(self) -> tuple[int]:
        return (self.n,)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(float)

    def __getitem__(self, key):
        """Times by index (negative counts from the end), slice or integer array, as an array's would be."""
        if isinstance(key, slice):
            return self.at(np.arange(*key.indices(self.n)))
        indices = np.asarray(key)
        if indices.dtype.kind not in "iu":
            raise IndexError(f"Regular sample times are indexed by integers or slices, not {indices.dtype}.")
        if np.any((indices < -self.n) | (indices >= self.n)):
            raise IndexError(f"Sample index out of range for {self.n} samples.")
        return self.at(np.where(indices < 0, indices + self.n, indices))[()]

    def __array__(self, dtype=None, copy=None):
        return self.at(np.arange(self.n)).astype(dtype or float, copy=False)

    def searchsorted(self, values, side: str = "left"):
        """Where `values` would go to keep the times sorted, as `numpy.ndarray.searchsorted` (NaN goes last)."""
        values = np.where(np.isnan(values), np.inf, values)  # NaN goes last, as infinity would
        guess = values
        for scale, shift in reversed(self.maps):
            guess = (guess - shift) / scale
        if self.frame_times is not None:
            guess = extrapolate(guess, self.frame_times, np.arange(len(self.frame_times), dtype=float))
        guess = np.clip((guess - self.start) * self.rate, -1, self.n + 1)
        found = np.clip(np.ceil(guess) if side == "left" else np.floor(guess) + 1, 0, self.n).astype(np.int64)
        before = np.less if side == "left" else np.less_equal  # the times that go before a value
        while True:  # the guess is off by at most a step or two of rounding: settle it on the computed times
            down = (found > 0) & ~before(self.at(found - 1), values)
            up = (found < self.n) & before(self.at(found), values) & ~down
            if not (down.any() or up.any()):
                break
            found = found - down + up
        return found[()]

    def rows_around(self, times, ends: bool = False) -> np.ndarray:
        """The samples on either side of each of `times` (and with `ends`, the first two and last two), sorted:
        interpolating over just these gives what interpolating over every sample would."""
        after = np.clip(np.atleast_1d(self.searchsorted(times, "right")), 0, self.n - 1)
        rows = [after, np.maximum(after - 1, 0)]
        if ends:
            rows.append(np.array([0, 1, self.n - 2, self.n - 1]).clip(0, self.n - 1))
        return np.unique(np.concatenate(rows))


def sample_positions(sample_times, times, extrapolated: bool = False):
    """The fractional sample index at each of `times` (seconds) by linear interpolation over the samples' times;
    outside the samples NaN, or with `extrapolated` the end steps continued.

    `sample_times` is an increasing array, or a `RegularTimes`, of which only the samples around `times` are
    computed (the same result)."""
    if isinstance(sample_times, RegularTimes):
        rows = sample_times.rows_around(times, ends=extrapolated)
        known = sample_times.at(rows)
    else:
        rows, known = np.arange(len(sample_times)), sample_times
    if extrapolated:
        return extrapolate(times, known, rows.astype(float))
    return np.interp(times, known, rows.astype(float), left=np.nan, right=np.nan)
