"""The rig's side of the sync: pulse edges recorded by the acquisition system.

`read_pulses` reads

- a table (CSV/TSV/TXT) or `.npy` of edge times: one column of times (rising edges), or a time column with a
  `state` column (1/0, or Open Ephys' +line/-line) telling rising from falling edges;
- a sampled sync line: a table or `.npy` of voltages with a time column or a sample `rate`, thresholded
  (Otsu's threshold by default) into edges placed between samples;
- an analog channel of a recording (an NI-DAQ's analog input saved as CSV, HDF5, NPZ, Parquet, or an NWB
  `TimeSeries`), read through the signal readers (`read_timeseries`) and thresholded the same way: `channel`
  chooses the channel (by name or position), `key` the HDF5 dataset / NPZ member / NWB series;
- an Open Ephys (GUI 0.6+, binary format) TTL events folder: `timestamps.npy` (seconds) and `states.npy`
  (+line on, -line off), `line` choosing the line;
- a SpikeGLX Neuropixels recording (`.meta` or `.bin` of an imec stream): a bit of its sync word (the stream's
  last saved channel, which Neo reads as the stream `<stream>-SYNC`), bit 6 by default (where the imec card
  records the sync pulse), on the probe's own clock.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._times import require_finite_increasing
from ..errors import SyncError, advice
from ..io.ephys import is_spikeglx, spikeglx_stream
from ..io.tables import TIME_COLUMN_NAMES, column_seconds_per_unit, find_column, read_delimited
from ..io.timeseries import read_timeseries
from .edges import Edges, detect_edges

STATE_COLUMN_NAMES = ("state", "states", "level", "value", "ttl")
# recordings read through the signal readers as sampled lines (a CSV or NPY may hold edge times instead)
RECORDING_SUFFIXES = (".h5", ".hdf5", ".hdf", ".npz", ".parquet", ".nwb")
LINE_CHUNK = 2**20  # rows of a recording on disk read at a time
PULSES_FILE = (
    "the rig's pulses: a column of edge times (CSV, TXT, .npy), a sampled sync line (CSV, NPY, HDF5, NPZ, Parquet, "
    "NWB) or an Open Ephys events folder"
)
OPEN_EPHYS_FILES = ("timestamps.npy", "states.npy")
SPIKEGLX_SYNC_BIT = 6  # the imec card's sync input in the sync word (SpikeGLX's documentation)


def read_pulses(
    path,
    *,
    time_unit: str | None = None,
    rate: float | None = None,
    threshold: float | None = None,
    line: int | None = None,
    channel: str | int | None = None,
    key: str | None = None,
) -> Edges:
    """The rig's sync edges from a file or folder (see the module's docstring for the formats).

    Parameters
    ----------
    path
        A `.csv`/`.tsv`/`.txt` table, a `.npy` array, or an Open Ephys TTL events folder.
    time_unit
        "s", "ms", "us" or "ns" of the times (default: a unit suffix of the time column's name, or of a
        `.npy` file's name such as `pulses_ms.npy`, else seconds).
    rate
        Samples per second of a sampled sync line without a time column (sample k at k / rate seconds).
    threshold
        The level between a sampled line's low and high (default: Otsu's).
    line
        Open Ephys: the TTL line (1-based, as the GUI numbers them; default the first seen). SpikeGLX: the bit of
        the sync word (0-based; default 6, the imec card's sync input).
    channel
        The channel of an analog recording that carries the sync line: its name, or its position (0-based);
        needed when the recording has several. Giving it reads the file as a sampled line.
    key
        The HDF5 dataset / NPZ member / NWB series of an analog recording (see `read_timeseries`).

    Returns
    -------
    Edges
        Rising and falling edge times in seconds on the rig's clock (falling empty when the file has only one
        kind of edge: those are taken as rising).

    Raises
    ------
    SyncError
        When the file holds nothing that reads as pulse times or a sync line (the message says what was found).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Pulses file not found: {path}.")
    if path.is_dir():
        return _open_ephys_events(path, line)
    if is_spikeglx(path):
        return _spikeglx_sync(path, line, channel, threshold)
    if channel is not None or key is not None or path.suffix.lower() in RECORDING_SUFFIXES:
        return _analog_line(path, channel, key, time_unit, rate, threshold)
    if path.suffix.lower() == ".npy":
        values = np.load(path, allow_pickle=False)
        if values.ndim != 1 or not np.issubdtype(values.dtype, np.number):
            raise SyncError(
                f"{path.name} holds a {values.dtype} array of shape {values.shape}; a pulses .npy is one column of "
                f"edge times (or, with {advice('pulses_rate')}, of sync line samples)."
            )
        values = values.astype(float)
        if rate is not None:
            return _sampled_line(values, np.arange(len(values)) / float(rate), threshold, path.name)
        return _edge_times(
            values * column_seconds_per_unit(path.stem, time_unit, path.name, SyncError), None, path.name
        )
    table = read_delimited(path, SyncError, expected=PULSES_FILE)
    time_column = find_column(table.columns, TIME_COLUMN_NAMES)
    if time_column is None and rate is None:
        numeric = [name for name in table.columns if np.issubdtype(table[name].dtype, np.number)]
        if len(numeric) != 1:
            raise SyncError(
                f"{path.name}: no time column among {list(map(str, table.columns))} (name it time, or time_ms ...), "
                f"or give the sample rate of a sync line ({advice('pulses_rate')})."
            )
        time_column = numeric[0]
    state_column = find_column(table.columns, STATE_COLUMN_NAMES)
    if rate is not None:
        others = [name for name in table.columns if name != time_column]
        if state_column is None and not others:
            raise SyncError(
                f"{path.name} holds edge times (its column {time_column!r}), not the samples of a sync line: a line "
                f"rate is for sampled lines. Leave out {advice('pulses_rate')}."
            )
        value_column = state_column or others[0]
        samples = table[value_column].to_numpy(dtype=float)
        return _sampled_line(samples, np.arange(len(samples)) / float(rate), threshold, path.name)
    times = table[time_column].to_numpy(dtype=float) * column_seconds_per_unit(
        time_column, time_unit, path.name, SyncError
    )
    if state_column is None:
        return _edge_times(times, None, path.name)
    states = table[state_column].to_numpy(dtype=float)
    if len(np.unique(states[np.isfinite(states)])) > 3:  # a sampled line, timed
        return _sampled_line(states, times, threshold, path.name)
    return _edge_times(times, states, path.name)


def _edge_times(times: np.ndarray, states: np.ndarray | None, name: str) -> Edges:
    """Edges from event times, split by `states` (> 0 on) when given."""
    require_finite_increasing(
        times, f"{name}: the pulse times", "rows", "Sort the pulses by time and remove repeats.", SyncError
    )
    if states is None:
        return Edges(times, np.empty(0))
    return Edges(times[states > 0], times[states <= 0])


def _sampled_line(values: np.ndarray, times: np.ndarray, threshold, name: str) -> Edges:
    return detect_edges(values, times, threshold=threshold, exposure=False, name=f"{name}'s sync line")


def _analog_line(path: Path, channel, key, time_unit, rate, threshold) -> Edges:
    """The edges of one channel of a recording read by the signal readers, thresholded."""
    signal = read_timeseries(path, key=key, time_unit=time_unit)
    names = list(signal.names)
    if channel is None and len(names) > 1:
        raise SyncError(
            f"{path.name} holds {len(names)} channels ({', '.join(names)}): choose the one carrying the sync line "
            f"({advice('pulses_channel')}), by name or position."
        )
    if channel is None:
        index = 0
    elif str(channel) in names:
        index = names.index(str(channel))
    elif isinstance(channel, int) or str(channel).isdigit():
        index = int(channel)
        if not 0 <= index < len(names):
            raise SyncError(
                f"{path.name} has channels 0..{len(names) - 1} ({', '.join(names)}), not {channel} "
                f"({advice('pulses_channel')})."
            )
    else:
        raise SyncError(
            f"{path.name} has no channel {channel!r}; its channels are {', '.join(names)} ({advice('pulses_channel')})."
        )
    if signal.times is not None:
        times = signal.times
    elif rate is not None:
        times = np.arange(signal.n_samples) / float(rate)
    else:
        raise SyncError(f"{path.name} has no sample times: give the recording's sample rate ({advice('pulses_rate')}).")
    values = _channel(signal, index, np.float32)
    return _sampled_line(values, times, threshold, f"{path.name} channel {names[index]}")


def _channel(signal, index: int, dtype) -> np.ndarray:
    """Channel `index` of `signal` as one array of `dtype`, read `LINE_CHUNK` rows at a time (a recording on disk
    is never read whole)."""
    return np.concatenate(
        [
            np.asarray(signal.values[start : start + LINE_CHUNK], dtype=dtype)[:, index]
            for start in range(0, signal.n_samples, LINE_CHUNK)
        ]
    )


def _spikeglx_sync(path: Path, line: int | None, channel, threshold) -> Edges:
    """The edges of a SpikeGLX recording's sync: a bit of an imec stream's sync word on the probe's own clock, or a
    digital line (or, with `channel`, an analog channel) of a NI-DAQ stream on the NI-DAQ's clock."""
    stream = spikeglx_stream(path)
    if stream.startswith("imec"):
        bit = SPIKEGLX_SYNC_BIT if line is None else line
        if not 0 <= bit < 16:
            raise SyncError(f"The sync word of {path.name} has bits 0..15, not {bit} ({advice('line')}).")
        return _word_bit(read_timeseries(path, key=f"{stream}-SYNC"), 0, bit, f"{path.name}'s sync word")
    if channel is not None:
        return _analog_line(path, channel, None, None, None, threshold)
    if stream != "nidq":
        raise SyncError(
            f"{path.name} is SpikeGLX's {stream} stream: choose the channel that carries the sync pulses "
            f"({advice('pulses_channel')})."
        )
    return _nidq_line(path, line)


def _nidq_line(path: Path, line: int | None) -> Edges:
    """The edges of digital line `line` of a NI-DAQ stream (default: the line SpikeGLX records the sync on), read
    as a bit of its digital words: word k (the channel "XDk") holds lines 16k..16k+15, line 0 in its lowest bit."""
    from probeinterface import parse_spikeglx_meta

    meta = parse_spikeglx_meta(path.with_suffix(".meta"))
    recorded = _line_numbers(meta.get("niXDChans1", ""))
    if not recorded:
        raise SyncError(
            f"{path.name} saved no digital lines (niXDChans1 is empty): its sync is on an analog channel; choose it "
            f"({advice('pulses_channel')})."
        )
    if line is None:
        if meta.get("syncNiChanType") != "0":  # 0: SpikeGLX records the sync on a digital line, syncNiChan
            raise SyncError(
                f"{path.name}'s header does not say which digital line carries the sync pulses: choose one of lines "
                f"{_ranges(recorded)} ({advice('line')}), or an analog channel ({advice('pulses_channel')})."
            )
        line = int(meta["syncNiChan"])
    if line not in recorded:
        raise SyncError(
            f"{path.name} saved the digital lines {_ranges(recorded)}, not line {line}: choose one of them "
            f"({advice('line')})."
        )
    signal = read_timeseries(path)
    words = [name.split(" ")[0] for name in signal.names]
    return _word_bit(signal, words.index(f"XD{line // 16}"), line % 16, f"{path.name}'s digital line {line}")


def _line_numbers(text: str) -> list[int]:
    """The lines of a SpikeGLX channel list such as "0:7" or "0,3,5:6"."""
    lines: list[int] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        first, _, last = item.partition(":")
        lines.extend(range(int(first), int(last or first) + 1))
    return lines


def _ranges(lines: list[int]) -> str:
    return f"{lines[0]}..{lines[-1]}" if lines == list(range(lines[0], lines[-1] + 1)) else ", ".join(map(str, lines))


def _word_bit(signal, index: int, bit: int, name: str) -> Edges:
    """The edges of bit `bit` of channel `index` of `signal`, a SpikeGLX word of 16 bits that Neo scales by a
    gain, on `signal`'s clock."""
    scaled = _channel(signal, index, np.float64)
    words = np.rint((scaled - signal.values.offset[index]) / signal.values.gain[index]).astype(np.int64)
    bits = (words >> bit) & 1  # the file's 16-bit integers, bit 15 their sign
    if bits.min() == bits.max():
        raise SyncError(
            f"Bit {bit} of {name} is always {'high' if bits[0] else 'low'}: the sync pulses are on another bit "
            f"({advice('line')}) or were not recorded."
        )
    return _sampled_line(bits.astype(np.float32), signal.times, 0.5, f"{name}, bit {bit}")


def _open_ephys_events(folder: Path, line: int | None) -> Edges:
    missing = [name for name in OPEN_EPHYS_FILES if not (folder / name).is_file()]
    if missing:
        raise SyncError(
            f"{folder} is not an Open Ephys TTL events folder: it lacks {', '.join(missing)}. Give the folder "
            "events/<processor>/TTL of a recording (Open Ephys GUI 0.6 or later, binary format)."
        )
    times = np.load(folder / "timestamps.npy", allow_pickle=False).astype(float)
    states = np.load(folder / "states.npy", allow_pickle=False).astype(int)
    if times.shape != states.shape:
        raise SyncError(f"{folder}: timestamps.npy ({times.shape}) and states.npy ({states.shape}) differ in length.")
    lines = sorted(set(np.abs(states).tolist()))
    line = lines[0] if line is None and lines else line
    if line not in lines:
        raise SyncError(f"{folder}: no TTL line {line}; its events are on lines {lines} ({advice('line')}).")
    chosen = np.abs(states) == line
    order = np.argsort(times[chosen], kind="stable")
    return _edge_times(times[chosen][order], states[chosen][order], f"{folder.name} line {line}")
