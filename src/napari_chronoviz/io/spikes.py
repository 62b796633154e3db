"""Spike (or any point-event) times of several units, for the plot panel's raster lanes.

Read from a long table (`unit, time`), a Loupe-style pair of arrays (`<name>_t.npy` times and
`<name>_y.npy` the unit of each spike), the units table of an NWB file, or a dict of unit -> times.
Times are seconds on one clock: the video's, or a signal's when the scene is told so (`labels_clock`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LabelError
from .nwb import is_nwb, read_nwb_units
from .tables import find_column, read_delimited, read_parquet, seconds_per_unit, unit_from_name

UNIT_NAMES = ("unit", "unit_id", "cluster", "cluster_id", "neuron", "cell", "id", "label")
TIME_NAMES = ("time", "t", "spike_time", "spike_times", "timestamp", "timestamps", "seconds")
PAIR_TIMES, PAIR_UNITS = "_t.npy", "_y.npy"


@dataclass(frozen=True, eq=False)
class Spikes:
    """Spike times (seconds, sorted) and the unit each belongs to (an index into `names`)."""

    times: np.ndarray
    units: np.ndarray  # int, one per spike
    names: tuple[str, ...]
    source: str = ""

    @property
    def n_units(self) -> int:
        return len(self.names)

    def retimed(self, time_map) -> Spikes:
        """A copy with its times mapped by `time_map` (increasing), e.g. a signal's `Alignment.video_times`."""
        return replace(self, times=time_map(self.times))


def read_spikes(source, *, time_unit: str | None = None) -> Spikes:
    """Read spike times of several units.

    Parameters
    ----------
    source
        A CSV/TSV/Parquet long table or a DataFrame with a unit column (`unit`, `cluster`, `neuron`, `cell`,
        `id`, ...) and a time column (`time`, `t`, `spike_time`, `timestamp`, ...; a unit suffix such as
        `_ms` or ` (s)` sets the unit); a Loupe-style pair, given by either file, `<name>_t.npy` (times) and
        `<name>_y.npy` (the unit of each spike); an NWB file (its `units` table); or a dict of unit name ->
        times.
    time_unit
        The unit of times whose column name carries none: "s" (default), "ms", "us", "ns", "min".

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
    if name.endswith((PAIR_TIMES, PAIR_UNITS)):
        stem = name[: -len(PAIR_TIMES)]
        return _from_pair(path.with_name(stem + PAIR_TIMES), path.with_name(stem + PAIR_UNITS), time_unit)
    if not path.exists():
        raise FileNotFoundError(f"Spike file not found: {path}")
    table = (
        read_parquet(path, LabelError)
        if path.suffix.lower() in (".parquet", ".pq")
        else read_delimited(path, LabelError)
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
