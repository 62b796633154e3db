"""Sessions: what a scientist set up (videos, their frame-time files, signals, pose, labels, alignment,
window, layout, style, tiles, spatial calibration), saved as a small YAML file (`.cvz`) and opened again by a script,
`chronoviz render SESSION.cvz`, `chronoviz view SESSION.cvz` or napari's File > Open.

Each source is kept by path with its reader and alignment options (`SourceSpec`); signals, events and
intervals that exist only in memory are written beside the session file and kept by that path. Paths beside
the session file (in its folder or below) are written relative to it, so a folder of data and its session can
be moved together; other paths are written whole. A session naming a file that is gone
opens the rest, with a warning naming each missing file.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .errors import ChronovizError, ChronovizWarning, advice
from .io.ethogram import write_ethogram
from .io.formats import SESSION_SUFFIX
from .io.labels import write_events, write_intervals
from .io.nwb import is_nwb, nwb_parts, nwb_pose_recording, nwb_video_series, source_name
from .io.remote import is_url
from .io.video_factory import VideoEntry
from .scene_options import SCENE_OPTION_NAMES
from .sources import SourceSpec

SESSION_VERSION = 1
SOURCE_KEYS = ("signals", "events", "intervals", "spikes")  # the shared sources; poses belong to their video


@dataclass
class OpenedSession:
    """A session read from its file: the videos, and the keywords `create_visualization` and `attach` take.

    Attributes
    ----------
    videos : list of VideoEntry
        One per video that exists, in tile order: its file, frame-time file, orientation and NWB key.
    options : dict
        `signals`, `pose` (per video when there are several), `events`, `intervals`, `spikes`, `alignment`,
        `pose_alignment`, `labels_clock`, `window`, `layout`, `style`, `tiles` (several videos only), and
        `calibration` (as a dict) and `pose_speed` when the session has them.
    missing : list of Path
        The files the session names that do not exist (left out).
    ethogram : Path or None
        The ethogram file the labels were made with (`read_ethogram`), when the session has one.
    """

    videos: list[VideoEntry]
    options: dict
    missing: list[Path] = field(default_factory=list)
    ethogram: Path | None = None

    def open_videos(self) -> list:
        """The videos opened with their frame-time files and orientation (`open_video`); close them when done."""
        return [video.open() for video in self.videos]


def save_session(path: str | Path, videos, scene, *, ethogram=None) -> Path:
    """Write the session of `videos` shown with `scene` to `path` (YAML, `.cvz`); return the path.

    Parameters
    ----------
    path
        The session file; `.cvz` is added when it has another suffix.
    videos
        The videos, one or a list (several cameras, in tile order): each a path (a video file, imgstore or NWB
        file, opened with its own frame times) or a `VideoEntry` (with its frame-time file, orientation or NWB
        key), as `open_session` gives them back in `OpenedSession.videos`.
    scene
        The `Scene` or `TiledScene` shown (from `build_scene`, `build_tiled_scene` or an attached napari
        session's `scene`): each source by path with its reader and alignment options (a `SourceSpec`), and
        the scene's options (`SceneOptions`: alignment, window, layout, style, tiles, calibration, pose
        speed; the calibration written out, not as a path). Signals, events and intervals given in memory
        (tables, arrays) are written beside the session file (`<session>.signals-<n>.npy`,
        `<session>.events-1.csv`, `<session>.intervals-1.csv`) and saved by that path; poses and spikes given
        in memory cannot be, and are left out with a warning.
    ethogram
        The ethogram of the labels (the behaviors, their keys and colors): its file, or an `Ethogram`, written
        beside the session file as `<session>.ethogram.yaml`.

    Returns
    -------
    Path
        The written session file.
    """
    path = Path(path)
    path = path if path.suffix == SESSION_SUFFIX else path.with_name(path.name + SESSION_SUFFIX)
    videos = [VideoEntry.of(video) for video in (videos if isinstance(videos, (list, tuple)) else [videos])]
    config = scene.config
    sources = config["sources"]
    poses = [camera["pose"] for camera in config["cameras"]] if "cameras" in config else [sources.get("pose")]
    dropped: list[str] = []
    in_memory = _in_memory_writer(path, scene.sources, dropped)
    written = {
        "chronoviz_session": SESSION_VERSION,
        "videos": [
            {
                "path": _relative(video.path, path),
                "frame_times": _relative(video.frame_times, path),
                **({"key": video.key} if video.key is not None else {}),
                "pose": _saved_sources(pose, "pose", path, scene.sources, in_memory("pose")),
                **({} if video.upright else {"upright": False}),
            }
            for video, pose in zip(videos, poses)
        ],
        **{kind: _saved_sources(sources.get(kind), kind, path, scene.sources, in_memory(kind)) for kind in SOURCE_KEYS},
        **{key: config[key] for key in SCENE_OPTION_NAMES if key in config},
    }
    if ethogram is not None:
        if not isinstance(ethogram, (str, Path)):
            ethogram = write_ethogram(ethogram, path.with_name(f"{path.stem}.ethogram.yaml"))
        written["ethogram"] = _relative(ethogram, path)
    if dropped:
        warnings.warn(
            f"{path.name}: these sources were given in memory (not as files) and cannot be written beside the "
            f"session: {', '.join(dict.fromkeys(dropped))}. Save them to files and add those to keep them in the "
            "session.",
            stacklevel=2,
        )
    path.write_text(yaml.safe_dump(written, sort_keys=False), encoding="utf-8")
    return path


def _in_memory_writer(session: Path, loaded, dropped: list):
    """For each kind, a function `(index) -> Path or None` writing the `index`-th in-memory source of `loaded`
    (a scene's `Sources`) beside the session file; a kind that cannot be written is noted in `dropped`."""

    def writer(kind: str):
        def write(index: int) -> Path | None:
            beside = session.with_name(f"{session.stem}.{kind}-{index + 1}.csv")
            if kind == "signals":  # a table in NPY keeps its channel names whatever characters they hold
                beside = beside.with_suffix(".npy")
                np.save(beside, loaded.signals[index].to_dataframe().to_records(index=False), allow_pickle=False)
            elif kind == "events":
                write_events(loaded.events, beside, overwrite=True)
            elif kind == "intervals":
                write_intervals(loaded.intervals, beside, overwrite=True)
            else:
                dropped.append(kind)
                return None
            return beside

        return write

    return writer


def _saved_sources(value, kind: str, session: Path, loaded, write_in_memory):
    """A kind's sources as the session file keeps them: paths relative to the session file, specs as dicts
    with their path relative; an in-memory source (None in a list, or a single loaded source without a path)
    by the path `write_in_memory(index)` gives (None: left out)."""
    if isinstance(value, list):
        kept = [
            _saved_source(write_in_memory(index) if item is None else item, session) for index, item in enumerate(value)
        ]
        return [item for item in kept if item is not None] or None
    if value is None and kind in ("events", "intervals") and getattr(loaded, kind) is not None:
        value = write_in_memory(0)
    return _saved_source(value, session)


def _saved_source(value, session: Path):
    if isinstance(value, dict):
        return {**value, "path": _relative(value["path"], session)}
    return _relative(value, session)


def open_session(path: str | Path) -> OpenedSession:
    """Read a session file written by `save_session`, or an NWB session (see `open_nwb_session`).

    Parameters
    ----------
    path
        The `.cvz` file, or an `.nwb` file (or its `http(s)://` address: it is read in place).

    Returns
    -------
    OpenedSession
        The videos and the keywords for `create_visualization(session.open_videos(), **session.options)`.
        Files that are gone are left out and listed in `missing`, with a warning naming each.

    Raises
    ------
    ChronovizError
        When the file is not a chronoviz session or none of its videos exists.
    """
    if is_nwb(path):
        return open_nwb_session(path)
    path = Path(path)
    try:
        saved = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ChronovizError(f"{path} is not a chronoviz session (YAML): {error}") from None
    if not isinstance(saved, dict) or "chronoviz_session" not in saved or not saved.get("videos"):
        raise ChronovizError(
            f"{path} is not a chronoviz session: it has no `chronoviz_session` and `videos` entries. "
            "Write sessions with save_session (or the dock's Save session)."
        )
    missing: list[Path] = []

    def found(value):
        """`value`'s paths (or source specs' paths) resolved beside the session file; missing ones noted and left
        out."""
        if isinstance(value, list):
            kept = [item for item in map(found, value) if item is not None]
            return kept or None
        if value is None or is_url(value):
            return value
        if isinstance(value, dict):
            resolved = found(value.get("path"))
            return None if resolved is None else {**value, "path": str(resolved)}
        resolved = (path.parent / value).resolve()
        if not resolved.exists():
            missing.append(resolved)
            return None
        return resolved

    videos, poses = [], []
    for video in saved["videos"]:
        video_path = found(video["path"])
        if video_path is not None:
            times, upright = found(video.get("frame_times")), bool(video.get("upright", True))
            videos.append(VideoEntry(video_path, times, upright, video.get("key")))
            poses.append(found(video.get("pose")))
    if not videos:
        raise ChronovizError(
            f"{path}: none of its videos exists ({', '.join(map(str, missing))}). Put them back "
            "or edit the paths in the session file."
        )
    options = {key: found(saved.get(key)) for key in SOURCE_KEYS}
    options["pose"] = poses if len(videos) > 1 else poses[0]
    options.update({key: saved[key] for key in SCENE_OPTION_NAMES if key in saved})
    if len(videos) < 2:
        options.pop("tiles", None)
    ethogram = found(saved.get("ethogram"))
    if missing:
        warnings.warn(
            f"{path.name}: these files are missing and were left out: {', '.join(map(str, missing))}.", stacklevel=2
        )
    return OpenedSession(videos, options, missing, ethogram)


def open_nwb_session(path: str | Path) -> OpenedSession:
    """An NWB file as a session: its videos on the session clock, with what it holds as sources.

    Every video the file points at (an `ImageSeries` with external files) is a camera, in file order; the
    time series it holds (wider ones, such as raw ephys, only listed: see `nwb_parts`), its trials (else its
    first interval table), its units and its poses (each on the video it was made on) are its sources, each a
    `SourceSpec` naming its part of the file by key. Everything is on the session clock, so the sources are
    placed by their timestamps.

    Parameters
    ----------
    path
        The `.nwb` file.

    Returns
    -------
    OpenedSession
        As `open_session` returns.

    Raises
    ------
    ChronovizError
        When pynwb cannot read the file, or it points at no video (a `VideoReadError` naming the files looked
        for when they are missing).
    """
    path = path if is_url(path) else str(Path(path).resolve())  # an address stays one
    parts = [part for part in nwb_parts(path) if part.shown]
    keyed = {kind: [part.key for part in parts if part.kind == kind] for kind in ("video", "signals", "intervals")}
    if not keyed["video"]:
        nwb_video_series(path)  # raises, saying the file points at no video
    intervals = sorted(keyed["intervals"], key=lambda key: key != "intervals/trials")
    options = {
        "signals": [SourceSpec("signals", path, key=key).to_dict() for key in keyed["signals"]] or None,
        "intervals": SourceSpec("intervals", path, key=intervals[0]).to_dict() if intervals else None,
        "spikes": path if any(part.kind == "spikes" for part in parts) else None,
        "alignment": {"mode": "timestamps"},
    }
    poses = _poses_by_video(path, parts, keyed["video"])
    options["pose"] = poses if len(poses) > 1 else poses[0]
    videos = [VideoEntry(path, key=key) for key in keyed["video"]]
    return OpenedSession(videos, options)


def _poses_by_video(path: str, parts, videos: list[str]) -> list:
    """The NWB file's pose for each of its videos (None for a video without one), as a pose spec with its key: each
    pose estimation on the video it was made on (`nwb_pose_recording`), else on the first video without one. A
    video's second estimation (one per animal, say) is left out with a warning naming it."""
    poses: list = [None] * len(videos)
    left_out = []
    for part in (part for part in parts if part.kind == "pose"):
        made_on = nwb_pose_recording(path, part.key).video_key
        free = [index for index, pose in enumerate(poses) if pose is None]
        index = videos.index(made_on) if made_on in videos else (free[0] if free else None)
        if index is None or poses[index] is not None:
            left_out.append(part.key)
        else:
            poses[index] = {"kind": "pose", "path": str(path), "key": part.key}
    if left_out:
        warnings.warn(
            ChronovizWarning(
                f"{source_name(path)}: its pose estimations {', '.join(left_out)} are not shown (one pose per video). "
                f"To show one in place of the one shown, {advice('pose_key', left_out[0])}."
            ),
            stacklevel=3,
        )
    return poses


def _relative(value, session: Path):
    """Paths beside the session file as text relative to it, others whole; lists item by item; addresses as
    they are."""
    if isinstance(value, (list, tuple)):
        return [_relative(item, session) for item in value]
    if value is None or is_url(value):
        return value
    resolved = Path(value).resolve()
    folder = session.resolve().parent
    return os.path.relpath(resolved, folder) if resolved.is_relative_to(folder) else str(resolved)
