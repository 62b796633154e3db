"""Point events (`time, kind`) and labelled intervals (`start, end, label[, note]`), e.g. from BORIS or Loupe."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LabelError
from .tables import find_column, read_delimited, read_parquet, seconds_per_unit, unit_from_name

EVENT_TIME_NAMES = ("time", "t", "timestamp", "onset", "seconds", "start")  # start: BORIS POINT rows
EVENT_KIND_NAMES = ("kind", "event", "type", "label", "name", "behavior", "behaviour")
START_NAMES = ("start", "start_time", "onset", "begin")
END_NAMES = ("end", "end_time", "stop", "stop_time", "offset")
DURATION_NAMES = ("duration",)
LABEL_NAMES = ("label", "behavior", "behaviour", "state", "kind", "name")
NOTE_NAMES = ("note", "notes", "comment", "comment start")


@dataclass(frozen=True)
class Events:
    """Point events: one time (seconds) and one kind per event, sorted by time."""

    times: np.ndarray
    kinds: tuple[str, ...]
    source: str = ""

    def to_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame({"time": self.times, "kind": list(self.kinds)})

    def retimed(self, time_map) -> Events:
        """A copy with its times mapped by `time_map` (increasing), e.g. a signal's `Alignment.video_times`."""
        return replace(self, times=time_map(self.times))


@dataclass(frozen=True)
class Intervals:
    """Labelled half-open intervals [start, end) in seconds, sorted by start."""

    starts: np.ndarray
    ends: np.ndarray
    labels: tuple[str, ...]
    notes: tuple[str, ...]
    source: str = ""

    def label_at(self, time: float) -> str | None:
        """The label of the (first) interval containing `time`, or None."""
        inside = np.flatnonzero((self.starts <= time) & (time < self.ends))
        return self.labels[inside[0]] if len(inside) else None

    def to_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame({"start": self.starts, "end": self.ends, "label": list(self.labels), "note": list(self.notes)})

    def retimed(self, time_map) -> Intervals:
        """A copy with its starts and ends mapped by `time_map` (increasing), e.g. `Alignment.video_times`."""
        return replace(self, starts=time_map(self.starts), ends=time_map(self.ends))


def read_events(source, *, time_unit: str | None = None) -> Events:
    """Read point events from a CSV/TSV/Parquet file or a DataFrame: a time column and a kind column.

    The time column is found by name (`time`, `t`, `timestamp`, `onset`; a `_ms`-style suffix sets the
    unit, else `time_unit`, else seconds); the kind column by name (`kind`, `event`, `type`, `label`,
    `behavior`) and is optional. BORIS tabular exports with `Behavior type` keep only POINT rows.
    """
    table, name = _boris_rows(*_table(source), "POINT")
    time_column = _required(table, EVENT_TIME_NAMES, "time", name)
    kind_column = find_column([c for c in table.columns if c != time_column], EVENT_KIND_NAMES)
    times = _seconds(table[time_column], time_column, time_unit, name)
    kinds = table[kind_column].astype(str).tolist() if kind_column is not None else ["event"] * len(times)
    order = np.argsort(times, kind="stable")
    return Events(times[order], tuple(kinds[i] for i in order), name)


def read_intervals(source, *, time_unit: str | None = None) -> Intervals:
    """Read labelled intervals from a CSV/TSV/Parquet file or a DataFrame.

    Columns are found by name: start (`start`, `start_s`, BORIS's `Start (s)`), end (`end`, `stop`,
    `Stop (s)`) or `duration`, label (`label`, `behavior`, `state`) and an optional note (`note`,
    `comment`). Units come from the names' suffixes, else `time_unit`, else seconds.
    """
    table, name = _boris_rows(*_table(source), "STATE")
    start_column = _required(table, START_NAMES, "start", name)
    end_column = find_column(table.columns, END_NAMES)
    starts = _seconds(table[start_column], start_column, time_unit, name)
    if end_column is not None:
        ends = _seconds(table[end_column], end_column, time_unit, name)
    else:
        duration_column = _required(table, DURATION_NAMES, "end or duration", name)
        ends = starts + _seconds(table[duration_column], duration_column, time_unit, name)
    reversed_rows = np.flatnonzero(ends < starts)[:5].tolist()
    if reversed_rows:
        raise LabelError(
            f"{name}: intervals at rows {reversed_rows} end before they start (e.g. {starts[reversed_rows[0]]:g} to "
            f"{ends[reversed_rows[0]]:g} s). Check that the start and end columns are not swapped."
        )
    label_column = find_column(table.columns, LABEL_NAMES)
    note_column = find_column(table.columns, NOTE_NAMES)
    labels = _texts(table, label_column, "interval")
    notes = _texts(table, note_column, "")
    order = np.argsort(starts, kind="stable")
    return Intervals(starts[order], ends[order], tuple(labels[i] for i in order), tuple(notes[i] for i in order), name)


def _table(source) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source, "the DataFrame"
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Label file not found: {path}")
    if path.suffix.lower() in (".parquet", ".pq"):
        return read_parquet(path, LabelError), str(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise LabelError(f"{path}: save the sheet as CSV (or TSV) to read it here.")
    return read_delimited(path, LabelError), str(path)


def _boris_rows(table: pd.DataFrame, name: str, behavior_type: str) -> tuple[pd.DataFrame, str]:
    """BORIS exports mark each row POINT or STATE in `Behavior type`: keep the rows of one type."""
    column = find_column(table.columns, ["behavior type"])
    if column is None:
        return table, name
    keep = table[column].astype(str).str.strip().str.upper() == behavior_type
    return table[keep].reset_index(drop=True), name


def _required(table: pd.DataFrame, names, what: str, source: str):
    column = find_column(table.columns, names)
    if column is None:
        raise LabelError(
            f"{source} has no {what} column: its columns are {list(table.columns)}; expected one named like "
            f"{', '.join(names)} (a unit suffix such as '_s' or ' (s)' is allowed)."
        )
    return column


def _seconds(column: pd.Series, name, time_unit, source: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))[:5].tolist()
    if bad:
        raise LabelError(f"{source}: column {name!r} has missing or non-numeric times at rows {bad}.")
    return values * seconds_per_unit(unit_from_name(name) or time_unit, f"{source} ({name!r})", LabelError)


def _texts(table: pd.DataFrame, column, default: str) -> list[str]:
    if column is None:
        return [default] * len(table)
    return table[column].fillna(default).astype(str).tolist()
