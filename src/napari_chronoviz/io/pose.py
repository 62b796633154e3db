"""Pose tracks (DeepLabCut, SLEAP, movement, ...) read into one `Pose`.

Built in (no extra packages): DeepLabCut `.h5`/`.csv` (single and multi-animal) and SLEAP analysis `.h5`
(both axis layouts). Through the `pose` extra (`pip install "napari-chronoviz[pose]"`): SLEAP `.slp` with
sleap-io, movement netCDF datasets with xarray, and NWB / Anipose / LightningPose files with movement.
"""

from __future__ import annotations

import csv
import difflib
import importlib
import json
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path, PureWindowsPath

import h5py
import numpy as np
import pandas as pd
import yaml

from ..errors import ChronovizWarning, PoseError, advice
from .formats import HDF5_SUFFIXES
from .hdf5 import pandas_keys, read_pandas_table
from .nwb import is_nwb, nwb_pose_dataset, nwb_pose_recording

POSE_EXTRA = 'pip install "napari-chronoviz[pose]"'
DLC_HEADER_ROWS = ("scorer", "individuals", "bodyparts", "coords")
DLC_NAME = re.compile(r"^(?P<video>.+?)DLC_")  # DeepLabCut names its output <video stem>DLC_<scorer>...
# Keypoints further than this share of the frame's width or height outside it are not of this video's pixels;
# trackers do place a few just outside the edge.
OUTSIDE_MARGIN = 0.05
OUTSIDE_SHARE = 0.01  # more than this share of the points that far outside: the pose is of another frame


@dataclass(frozen=True)
class VideoRecord:
    """What a pose file records about the video it was made on.

    Attributes
    ----------
    path : str
        The video's path as the file records it (possibly on another machine), or the stem DeepLabCut's file
        name carries.
    recorded_by : str
        Where the path comes from, for messages ("its SLEAP video_path", "its NWB source_video", ...).
    size : tuple of int, optional
        (width, height) in pixels of the frames the pose was made on, when the file records it.
    n_frames : int, optional
        That video's frame count, when the file records it.
    """

    path: str
    recorded_by: str
    size: tuple[int, int] | None = None
    n_frames: int | None = None

    @property
    def stem(self) -> str:
        """The recorded video's file name without its suffix (Windows paths too)."""
        return PureWindowsPath(self.path).stem if "\\" in self.path else Path(self.path).stem


@dataclass(frozen=True, eq=False)
class Pose:
    """Keypoints of one or more individuals over frames."""

    xy: np.ndarray  # (n_frames, n_individuals, n_keypoints, 2) float, NaN where missing
    confidence: np.ndarray  # (n_frames, n_individuals, n_keypoints) float, NaN where unknown
    keypoints: tuple[str, ...]
    individuals: tuple[str, ...]
    edges: tuple[tuple[str, str], ...] = ()  # skeleton: pairs of keypoint names
    frames: np.ndarray | None = None  # video frame index of each row (None: row k is frame k)
    times: np.ndarray | None = None  # seconds of each row, when the file has them
    source: str = ""
    heading: np.ndarray | None = None  # (n_frames, n_individuals) radians, when given (see `with_heading`)
    video: VideoRecord | None = None  # the video the file says the pose was made on

    @property
    def n_frames(self) -> int:
        return len(self.xy)

    @property
    def edge_indices(self) -> np.ndarray:
        """The skeleton as (n_edges, 2) keypoint indices."""
        index = {name: i for i, name in enumerate(self.keypoints)}
        return np.array([(index[a], index[b]) for a, b in self.edges], dtype=int).reshape(-1, 2)

    def keypoint_index(self, name: str) -> int:
        """The index of keypoint `name`; a `PoseError` with the closest names when there is none."""
        checked_edges([(name, name)], self.keypoints, self.source)
        return self.keypoints.index(name)

    def with_heading(self, angles, unit: str = "rad") -> Pose:
        """A copy with a heading per frame and individual, drawn as an arrow instead of one from two keypoints.

        `angles` is (n_frames,) or (n_frames, n_individuals), in image coordinates: 0 points right (+x),
        a quarter turn points down (+y, as rows grow); `unit` "rad" or "deg". NaN: no arrow.
        """
        if unit not in ("rad", "deg"):
            raise PoseError(f"Heading unit must be 'rad' or 'deg', not {unit!r}.")
        angles = np.asarray(angles, dtype=float)
        angles = angles[:, None] if angles.ndim == 1 else angles
        if angles.shape != (self.n_frames, len(self.individuals)):
            raise PoseError(
                f"The heading needs one angle per frame and individual, {(self.n_frames, len(self.individuals))}; "
                f"got shape {angles.shape}."
            )
        return replace(self, heading=np.radians(angles) if unit == "deg" else angles)

    def with_edges(self, edges) -> Pose:
        """A copy with skeleton `edges` (pairs of keypoint names), checked against the keypoints."""
        return replace(self, edges=checked_edges(edges, self.keypoints, self.source))


def read_pose(path, *, edges=None, key: str | None = None) -> Pose:
    """Read pose tracks from `path`; `edges` (pairs of keypoint names) replaces the file's skeleton; `key` names
    the pose estimation of an NWB file that holds several ("processing/behavior/PoseEstimation").

    Formats: DeepLabCut `.h5`/`.csv` (single and multi-animal; the skeleton comes from the project's
    `config.yaml` when it sits beside or above the file), SLEAP analysis `.h5` (with or without the `dims`
    attribute), SLEAP `.slp`, movement netCDF `.nc`, NWB `.nwb` (the last three need the `pose` extra).
    Missing points are NaN, including DeepLabCut's multi-animal 0.0 with likelihood 0.
    """
    if is_nwb(path):  # also a streamed session's (an address)
        load = _import_extra("movement.io.load_poses", path)
        recorded = nwb_pose_recording(path, key)
        pose = pose_from_movement(nwb_pose_dataset(path, load.from_nwb_file, recorded.key), path)
        pose = _with_nwb_recording(pose, recorded)
        return pose.with_edges(edges if edges is not None else recorded.edges)
    if key is not None:
        raise PoseError(f"key={key!r} names a pose estimation inside an NWB file; {Path(path).name} is not one.")
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Pose file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in HDF5_SUFFIXES:
        if pandas_keys(path):
            pose = _pose_from_dlc_table(read_pandas_table(path, None, PoseError), path)
        else:
            pose = _read_hdf5_pose(path)
    elif suffix == ".csv":
        pose = _read_dlc_csv(path)
    elif suffix == ".slp":
        pose = _read_slp(path)
    elif suffix == ".nc":
        pose = pose_from_movement(_import_extra("xarray", path).open_dataset(path), path)
    else:
        raise PoseError(
            f"{path}: unknown pose format {suffix!r}. Supported: DeepLabCut .h5/.csv, SLEAP analysis .h5, "
            f"SLEAP .slp, movement .nc, NWB .nwb (the last three with {POSE_EXTRA})."
        )
    return pose.with_edges(edges) if edges is not None else pose


def check_pose_video(
    pose: Pose, video_path: str | Path | None, video_size: tuple[int, int], n_frames: int, *, refuse: bool = True
) -> None:
    """Check that `pose` was made on this video, from what its file records and where its keypoints lie.

    The evidence: the video's name the file records (SLEAP's video path, NWB's video reference, DeepLabCut's
    `<video>DLC_<scorer>` file name), the frame size and count it records (newer SLEAP files, NWB), keypoints
    far outside this video's frame, and a pose with another number of rows than the video has frames. A pose whose
    recorded size differs, or with keypoints far outside the frame, is in another video's pixels: refused.
    A name that differs with nothing else against it may be a renamed copy: a warning. A name that differs
    and anything else: refused.

    Parameters
    ----------
    pose : Pose
        The pose, as `read_pose` gives it (its `video` is what the file records).
    video_path : str or Path or None
        The video the pose is drawn on (None: given in memory, no name to compare).
    video_size : tuple of int
        The video's (width, height) in pixels, as shown (upright).
    n_frames : int
        The video's frame count.
    refuse : bool
        False: every finding is a warning (the user says the pose is of this video).

    Raises
    ------
    PoseError
        Naming the pose and the video, both sizes and names, and how to override, when the pose cannot be of
        this video and `refuse` is True.
    """
    record = pose.video
    video_name = Path(video_path).name if video_path else None
    findings, decisive = [], False
    if record is not None and record.size is not None and tuple(record.size) != tuple(video_size):
        findings.append(
            f"it was made on frames of {record.size[0]}x{record.size[1]} px, this video's are "
            f"{video_size[0]}x{video_size[1]} px"
        )
        decisive = True
    if record is not None and record.n_frames is not None and record.n_frames != n_frames:
        findings.append(f"its video had {record.n_frames} frames, this one has {n_frames}")
    outside = _share_far_outside(pose.xy, video_size)
    if outside > OUTSIDE_SHARE:
        box = np.nanmax(pose.xy.reshape(-1, 2), axis=0)
        findings.append(
            f"{100 * outside:.0f}% of its keypoints lie outside this video's {video_size[0]}x"
            f"{video_size[1]} px frame (up to x={box[0]:.0f}, y={box[1]:.0f})"
        )
        decisive = True
    frame_for_frame = pose.frames is None or np.array_equal(pose.frames, np.arange(pose.n_frames))
    if frame_for_frame and pose.times is None and pose.n_frames != n_frames:
        findings.append(f"it has {pose.n_frames} rows (frames) for this video's {n_frames} frames")
    name_differs = record is not None and video_name is not None and not _same_video_name(record.stem, video_name)
    if not name_differs and not decisive:
        return
    pose_name, video_name = Path(pose.source).name or "The pose", video_name or "this video"
    head = (
        f"{pose_name} was made on {record.path} ({record.recorded_by}), not on {video_name}"
        if name_differs
        else f"{pose_name} does not fit {video_name}"
    )
    message = f"{head}{': ' + '; '.join(findings) if findings else ''}."
    if refuse and (decisive or findings):
        raise PoseError(
            f"{message} Its keypoints would be drawn in the wrong place. Give the pose tracked on {video_name}; "
            f"if this pose was made on it after all (a renamed or re-encoded copy of the same frames), "
            f"{advice('check_video')}."
        )
    doubt = (
        "Drawn anyway: the check is turned off."
        if decisive or findings
        else "If the video was renamed this is fine; otherwise the keypoints are drawn in the wrong place."
    )
    warnings.warn(ChronovizWarning(f"{message} {doubt}"), stacklevel=3)


def _same_video_name(recorded_stem: str, video_name: str) -> bool:
    """Whether a video file name is the recorded one, or one made from it with a suffix (`clip_compressed.mp4`,
    DeepLabCut's `<video>DLC_<scorer>_labeled.mp4`); `clip2.mp4` is not `clip.mp4`'s."""
    stem, recorded = Path(video_name).stem.lower(), recorded_stem.lower()
    rest = stem[len(recorded) :]
    return stem.startswith(recorded) and (not rest or rest[0] in "_-. " or rest.startswith("dlc_"))


def _share_far_outside(xy: np.ndarray, video_size: tuple[int, int]) -> float:
    """The share of the known keypoints further than `OUTSIDE_MARGIN` of the frame outside it."""
    points = xy.reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return 0.0
    size = np.asarray(video_size, dtype=float)
    far = (points < -OUTSIDE_MARGIN * size) | (points > (1 + OUTSIDE_MARGIN) * size)
    return float(far.any(axis=1).mean())


def checked_edges(edges, keypoints, source="") -> tuple[tuple[str, str], ...]:
    """`edges` as name pairs; names may also be keypoint indices. Absent names raise with the closest ones."""
    pairs = []
    for edge in edges:
        if len(edge) != 2:
            raise PoseError(f"A skeleton edge joins two keypoints; got {edge!r}.")
        pair = tuple(keypoints[int(end)] if isinstance(end, (int, np.integer)) else str(end) for end in edge)
        absent = list(dict.fromkeys(name for name in pair if name not in keypoints))
        if absent:
            hints = "; ".join(
                f"{name!r}: did you mean {difflib.get_close_matches(name, keypoints, n=3, cutoff=0.4) or 'none close'}"
                for name in absent
            )
            raise PoseError(
                f"{'Skeleton edge ' + str(pair) if pair[0] != pair[1] else 'The style'} names keypoint(s) {absent} "
                f"that {source or 'the pose'} does not have ({hints}). "
                f"Its keypoints are {list(keypoints)}."
            )
        pairs.append(pair)
    return tuple(pairs)


def _pose_from_dlc_table(table: pd.DataFrame, path: Path) -> Pose:
    """DeepLabCut's columns (scorer, [individuals,] bodyparts, coords) -> arrays; 0, 0, likelihood 0 -> NaN."""
    levels = list(table.columns.names)
    if "bodyparts" not in levels or "coords" not in levels:
        raise PoseError(
            f"{path} is not a DeepLabCut table: its column levels are {levels}, expected scorer, [individuals,] "
            "bodyparts, coords."
        )
    columns = table.columns.to_frame(index=False)
    if "individuals" not in columns:
        columns["individuals"] = "individual_0"
    individuals = tuple(dict.fromkeys(columns["individuals"]))
    keypoints = tuple(dict.fromkeys(columns["bodyparts"]))
    data = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    xy = np.full((len(table), len(individuals), len(keypoints), 2), np.nan)
    confidence = np.full(xy.shape[:3], np.nan)
    for position, (individual, keypoint, coord) in enumerate(
        zip(columns["individuals"], columns["bodyparts"], columns["coords"])
    ):
        target = (slice(None), individuals.index(individual), keypoints.index(keypoint))
        if coord in ("x", "y"):
            xy[target + ("xy".index(coord),)] = data[:, position]
        elif coord == "likelihood":
            confidence[target] = data[:, position]
    missing = (confidence == 0) & (xy == 0).all(axis=-1)
    xy[missing] = np.nan
    frames = pd.to_numeric(pd.Series(table.index), errors="coerce").to_numpy()
    frames = frames.astype(np.int64) if np.isfinite(frames).all() else None
    named = DLC_NAME.match(path.name)
    video = VideoRecord(named.group("video"), "its DeepLabCut file name, <video>DLC_<scorer>") if named else None
    pose = Pose(xy, confidence, keypoints, individuals, frames=frames, source=str(path), video=video)
    return replace(pose, edges=_dlc_project_skeleton(path, keypoints))


def _read_dlc_csv(path: Path) -> Pose:
    """DeepLabCut CSV: the header rows are split by hand, because pandas mangles repeated/blank header cells."""
    with open(path, newline="", encoding="utf-8") as handle:
        header = []
        for row in csv.reader(handle):
            if not row or row[0].strip().lower() not in DLC_HEADER_ROWS:
                break
            header.append(row)
    names = [row[0].strip().lower() for row in header]
    if "bodyparts" not in names or "coords" not in names:
        raise PoseError(
            f"{path} is not a DeepLabCut CSV: its first rows should start with 'scorer', ['individuals',] "
            f"'bodyparts', 'coords'; found {names or 'none of them'}."
        )
    data = pd.read_csv(path, header=None, skiprows=len(header), index_col=0)
    width = min(len(row) for row in header)
    if data.shape[1] != width - 1:
        raise PoseError(f"{path}: the header names {width - 1} columns but the data rows have {data.shape[1]}.")
    data.columns = pd.MultiIndex.from_arrays([row[1:width] for row in header], names=names)
    return _pose_from_dlc_table(data, path)


def _dlc_project_skeleton(path: Path, keypoints) -> tuple[tuple[str, str], ...]:
    """The `skeleton` of the DeepLabCut project's config.yaml beside or above `path`, if every name fits."""
    for folder in (path.parent, path.parent.parent):
        config = folder / "config.yaml"
        if config.is_file():
            with open(config, encoding="utf-8") as handle:
                skeleton = (yaml.safe_load(handle) or {}).get("skeleton") or []
            if all(len(pair) == 2 and set(pair) <= set(keypoints) for pair in skeleton):
                return tuple(tuple(pair) for pair in skeleton)
    return ()


def _read_hdf5_pose(path: Path) -> Pose:
    """SLEAP analysis HDF5: `tracks` in the standard (frame, track, node, xy) or classic (track, xy, node, frame)
    layout."""
    with h5py.File(path, "r") as handle:
        if "tracks" not in handle:
            if "position" in handle:  # a movement netCDF saved as .h5
                return pose_from_movement(_import_extra("xarray", path).open_dataset(path), path)
            raise PoseError(
                f"{path} is neither a DeepLabCut table nor a SLEAP analysis file (no 'tracks' dataset); it holds "
                f"{list(handle.keys())}."
            )
        tracks = handle["tracks"]
        # Files without `dims` attributes: classic ones (SLEAP's default) are (track, xy, node, frame).
        classic = tracks.ndim == 4 and tracks.shape[1] == 2
        layout = ["track", "xy", "node", "frame"] if classic else ["frame", "track", "node", "xy"]
        xy = np.transpose(tracks[()].astype(float), _axis_order(tracks, ("frame", "track", "node", "xy"), layout, path))
        confidence = np.full(xy.shape[:3], np.nan)
        if "point_scores" in handle:
            scores = handle["point_scores"]
            layout = ["track", "node", "frame"] if classic else ["frame", "track", "node"]
            order = _axis_order(scores, ("frame", "track", "node"), layout, path)
            confidence = np.transpose(scores[()].astype(float), order)
        keypoints = _strings(handle["node_names"][()]) if "node_names" in handle else _numbered("node", xy.shape[2])
        individuals = _strings(handle["track_names"][()]) if "track_names" in handle else ()
        edges = tuple(tuple(pair) for pair in _strings(handle["edge_names"][()])) if "edge_names" in handle else ()
        video_path = _strings([handle["video_path"][()]])[0] if "video_path" in handle else ""
    if len(individuals) != xy.shape[1]:
        individuals = _numbered("track", xy.shape[1])
    return Pose(
        xy,
        confidence,
        tuple(keypoints),
        tuple(individuals),
        checked_edges(edges, keypoints, path),
        source=str(path),
        video=VideoRecord(video_path, "its SLEAP video_path") if video_path else None,
    )


def _axis_order(dataset, wanted: tuple[str, ...], fallback: list[str], path: Path) -> tuple[int, ...]:
    """Axis permutation from the dataset's layout (its `dims` attribute, else `fallback`) to `wanted`."""
    dims = dataset.attrs.get("dims")
    stored = json.loads(dims.decode() if isinstance(dims, bytes) else dims) if dims is not None else fallback
    if sorted(stored) != sorted(wanted) or len(stored) != dataset.ndim:
        raise PoseError(f"{path}: {dataset.name} has axes {stored}, shape {dataset.shape}; expected {list(wanted)}.")
    return tuple(stored.index(axis) for axis in wanted)


def _read_slp(path: Path) -> Pose:
    sleap_io = _import_extra("sleap_io", path)
    labels = sleap_io.load_slp(str(path))
    if not labels.skeletons:
        raise PoseError(f"{path} has no skeleton, so no keypoints to show.")
    if len(labels.videos) > 1:
        raise PoseError(
            f"{path} labels {len(labels.videos)} videos; export the one to show with SLEAP as an analysis .h5."
        )
    skeleton = labels.skeletons[0]
    tracked = bool(labels.tracks)
    array = labels.numpy(return_confidence=True, untracked=not tracked).astype(float)
    individuals = tuple(track.name for track in labels.tracks) if tracked else _numbered("instance", array.shape[1])
    return Pose(
        array[..., :2],
        array[..., 2],
        tuple(skeleton.node_names),
        individuals,
        tuple(tuple(pair) for pair in skeleton.edge_names),
        source=str(path),
        video=_slp_video_record(labels.videos[0]) if labels.videos else None,
    )


def _slp_video_record(video) -> VideoRecord | None:
    """The video a SLEAP file was made on: its path, and its shape when the file stores it (newer SLEAP does).

    A package with embedded frames names the video they came from as its `source_video`; without one, the
    package's own name and shape say nothing about the video (None)."""
    video = getattr(video, "source_video", None) or video
    if str(video.filename).lower().endswith(".slp"):
        return None
    shape = (video.backend_metadata or {}).get("shape")  # (frames, height, width, channels)
    return VideoRecord(
        str(video.filename),
        "its SLEAP video",
        size=(int(shape[2]), int(shape[1])) if shape else None,
        n_frames=int(shape[0]) if shape else None,
    )


def _with_nwb_recording(pose: Pose, recorded) -> Pose:
    """`pose` read by movement from an NWB file, with the times on the session clock (movement starts them at 0)
    and the video the file says it was made on (`recorded`, its `NwbPoseRecording`)."""
    source = "its NWB source_video" if recorded.video_key is not None else "its NWB original_videos"
    video = None if recorded.video_file is None else VideoRecord(recorded.video_file, source, size=recorded.video_size)
    return replace(pose, times=recorded.times, video=video)


def pose_from_movement(dataset, path) -> Pose:
    """A `Pose` from a movement dataset (xarray with `position` over time, space, keypoints, individuals)."""
    dataset = dataset.rename({single: single + "s" for single in ("keypoint", "individual") if single in dataset.dims})
    if "position" not in dataset:
        raise PoseError(f"{path} is not a movement pose dataset: it has no 'position' variable.")
    position = dataset["position"]
    needed = ("time", "individuals", "keypoints", "space")
    if set(position.dims) != set(needed):
        raise PoseError(f"{path}: 'position' has dims {position.dims}; expected {needed} in some order.")
    xy = position.transpose(*needed).to_numpy().astype(float)[..., :2]
    confidence = (
        dataset["confidence"].transpose(*needed[:3]).to_numpy().astype(float)
        if "confidence" in dataset
        else np.full(xy.shape[:3], np.nan)
    )
    time = dataset["time"].to_numpy().astype(float)
    in_seconds = dataset.attrs.get("time_unit") == "seconds"
    return Pose(
        xy,
        confidence,
        tuple(str(name) for name in dataset["keypoints"].to_numpy()),
        tuple(str(name) for name in dataset["individuals"].to_numpy()),
        times=time if in_seconds else None,
        frames=None if in_seconds else time.astype(np.int64),
        source=str(path),
    )


def _import_extra(module: str, path: Path):
    try:
        return importlib.import_module(module)
    except ImportError as missing:
        raise PoseError(
            f"Reading {path} needs {module.split('.')[0]}, which comes with the pose extra: {POSE_EXTRA}."
        ) from missing


def _strings(array) -> list:
    """Decode the bytes SLEAP stores for names (nested lists for edges)."""
    return [
        _strings(item) if np.ndim(item) else (item.decode() if isinstance(item, bytes) else str(item)) for item in array
    ]


def _numbered(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}_{i}" for i in range(count))
