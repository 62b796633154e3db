"""HDF5 files: tables written by pandas (PyTables) and plain h5py datasets."""

from __future__ import annotations

from pathlib import Path

import h5py
import pandas as pd

from ..errors import ChronovizError


def pandas_keys(path: Path) -> list[str]:
    """The keys of the tables pandas wrote into `path` (groups tagged `pandas_type`); empty for plain HDF5."""
    keys = []
    with h5py.File(path, "r") as handle:
        handle.visititems(lambda name, item: keys.append("/" + name) if "pandas_type" in item.attrs else None)
    return keys


def read_pandas_table(path: Path, key: str | None, error=ChronovizError) -> pd.DataFrame:
    """The table at `key` of a pandas HDF5 file; `key` may be omitted when the file holds one table."""
    keys = pandas_keys(path)
    if key is None:
        if len(keys) != 1:
            raise error(f"{path} holds {len(keys)} tables {keys}; pass key= to choose one.")
        key = keys[0]
    elif "/" + key.lstrip("/") not in keys:
        raise error(f"{path} has no table {key!r}; its keys are {keys}. Pass one of these as key=.")
    try:
        return pd.read_hdf(path, key=key)
    except ImportError as missing:
        raise error(f"{path} was written by pandas, and reading it needs PyTables: `pip install tables`.") from missing


def datasets_by_name(handle: h5py.File) -> dict[str, h5py.Dataset]:
    """Every dataset in an open file, by its path inside the file (not loaded)."""
    datasets = {}

    def collect(name, item):  # returns None: visititems stops at the first non-None return
        if isinstance(item, h5py.Dataset):
            datasets[name] = item

    handle.visititems(collect)
    return datasets


def unit_attribute(dataset: h5py.Dataset) -> str | None:
    """The dataset's `unit` or `units` attribute, when it has one."""
    unit = dataset.attrs.get("unit", dataset.attrs.get("units"))
    return unit.decode() if isinstance(unit, bytes) else (None if unit is None else str(unit))
