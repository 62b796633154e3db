"""Time series (photometry, wheel speed, ROI occupancy, ...) read into one `Signal` per file or table.

A signal holds `values` (n_samples x n_channels, float, NaN = missing) and channel `names`, plus where its
samples sit: `times` in seconds, or `frames` (video frame indices, from a `frame` column), or neither
(the timeline then places the samples by rate: see `napari_chronoviz.align`).

Large recordings stay on disk: a `.npy`, a headerless binary file or an HDF5 dataset of more than
`LAZY_BYTES` gives `values` as a `DiskSamples`, read by rows (see io/disk_samples.py and io/pyramid.py).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from .._times import RegularTimes, require_finite_increasing
from ..errors import SignalError, advice
from .disk_samples import DiskSamples, memmap_of_binary, memmap_of_npy
from .ephys import is_raw_ephys, is_spikeglx, read_raw_ephys
from .formats import (
    HDF5_SUFFIXES,
    PAIR_TIMES,
    PAIR_VALUES,
    PARQUET_SUFFIXES,
    RAW_BINARY_SUFFIXES,
    TEXT_TABLE_SUFFIXES,
    ZARR_SUFFIX,
    kinds_of,
    suffixes_of,
)
from .hdf5 import datasets_by_name, pandas_keys, read_pandas_table, unit_attribute
from .nwb import is_nwb, nwb_series
from .tables import (
    FRAME_COLUMN_NAMES,
    TIME_COLUMN_NAMES,
    column_seconds_per_unit,
    find_column,
    read_delimited,
    read_parquet,
)

VALUE_MEMBER_NAMES = ("values", "signals", "signal", "data", "y")
SIGNAL_FILE = "a time series: a table (CSV, TSV) with a time column and value columns, .npy, .h5, ..."
LAZY_BYTES = 64 << 20  # arrays in files larger than this stay on disk (`DiskSamples`)


@dataclass(frozen=True, eq=False)
class Signal:
    """Samples of one or more channels, and where they sit in time."""

    values: np.ndarray | DiskSamples  # (n_samples, n_channels) float; NaN where missing; or read from disk
    names: tuple[str, ...]  # one per channel
    times: np.ndarray | RegularTimes | None = None  # seconds, one per sample, increasing
    frames: np.ndarray | None = None  # video frame index of each sample (from a `frame` column)
    source: str = ""  # where it came from, for messages
    columns_without_time: tuple[str, ...] = ()  # a table's columns, when none of them is a time (for messages)
    channel_groups: dict[str, tuple[int, ...]] = field(default_factory=dict)  # "shank 1": its channels' indices

    @property
    def n_samples(self) -> int:
        return len(self.values)

    @property
    def n_channels(self) -> int:
        return self.values.shape[1]

    @property
    def on_disk(self) -> bool:
        """Whether the values stay in their file (`DiskSamples`), read by rows."""
        return isinstance(self.values, DiskSamples)

    def to_dataframe(self) -> pd.DataFrame:
        """The samples as a table: a `time` (seconds) or `frame` column when known, then one column per channel.

        Raises
        ------
        SignalError
            For a recording that stays on disk (`on_disk`): it is not copied into a table.
        """
        if self.on_disk:
            raise SignalError(
                f"{self.source} stays on disk ({self.values.nbytes / 1e9:.1f} GB): it is not copied into a table. "
                "Read the rows you need with signal.values[a:b]."
            )
        table = pd.DataFrame(self.values, columns=list(self.names))
        if self.times is not None:
            table.insert(0, "time", np.asarray(self.times))
        elif self.frames is not None:
            table.insert(0, "frame", self.frames)
        return table


def read_timeseries(
    source,
    *,
    key=None,
    time_column=None,
    time_unit=None,
    columns=None,
    dtype=None,
    n_channels=None,
    gain=None,
    channels=None,
) -> Signal:
    """Read a time series from a file or from memory.

    Parameters
    ----------
    source
        A path (CSV/TSV/TXT with the delimiter sniffed and the header optional; HDF5 written by pandas or
        plain h5py datasets; NPY; NPZ; Parquet; a Loupe-style `<name>_t.npy` / `<name>_y.npy` pair), or a
        pandas DataFrame, a list, or a 1-D/2-D numpy array (samples along the first axis).
    key
        The HDF5 key or dataset (or NPZ member) holding the values, or an NWB file's `TimeSeries` by its path in
        the file ("acquisition/lick"); needed when the file holds several.
    time_column
        The column (or HDF5 dataset / NPZ member) holding sample times. Found by name when not given:
        `time`, `t`, `timestamp(s)`, `seconds`, or `frame` (frame indices), case-insensitive.
    time_unit
        "s", "ms", "us" or "ns". When given it wins over a unit suffix in the time column's name and an
        HDF5 `unit` attribute; when not, the attribute, else the name (`time_ms`, `t (us)`), else seconds.
        Never guessed from the values' magnitude.
    columns
        The value columns to keep (default: every numeric column that is not the time).
    dtype, n_channels
        A headerless binary file (`.bin`, `.raw`, `.dat`: SpikeGLX, Open Ephys, Kilosort) of interleaved samples:
        their numpy dtype (e.g. "int16") and how many channels each sample holds. Its rate is given to the
        source (`SourceSpec.rate`) or its times by `align`'s modes.
    gain
        Physical units per file unit (e.g. microvolts per bit): one number, or one per channel; the values read
        are `file value * gain`.
    channels
        The channels to show, of any source (a recording on disk is not read to choose them): text such as
        "0-63", "0-31, 64-95" or "AP12, AP13" (indices count from 0 in the order the channels are read, which for
        a probe is along it; ranges include both ends; a name may leave out its unit, "AP12" for "AP12 (uV)"; a
        probe of several shanks names each, "shank 1"), or a list of indices and names (a `range` too). Default:
        every channel.

    Returns
    -------
    Signal
        The values, channel names and sample times (or frames) of the time series.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    SignalError
        When the source holds no numeric values, its times do not increase, a key or column is missing, the
        unit is unknown, or a channel asked for is not one of its channels.
    """
    signal = _read(source, key, time_column, time_unit, columns, dtype, n_channels)
    signal = signal if gain is None else _with_gain(signal, gain)
    return signal if channels is None else select_channels(signal, channels)


def select_channels(signal: Signal, channels) -> Signal:
    """`signal` with only `channels`, in the order given (each once): see `read_timeseries`'s `channels`.

    A recording on disk stays there: its `DiskSamples` shows the chosen columns of its file through the file's one
    pyramid.

    Raises
    ------
    SignalError
        When a channel is neither an index of the signal's (0 to n - 1) nor one of its names; the message names
        the valid range and some names, in the words of the interface in use.
    """
    indices = list(dict.fromkeys(_channel_indices(signal, channels)))
    if not indices:
        raise SignalError(f"{signal.source}: no channels were chosen ({channels!r}); {_channels_help(signal)}")
    names = tuple(signal.names[index] for index in indices)
    if signal.on_disk:
        samples = signal.values
        per_channel = {
            name: value[indices]
            for name in ("gain", "offset")
            if np.ndim(value := np.asarray(getattr(samples, name), dtype=float))
        }
        values = replace(samples, columns=tuple(int(column) for column in samples.file_columns(indices)), **per_channel)
    else:
        values = signal.values[:, indices]
    position = {index: new for new, index in enumerate(indices)}
    groups = {
        name: tuple(position[i] for i in members if i in position) for name, members in signal.channel_groups.items()
    }
    return replace(signal, values=values, names=names, channel_groups={k: v for k, v in groups.items() if v})


CHANNEL_RANGE = re.compile(r"^\s*(\d+)\s*(?:-|–|\.\.)\s*(\d+)\s*$")  # "0-63", "0–63", "0..63": both ends


def _channel_indices(signal: Signal, channels) -> list[int]:
    """The indices of `channels` (text, or a list of indices and names) among `signal`'s channels."""
    if isinstance(channels, str):
        items = channels.split(",")
    else:
        items = list(channels) if np.ndim(channels) else [channels]
    by_name = {}
    for index, name in enumerate(signal.names):  # a name, and the name without its unit ("AP12 (uV)" -> "AP12")
        by_name.setdefault(name, index)
        by_name.setdefault(name.rsplit(" (", 1)[0], index)
    indices = []
    for item in items:
        text = str(item).strip()
        if text in signal.channel_groups:  # a probe's shank
            indices.extend(signal.channel_groups[text])
            continue
        if text in by_name and not isinstance(item, (int, np.integer)):
            indices.append(by_name[text])
            continue
        bounds = CHANNEL_RANGE.match(text)
        if bounds:
            first, last = int(bounds[1]), int(bounds[2])
            if first > last:
                raise SignalError(
                    f"{signal.source}: the channel range {text!r} runs backwards; write it from low to high "
                    f"({last}-{first}). {_channels_help(signal)}"
                )
            wanted = range(first, last + 1)
        elif re.fullmatch(r"-?\d+", text):
            wanted = range(int(text), int(text) + 1)
        else:
            raise SignalError(f"{signal.source} has no channel {text!r}. {_channels_help(signal)}")
        outside = [index for index in (wanted[0], wanted[-1]) if not 0 <= index < signal.n_channels]
        if outside:
            raise SignalError(f"{signal.source} has no channel {outside[-1]}. {_channels_help(signal)}")
        indices.extend(wanted)
    return indices


def _channels_help(signal: Signal) -> str:
    """Which channels there are and how to choose them, for an error about `channels`."""
    names = [name.rsplit(" (", 1)[0] for name in signal.names]
    shown = ", ".join(names[:3]) + (f", ..., {names[-1]}" if len(names) > 3 else "")
    ways = (
        f"index, range, name or group ({', '.join(signal.channel_groups)})"
        if signal.channel_groups
        else "index, range or name"
    )
    return (
        f"It has {signal.n_channels} channels, 0-{signal.n_channels - 1} in the order shown ({shown}); choose them "
        f"by {ways} with {advice('channels')}."
    )


def _read(source, key, time_column, time_unit, columns, dtype, n_channels) -> Signal:
    if isinstance(source, pd.DataFrame):
        return signal_from_table(source, "the DataFrame", time_column, time_unit, columns)
    if isinstance(source, (list, tuple, np.ndarray)):
        return _signal_from_array(np.asarray(source), "the array", names=None)
    if is_nwb(source):  # also an address: read in place
        series = nwb_series(source, key)
        return Signal(series.values, series.names, times=series.times, source=series.source)
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Time series file not found: {path}")
    name = path.name.lower()
    suffix = path.suffix.lower()
    if dtype is None and n_channels is None and is_raw_ephys(path):
        stream = read_raw_ephys(path, key)
        return Signal(
            stream.samples, stream.names, times=stream.times, source=stream.source, channel_groups=stream.shanks
        )
    if (dtype is not None or n_channels is not None) and is_raw_ephys(path):
        header = path.with_suffix(".meta").name if is_spikeglx(path) else path.name
        raise SignalError(
            f"{path.name} is a raw recording: its header ({header}) gives its channels, sample type, gains and clock, "
            f"so they are read from it, not given (a count given by hand would read the samples askew). Leave out "
            f"{advice('binary')}."
        )
    if dtype is not None or n_channels is not None or suffix in RAW_BINARY_SUFFIXES[:2]:
        return _read_binary(path, dtype, n_channels)
    if name.endswith(PAIR_TIMES) or name.endswith(PAIR_VALUES):
        return _read_pair(path, time_unit)
    if suffix in TEXT_TABLE_SUFFIXES:
        table = read_delimited(path, SignalError, expected=SIGNAL_FILE)
        return signal_from_table(table, path, time_column, time_unit, columns)
    if suffix in PARQUET_SUFFIXES:
        return signal_from_table(read_parquet(path, SignalError), path, time_column, time_unit, columns)
    if suffix in HDF5_SUFFIXES:
        return _read_hdf5(path, key, time_column, time_unit, columns)
    if suffix == ZARR_SUFFIX:
        return _read_zarr(path, key)
    if suffix == ".npy":
        array, byte_offset = memmap_of_npy(path)
        if _stays_on_disk(array):
            return _disk_signal(DiskSamples(array.reshape(len(array), -1), path, byte_offset=byte_offset), path)
        array = np.asarray(array)
        if array.dtype.names:
            return signal_from_table(pd.DataFrame(array), path, time_column, time_unit, columns)
        return _signal_from_array(array, path, names=None)
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            members = {member: archive[member] for member in archive.files}
        return signal_from_arrays(members, path, key, time_column, time_unit)
    kinds = kinds_of(path)
    if "video" in kinds:
        raise SignalError(f"{path.name} is a video, not a time series: {advice('as_video')}.")
    if "pose" in kinds:
        raise SignalError(f"{path.name} is a pose file, not a time series: {advice('as_pose')}.")
    raise SignalError(
        f"{path}: unknown time series format {suffix!r}. Supported: {', '.join(suffixes_of('timeseries'))}, "
        f"<name>{PAIR_TIMES} + <name>{PAIR_VALUES} pairs, and headerless binary files "
        f"({', '.join(RAW_BINARY_SUFFIXES)}) given their dtype and channel count."
    )


def _read_zarr(path: Path, key) -> Signal:
    """A Zarr array (samples x channels), or the array `key` of a Zarr group, left on disk."""
    try:
        import zarr
    except ImportError as missing:
        raise SignalError(f"{path} is a Zarr store, and reading it needs zarr: `pip install zarr`.") from missing
    opened = zarr.open(str(path), mode="r")
    if hasattr(opened, "shape"):
        array, member = opened, ""
    else:
        arrays = {name: array for name, array in opened.arrays()}
        if key is None and len(arrays) != 1:
            raise SignalError(f"{path} holds {len(arrays)} arrays {sorted(arrays)}; pass key= to choose one.")
        member = key if key is not None else next(iter(arrays))
        if member not in arrays:
            raise SignalError(f"{path} has no array {member!r}; it holds {sorted(arrays)}. Pass one of these as key=.")
        array = arrays[member]
    if array.ndim != 2 or not _is_numeric(array):
        raise SignalError(
            f"{path}: a Zarr recording must be 2-D numbers (samples x channels); got {array.dtype} {array.shape}."
        )
    return _disk_signal(DiskSamples(array, path, member=member), path)


def _read_binary(path: Path, dtype, n_channels) -> Signal:
    if dtype is None or n_channels is None:
        raise SignalError(
            f"{path} is read as headerless binary samples, which need their dtype and channel count: give them "
            f"and the sample rate ({advice('binary')}). SpikeGLX's .meta gives nSavedChans; Open Ephys' "
            "structure.oebin num_channels."
        )
    samples = DiskSamples(memmap_of_binary(path, dtype, n_channels), path, byte_offset=0)
    return _disk_signal(samples, path)


def _stays_on_disk(array) -> bool:
    """Whether a file's array is left on disk: a numeric 1-D or 2-D array larger than `LAZY_BYTES`."""
    dtype = np.dtype(array.dtype)
    return (
        dtype.names is None
        and (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating))
        and np.ndim(array) in (1, 2)
        and int(np.prod(np.shape(array))) * dtype.itemsize > LAZY_BYTES
    )


def _disk_signal(samples: DiskSamples, source, names=None) -> Signal:
    n_samples, n_channels = samples.shape
    if n_samples == 0:
        raise SignalError(f"{source} holds no samples.")
    if n_channels > n_samples:
        raise SignalError(
            f"{source} has {n_samples} samples of {n_channels} channels: a recording kept on disk must hold samples "
            "along its first axis (time x channels); check the channel count, or write it transposed."
        )
    names = tuple(names) if names is not None else tuple(f"channel {i}" for i in range(n_channels))
    return Signal(samples, names, source=str(source))


def _with_gain(signal: Signal, gain) -> Signal:
    """`signal` with its values multiplied by `gain` (one number, or one per channel)."""
    gains = np.asarray(gain, dtype=float)
    if gains.ndim > 1 or (gains.ndim == 1 and len(gains) != signal.n_channels) or not np.all(gains > 0):
        raise SignalError(
            f"{signal.source}: the gain must be a positive number or one per channel ({signal.n_channels}), "
            f"got {gain!r}."
        )
    if signal.on_disk:
        samples = signal.values
        values = replace(samples, gain=samples.gain * gains, offset=samples.offset * gains)
    else:
        values = signal.values * gains
    return replace(signal, values=values)


def read_signal_pairs(folder) -> dict[str, Signal]:
    """Every Loupe-style pair `<name>_t.npy` (seconds) + `<name>_y.npy` (values) in `folder`, by name."""
    folder = Path(folder).expanduser()
    values_files = sorted(folder.glob(f"*{PAIR_VALUES}"))
    if not values_files:
        raise SignalError(f"{folder} holds no `<name>{PAIR_VALUES}` files, so no time series pairs to read.")
    return {file.name[: -len(PAIR_VALUES)]: _read_pair(file, None) for file in values_files}


def _read_pair(path: Path, time_unit) -> Signal:
    stem = path.name[: -len(PAIR_TIMES)]
    times_path, values_path = path.with_name(stem + PAIR_TIMES), path.with_name(stem + PAIR_VALUES)
    missing = [str(file) for file in (times_path, values_path) if not file.exists()]
    if missing:
        raise SignalError(f"{path} is half of a time series pair; its partner {missing[0]} does not exist.")
    members = {"t": np.load(times_path, allow_pickle=False), stem: np.load(values_path, allow_pickle=False)}
    return signal_from_arrays(members, values_path, stem, "t", time_unit)


def _read_hdf5(path: Path, key, time_column, time_unit, columns) -> Signal:
    if pandas_keys(path):
        return signal_from_table(read_pandas_table(path, key, SignalError), path, time_column, time_unit, columns)
    handle = h5py.File(path, "r")
    signal = None
    try:
        datasets = datasets_by_name(handle)
        time_name = time_column or find_column(datasets, TIME_COLUMN_NAMES)
        if time_unit is None and time_name in datasets:
            time_unit = unit_attribute(datasets[time_name])
        signal = signal_from_arrays(datasets, path, key, time_column, time_unit)
        return signal
    finally:
        if signal is None or not signal.on_disk:  # a recording left on disk keeps its file open
            handle.close()


def signal_from_arrays(members: dict, source, key, time_column, time_unit) -> Signal:
    """A signal from named arrays (NPZ members, HDF5 datasets): the values member and an optional times member.

    The values member is `key`, else a member named like `values`/`signals`/`data`/`y`, else the only one
    left; several 1-D members of the same length become channels. Channels along the first axis are
    transposed when the times' length says so.
    """
    if time_column is not None and time_column not in members:
        raise SignalError(f"{source} has no {time_column!r}; it holds {_describe(members)}.")
    time_name = time_column or find_column(members, TIME_COLUMN_NAMES + FRAME_COLUMN_NAMES)
    if key is not None and key not in members:
        raise SignalError(f"{source} has no {key!r}; it holds {_describe(members)}. Pass one of these as key=.")
    candidates = {name: array for name, array in members.items() if name != time_name and _is_numeric(array)}
    if key is not None:
        chosen = {key: members[key]}
    elif (named := find_column(candidates, VALUE_MEMBER_NAMES)) is not None:
        chosen = {named: candidates[named]}
    else:
        chosen = candidates
    if not chosen:
        raise SignalError(f"{source} holds no numeric values besides the times: {_describe(members)}.")
    times = None if time_name is None else np.asarray(members[time_name])
    if len(chosen) == 1:
        name, values = next(iter(chosen.items()))
        if not isinstance(values, np.ndarray) and np.ndim(values) == 2 and _stays_on_disk(values):
            return _disk_member(values, name, source, times, time_name, time_unit)
        values = np.asarray(values)
        names = [name] if values.ndim == 1 else [f"{name}[{i}]" for i in range(np.shape(values)[-1])]
    elif all(np.ndim(array) == 1 for array in chosen.values()) and len({len(a) for a in chosen.values()}) == 1:
        names, values = list(chosen), np.column_stack(list(chosen.values()))
    else:
        raise SignalError(
            f"{source} holds several arrays and it is unclear which are the values: {_describe(candidates)}. "
            "Pass key= to choose one."
        )
    if times is not None and values.ndim == 2 and len(values) != len(times) and values.shape[1] == len(times):
        values = values.T
        names = [f"{names[0].split('[')[0]}[{i}]" for i in range(values.shape[1])]
    signal = _signal_from_array(values, source, names)
    if time_name is None:
        return signal
    is_frames = find_column([time_name], FRAME_COLUMN_NAMES) is not None
    return _with_times(signal, times, str(time_name), time_unit, is_frames)


def _disk_member(dataset, name: str, source, times, time_name, time_unit) -> Signal:
    """A large 2-D HDF5 dataset (samples x channels) left on disk, with its times if any."""
    if times is not None and len(times) != dataset.shape[0] and len(times) == dataset.shape[1]:
        raise SignalError(
            f"{source}: {name!r} holds channels along its first axis ({dataset.shape}); a recording this large is "
            "read from disk by rows of samples, so it must be stored as samples x channels."
        )
    member = getattr(dataset, "name", name)
    samples = DiskSamples(dataset, Path(str(source)), member=str(member))
    signal = _disk_signal(samples, source, [f"{name}[{i}]" for i in range(dataset.shape[1])])
    if times is None:
        return signal
    is_frames = find_column([time_name], FRAME_COLUMN_NAMES) is not None
    return _with_times(signal, times, str(time_name), time_unit, is_frames)


def signal_from_table(table: pd.DataFrame, source, time_column=None, time_unit=None, columns=None) -> Signal:
    """A signal from a table: the time (or frame) column, the numeric value columns, long tables pivoted.

    A long table (a time column with repeated values and one text column, e.g. `frame, roi_name,
    percentage_in_roi`) becomes one channel per distinct name.
    """
    table = _flatten_columns(table)
    if time_column is not None and time_column not in table.columns:
        raise SignalError(f"{source} has no column {time_column!r}; its columns are {list(table.columns)}.")
    time_name = (
        time_column if time_column is not None else find_column(table.columns, TIME_COLUMN_NAMES + FRAME_COLUMN_NAMES)
    )
    text_columns = [c for c in table.columns if c != time_name and not pd.api.types.is_numeric_dtype(table[c])]
    if time_name is not None and len(text_columns) == 1 and table[time_name].duplicated().any():
        table = _pivot_long(table, time_name, text_columns[0], columns, source)
        columns = None
    value_columns = (
        columns
        if columns is not None
        else [c for c in table.columns if c != time_name and pd.api.types.is_numeric_dtype(table[c])]
    )
    absent = [c for c in value_columns if c not in table.columns]
    if absent:
        raise SignalError(f"{source} has no column(s) {absent}; its columns are {list(table.columns)}.")
    if not value_columns:
        kinds = ", ".join(f"{c!r} ({table[c].dtype})" for c in table.columns)
        raise SignalError(
            f"{source} has no numeric value columns (columns: {kinds}). A time series needs at least one column "
            "of numbers besides the time; check the delimiter and that numbers are not quoted or use a decimal comma."
        )
    values = table[value_columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    signal = _signal_from_array(values, source, [str(c) for c in value_columns])
    if time_name is None:
        return replace(signal, columns_without_time=tuple(str(column) for column in table.columns))
    is_frames = time_column is None and find_column([time_name], FRAME_COLUMN_NAMES) is not None
    return _with_times(signal, table[time_name].to_numpy(), str(time_name), time_unit, is_frames)


def _pivot_long(table, time_name, name_column, columns, source) -> pd.DataFrame:
    value_columns = columns or [c for c in table.columns if c not in (time_name, name_column)]
    if len(value_columns) != 1:
        raise SignalError(
            f"{source} looks like a long table (repeated {time_name!r} values, names in {name_column!r}) but has "
            f"{len(value_columns)} value columns {value_columns}; pass columns=[...] with the one to plot."
        )
    duplicated = table.duplicated([time_name, name_column])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise SignalError(
            f"{source}: {name_column!r} = {table[name_column].iloc[row]!r} appears twice at {time_name} = "
            f"{table[time_name].iloc[row]!r} (data row {row}); each name needs one value per time."
        )
    wide = table.pivot(index=time_name, columns=name_column, values=value_columns[0])
    wide.columns = [str(name) for name in wide.columns]
    return wide.reset_index()


def _flatten_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Multi-level columns (e.g. DeepLabCut's scorer/bodyparts/coords) as `a/b` names; constant levels dropped."""
    if table.columns.nlevels == 1:
        return table
    levels = [i for i in range(table.columns.nlevels) if table.columns.get_level_values(i).nunique() > 1]
    flat = table.copy()
    flat.columns = ["/".join(str(column[i]) for i in levels) for column in table.columns]
    return flat


def _signal_from_array(values, source, names) -> Signal:
    values = np.asarray(values)
    if not _is_numeric(values) or values.ndim not in (1, 2):
        raise SignalError(
            f"{source} must hold numbers as a 1-D (samples) or 2-D (samples x channels) array; got "
            f"{values.dtype} with shape {values.shape}."
        )
    values = values.astype(float).reshape(len(values), -1)
    if len(values) == 0:
        raise SignalError(f"{source} holds no samples.")
    if values.shape[1] > values.shape[0]:
        warnings.warn(
            f"{source} has {values.shape[0]} samples of {values.shape[1]} channels: samples go along the first "
            "axis, so if it holds channels along the first axis pass its transpose (`array.T`).",
            stacklevel=3,
        )
    _report_missing(values, source)
    names = tuple(names) if names is not None else tuple(f"channel {i}" for i in range(values.shape[1]))
    return Signal(np.where(np.isfinite(values), values, np.nan), names, source=str(source))


def _report_missing(values: np.ndarray, source) -> None:
    missing = ~np.isfinite(values)
    if not missing.any():
        return
    starts = missing & ~np.vstack([np.zeros((1, values.shape[1]), bool), missing[:-1]])
    warnings.warn(
        f"{source}: {int(missing.sum())} NaN/Inf values in {int(starts.sum())} runs (of "
        f"{values.size} values); they are kept as gaps.",
        stacklevel=4,
    )


def _with_times(signal: Signal, raw_times, time_name: str, time_unit, is_frames: bool) -> Signal:
    stamps = pd.to_numeric(pd.Series(np.asarray(raw_times).ravel()), errors="coerce").to_numpy(dtype=float)
    if len(stamps) != signal.n_samples:
        raise SignalError(f"{signal.source}: {len(stamps)} times for {signal.n_samples} samples in {time_name!r}.")
    require_finite_increasing(
        stamps, f"{signal.source}: {time_name!r}", "rows", "Sort by time and remove duplicated rows.", SignalError
    )
    if is_frames:
        if not np.array_equal(stamps, np.round(stamps)):
            raise SignalError(f"{signal.source}: frame column {time_name!r} holds non-integer values.")
        return Signal(signal.values, signal.names, frames=stamps.astype(np.int64), source=signal.source)
    times = stamps * column_seconds_per_unit(time_name, time_unit, f"{signal.source} ({time_name!r})", SignalError)
    return Signal(signal.values, signal.names, times=times, source=signal.source)


def _is_numeric(array) -> bool:
    dtype = array.dtype if hasattr(array, "dtype") else np.asarray(array).dtype
    return np.issubdtype(dtype, np.number) or dtype == np.bool_


def _describe(members: dict) -> str:
    return ", ".join(f"{name!r} {np.shape(array)}" for name, array in members.items())
