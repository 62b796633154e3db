"""Pose drawn on the video: keypoints, skeleton edges, fading trails, head-direction arrows.

Everything is computed once for all frames as stacks sorted by video frame (a `FrameStack`): napari shows
the stacks as (frame, y, x) layers that it slices itself, and `geometry(frame)` cuts the same rows out
for the exporter, so both draw exactly the same thing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..io.pose import Pose
from ..timeline import Alignment
from .primitives import Geometry, Points, Segments, rgba
from .style import Style, palette


@dataclass(frozen=True, eq=False)
class FrameStack:
    """Primitives of every frame, sorted by `frames`; `starts` alone for points, with `ends` for segments."""

    frames: np.ndarray  # (n,) video frame of each row
    starts: np.ndarray  # (n, 2) x, y
    colors: np.ndarray  # (n, 4)
    ends: np.ndarray | None = None  # (n, 2) for segments

    def rows_of(self, frame: int) -> slice:
        """The rows drawn on `frame`."""
        return slice(*np.searchsorted(self.frames, [frame, frame + 1]))


class PoseOverlay:
    """One pose source on the video, styled by `style`."""

    def __init__(self, pose: Pose, alignment: Alignment, style: Style):
        self.pose, self.alignment, self.style = pose, alignment, style
        positions = alignment.positions
        # The nearest row; the last row also covers the frames of its own duration, which round past it.
        nearest = np.minimum(np.round(np.nan_to_num(positions)), pose.n_frames - 1)
        self.row_of_frame = np.where(np.isfinite(positions), nearest, -1).astype(int)

    @cached_property
    def _visible_xy(self) -> np.ndarray:
        """Pose xy per video frame (frames x individuals x keypoints x 2), NaN where hidden or absent."""
        pose = self.pose
        visible = np.isfinite(pose.xy).all(axis=-1)
        if self.style.confidence_cutoff > 0:
            visible &= ~(pose.confidence < self.style.confidence_cutoff)  # unknown (NaN) confidence stays visible
        xy = np.where(visible[..., None], pose.xy, np.nan)
        per_frame = np.full((len(self.row_of_frame),) + xy.shape[1:], np.nan)
        has_row = self.row_of_frame >= 0
        per_frame[has_row] = xy[self.row_of_frame[has_row]]
        return per_frame

    @cached_property
    def point_colors(self) -> np.ndarray:
        """(individuals, keypoints, 4) colors, by keypoint or by individual."""
        n_individuals, n_keypoints = len(self.pose.individuals), len(self.pose.keypoints)
        if self.style.color_by == "individual":
            return np.repeat(palette(n_individuals)[:, None], n_keypoints, axis=1)
        return np.repeat(palette(n_keypoints)[None], n_individuals, axis=0)

    @cached_property
    def _keypoint_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(frame, individual, keypoint) of every visible point, sorted by frame."""
        return np.nonzero(np.isfinite(self._visible_xy[..., 0]))

    @cached_property
    def keypoints(self) -> FrameStack:
        frame, individual, keypoint = self._keypoint_index
        return FrameStack(frame, self._visible_xy[frame, individual, keypoint], self.point_colors[individual, keypoint])

    def keypoint_features(self) -> dict[str, np.ndarray]:
        """Per visible point (the rows of `keypoints`): frame, individual, keypoint and confidence."""
        frame, individual, keypoint = self._keypoint_index
        return {
            "frame": frame,
            "individual": np.asarray(self.pose.individuals, dtype=object)[individual],
            "keypoint": np.asarray(self.pose.keypoints, dtype=object)[keypoint],
            "confidence": self.pose.confidence[self.row_of_frame[frame], individual, keypoint],
        }

    @cached_property
    def skeleton(self) -> FrameStack:
        edges = self.pose.edge_indices
        xy = self._visible_xy
        a, b = xy[:, :, edges[:, 0]], xy[:, :, edges[:, 1]]  # frames x individuals x edges x 2
        frame, individual, edge = np.nonzero(np.isfinite(a[..., 0]) & np.isfinite(b[..., 0]))
        if self.style.edge_color is not None:
            colors = np.tile(rgba([self.style.edge_color]), (len(frame), 1))
        else:
            colors = self.point_colors[individual, edges[edge, 0]]
        return FrameStack(frame, a[frame, individual, edge], colors, b[frame, individual, edge])

    def trails(self, frame: int) -> Segments:
        """Segments joining each trail keypoint's positions over the `trail_length` frames up to `frame`,
        fading from opaque (newest) to transparent (oldest). Computed per frame: precomputing every
        frame's trail would take memory in proportion to frames x keypoints x trail length."""
        length, style = self.style.trail_length, self.style
        chosen = self._trail_keypoints()
        first = max(frame - length, 0)
        xy = self._visible_xy[first : frame + 1][:, :, chosen]  # oldest .. newest
        older, newer = xy[:-1], xy[1:]
        step, individual, keypoint = np.nonzero(np.isfinite(older[..., 0]) & np.isfinite(newer[..., 0]))
        age = len(older) - step  # 1 for the segment ending at `frame`
        alpha = 1 - (age - 1) / max(length, 1)
        colors = rgba(self.point_colors[individual, chosen[keypoint]], alpha).reshape(-1, 4)
        return Segments(
            older[step, individual, keypoint], newer[step, individual, keypoint], colors, style.edge_width * 0.75
        )

    def trail_tracks(self) -> tuple[np.ndarray, np.ndarray]:
        """The trails as tracks: rows (track id, frame, x, y) and each row's color.

        One track per individual and trail keypoint, split where the keypoint goes missing, so that a
        track viewer (napari's Tracks layer) never bridges a gap that `trails` leaves open.
        """
        chosen = self._trail_keypoints()
        xy = self._visible_xy[:, :, chosen]  # frames x individuals x keypoints x 2
        series = xy.transpose(1, 2, 0, 3).reshape(-1, xy.shape[0], 2)  # one row per (individual, keypoint)
        visible = np.isfinite(series[..., 0])
        starts_run = visible & ~np.pad(visible, ((0, 0), (1, 0)))[:, :-1]
        track_ids = np.cumsum(starts_run.ravel()).reshape(visible.shape) - 1
        series_index, frame = np.nonzero(visible)
        individual, keypoint = np.divmod(series_index, len(chosen))
        rows = np.column_stack([track_ids[series_index, frame], frame, series[series_index, frame]])
        return rows, self.point_colors[individual, chosen[keypoint]]

    @cached_property
    def arrows(self) -> FrameStack:
        """Head direction, `arrow_length` pixels: from keypoint `to` along (to - from) of
        `style.head_direction`, or, for a pose with a `heading`, along that angle from the `to` keypoint
        (or, without `head_direction`, from the centroid of the visible keypoints)."""
        xy, style = self._visible_xy, self.style
        front = self.pose.keypoint_index(style.head_direction[1]) if style.head_direction else None
        if self.pose.heading is not None:
            angle = np.full(xy.shape[:2], np.nan)
            has_row = self.row_of_frame >= 0
            angle[has_row] = self.pose.heading[self.row_of_frame[has_row]]
            direction = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
            if front is not None:
                start = xy[:, :, front]
            else:
                with warnings.catch_warnings():  # an individual absent from a frame has no centroid: NaN
                    warnings.simplefilter("ignore", RuntimeWarning)
                    start = np.nanmean(xy, axis=2)
        elif front is not None:
            direction = xy[:, :, front] - xy[:, :, self.pose.keypoint_index(style.head_direction[0])]
            start = xy[:, :, front]
        else:
            return FrameStack(np.zeros(0, int), np.zeros((0, 2)), np.zeros((0, 4)), np.zeros((0, 2)))
        norm = np.linalg.norm(direction, axis=-1, keepdims=True)
        frame, individual = np.nonzero(np.isfinite(norm[..., 0]) & (norm[..., 0] > 0) & np.isfinite(start[..., 0]))
        end = start[frame, individual] + direction[frame, individual] / norm[frame, individual] * style.arrow_length
        colors = self.point_colors[individual, front if front is not None else 0]
        return FrameStack(frame, start[frame, individual], colors, end)

    def _trail_keypoints(self) -> np.ndarray:
        names = self.style.trail_keypoints
        if names is None:
            return np.arange(len(self.pose.keypoints))
        return np.array([self.pose.keypoint_index(name) for name in names], dtype=int)

    def geometry(self, frame: int) -> Geometry:
        """Trails, then skeleton, then arrows, then keypoints of `frame`."""
        geometry = Geometry()
        style = self.style
        if style.trail_length > 0:
            geometry.add(self.trails(frame))
        for stack, width, arrow in ((self.skeleton, style.edge_width, False), (self.arrows, style.edge_width, True)):
            rows = stack.rows_of(frame)
            geometry.add(Segments(stack.starts[rows], stack.ends[rows], stack.colors[rows], width, arrow))
        rows = self.keypoints.rows_of(frame)
        geometry.add(Points(self.keypoints.starts[rows], self.keypoints.colors[rows], style.point_size))
        return geometry
