"""Spike (or any point-event) times of several units, for the plot panel's raster lanes.

Read from a long table (`unit, time`), a Loupe-style pair of arrays (`<name>_t.npy` times and
`<name>_y.npy` the unit of each spike), the units table of an NWB file, a phy / Kilosort output folder,
or a dict of unit -> times. Times are seconds on one clock: the video's, or a signal's when the scene is
told so (`labels_clock`).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path, PureWindowsPath

import numpy as np
import pandas as pd

from ..errors import ChronovizError, ChronovizWarning, LabelError, advice
from .ephys import OPEN_EPHYS_STRUCTURE, is_spikeglx, read_raw_ephys
from .nwb import is_nwb, read_nwb_units
from .tables import find_column, read_delimited, read_parquet, seconds_per_unit, unit_from_name

UNIT_NAMES = ("unit", "unit_id", "cluster", "cluster_id", "neuron", "cell", "id", "label")
TIME_NAMES = ("time", "t", "spike_time", "spike_times", "timestamp", "timestamps", "seconds")
PAIR_TIMES, PAIR_UNITS = "_t.npy", "_y.npy"
PHY_ORDERS = ("id", "depth", "rate")  # how a phy folder's units are ordered down the raster
PHY_GROUPS = ("cluster_group.tsv", "cluster_info.tsv", "cluster_KSLabel.tsv")  # phy's labels, then Kilosort's


@dataclass(frozen=True, eq=False)
class Spikes:
    """Spike times (seconds, sorted) and the unit each belongs to (an index into `names`)."""

    times: np.ndarray
    units: np.ndarray  # int, one per spike
    names: tuple[str, ...]
    source: str = ""
    clock: str = ""  # what the times count from, when the file does not say it in seconds (a phy folder's samples)

    @property
    def n_units(self) -> int:
        return len(self.names)

    def retimed(self, time_map) -> Spikes:
        """A copy with its times mapped by `time_map` (increasing), e.g. a signal's `Alignment.video_times`."""
        return replace(self, times=time_map(self.times))


def read_spikes(
    source,
    *,
    time_unit: str | None = None,
    good_only: bool = False,
    order: str = "id",
    start: float | None = None,
    rows: tuple[int, int] | None = None,
) -> Spikes:
    """Read spike times of several units.

    Parameters
    ----------
    source
        A CSV/TSV/Parquet long table or a DataFrame with a unit column (`unit`, `cluster`, `neuron`, `cell`,
        `id`, ...) and a time column (`time`, `t`, `spike_time`, `timestamp`, ...; a unit suffix such as
        `_ms` or ` (s)` sets the unit); a Loupe-style pair, given by either file, `<name>_t.npy` (times) and
        `<name>_y.npy` (the unit of each spike); an NWB file (its `units` table); a phy / Kilosort output
        folder (`spike_times.npy`, `spike_clusters.npy`, `params.py`, see `read_phy`); or a dict of unit
        name -> times.
    time_unit
        The unit of times whose column name carries none: "s" (default), "ms", "us", "ns", "min".
    good_only, order, start, rows
        A phy folder only: keep the units labelled "good", order them by "id", "depth" or "rate", place
        its sample 0 at `start` seconds (default: the recording it was sorted from), keep the rows
        `rows = (first, stop)` of that order (see `read_phy`).

    Returns
    -------
    Spikes
        Times in seconds sorted, each spike's unit, the unit names in the order of the raster's rows.

    Raises
    ------
    LabelError
        When the table has no unit or time column, times are missing, or the pair's arrays differ in length.
    """
    if isinstance(source, dict):
        return _from_columns(
            np.concatenate(
                [np.full(len(times), str(name), dtype=object) for name, times in source.items()]
                or [np.zeros(0, object)]
            ),
            np.concatenate([np.asarray(times, dtype=float) for times in source.values()] or [np.zeros(0)]),
            "the dict",
            time_unit,
        )
    if isinstance(source, pd.DataFrame):
        return _from_table(source, "the DataFrame", time_unit)
    if is_nwb(source):
        return _from_nwb(source)
    path = Path(source).expanduser()
    name = path.name
    if path.is_dir() or name == "params.py":
        folder = path if path.is_dir() else path.parent
        return read_phy(folder, good_only=good_only, order=order, start=start, rows=rows)
    if good_only or order != "id" or start is not None or rows is not None:
        raise LabelError(
            f"{path}: good_only, order, start and rows apply to a phy / Kilosort folder; leave them out here."
        )
    if name.endswith((PAIR_TIMES, PAIR_UNITS)):
        stem = name[: -len(PAIR_TIMES)]
        return _from_pair(path.with_name(stem + PAIR_TIMES), path.with_name(stem + PAIR_UNITS), time_unit)
    if not path.exists():
        raise FileNotFoundError(f"Spike file not found: {path}")
    table = (
        read_parquet(path, LabelError)
        if path.suffix.lower() in (".parquet", ".pq")
        else read_delimited(path, LabelError, expected="a spike times table (CSV, TSV or Parquet)")
    )
    return _from_table(table, str(path), time_unit)


def _from_table(table: pd.DataFrame, source: str, time_unit) -> Spikes:
    columns = []
    for names, what in ((UNIT_NAMES, "unit"), (TIME_NAMES, "time")):
        column = find_column(table.columns, names)
        if column is None:
            raise LabelError(
                f"{source} has no {what} column: its columns are {list(table.columns)}; expected one "
                f"named like {', '.join(names)} (one row per spike: unit, time)."
            )
        columns.append(column)
    unit_column, time_column = columns
    times = pd.to_numeric(table[time_column], errors="coerce").to_numpy(dtype=float)
    scale = seconds_per_unit(unit_from_name(time_column) or time_unit, f"{source} ({time_column!r})", LabelError)
    return _from_columns(table[unit_column].to_numpy(), times * scale, source, None)


def _from_pair(times_path: Path, units_path: Path, time_unit) -> Spikes:
    for path in (times_path, units_path):
        if not path.exists():
            raise FileNotFoundError(
                f"{path} not found: a spike pair is `<name>{PAIR_TIMES}` (times) and "
                f"`<name>{PAIR_UNITS}` (the unit of each spike), side by side."
            )
    times, units = np.load(times_path).ravel(), np.load(units_path).ravel()
    if len(times) != len(units):
        raise LabelError(
            f"{times_path.name} holds {len(times)} times but {units_path.name} {len(units)} units: "
            "they need one unit per spike."
        )
    return _from_columns(units, times, str(times_path), time_unit)


def _from_nwb(path) -> Spikes:
    times, units = read_nwb_units(path)
    return _from_columns(units, times, str(path), None)


def _from_columns(units: np.ndarray, times: np.ndarray, source: str, time_unit) -> Spikes:
    bad = np.flatnonzero(~np.isfinite(times))[:5].tolist()
    if bad:
        raise LabelError(f"{source}: missing or non-numeric spike times at rows {bad}.")
    times = times * seconds_per_unit(time_unit, source, LabelError)
    units = np.asarray(units)
    numeric = units.dtype.kind in "iuf"  # numeric ids sort as numbers (2 before 10), not as text
    ids, index = np.unique(units if numeric else units.astype(str), return_inverse=True)
    if not numeric:  # "unit 2" before "unit 10" too
        order = sorted(range(len(ids)), key=lambda i: _natural_key(ids[i]))
        index = np.argsort(order)[index]
        ids = ids[order]
    names = tuple(f"{unit:g}" if numeric else str(unit) for unit in ids)
    order = np.argsort(times, kind="stable")
    return Spikes(times[order], index.ravel()[order], names, source)


def _natural_key(name: str) -> list:
    """Sorts names with numbers in them by the numbers' values: "unit 2" before "unit 10"."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


def read_phy(
    folder,
    *,
    good_only: bool = False,
    order: str = "id",
    start: float | None = None,
    rows: tuple[int, int] | None = None,
) -> Spikes:
    """The sorted units of a phy / Kilosort output folder, as raster rows, on the clock of their recording.

    Parameters
    ----------
    folder
        The folder holding `spike_times.npy` (sample indices), `spike_clusters.npy` (each spike's cluster;
        Kilosort's `spike_templates.npy` when phy never ran), `params.py` (its `sample_rate` and `dat_path`) and
        optionally `cluster_group.tsv` / `cluster_info.tsv` / `cluster_KSLabel.tsv` (labels, depth, firing rate).
    good_only
        Keep only the clusters labelled "good" (phy's label, else Kilosort's).
    order
        The raster's rows top down: "id" (cluster id), "depth" (as on the probe: the largest distance from its
        tip first, the tip's units last; `cluster_info.tsv`'s depth, else the y of each template's largest
        channel from `templates.npy` and `channel_positions.npy`) or "rate" (highest firing rate first).
    start
        The time (seconds) of sample 0, the first sample of the sorted file, at `params.py`'s `sample_rate`.
        By default the clock of the recording `params.py`'s `dat_path` names (relative to the folder, or
        absolute; else found by its name in the folder or the folder's parent): a SpikeGLX `.bin` (beside its
        `.meta`) or an Open Ephys `continuous.dat` (in its recording's folder, with its `structure.oebin`)
        gives its first sample's time (`firstSample` / rate, the first sample number / rate) and its rate, as
        `read_timeseries` places the recording itself; any other file starts at 0 s.
    rows
        `(first, stop)`: only the units at these positions of the chosen order (after `good_only`), a page of a
        sorting with more units than a lane has pixel rows, e.g. `(0, 100)` for the 100 busiest by "rate", then
        `(100, 200)`; `stop` past the last unit ends at it.

    Returns
    -------
    Spikes
        Times in seconds, names "cluster <id>" in the chosen order, `clock` saying where the times count from.

    Raises
    ------
    LabelError
        When a file is missing or the files disagree (lengths, a rate that is not a number), the order
        needs a depth the folder does not give, or `rows` holds none of the units.

    Warns
    -----
    ChronovizWarning
        When `dat_path` names a recording that is not found or cannot be read: the spikes then start at 0 s,
        which is off the recording's own clock when it has one (SpikeGLX's `firstSample`); `start` sets it.
    """
    folder = Path(folder).expanduser()
    if order not in PHY_ORDERS:
        raise LabelError(f"Unknown order {order!r} for {folder}: use one of {', '.join(PHY_ORDERS)}.")
    params = _phy_params(folder)
    first, rate, clock = _phy_clock(folder, params, start)
    times = first + _load_column(folder / "spike_times.npy").astype(float) / rate
    clusters_file = folder / "spike_clusters.npy"
    if not clusters_file.exists():
        clusters_file = folder / "spike_templates.npy"
    clusters = _load_column(clusters_file).astype(np.int64)
    if len(clusters) != len(times):
        raise LabelError(
            f"{folder}: spike_times.npy holds {len(times)} spikes but {clusters_file.name} {len(clusters)}; they "
            "must be one per spike (the folder's files are from different sortings?)."
        )
    info = _phy_cluster_table(folder)
    ids = np.unique(clusters)
    if good_only:
        if "group" not in info:
            raise LabelError(
                f"{folder} has no cluster labels (cluster_group.tsv, cluster_info.tsv or cluster_KSLabel.tsv), so "
                f"there is no 'good' unit to keep: label units in phy, or {advice('good_only')}."
            )
        ids = ids[info["group"].reindex(ids).to_numpy() == "good"]
    ids = ids[_phy_order(folder, ids, clusters, times, info, order)]
    if rows is not None:
        ids = ids[_rows_slice(folder, rows, len(ids))]
    rank = np.full(int(clusters.max()) + 1 if len(clusters) else 1, -1)
    rank[ids] = np.arange(len(ids))
    units = rank[clusters]
    kept = units >= 0
    by_time = np.argsort(times[kept], kind="stable")
    names = tuple(f"cluster {cluster}" for cluster in ids)
    return Spikes(times[kept][by_time], units[kept][by_time], names, str(folder), clock)


def _rows_slice(folder: Path, rows, n_units: int) -> slice:
    """The slice of the ordered units `rows` = (first, stop) names, refused when it holds none of them."""
    first, stop = (int(row) for row in rows)
    if not 0 <= first < min(stop, n_units):
        raise LabelError(
            f"{folder}: units {first} to {stop} of its {n_units} are none of them; choose {advice('unit_rows')} with "
            f"0 <= FIRST < STOP and FIRST < {n_units}, e.g. 0 and {min(n_units, 100)}."
        )
    return slice(first, stop)


def _load_column(path: Path) -> np.ndarray:
    if not path.exists():
        raise LabelError(
            f"{path.parent} is read as a phy / Kilosort folder but has no {path.name}; it needs spike_times.npy, "
            "spike_clusters.npy (or spike_templates.npy) and params.py."
        )
    return np.load(path, allow_pickle=False).ravel()


def _phy_params(folder: Path) -> dict:
    """The literal values `params.py` assigns (the file is never run)."""
    params = folder / "params.py"
    if not params.exists():
        raise LabelError(
            f"{folder} has no params.py, which gives the spikes' sample_rate (e.g. sample_rate = 30000.0)."
        )
    values = {}
    for node in ast.parse(params.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    rate = values.get("sample_rate")
    if not isinstance(rate, (int, float)) or rate <= 0:
        raise LabelError(f"{params}: sample_rate must be a positive number of Hz, got {rate!r}.")
    return values


def _phy_clock(folder: Path, params: dict, start: float | None) -> tuple[float, float, str]:
    """Sample 0's time, the samples' rate and a line saying where they come from (see `read_phy`'s `start`)."""
    rate = float(params["sample_rate"])
    if start is not None:
        return float(start), rate, f"sample 0 at {start:g} s (given)"
    dat_path = params.get("dat_path")
    dat_path = dat_path[0] if isinstance(dat_path, (list, tuple)) and len(dat_path) == 1 else dat_path
    if not isinstance(dat_path, str) or not dat_path:
        return 0.0, rate, "sample 0 at 0 s (params.py names no dat_path)"
    recording = _sorted_recording(folder, dat_path)
    unplaced = (
        f"{folder}: its spikes are placed from 0 s (sample / params.py's sample_rate), which is off the clock of "
        "a recording with its own start (SpikeGLX's firstSample, Open Ephys' first sample number)"
    )
    if recording is None:
        warnings.warn(
            ChronovizWarning(
                f"{unplaced}: params.py's dat_path {dat_path!r} is not found. Put the recording back there (or beside "
                f"the folder), or give the time of sample 0: {advice('spikes_start')}."
            ),
            stacklevel=4,
        )
        return 0.0, rate, "sample 0 at 0 s (dat_path not found)"
    stream = _raw_stream_of(recording)
    if stream is None:
        return 0.0, rate, f"sample 0 at 0 s, the start of {recording.name}"
    try:
        times = read_raw_ephys(*stream).times
    except ChronovizError as error:
        warnings.warn(
            ChronovizWarning(
                f"{unplaced}: {recording} cannot be read ({error}); give the time of sample 0: "
                f"{advice('spikes_start')}."
            ),
            stacklevel=4,
        )
        return 0.0, rate, f"sample 0 at 0 s ({recording.name} unreadable)"
    if abs(times.rate - rate) > 1e-3 * rate:
        warnings.warn(
            ChronovizWarning(
                f"{folder}: params.py's sample_rate {rate:g} Hz is not the rate of {recording.name} "
                f"({times.rate:g} Hz), its dat_path: the spikes are placed at params.py's rate from the recording's "
                "start. Was it sorted from a resampled copy? Then give the time of its sample 0: "
                f"{advice('spikes_start')}."
            ),
            stacklevel=4,
        )
        return times.start, rate, f"sample 0 at {times.start:.6f} s, the start of {recording.name}"
    return times.start, times.rate, f"on the clock of {recording.name}, from {times.start:.6f} s"


def _sorted_recording(folder: Path, dat_path: str) -> Path | None:
    """The file `dat_path` names: as written (relative to the folder), else by its name in the folder or the
    folder's parent (a folder moved with its recording, or written on another computer); None when not found."""
    name = PureWindowsPath(dat_path).name if "\\" in dat_path else Path(dat_path).name
    for candidate in (folder / Path(dat_path).expanduser(), folder / name, folder.parent / name):
        if candidate.is_file():
            return candidate
    return None


def _raw_stream_of(recording: Path) -> tuple[Path, str | None] | None:
    """The file and stream `read_raw_ephys` reads for a sorted binary file, when it belongs to a recording with
    its own clock: a SpikeGLX `.bin` beside its `.meta`, or an Open Ephys `continuous/<stream>/continuous.dat`."""
    if is_spikeglx(recording):
        return recording, None
    structure = recording.parent.parent.parent / OPEN_EPHYS_STRUCTURE
    if recording.name == "continuous.dat" and recording.parent.parent.name == "continuous" and structure.is_file():
        return structure, recording.parent.name
    return None


def _phy_cluster_table(folder: Path) -> pd.DataFrame:
    """One row per cluster id: `group` (phy's label before Kilosort's), `depth`, `fr` where the files give them."""
    table = pd.DataFrame()
    for name in reversed(PHY_GROUPS):  # the later files' columns give way to the earlier ones'
        path = folder / name
        if not path.exists():
            continue
        found = pd.read_csv(path, sep="\t")
        key = "cluster_id" if "cluster_id" in found else "id" if "id" in found else None
        if key is None:
            raise LabelError(f"{path} has no cluster_id column; its columns are {list(found.columns)}.")
        found = found.set_index(found[key].astype(np.int64)).drop(columns=[key])
        if "KSLabel" in found and "group" not in found:
            found = found.rename(columns={"KSLabel": "group"})
        found = found.loc[:, ~found.columns.duplicated()]
        table = found.combine_first(table) if len(table) else found
    return table


def _phy_order(folder: Path, ids, clusters, times, info: pd.DataFrame, order: str) -> np.ndarray:
    """The positions of `ids` in raster order."""
    if order == "id":
        return np.arange(len(ids))
    if order == "rate":
        counts = np.bincount(clusters, minlength=int(ids.max()) + 1 if len(ids) else 1)[ids]
        return np.argsort(-counts, kind="stable")
    depth = info["depth"].reindex(ids).to_numpy(dtype=float) if "depth" in info else _template_depths(folder, ids)
    if np.isnan(depth).any():
        missing = ids[np.isnan(depth)][:5].tolist()
        raise LabelError(f"{folder}: no depth for clusters {missing}; order by 'id' or 'rate', or run phy once.")
    return np.argsort(-depth, kind="stable")


def _template_depths(folder: Path, ids) -> np.ndarray:
    """Each cluster's depth as the y of its template's largest channel (Kilosort: cluster = template)."""
    templates, positions = folder / "templates.npy", folder / "channel_positions.npy"
    if not (templates.exists() and positions.exists()):
        raise LabelError(
            f"{folder} gives no depth: it needs cluster_info.tsv (phy writes it) or templates.npy and "
            "channel_positions.npy (Kilosort's); order by 'id' or 'rate' instead."
        )
    shapes = np.load(templates, mmap_mode="r", allow_pickle=False)
    y = np.load(positions, allow_pickle=False)[:, 1]
    depth = np.full(len(ids), np.nan)
    inside = ids < len(shapes)
    peaks = np.abs(np.asarray(shapes[ids[inside]])).max(axis=1).argmax(axis=1)
    depth[inside] = y[peaks]
    return depth
