"""The Sync dock's picture of a fit: the LED lane with its edges over the rig's pulses, and the residuals.

Drawn with OpenCV into an RGB array (a few milliseconds), shown by the dock as a Qt pixmap.
"""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUND = (250, 250, 250)
LED = (31, 119, 180)
EDGE = (214, 39, 40)
PULSE = (44, 160, 44)
UNMATCHED = (255, 127, 14)
RESIDUAL = (60, 60, 60)
DROP = (148, 103, 189)
LANE_HEIGHT = 60
MARGIN = 6
FONT = cv2.FONT_HERSHEY_SIMPLEX


def sync_picture(result, frame_times: np.ndarray, width: int = 320) -> np.ndarray:
    """An (H, width, 3) RGB picture of a `SyncResult` on the rig's clock: the LED's values and its edges, the
    rig's pulses (matched in green, unmatched in orange), the residuals (ms) with lost frames marked."""
    rig_frame_times = result.clock.rig_times(frame_times)
    start, end = float(rig_frame_times[0]), float(rig_frame_times[-1])
    picture = np.full((3 * LANE_HEIGHT + 4 * MARGIN + 12, width, 3), BACKGROUND, np.uint8)

    def x_of(times):
        return np.round((np.asarray(times, float) - start) / max(end - start, 1e-9) * (width - 1)).astype(np.int32)

    top = MARGIN
    _label(picture, "LED", top)
    led = np.asarray(result.led, float)
    low, high = np.nanmin(led), np.nanmax(led)
    y = top + LANE_HEIGHT - 1 - np.round((led - low) / max(high - low, 1e-9) * (LANE_HEIGHT - 2)).astype(np.int32)
    points = np.column_stack([x_of(rig_frame_times), y])[np.isfinite(led)]
    cv2.polylines(picture, [points.reshape(-1, 1, 2)], False, LED, 1, cv2.LINE_AA)
    video_edges = result.video_edges.times(result.edge)
    frame_of_edge = np.interp(video_edges, frame_times, np.arange(len(frame_times)))
    for x in x_of(np.interp(frame_of_edge, np.arange(len(frame_times)), rig_frame_times)):
        cv2.line(picture, (int(x), top), (int(x), top + 8), EDGE, 1)

    top += LANE_HEIGHT + MARGIN
    _label(picture, "rig", top)
    matched = set(np.round(result.fit.rig_times, 9).tolist())
    for time in result.rig_edges.times(result.edge):
        if start <= time <= end:
            color = PULSE if round(float(time), 9) in matched else UNMATCHED
            x = int(x_of(time))
            cv2.line(picture, (x, top + 10), (x, top + LANE_HEIGHT - 4), color, 1)

    top += LANE_HEIGHT + MARGIN
    residuals_ms = result.fit.residuals * 1e3
    limit = max(float(np.abs(residuals_ms).max()), result.fit.frame_step * 1e3 / 4)
    _label(picture, f"residuals +-{limit:.1f} ms", top)
    middle = top + LANE_HEIGHT // 2
    cv2.line(picture, (0, middle), (width - 1, middle), (200, 200, 200), 1)
    for drop in result.fit.drops:
        x = int(x_of(rig_frame_times[min(drop.frame, len(rig_frame_times) - 1)]))
        cv2.line(picture, (x, top + 10), (x, top + LANE_HEIGHT - 1), DROP, 1)
    ys = middle - np.round(residuals_ms / limit * (LANE_HEIGHT // 2 - 6)).astype(np.int32)
    for x, y in zip(x_of(result.fit.rig_times), ys):
        cv2.circle(picture, (int(x), int(y)), 1, RESIDUAL, -1)
    _label(picture, f"{start:.1f} s", picture.shape[0] - 3, left=2)
    text = f"{end:.1f} s (rig)"
    (text_width, _), _ = cv2.getTextSize(text, FONT, 0.35, 1)
    _label(picture, text, picture.shape[0] - 3, left=width - text_width - 2)
    return picture


def _label(picture: np.ndarray, text: str, top: int, left: int = 2) -> None:
    baseline = top if top >= picture.shape[0] - 4 else top + 9
    cv2.putText(picture, text, (left, baseline), FONT, 0.35, (90, 90, 90), 1, cv2.LINE_AA)
