"""Every file chronoviz reads or writes, in one registry: suffix -> kind -> the function that reads it.

Modelled on movement's loader registry. Each `FileKind` names the suffixes (and whole file names) it
comes in and its reader as a "module:function" string, imported only when `reader_of` is called, so
importing this module imports nothing heavy (napari scans the plugin's manifest at start-up, and the
napari reader decides what it can open from here before loading anything). The napari manifest
(`napari.yaml`) lists the same suffixes; a test checks that both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ts", ".mj2")
TEXT_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".ssv", ".dat")
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")
HDF5_CONTAINER_SUFFIXES = HDF5_SUFFIXES + (".slp", ".nwb", ".nc")  # SLEAP labels, NWB, netCDF-4 (or netCDF-3)
PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".feather", ".arrow")  # Arrow IPC files
NUMPY_SUFFIXES = (".npy", ".npz")
# headerless interleaved samples (SpikeGLX, Open Ephys, Kilosort): read as signals given dtype and channel count
RAW_BINARY_SUFFIXES = (".bin", ".raw", ".dat")
# raw extracellular recordings, read through Neo (io/ephys.py): a SpikeGLX stream by its .meta or its .bin beside it,
# an Open Ephys recording by its structure.oebin; Intan files are recognised to be refused with what to do
SPIKEGLX_SUFFIXES = (".meta", ".bin")
OPEN_EPHYS_STRUCTURE = "structure.oebin"
INTAN_SUFFIXES = (".rhd", ".rhs")
RAW_EPHYS_SUFFIXES = SPIKEGLX_SUFFIXES + INTAN_SUFFIXES
ZARR_SUFFIX = ".zarr"  # a Zarr store (a folder): a recording read as signals, kept on disk
IMGSTORE_METADATA = "metadata.yaml"  # an imgstore is opened by this file, or by the folder holding it
SESSION_SUFFIX = ".cvz"  # a chronoviz session (YAML): videos, sources and settings, see session.py
ETHOGRAM_SUFFIXES = (".yaml", ".yml", ".csv", ".boris")  # the behaviors to label: YAML, CSV, a BORIS project
PAIR_TIMES, PAIR_VALUES = "_t.npy", "_y.npy"  # Loupe-style time series: <name>_t.npy (seconds) + <name>_y.npy
PHY_FOLDER_FILES = ("spike_times.npy", "params.py")  # a phy / Kilosort output folder holds these (io/spikes.py)


@dataclass(frozen=True)
class FileKind:
    """One kind of file chronoviz reads: the suffixes it comes in and the function that reads it.

    Attributes
    ----------
    name : str
        The kind: "video", "imgstore", "pose", "timeseries", "frame_times", "events", "intervals" or
        "session" or "ethogram".
    suffixes : tuple of str
        Lower-case suffixes with their dot, e.g. ".mp4".
    reader : str
        The reading function as "module:function", imported by `reader_of` when first needed.
    file_names : tuple of str
        Whole file names this kind is also opened by (an imgstore's `metadata.yaml`).
    opened_in_napari : bool
        Whether napari's File > Open (the plugin's reader) opens this kind as layers.
    """

    name: str
    suffixes: tuple[str, ...]
    reader: str
    file_names: tuple[str, ...] = ()
    opened_in_napari: bool = False


@dataclass(frozen=True)
class ExportContainer:
    """A container chronoviz writes composited videos into.

    Attributes
    ----------
    muxer : str
        FFmpeg's name of the container format (what `av.open(..., format=)` takes).
    codec : str
        The video codec used when the export options name none.
    """

    muxer: str
    codec: str


FILE_KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("video", VIDEO_SUFFIXES, "napari_chronoviz.io.video_factory:open_video", opened_in_napari=True),
        FileKind(
            "imgstore",
            (),
            "napari_chronoviz.io.video_factory:open_video",
            file_names=(IMGSTORE_METADATA,),
            opened_in_napari=True,
        ),
        FileKind(
            "pose", HDF5_CONTAINER_SUFFIXES + (".csv",), "napari_chronoviz.io.pose:read_pose", opened_in_napari=True
        ),
        FileKind(
            "timeseries",
            TEXT_TABLE_SUFFIXES + HDF5_SUFFIXES + PARQUET_SUFFIXES + NUMPY_SUFFIXES + RAW_EPHYS_SUFFIXES,
            "napari_chronoviz.io.timeseries:read_timeseries",
            file_names=(OPEN_EPHYS_STRUCTURE,),
            opened_in_napari=True,
        ),
        FileKind(
            "frame_times",
            NUMPY_SUFFIXES + TEXT_TABLE_SUFFIXES + ARROW_SUFFIXES,
            "napari_chronoviz.io.timestamps:read_frame_times",
            file_names=(IMGSTORE_METADATA,),
        ),
        FileKind("events", TEXT_TABLE_SUFFIXES + PARQUET_SUFFIXES, "napari_chronoviz.io.labels:read_events"),
        FileKind("intervals", TEXT_TABLE_SUFFIXES + PARQUET_SUFFIXES, "napari_chronoviz.io.labels:read_intervals"),
        FileKind("session", (SESSION_SUFFIX,), "napari_chronoviz.session:open_session", opened_in_napari=True),
        FileKind("ethogram", ETHOGRAM_SUFFIXES, "napari_chronoviz.io.ethogram:read_ethogram"),
    )
}

EXPORT_CONTAINERS: dict[str, ExportContainer] = {
    ".mp4": ExportContainer("mp4", "libx264"),
    ".mov": ExportContainer("mov", "libx264"),
    ".mkv": ExportContainer("matroska", "libx264"),
    ".avi": ExportContainer("avi", "mpeg4"),
    ".webm": ExportContainer("webm", "libvpx-vp9"),
    ".gif": ExportContainer("gif", "gif"),
}
EXPORT_SUFFIXES = tuple(EXPORT_CONTAINERS)


def suffixes_of(*kinds: str) -> tuple[str, ...]:
    """The suffixes of `kinds`, in registry order, each once.

    Parameters
    ----------
    *kinds : str
        Names of `FILE_KINDS`.

    Returns
    -------
    tuple of str
        Lower-case suffixes with their dot.

    Raises
    ------
    KeyError
        When a kind is not in the registry.
    """
    return tuple(dict.fromkeys(suffix for kind in kinds for suffix in FILE_KINDS[kind].suffixes))


def kinds_of(path: str | Path) -> tuple[str, ...]:
    """The kinds a path may be, from its suffix or its whole name (nothing is read).

    Parameters
    ----------
    path : str or Path
        A file path; a folder is not looked into (an imgstore folder is told by its `metadata.yaml`).

    Returns
    -------
    tuple of str
        Names of `FILE_KINDS`, in registry order; empty when chronoviz reads no such file.
    """
    path = Path(path)
    suffix, name = path.suffix.lower(), path.name.lower()
    return tuple(kind.name for kind in FILE_KINDS.values() if suffix in kind.suffixes or name in kind.file_names)


def is_phy_folder(path: str | Path) -> bool:
    """Whether `path` is a phy / Kilosort output folder (it holds `spike_times.npy` and `params.py`), read as
    spikes by `read_spikes`; nothing is read.

    Parameters
    ----------
    path : str or Path
        A folder (any other path is not one).

    Returns
    -------
    bool
    """
    path = Path(path)
    return path.is_dir() and all((path / name).is_file() for name in PHY_FOLDER_FILES)


def reader_of(kind: str) -> Callable:
    """The function that reads `kind`, imported now.

    Parameters
    ----------
    kind : str
        A name of `FILE_KINDS`.

    Returns
    -------
    callable
        The reader, e.g. `read_pose` for "pose".

    Raises
    ------
    KeyError
        When the kind is not in the registry.
    """
    module, function = FILE_KINDS[kind].reader.split(":")
    return getattr(import_module(module), function)


def napari_reader_patterns() -> tuple[str, ...]:
    """The filename patterns of the napari reader: every suffix and file name of the kinds napari opens.

    Returns
    -------
    tuple of str
        fnmatch patterns such as "*.mp4" and "*metadata.yaml", as `napari.yaml` must list them.
    """
    kinds = [kind for kind in FILE_KINDS.values() if kind.opened_in_napari]
    return patterns([entry for kind in kinds for entry in kind.suffixes + kind.file_names])


def patterns(suffixes) -> tuple[str, ...]:
    """Fnmatch patterns ("*.mp4") for suffixes or whole file names, each once, in order.

    Parameters
    ----------
    suffixes : iterable of str
        Suffixes with their dot, or whole file names.

    Returns
    -------
    tuple of str
        One pattern each, e.g. for a file dialog's filter or a napari manifest.
    """
    return tuple(dict.fromkeys(f"*{suffix}" for suffix in suffixes))
