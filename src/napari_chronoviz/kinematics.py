"""Signals derived from pose: how fast each individual moves, in the calibration's unit per second.

The speed is the norm of the velocity, the time derivative of the position by second-order central differences
on the rows' own times (one-sided at the ends), as movement's `compute_speed` computes it, without smoothing:
it is as noisy as the tracking, so filter jittery poses first (a confidence cut-off hides unsure points).
"""

from __future__ import annotations

import warnings

import numpy as np

from ._times import require_finite_increasing
from .calibration import calibration_of
from .errors import PoseError
from .io.pose import Pose
from .io.timeseries import Signal

CENTROID = "centroid"


def pose_speed(pose: Pose, calibration=None, *, keypoint: str | None = None, times=None, min_confidence=0.0) -> Signal:
    """The speed of each individual of `pose`, as a `Signal` with one channel per individual.

    Parameters
    ----------
    pose
        The pose (from `read_pose`), in video pixels.
    calibration
        A `Calibration`, its dict or a calibration file: the speed is in its unit per second ("cm/s"); None
        gives pixels per second ("px/s").
    keypoint
        The keypoint whose speed is measured; None (or "centroid"): the centroid of the individual's visible
        keypoints (their mean position on the arena).
    times
        Seconds of each pose row; default the pose's own times. For a pose tracked frame for frame on a video,
        the video's `frame_times` (of the rows' frames: `video.frame_times[pose.frames]` when it has a frame
        index).
    min_confidence
        Points with a lower confidence count as missing (unknown confidence is kept).

    Returns
    -------
    Signal
        `values` (rows x individuals), NaN where the point is missing and on the rows beside it; `times` as given;
        channels named "<individual> [<keypoint>] speed (<unit>/s)", without the individual's name when there is
        one, so the plot panel shows the unit.

    Raises
    ------
    PoseError
        When the pose has no times and none are given, the times do not fit its rows or do not increase, the
        pose has fewer than 2 rows, or the keypoint is not one of its keypoints.
    """
    calibration = calibration_of(calibration)
    row_times = _row_times(pose, times)
    if pose.n_frames < 2:
        raise PoseError(f"{pose.source or 'The pose'} has {pose.n_frames} row: a speed needs at least 2.")
    xy = pose.xy
    if min_confidence > 0:
        xy = np.where((pose.confidence < min_confidence)[..., None], np.nan, xy)  # NaN confidence: kept
    position = calibration.to_world(xy) if calibration is not None else np.asarray(xy, dtype=float)
    if keypoint is None or keypoint == CENTROID:
        with warnings.catch_warnings():  # an individual with no visible keypoint on a row has no centroid: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            position = np.nanmean(position, axis=2)
        what = ""
    else:
        position = position[:, :, pose.keypoint_index(keypoint)]
        what = f"{keypoint} "
    speed = np.linalg.norm(np.gradient(position, row_times, axis=0), axis=-1)
    speed[~np.isfinite(position).all(axis=-1)] = np.nan
    unit = f"{calibration.unit if calibration is not None else 'px'}/s"
    individuals = [f"{name} " for name in pose.individuals] if len(pose.individuals) > 1 else [""]
    names = tuple(f"{individual}{what}speed ({unit})" for individual in individuals)
    return Signal(speed, names, times=row_times, source=f"{pose.source or 'pose'} speed")


def _row_times(pose: Pose, times) -> np.ndarray:
    """Seconds of each pose row: `times`, else the pose's own; checked against its rows."""
    given = times if times is not None else pose.times
    name = pose.source or "The pose"
    if given is None:
        raise PoseError(
            f"{name} has no times of its own, so its speed per second needs times=: for a pose tracked frame for "
            "frame on a video, pass the video's frame_times (video.frame_times[pose.frames] with a frame index)."
        )
    given = np.asarray(given, dtype=float)
    if given.shape != (pose.n_frames,):
        raise PoseError(
            f"{name} has {pose.n_frames} rows but {len(given)} times were given: give one time per row (for a "
            "pose shorter than its video, the frame times of its rows, e.g. video.frame_times[: len(pose.xy)])."
        )
    require_finite_increasing(
        given, f"{name}: the times of its rows", "rows", "Give the rows' times in order.", PoseError
    )
    return given
