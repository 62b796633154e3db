"""The options of a scene, declared once: how the sources sit on the video's timeline, the plot window, the
panel's layout, the style, the tiles of several cameras and the spatial calibration.

`SceneOptions` is what `build_scene` / `build_tiled_scene` / `create_visualization` / `attach` take as
keywords, what `Scene.updated` changes, what a session file and the writer's layer metadata keep, and what a
batch job may set; `SCENE_OPTION_NAMES` is the list those interfaces check names against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from numbers import Integral

from .errors import ChronovizError


@dataclass(frozen=True)
class SceneOptions:
    """How a scene draws its sources; every field has the default a scene starts from.

    Attributes
    ----------
    alignment : dict
        `align` options of the signals (mode, ratio, offset, interpolation, sync); a source's own options
        (its `SourceSpec`) win over these.
    pose_alignment : dict
        `align` options of the poses (mode, ratio, offset, sync). Default: one pose row per video frame.
    labels_clock : str or int
        The clock of the events' and intervals' times: "video", or a signal by position or file name.
    window : float, tuple, dict or None
        Seconds of signal on each side of the current frame (None: 2 s), `(left, right)` or
        `{"left", "right", "unit": "s" | "samples"}`.
    layout : str, dict or None
        The panel's position ("below", "top-right", ..., "none") or `{"position", "size"}`; None: below.
    style : dict or None
        `Style` options (colors, fonts, plot layout, trails, ...); None: the defaults.
    tiles : str, dict or None
        Several videos only: "row", "grid" or `{"columns", "height"}`.
    calibration : dict, str or None
        One video only: its spatial calibration (a `Calibration`, its dict or a calibration file).
    pose_speed : str or None
        One video only: "centroid" or a keypoint, a lane of each pose's speed.
    """

    alignment: dict = field(default_factory=dict)
    pose_alignment: dict = field(default_factory=dict)
    labels_clock: str | int = "video"
    window: object = None
    layout: object = None
    style: object = None
    tiles: object = None
    calibration: object = None
    pose_speed: str | None = None

    def __post_init__(self):
        for name in ("alignment", "pose_alignment"):
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, {})
            elif not isinstance(value, Mapping):
                raise ChronovizError(f"{name} is a dict of align options (mode, ratio, offset, ...), not {value!r}.")
        if not isinstance(self.labels_clock, (str, Integral)):
            raise ChronovizError(
                f"labels_clock is 'video' or a signal's position or file name, not {self.labels_clock!r}."
            )
        if self.pose_speed is not None and (not isinstance(self.pose_speed, str) or not self.pose_speed):
            raise ChronovizError(f"pose_speed is 'centroid' or a keypoint's name, not {self.pose_speed!r}.")

    @classmethod
    def of(cls, options: Mapping | None, where: str = "the options") -> SceneOptions:
        """From a mapping of option names (e.g. a session file's); an unknown name is an error saying `where`."""
        options = dict(options or {})
        unknown = sorted(set(options) - set(SCENE_OPTION_NAMES))
        if unknown:
            raise ChronovizError(
                f"Unknown scene option(s) {unknown} in {where}: the options are {', '.join(SCENE_OPTION_NAMES)}."
            )
        return cls(**options)

    def keywords(self) -> dict:
        """The options as the keywords of `build_scene` and `create_visualization` (`tiles` included)."""
        return {name: getattr(self, name) for name in SCENE_OPTION_NAMES}


SCENE_OPTION_NAMES = tuple(item.name for item in fields(SceneOptions))
