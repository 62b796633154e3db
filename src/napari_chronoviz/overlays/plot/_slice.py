"""The plot panel's slicing: which samples of a signal each pixel column of a lane draws.

A trace draws at most two samples per whole-pixel column of the strip (its first lowest and first highest,
`thin_per_group`); a heatmap cell the mean of the column's samples. Where a column holds many samples, its edges
move to the nearest edge of the pyramid's bins, for traces and heatmaps alike (`thinned_paths`, `column_edges`).
A signal in memory is sliced directly;
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

        Values are compared, not positions on screen, so a trace clipped to its lane thins alike. Zoomed out (a
        pixel column holds `PYRAMID_FROM` samples or more) the columns' edges move to the nearest edge of the
        pyramid's bins (`_binned_columns`), in memory and on disk alike: a recording on disk is then thinned from
        whole bins of its pyramid, with no read of the file, to the same points as every sample thinned.
        Returns one list of paths per channel of `columns`."""
        if stop - first < 2:
            return [[] for _ in columns]
        spread = (times[stop - 1] - times[first]) * per_second
        if (stop - first) < PYRAMID_FROM * max(spread, 1.0):  # zoomed in: per whole pixel column
            strip_x = (times[first:stop] - strip_start) * per_second
            values = np.asarray(self.signal.values[first:stop, columns], dtype=float)
            return [
                [thin_per_group(strip_x[a:b], channel[a:b], np.floor(strip_x[a:b])) for a, b in _finite_runs(channel)]
                for channel in values.T
            ]
        edges = self._binned_columns(times, first, stop, strip_start, per_second)
        if self.exact_from_pyramid:
            return [[path] for path in self._from_pyramid(columns, times, edges, strip_start, per_second)]
        first, stop = int(edges[0]), int(edges[-1])
        strip_x = (times[first:stop] - strip_start) * per_second
        groups = np.searchsorted(edges, np.arange(first, stop), side="right")
        values = np.asarray(self.signal.values[first:stop, columns], dtype=float)
        return [
            [thin_per_group(strip_x[a:b], channel[a:b], groups[a:b]) for a, b in _finite_runs(channel)]
            for channel in values.T
        ]

    def _binned_columns(self, times, first: int, stop: int, strip_start: float, per_second) -> np.ndarray:
        """The edges (sample rows) of the pixel columns a zoomed-out trace is thinned by: the first sample of each
        whole pixel column of strip x from `first` to `stop`, each moved to the nearest edge of the pyramid's bins
        (by less than a quarter of a column), from the bin edge at or before `first` to the one at or after `stop`.
        The edges depend on the pixel alone, so a range drawn on its own thins as the same pixels of a longer one."""

        def pixel(rows):
            return np.floor((times[rows] - strip_start) * per_second)

        pixels = np.arange(pixel(first) + 1, pixel(stop - 1) + 1)
        bounds = np.clip(times.searchsorted(strip_start + pixels / per_second), first + 1, stop - 1)
        while (move := (bounds > first) & (pixel(bounds - 1) >= pixels)).any():  # the first sample of each pixel
            bounds[move] -= 1
        while (move := (bounds < stop) & (pixel(np.minimum(bounds, stop - 1)) < pixels)).any():
            bounds[move] += 1
        low = (first >> BASE_SHIFT) << BASE_SHIFT
        high = min(((stop + BASE_BIN - 1) >> BASE_SHIFT) << BASE_SHIFT, self.signal.n_samples)
        return np.unique(np.r_[low, np.clip(_nearest_bin_edges(bounds), low, high), high])

    def _from_pyramid(self, columns, times, edges: np.ndarray, strip_start: float, per_second) -> list:
        """Each channel's path through the first lowest and first highest sample of each range between `edges`
        (whole pyramid bins, but the recording's last samples), from the pyramid's extremes."""
        low, low_at, high, high_at = self.pyramid.extremes(edges[:-1], edges[1:], columns)  # (ranges, channels)
        low_first = low_at <= high_at
        rows = np.stack([np.where(low_first, low_at, high_at), np.where(low_first, high_at, low_at)], axis=1)
        values = np.stack([np.where(low_first, low, high), np.where(low_first, high, low)], axis=1)
        rows, values = rows.reshape(-1, len(columns)), values.reshape(-1, len(columns))  # in order along each path
        xs = ((times[rows.ravel()] - strip_start) * per_second).reshape(rows.shape)
        keep = np.r_[np.ones((1, len(columns)), bool), rows[1:] != rows[:-1]]  # a sample both lowest and highest
        return [np.column_stack([xs[kept, c], values[kept, c]]) for c, kept in enumerate(keep.T)]

    def column_edges(self, first_rows: np.ndarray, per_column: float) -> np.ndarray:
        """The first sample of each pixel column of a heatmap (`first_rows`, increasing), moved to the nearest edge
        of the pyramid's bins when columns hold `PYRAMID_FROM` samples or more (`per_column`, the lane's zoom): a
        column's mean then comes from whole bins, with no read of the file, in memory and on disk alike, and its
        edges move by less than half a bin (a quarter of a column at most)."""
        if per_column < PYRAMID_FROM:
            return first_rows
        return np.minimum(_nearest_bin_edges(first_rows), self.signal.n_samples)

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


def _nearest_bin_edges(rows) -> np.ndarray:
    """Sample rows moved to the nearest edge of the pyramid's bins (`BASE_BIN` samples)."""
    return ((np.asarray(rows, np.int64) + BASE_BIN // 2) >> BASE_SHIFT) << BASE_SHIFT


def thin_per_group(xs: np.ndarray, ys: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The (x, y) path through the first lowest and first highest y (in order) of each run of equal `groups`
    (pixel columns, or columns with their edges on the pyramid's bins), sorted by x."""
    path = np.column_stack([xs, ys])
    if len(path) <= 2:
        return path
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    column = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(path)]))
    rows, beyond = np.arange(len(path)), len(path)
    lowest = np.minimum.reduceat(np.where(ys == np.minimum.reduceat(ys, starts)[column], rows, beyond), starts)
    highest = np.minimum.reduceat(np.where(ys == np.maximum.reduceat(ys, starts)[column], rows, beyond), starts)
    picks = np.sort(np.column_stack([lowest, highest]), axis=1).ravel()
    keep = np.r_[True, picks[1:] != picks[:-1]]
    return path[picks[keep]]


def _finite_runs(ys: np.ndarray) -> list[tuple[int, int]]:
    """The (start, stop) of each run of two or more finite samples: NaN samples break the line instead of bridging
    the gap."""
    finite = np.isfinite(ys)
    if finite.all():
        return [(0, len(ys))] if len(ys) > 1 else []
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(int), 0]))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2]) if b - a > 1]
