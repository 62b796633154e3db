"""Checks on time arrays and the rate they show, shared by the readers, the timeline and the export."""

from __future__ import annotations

import numpy as np

SHOWN = 5  # how many offending indices a message lists
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
