"""A min/max pyramid of an on-disk recording, built once in chunks and cached: any zoom reads a few values.

Level 0 cuts the samples into bins of `BASE_BIN`; level l into bins of `BASE_BIN * 2**l`, up to one bin. For
each bin and channel a level keeps the least and the greatest file value and where each first occurs in the
bin; level 0 also keeps the running sums of its bins. Any range of samples splits into at most two bins per
level plus fewer than `BASE_BIN` samples at each end, read from the file: so the extremes of a range, their
first positions and its sum are exact, and cost the same at every zoom.

The pyramid lives in the user's cache directory (`cache_dir`), one folder per source file, with the file's
size and modification time: a changed source is summarised again. It is written to a temporary folder and
renamed when complete, so an interrupted build leaves nothing that would be read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._cache import cache_dir as chronoviz_cache_dir
from .._progress import Progress, progress_reporter
from ..errors import ChronovizError
from .disk_samples import DiskSamples

BASE_SHIFT = 6
BASE_BIN = 1 << BASE_SHIFT  # samples per level-0 bin
CHUNK_BYTES = 16 << 20  # about how much of the file a build reads at a time (a power of two of bins)
SLAB_BINS = 16  # bins reduced at a time: a slab's working arrays stay in the processor's cache
FORMAT_VERSION = 1
SUMMARY_THREADS = max(2, min(8, os.cpu_count() or 2))  # chunks read and summarised at once
PARTS = ("min", "max", "argmin", "argmax")


class PyramidCancelled(ChronovizError):
    """The build was cancelled through its progress callback; nothing was cached."""


def cache_dir() -> Path:
    """Where pyramids are kept: the chronoviz cache's `pyramids` folder (`$CHRONOVIZ_CACHE_DIR/pyramids` when set)."""
    return chronoviz_cache_dir("pyramids")


@dataclass(frozen=True, eq=False)
class Pyramid:
    """The per-bin extremes of a `DiskSamples` at every level, and level 0's running sums (file values).

    `mins[l]`, `maxs[l]`: (bins, channels) in the file's dtype; `argmins[l]`, `argmaxs[l]`: where each first
    occurs within its bin; `sums`: (level-0 bins + 1, channels) float64 running sums. `finite` is False when
    the file holds NaN or infinite values: extremes then skip them, and drawing reads such ranges whole.
    """

    samples: DiskSamples
    mins: list
    maxs: list
    argmins: list
    argmaxs: list
    sums: np.ndarray
    finite: bool

    def __reduce__(self):
        """Pickled as its recording: opened again from the cache (a chunked export sends scenes to workers)."""
        return pyramid_of, (self.samples, False)

    @property
    def n_levels(self) -> int:
        return len(self.mins)

    def channel_ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """Each channel's least and greatest value over the whole recording (physical units, NaN skipped)."""
        whole = np.array([0]), np.array([len(self.samples)])
        low, high = self.bounds(*whole)
        return low[0], high[0]

    def bounds(self, starts, stops, channels=slice(None)) -> tuple[np.ndarray, np.ndarray]:
        """(low, high), (ranges, channels): values that hold every sample of each range `start:stop`, from the
        level-0 bins covering it (the ranges widened to whole bins): for y-limits, with no read of the file."""
        starts, stops = np.asarray(starts, np.int64), np.asarray(stops, np.int64)
        first = starts >> BASE_SHIFT
        last = np.minimum((stops + BASE_BIN - 1) >> BASE_SHIFT, len(self.mins[0]))
        low, high, _, _ = self._levels(first, last, channels, want_positions=False)
        tail = stops > (len(self.mins[0]) << BASE_SHIFT)  # the last samples, fewer than a bin: read them
        if tail.any():
            raw_low, raw_high, _, _ = self._raw(
                np.maximum(starts[tail], len(self.mins[0]) << BASE_SHIFT), stops[tail], channels
            )
            low[tail], high[tail] = _fmin(low[tail], raw_low), _fmax(high[tail], raw_high)
        return self._scaled(low, channels), self._scaled(high, channels)

    def extremes(self, starts, stops, channels=slice(None)):
        """The least and greatest value of each range `start:stop` and the first sample where each occurs.

        Returns
        -------
        tuple of numpy.ndarray
            (mins, argmins, maxs, argmaxs), each (ranges, channels): physical values and absolute sample
            indices. Exact: the same as reducing the samples themselves (file values compared before scaling,
            gains being positive).
        """
        starts, stops = np.asarray(starts, np.int64), np.asarray(stops, np.int64)
        inner_start = np.minimum((starts + BASE_BIN - 1) >> BASE_SHIFT, stops >> BASE_SHIFT)
        inner_stop = np.maximum(stops >> BASE_SHIFT, inner_start)
        low, high, low_at, high_at = self._levels(inner_start, inner_stop, channels, want_positions=True)
        for edge_start, edge_stop in (
            (starts, np.minimum(inner_start << BASE_SHIFT, stops)),
            (np.maximum(inner_stop << BASE_SHIFT, starts), stops),
        ):
            edge_stop = np.maximum(edge_stop, edge_start)
            raw_low, raw_high, raw_low_at, raw_high_at = self._raw(edge_start, edge_stop, channels)
            _keep_better(low, low_at, raw_low, raw_low_at, np.less)
            _keep_better(high, high_at, raw_high, raw_high_at, np.greater)
        return self._scaled(low, channels), low_at, self._scaled(high, channels), high_at

    def sums_of(self, starts, stops, channels=slice(None)) -> np.ndarray:
        """The sum of each range `start:stop`, (ranges, channels), physical units (for finite recordings).

        The difference of the running sums at the range's ends: each depends on that end alone (a range's sum
        does not depend on which others are asked with it), and ranges that share an end read it once."""
        starts, stops = np.asarray(starts, np.int64), np.asarray(stops, np.int64)
        ends, where = np.unique(np.r_[starts, stops], return_inverse=True)
        running = self._running_sums(ends, channels)
        total = running[where[len(starts) :]] - running[where[: len(starts)]]
        gain, offset = _per_channel(self.samples.gain, channels), _per_channel(self.samples.offset, channels)
        return total * gain + (stops - starts)[:, None] * offset

    def _running_sums(self, ends: np.ndarray, channels) -> np.ndarray:
        """The sum of the file values before each sample index of `ends`, (ends, channels): level 0's running sum
        to the end's bin, plus the samples of the bin before it (or the bin's sum less those from it on, when
        that is shorter to read)."""
        n_bins = len(self.mins[0])
        bins, inside = ends >> BASE_SHIFT, ends & (BASE_BIN - 1)
        columns = self.samples.file_columns(channels)
        whole = self.sums[np.minimum(bins, n_bins)][:, columns]
        flip = (inside > BASE_BIN // 2) & (bins < n_bins)
        bin_start = bins << BASE_SHIFT
        read_start = np.where(flip, ends, bin_start)
        read_stop = np.where(flip, bin_start + BASE_BIN, ends)
        rows, segments = _rows_of(read_start, read_stop)
        read = np.zeros_like(whole)
        if len(rows):
            values = _gather(self.samples, rows, channels)
            wide = float if values.dtype.kind == "f" else np.int64  # integers summed exactly
            read[segments.nonempty] = np.add.reduceat(values, segments.starts, axis=0, dtype=wide)
        if flip.any():
            after = self.sums[bins[flip] + 1][:, columns]
            read[flip] = (after - whole[flip]) - read[flip]
        return whole + read

    def _scaled(self, values: np.ndarray, channels) -> np.ndarray:
        return self.samples.scaled(values, channels)

    def _no_extremes(self, n_ranges: int, channels):
        """(low, high, low_at, high_at) before any value is seen: lows at the largest value, highs at the least."""
        n_channels = len(np.arange(self.samples.shape[1])[channels])
        dtype = _working_dtype(self.mins[0].dtype)
        return (
            np.full((n_ranges, n_channels), _largest(dtype), dtype),
            np.full((n_ranges, n_channels), _smallest(dtype), dtype),
            np.zeros((n_ranges, n_channels), np.int64),
            np.zeros((n_ranges, n_channels), np.int64),
        )

    def _levels(self, first, last, channels, want_positions: bool):
        """Extremes (file values) over level-0 bins `first:last` of each range, from at most two bins per level."""
        dtype = _working_dtype(self.mins[0].dtype)
        low, high, low_at, high_at = self._no_extremes(len(first), channels)
        columns = self.samples.file_columns(channels)
        first, last = first.copy(), last.copy()
        level = 0
        while (first < last).any():
            if level >= self.n_levels:
                raise AssertionError("a range reached past the pyramid's top")  # ranges lie inside the recording
            for side in ("left", "right"):
                if side == "left":
                    take = (first < last) & ((first >> level) & 1 == 1)
                    bins = first[take] >> level
                    first[take] += 1 << level
                else:
                    take = (first < last) & ((last >> level) & 1 == 1)
                    bins = (last[take] >> level) - 1
                    last[take] -= 1 << level
                if not take.any():
                    continue
                rows = np.unique(bins)
                index = np.searchsorted(rows, bins)
                for values, positions, best, best_at, better in (
                    (self.mins, self.argmins, low, low_at, np.less),
                    (self.maxs, self.argmaxs, high, high_at, np.greater),
                ):
                    found = np.asarray(values[level][rows])[:, columns][index].astype(dtype)
                    at = None
                    if want_positions:
                        offsets = np.asarray(positions[level][rows])[:, columns][index].astype(np.int64)
                        at = (bins[:, None] << (level + BASE_SHIFT)) + offsets
                    chosen_best, chosen_at = best[take], best_at[take]
                    _keep_better(chosen_best, chosen_at, found, at, better)
                    best[take], best_at[take] = chosen_best, chosen_at
            level += 1
        return low, high, low_at, high_at

    def _raw(self, starts, stops, channels):
        """Extremes (file values) and their first positions of short ranges read from the file."""
        dtype = _working_dtype(self.mins[0].dtype)
        low, high, low_at, high_at = self._no_extremes(len(starts), channels)
        rows, segments = _rows_of(starts, stops)
        if len(rows):
            values = _gather(self.samples, rows, channels).astype(dtype)
            if not self.finite:
                values_low = np.where(np.isnan(values), np.inf, values)
                values_high = np.where(np.isnan(values), -np.inf, values)
            else:
                values_low = values_high = values
            for source, reduce, best, best_at in (
                (values_low, np.minimum, low, low_at),
                (values_high, np.maximum, high, high_at),
            ):
                extreme = reduce.reduceat(source, segments.starts, axis=0)
                which = np.repeat(np.arange(len(segments.starts)), segments.lengths)
                first = np.where(source == extreme[which], rows[:, None], np.iinfo(np.int64).max)
                best[segments.nonempty] = extreme
                best_at[segments.nonempty] = np.minimum.reduceat(first, segments.starts, axis=0)
        if not self.finite:  # ranges of NaN only: NaN, not infinity
            low[np.isinf(low)], high[np.isinf(high)] = np.nan, np.nan
        return low, high, low_at, high_at


@dataclass(frozen=True)
class _Segments:
    starts: np.ndarray  # where each non-empty range's rows begin in the gathered rows
    lengths: np.ndarray
    nonempty: np.ndarray  # which ranges have rows


def _rows_of(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, _Segments]:
    """The sample indices of every range `start:stop`, one after another, and where each range's begin."""
    lengths = np.maximum(stops - starts, 0)
    nonempty = lengths > 0
    kept_starts, kept_lengths = starts[nonempty], lengths[nonempty]
    begins = np.r_[0, np.cumsum(kept_lengths)[:-1]].astype(np.int64)
    total = int(kept_lengths.sum())
    rows = np.arange(total, dtype=np.int64) - np.repeat(begins - kept_starts, kept_lengths)
    return rows, _Segments(begins, kept_lengths, nonempty)


def _gather(samples: DiskSamples, rows: np.ndarray, channels) -> np.ndarray:
    """File values of `rows` (any order) of `channels`."""
    if len(rows) < 2 or (np.diff(rows) > 0).all():  # already increasing: read as they are
        return samples.raw_take(rows, channels)
    unique, inverse = np.unique(rows, return_inverse=True)
    return samples.raw_take(unique, channels)[inverse]


def _keep_better(best, best_at, found, found_at, better) -> None:
    """Where `found` beats `best` (or ties it earlier), take it: the first occurrence of the extreme wins."""
    if found_at is None:
        np.copyto(best, found, where=better(found, best))
        return
    wins = better(found, best) | ((found == best) & (found_at < best_at))
    best[wins], best_at[wins] = found[wins], found_at[wins]


def _working_dtype(dtype) -> np.dtype:
    return np.dtype(float) if np.dtype(dtype).kind == "f" else np.dtype(dtype)


def _largest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _smallest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _fmin(a, b):
    return np.fmin(a, b.astype(a.dtype))


def _fmax(a, b):
    return np.fmax(a, b.astype(a.dtype))


def _per_channel(value, channels) -> np.ndarray:
    value = np.asarray(value, dtype=float)
    return value[channels] if value.ndim else value


def _offset_dtype(level: int) -> np.dtype:
    """The smallest unsigned type that holds a position within a bin of level `level`."""
    bits = level + BASE_SHIFT
    return np.dtype(np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.uint32)


# --- building and caching --------------------------------------------------------------------------------


def pyramid_of(samples: DiskSamples, progress: Progress = True) -> Pyramid:
    """The samples' pyramid: from the cache when it matches the file, else built (with `progress`) and cached.

    Parameters
    ----------
    samples
        The on-disk recording.
    progress
        True (a line on stderr), False, or a callable `(samples_done, total)` returning True to cancel.

    Returns
    -------
    Pyramid
        Memory-mapped from the cache folder.

    Raises
    ------
    PyramidCancelled
        When `progress` asked to stop; nothing is left in the cache.
    """
    folder = cache_dir() / _cache_key(samples)
    pyramid = _load(samples, folder)
    if pyramid is None:
        _build(samples, folder, progress)
        pyramid = _load(samples, folder)
    return pyramid


def _cache_key(samples: DiskSamples) -> str:
    identity = samples.identity
    name = hashlib.sha256(f"{identity['path']}\0{identity['member']}".encode()).hexdigest()[:20]
    return f"{Path(identity['path']).name[:40]}-{name}"


def _provenance(samples: DiskSamples) -> dict:
    return {**samples.identity, "version": FORMAT_VERSION, "base_bin": BASE_BIN}


def _load(samples: DiskSamples, folder: Path) -> Pyramid | None:
    """The cached pyramid in `folder` when it was built from this very file (size, time, layout), else None."""
    try:
        written = json.loads((folder / "provenance.json").read_text())
    except (OSError, ValueError):
        return None
    if {key: written.get(key) for key in _provenance(samples)} != _provenance(samples):
        return None
    levels = {part: [] for part in PARTS}
    for level in range(written["levels"]):
        for part in PARTS:
            levels[part].append(np.load(folder / f"{part}{level}.npy", mmap_mode="r", allow_pickle=False))
    sums = np.load(folder / "sums.npy", mmap_mode="r", allow_pickle=False)
    return Pyramid(samples, levels["min"], levels["max"], levels["argmin"], levels["argmax"], sums, written["finite"])


class _ArrayFile:
    """A `.npy` file of known shape written row block by row block, without mapping it."""

    def __init__(self, path: Path, dtype, shape: tuple[int, ...]):
        self.file = open(path, "wb")
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_2_0(self.file, header)
        self.dtype = np.dtype(dtype)

    def write(self, rows: np.ndarray) -> None:
        self.file.write(np.ascontiguousarray(rows, dtype=self.dtype).tobytes())

    def close(self) -> None:
        self.file.close()


def _build(samples: DiskSamples, folder: Path, progress: Progress) -> None:
    """Summarise the samples chunk by chunk into a temporary folder beside `folder`, then rename it."""
    n_samples, n_channels = samples.raw.shape  # the pyramid is the file's: every column
    n_base = n_samples >> BASE_SHIFT
    if n_base == 0:
        raise ChronovizError(
            f"{samples.path} holds {n_samples} samples: fewer than one pyramid bin ({BASE_BIN}); read it whole."
        )
    n_levels = n_base.bit_length()  # levels 0 .. n_levels - 1, the last with one bin
    bin_bytes = BASE_BIN * n_channels * np.dtype(samples.raw.dtype).itemsize
    chunk_shift = max(CHUNK_BYTES // bin_bytes, 1).bit_length() - 1  # chunks of 2**chunk_shift bins
    in_chunk = min(n_levels, chunk_shift + 1)  # levels built inside each chunk
    dtype = np.dtype(samples.raw.dtype)
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    report = progress_reporter(progress, n_samples, "pyramid", "samples")
    files: dict = {}
    try:
        for level in range(in_chunk):
            shape = (n_base >> level, n_channels)
            for part in PARTS:
                part_dtype = dtype if part in ("min", "max") else _offset_dtype(level)
                files[part, level] = _ArrayFile(temporary / f"{part}{level}.npy", part_dtype, shape)
        sums_file = _ArrayFile(temporary / "sums.npy", float, (n_base + 1, n_channels))
        sums_file.write(np.zeros((1, n_channels)))
        running = np.zeros(n_channels)
        top: dict = {part: [] for part in PARTS}  # the last in-chunk level, for the levels above
        finite = True
        for stop, (levels, sums, chunk_finite) in _summaries(samples, chunk_shift, in_chunk):
            finite = finite and chunk_finite
            cumulative = running + np.cumsum(sums, axis=0)
            running = cumulative[-1]
            sums_file.write(cumulative)
            for level, parts in enumerate(levels):
                for part in PARTS:
                    files[part, level].write(parts[part])
            for part in PARTS:
                top[part].append(parts[part])
            if report(stop):
                raise PyramidCancelled(f"The pyramid of {samples.path} was cancelled; nothing was cached.")
        parts = {part: np.concatenate(top[part]) for part in PARTS}
        for level in range(in_chunk, n_levels):
            parts = _next_level(parts, level - 1)
            for part in PARTS:
                np.save(temporary / f"{part}{level}.npy", parts[part], allow_pickle=False)
        for file in [*files.values(), sums_file]:
            file.close()
        (temporary / "provenance.json").write_text(
            json.dumps({**_provenance(samples), "levels": n_levels, "finite": finite})
        )
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(temporary, folder)
    except BaseException:
        for file in files.values():
            file.close()
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _summarise(block: np.ndarray) -> tuple[dict, np.ndarray, bool]:
    """Level 0 of a chunk of rows (whole bins): each bin's extremes and their first positions (NaN skipped),
    each bin's sum (float64), and whether every value is finite.

    Reduced `SLAB_BINS` bins at a time, along the bins' middle axis (bins, BASE_BIN, channels), which numpy does
    a row of channels at a time without copying."""
    bins, n_channels = len(block) >> BASE_SHIFT, block.shape[1]
    cells = block[: bins * BASE_BIN].reshape(bins, BASE_BIN, n_channels)
    parts = {part: np.empty((bins, n_channels), block.dtype) for part in ("min", "max")}
    parts.update({part: np.empty((bins, n_channels), _offset_dtype(0)) for part in ("argmin", "argmax")})
    sums = np.empty((bins, n_channels))
    small_integers = cells.dtype.kind in "iu" and cells.dtype.itemsize <= 2
    keys = np.empty((SLAB_BINS, BASE_BIN, n_channels), np.int32) if small_integers else None
    finite = True
    for first in range(0, bins, SLAB_BINS):
        slab = slice(first, first + SLAB_BINS)
        if small_integers:
            found = _small_integer_extremes(cells[slab], keys[: len(cells[slab])])
            sums[slab] = cells[slab].sum(axis=1, dtype=np.int32)  # exact: 64 values of 16 bits fit 32 bits
        else:
            found, sums[slab], slab_finite = _extremes_by_search(cells[slab])
            finite = finite and slab_finite
        for part, values in zip(PARTS, found):
            parts[part][slab] = values
    return parts, sums, finite


_POSITIONS = np.arange(BASE_BIN, dtype=np.int32)[None, :, None]


def _small_integer_extremes(cells: np.ndarray, keys: np.ndarray) -> tuple:
    """(min, max, argmin, argmax) over the middle axis of integers of up to 16 bits, in two reductions: each
    value and its position packed in one 32-bit key (`value * BASE_BIN + position`), whose least is the first
    lowest value; with the positions counted from the bin's end, the greatest key is the first highest. `keys`
    is an int32 array of the cells' shape to work in (reused: fresh memory for every slab costs page faults)."""
    np.left_shift(cells, BASE_SHIFT, out=keys, dtype=np.int32)
    keys |= _POSITIONS
    lowest = keys.min(axis=1)
    keys ^= BASE_BIN - 1
    highest = keys.max(axis=1)
    last = BASE_BIN - 1
    return lowest >> BASE_SHIFT, highest >> BASE_SHIFT, lowest & last, last - (highest & last)


def _extremes_by_search(cells: np.ndarray) -> tuple[tuple, np.ndarray, bool]:
    """(min, max, argmin, argmax) over the middle axis of any numbers (NaN skipped), each bin's sum, and whether
    every value is finite: each extreme's first position found by comparing the bin with it."""
    finite = True
    if cells.dtype.kind == "f":
        finite = bool(np.isfinite(cells).all())
        if not finite:
            cells = np.where(np.isfinite(cells), cells, np.nan)
        low_source, high_source = np.where(np.isnan(cells), np.inf, cells), np.where(np.isnan(cells), -np.inf, cells)
        sums = np.nansum(cells, axis=1, dtype=float)
    else:
        low_source = high_source = cells
        sums = cells.sum(axis=1, dtype=np.int64).astype(float)
    low, high = low_source.min(axis=1), high_source.max(axis=1)
    rows = np.arange(BASE_BIN, dtype=_offset_dtype(0))[None, :, None]
    none = _offset_dtype(0).type(BASE_BIN - 1)
    low_at = np.where(low_source == low[:, None, :], rows, none).min(axis=1)
    high_at = np.where(high_source == high[:, None, :], rows, none).min(axis=1)
    if cells.dtype.kind == "f":
        low[np.isinf(low) & (low > 0)], high[np.isinf(high) & (high < 0)] = np.nan, np.nan
    return (low, high, low_at, high_at), sums, finite


def _summaries(samples: DiskSamples, chunk_shift: int, levels: int):
    """(rows done, (the chunk's first `levels` levels, its level-0 sums, whether it is finite)) of each chunk of
    2**chunk_shift whole bins in order; `SUMMARY_THREADS` chunks are read and summarised at once (reads and
    numpy release the GIL), while the caller writes the ones done."""
    n_samples = len(samples)
    whole = (n_samples >> BASE_SHIFT) << BASE_SHIFT  # the last samples, fewer than a bin: read raw when asked
    chunk_rows = 1 << (chunk_shift + BASE_SHIFT)
    with ThreadPoolExecutor(max_workers=SUMMARY_THREADS) as pool:
        pending = deque()
        try:
            for start in range(0, whole, chunk_rows):
                stop = min(start + chunk_rows, whole)
                pending.append((stop, pool.submit(_summarise_rows, samples, start, stop, levels)))
                if len(pending) > SUMMARY_THREADS:
                    done, summary = pending.popleft()
                    yield done, summary.result()
            while pending:
                done, summary = pending.popleft()
                yield (n_samples if not pending else done), summary.result()
        finally:  # cancelled or failed: the chunks not started are dropped
            for _, summary in pending:
                summary.cancel()


def _summarise_rows(samples: DiskSamples, start: int, stop: int, levels: int) -> tuple[list, np.ndarray, bool]:
    """Rows `start:stop` read and summarised: their first `levels` levels, level-0 sums, and whether finite."""
    parts, sums, finite = _summarise(samples.file_rows(slice(start, stop), once=True))
    found = [parts]
    for level in range(1, levels):
        found.append(_next_level(found[-1], level - 1))
    return found, sums, finite


def _next_level(parts: dict, level: int) -> dict:
    """Level `level + 1` from level `level`: pairs of bins; the first occurrence wins ties, NaN loses."""
    size = BASE_BIN << level  # samples per bin of `level`
    pairs = len(parts["min"]) // 2
    result = {}
    for value, position, beats in (("min", "argmin", np.less), ("max", "argmax", np.greater)):
        left, right = parts[value][0 : 2 * pairs : 2], parts[value][1 : 2 * pairs : 2]
        right_wins = beats(right, left) | (np.isnan(left) & ~np.isnan(right) if left.dtype.kind == "f" else False)
        result[value] = np.where(right_wins, right, left)
        offsets = _offset_dtype(level + 1)
        result[position] = np.where(
            right_wins,
            parts[position][1 : 2 * pairs : 2].astype(offsets) + offsets.type(size),
            parts[position][0 : 2 * pairs : 2].astype(offsets),
        )
    return result
