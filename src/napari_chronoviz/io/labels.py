"""Point events (`time, kind`) and labelled intervals (`start, end, label[, note]`), e.g. from BORIS or Loupe.

Times are seconds on one clock: the video's, or a signal's when the scene is told so (`labels_clock`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LabelError, advice
from .formats import PARQUET_SUFFIXES
from .nwb import is_nwb, nwb_intervals, nwb_labels
from .tables import (
    TIME_COLUMN_NAMES,
    column_seconds_per_unit,
    find_column,
    read_delimited,
    read_parquet,
    write_text_atomically,
)

EVENT_TIME_NAMES = ("time", "t", "timestamp", "onset", "seconds", "start")  # start: BORIS POINT rows
EVENT_KIND_NAMES = ("kind", "event", "type", "label", "name", "behavior", "behaviour")
START_NAMES = ("start", "start_time", "onset", "begin")
END_NAMES = ("end", "end_time", "stop", "stop_time", "offset")
DURATION_NAMES = ("duration",)
LABEL_NAMES = ("label", "behavior", "behaviour", "state", "kind", "name")
NOTE_NAMES = ("note", "notes", "comment", "comment start")
BORIS_TYPE_NAMES = (
    "behavior type",
    "status",
)  # aggregated exports: STATE / POINT; tabular events: START / STOP / POINT
BORIS_TYPES = {"STATE", "POINT", "START", "STOP"}
SIGNAL_LIKE_ROWS = 100  # a table of this many rows of numbers and no label column is a signal, not labels


@dataclass(frozen=True, eq=False)
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

    def subset(self, keep) -> Events:
        """The events where the boolean array `keep` is true (no source: they are no longer the file's)."""
        keep = np.asarray(keep, dtype=bool)
        return Events(self.times[keep], tuple(np.asarray(self.kinds, dtype=object)[keep]))

    def merged(self, other: Events | None) -> Events:
        """These events and `other`'s in one table, sorted by time (no source); self when `other` is None or empty."""
        if other is None or not len(other.times):
            return self
        times = np.concatenate([self.times, other.times])
        order = np.argsort(times, kind="stable")
        return Events(times[order], tuple(np.asarray((*self.kinds, *other.kinds), dtype=object)[order]))


@dataclass(frozen=True, eq=False)
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
        return pd.DataFrame(
            {"start": self.starts, "end": self.ends, "label": list(self.labels), "note": list(self.notes)}
        )

    def retimed(self, time_map) -> Intervals:
        """A copy with its starts and ends mapped by `time_map` (increasing), e.g. `Alignment.video_times`."""
        return replace(self, starts=time_map(self.starts), ends=time_map(self.ends))

    def subset(self, keep) -> Intervals:
        """The intervals where the boolean array `keep` is true (no source: they are no longer the file's)."""
        keep = np.asarray(keep, dtype=bool)
        labels, notes = (tuple(np.asarray(column, dtype=object)[keep]) for column in (self.labels, self.notes))
        return Intervals(self.starts[keep], self.ends[keep], labels, notes)

    def merged(self, other: Intervals | None) -> Intervals:
        """These intervals and `other`'s in one table, sorted by start (no source); self when `other` is None or
        empty."""
        if other is None or not len(other.starts):
            return self
        starts = np.concatenate([self.starts, other.starts])
        order = np.argsort(starts, kind="stable")
        labels, notes = (
            tuple(np.asarray(column, dtype=object)[order])
            for column in ((*self.labels, *other.labels), (*self.notes, *other.notes))
        )
        return Intervals(starts[order], np.concatenate([self.ends, other.ends])[order], labels, notes)


def read_events(source, *, time_unit: str | None = None) -> Events:
    """Read point events from a CSV/TSV/Parquet file or a DataFrame: a time column and a kind column.

    The time column is found by name (`time`, `t`, `timestamp`, `onset`), the kind column by name (`kind`,
    `event`, `type`, `label`, `behavior`) and is optional. BORIS exports (a `Behavior type` or `Status`
    column) keep only their POINT rows; with several subjects the kind is `subject: behavior`.

    The times are on the video's clock unless the scene ties the labels to a signal's (`labels_clock`).

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        The table, or its file.
    time_unit : {"s", "ms", "us", "ns"}, optional
        The unit of the time column. When given it wins over a unit suffix in the column's name
        (`time_ms`, `Time (s)`); when not, that suffix sets the unit, else seconds.

    Returns
    -------
    Events
        The events sorted by time, in seconds.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    LabelError
        When the table has no time column, a time is missing or not a number, or the unit is unknown.
    """
    table, name = _table(source, EVENTS_TABLE)
    boris_types = _boris_types(table)
    if boris_types is not None:
        table = table[(boris_types == "POINT").to_numpy()].reset_index(drop=True)
    else:
        _refuse_signal(table, name)
    time_column = _required(table, EVENT_TIME_NAMES, "time", name)
    kind_column = find_column([c for c in table.columns if c != time_column], EVENT_KIND_NAMES)
    times = _seconds(table[time_column], time_column, time_unit, name)
    kinds = _texts(table, kind_column, "event") if boris_types is None else _boris_labels(table, kind_column)
    order = np.argsort(times, kind="stable")
    return Events(times[order], tuple(kinds[i] for i in order), name)


def read_intervals(source, *, time_unit: str | None = None, key: str | None = None) -> Intervals:
    """Read labelled intervals from a CSV/TSV/Parquet file, a DataFrame, or an NWB file's interval table.

    Columns are found by name: start (`start`, `start_s`, BORIS's `Start (s)`), end (`end`, `stop`,
    `Stop (s)`) or `duration`, label (`label`, `behavior`, `state`) and an optional note (`note`,
    `comment`). BORIS exports: the aggregated one's STATE rows are intervals; the tabular events export
    (one row per START, STOP or POINT in `Behavior type` or `Status`, at `Time`) is sorted by time and each
    START is paired with the next STOP of the same subject and behavior. With several subjects the label is
    `subject: behavior`.

    The times are on the video's clock unless the scene ties the labels to a signal's (`labels_clock`).

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        The table, or its file.
    time_unit : {"s", "ms", "us", "ns"}, optional
        The unit of the start, end and duration columns. When given it wins over unit suffixes in the
        columns' names (`start_ms`, `Start (s)`); when not, each column's suffix sets its unit, else seconds.
    key : str, optional
        An NWB file's interval table by its path in the file ("intervals/trials"; see `read_nwb_intervals`);
        may be left out when the file holds one.

    Returns
    -------
    Intervals
        The intervals sorted by start, in seconds.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    LabelError
        When a needed column is missing, a time is missing or not a number, an interval ends before it
        starts, BORIS START and STOP rows do not pair up, or the unit is unknown.
    """
    if isinstance(source, (str, Path)) and is_nwb(source):
        return Intervals(**asdict(nwb_intervals(source, key)))
    table, name = _table(source, INTERVALS_TABLE)
    boris_types = _boris_types(table)
    tabular = boris_types is not None and (
        boris_types.isin(["START", "STOP"]).any() or find_column(table.columns, START_NAMES) is None
    )
    if tabular:  # a BORIS tabular events export, also one with only POINT rows or none
        return _paired_intervals(table, boris_types, name, time_unit)
    if boris_types is not None:
        table = table[(boris_types == "STATE").to_numpy()].reset_index(drop=True)
    else:
        _refuse_signal(table, name)
    one_time_per_row = find_column(table.columns, (*START_NAMES, *EVENT_TIME_NAMES)) is not None
    if one_time_per_row and find_column(table.columns, (*END_NAMES, *DURATION_NAMES)) is None:
        raise LabelError(
            f"{name} has one time per row and no end or duration column (its columns are {list(table.columns)}): "
            f"it looks like events. Add it as events ({advice('as_events')}); intervals need a start column "
            f"({', '.join(START_NAMES)}), an end ({', '.join(END_NAMES)}) or duration, and a label column."
        )
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
    labels = _texts(table, label_column, "interval") if boris_types is None else _boris_labels(table, label_column)
    return _sorted_intervals(starts, ends, labels, _texts(table, find_column(table.columns, NOTE_NAMES), ""), name)


def _sorted_intervals(starts, ends, labels: list[str], notes: list[str], name: str) -> Intervals:
    starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
    order = np.argsort(starts, kind="stable")
    return Intervals(starts[order], ends[order], tuple(labels[i] for i in order), tuple(notes[i] for i in order), name)


def _paired_intervals(table: pd.DataFrame, boris_types: pd.Series, name: str, time_unit) -> Intervals:
    """A BORIS tabular events export's START and STOP rows, sorted by time, paired per subject and behavior."""
    time_column = _required(table, ("time",), "time", name)
    behavior_column = _required(table, ("behavior", "behaviour"), "behavior", name)
    times = _seconds(table[time_column], time_column, time_unit, name)
    subjects = _texts(table, find_column(table.columns, ["subject"]), "")
    behaviors, labels = _texts(table, behavior_column, ""), _boris_labels(table, behavior_column)
    comments = _texts(table, find_column(table.columns, NOTE_NAMES), "")
    started: dict[tuple[str, str], int] = {}  # (subject, behavior) -> row of the START not stopped yet
    pairs = []
    for row in np.argsort(times, kind="stable"):
        key, kind = (subjects[row], behaviors[row]), boris_types[row]
        if kind == "START" and key in started:
            raise LabelError(
                f"{name}: {_who(key)} starts at {times[started[key]]:g} s and again at {times[row]:g} s "
                "without a STOP between. Add the missing STOP row, or code the behavior as a POINT event."
            )
        if kind == "START":
            started[key] = row
        elif kind == "STOP" and key not in started:
            raise LabelError(
                f"{name}: {_who(key)} stops at {times[row]:g} s without a START before it. Add the "
                "missing START row (BORIS writes one START and one STOP per state event)."
            )
        elif kind == "STOP":
            pairs.append((started.pop(key), row))
    if started:
        key, row = next(iter(started.items()))
        raise LabelError(
            f"{name}: {_who(key)} starts at {times[row]:g} s and never stops: there is no STOP row after "
            "it. Add the missing STOP row (BORIS writes one START and one STOP per state event)."
        )
    return _sorted_intervals(
        [times[start] for start, _ in pairs],
        [times[stop] for _, stop in pairs],
        [labels[start] for start, _ in pairs],
        [comments[start] for start, _ in pairs],
        name,
    )


def _who(key: tuple[str, str]) -> str:
    subject, behavior = key
    return f"behavior {behavior!r}" + (f" of subject {subject!r}" if subject else "")


def _boris_types(table: pd.DataFrame) -> pd.Series | None:
    """The upper-cased `Behavior type` / `Status` of a BORIS export (STATE, POINT, START, STOP), else None."""
    column = find_column(table.columns, BORIS_TYPE_NAMES)
    if column is None:
        return None
    types = table[column].astype(str).str.strip().str.upper()
    return types if types.isin(BORIS_TYPES).all() else None


def _boris_labels(table: pd.DataFrame, behavior_column) -> list[str]:
    """Each row's behavior, as `subject: behavior` when the export holds several subjects."""
    behaviors = _texts(table, behavior_column, "event")
    subject_column = find_column(table.columns, ["subject"])
    subjects = _texts(table, subject_column, "")
    if len(set(subjects)) < 2:
        return behaviors
    return [f"{subject}: {behavior}" for subject, behavior in zip(subjects, behaviors)]


EVENTS_TABLE = "an events table (CSV, TSV or Parquet with a time column and a kind column)"
INTERVALS_TABLE = "an intervals table (CSV, TSV or Parquet with start, end and label columns; a BORIS export)"


def _table(source, expected: str) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source, "the DataFrame"
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Label file not found: {path}")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return read_parquet(path, LabelError), str(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise LabelError(f"{path}: save the sheet as CSV (or TSV) to read it here.")
    return read_delimited(path, LabelError, words_are_text=True, expected=expected), str(path)


def _refuse_signal(table: pd.DataFrame, source: str) -> None:
    """A LabelError when `table` looks like a signal (a time column, a column of numbers, many rows, no column of
    labels nor of ends), which read as events would give one unnamed event per sample."""
    labelled = find_column(table.columns, (*EVENT_KIND_NAMES, *LABEL_NAMES, *END_NAMES, *DURATION_NAMES))
    if len(table) < SIGNAL_LIKE_ROWS or labelled is not None:
        return
    time_column = find_column(table.columns, (*EVENT_TIME_NAMES, *TIME_COLUMN_NAMES))
    values = [c for c in table.columns if c != time_column and pd.api.types.is_numeric_dtype(table[c])]
    if time_column is None or not values:
        return
    raise LabelError(
        f"{source} looks like a signal, not labels: {len(table)} rows of numbers in {values[0]!r} over "
        f"{time_column!r}, and no column of labels. Add it as a signal ({advice('as_signals')}). Events need a time "
        "column and a kind column (kind, event, label, ...); intervals a start, an end (or duration) and a label "
        "column."
    )


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
    return values * column_seconds_per_unit(name, time_unit, f"{source} ({name!r})", LabelError)


def _texts(table: pd.DataFrame, column, default: str) -> list[str]:
    if column is None:
        return [default] * len(table)
    return [default if pd.isna(value) else str(value) for value in table[column]]  # an empty column reads as NaN


LABEL_FORMATS = ("loupe", "boris")  # Loupe's legacy CSV; BORIS's tabular events export (TSV)
LOUPE_INTERVAL_COLUMNS = ("start_s", "end_s", "label", "note")
LOUPE_EVENT_COLUMNS = ("time_s", "kind")
BORIS_TABULAR_WRITTEN = ("Subject", "Behavior", "Behavior type", "Time", "Comment")


def write_intervals(intervals: Intervals, path, *, format: str = "loupe", overwrite: bool = False) -> Path:
    """Write labelled intervals so that `read_intervals` reads back the same starts, ends, labels and notes.

    Parameters
    ----------
    intervals : Intervals
        The intervals, in seconds.
    path : str or Path
        The file to write; written to a temporary file in the same folder first, then renamed over it, so
        a crash never leaves half a file.
    format : {"loupe", "boris"}
        "loupe": CSV with columns `start_s, end_s, label, note`. "boris": BORIS's tabular events export (TSV,
        one START and one STOP row per interval, the note as the START row's comment).
    overwrite : bool
        Replace an existing file. Without it an existing file is an error, so no input is overwritten by accident.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    FileExistsError
        When the file exists and `overwrite` is False.
    LabelError
        When the format is unknown.
    """
    if format == "boris":
        return write_boris_tabular(path, intervals=intervals, overwrite=overwrite)
    _check_format(format)
    rows = [
        (repr(float(start)), repr(float(end)), label, note)
        for start, end, label, note in zip(intervals.starts, intervals.ends, intervals.labels, intervals.notes)
    ]
    return _write_table(path, LOUPE_INTERVAL_COLUMNS, rows, ",", overwrite)


def write_events(events: Events, path, *, format: str = "loupe", overwrite: bool = False) -> Path:
    """Write point events so that `read_events` reads back the same times and kinds.

    Parameters
    ----------
    events : Events
        The events, in seconds.
    path : str or Path
        The file to write, through a temporary file in the same folder renamed over it.
    format : {"loupe", "boris"}
        "loupe": CSV with columns `time_s, kind`. "boris": BORIS's tabular events export (TSV, POINT rows).
    overwrite : bool
        Replace an existing file; without it an existing file is an error.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    FileExistsError
        When the file exists and `overwrite` is False.
    LabelError
        When the format is unknown.
    """
    if format == "boris":
        return write_boris_tabular(path, events=events, overwrite=overwrite)
    _check_format(format)
    rows = [(repr(float(time)), kind) for time, kind in zip(events.times, events.kinds)]
    return _write_table(path, LOUPE_EVENT_COLUMNS, rows, ",", overwrite)


def write_boris_tabular(
    path, *, intervals: Intervals | None = None, events: Events | None = None, overwrite: bool = False
) -> Path:
    """Write intervals and events into one BORIS tabular events export (TSV), which both `read_intervals`
    and `read_events` read back exactly.

    Each interval is a START and a STOP row (its note the START's comment), each event a POINT row, sorted
    by time; at one time a STOP comes before a START, so back-to-back bouts of one behavior pair up again.

    Parameters
    ----------
    path : str or Path
        The file to write, through a temporary file in the same folder renamed over it.
    intervals : Intervals, optional
        The states.
    events : Events, optional
        The points.
    overwrite : bool
        Replace an existing file; without it an existing file is an error.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    FileExistsError
        When the file exists and `overwrite` is False.
    """
    rows = []  # (time, order at that time, row)
    if intervals is not None:
        for start, end, label, note in zip(intervals.starts, intervals.ends, intervals.labels, intervals.notes):
            rows.append((start, 1, ("", label, "START", repr(float(start)), note)))
            rows.append((end, 0 if end > start else 2, ("", label, "STOP", repr(float(end)), "")))
    if events is not None:
        rows += [
            (time, 1, ("", kind, "POINT", repr(float(time)), "")) for time, kind in zip(events.times, events.kinds)
        ]
    rows.sort(key=lambda row: row[:2])
    return _write_table(path, BORIS_TABULAR_WRITTEN, [row for _, _, row in rows], "\t", overwrite)


def _check_format(format: str) -> None:
    if format not in LABEL_FORMATS:
        raise LabelError(f"Unknown label file format {format!r}: use {' or '.join(map(repr, LABEL_FORMATS))}.")


def _write_table(path, columns, rows, delimiter: str, overwrite: bool) -> Path:
    import csv
    import io

    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return write_text_atomically(path, text.getvalue(), overwrite=overwrite)


def read_nwb_labels(path) -> tuple[Intervals | None, Events | None]:
    """The bouts and point events the Label behaviors dock wrote to an NWB labels file (`write_nwb_labels`),
    each None when the file holds none.

    Raises
    ------
    LabelError
        When the file holds no chronoviz labels.
    """
    bouts, points = nwb_labels(path)
    intervals = None if bouts is None else Intervals(**asdict(bouts))
    events = None if points is None else Events(points.starts, points.labels, points.source)
    return intervals, events
