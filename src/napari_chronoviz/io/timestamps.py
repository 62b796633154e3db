"""Per-frame timestamps written by recording systems, read as seconds (one per frame).

Times are returned on the clock the file uses (wall-clock files give seconds since the Unix epoch); the
timeline subtracts offsets, this module only reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FrameTimesError
from .formats import ARROW_SUFFIXES
from .tables import (
    TIME_COLUMN_NAMES,
    find_column,
    first_data_line,
    read_arrow,
    read_delimited,
    seconds_per_unit,
    unit_from_name,
)

_ATARAXIS_KEY = re.compile(r"^(\d{3})_(\d{20})$")
FRAME_TIMES_FILE = "a frame times file: one time per frame in a text column (CSV, TSV, SSV) or a .npy"
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}")


def read_frame_times(path: str | Path, *, source_id: int | None = None, time_unit: str | None = None) -> np.ndarray:
    """Read per-frame timestamps and return them in seconds, one per frame.

    Understands:

    - `.npy`: a 1-D array of times.
    - `.csv`/`.tsv`/`.txt`/`.ssv`/`.dat` (and any other suffix, read as text): one column of times, with or
      without a header, or a table with a column named like `time`/`timestamp`.
    - `.feather`/`.arrow` tables (Arrow IPC, as ataraxis writes frame times), read by pandas: one column,
      or a column named like `time`.
    - camera logs such as `_iblrig_*.timestamps.ssv`: an ISO-8601 time per line, then other columns;
      returned as seconds since the Unix epoch.
    - imgstore stores (`metadata.yaml`, the store folder) and chunk indexes (`000000.npz`): the stored
      `frame_time` of every frame.
    - ataraxis DataLogger archives (`<id>_log.npz`): onset plus elapsed microseconds of each frame entry
      of `source_id` (required when the archive holds several sources); a DataLogger's log folder stands for
      the archive in it (`<source_id>_log.npz` when it holds several).

    The unit of numeric times: `time_unit` when given, else a unit suffix of the time column's name
    (`time_us`), else of the file's name (`frame_times_us.npy`, `_ms`, `_ns`, `_s`), else seconds.

    Parameters
    ----------
    path : str or Path
        The timestamp file, an imgstore's folder or a DataLogger's log folder.
    source_id : int, optional
        The camera's source id in an ataraxis DataLogger archive that holds several sources.
    time_unit : {"s", "ms", "us", "ns"}, optional
        The unit of the times in a `.npy` or a table. When given it wins over unit suffixes in the column's
        and the file's names. ISO-8601 logs, imgstore indexes and DataLogger archives fix their own unit and
        refuse it.

    Returns
    -------
    numpy.ndarray
        Seconds, one per frame, on the clock the file uses.

    Raises
    ------
    FileNotFoundError
        When `path` does not exist.
    FrameTimesError
        When the file holds no frame times chronoviz understands, `time_unit` is unknown, or `time_unit`
        is given for a file that fixes its own unit.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Frame timestamp file not found: {path}")
    scale = seconds_per_unit(time_unit, str(path), FrameTimesError)  # an unknown unit fails before reading
    from .imgstore import is_imgstore, read_imgstore_index

    if is_imgstore(path):
        _refuse_time_unit(path, time_unit, "an imgstore stores its frame times in seconds")
        return read_imgstore_index(path)["frame_time"]
    if path.is_dir():
        path = _datalogger_archive(path, source_id)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        times = np.load(path, allow_pickle=False)
        if times.ndim != 1 or not np.issubdtype(times.dtype, np.number):
            raise FrameTimesError(
                f"{path} must hold a 1-D numeric array of frame times, got {times.dtype} {times.shape}."
            )
        return times.astype(float) * (scale if time_unit else _name_unit_scale(path, path.stem))
    if suffix == ".npz":
        _refuse_time_unit(path, time_unit, "imgstore indexes and DataLogger archives fix their own units")
        return _read_npz_times(path, source_id)
    if suffix in ARROW_SUFFIXES:
        return _times_from_table(read_arrow(path, FrameTimesError), path, time_unit)
    return _read_text_times(path, time_unit)


def _name_unit_scale(path: Path, *names) -> float:
    """Seconds per unit of the first of `names` (a column's, then the file's) that ends in a unit suffix."""
    unit = next((found for found in map(unit_from_name, names) if found), None)
    return seconds_per_unit(unit, f"{path} (unit from the name)", FrameTimesError)


def _datalogger_archive(folder: Path, source_id: int | None) -> Path:
    """The DataLogger archive in a log folder: its only `*_log.npz`, or `source_id`'s."""
    archives = sorted(folder.glob("*_log.npz"))
    if len(archives) == 1:
        return archives[0]
    if archives and source_id is not None:
        chosen = [archive for archive in archives if archive.name.split("_")[0] in (str(source_id), f"{source_id:03d}")]
        if chosen:
            return chosen[0]
    names = ", ".join(archive.name for archive in archives[:8])
    if archives:
        raise FrameTimesError(
            f"{folder} is a DataLogger folder with several archives ({names}). Pass the camera's archive "
            "itself, or source_id= with the camera's source id."
        )
    raise FrameTimesError(
        f"{folder} is a folder without frame times chronoviz reads: no imgstore metadata.yaml and no DataLogger "
        "archive (<id>_log.npz; DataLogger writes them when its logs are assembled). Pass the timestamp file itself "
        "(.npy, .csv, .feather, a camera log or a <id>_log.npz archive)."
    )


def _refuse_time_unit(path: Path, time_unit: str | None, reason: str) -> None:
    """Raise when a unit is given for a file whose format fixes its unit: it cannot win there."""
    if time_unit is not None:
        raise FrameTimesError(
            f"time_unit={time_unit!r} cannot apply to {path}: {reason}. Leave time_unit out for this file."
        )


def _read_npz_times(path: Path, source_id: int | None) -> np.ndarray:
    with np.load(path, allow_pickle=False) as archive:
        keys = archive.files
        if "frame_time" in keys:
            return archive["frame_time"].astype(float)
        if keys and all(_ATARAXIS_KEY.match(key) for key in keys):
            return _read_ataraxis_log(path, archive, source_id)
    raise FrameTimesError(
        f"{path} is neither an imgstore chunk index (needs a 'frame_time' array) nor an ataraxis DataLogger "
        f"archive (keys like '051_00000000000000000123'); it holds {keys[:8]}."
    )


def _read_ataraxis_log(path: Path, archive, source_id: int | None) -> np.ndarray:
    keys_by_source: dict[int, list[str]] = {}
    for key in archive.files:
        keys_by_source.setdefault(int(_ATARAXIS_KEY.match(key).group(1)), []).append(key)
    if source_id is None:
        if len(keys_by_source) > 1:
            counts = ", ".join(f"{source} ({len(keys)} entries)" for source, keys in sorted(keys_by_source.items()))
            raise FrameTimesError(
                f"{path} holds entries from several sources: {counts}. Pass source_id= to choose the camera."
            )
        source_id = next(iter(keys_by_source))
    if source_id not in keys_by_source:
        raise FrameTimesError(f"{path} has no entries for source {source_id}; it has {sorted(keys_by_source)}.")
    onset_us = None
    elapsed_us = []
    for key in sorted(keys_by_source[source_id]):
        entry = archive[key]
        if entry.dtype != np.uint8 or entry.ndim != 1 or len(entry) < 9:
            raise FrameTimesError(f"{path}: entry {key} is not a DataLogger record (uint8, at least 9 bytes).")
        elapsed = int(entry[1:9].view("<u8")[0])
        if elapsed == 0 and len(entry) >= 17:
            onset_us = int(entry[9:17].view("<u8")[0])
        else:
            elapsed_us.append(elapsed)
    if onset_us is None:
        raise FrameTimesError(
            f"{path}: source {source_id} has no onset entry (elapsed 0 with the UTC onset), so its frame times "
            "cannot be placed in time. Is the archive complete?"
        )
    return (onset_us + np.asarray(elapsed_us, dtype=np.float64)) / 1e6


def _read_text_times(path: Path, time_unit: str | None) -> np.ndarray:
    first_field = re.split(r"[\s,;]+", first_data_line(path, FrameTimesError, FRAME_TIMES_FILE).strip())[0]
    if _ISO_TIME.match(first_field):
        _refuse_time_unit(path, time_unit, "its ISO-8601 times are wall-clock dates, read as seconds since the epoch")
        table = pd.read_csv(path, sep=r"\s+", header=None, usecols=[0], dtype=str, engine="python")
        stamps = pd.to_datetime(table[0], format="ISO8601", utc=True)
        return (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    return _times_from_table(read_delimited(path, FrameTimesError, expected=FRAME_TIMES_FILE), path, time_unit)


def _times_from_table(table: pd.DataFrame, path: Path, time_unit: str | None) -> np.ndarray:
    """The frame times of a table: its only column, or the one named like a time, in seconds."""
    column = table.columns[0] if table.shape[1] == 1 else find_column(table.columns, TIME_COLUMN_NAMES)
    if column is None:
        raise FrameTimesError(
            f"{path} has {table.shape[1]} columns {list(table.columns)[:8]} and none is named like a time "
            f"({', '.join(TIME_COLUMN_NAMES)}). Save the frame times as a single column or name the column 'time'."
        )
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values))[0])
        raise FrameTimesError(f"{path}: column {column!r} has a non-numeric value at data row {row}.")
    if time_unit is not None:
        return values * seconds_per_unit(time_unit, f"{path} ({column!r})", FrameTimesError)
    return values * _name_unit_scale(path, str(column), path.stem)
