"""The plot panel's slicing: which samples of a signal each pixel column of a lane draws.

A trace draws at most two samples per whole-pixel column of the strip (its first lowest and first highest,
`thin_per_pixel`); a heatmap cell the mean of the column's samples (the column's edges on the pyramid's bins
when it holds many: `column_edges`). A signal in memory is sliced directly;
a recording on disk (`DiskSamples`) through its pyramid (io/pyramid.py), which gives the same samples
without reading the window: the exact extremes and sums of any range from a few bins per level.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ...io.disk_samples import ROWS_PER_READ
from ...io.pyramid import BASE_BIN, BASE_SHIFT, Pyramid, pyramid_of
from ...io.timeseries import Signal

PYRAMID_FROM = 2 * BASE_BIN  # samples per pixel column from which a trace is drawn from the pyramid
BASELINE_PARTS = 64  # pyramid bins, spread over a recording, that give a dense lane's baselines and scale


@dataclass(frozen=True, eq=False)
class SignalSlicer:
    """Reads what the panel draws of one signal: from memory, or through the pyramid of a recording on disk."""

    signal: Signal
    pyramid: Pyramid | None = None

    @classmethod
    def of(cls, signal: Signal) -> SignalSlicer:
        """The slicer of `signal`; a recording on disk gets its pyramid (from the cache, else built now)."""
        return cls(signal, pyramid_of(signal.values) if signal.on_disk else None)

    @property
    def exact_from_pyramid(self) -> bool:
        """Whether the pyramid gives exact extremes and sums (a recording with no NaN or infinite values)."""
        return self.pyramid is not None and self.pyramid.finite

    def channel_ranges(self, columns) -> tuple[np.ndarray, np.ndarray]:
        """Each of `columns`' least and greatest finite value over the whole signal (NaN: none)."""
        if self.pyramid is not None:
            low, high = self.pyramid.channel_ranges()
            return low[columns], high[columns]
        values = np.asarray(self.signal.values)[:, columns]
        finite = np.where(np.isfinite(values), values, np.nan)
        return np.fmin.reduce(finite, axis=0), np.fmax.reduce(finite, axis=0)

    def baselines_and_swing(self) -> tuple[np.ndarray, float]:
        """Where each channel sits and how far it swings over a short while, for a dense lane: the median over
        `BASELINE_PARTS` pyramid bins spread evenly over the recording of each bin's middle ((least + greatest) / 2)
        per channel, and the median over those bins and every channel of a bin's peak-to-peak (1.0 when that is 0
        or unknown).

        Medians, so an artefact in a few bins moves neither. Whole bins, so their extremes come exact from the
        pyramid, with no read of the file, and in memory alike."""
        n_bins = max(self.signal.n_samples >> BASE_SHIFT, 1)
        starts = np.unique(np.linspace(0, n_bins - 1, min(BASELINE_PARTS, n_bins)).astype(np.int64)) << BASE_SHIFT
        stops = np.minimum(starts + BASE_BIN, self.signal.n_samples)
        if self.pyramid is not None:
            low, high = self.pyramid.bounds(starts, stops)
        else:
            values = np.asarray(self.signal.values[: stops[-1]], dtype=float)
            finite = np.where(np.isfinite(values), values, np.nan)
            bounds = np.column_stack([starts, stops]).ravel()[:-1]
            low, high = np.fmin.reduceat(finite, bounds)[::2], np.fmax.reduceat(finite, bounds)[::2]
        low, high = np.asarray(low, float), np.asarray(high, float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a channel with no finite sample: its baseline is 0
            baselines = np.nan_to_num(np.nanmedian((low + high) / 2, axis=0))
            swing = float(np.nanmedian(high - low)) if np.isfinite(high - low).any() else 0.0
        return baselines, swing if swing > 0 else 1.0

    def range_bounds(self, starts, stops, columns) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) per range `start:stop` over `columns` together: values that hold every finite sample of
        the range (exactly its extremes in memory; from whole pyramid bins on disk); NaN for an empty range."""
        starts, stops = np.asarray(starts, np.int64), np.asarray(stops, np.int64)
        empty = stops <= starts
        if self.pyramid is not None:
            low, high = self.pyramid.bounds(starts, np.maximum(stops, starts), columns)
            low, high = np.fmin.reduce(low, axis=1), np.fmax.reduce(high, axis=1)
        else:
            values = np.asarray(self.signal.values)[:, columns]
            finite = np.where(np.isfinite(values), values, np.nan)
            lows, highs = (
                np.append(np.fmin.reduce(finite, axis=1), np.nan),
                np.append(np.fmax.reduce(finite, axis=1), np.nan),
            )
            bounds = np.column_stack([starts, stops]).ravel()
            low, high = np.fmin.reduceat(lows, bounds)[::2], np.fmax.reduceat(highs, bounds)[::2]
        low, high = low.astype(float), high.astype(float)
        low[empty], high[empty] = np.nan, np.nan
        return low, high

    def thinned_paths(self, columns: list[int], times: np.ndarray, first: int, stop: int, strip_start, per_second):
        """The samples `first:stop` of each channel of `columns` as (n, 2) paths of (strip x, value), thinned to
        the first lowest and first highest value per whole pixel column of strip x; NaN samples break a path.

        The same points as `thin_per_pixel` over every sample (values compared, not positions on screen, so a
        trace clipped to its lane thins alike); from the pyramid when a pixel column holds `PYRAMID_FROM`
        samples. Returns one list of paths per channel of `columns`."""
        if stop - first < 2:
            return [[] for _ in columns]
        spread = (times[stop - 1] - times[first]) * per_second
        if self.exact_from_pyramid and (stop - first) >= PYRAMID_FROM * max(spread, 1.0):
            return [[path] for path in self._from_pyramid(columns, times, first, stop, strip_start, per_second)]
        strip_x = (times[first:stop] - strip_start) * per_second
        values = np.asarray(self.signal.values[first:stop, columns], dtype=float)
        return [[thin_per_pixel(piece) for piece in _finite_pieces(strip_x, channel)] for channel in values.T]

    def _from_pyramid(self, columns, times, first: int, stop: int, strip_start: float, per_second) -> list:
        def pixel(rows):
            return np.floor((times[rows] - strip_start) * per_second)

        pixels = np.arange(pixel(first) + 1, pixel(stop - 1) + 1)
        bounds = np.clip(times.searchsorted(strip_start + pixels / per_second), first + 1, stop - 1)
        while (move := (bounds > first) & (pixel(bounds - 1) >= pixels)).any():  # the first sample of each pixel
            bounds[move] -= 1
        while (move := (bounds < stop) & (pixel(np.minimum(bounds, stop - 1)) < pixels)).any():
            bounds[move] += 1
        edges = np.r_[first, bounds, stop]
        starts, stops = edges[:-1], edges[1:]
        kept = stops > starts
        paths = []
        for low, low_at, high, high_at in zip(
            *(part.T for part in self.pyramid.extremes(starts[kept], stops[kept], columns))
        ):
            low_first = low_at <= high_at
            rows = np.column_stack([np.where(low_first, low_at, high_at), np.where(low_first, high_at, low_at)]).ravel()
            values = np.column_stack([np.where(low_first, low, high), np.where(low_first, high, low)]).ravel()
            keep = np.r_[True, rows[1:] != rows[:-1]]
            paths.append(np.column_stack([(times[rows[keep]] - strip_start) * per_second, values[keep]]))
        return paths

    def column_edges(self, first_rows: np.ndarray, per_column: float) -> np.ndarray:
        """The first sample of each pixel column of a heatmap (`first_rows`, increasing), moved to the nearest edge
        of the pyramid's bins when columns hold `PYRAMID_FROM` samples or more (`per_column`, the lane's zoom): a
        column's mean then comes from whole bins, with no read of the file, in memory and on disk alike, and its
        edges move by less than half a bin (a quarter of a column at most)."""
        if per_column < PYRAMID_FROM:
            return first_rows
        snapped = ((np.asarray(first_rows, np.int64) + BASE_BIN // 2) >> BASE_SHIFT) << BASE_SHIFT
        return np.minimum(snapped, self.signal.n_samples)

    def column_means(self, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
        """The mean of the finite samples of each range `start:stop` (ranges, channels); NaN where none.

        Each range is summed on its own, so a column's mean does not depend on which others are asked with it
        (a tile of the strip and the whole window give the same pixels)."""
        starts, stops = np.asarray(starts, np.int64), np.asarray(stops, np.int64)
        n_channels = self.signal.n_channels
        sums, counts = np.zeros((len(starts), n_channels)), np.zeros((len(starts), n_channels))
        filled = stops > starts
        if self.exact_from_pyramid:
            sums[filled] = self.pyramid.sums_of(starts[filled], stops[filled])
            counts[filled] = (stops - starts)[filled, None]
        else:
            for group in _groups_of_rows(starts, stops, filled):
                first, last = int(starts[group[0]]), int(stops[group[-1]])
                values = np.asarray(self.signal.values[first:last], dtype=float)
                finite = np.isfinite(values)
                offsets = starts[group] - first
                sums[group] = np.add.reduceat(np.where(finite, values, 0.0), offsets, axis=0)
                counts[group] = np.add.reduceat(finite, offsets, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _groups_of_rows(starts: np.ndarray, stops: np.ndarray, filled: np.ndarray) -> list[np.ndarray]:
    """The filled ranges (consecutive, increasing) in groups spanning at most `ROWS_PER_READ` rows each (a
    longer range alone), so a recording on disk is read a bounded block at a time."""
    indices = np.flatnonzero(filled)
    groups, current = [], []
    for index in indices:
        if current and stops[index] - starts[current[0]] > ROWS_PER_READ:
            groups.append(np.array(current))
            current = []
        current.append(index)
    return groups + ([np.array(current)] if current else [])


def thin_per_pixel(path: np.ndarray) -> np.ndarray:
    """Thin an (n, 2) path, sorted by x, to at most two points (its first lowest and first highest y, in
    order) per whole-pixel column of x; peaks survive. The columns are the pixels of x itself, so pieces of
    one path cut at different places thin alike where they overlap."""
    if len(path) <= 2:
        return path
    bins = np.floor(path[:, 0]).astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(bins)) + 1]
    ys, column = path[:, 1], np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(path)]))
    rows, beyond = np.arange(len(path)), len(path)
    lowest = np.minimum.reduceat(np.where(ys == np.minimum.reduceat(ys, starts)[column], rows, beyond), starts)
    highest = np.minimum.reduceat(np.where(ys == np.maximum.reduceat(ys, starts)[column], rows, beyond), starts)
    picks = np.sort(np.column_stack([lowest, highest]), axis=1).ravel()
    keep = np.r_[True, picks[1:] != picks[:-1]]
    return path[picks[keep]]


def _finite_pieces(xs: np.ndarray, ys: np.ndarray) -> list[np.ndarray]:
    """The runs of finite samples as (n, 2) paths: NaN samples break the line instead of bridging the gap."""
    finite = np.isfinite(ys)
    if finite.all():
        return [np.column_stack([xs, ys])] if len(xs) > 1 else []
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(int), 0]))
    return [np.column_stack([xs[a:b], ys[a:b]]) for a, b in zip(edges[::2], edges[1::2]) if b - a > 1]
