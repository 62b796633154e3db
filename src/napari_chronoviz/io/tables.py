"""Delimited text tables and named columns: the parsing shared by the time series, label and timestamp readers.

pandas is imported by the functions that build tables, so that the napari reader can sniff a table's first
lines with these rules without loading it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ChronovizError, OutputExistsError, advice

if TYPE_CHECKING:
    import pandas as pd

UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
TIME_COLUMN_NAMES = ("time", "times", "t", "timestamp", "timestamps", "seconds", "frame_time", "frame_times")
FRAME_COLUMN_NAMES = ("frame", "frames", "frame_idx", "frame_index", "frame_number")
_UNIT_SUFFIX = re.compile(r"(?:[_ ]+[(\[]?|[(\[])(s|sec|ms|us|µs|ns)[)\]]?$")
_UNIT_ALIASES = {"sec": "s", "µs": "us"}
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
TEXT_TABLE = "a text table (CSV, TSV)"  # what a table reader expects, unless its caller says more


def read_delimited(
    path: Path, error=ChronovizError, *, words_are_text: bool = False, expected: str = TEXT_TABLE
) -> pd.DataFrame:
    """Read a CSV/TSV/SSV table: delimiter sniffed from the first data line, header kept when it is not numbers.

    A binary file (HDF5, a video, ...) is a `error` saying what it is and to choose `expected` (e.g. "an events
    table (time, kind)") instead. Lines starting with '#' are comments. Rows with a different number of fields
    than the header raise a `error` naming the line, instead of being silently padded or cut. Empty cells are
    missing (NaN); so are pandas' missing-value words ("NA", "null", "NaN", ...) unless `words_are_text`, for
    tables of names and notes where "NA" may be a behavior's name.
    """
    import pandas as pd

    first_line = first_data_line(path, error, expected)
    separator = delimiter_of(first_line)
    has_header = not is_number(split_fields(first_line, separator)[0])
    _check_field_counts(path, separator, error)
    # Whole-line comments only: pandas' comment="#" would also cut cells such as BORIS's "player #1:video.mp4".
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        text = "".join(line for _, line in _data_lines(handle))
    missing = {"keep_default_na": False, "na_values": [""]} if words_are_text else {}
    header = 0 if has_header else None
    return pd.read_csv(io.StringIO(text), sep=separator, header=header, **_exact_floats(pd), **missing)


def _exact_floats(pd) -> dict:
    """`read_csv`'s option that reads numbers back exactly as written: before pandas 3 the default parser was off
    by up to a unit in the last place unless asked for "round_trip", which pandas 3 (exact by default) deprecates."""
    return {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def read_parquet(path: Path, error=ChronovizError) -> pd.DataFrame:
    """A Parquet table through pandas; a clear `error` when pyarrow (which pandas needs for it) is missing."""
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except ImportError as missing:
        raise error(
            f"Reading {path} needs pyarrow, which is not installed: `pip install pyarrow` (or save the table as CSV)."
        ) from missing


def read_arrow(path: Path, error=ChronovizError) -> pd.DataFrame:
    """A Feather / Arrow IPC table through pandas; a clear `error` when pyarrow (which pandas needs for it) is
    missing."""
    import pandas as pd

    try:
        return pd.read_feather(path)
    except ImportError as missing:
        raise error(
            f"Reading {path} needs pyarrow, which is not installed: `pip install pyarrow` (or save the table as CSV)."
        ) from missing


def is_data_line(line: str) -> bool:
    """Whether a line of a table holds data: it is neither blank nor a '#' comment."""
    return bool(line.strip()) and not line.startswith("#")


def first_data_line(path: Path, error=ChronovizError, expected: str = TEXT_TABLE) -> str:
    """The first line that is neither blank nor a '#' comment; an `error` when there is none, or when the file is
    binary (`binary_kind`), which says to choose `expected` instead."""
    kind = binary_kind(path)
    if kind is not None:
        raise error(f"{Path(path).name} is {kind}, not a text table: choose {expected}.")
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if is_data_line(line):
                return line
    raise error(f"{path} is empty: it holds no data rows.")


def binary_kind(path) -> str | None:
    """What a file that is not UTF-8 text is, from its first KiB: "an HDF5 (NWB?) file", "a video", UTF-16 text or
    "a binary file"; None for text."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if head.startswith(HDF5_SIGNATURE):
        return "an HDF5 (NWB?) file"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # NUL bytes, but text: Excel's "Unicode text"
        return "UTF-16 text (save it as UTF-8 CSV)"
    is_mp4 = head[4:8] == b"ftyp"  # MP4, MOV: an ISO base media file starts with its 'ftyp' box
    is_avi = head[:4] == b"RIFF" and head[8:12] == b"AVI "
    is_matroska = head.startswith(b"\x1a\x45\xdf\xa3")  # MKV, WebM (EBML)
    if is_mp4 or is_avi or is_matroska:
        return "a video"
    return "a binary file" if b"\0" in head else None


def delimiter_of(line: str) -> str:
    r"""The delimiter of a table whose first data line is `line`: ',', tab or ';' when it holds one, else
    runs of whitespace (the regular expression `\s+`)."""
    return next((mark for mark in (",", "\t", ";") if mark in line), r"\s+")


def split_fields(line: str, delimiter: str) -> list[str]:
    """The fields of one line of a table, split by `delimiter` (from `delimiter_of`), CSV quotes honoured."""
    return line.split() if delimiter == r"\s+" else next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter))


def _data_lines(handle) -> Iterable[tuple[int, str]]:
    """(number, line) of a table's data lines: blank and '#' lines are skipped between rows, but kept inside a
    quoted value that spans lines (a note with a newline), where an odd count of quotes leaves a quote open."""
    inside_quotes = False
    for number, line in enumerate(handle, 1):
        if inside_quotes or is_data_line(line):
            yield number, line
        inside_quotes ^= line.count('"') % 2 == 1


def _records(handle, separator: str) -> Iterable[tuple[int, list[str]]]:
    """(first line number, fields) of each row of a table; a quoted value may span lines."""
    lines = list(_data_lines(handle))
    if separator == r"\s+":
        yield from ((number, line.split()) for number, line in lines)
        return
    reader = csv.reader((line for _, line in lines), delimiter=separator)
    consumed = 0
    for fields in reader:
        yield lines[consumed][0], fields
        consumed = reader.line_num


def _check_field_counts(path: Path, separator: str, error) -> None:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        expected = None
        for number, fields in _records(handle, separator):
            if expected is None:
                expected, first_number = len(fields), number
            elif len(fields) != expected:
                raise error(
                    f"{path}: line {number} has {len(fields)} fields but line {first_number} has {expected} "
                    f"(ragged rows). Every row needs the same columns; fix or remove line {number} (an unquoted "
                    "delimiter inside a value, or a truncated last line, are the usual causes)."
                )


def value_from_text(text: str):
    """A command-line or table cell as the value it spells: int, float, True/False, else the text."""
    if text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def is_number(text: str) -> bool:
    """Whether `text` parses as a float."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def unit_from_name(name: str) -> str | None:
    """The time unit a column name carries as a suffix (`time_ms`, `Start (s)`, `t [us]`), or None."""
    match = _UNIT_SUFFIX.search(str(name).strip().lower())
    if not match or match.start() == 0:
        return None
    return _UNIT_ALIASES.get(match.group(1), match.group(1))


def base_name(name) -> str:
    """A column name lower-cased, without a unit suffix or a group path: `Time (ms)`, `/rig/time` -> `time`."""
    lowered = str(name).rsplit("/", 1)[-1].strip().lower()
    match = _UNIT_SUFFIX.search(lowered)
    return lowered[: match.start()] if match and match.start() > 0 else lowered


def find_column(columns: Iterable, names: Iterable[str]):
    """The first of `columns` whose base name (see `base_name`) is one of `names`, or None."""
    wanted = set(names)
    return next((column for column in columns if base_name(column) in wanted), None)


def column_seconds_per_unit(column, time_unit: str | None, where: str, error=ChronovizError) -> float:
    """The factor from a time column's values to seconds, by the one rule every reader follows.

    An explicit `time_unit` wins; without one, a unit suffix of the column's name (`time_ms`, `Start (s)`)
    sets it; without either, the values are seconds.

    Parameters
    ----------
    column
        The column's name (an int for a table without a header).
    time_unit : str or None
        "s", "ms", "us" or "ns", as the caller gave it; None when not given.
    where : str
        The file and column, named in the error.
    error : type
        The exception class to raise.

    Returns
    -------
    float
        Seconds per unit of the column's values.

    Raises
    ------
    ChronovizError
        (`error`) When the unit is not one of those above.
    """
    return seconds_per_unit(time_unit or unit_from_name(column), where, error)


def seconds_per_unit(unit: str | None, where: str, error=ChronovizError) -> float:
    """The factor from `unit` to seconds (None means seconds); an error naming `where` for unknown units."""
    if unit is None:
        return 1.0
    if unit not in UNIT_SECONDS:
        raise error(f"Unknown time unit {unit!r} for {where}: use one of {', '.join(UNIT_SECONDS)}.")
    return UNIT_SECONDS[unit]


def write_text_atomically(path, text: str, *, overwrite: bool = False) -> Path:
    """Write `text` to `path` through a temporary file in the same folder renamed over it: a crash leaves the
    old file or the new one, never half of one.

    Parameters
    ----------
    path : str or Path
        The file to write.
    text : str
        Its whole content, written as UTF-8.
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
    import os
    import secrets

    path = Path(path).expanduser()
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists: choose another file name, or {advice('overwrite')} to replace it.")
    # not tempfile, which creates files 0600: os.open's mode goes through the user's umask, so labmates who
    # share the folder can read the file (0644 with the usual umask), as any file the user saves
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
