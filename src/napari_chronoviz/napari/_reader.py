"""napari reader contribution, keeping npe2's contract.

`get_reader(path)` claims only the files it can tell are chronoviz's cheaply: a suffix of the format
registry (`io/formats.py`) and a look at the first bytes (a video container's signature, the HDF5 or
Parquet signature, an `.npy` header, an `.npz`'s zip directory, the first lines of a text table). It
never raises and never loads data: a file with a chronoviz suffix that is damaged or unsafe is declined
with a warning notification that names the file, the problem and what to do; a file that is fine but not
chronoviz's (an unrelated table, an image stack) is declined silently, for napari's other readers. The
function it returns does the heavy work (indexing a video, parsing a table); a failure there is an error
notification, and the file gives no layers (all failing: `[]`, so napari tries another reader).

Videos and imgstore stores open as lazy, dask-backed RGB image layers; pose files as (frame, y, x) points
whose `features` hold individual, keypoint and confidence; time series as a hidden points layer whose
`features` hold the table (one row per sample), and a phy / Kilosort output folder as a hidden, empty layer
naming it, for the dock widget to attach to a video. A recording that stays on disk (a raw SpikeGLX or Open Ephys
recording, a large `.npy`) is such a layer without points: its samples are read by the overlays, by window, never
copied into the layer. A time series opened where no video is open says how to show it.

Importing this module loads none of PyAV, OpenCV, pandas, h5py or dask (napari imports it to ask
`get_reader`); the readers are imported through the registry when a file is read.
"""

from __future__ import annotations

import warnings
import zipfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib import format as npy_format

from ..errors import ChronovizError, PoseError, in_words
from ..io.formats import (
    FILE_KINDS,
    HDF5_CONTAINER_SUFFIXES,
    IMGSTORE_METADATA,
    INTAN_SUFFIXES,
    OPEN_EPHYS_STRUCTURE,
    PAIR_TIMES,
    PAIR_VALUES,
    PARQUET_SUFFIXES,
    PHY_FOLDER_FILES,
    SESSION_SUFFIX,
    SPIKEGLX_SUFFIXES,
    TEXT_TABLE_SUFFIXES,
    VIDEO_SUFFIXES,
    is_phy_folder,
    kinds_of,
    reader_of,
)
from ..io.imgstore import is_imgstore, read_store_metadata
from ..io.nwb import is_nwb, nwb_parts
from ..io.remote import is_url
from ..io.tables import (
    FRAME_COLUMN_NAMES,
    TIME_COLUMN_NAMES,
    delimiter_of,
    find_column,
    is_data_line,
    is_number,
    split_fields,
)
from ._metadata import ETHOGRAM_KEY, METADATA_KEY, OVERLAYS_KEY

if TYPE_CHECKING:
    from ..io.pose import Pose
    from ..io.spikes import Spikes
    from ..io.timeseries import Signal
    from ..io.video import VideoSource

SNIFF_BYTES = 65536  # what is read of a text table to tell what it holds
SPIKEGLX_META_KEY = b"nSavedChans="  # every SpikeGLX .meta says how many channels its .bin interleaves
INTAN_MAGIC = {".rhd": 0xC6912702, ".rhs": 0xD69127AC}  # the first 4 bytes (little-endian) of Intan's files
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # at byte 0, or 512, 1024, 2048, ... after a user block
NETCDF3_SIGNATURES = (b"CDF\x01", b"CDF\x02", b"CDF\x05")
PARQUET_SIGNATURE = b"PAR1"
ISO_MEDIA_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"jP  "}  # mp4, mov, mj2
MPEG_TS_SYNC, MPEG_TS_PACKET = 0x47, 188
NUMERIC_KINDS = "biuf"  # numpy dtype kinds a time series holds: bool, int, unsigned, float

NAPARI_KINDS = tuple(name for name, kind in FILE_KINDS.items() if kind.opened_in_napari)
# what a sniffed file opens as; "pose or timeseries" is decided when reading (DeepLabCut/SLEAP, else a table)
VIDEO, POSE, TIMESERIES, POSE_OR_TIMESERIES, SESSION = "video", "pose", "timeseries", "pose or timeseries", "session"
SPIKES = "spikes"  # a phy / Kilosort output folder


class _Declined(Exception):
    """A file with a chronoviz suffix that chronoviz will not open; the message says why and what to do."""


def get_reader(path: str | list[str]):
    """Return the function that reads `path` into layers, or None when chronoviz cannot tell it can read it.

    Parameters
    ----------
    path : str or list of str
        A file or folder, or several (all must be readable for the reader to claim them); or the `http(s)://`
        address of an NWB session.

    Returns
    -------
    callable or None
        A function `(path, stack=False) -> list of (data, attributes, layer_type)`; None for paths
        chronoviz does not read. A damaged or unsafe file with a chronoviz suffix gives a warning
        notification as well. Never raises.
    """
    if is_url(path) and is_nwb(path):  # an NWB session on a server: read in place
        return partial(read_layers, [(path, SESSION)])
    try:
        paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
        claims = [(file, _sniff(file)) for file in paths]
    except _Declined as declined:
        _notify("warning", str(declined))
        return None
    except Exception as error:  # noqa: BLE001 - npe2: a reader's get_reader must not raise
        _notify(
            "error",
            f"napari-chronoviz could not look at {path}: {type(error).__name__}: {error}. Check that "
            "the file exists and can be read (permissions, a mounted drive).",
        )
        return None
    if not claims or any(kind is None for _, kind in claims):
        return None
    return partial(read_layers, claims)


def read_layers(claims: list[tuple[Path, str]], path=None, stack: bool = False) -> list[tuple]:
    """Read the claimed files into layer data; a file that fails gives an error notification, no layers.

    Parameters
    ----------
    claims : list of (Path, str)
        Each file with what `get_reader` found it to be.
    path, stack
        What napari passes to a reader function (the same paths; stacking is not done).

    Returns
    -------
    list of tuple
        `(data, attributes, layer_type)` for each file that opened; empty when none did, so napari can
        try another reader. Never raises.
    """
    layers = []
    for file, kind in claims:
        try:
            layers.extend(session_layer_data(file) if kind == SESSION else [_layer_data(file, kind)])
        except Exception as error:  # noqa: BLE001 - a notification, not a traceback, and other files still open
            _notify("error", _failure_message(file, error))
    kinds = [attributes["metadata"][METADATA_KEY]["kind"] for _, attributes, _ in layers]
    if "video" in kinds or "signal" in kinds:
        from napari import current_viewer

        viewer = current_viewer()  # the viewer opening the files
        if viewer is not None and "video" in kinds:  # videos play at their rate
            from ._layers import play_videos_at_frame_rate

            play_videos_at_frame_rate(viewer)
        if viewer is not None and "video" not in kinds and not _holds_video(viewer):
            signals = [attributes["name"] for (_, attributes, _), kind in zip(layers, kinds) if kind == "signal"]
            _notify("info", _shown_under_a_video(signals))
    return layers


def _holds_video(viewer) -> bool:
    return any(layer.metadata.get(METADATA_KEY, {}).get("kind") == "video" for layer in viewer.layers)


def _shown_under_a_video(names: list[str]) -> str:
    """What to do with time series opened where no video is: they are drawn under one, by the Overlays dock."""
    return (
        f"{', '.join(names)}: opened as a hidden layer; a time series is drawn under a video, and no video is open. "
        "Open the video (File > Open), then in the Overlays dock (Plugins > chronoviz > Overlays) choose it and "
        "press 'Add opened signal/pose layers', or add the file there as a signal."
    )


def _layer_data(file: Path, kind: str) -> tuple:
    if kind == VIDEO:
        return video_layer_data(reader_of("video")(file))
    if kind == POSE:
        return pose_layer_data(reader_of("pose")(file))
    if kind == SPIKES:
        from ..io.spikes import read_spikes

        return spikes_layer_data(read_spikes(file))
    if kind == POSE_OR_TIMESERIES:
        try:
            return pose_layer_data(reader_of("pose")(file))
        except PoseError:  # neither DeepLabCut nor SLEAP: read it as a table
            pass
    return signal_layer_data(reader_of("timeseries")(file), file)


def _failure_message(file: Path, error: Exception) -> str:
    if isinstance(error, (ChronovizError, FileNotFoundError)):  # these say what is wrong and what to do
        return str(error)
    return (
        f"Cannot open {file} with napari-chronoviz: {type(error).__name__}: {error}. The file may be damaged, "
        "or laid out in a way chronoviz does not read (see the supported formats in the docs); if it opens in "
        "the software that wrote it, please report this with the file."
    )


def _notify(severity: str, message: str) -> None:
    """A napari notification ("warning" or "error"); imported here because napari's notifications load dask."""
    from napari.utils import notifications

    getattr(notifications, f"show_{severity}")(message)


# --- sniffing: what a path is, from its name and first bytes ---------------------------------------------------


def _sniff(path: Path) -> str | None:
    """What `path` opens as (VIDEO, POSE, TIMESERIES, POSE_OR_TIMESERIES), or None when it is not chronoviz's.

    Raises `_Declined` for a file with a chronoviz suffix that is damaged or unsafe.
    """
    if is_phy_folder(path):
        return SPIKES
    if (path / PHY_FOLDER_FILES[0]).is_file():
        raise _Declined(
            f"{path} holds {PHY_FOLDER_FILES[0]} but no params.py, which a phy / Kilosort folder has (its "
            "sample_rate and dat_path): copy the params.py Kilosort wrote beside it, then open the folder again."
        )
    if path.is_dir() or path.name.lower() == IMGSTORE_METADATA:
        return VIDEO if _is_store(path) else None
    kinds = [kind for kind in kinds_of(path) if kind in NAPARI_KINDS]
    if not kinds or not path.is_file():
        return None
    if path.stat().st_size == 0:
        raise _Declined(
            f"{path} is empty (0 bytes): the recording, export or copy did not finish. Copy or write it again."
        )
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    sniffer = NAMED_SNIFFERS.get(path.name.lower()) or SNIFFERS[path.suffix.lower()]
    return sniffer(path, head, kinds)


def _is_store(path: Path) -> bool:
    """Whether a folder or `metadata.yaml` is an imgstore (its metadata has a `__store` section)."""
    if not is_imgstore(path):
        return False
    try:
        read_store_metadata(path)
    except (ChronovizError, OSError, ValueError):  # a YAML error is a ValueError: some other metadata.yaml
        return False
    return True


def _sniff_video(path: Path, head: bytes, kinds) -> str:
    iso_media = len(head) >= 8 and head[4:8] in ISO_MEDIA_BOXES
    avi = head[:4] == b"RIFF" and head[8:12] == b"AVI "
    matroska = head[:4] == b"\x1a\x45\xdf\xa3"  # EBML: .mkv, .webm
    mpeg = head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")  # program stream, elementary stream
    transport = head[0] == MPEG_TS_SYNC and (len(head) <= MPEG_TS_PACKET or head[MPEG_TS_PACKET] == MPEG_TS_SYNC)
    if iso_media or avi or matroska or mpeg or transport:
        return VIDEO
    raise _Declined(
        f"Cannot read {path} as a video: its first bytes are not those of a video container chronoviz reads "
        f"({', '.join(VIDEO_SUFFIXES)}). It may be damaged, or another kind of file renamed. Try `ffprobe` on it, "
        "or copy or export it again from the recording software."
    )


def _sniff_hdf5(path: Path, head: bytes, kinds) -> str:
    """HDF5 (DeepLabCut, SLEAP, NWB, netCDF-4, plain datasets) or, for .nc, netCDF-3: told by the signature. An NWB
    file pointing at a video is a session (its videos with what it holds), another one a pose."""
    if is_nwb(path) and _has_hdf5_signature(path):
        try:
            parts = nwb_parts(path)
        except ChronovizError as error:
            raise _Declined(str(error)) from None
        return SESSION if any(part.kind == "video" for part in parts) else POSE
    if path.suffix.lower() == ".nc" and head[:4] in NETCDF3_SIGNATURES or _has_hdf5_signature(path):
        return POSE_OR_TIMESERIES if "timeseries" in kinds else POSE
    raise _Declined(
        f"{path} is not an HDF5 file (it lacks the HDF5 signature): it is damaged, or another format renamed. "
        "Open the file that DeepLabCut, SLEAP or your rig wrote, or export it again."
    )


def _has_hdf5_signature(path: Path) -> bool:
    """The HDF5 signature at byte 0, or after a user block (byte 512, 1024, 2048, ...)."""
    offset = 0
    with open(path, "rb") as handle:
        while True:
            handle.seek(offset)
            block = handle.read(len(HDF5_SIGNATURE))
            if block == HDF5_SIGNATURE:
                return True
            if len(block) < len(HDF5_SIGNATURE):
                return False
            offset = 512 if offset == 0 else 2 * offset


def _sniff_parquet(path: Path, head: bytes, kinds) -> str:
    if head.startswith(PARQUET_SIGNATURE):
        return TIMESERIES
    raise _Declined(
        f"{path} is not a Parquet file (it does not start with 'PAR1'): it is damaged or another format "
        "renamed. Write it again with pandas' DataFrame.to_parquet, or save the table as CSV."
    )


def _sniff_npy(path: Path, head: bytes, kinds) -> str | None:
    if path.name.lower().endswith((PAIR_TIMES, PAIR_VALUES)):  # half of a Loupe-style pair: the reader checks both
        return TIMESERIES
    with open(path, "rb") as handle:
        dtype, shape = _npy_header(path, handle)
    return TIMESERIES if _is_series_array(dtype, shape) else None


def _sniff_npz(path: Path, head: bytes, kinds) -> str | None:
    if is_imgstore(path.parent):  # a chunk index of an imgstore, which opens by its folder
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            if not members or not all(name.endswith(".npy") for name in members):
                return None  # a zip, but not numpy's
            headers = {}
            for name in members:
                with archive.open(name) as member:
                    headers[name[:-4]] = _npy_header(path, member, member=name[:-4])
    except (zipfile.BadZipFile, EOFError) as error:
        raise _Declined(
            f"{path} is not a valid .npz archive ({error}): it is truncated or damaged. Save it again with numpy.savez."
        ) from None
    return TIMESERIES if any(_is_series_array(*header) for header in headers.values()) else None


def _npy_header(path: Path, handle, member: str | None = None) -> tuple[np.dtype, tuple]:
    """The dtype and shape of an .npy stream from its header, without reading data or unpickling."""
    where = f"{path}" if member is None else f"member {member!r} of {path}"
    try:
        version = npy_format.read_magic(handle)
        read_header = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, _, dtype = read_header(handle)
    except ValueError as error:
        raise _Declined(
            f"{where} is not a valid .npy array ({error}): it is damaged or another format renamed. "
            "Save it again with numpy.save."
        ) from None
    if dtype.hasobject:
        raise _Declined(
            f"{where} holds Python objects (a pickled array). chronoviz never unpickles a file, because unpickling "
            "can run any code the file holds. Save the numbers as a numeric array, e.g. "
            "np.save(path, np.asarray(values, dtype=float))."
        )
    return dtype, shape


def _is_series_array(dtype: np.dtype, shape: tuple) -> bool:
    """Numbers as samples (1-D, or 2-D with more samples than channels), or a table (a structured array).

    Square and wide 2-D arrays are left to other readers: they are images more often than recordings.
    """
    if dtype.names:
        return len(shape) == 1 and any(dtype[name].kind in NUMERIC_KINDS for name in dtype.names)
    return (
        dtype.kind in NUMERIC_KINDS
        and len(shape) in (1, 2)
        and shape[0] > 0
        and (len(shape) == 1 or shape[0] > shape[1])
    )


def _sniff_text_table(path: Path, head: bytes, kinds) -> str | None:
    """POSE for a DeepLabCut CSV, TIMESERIES for a table whose header names a time or frame column and whose
    first row holds another number; None for any other text (headerless numbers, unrelated tables)."""
    lines = [line for line in head.decode("utf-8", errors="replace").splitlines() if is_data_line(line)][:2]
    if not lines:
        return None
    delimiter = delimiter_of(lines[0])
    header = [field.strip() for field in split_fields(lines[0], delimiter)]
    if "pose" in kinds and header[0].lower() == "scorer":
        return POSE
    time_column = find_column(header, TIME_COLUMN_NAMES + FRAME_COLUMN_NAMES)
    if time_column is None or len(lines) < 2:
        return None
    row = split_fields(lines[1], delimiter)
    values = [value for name, value in zip(header, row) if name != time_column]
    return TIMESERIES if len(row) == len(header) and any(is_number(value) for value in values) else None


def _sniff_spikeglx(path: Path, head: bytes, kinds) -> str | None:
    """A SpikeGLX stream: its `.meta` (which names its channel count), or its `.bin` beside such a `.meta`. Other
    `.meta` and `.bin` files are left to other readers (a `.bin` alone is headerless: the dock reads it given its
    dtype and channel count)."""
    meta = path.with_suffix(SPIKEGLX_SUFFIXES[0])
    if not meta.is_file():
        return None
    with open(meta, "rb") as handle:
        return TIMESERIES if SPIKEGLX_META_KEY in handle.read(SNIFF_BYTES) else None


def _sniff_open_ephys(path: Path, head: bytes, kinds) -> str:
    if b'"continuous"' in head:
        return TIMESERIES
    raise _Declined(
        f"{path} lists no continuous streams (it has no 'continuous' entry): it is damaged or not the Open Ephys "
        "GUI's. Open the structure.oebin of the recording folder the GUI wrote (Record Node/experiment/recording)."
    )


def _sniff_intan(path: Path, head: bytes, kinds) -> str | None:
    """An Intan file, claimed by its magic number so that opening it says how to read it (see io/ephys.py)."""
    magic = int.from_bytes(head[:4], "little") if len(head) >= 4 else None
    return TIMESERIES if magic == INTAN_MAGIC[path.suffix.lower()] else None


def _sniff_session(path: Path, head: bytes, kinds) -> str:
    if b"chronoviz_session" not in head:
        raise _Declined(
            f"{path} is not a chronoviz session: it has no `chronoviz_session` entry. Write sessions with "
            "save_session or the dock's Save session."
        )
    return SESSION


SNIFFERS = {  # suffix -> (path, first bytes, its kinds) -> what it opens as, or None; raises _Declined
    SESSION_SUFFIX: _sniff_session,
    **dict.fromkeys(VIDEO_SUFFIXES, _sniff_video),
    **dict.fromkeys(HDF5_CONTAINER_SUFFIXES, _sniff_hdf5),
    **dict.fromkeys(PARQUET_SUFFIXES, _sniff_parquet),
    ".npy": _sniff_npy,
    ".npz": _sniff_npz,
    **dict.fromkeys(TEXT_TABLE_SUFFIXES, _sniff_text_table),
    **dict.fromkeys(SPIKEGLX_SUFFIXES, _sniff_spikeglx),
    **dict.fromkeys(INTAN_SUFFIXES, _sniff_intan),
}
NAMED_SNIFFERS = {OPEN_EPHYS_STRUCTURE: _sniff_open_ephys}  # files told by their whole name


# --- layer data ----------------------------------------------------------------------------------------------


def pose_layer_data(pose: Pose) -> tuple:
    """The (data, attributes, "points") tuple of a pose: (frame, y, x) points colored by keypoint.

    Parameters
    ----------
    pose : Pose
        Keypoints read by `read_pose`.

    Returns
    -------
    tuple
        Points data, their attributes (features: individual, keypoint, confidence; the pose's path and
        skeleton in `metadata["chronoviz"]`), "points".
    """
    from ..overlays.style import palette

    frames = pose.frames if pose.frames is not None else np.arange(pose.n_frames)
    row, individual, keypoint = np.nonzero(np.isfinite(pose.xy).all(axis=-1))
    data = np.column_stack([frames[row], pose.xy[row, individual, keypoint, 1], pose.xy[row, individual, keypoint, 0]])
    features = {
        "individual": np.asarray(pose.individuals, dtype=object)[individual],
        "keypoint": np.asarray(pose.keypoints, dtype=object)[keypoint],
        "confidence": pose.confidence[row, individual, keypoint],
    }
    attributes = {
        "name": Path(pose.source).stem or "pose",
        "features": features,
        "face_color": palette(len(pose.keypoints))[keypoint] if len(keypoint) else "white",
        "border_width": 0,
        "size": 8,
        "axis_labels": ("frame", "y", "x"),
        "metadata": {METADATA_KEY: {"kind": "pose", "path": pose.source, "edges": [list(e) for e in pose.edges]}},
    }
    return (data, attributes, "points")


def signal_layer_data(signal: Signal, path=None) -> tuple:
    """The (data, attributes, "points") tuple of a time series: a hidden layer whose features are its table, or
    for a recording that stays on disk, a layer without points naming its file (its samples are not copied).

    Parameters
    ----------
    signal : Signal
        Samples read by `read_timeseries`.
    path : str or Path, optional
        The file it was read from, which the Overlays dock reads again (default: the signal's `source`).

    Returns
    -------
    tuple
        One point per sample (none for a recording on disk), attributes whose `features` are the samples' table
        (only the channel names for a recording on disk), "points".
    """
    path = Path(path if path is not None else signal.source)
    info = {"kind": "signal", "path": str(path)}
    if signal.on_disk:
        import pandas as pd

        info.update(n_samples=signal.n_samples, n_channels=signal.n_channels)
        features, n_points = pd.DataFrame(columns=list(signal.names)), 0
    else:
        features, n_points = signal.to_dataframe(), signal.n_samples
    attributes = {
        "name": (path.parent.name if path.name.lower() == OPEN_EPHYS_STRUCTURE else path.stem) or "signal",
        "features": features,
        "visible": False,
        "metadata": {METADATA_KEY: info},
    }
    return (np.zeros((n_points, 2)), attributes, "points")


def spikes_layer_data(spikes: Spikes) -> tuple:
    """The (data, attributes, "points") tuple of a phy / Kilosort folder's spikes: a hidden, empty layer naming the
    folder, which the dock adds as a raster lane of the chosen video (*Add opened layers*).

    Parameters
    ----------
    spikes : Spikes
        Spikes read by `read_spikes` from a folder.

    Returns
    -------
    tuple
        No points, attributes with the folder, its units and its clock in `metadata["chronoviz"]`, "points".
    """
    attributes = {
        "name": f"{Path(spikes.source).name} ({spikes.n_units} units)",
        "visible": False,
        "metadata": {METADATA_KEY: {"kind": "spikes", "path": spikes.source, "clock": spikes.clock}},
    }
    return (np.zeros((0, 2)), attributes, "points")


def session_layer_data(path: Path) -> list[tuple]:
    """A video layer for each video of a session; the first carries the session's overlays for the dock widget
    (under `OVERLAYS_KEY`, with `cameras`, the names of all its video layers, when there are several) and the
    ethogram file of its labels, when it has one (under `ETHOGRAM_KEY`, for the Label behaviors dock).

    Parameters
    ----------
    path : Path
        A session file (`.cvz`, see `napari_chronoviz.session`) or an NWB session (`open_nwb_session`).

    Returns
    -------
    list of tuple
        `(data, attributes, "image")` per video; a missing file is left out with a warning naming it.
    """
    from napari.utils.notifications import show_warning

    from ..session import open_session

    with warnings.catch_warnings(record=True) as doubts:  # files gone, poses left out: said in napari's window
        warnings.simplefilter("always", UserWarning)
        session = open_session(path)
    for doubt in user_doubts(doubts):
        show_warning(in_words(doubt.message, "dock"))
    layers = [
        video_layer_data(video, frame_times_file=entry.frame_times)
        for video, entry in zip(session.open_videos(), session.videos)
    ]
    for index, (_, attributes, _) in enumerate(layers):
        attributes["name"] = f"{attributes['name']} (camera {index + 1})" if len(layers) > 1 else attributes["name"]
    overlays = {key: _as_text(value) for key, value in session.options.items()}
    if len(layers) > 1:
        overlays["cameras"] = [attributes["name"] for _, attributes, _ in layers]
    layers[0][1]["metadata"][METADATA_KEY][OVERLAYS_KEY] = overlays
    if session.ethogram is not None:
        layers[0][1]["metadata"][METADATA_KEY][ETHOGRAM_KEY] = str(session.ethogram)
    return layers


def _as_text(value):
    """Paths as text, in lists and dicts too (layer metadata stays JSON-able)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    return value


def video_layer_data(video: VideoSource, overlays: dict | None = None, frame_times_file=None) -> tuple:
    """The (data, attributes, "image") tuple of a video layer: dask-backed, RGB, times in metadata.

    Parameters
    ----------
    video : VideoSource
        An open video or imgstore (from `open_video`).
    overlays : dict, optional
        Overlays to attach to the layer, as `attach`'s keywords with file paths as text (JSON-able). They
        go to `metadata["chronoviz"]["overlays"]`, where the dock widget finds and attaches them.
    frame_times_file : str or Path, optional
        The file `video` was opened with as its frame times, kept in the metadata (`frame_times_file`) so that
        a saved session, an export and the writer open the video with it again.

    Returns
    -------
    tuple
        The lazy frames, attributes with the path, rate, frame count and `frame_times` in `metadata`, "image".
    """
    from ..io.video_factory import VideoEntry, recording_name

    # how to open it again (exports, sessions), with the file an NWB video points at
    entry = VideoEntry(video.path, frame_times_file, getattr(video, "upright", True), getattr(video, "key", None))
    info = {"kind": "video", **entry.layer_metadata(), "fps": video.fps, "n_frames": len(video)}
    if overlays:
        info[OVERLAYS_KEY] = overlays
    if entry.key is not None:
        info["recorded_file"] = str(video.recorded_file)
    attributes = {
        "name": recording_name(video.path) if info.get("key") is None else Path(info["key"]).name,
        "rgb": True,
        "axis_labels": ("frame", "y", "x"),
        "contrast_limits": (0, 255),  # uint8 RGB: known without scanning the video
        # the source keeps decoded frames around recent targets itself; napari's opportunistic dask cache
        # would only add its bookkeeping to every slider step (measured by benchmarks/bench_playback.py)
        "cache": False,
        "metadata": {METADATA_KEY: info, "frame_times": video.frame_times},
    }
    return (video.to_dask(), attributes, "image")


def user_doubts(caught: list) -> list:
    """The warnings meant for the user (UserWarning: chronoviz's doubts about the input) among those `caught` by
    `warnings.catch_warnings(record=True)`; the others (a library's deprecations) are shown as Python shows them."""
    for other in (caught_one for caught_one in caught if not issubclass(caught_one.category, UserWarning)):
        warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    return [doubt for doubt in caught if issubclass(doubt.category, UserWarning)]
