"""Several cameras on one clock: their videos side by side as tiles, each with its own pose, one plot panel.

The tiles sit in a row in the order given (or in a grid), each at its native size or scaled to a common
height, with their top-left corners on the canvas (the first at (0, 0)); the tiled area is the "video" of
the layout, so the panel goes below the tiles by default. The output's frames are those of a clock (the
first video's frame times unless told otherwise), and on each of them every tile shows its own frame at or
before that time (`timeline.frames_at_or_before`), its pose drawn from that frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ChronovizError
from ..timeline import check_clocks_meet, frames_at_or_before
from .primitives import Geometry
from .scene import SPATIAL, Scene, build_scene
from .style import Style

ARRANGEMENTS = ("row", "grid")


@dataclass(frozen=True)
class Tiling:
    """Where each video's tile sits: `columns` tiles per row (None: one row), each scaled to `height`
    pixels (None: native size). Each grid cell is as wide as the widest tile of its column and as high as the
    highest of its row; a tile sits in its cell's top-left corner."""

    video_sizes: tuple[tuple[int, int], ...]  # (width, height) of each video
    columns: int | None = None
    height: int | None = None

    @classmethod
    def of(cls, tiles, video_sizes) -> Tiling:
        """From None or "row" (one row, native sizes), "grid" (as square as can be), a dict
        `{"columns": int, "height": int}` (either may be left out) or a `Tiling`."""
        sizes = tuple((int(width), int(height)) for width, height in video_sizes)
        if isinstance(tiles, Tiling):
            return cls(sizes, tiles.columns, tiles.height)
        if tiles is None or tiles == "row":
            return cls(sizes)
        if tiles == "grid":
            return cls(sizes, grid_columns(len(sizes)))
        if isinstance(tiles, dict) and set(tiles) <= {"columns", "height"}:
            return cls(sizes, tiles.get("columns"), tiles.get("height"))
        raise ChronovizError(
            f"Unknown tiles {tiles!r}: use 'row', 'grid' or a dict with 'columns' (tiles per row) "
            "and 'height' (pixels of every tile), e.g. {'columns': 2, 'height': 480}."
        )

    def __post_init__(self):
        if self.columns is not None and self.columns < 1 or self.height is not None and self.height < 2:
            raise ChronovizError(
                f"Tiles need at least 1 column and 2 pixels of height; got columns={self.columns}, "
                f"height={self.height}."
            )

    @property
    def scales(self) -> np.ndarray:
        """Each tile's resize factor (1 at native size)."""
        return np.array([1.0 if self.height is None else self.height / height for _, height in self.video_sizes])

    @property
    def tile_sizes(self) -> list[tuple[int, int]]:
        """(width, height) of each tile on the canvas."""
        return [
            (int(round(width * scale)), int(round(height * scale)))
            for (width, height), scale in zip(self.video_sizes, self.scales)
        ]

    @property
    def boxes(self) -> np.ndarray:
        """(n, 4) rows of (x0, y0, x1, y1): each tile's place on the canvas."""
        sizes = np.array(self.tile_sizes)
        columns = self.columns or len(sizes)
        row, column = np.divmod(np.arange(len(sizes)), columns)
        widths = np.array([sizes[column == c, 0].max() for c in range(min(columns, len(sizes)))])
        heights = np.array([sizes[row == r, 1].max() for r in range(row.max() + 1)])
        x0, y0 = np.r_[0, np.cumsum(widths)][column], np.r_[0, np.cumsum(heights)][row]
        return np.column_stack([x0, y0, x0 + sizes[:, 0], y0 + sizes[:, 1]]).astype(float)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the tiled area."""
        boxes = self.boxes
        return int(boxes[:, 2].max()), int(boxes[:, 3].max())

    def to_dict(self) -> dict:
        return {"columns": self.columns, "height": self.height}


def grid_columns(n_tiles: int) -> int:
    """Columns of the squarest grid of `n_tiles` tiles (2 for 3 or 4 tiles, 3 for 5 to 9)."""
    return int(np.ceil(np.sqrt(n_tiles)))


@dataclass(frozen=True, eq=False)
class _Canvas:
    """The tiled area as the video a scene is built over: the clock's frame times and the area's size."""

    frame_times: np.ndarray
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self.frame_times), self.height, self.width, 3)


class TiledScene:
    """Everything drawn over several videos side by side: what a `Scene` is for one video.

    `base` is the scene of the tiled area on the first video's clock (the plot panel, the timestamp),
    `cameras` one scene per video (its pose on its own frame times, no panel), `frame_times` the output's
    clock (default: `base`'s), `base_frames[k]` and `tile_frames[i, k]` the frame of `base` and of video i
    shown on output frame k. Anything else is read from `base` (`layout`, `style`, `plot`, `sources`, ...).
    """

    def __init__(self, base: Scene, cameras: list[Scene], tiling: Tiling, frame_times=None):
        self.base, self.cameras, self.tiling = base, list(cameras), tiling
        self.frame_times = base.frame_times if frame_times is None else np.asarray(frame_times, dtype=float)
        self.base_frames = frames_at_or_before(base.frame_times, self.frame_times)
        self.tile_frames = np.stack([frames_at_or_before(camera.frame_times, self.frame_times) for camera in cameras])

    def __getattr__(self, name: str):
        if name in ("base", "cameras", "tiling", "frame_times"):  # not set yet (while unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.base, name)

    @property
    def n_frames(self) -> int:
        return len(self.frame_times)

    @property
    def messages(self) -> list[str]:
        """What each alignment decided, the cameras' poses named by their video's position."""
        return self.base.messages + [
            f"camera {index + 1}, {message}" for index, camera in enumerate(self.cameras) for message in camera.messages
        ]

    def panel_geometry(self, frame: int) -> Geometry:
        return self.base.panel_geometry(self.panel_frame(frame))

    def panel_frame(self, frame: int) -> int:
        """The frame of the base scene's plot shown on output frame `frame`."""
        return int(self.base_frames[frame])

    def video_geometry(self, frame: int) -> Geometry:
        """Each camera's pose on its own tile, at the frame that tile shows, then the timestamp."""
        geometry = Geometry()
        for camera, box, scale, frames in zip(self.cameras, self.tiling.boxes, self.tiling.scales, self.tile_frames):
            geometry.extend(camera.video_geometry(int(frames[frame])).placed(box[:2], scale))
        geometry.extend(self.base.video_geometry(int(self.base_frames[frame])))
        return geometry

    def geometry(self, frame: int) -> Geometry:
        """Everything drawn on output frame `frame`: what lies over the tiles, then the panel."""
        if not 0 <= frame < self.n_frames:
            raise IndexError(f"Frame {frame} is outside the output (0..{self.n_frames - 1}).")
        geometry = self.video_geometry(frame)
        geometry.extend(self.panel_geometry(frame))
        return geometry

    def retimed(self, frame_times) -> TiledScene:
        """The same scene on another output clock (e.g. the ticks of a constant rate), in seconds."""
        return TiledScene(self.base, self.cameras, self.tiling, frame_times)

    def updated(self, **changes) -> TiledScene:
        """A new scene with changes as `Scene.updated` takes them; `style` and `pose_alignment` reach the cameras'
        poses too (their tiles never get a timestamp of their own)."""
        changes = _without_calibration(changes)
        camera_changes = {key: changes[key] for key in ("style", "pose_alignment") if key in changes}
        cameras = [camera.updated(**camera_changes) for camera in self.cameras] if camera_changes else self.cameras
        cameras = [
            camera.updated(style={"timestamp": "none"}) if camera.style.timestamp != "none" else camera
            for camera in cameras
        ]
        return TiledScene(self.base.updated(**changes), cameras, self.tiling, self.frame_times)

    @property
    def config(self) -> dict:
        """`Scene.config` of the tiled area, with each camera's pose paths and the tiling."""
        return {
            **self.base.config,
            "pose_alignment": self.cameras[0].config["pose_alignment"],
            "cameras": [{"pose": camera.sources.paths.get("pose")} for camera in self.cameras],
            "tiles": self.tiling.to_dict(),
        }


def build_tiled_scene(
    videos,
    *,
    signals=None,
    pose=None,
    events=None,
    intervals=None,
    spikes=None,
    alignment=None,
    pose_alignment=None,
    labels_clock="video",
    window=None,
    layout=None,
    style=None,
    tiles=None,
    frame_times=None,
) -> TiledScene:
    """A `TiledScene` over several videos (each a `VideoSource`, or anything with `frame_times` and `shape`).

    Parameters
    ----------
    videos
        The videos, in the order of their tiles.
    pose
        One entry per video, in the same order: a pose path or `Pose`, a list of them, or None for a video
        without pose, e.g. `[front.h5, None]`. Each is aligned with its own video's frame times.
    signals, events, intervals, spikes, alignment, labels_clock, window, layout, style
        As in `build_scene`, on the first video's clock ("video" labels are in its seconds); the layout
        places the panel relative to the tiled area.
    pose_alignment
        `align` options of every camera's pose, on that camera's frames.
    tiles
        "row" (the default: one row, native sizes), "grid", or `{"columns": int, "height": int}` (tiles per
        row; every tile scaled to that many pixels high).
    frame_times
        The output's frame times in seconds; default: the first video's. On each, the panel and every tile
        show their frame at or before that time.

    Returns
    -------
    TiledScene
        `geometry(frame)` gives what to draw on each output frame; `tile_frames` which frame each tile shows.

    Raises
    ------
    ChronovizError
        As `build_scene`, and for a `pose` that is not one entry per video or unknown `tiles`.
    """
    if len(videos) < 1:
        raise ChronovizError("build_tiled_scene needs at least one video.")
    check_clocks_meet(
        [video.frame_times for video in videos], [_video_name(video, i) for i, video in enumerate(videos)]
    )
    tiling = Tiling.of(tiles, [(video.shape[2], video.shape[1]) for video in videos])
    style = style if isinstance(style, Style) else Style.from_dict(style)
    cameras = [
        build_scene(
            video, pose=camera_pose, pose_alignment=pose_alignment, layout="none", style=style.updated(timestamp="none")
        )
        for video, camera_pose in zip(videos, _pose_per_camera(pose, len(videos)))
    ]
    width, height = tiling.size
    base = build_scene(
        _Canvas(np.asarray(videos[0].frame_times, dtype=float), width, height),
        signals=signals,
        events=events,
        intervals=intervals,
        spikes=spikes,
        alignment=alignment,
        labels_clock=labels_clock,
        window=window,
        layout=layout,
        style=style,
    )
    return TiledScene(base, cameras, tiling, frame_times)


def scene_of(videos: list, *, tiles=None, frame_times=None, **scene_options) -> Scene | TiledScene:
    """The scene over one video (`build_scene`) or over several cameras (`build_tiled_scene`), from one set of
    options; `tiles` and `frame_times` apply to several cameras only (callers refuse `tiles` for one video).

    Parameters
    ----------
    videos
        One or more videos (each a `VideoSource`, or anything with `frame_times` and `shape`), in tile order.
    tiles, frame_times
        As in `build_tiled_scene`.
    **scene_options
        As `build_scene` takes them (`signals`, `pose`, ..., `style`).

    Returns
    -------
    Scene or TiledScene
        A `Scene` for one video, a `TiledScene` for several.
    """
    if len(videos) > 1:
        return build_tiled_scene(videos, tiles=tiles, frame_times=frame_times, **_without_calibration(scene_options))
    return build_scene(videos[0], **scene_options)


def _without_calibration(options: dict) -> dict:
    """`options` without `calibration` and `pose_speed`, which must be None: a calibration (and the speed it
    measures) is of one video, and several cameras would each need their own."""
    given = sorted(key for key in SPATIAL if options.get(key) is not None)
    if given:
        raise ChronovizError(
            f"{' and '.join(given)} {'apply' if len(given) > 1 else 'applies'} to one video; several cameras are "
            "not calibrated yet. Export or view "
            "each calibrated video on its own, or pass pose_speed(pose, calibration, times=...) as a signal."
        )
    return {key: value for key, value in options.items() if key not in SPATIAL}


def _video_name(video, position: int) -> str:
    """A video's file name, or its position for one without a file (given in memory)."""
    path = getattr(video, "path", None)
    return Path(path).name if path else f"video {position}"


def _pose_per_camera(pose, n_videos: int) -> list:
    if pose is None:
        return [None] * n_videos
    if isinstance(pose, (list, tuple)) and len(pose) == n_videos:
        return list(pose)
    raise ChronovizError(
        f"With {n_videos} videos, pose= takes one entry per video in the same order (a pose file, a "
        f"list of them, or None for a video without pose), e.g. pose=[front_h5, None]; got {pose!r}."
    )
