"""Small numeric helpers of the plot panel: faded colors, colormap indices, moving extremes and means, ranges."""

from __future__ import annotations

import numpy as np

from ..primitives import rgba
from ..style import Style, palette


class Fader:
    """Faint colors for the self: on an opaque self, the opaque color they give over its background (the
    same pixels, and drawn without a blend); over the video, translucent."""

    def __init__(self, style: Style, inset: bool):
        self.background = None if inset or style.panel_color[3] < 1 else np.asarray(style.panel_color[:3])

    def __call__(self, colors, alpha: float) -> np.ndarray:
        colors = rgba(colors).reshape(-1, 4)
        if self.background is None:
            return rgba(colors, alpha).reshape(-1, 4)
        return rgba(colors[:, :3] * alpha + self.background * (1 - alpha))


def from_the_end(count: int) -> np.ndarray:
    """`count` palette colors, the last first: grey, blue, purple, ... (the first ones color the traces)."""
    return palette(max(count, 8))[::-1][:count]


def lut_index(values: np.ndarray, low: float, high: float) -> np.ndarray:
    scaled = (np.nan_to_num(values, nan=low) - low) / (high - low) * 255
    return np.clip(np.round(scaled), 0, 255).astype(np.intp)


def moving_extreme(values: np.ndarray, reach: int, extreme) -> np.ndarray:
    """The `extreme` (np.min / np.max) of each value and its `reach` neighbours on each side."""
    if reach == 0:
        return values
    return extreme(np.lib.stride_tricks.sliding_window_view(np.pad(values, reach, mode="edge"), 2 * reach + 1), axis=1)


def moving_mean(values: np.ndarray, reach: int) -> np.ndarray:
    if reach == 0:
        return values
    sums = np.cumsum(np.pad(values, (reach + 1, reach), mode="edge"))
    return (sums[2 * reach + 1 :] - sums[: -2 * reach - 1]) / (2 * reach + 1)


def finite_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    return (low - 1, high + 1) if low == high else (low, high)
