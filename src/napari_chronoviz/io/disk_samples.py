"""Samples that stay on disk: an (n_samples, n_channels) array in a file, read by rows, scaled to float.

A recording of hours of hundreds of channels does not fit in memory (an hour of one Neuropixels probe is
83 GB as int16). `DiskSamples` wraps the file's array (a numpy memmap of a `.npy` or raw binary file, an HDF5
dataset, a Zarr array) and reads only the rows asked for, converting just those to float with the file's
gain (e.g. microvolts per bit). Whole-recording summaries come from its min/max pyramid (io/pyramid.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROWS_PER_READ = 1 << 16  # rows a pass over many ranges reads at a time
READ_THROUGH = 16 << 10  # bytes between two wanted rows read rather than skipped: costs less than another read


@dataclass(frozen=True, eq=False)
class DiskSamples:
    """An on-disk (n_samples, n_channels) array, read as float64 `raw * gain + offset` by rows.

    Attributes
    ----------
    raw : array-like
        The file's array: a `numpy.memmap`, an `h5py.Dataset` or a `zarr.Array`, samples along the first axis.
    path : Path
        The file it lives in (the pyramid's cache is keyed by it, its size and its modification time).
    member : str
        The dataset inside `path` (HDF5, Zarr), "" for a plain array file.
    gain, offset : float or numpy.ndarray
        Physical value = raw * gain + offset; one number, or one per channel. Gains are positive.
    byte_offset : int
        Where a memmapped array starts in `path` (its header), so chunked passes read the file directly.
    columns : tuple of int, optional
        The file's column of each channel, in the order shown (a subset, or channels ordered by their place on
        a probe); None: every column in file order. Gains and offsets are per channel, in this order.
    """

    raw: Any
    path: Path
    member: str = ""
    gain: Any = 1.0
    offset: Any = 0.0
    byte_offset: int | None = None
    columns: tuple[int, ...] | None = None

    def __post_init__(self):
        if np.ndim(self.raw) != 2:
            raise ValueError(f"DiskSamples needs a 2-D (samples x channels) array, got shape {np.shape(self.raw)}.")
        if self.columns is not None:
            columns = np.asarray(self.columns)
            if columns.ndim != 1 or not len(columns) or columns.min() < 0 or columns.max() >= self.raw.shape[1]:
                raise ValueError(f"{self.path}: columns {self.columns!r} are not columns of {self.raw.shape[1]}.")
        gain = np.asarray(self.gain, dtype=float)
        if gain.ndim > 1 or (gain.ndim == 1 and len(gain) != self.shape[1]) or not np.all(gain > 0):
            raise ValueError(
                f"{self.path}: the gain must be a positive number or one positive number per channel "
                f"({self.shape[1]}), got {self.gain!r}."
            )

    def __reduce__(self):
        """Pickled as where the array lives, not its contents (a chunked export sends scenes to other processes)."""
        if isinstance(self.raw, np.ndarray):
            raw = self.raw
            where = ("memmap", np.dtype(raw.dtype).str, raw.shape, self.byte_offset, raw.flags.f_contiguous)
        elif hasattr(self.raw, "get_orthogonal_selection"):
            where = ("zarr",)
        else:
            where = ("hdf5",)
        return _reopened, (str(self.path), self.member, where, self.gain, self.offset, self.columns)

    @property
    def shape(self) -> tuple[int, int]:
        """(samples, channels) as shown; `raw.shape` is the file's."""
        n_columns = len(self.columns) if self.columns is not None else self.raw.shape[1]
        return int(self.raw.shape[0]), int(n_columns)

    def file_columns(self, channels=slice(None)):
        """The file's columns of `channels` (an index, slice or list of channels as shown)."""
        return channels if self.columns is None else np.asarray(self.columns)[channels]

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self) -> np.dtype:
        """The dtype rows are read as (float64); `raw.dtype` is the file's."""
        return np.dtype(float)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * np.dtype(self.raw.dtype).itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self.path} stays on disk ({self.nbytes / 1e9:.1f} GB): read the rows you need (samples[a:b], "
            "samples.take(rows)) instead of converting the whole recording."
        )

    def __getitem__(self, key) -> np.ndarray:
        """Rows as float: `samples[a:b]`, `samples[a:b, channels]`, `samples[rows]` (any integer array)."""
        rows, channels = key if isinstance(key, tuple) else (key, slice(None))
        if isinstance(rows, (int, np.integer)):
            return self.take(np.array([rows]), channels)[0]
        if isinstance(rows, slice):
            return self.scaled(self.raw_rows(rows, channels), channels)
        return self.take(np.asarray(rows), channels)

    def take(self, rows: np.ndarray, channels=slice(None)) -> np.ndarray:
        """The rows at integer indices `rows` (any order, repeats allowed) of `channels`, as float."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return np.zeros((*rows.shape, len(np.arange(self.shape[1])[channels])))
        unique, inverse = np.unique(rows, return_inverse=True)
        return self.scaled(self.raw_take(unique, channels), channels)[inverse.reshape(rows.shape)]

    @property
    def _reads_file(self) -> bool:
        """Whether rows are read from the file with plain reads rather than through the array: a memmapped
        file in row order. Reads leave no pages mapped, so the process's resident memory does not grow with
        the parts of a long recording it has shown."""
        raw = self.raw
        return self.byte_offset is not None and isinstance(raw, np.ndarray) and raw.flags.c_contiguous

    def raw_rows(self, rows: slice, channels=slice(None)) -> np.ndarray:
        """Rows `rows` (a slice) of `channels` in the file's dtype."""
        return self.file_rows(rows)[:, self.file_columns(channels)]

    def file_rows(self, rows: slice, once: bool = False) -> np.ndarray:
        """Rows `rows` (a slice) of every column of the file, in its dtype.

        `once`: the rows are read once, in a pass over the whole file (a pyramid's build): their pages are then
        dropped from the system's file cache where it allows, rather than evicting everything else cached
        (which, for a recording larger than the free memory, costs this process too: it reads at a third of
        the speed)."""
        if self._reads_file:
            start, stop, step = rows.indices(len(self))
            if step == 1:
                return self._read_runs(np.array([start]), np.array([max(stop, start)]), once)
        return np.asarray(self.raw[rows])

    def raw_take(self, sorted_rows: np.ndarray, channels=slice(None)) -> np.ndarray:
        """The rows at increasing indices `sorted_rows`, in the file's dtype (HDF5 and Zarr need them sorted)."""
        channels = self.file_columns(channels)
        if self._reads_file:  # runs of rows, read through gaps shorter than `READ_THROUGH` bytes: fewer reads
            row_bytes = self.raw.shape[1] * np.dtype(self.raw.dtype).itemsize
            breaks = np.flatnonzero(np.diff(sorted_rows) * row_bytes > READ_THROUGH) + 1
            starts, ends = sorted_rows[np.r_[0, breaks]], sorted_rows[np.r_[breaks - 1, len(sorted_rows) - 1]] + 1
            block = self._read_runs(starts, ends)
            if len(block) == len(sorted_rows):  # no gap read through
                return block[:, channels]
            run = np.repeat(np.arange(len(starts)), np.diff(np.r_[0, breaks, len(sorted_rows)]))
            begins = np.r_[0, np.cumsum(ends - starts)[:-1]]
            return block[sorted_rows - starts[run] + begins[run]][:, channels]
        if isinstance(self.raw, np.ndarray):
            return self.raw[sorted_rows][:, channels]
        if hasattr(self.raw, "get_orthogonal_selection"):  # zarr
            return np.asarray(self.raw.get_orthogonal_selection((sorted_rows, slice(None))))[:, channels]
        return np.asarray(self.raw[sorted_rows])[:, channels]

    def _read_runs(self, starts: np.ndarray, ends: np.ndarray, once: bool = False) -> np.ndarray:
        """Rows `start:end` of each run, one after another, read into one array (see `file_rows` for `once`)."""
        n_channels = self.raw.shape[1]
        row_bytes = n_channels * np.dtype(self.raw.dtype).itemsize
        out = np.empty((int((ends - starts).sum()), n_channels), self.raw.dtype)
        flat = memoryview(out.reshape(-1).view(np.uint8))
        with open(self.path, "rb", buffering=0) as file:
            done = 0
            for start, end in zip(starts.tolist(), ends.tolist()):
                size, position = (end - start) * row_bytes, self.byte_offset + start * row_bytes
                file.seek(position)
                got = 0
                while got < size and (count := file.readinto(flat[done + got : done + size])):
                    got += count
                if got != size:
                    raise OSError(f"{self.path}: read {got} of {size} bytes at row {start}; was the file cut short?")
                if once and hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(file.fileno(), position, size, os.POSIX_FADV_DONTNEED)
                done += size
        return out

    def scaled(self, raw: np.ndarray, channels=slice(None)) -> np.ndarray:
        """File values of `channels` as physical float values."""
        gain, offset = (np.asarray(v, dtype=float) for v in (self.gain, self.offset))
        gain = gain[channels] if gain.ndim else gain
        offset = offset[channels] if offset.ndim else offset
        return raw.astype(float) * gain + offset

    @property
    def identity(self) -> dict:
        """What the samples' pyramid depends on: the file (path, size, modification time), the member and
        the array's layout (not the gain: the pyramid holds file values)."""
        stat = Path(self.path).stat()
        return {
            "path": str(Path(self.path).resolve()),
            "member": self.member,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "shape": list(self.raw.shape),
            "dtype": np.dtype(self.raw.dtype).str,
        }


def _reopened(path: str, member: str, where: tuple, gain, offset, columns) -> DiskSamples:
    """The `DiskSamples` that `DiskSamples.__reduce__` describes, opened again."""
    kind = where[0]
    if kind == "memmap":
        _, dtype, shape, byte_offset, fortran = where
        order = "F" if fortran and shape[1] > 1 else "C"
        raw = np.memmap(path, dtype=dtype, mode="r", offset=byte_offset or 0, shape=tuple(shape), order=order)
    elif kind == "zarr":
        import zarr

        raw = zarr.open(path, mode="r")[member] if member else zarr.open(path, mode="r")
    else:
        import h5py

        raw = h5py.File(path, "r")[member]
    return DiskSamples(raw, Path(path), member, gain, offset, where[3] if kind == "memmap" else None, columns)


def memmap_of_npy(path: Path) -> tuple[np.ndarray, int]:
    """The array of a `.npy` file, memory-mapped, and the byte offset of its data."""
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    return array, int(array.offset) if isinstance(array, np.memmap) else 0


def memmap_of_binary(path: Path, dtype, n_channels: int) -> np.memmap:
    """A headerless binary file of interleaved `n_channels` samples of `dtype` (SpikeGLX, Open Ephys and
    Kilosort `.bin`/`.dat`) as an (n_samples, n_channels) memmap; an error names what does not fit."""
    from ..errors import SignalError

    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise SignalError(
            f"{path}: unknown dtype {dtype!r}; give a numpy dtype such as int16, uint16, float32."
        ) from None
    if not (isinstance(n_channels, (int, np.integer)) and n_channels > 0):
        raise SignalError(f"{path}: the channel count must be a positive whole number, not {n_channels!r}.")
    size = Path(path).stat().st_size
    frame = dtype.itemsize * int(n_channels)
    if size == 0 or size % frame:
        raise SignalError(
            f"{path} holds {size} bytes, which is not a whole number of samples of {n_channels} channels of "
            f"{dtype} ({frame} bytes each): check the channel count and the dtype (SpikeGLX's .meta says "
            "nSavedChans; Open Ephys' structure.oebin num_channels)."
        )
    return np.memmap(path, dtype=dtype, mode="r", shape=(size // frame, int(n_channels)))
