"""On/off edges of a sync signal: an LED's brightness in the video, or a TTL line's voltage on the rig.

The threshold is Otsu's by default (the level that best splits the values' histogram into two classes), with
hysteresis around it so that noise on a level never counts as an edge. An edge's time is placed within its
frame: a camera adds up light over its exposure, so a frame during which the LED switched shows it at an
intermediate level, the fraction of the exposure it was lit. Edges of sampled voltages are placed where the
line crosses the middle of its two levels, interpolated between samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SyncError, advice

HISTOGRAM_BINS = 256
HYSTERESIS = 0.1  # of the gap between the two levels, on each side of the threshold
# Otsu's effectiveness (between-class over total variance) a two-level signal reaches: one level with Gaussian
# noise reaches 0.64, an LED filmed through a codec's noise 0.99
MIN_SEPARATION = 0.85


@dataclass(frozen=True, eq=False)
class Edges:
    """The switches of a two-level signal.

    Attributes
    ----------
    rising, falling : numpy.ndarray
        Times of the off -> on and on -> off switches, seconds on the signal's clock.
    rising_frames, falling_frames : numpy.ndarray or None
        For video edges, the first frame that shows the new state (past the threshold).
    threshold : float or None
        The threshold used (None for times read from a file).
    low, high : float or None
        The two levels (the medians of the values below and above the threshold).
    """

    rising: np.ndarray
    falling: np.ndarray
    rising_frames: np.ndarray | None = None
    falling_frames: np.ndarray | None = None
    threshold: float | None = None
    low: float | None = None
    high: float | None = None

    def times(self, which: str = "rising") -> np.ndarray:
        """The edges' times: "rising", "falling" or "both" (sorted)."""
        if which == "rising":
            return self.rising
        if which == "falling":
            return self.falling
        if which == "both":
            return np.sort(np.concatenate([self.rising, self.falling]))
        raise SyncError(f"Unknown edge {which!r}: use 'rising', 'falling' or 'both'.")


def otsu_threshold(values) -> tuple[float, float]:
    """Otsu's threshold of `values` (NaN ignored) and its effectiveness (0..1: how well it splits them in two).

    Parameters
    ----------
    values : array_like
        The samples.

    Returns
    -------
    threshold : float
        The level between the two classes that maximizes the variance between them.
    effectiveness : float
        The between-class variance over the total variance: near 1 for two clean levels, low for one level
        with noise.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2 or values.min() == values.max():
        return (float(values[0]) if len(values) else np.nan), 0.0
    counts, bin_edges = np.histogram(values, bins=HISTOGRAM_BINS)
    centers = (bin_edges[:-1] + bin_edges[1:]) / 2
    weight_low = np.cumsum(counts)[:-1]
    weight_high = len(values) - weight_low
    sum_low = np.cumsum(counts * centers)[:-1]
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (np.sum(counts * centers) - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2 / len(values) ** 2
    # two clean levels leave empty bins between them, all splitting equally well: take the middle of those
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    threshold = (bin_edges[best[0] + 1] + bin_edges[best[-1] + 1]) / 2
    return float(threshold), float(between[best[0]] / values.var())


def detect_edges(values, times, *, threshold: float | None = None, exposure: bool = True, name="the signal") -> Edges:
    """The rising and falling edges of a two-level signal.

    Parameters
    ----------
    values : array_like
        One sample per time (an LED's brightness per frame, a TTL line's voltage).
    times : array_like
        The samples' times in seconds (a video's frame times).
    threshold : float, optional
        The level between off and on; default Otsu's (`otsu_threshold`).
    exposure : bool
        True for video frames: each edge is placed within its frame from the intermediate levels around it
        (the fraction of the exposure the LED was lit). False for sampled voltages: where the line crosses
        the middle of its levels, interpolated between samples.
    name : str
        What the values are, for messages.

    Returns
    -------
    Edges
        With `rising_frames` / `falling_frames` (the first sample showing the new state) and the levels.

    Raises
    ------
    SyncError
        When the values do not switch between two levels (no LED in the region, a threshold outside them).
    """
    values = np.asarray(values, dtype=float)
    times = np.asarray(times, dtype=float)
    if values.shape != times.shape or values.ndim != 1:
        raise SyncError(f"{name}: one value per time is needed, got {values.shape} values for {times.shape} times.")
    if threshold is None:
        threshold, effectiveness = otsu_threshold(values)
        if effectiveness < MIN_SEPARATION:
            fix = (
                f"is the sync LED inside the region, and does it flash during the recording? Move the region onto "
                f"the LED ({advice('roi')}), read a coloured LED in its colour ({advice('led_channel')}), or give the "
                f"threshold ({advice('led_threshold')})"
                if exposure
                else f"is this the line that carries the sync pulses? Choose another file ({advice('pulses')}), "
                f"channel ({advice('pulses_channel')}) or line ({advice('line')})"
            )
            raise SyncError(
                f"{name} does not switch between two levels (Otsu's split explains {100 * effectiveness:.0f}% of "
                f"its variance): {fix}."
            )
    finite = values[np.isfinite(values)]
    low_values, high_values = finite[finite < threshold], finite[finite >= threshold]
    if not len(low_values) or not len(high_values):
        raise SyncError(
            f"{name}: the threshold {threshold:g} is outside its values ({finite.min():g}..{finite.max():g}); "
            f"choose one between the LED's off and on levels ({advice('led_threshold')}), or leave it to Otsu's."
        )
    low, high = float(np.median(low_values)), float(np.median(high_values))
    state = _hysteresis_state(values, threshold, HYSTERESIS * (high - low))
    switches = np.flatnonzero(np.diff(state.astype(np.int8))) + 1  # first sample of each new state
    rising_frames = switches[state[switches]]
    falling_frames = switches[~state[switches]]
    place = _exposure_time if exposure else _crossing_time
    lit = np.clip((values - low) / (high - low), 0, 1)
    rising = np.array([place(lit, times, frame, True) for frame in rising_frames], dtype=float)
    falling = np.array([place(lit, times, frame, False) for frame in falling_frames], dtype=float)
    return Edges(rising, falling, rising_frames, falling_frames, float(threshold), low, high)


def _hysteresis_state(values: np.ndarray, threshold: float, margin: float) -> np.ndarray:
    """On/off per sample: on once above threshold + margin, off once below threshold - margin; NaN keeps the
    state. Starts as the first decided sample says."""
    decided = np.where(values >= threshold + margin, 1, np.where(values < threshold - margin, 0, -1))
    known = np.flatnonzero(decided >= 0)
    if not len(known):
        return values >= threshold
    # carry each decided state forward over the undecided samples after it
    last_known = np.maximum.accumulate(np.where(decided >= 0, np.arange(len(values)), -1))
    state = decided[np.maximum(last_known, known[0])]
    return state.astype(bool)


def _exposure_time(lit: np.ndarray, times: np.ndarray, frame: int, rising: bool) -> float:
    """The switch's time from the lit fractions of the frames around `frame` (the first in the new state).

    Each frame's exposure is taken to span half a frame step on either side of its time; the light added up
    over the frames frame-1..frame+1 is then the time lit within them, which places the switch."""
    first, last = max(frame - 1, 0), min(frame + 1, len(lit) - 1)
    step = float(np.median(np.diff(times[max(first - 1, 0) : last + 1]))) if last > first else 0.0
    fractions = lit[first : last + 1]
    fractions = np.nan_to_num(fractions, nan=float(rising))
    in_new_state = np.sum(fractions if rising else 1 - fractions)
    return float(times[last] + step / 2 - step * in_new_state)


def _crossing_time(lit: np.ndarray, times: np.ndarray, frame: int, rising: bool) -> float:
    """Where the line crosses the middle of its levels between sample frame-1 and `frame`."""
    if frame == 0:
        return float(times[0])
    before, after = lit[frame - 1], lit[frame]
    if not (np.isfinite(before) and np.isfinite(after)) or before == after:
        return float(times[frame])
    weight = np.clip((0.5 - before) / (after - before), 0, 1)
    return float(times[frame - 1] + weight * (times[frame] - times[frame - 1]))
