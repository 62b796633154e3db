"""Sessions: what a scientist set up (videos, their frame-time files, signals, pose, labels, alignment,
window, layout, style, tiles, spatial calibration), saved as a small YAML file (`.cvz`) and opened again by a script,
`chronoviz render SESSION.cvz`, `chronoviz view SESSION.cvz` or napari's File > Open.

Paths beside the session file (in its folder or below) are written relative to it, so a folder of data and
its session can be moved together; other paths are written whole. A session naming a file that is gone
opens the rest, with a warning naming each missing file.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ChronovizError
from .io.formats import SESSION_SUFFIX

SESSION_VERSION = 1
SOURCE_KEYS = ("signals", "events", "intervals", "spikes")  # the shared sources; poses belong to their video
OPTION_KEYS = (
    "alignment",
    "pose_alignment",
    "labels_clock",
    "window",
    "layout",
    "style",
    "tiles",
    "calibration",
    "pose_speed",
)


@dataclass
class OpenedSession:
    """A session read from its file: the videos, and the keywords `create_visualization` and `attach` take.

    Attributes
    ----------
    videos : list of dict
        One per video that exists, in tile order: `{"path": Path, "frame_times": Path or None}`.
    options : dict
        `signals`, `pose` (per video when there are several), `events`, `intervals`, `spikes`, `alignment`,
        `pose_alignment`, `labels_clock`, `window`, `layout`, `style`, `tiles` (several videos only), and
        `calibration` (as a dict) and `pose_speed` when the session has them.
    missing : list of Path
        The files the session names that do not exist (left out).
    """

    videos: list[dict]
    options: dict
    missing: list[Path] = field(default_factory=list)

    def open_videos(self) -> list:
        """The videos opened with their frame-time files (`open_video`); close them when done."""
        from .io.video_factory import open_video

        return [open_video(video["path"], video["frame_times"]) for video in self.videos]


def save_session(path: str | Path, videos, scene, *, frame_times=None) -> Path:
    """Write the session of `videos` shown with `scene` to `path` (YAML, `.cvz`); return the path.

    Parameters
    ----------
    path
        The session file; `.cvz` is added when it has another suffix.
    videos
        The video paths (or imgstores), one or a list (several cameras, in tile order).
    scene
        The `Scene` or `TiledScene` shown (from `build_scene`, `build_tiled_scene` or an attached napari
        session's `scene`): its sources' paths, alignment, window, layout, style, tiles, calibration and pose
        speed are saved (the calibration written out, not as a path).
        Sources given in memory (arrays, DataFrames) have no path and are left out, with a warning.
    frame_times
        The frame-time file of each video (None for a video's own times), in the order of `videos`.

    Returns
    -------
    Path
        The written session file.
    """
    path = Path(path)
    path = path if path.suffix == SESSION_SUFFIX else path.with_name(path.name + SESSION_SUFFIX)
    videos = list(videos) if isinstance(videos, (list, tuple)) else [videos]
    frame_times = list(frame_times) if frame_times is not None else [None] * len(videos)
    config = scene.config
    sources = config["sources"]
    poses = [camera["pose"] for camera in config["cameras"]] if "cameras" in config else [sources.get("pose")]
    in_memory: list[str] = [
        name
        for name in ("events", "intervals")
        if getattr(scene.sources, name) is not None and sources.get(name) is None
    ]

    def saved(value, name: str):
        """`value`'s paths as written; a list loses its in-memory items (noted in `in_memory`)."""
        if isinstance(value, list):
            kept = [item for item in value if item is not None]
            if len(kept) < len(value):
                in_memory.append(name)
            return _relative(kept, path) or None
        return _relative(value, path)

    written = {
        "chronoviz_session": SESSION_VERSION,
        "videos": [
            {
                "path": _relative(video, path),
                "frame_times": _relative(times, path),
                "pose": saved(pose, f"pose of video {index + 1}"),
            }
            for index, (video, times, pose) in enumerate(zip(videos, frame_times, poses))
        ],
        **{key: saved(sources.get(key), key) for key in SOURCE_KEYS},
        **{key: config[key] for key in OPTION_KEYS if key in config},
    }
    if in_memory:
        warnings.warn(
            f"{path.name}: sources given in memory (not as files) are not saved: {', '.join(in_memory)}. "
            "Save them to files and attach those to keep them in the session.",
            stacklevel=2,
        )
    path.write_text(yaml.safe_dump(written, sort_keys=False), encoding="utf-8")
    return path


def open_session(path: str | Path) -> OpenedSession:
    """Read a session file written by `save_session`.

    Parameters
    ----------
    path
        The `.cvz` file.

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
        """`value`'s paths resolved beside the session file; missing ones noted and left out."""
        if isinstance(value, list):
            kept = [item for item in map(found, value) if item is not None]
            return kept or None
        if value is None:
            return None
        resolved = (path.parent / value).resolve()
        if not resolved.exists():
            missing.append(resolved)
            return None
        return resolved

    videos, poses = [], []
    for video in saved["videos"]:
        video_path = found(video["path"])
        if video_path is not None:
            videos.append({"path": video_path, "frame_times": found(video.get("frame_times"))})
            poses.append(found(video.get("pose")))
    if not videos:
        raise ChronovizError(
            f"{path}: none of its videos exists ({', '.join(map(str, missing))}). Put them back "
            "or edit the paths in the session file."
        )
    options = {key: found(saved.get(key)) for key in SOURCE_KEYS}
    options["pose"] = poses if len(videos) > 1 else poses[0]
    options.update({key: saved[key] for key in OPTION_KEYS if key in saved})
    if len(videos) < 2:
        options.pop("tiles", None)
    if missing:
        warnings.warn(
            f"{path.name}: these files are missing and were left out: {', '.join(map(str, missing))}.", stacklevel=2
        )
    return OpenedSession(videos, options, missing)


def _relative(value, session: Path):
    """Paths beside the session file as text relative to it, others whole; lists item by item."""
    if isinstance(value, (list, tuple)):
        return [_relative(item, session) for item in value]
    if value is None:
        return None
    resolved = Path(value).resolve()
    folder = session.resolve().parent
    return os.path.relpath(resolved, folder) if resolved.is_relative_to(folder) else str(resolved)
