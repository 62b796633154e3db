"""How overlays look: one JSON-able dataclass, the colour-blind safe palette and the heatmaps' colormaps."""

from __future__ import annotations

import colorsys
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal, get_args

import numpy as np

from ..errors import ChronovizError

# Okabe & Ito's colour-blind safe colours, black replaced by light grey for dark panels and videos
OKABE_ITO = (
    np.array(
        [
            [86, 180, 233],
            [230, 159, 0],
            [0, 158, 115],
            [240, 228, 66],
            [213, 94, 0],
            [204, 121, 167],
            [0, 114, 178],
            [187, 187, 187],
        ]
    )
    / 255
)
# 17 evenly spaced stops of matplotlib's perceptually uniform maps (cividis is also colour-blind safe)
COLORMAPS = {
    "viridis": [
        [68, 1, 84],
        [72, 24, 106],
        [71, 45, 123],
        [66, 64, 134],
        [59, 82, 139],
        [51, 99, 141],
        [44, 114, 142],
        [38, 130, 142],
        [33, 145, 140],
        [31, 160, 136],
        [40, 174, 128],
        [63, 188, 115],
        [94, 201, 98],
        [132, 212, 75],
        [173, 220, 48],
        [216, 226, 25],
        [253, 231, 37],
    ],
    "magma": [
        [0, 0, 4],
        [10, 8, 34],
        [29, 17, 71],
        [54, 16, 107],
        [81, 18, 124],
        [106, 28, 129],
        [131, 38, 129],
        [156, 46, 127],
        [183, 55, 121],
        [208, 65, 111],
        [231, 82, 99],
        [245, 107, 92],
        [252, 137, 97],
        [254, 167, 114],
        [254, 196, 136],
        [253, 226, 163],
        [252, 253, 191],
    ],
    "cividis": [
        [0, 34, 78],
        [0, 46, 106],
        [26, 56, 111],
        [50, 67, 109],
        [67, 78, 108],
        [83, 90, 109],
        [97, 101, 111],
        [111, 112, 115],
        [125, 124, 120],
        [140, 136, 120],
        [155, 148, 118],
        [171, 160, 114],
        [188, 174, 108],
        [205, 187, 99],
        [222, 201, 88],
        [240, 216, 70],
        [254, 232, 56],
    ],
    "gray": [[0, 0, 0], [255, 255, 255]],
}
PlotLayout = Literal["stacked", "overlay", "dense", "grid"]
ColorBy = Literal["keypoint", "individual"]
TimeAxis = Literal["relative", "absolute"]
# "time": seconds from the video's first frame; "clock": the frame's time on the video's own clock (epoch seconds
# for a DataLogger log)
Timestamp = Literal["none", "time", "frame", "time+frame", "clock", "clock+frame"]
PLOT_LAYOUTS: tuple[str, ...] = get_args(PlotLayout)
COLOR_BY: tuple[str, ...] = get_args(ColorBy)
TIME_AXES: tuple[str, ...] = get_args(TimeAxis)
TIMESTAMPS: tuple[str, ...] = get_args(Timestamp)
YLIM_MODES = ("channel", "global", "window")
MAX_BAND_ALPHA = 0.35  # interval bands above this hide the traces under them
LISTS = {"heatmaps", "dense", "trail_keypoints"}  # options that hold several items


def palette(count: int) -> np.ndarray:
    """`count` distinct RGBA colors: Okabe-Ito's colour-blind safe set up to 8, evenly spaced hues beyond."""
    if count <= len(OKABE_ITO):
        rgb = OKABE_ITO[:count]
    else:
        rgb = np.array([colorsys.hsv_to_rgb(i / count, 0.75, 0.95) for i in range(count)])
    return np.column_stack([rgb, np.ones(len(rgb))]) if len(rgb) else np.zeros((0, 4))


def colormap_table(name: str) -> np.ndarray:
    """The colormap `name` as a (256, 4) uint8 RGBA lookup table (value 0..1 -> row round(value * 255))."""
    if name not in COLORMAPS:
        raise ChronovizError(f"Unknown colormap {name!r}: use one of {', '.join(COLORMAPS)}.")
    stops = np.asarray(COLORMAPS[name], dtype=float)
    where = np.linspace(0, 1, len(stops))
    rgb = np.column_stack([np.interp(np.linspace(0, 1, 256), where, stops[:, c]) for c in range(3)])
    return np.column_stack([np.round(rgb), np.full(256, 255)]).astype(np.uint8)


@dataclass(frozen=True)
class Style:
    """Every style option of the overlays, with the defaults users of DLC/SLEAP renderers expect."""

    # plot panel
    plot_layout: PlotLayout = "stacked"  # stacked lanes, one "overlay" axis, "dense" (many channels), "grid"
    grid_columns: int = 2
    ylim: str | tuple[float, float] = "channel"  # "channel", "global", "window" or fixed (low, high)
    show_values: bool = True  # current value beside each channel name
    time_axis: TimeAxis = "relative"  # tick labels in seconds from the current frame, or on the video's clock
    heatmaps: tuple[int | str, ...] = ()  # signals (position in `signals` or file name) drawn as a heatmap lane
    colormap: str = "viridis"  # of the heatmap lanes: viridis, magma, cividis or gray
    dense: tuple[int | str, ...] = ()  # signals drawn as one dense (EEG-style) lane: a trace per channel, stacked
    dense_scale: float | None = None  # of the dense lanes: the value span from one channel's baseline to the next's;
    # None: the channels' typical peak-to-peak
    overview: bool = False  # a strip of the whole recording with the intervals, events and the current window
    timestamp: Timestamp = "none"  # burned into the video's top-left corner (top-right under a top-left panel)
    scale_bar: str | float = "auto"  # with a calibration: "auto" (a round length), "none", or a length in its unit
    line_width: float = 1.0  # anti-aliased 1 px traces draw 10x faster than 2 px in OpenCV
    font_size: float | None = None  # pixels; None: scaled to the video (see `for_video`)
    panel_color: tuple[float, float, float, float] = (0.08, 0.08, 0.1, 1.0)
    inset_alpha: float = 0.6  # background opacity of a panel over the video
    text_color: tuple[float, float, float, float] = (0.92, 0.92, 0.92, 1.0)
    cursor_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 0.9)
    interval_alpha: float = 0.25  # of the interval bands, capped at MAX_BAND_ALPHA so traces stay readable
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
        if (
            isinstance(self.ylim, str)
            and self.ylim not in YLIM_MODES
            or not isinstance(self.ylim, str)
            and (np.ndim(self.ylim) != 1 or len(self.ylim) != 2 or not float(self.ylim[0]) < float(self.ylim[1]))
        ):
            raise ChronovizError(
                f"ylim must be one of {', '.join(map(repr, YLIM_MODES))} or (low, high) with "
                f"low < high; got {self.ylim!r}."
            )
        for name, value, allowed in (
            ("time_axis", self.time_axis, TIME_AXES),
            ("timestamp", self.timestamp, TIMESTAMPS),
        ):
            if value not in allowed:
                raise ChronovizError(f"Unknown {name} {value!r}: use one of {', '.join(allowed)}.")
        colormap_table(self.colormap)
        if self.scale_bar not in ("auto", "none") and not _positive_number(self.scale_bar):
            raise ChronovizError(
                f"scale_bar must be 'auto', 'none' or a positive length in the calibration's unit, "
                f"not {self.scale_bar!r}."
            )
        if self.dense_scale is not None and not (
            isinstance(self.dense_scale, (int, float))
            and not isinstance(self.dense_scale, bool)
            and self.dense_scale > 0
        ):
            raise ChronovizError(
                f"dense_scale must be a positive value span (in the signal's unit) between neighbouring channels, or "
                f"None to fit the channels' typical peak-to-peak; got {self.dense_scale!r}."
            )
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
        for name in LISTS & set(changes):  # one item given alone, e.g. heatmaps=1 on the command line
            if isinstance(changes[name], (str, int)):
                changes[name] = (changes[name],)
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-able: tuples become lists."""
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, options: dict | None) -> Style:
        return cls().updated(**(options or {}))


def _positive_number(value) -> bool:
    """Whether `value` is a number above 0 (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
