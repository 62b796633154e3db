"""NWB files read with pynwb: what a session holds, and each part as chronoviz reads it.

An NWB session keeps everything on one clock, the session's: the behaviour videos as `ImageSeries` with
`external_file` paths (relative to the NWB file; a recording split into several files lists each with its
`starting_frame`) and their `timestamps` or `starting_time` + `rate`; signals as `TimeSeries` of any kind
(ElectricalSeries, SpatialSeries, ROIResponseSeries, ...); trials and other `TimeIntervals`; sorted `units`;
and poses from ndx-pose. Each part is named by its path in the file (its *key*), as NWB tools show it:
"acquisition/lick", "processing/behavior/Position/position", "intervals/trials", "units".
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .._times import RegularTimes, nominal_rate
from ..errors import ChronovizError, LabelError, PoseError, SignalError, VideoReadError
from .chunked_video import VideoChunks
from .remote import RemoteFile, beside, cached_download, is_url, url_name
from .video import VideoSource

NWB_SUFFIX = ".nwb"
PART_NAMES = {  # kind -> how messages name one and several
    "video": ("video", "videos"),
    "signals": ("time series", "time series"),
    "intervals": ("interval table", "interval tables"),
    "spikes": ("units table", "units tables"),
    "pose": ("pose estimation", "pose estimations"),
}
SERIES_CHANNELS_SHOWN = 16  # series with more channels are listed, not shown, when a session opens
UNKNOWN_UNIT = "unknown"  # what pynwb reads for a series written without a unit


@dataclass(frozen=True)
class NwbPart:
    """One part of an NWB file that chronoviz can show.

    Attributes
    ----------
    key : str
        Its path in the file ("acquisition/lick", "intervals/trials", "units").
    kind : str
        How chronoviz shows it: "video", "signals", "intervals", "spikes" or "pose".
    neurodata_type : str
        Its NWB type ("ImageSeries", "ElectricalSeries", "TimeIntervals", ...).
    summary : str
        What it holds, for lists ("2 channels at 1000 Hz, V", "12 intervals", "3 units", "2 files, 90 frames").
    shown : bool
        Whether a session shows it when it opens (videos, intervals, units, poses and series of at most
        `SERIES_CHANNELS_SHOWN` channels; wider series, e.g. raw ephys, are listed to be added by hand).
    """

    key: str
    kind: str
    neurodata_type: str
    summary: str
    shown: bool = True


@dataclass(frozen=True)
class NwbVideoSeries:
    """A video an NWB file points at: its files, where each starts, and its frames' times on the session clock.

    Attributes
    ----------
    key : str
        The `ImageSeries`' path in the file.
    files : tuple of Path
        The video files, resolved relative to the NWB file, in order.
    starting_frames : tuple of int
        The index of each file's first frame in the whole series.
    timestamps : ndarray or None
        One time per frame (seconds, session clock), when the series stores them.
    starting_time, rate : float or None
        The first frame's time and the frame rate, when the series stores those instead.
    """

    key: str
    files: tuple[Path, ...]
    starting_frames: tuple[int, ...]
    timestamps: np.ndarray | None
    starting_time: float | None
    rate: float | None

    def frame_times(self, n_frames: int, source: str) -> np.ndarray:
        """The times of the series' `n_frames` frames (as decoded from its files) on the session clock.

        Raises
        ------
        VideoReadError
            When the series stores another number of timestamps than its files hold frames.
        """
        if self.timestamps is None:
            return self.starting_time + np.arange(n_frames) / self.rate
        if len(self.timestamps) != n_frames:
            raise VideoReadError(
                f"{source}: {self.key} stores {len(self.timestamps)} timestamps but its video files "
                f"({', '.join(file.name for file in self.files)}) hold {n_frames} frames. The NWB file and its "
                "videos do not belong together: check that the videos beside it are the ones it was written with."
            )
        return self.timestamps


def is_nwb(source) -> bool:
    """Whether `source` names an NWB file, a path or an `http(s)://` address (by its suffix)."""
    return (url_name(source) if is_url(source) else str(source)).lower().endswith(NWB_SUFFIX)


def source_name(source) -> str:
    """An NWB file's name, for messages: "session.nwb" (also of an address)."""
    return url_name(source) if is_url(source) else Path(source).name


OPEN_FILES_KEPT = 4  # NWB files kept open after use: a session's parts are all read from one open


@dataclass
class _OpenFile:
    contents: NwbContents
    close: Callable[[], None]
    users: int = 0


_open_files: OrderedDict[tuple, _OpenFile] = OrderedDict()  # by file identity, least recently used first
_open_files_lock = threading.Lock()


@contextlib.contextmanager
def opened_nwb(path) -> Iterator[NwbContents]:
    """The NWB file at `path` read with pynwb (extensions it embeds, such as ndx-pose, loaded), while in use.

    pynwb reads a file's whole layout when it opens it (over the network for a streamed session), so the
    last `OPEN_FILES_KEPT` files stay open: the parts of one session (the sniff when napari opens it, its list of
    parts, each video, source and pose) are read from one open. A file changed on disk since is read again.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ChronovizError
        When pynwb cannot read it.
    """
    identity = _identity(path)
    with _open_files_lock:
        opened = _open_files.get(identity)
        if opened is None:
            opened = _open_files[identity] = _OpenFile(*_read_nwb(path))
        _open_files.move_to_end(identity)
        opened.users += 1
    try:
        yield opened.contents
    finally:
        with _open_files_lock:
            opened.users -= 1
            _close_unused(keep=OPEN_FILES_KEPT)


def close_nwb_files(path=None) -> None:
    """Close the NWB files kept open (`opened_nwb`) that are not being read: all, or those of `path`."""
    with _open_files_lock:
        _close_unused(keep=0, path=None if path is None else str(Path(path).resolve()))


atexit.register(close_nwb_files)  # closed before Python's teardown, which would warn of files left open


def _close_unused(keep: int, path: str | None = None) -> None:
    """Close the least recently used open files not in use (of `path` only, when given) until at most `keep` stay
    open (lock held)."""
    unused = [identity for identity, opened in _open_files.items() if opened.users == 0]
    for identity in unused if path is None else [identity for identity in unused if identity[0] == path]:
        if len(_open_files) <= keep:
            return
        _open_files.pop(identity).close()


def _identity(path) -> tuple:
    """What tells an NWB file apart from another and from its own earlier versions: its address, or its resolved
    path with its size and modification time."""
    if is_url(path):
        return (path,)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NWB file not found: {path}. Check the path and that the drive is mounted.")
    status = path.stat()
    return (str(path.resolve()), status.st_size, status.st_mtime_ns)


def _read_nwb(path) -> tuple[NwbContents, Callable[[], None]]:
    """The NWB file at `path` opened and read with pynwb, and the function that closes it."""
    import h5py

    try:
        import pynwb
    except ImportError:
        raise ChronovizError(f'Reading {source_name(path)} needs pynwb: pip install "napari-chronoviz[nwb]"') from None
    raw = handle = None
    try:
        # an address is read in place, by range requests. A local file is handed to HDF5 as a file object too:
        # HDF5 refuses to rewrite a file it holds open by name, and the user may write this one again (with pynwb)
        raw = RemoteFile(path) if is_url(path) else open(path, "rb")  # noqa: SIM115 - closed by `close` below
        handle = h5py.File(raw, "r")
        io = pynwb.NWBHDF5IO(file=handle)
        nwbfile = io.read()
    except Exception as error:  # noqa: BLE001 - h5py and hdmf raise many kinds; all mean the same to the user
        for opened in (handle, raw):
            if opened is not None:
                opened.close()
        raise ChronovizError(
            f"pynwb cannot read {path}: {type(error).__name__}: {str(error).rstrip('.')}. Check it with "
            "`nwbinspector` or re-export it from the software that wrote it."
        ) from None

    def close() -> None:
        io.close()
        handle.close()
        raw.close()

    return NwbContents(source_name(path), nwbfile, _keyed(io, nwbfile)), close


@dataclass(frozen=True)
class NwbContents:
    """An open NWB file: its name, its `NWBFile` and its objects by key (their paths in the file, in order)."""

    name: str
    nwbfile: object
    objects: dict[str, object]

    @cached_property
    def parts(self) -> dict[str, NwbPart]:
        """The parts chronoviz can show, by key, in file order (see `nwb_parts`)."""
        parts = {key: _part(key, item) for key, item in self.objects.items()}
        return {key: part for key, part in parts.items() if part is not None}

    def find(self, key: str | None, kind: str, error: type[ChronovizError]):
        """The part of `kind` ("video", "signals", "intervals", "spikes") at `key`, or with `key` None the only one.

        Raises `error` naming the parts of `kind` the file holds when there is no such part, or, without a key,
        when there are several."""
        keyed = {found: self.objects[found] for found, part in self.parts.items() if part.kind == kind}
        one, several = PART_NAMES[kind]
        listed = ", ".join(keyed) or "none"
        if key is not None:
            if key.strip("/") not in keyed:
                raise error(f"{self.name} has no {one} at {key!r}. Its {several}: {listed}.")
            return keyed[key.strip("/")]
        if len(keyed) != 1:
            raise error(f"{self.name} holds {len(keyed)} {several} ({listed}): name one as its key.")
        return next(iter(keyed.values()))

    def key_of(self, item) -> str | None:
        """`item`'s key (None for an object of another file)."""
        return next((key for key, found in self.objects.items() if found is item), None)


def nwb_parts(path) -> list[NwbPart]:
    """Every video, time series, interval table, units table and pose an NWB file holds, in file order.

    Parameters
    ----------
    path
        The NWB file.

    Returns
    -------
    list of NwbPart
        Videos first (`ImageSeries` with external files), then the rest as the file orders them.
    """
    with opened_nwb(path) as contents:
        return sorted(contents.parts.values(), key=lambda part: part.kind != "video")


def _keyed(io, nwbfile) -> dict[str, object]:
    """Every object of `nwbfile` with a path of its own, by that path without the root ("acquisition/lick")."""
    keyed = {}
    for item in nwbfile.objects.values():
        builder = io.manager.get_builder(item)
        if builder is not None and item is not nwbfile:
            keyed[builder.path.split("/", 1)[1]] = item
    return dict(sorted(keyed.items()))


def _part(key: str, item) -> NwbPart | None:
    from pynwb import TimeSeries
    from pynwb.epoch import TimeIntervals
    from pynwb.image import ImageSeries
    from pynwb.misc import Units

    kind_name = type(item).__name__
    if _is_external_video(item):
        files = len(item.external_file)
        frames = len(item.timestamps) if item.timestamps is not None else getattr(item, "num_samples", None)
        counted = f"{frames} frames" if frames is not None else f"{item.rate:g} frames/s"
        return NwbPart(key, "video", kind_name, f"{files} file{'s' * (files > 1)}, {counted}")
    if kind_name == "PoseEstimation":
        keypoints = len(item.pose_estimation_series)
        return NwbPart(key, "pose", kind_name, f"{keypoints} keypoints")
    if isinstance(item, TimeSeries) and not isinstance(item, ImageSeries):
        if type(item.parent).__name__ == "PoseEstimation":  # a keypoint of a pose: shown with its pose
            return None
        shape = item.data.shape
        if len(shape) > 2:
            return None
        channels = 1 if len(shape) == 1 else shape[1]
        timing = f" at {item.rate:g} Hz" if item.rate is not None else f", {shape[0]} samples"
        summary = f"{channels} channel{'s' * (channels > 1)}{timing}, {item.unit}"
        return NwbPart(key, "signals", kind_name, summary, shown=channels <= SERIES_CHANNELS_SHOWN)
    if isinstance(item, Units):
        return NwbPart(key, "spikes", kind_name, f"{len(item.id)} units") if "spike_times" in item.colnames else None
    if isinstance(item, TimeIntervals):
        return NwbPart(key, "intervals", kind_name, f"{len(item.id)} intervals")
    return None


@dataclass(frozen=True)
class NwbSeries:
    """A `TimeSeries`' samples on the session clock: what `read_timeseries` makes a `Signal` of."""

    values: np.ndarray  # (samples, channels) float, in the series' unit
    names: tuple[str, ...]
    times: np.ndarray | RegularTimes  # a series stored with `starting_time` and `rate` keeps just those
    source: str


@dataclass(frozen=True)
class NwbIntervals:
    """An interval table's rows on the session clock, sorted by start: what `read_intervals` makes `Intervals` of."""

    starts: np.ndarray
    ends: np.ndarray
    labels: tuple[str, ...]
    notes: tuple[str, ...]
    source: str


def nwb_series(path, key: str | None = None) -> NwbSeries:
    """A `TimeSeries` of an NWB file on the session clock, in its unit (conversion applied).

    Parameters
    ----------
    path
        The NWB file.
    key
        The series' path in the file ("acquisition/lick"); may be left out when the file holds one series.

    Returns
    -------
    NwbSeries
        One channel per column, named "<series> (<unit>)" (with the channel's number when there are several),
        its times from the series' `timestamps` or `starting_time` + `rate`.

    Raises
    ------
    SignalError
        When no such series exists (the message lists those that do) or it has more than two dimensions.
    """
    with opened_nwb(path) as contents:
        series = contents.find(key, "signals", SignalError)
        key = contents.key_of(series)
        values = np.asarray(series.data[()], dtype=float)
        if values.size == 0:
            raise SignalError(f"{source_name(path)}: {key} holds no samples (its data is empty).")
        if values.ndim > 2:
            raise SignalError(
                f"{source_name(path)}: {key} holds {values.ndim}-D data {values.shape}; chronoviz shows series of "
                "samples (1-D) or samples x channels (2-D)."
            )
        values = values.reshape(len(values), -1) * series.conversion + getattr(series, "offset", 0.0)
        if series.timestamps is None:  # pynwb's own formula, `arange(n) / rate + starting_time`, computed when asked
            times = RegularTimes(len(values), float(series.rate), float(series.starting_time or 0.0))
        else:
            times = np.asarray(series.timestamps, dtype=float)
        unit = f" ({series.unit})" if series.unit and series.unit != UNKNOWN_UNIT else ""
        names = (
            (f"{series.name}{unit}",)
            if values.shape[1] == 1
            else tuple(f"{series.name} {channel}{unit}" for channel in _channel_names(series, values.shape[1]))
        )
    return NwbSeries(values, names, times, f"{path}:{key}")


def _channel_names(series, n_channels: int) -> list[str]:
    """An ElectricalSeries' electrode ids, else the column numbers."""
    electrodes = getattr(series, "electrodes", None)
    if electrodes is not None:
        ids = electrodes.table.id[:]
        return [str(ids[row]) for row in electrodes.data[:]]
    return [str(column) for column in range(n_channels)]


def nwb_intervals(path, key: str | None = None) -> NwbIntervals:
    """An interval table of an NWB file (trials, epochs, any `TimeIntervals`) on the session clock.

    Each interval is labelled by the table's `label` column, else its first text column (e.g. a trial's
    `condition`), else the table's name; its note is the `note` column, else the remaining text columns.

    Parameters
    ----------
    path
        The NWB file.
    key
        The table's path ("intervals/trials"); may be left out when the file holds one interval table.

    Raises
    ------
    LabelError
        When no such table exists (the message lists those that do).
    """
    with opened_nwb(path) as contents:
        found = contents.find(key, "intervals", LabelError)
        name, table = found.name, found.to_dataframe()
    texts = [
        column
        for column in table.columns
        if column not in ("start_time", "stop_time", "timeseries") and table[column].map(type).eq(str).all()
    ]
    label_column = "label" if "label" in texts else next((column for column in texts if column != "note"), None)
    labels = table[label_column].tolist() if label_column else [name] * len(table)
    others = [column for column in texts if column not in (label_column, "note")]
    notes = (
        table["note"].tolist()
        if "note" in texts
        else ["; ".join(f"{column}: {row[column]}" for column in others) for _, row in table.iterrows()]
    )
    order = np.argsort(table["start_time"].to_numpy(float), kind="stable")
    return NwbIntervals(
        table["start_time"].to_numpy(float)[order],
        table["stop_time"].to_numpy(float)[order],
        tuple(labels[i] for i in order),
        tuple(notes[i] for i in order),
        f"{path}:{name}",
    )


def read_nwb_units(path, key: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The spike times of an NWB units table and the unit id of each spike.

    Raises
    ------
    LabelError
        When the file has no units table with spike times.
    """
    with opened_nwb(path) as contents:
        units = contents.find(key, "spikes", LabelError)
        ids = units.id[:]
        per_unit = [np.asarray(units["spike_times"][row], dtype=float) for row in range(len(ids))]
    counts = [len(times) for times in per_unit]
    times = np.concatenate(per_unit) if per_unit else np.empty(0)
    return times, np.repeat(ids, counts)


def nwb_video_series(path, key: str | None = None) -> NwbVideoSeries:
    """A video an NWB file points at (an `ImageSeries` with external files), with its files resolved.

    Parameters
    ----------
    path
        The NWB file.
    key
        The series' path ("acquisition/BehaviorVideo"); may be left out when the file holds one such video.

    Raises
    ------
    VideoReadError
        When no such video exists, or its files are missing (the message names them and where they were looked
        for).
    """
    with opened_nwb(path) as contents:
        series = contents.find(key, "video", VideoReadError) if key is not None else _first_video(contents)
        names = [str(name) for name in series.external_file[:]]
        # a streamed session's videos are downloaded once to the cache: decoding seeks back and forth
        files = tuple(
            cached_download(beside(path, name)) if is_url(path) else (Path(path).parent / name).resolve()
            for name in names
        )
        starting = series.starting_frame
        found = NwbVideoSeries(
            contents.key_of(series),
            files,
            tuple(int(start) for start in (starting if starting is not None else [0])),
            None if series.timestamps is None else np.asarray(series.timestamps[()], dtype=float),
            series.starting_time,
            series.rate,
        )
    missing = [file for file in files if not file.is_file()]
    if missing:
        raise VideoReadError(
            f"{source_name(path)}: the video files of {found.key} are missing: {', '.join(map(str, missing))}. NWB "
            "keeps videos as files beside it (external_file, relative to the NWB file): put them there."
        )
    return found


@dataclass(frozen=True)
class NwbPoseRecording:
    """What an NWB file records of a pose estimation besides the keypoints.

    Attributes
    ----------
    key : str
        The estimation's path in the file ("processing/behavior/PoseEstimation").
    times : ndarray
        The pose's rows' times on the session clock.
    video_key : str or None
        The key of the video in this file it was made on: the one its `source_video` names, else the one whose
        files include the first of its `original_videos`.
    video_file : str or None
        That video's (first) file name, or the first of its `original_videos`.
    video_size : tuple of int or None
        (width, height) of the frames it was made on, when recorded.
    edges : tuple of (str, str)
        Its skeleton's edges by keypoint name (none when it has no skeleton).
    """

    key: str
    times: np.ndarray
    video_key: str | None
    video_file: str | None
    video_size: tuple[int, int] | None
    edges: tuple[tuple[str, str], ...] = ()


def nwb_pose_recording(path, key: str | None = None) -> NwbPoseRecording:
    """The times, video and skeleton of an NWB file's ndx-pose `PoseEstimation`.

    Parameters
    ----------
    path
        The NWB file, or the address of a streamed one.
    key
        The estimation's path in the file; may be left out when the file holds one.

    Raises
    ------
    PoseError
        When the file holds no such estimation, or several and no key names one.
    """
    with opened_nwb(path) as contents:
        estimation = contents.find(key, "pose", PoseError)
        first = next(iter(estimation.pose_estimation_series.values()))
        times = np.asarray(first.get_timestamps(), dtype=float)
        edges = _skeleton_edges(estimation)
        found = contents.key_of(estimation)
        source = getattr(estimation, "source_video", None)
        if source is not None and source.external_file is not None:
            size = source.dimension
            return NwbPoseRecording(
                found,
                times,
                contents.key_of(source),
                str(source.external_file[0]),
                None if size is None else (int(size[0]), int(size[1])),
                edges,
            )
        videos, sizes = estimation.original_videos, estimation.dimensions
        video_file = None if videos is None else str(videos[0])
        return NwbPoseRecording(
            found,
            times,
            None if video_file is None else _video_with_file(contents, video_file),
            video_file,
            None if sizes is None else (int(sizes[0][0]), int(sizes[0][1])),
            edges,
        )


def _skeleton_edges(estimation) -> tuple[tuple[str, str], ...]:
    """A pose estimation's skeleton edges as pairs of keypoint names (ndx-pose keeps node indices)."""
    skeleton = getattr(estimation, "skeleton", None)
    if skeleton is None or skeleton.edges is None:
        return ()
    nodes = [str(node) for node in skeleton.nodes[:]]
    return tuple((nodes[int(a)], nodes[int(b)]) for a, b in np.asarray(skeleton.edges[:]).reshape(-1, 2))


def _video_with_file(contents: NwbContents, video_file: str) -> str | None:
    """The key of the file's video one of whose external files has `video_file`'s name, if any."""
    name = Path(video_file).name
    for key, part in contents.parts.items():
        if part.kind == "video" and name in (Path(str(file)).name for file in contents.objects[key].external_file):
            return key
    return None


def nwb_pose_dataset(path, from_nwb_file, key: str | None = None):
    """An NWB file's ndx-pose `PoseEstimation` as a movement poses dataset, wherever it sits in the file.

    Parameters
    ----------
    path
        The NWB file, or the address of a streamed one.
    from_nwb_file
        movement's loader (`movement.io.load_poses.from_nwb_file`): it reads from the file chronoviz holds open,
        by the estimation's processing module and name (movement alone looks for behavior/PoseEstimation).
    key
        The estimation's path in the file; may be left out when the file holds one.

    Raises
    ------
    PoseError
        When the file holds no such estimation, or several and no key names one, or it sits outside a processing
        module.
    """
    with opened_nwb(path) as contents:
        estimation = contents.find(key, "pose", PoseError)
        module = estimation.parent
        if contents.nwbfile.processing.get(module.name) is not module:
            raise PoseError(
                f"{contents.name}: its pose estimation {contents.key_of(estimation)} is not in a processing module, "
                "where ndx-pose keeps them (processing/behavior/PoseEstimation): move it there when writing the file."
            )
        return from_nwb_file(contents.nwbfile, module.name, estimation.name)


def _first_video(contents: NwbContents):
    """The first video of an NWB file (a session's main camera), or a VideoReadError when it points at none."""
    videos = [contents.objects[key] for key, part in contents.parts.items() if part.kind == "video"]
    if not videos:
        raise VideoReadError(
            f"{contents.name} holds no video: no ImageSeries with external files. Frames stored inside the NWB "
            "file are not read yet; open the video file itself."
        )
    return videos[0]


def _is_external_video(item) -> bool:
    """Whether `item` is an `ImageSeries` whose frames are in video files beside the NWB file."""
    from pynwb.image import ImageSeries

    return isinstance(item, ImageSeries) and item.external_file is not None


class NwbVideo(VideoSource):
    """The video of an NWB `ImageSeries`: its external files read as one, its frames on the session clock.

    Parameters
    ----------
    path
        The NWB file.
    key
        The `ImageSeries`' path in the file; may be left out when the file points at one video.
    """

    def __init__(self, path, key: str | None = None):
        self.path = path if is_url(path) else Path(path)  # an address stays one: sessions and layers keep it
        self.series = nwb_video_series(self.path, key)
        # every file's frame count is known from where the next one starts, the last one's by decoding it
        from .pyav_video import PyAVVideo

        last = PyAVVideo(self.series.files[-1])
        self.n_frames = self.series.starting_frames[-1] + len(last)
        self.height, self.width = last.height, last.width
        starts = [*self.series.starting_frames, self.n_frames]
        self._chunks = VideoChunks(self.series.files, starts, self._mismatch, {len(starts) - 2: last})
        try:
            self.frame_times = self.series.frame_times(self.n_frames, source_name(self.path))
        except VideoReadError:
            self.close()
            raise
        self.fps = nominal_rate(self.frame_times) if self.series.rate is None else float(self.series.rate)

    @property
    def recorded_file(self) -> Path:
        """The series' first video file (what a pose made on it names)."""
        return self.series.files[0]

    @property
    def key(self) -> str:
        """The `ImageSeries`' path in the NWB file."""
        return self.series.key

    def _mismatch(self, file: Path, decoded: int, expected: int) -> str:
        return (
            f"{source_name(self.path)}: {file.name} decodes to {decoded} frames but {self.series.key}'s "
            f"starting_frame gives it {expected}. The NWB file and its videos do not belong together: check that "
            "the videos beside it are the ones it was written with."
        )

    def read_frame(self, index: int) -> np.ndarray:
        """Return frame `index` of the series (counting across its files) as RGB uint8."""
        return self._chunks.read_frame(index)

    def close(self) -> None:
        """Close the open video files."""
        self._chunks.close()


LABELS_TABLE, EVENTS_TABLE = "chronoviz_labels", "chronoviz_events"


def write_nwb_labels(intervals, events, source, path, *, overwrite: bool = False) -> Path:
    """Write labels made on an NWB session's video to an NWB labels file of that session, never into the session.

    The labels file is small, whatever the session holds: an NWB file on the session's clock (its
    `session_start_time` and `timestamps_reference_time`, its identifier with "-chronoviz-labels" added, its
    subject) holding the bouts as a `TimeIntervals` table `intervals/chronoviz_labels` (columns `label`, `note`) and
    the point events, if any, as `intervals/chronoviz_events` (start = stop), as derived files sit beside a
    session on DANDI. Its `notes` name the session file.

    Parameters
    ----------
    intervals : Intervals
        The bouts, in seconds on the session clock.
    events : Events
        The point events (may hold none).
    source
        The NWB session the labels were made on (a path, or the address of a streamed one).
    path
        The labels file to write (`.nwb`); written beside under a temporary name first, then renamed, so a failure
        leaves no partial file.
    overwrite : bool
        Replace an existing `path`; without it an existing file is an error.

    Returns
    -------
    Path
        The written labels file.

    Raises
    ------
    LabelError
        When `path` is the session file itself.
    FileExistsError
        When `path` exists and `overwrite` is False.
    """
    import os
    import secrets

    import pynwb
    from pynwb.epoch import TimeIntervals

    path = Path(path).expanduser().resolve()
    if not is_url(source) and path == Path(source).resolve():
        raise LabelError(
            f"The labels go into a labels file of {source_name(source)}, never into the session file itself: choose "
            f"another file name (e.g. {Path(source).stem}_labels{NWB_SUFFIX})."
        )
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} exists: choose another file name, or pass overwrite=True (tick *overwrite* in the dock) to "
            "replace it."
        )
    with opened_nwb(source) as contents:
        session = contents.nwbfile
        labels_file = pynwb.NWBFile(
            session_description=f"behavior labels of: {session.session_description}",
            identifier=f"{session.identifier}-chronoviz-labels",
            session_start_time=session.session_start_time,
            timestamps_reference_time=session.timestamps_reference_time,
            session_id=session.session_id,
            notes=(
                f"Behavior labels made in napari-chronoviz on the videos of {contents.name} (identifier "
                f"{session.identifier}); times in seconds on its session clock."
            ),
        )
        if session.subject is not None:
            subject = session.subject
            fields = ("subject_id", "species", "sex", "age", "description", "strain", "genotype")
            labels_file.subject = pynwb.file.Subject(**{field: getattr(subject, field) for field in fields})
    tables = [(LABELS_TABLE, "behavior bouts labelled in napari-chronoviz", intervals.starts, intervals.ends)]
    if len(events.times):
        tables.append((EVENTS_TABLE, "point events labelled in napari-chronoviz", events.times, events.times))
    for name, description, starts, ends in tables:
        table = TimeIntervals(name=name, description=description)
        table.add_column("label", "the behavior")
        table.add_column("note", "the labeller's note")
        labels = intervals.labels if name == LABELS_TABLE else events.kinds
        notes = intervals.notes if name == LABELS_TABLE else [""] * len(labels)
        for start, end, label, note in zip(starts, ends, labels, notes):
            table.add_row(start_time=float(start), stop_time=float(end), label=label, note=note)
        labels_file.add_time_intervals(table)
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(6)}.partial{NWB_SUFFIX}")  # pynwb wants .nwb
    try:
        with pynwb.NWBHDF5IO(str(temporary), "w") as write_io:
            write_io.write(labels_file)
        close_nwb_files(path)  # a labels file written before and read since is replaced, not written under a reader
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def nwb_labels(path) -> tuple[NwbIntervals | None, NwbIntervals | None]:
    """The labels `write_nwb_labels` wrote into an NWB file: its bouts and its point events (start = stop), each None
    when the file holds none.

    Raises
    ------
    LabelError
        When the file holds neither table.
    """
    with opened_nwb(path) as contents:
        held = set(contents.nwbfile.intervals)
    if not {LABELS_TABLE, EVENTS_TABLE} & held:
        raise LabelError(
            f"{source_name(path)} holds no chronoviz labels (intervals/{LABELS_TABLE}); its interval tables: "
            f"{', '.join(sorted(held)) or 'none'}. Add those as intervals in the Overlays dock instead."
        )
    return tuple(
        nwb_intervals(path, f"intervals/{name}") if name in held else None for name in (LABELS_TABLE, EVENTS_TABLE)
    )
