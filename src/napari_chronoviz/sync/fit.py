"""Match the video's LED edges to the rig's pulses and fit the clock map between them.

1. **Coarse offset**: the intervals between successive edges are compared at every shift of one sequence
   against the other; the shift at which most pairs of successive intervals agree (within a few frames) names
   the first matching pulses, whatever the offset between the clocks. Random intervals make that shift unique.
2. **Matching**: from those pairs a line (offset and drift) is fitted and every edge matched to the nearest pulse
   it predicts, over a span doubling each round, so that an error in the drift never grows past the tolerance;
   a pulse missing on either side, or an extra one, is left unmatched.
3. **Lost and repeated frames**: after a lost frame every later frame was taken one step later than its time
   says, so the residuals of the matched edges jump by one frame step. Jumps are found by comparing the median
   residual of the edges before and after each gap, then placed at a frame: between the two edges, the frame
   whose picture changed most from the one before (a lost frame doubles the change) or least (a repeat has
   none), from the video's "frame motion" when given.
4. **Fit**: offset and drift, continued piecewise (continuous) where the residuals show structure beyond their
   noise, until they do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._times import extrapolate, nominal_rate
from ..errors import SyncError, advice
from ..io.clock_map import ClockMap

MIN_MATCHED = 4
INTERVAL_TOLERANCE_FRAMES = 1.5  # two intervals agree within this many frame steps (each edge within ~1/2 frame)
STEP_WINDOW = 7  # edges on each side whose median residual is compared at each gap
MAX_SEGMENTS = 8
MOTION_BASELINE = 5  # frames on each side whose median motion a frame's is compared with
_CHECKS = (
    f"Check that the pulses are from this recording ({advice('pulses')}) and the line that drives the LED "
    f"({advice('line')}, {advice('pulses_channel')}), that the region covers the LED ({advice('roi')}), and that "
    f"the same edges are matched on both sides ({advice('edge')})."
)
# what to change when one side has too few edges
_FEW_EDGES = {
    "video": f"Move the region onto the LED ({advice('roi')}) or set the LED's threshold ({advice('led_threshold')}); "
    "the LED must switch at least that often in the video.",
    "rig": f"Choose the file with the rig's sync pulses ({advice('pulses')}) and the line or channel that carries them "
    f"({advice('line')}, {advice('pulses_channel')}).",
}


@dataclass(frozen=True, eq=False)
class DroppedFrames:
    """Frames the camera lost (count > 0) or repeated (count < 0) just before `frame`.

    `between` are the frames of the two edges whose residuals jumped; `pinpointed` says whether `frame` was
    found from the picture's motion (else it is the first frame after the earlier edge).
    """

    frame: int
    count: int
    between: tuple[int, int]
    pinpointed: bool

    def __str__(self) -> str:
        what = f"{self.count} lost" if self.count > 0 else f"{-self.count} repeated"
        where = (
            f"before frame {self.frame}" if self.pinpointed else f"between frames {self.between[0]}-{self.between[1]}"
        )
        return f"{what} {where}"


@dataclass(frozen=True, eq=False)
class SyncFit:
    """The matched edges, the fitted `ClockMap` and what they say about the video.

    Attributes
    ----------
    clock : ClockMap
        Video frame times -> rig times.
    video_times, rig_times : numpy.ndarray
        The matched edges: on the video's clock (as its frame times say) and on the rig's.
    video_frames : numpy.ndarray
        The first frame showing each matched video edge.
    residuals : numpy.ndarray
        Seconds, rig time minus the map's time of each matched video edge.
    frame_step : float
        The video's frame step, seconds.
    unmatched_video, unmatched_rig : numpy.ndarray
        Edge times seen on one side only.
    drops : tuple of DroppedFrames
    """

    clock: ClockMap
    video_times: np.ndarray
    rig_times: np.ndarray
    video_frames: np.ndarray
    residuals: np.ndarray
    frame_step: float
    unmatched_video: np.ndarray
    unmatched_rig: np.ndarray
    drops: tuple[DroppedFrames, ...] = field(default_factory=tuple)

    @property
    def residuals_frames(self) -> np.ndarray:
        """The residuals in frame steps."""
        return self.residuals / self.frame_step

    @property
    def rms_ms(self) -> float:
        return float(np.sqrt(np.mean(self.residuals**2)) * 1e3)

    def report(self) -> str:
        """What the fit found, in a few lines, for a terminal or the dock."""
        clock = self.clock
        lines = [
            f"matched {len(self.video_times)} edges ({len(self.unmatched_video)} seen only in the video, "
            f"{len(self.unmatched_rig)} only on the rig)",
            f"offset {clock.offset:+.4f} s (rig time of video time 0), drift {clock.drift_ppm:+.1f} ppm"
            + (f", {len(clock.video_knots) - 1} segments" if len(clock.video_knots) > 2 else ""),
            f"residuals: RMS {self.rms_ms:.2f} ms ({self.rms_ms / 1e3 / self.frame_step:.3f} frame), "
            f"max {np.abs(self.residuals).max() * 1e3:.2f} ms",
        ]
        if clock.nudge:
            lines.append(f"nudged by hand: {clock.nudge * 1e3:+.2f} ms ({clock.nudge / self.frame_step:+.2f} frame)")
        if self.drops:
            lines.append("dropped or repeated frames: " + "; ".join(map(str, self.drops)))
        else:
            lines.append("no dropped or repeated frames")
        return "\n".join(lines)


def fit_sync(
    video_times,
    rig_times,
    frame_times,
    *,
    video_frames=None,
    frame_motion=None,
    video_name: str = "",
    coarse=None,
) -> SyncFit:
    """Match the video's edges to the rig's and fit the clock map (see the module's docstring).

    Parameters
    ----------
    video_times : array_like
        Edge times on the video's clock (seconds, e.g. `Edges.rising` of the LED).
    rig_times : array_like
        The same kind of edge on the rig's clock (seconds).
    frame_times : array_like
        The video's frame times (one per frame), seconds.
    video_frames : array_like, optional
        The first frame showing each video edge (default: from `frame_times`).
    frame_motion : array_like, optional
        Per frame, how much the picture changed since the frame before (the "frame motion" channel of
        `region_signals`): pinpoints lost and repeated frames.
    video_name : str
        The video's file name, kept in the map.
    coarse : tuple of array_like, optional
        (video times, rig times) known to match, e.g. the starts of the barcodes read on both sides
        (`barcodes.matching_codes`): they replace the coarse offset from the intervals.

    Returns
    -------
    SyncFit

    Raises
    ------
    SyncError
        When too few edges match (no common pattern of intervals).
    """
    video = np.sort(np.asarray(video_times, dtype=float))
    rig = np.sort(np.asarray(rig_times, dtype=float))
    frame_times = np.asarray(frame_times, dtype=float)
    step = 1 / nominal_rate(frame_times)
    frames = (
        np.searchsorted(frame_times, video - step / 2)
        if video_frames is None
        else np.asarray(video_frames, dtype=int)[np.argsort(video_times)]
    )
    for side, times in (("video", video), ("rig", rig)):
        if len(times) < MIN_MATCHED:
            raise SyncError(
                f"The {side} has {len(times)} sync edge{'' if len(times) == 1 else 's'}; at least {MIN_MATCHED} are "
                f"needed to match the clocks. {_FEW_EDGES[side]}"
            )
    if coarse is None:
        video_index, rig_index = _coarse_pairs(video, rig, step)
        coarse = (video[video_index], rig[rig_index])
    matched_video, matched_rig = _grow_matches(video, rig, *(np.asarray(times, dtype=float) for times in coarse), step)
    shifts = np.zeros(len(matched_video))
    steps: list[tuple[int, int]] = []  # (position of the first matched edge after the jump, frames)
    for _ in range(5):
        slope, intercept = _line(matched_video + shifts, matched_rig)
        found = _residual_steps((matched_rig - slope * (matched_video + shifts) - intercept) / step, matched_video)
        if not found:
            break
        steps = _merged(steps + found)
        shifts = _shifts(steps, len(matched_video)) * step
    frame_of = frames[np.searchsorted(video, matched_video)]
    drops = tuple(_placed_drop(position, count, frame_of, frame_motion) for position, count in steps)
    corrected = matched_video + _frame_shift_at(drops, frame_of, step)
    knots = _piecewise_knots(corrected, matched_rig)
    residuals = matched_rig - _map(corrected, knots)
    spread = 1.4826 * float(np.median(np.abs(residuals)))
    kept = np.abs(residuals) <= max(6 * spread, 0.5 * step)  # an edge matched to the wrong pulse
    if not kept.all():
        matched_video, matched_rig, frame_of, corrected = (
            values[kept] for values in (matched_video, matched_rig, frame_of, corrected)
        )
        knots = _piecewise_knots(corrected, matched_rig)
        residuals = matched_rig - _map(corrected, knots)
    clock = ClockMap(
        knots[0],
        knots[1],
        step,
        tuple((drop.frame, drop.count) for drop in drops),
        len(frame_times),
        video_name,
        {"matched_edges": len(matched_video), "residual_rms_ms": float(np.sqrt(np.mean(residuals**2)) * 1e3)},
    )
    return SyncFit(
        clock,
        matched_video,
        matched_rig,
        frame_of,
        residuals,
        step,
        np.setdiff1d(video, matched_video),
        np.setdiff1d(rig, matched_rig),
        drops,
    )


def _coarse_pairs(video: np.ndarray, rig: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into `video`, into `rig`) of the longest block of edges whose following intervals agree at the
    shift where most do."""
    video_intervals, rig_intervals = np.diff(video), np.diff(rig)
    best_score, best = 0, None
    tolerance = INTERVAL_TOLERANCE_FRAMES * step
    for shift in range(-(len(video_intervals) - 2), len(rig_intervals) - 1):
        first = max(0, -shift)
        last = min(len(video_intervals), len(rig_intervals) - shift)
        if last - first < 2:
            continue
        agree = np.abs(video_intervals[first:last] - rig_intervals[first + shift : last + shift]) < tolerance
        runs = agree[:-1] & agree[1:]
        score = int(runs.sum())
        if score > best_score:
            best_score, best = score, (first + _longest_block(np.flatnonzero(runs)), shift)
    if best is None or best_score < 2:
        ratio = np.median(rig_intervals) / np.median(video_intervals)
        unit = (
            f"The rig's pulses are ~{ratio:.0f} times further apart than the video's edges: their times look like "
            f"milliseconds read as seconds ({advice('pulses_unit')}). "
            if 300 < ratio < 3000
            else ""
        )
        raise SyncError(
            f"The intervals between the video's edges and the rig's pulses share no pattern. {unit}{_CHECKS}"
        )
    starts, shift = best
    video_index = np.unique(np.concatenate([starts, starts + 1, starts + 2]))
    return video_index, video_index + shift


def _longest_block(indices: np.ndarray) -> np.ndarray:
    """The longest run of consecutive integers in sorted `indices` (where one shift holds without a gap)."""
    breaks = np.flatnonzero(np.diff(indices) != 1)
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks + 1, len(indices)]
    longest = int(np.argmax(ends - starts))
    return indices[starts[longest] : ends[longest]]


def _grow_matches(video, rig, matched_video, matched_rig, step) -> tuple[np.ndarray, np.ndarray]:
    """Match every edge it can from the times known to match (`matched_video`, `matched_rig`), over a span that
    doubles each round."""
    tolerance = min(0.25 * float(np.median(np.diff(rig))), 0.25 * float(np.median(np.diff(video))))
    tolerance = max(tolerance, 3 * step)
    while True:
        slope, intercept = _line(matched_video, matched_rig)
        span = matched_video[-1] - matched_video[0]
        low, high = matched_video[0] - max(span, 10 * step), matched_video[-1] + max(span, 10 * step)
        near = video[(video >= low) & (video <= high)]
        found_video, found_rig = _nearest_pairs(near, rig, slope * near + intercept, tolerance)
        covers_all = low <= video[0] and high >= video[-1]
        if len(found_video) < MIN_MATCHED:
            raise SyncError(f"Only {len(found_video)} edges could be matched between the video and the rig. {_CHECKS}")
        if covers_all and np.array_equal(found_video, matched_video):
            return found_video, found_rig
        matched_video, matched_rig = found_video, found_rig
        if covers_all:  # one more round on the whole set, with the line refitted on it
            slope, intercept = _line(matched_video, matched_rig)
            found_video, found_rig = _nearest_pairs(video, rig, slope * video + intercept, tolerance)
            if np.array_equal(found_video, matched_video):
                return found_video, found_rig
            matched_video, matched_rig = found_video, found_rig


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least squares y = slope * x + intercept, refitted without points off by more than 3 MADs (and > 1 ms)."""
    slope, intercept = np.polyfit(x - x[0], y, 1) if len(x) > 1 else (1.0, y[0])
    residuals = y - (slope * (x - x[0]) + intercept)
    spread = max(1.4826 * float(np.median(np.abs(residuals - np.median(residuals)))), 1e-3)
    kept = np.abs(residuals) <= 3 * spread + abs(float(np.median(residuals)))
    if 1 < kept.sum() < len(x):
        slope, intercept = np.polyfit(x[kept] - x[0], y[kept], 1)
    return float(slope), float(intercept - slope * x[0])


def _nearest_pairs(video, rig, predicted, tolerance) -> tuple[np.ndarray, np.ndarray]:
    """Each video edge with the rig edge nearest its predicted time, within `tolerance`, each rig edge used once
    (by the video edge nearest it)."""
    position = np.clip(np.searchsorted(rig, predicted), 1, len(rig) - 1)
    left, right = rig[position - 1], rig[position]
    nearest = np.where(np.abs(predicted - left) <= np.abs(predicted - right), position - 1, position)
    distance = np.abs(rig[nearest] - predicted)
    close = distance <= tolerance
    order = np.argsort(distance[close], kind="stable")
    candidates = np.flatnonzero(close)[order]
    _, first = np.unique(nearest[candidates], return_index=True)
    chosen = np.sort(candidates[first])
    return video[chosen], rig[nearest[chosen]]


def _piecewise_knots(video: np.ndarray, rig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knots of a continuous piecewise linear rig(video): one segment, split where the residuals show structure
    beyond their noise (estimated from successive differences), greedily, up to `MAX_SEGMENTS`."""
    knots = np.array([video[0], video[-1]])
    fitted = _hat_fit(video, rig, knots)
    while len(knots) <= MAX_SEGMENTS:
        residuals = rig - extrapolate(video, knots, fitted)
        noise = 1.4826 * float(np.median(np.abs(np.diff(residuals)))) / np.sqrt(2)
        if len(video) < 8 or np.sqrt(np.mean(residuals**2)) <= 1.5 * max(noise, 1e-9):
            break
        candidates = np.unique(np.quantile(video, np.linspace(0.05, 0.95, 19)))
        best = None
        for candidate in candidates:
            if np.min(np.abs(knots - candidate)) < 1e-6:
                continue
            trial = np.sort(np.append(knots, candidate))
            trial_fit = _hat_fit(video, rig, trial)
            error = float(np.sum((rig - extrapolate(video, trial, trial_fit)) ** 2))
            if best is None or error < best[0]:
                best = (error, trial, trial_fit)
        if best is None or best[0] > 0.8 * float(np.sum(residuals**2)):
            break
        _, knots, fitted = best
    return knots, fitted


def _hat_fit(video: np.ndarray, rig: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Least-squares rig values at `knots` of the piecewise linear function through them."""
    basis = np.column_stack([extrapolate(video, knots, np.eye(len(knots))[k]) for k in range(len(knots))])
    return np.linalg.lstsq(basis, rig, rcond=None)[0]


def _map(video: np.ndarray, knots) -> np.ndarray:
    return extrapolate(video, knots[0], knots[1])


def _residual_steps(residual_frames: np.ndarray, times: np.ndarray) -> list[tuple[int, int]]:
    """(position of the first edge after the jump, whole frames) where the median residual before a gap differs
    from the one after by half a frame or more (the largest jump among nearby gaps).

    The residuals are first detrended by their median slope between successive edges: a line fitted through
    a staircase of lost frames is tilted, and a tilt would look like a jump between windows of edges."""
    slopes = np.diff(residual_frames) / np.maximum(np.diff(times), 1e-9)
    if len(slopes):
        residual_frames = residual_frames - float(np.median(slopes)) * (times - times[0])
    n = len(residual_frames)
    jumps = np.zeros(max(n - 1, 0))
    for gap in range(n - 1):
        before = residual_frames[max(0, gap + 1 - STEP_WINDOW) : gap + 1]
        after = residual_frames[gap + 1 : gap + 1 + STEP_WINDOW]
        jumps[gap] = np.median(after) - np.median(before)
    found = {}
    differences = np.diff(residual_frames)
    for gap in np.flatnonzero(np.abs(jumps) >= 0.5):
        first = max(0, gap - STEP_WINDOW + 1)
        nearby = np.abs(jumps[first : gap + STEP_WINDOW])
        if first + int(np.argmax(nearby)) != gap or round(jumps[gap]) == 0:
            continue  # not the largest jump around (windows next to one jump see it too)
        # the jump is between the two successive edges, near here, whose residuals differ most in its direction
        sign = np.sign(jumps[gap])
        near = np.arange(first, min(gap + STEP_WINDOW, len(differences)))
        found[int(near[np.argmax(sign * differences[near])] + 1)] = int(round(jumps[gap]))
    return sorted(found.items())


def _shifts(steps, n: int) -> np.ndarray:
    """Frames each of `n` matched edges is shifted by, from the steps before it."""
    shifts = np.zeros(n + 1)
    for position, count in steps:
        shifts[position] += count
    return np.cumsum(shifts)[:n]


def _merged(steps) -> list[tuple[int, int]]:
    """Steps at the same position added up; those adding to 0 removed."""
    merged: dict[int, int] = {}
    for position, count in steps:
        merged[position] = merged.get(position, 0) + count
    return [(position, count) for position, count in sorted(merged.items()) if count]


def _placed_drop(position: int, count: int, frame_of: np.ndarray, frame_motion) -> DroppedFrames:
    """The frame of a residual jump between matched edges `position - 1` and `position`."""
    first, last = int(frame_of[position - 1]) + 1, int(frame_of[position])
    if frame_motion is None or last <= first:
        return DroppedFrames(first, count, (first - 1, last), False)
    motion = np.asarray(frame_motion, dtype=float)
    low, high = max(first - MOTION_BASELINE, 1), min(last + MOTION_BASELINE + 1, len(motion))
    around = motion[low:high]
    baseline = np.array(
        [np.nanmedian(around[max(k - MOTION_BASELINE, 0) : k + MOTION_BASELINE + 1]) for k in range(len(around))]
    )
    ratio = around / np.maximum(baseline, 1e-6)
    candidates = np.arange(low, high)
    inside = (candidates >= first) & (candidates <= last)
    scores = ratio[inside] if count > 0 else -ratio[inside]
    order = np.argsort(np.nan_to_num(scores, nan=-np.inf))[::-1]
    best = int(candidates[inside][order[0]])
    clear = len(order) == 1 or scores[order[0]] - scores[order[1]] > 0.25 * abs(scores[order[0]])
    return DroppedFrames(best, count, (first - 1, last), bool(clear))


def _frame_shift_at(drops, frames: np.ndarray, step: float) -> np.ndarray:
    """Seconds each edge at `frames` is shifted by the placed drops before it."""
    shift = np.zeros(len(frames))
    for drop in drops:
        shift[frames >= drop.frame] += drop.count
    return shift * step
