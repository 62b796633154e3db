"""How overlays look: one JSON-able dataclass, and the color palettes."""

from __future__ import annotations

import colorsys
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal, get_args

import numpy as np

from ..errors import ChronovizError

# matplotlib's tab10, the colors most plots in the field use
TAB10 = np.array(
    [
        [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
        [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
    ]
) / 255
PlotLayout = Literal["stacked", "overlay", "dense", "grid"]
ColorBy = Literal["keypoint", "individual"]
PLOT_LAYOUTS: tuple[str, ...] = get_args(PlotLayout)
COLOR_BY: tuple[str, ...] = get_args(ColorBy)


def palette(count: int) -> np.ndarray:
    """`count` distinct RGBA colors: tab10 up to 10, evenly spaced hues beyond."""
    if count <= len(TAB10):
        rgb = TAB10[:count]
    else:
        rgb = np.array([colorsys.hsv_to_rgb(i / count, 0.75, 0.95) for i in range(count)])
    return np.column_stack([rgb, np.ones(len(rgb))]) if len(rgb) else np.zeros((0, 4))


@dataclass(frozen=True)
class Style:
    """Every style option of the overlays, with the defaults users of DLC/SLEAP renderers expect."""

    # plot panel
    plot_layout: PlotLayout = "stacked"  # stacked lanes, one "overlay" axis, "dense" (many channels), "grid"
    grid_columns: int = 2
    ylim: str | tuple[float, float] = "channel"  # "channel", "global" or fixed (low, high)
    show_values: bool = True  # current value beside each channel name
    line_width: float = 1.0  # anti-aliased 1 px traces draw 10x faster than 2 px in OpenCV
    font_size: float | None = None  # pixels; None: scaled to the video (see `for_video`)
    panel_color: tuple[float, float, float, float] = (0.08, 0.08, 0.1, 1.0)
    inset_alpha: float = 0.6  # background opacity of a panel over the video
    text_color: tuple[float, float, float, float] = (0.92, 0.92, 0.92, 1.0)
    cursor_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 0.9)
    interval_alpha: float = 0.25
    label_colors: dict | None = None  # interval label or event kind -> RGBA (0..1), e.g. an ethogram's; else palette
    # pose
    color_by: ColorBy = "keypoint"
    confidence_cutoff: float = 0.0  # points with lower confidence are hidden
    point_size: float | None = None  # pixels; None: scaled to the video
    edge_width: float = 2.0
    edge_color: tuple[float, float, float, float] | None = None  # None: the color of the edge's first keypoint
    trail_length: int = 0  # frames of fading trail behind each keypoint (0: none)
    trail_keypoints: tuple[str, ...] | None = None  # None: every keypoint
    head_direction: tuple[str, str] | None = None  # (from, to) keypoints: an arrow from one through the other
    arrow_length: float = 40.0

    def __post_init__(self):
        if self.plot_layout not in PLOT_LAYOUTS:
            raise ChronovizError(f"Unknown plot layout {self.plot_layout!r}: use one of {', '.join(PLOT_LAYOUTS)}.")
        if self.color_by not in COLOR_BY:
            raise ChronovizError(f"Unknown color_by {self.color_by!r}: use one of {', '.join(COLOR_BY)}.")
        if not isinstance(self.ylim, str) and len(self.ylim) != 2:
            raise ChronovizError(f"ylim must be 'channel', 'global' or (low, high); got {self.ylim!r}.")
        if self.trail_length < 0:
            raise ChronovizError(f"trail_length must be 0 or more frames, got {self.trail_length}.")

    def for_video(self, height: int) -> Style:
        """Sizes left as None made readable for a video `height` pixels high (12 px text at 576 rows)."""
        font_size = self.font_size or max(12.0, round(height / 48))
        point_size = self.point_size or max(6.0, round(height / 96))
        return replace(self, font_size=font_size, point_size=point_size)

    def updated(self, **changes) -> Style:
        """A copy with `changes`; unknown names raise with the valid ones."""
        unknown = set(changes) - {item.name for item in fields(self)}
        if unknown:
            raise ChronovizError(f"Unknown style option(s) {sorted(unknown)}; valid: {[f.name for f in fields(self)]}.")
        changes = {name: tuple(value) if isinstance(value, list) else value for name, value in changes.items()}
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-able: tuples become lists."""
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, options: dict | None) -> Style:
        return cls().updated(**(options or {}))
