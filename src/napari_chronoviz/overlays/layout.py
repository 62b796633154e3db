"""Where the plot panel goes relative to the video, in canvas pixels (= napari world units).

The video always occupies (0, 0)..(width, height). A panel beside it extends the canvas (above and left
give negative coordinates); a panel in a corner lies over the video with a translucent background.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, get_args

import numpy as np

from ..errors import ChronovizError

Position = Literal["below", "above", "left", "right", "top-left", "top-right", "bottom-left", "bottom-right", "none"]
POSITIONS: tuple[str, ...] = get_args(Position)
BESIDE = POSITIONS[:4]
CORNERS = POSITIONS[4:8]
MARGIN = 8  # pixels between a corner panel and the video's edge
MOST_GROWTH = 2  # an automatic panel below or above grows to at most this many times the video's height: beyond,
# its lanes share that height and their names thin out (a 384-channel probe would otherwise make it ~50000 px high)


@dataclass(frozen=True)
class Layout:
    """The video's size, where the plot panel goes, and how big it is.

    `size` is the panel's height for "below"/"above", its width for "left"/"right", and (width, height)
    for a corner; None picks a third of the video's height (or width), or half by a third for a corner.
    """

    video_width: int
    video_height: int
    position: Position = "below"
    size: int | tuple[int, int] | None = None

    def __post_init__(self):
        if self.position not in POSITIONS:
            hint = (
                " To export only the plot panel, keep a position and pass plot_only=True."
                if "only" in str(self.position)
                else ""
            )
            raise ChronovizError(f"Unknown panel position {self.position!r}: use one of {', '.join(POSITIONS)}.{hint}")
        corner = self.position not in ("none", "below", "above", "left", "right")
        if self.size is not None and corner != (np.ndim(self.size) == 1 and len(self.size) == 2):
            expected = (
                "(width, height) in pixels" if corner else "one number of pixels (its height, or its width beside)"
            )
            raise ChronovizError(f"A panel at {self.position!r} takes a size of {expected}; got {self.size!r}.")

    @property
    def panel_box(self) -> np.ndarray | None:
        """(x0, y0, x1, y1) of the plot panel, or None when there is no panel."""
        width, height = self.video_width, self.video_height
        if self.position == "none":
            return None
        if self.position in ("below", "above"):
            extent = int(self.size or round(height / 3))
            top = height if self.position == "below" else -extent
            return np.array([0, top, width, top + extent], dtype=float)
        if self.position in ("left", "right"):
            extent = int(self.size or round(width / 3))
            left = width if self.position == "right" else -extent
            return np.array([left, 0, left + extent, height], dtype=float)
        panel_width, panel_height = self.size or (round(width / 2), round(height / 3))
        left = MARGIN if self.position.endswith("left") else width - MARGIN - panel_width
        top = MARGIN if self.position.startswith("top") else height - MARGIN - panel_height
        return np.array([left, top, left + panel_width, top + panel_height], dtype=float)

    def with_panel_room(self, height: float, width: float) -> Layout:
        """The layout with its automatic panel (size None) grown to the room its content needs: at least `height`
        pixels high below or above the video (at most `MOST_GROWTH` times the video's height) or in a corner
        (there at most the video's height less the margins); at least `width` pixels wide beside it (at most as
        wide as the video). A size given is kept.

        Parameters
        ----------
        height : float
            The panel height its content needs (`PlotPanel.natural_height`).
        width : float
            The panel width its content needs beside the video (`PlotPanel.natural_width`).

        Returns
        -------
        Layout
            The same layout, its size set when the panel grew.
        """
        if self.size is not None or self.position == "none":
            return self
        x0, y0, x1, y1 = self.panel_box
        if self.position in ("left", "right"):
            return replace(self, size=int(max(x1 - x0, min(math.ceil(width), self.video_width))))
        if not self.is_inset:
            return replace(self, size=int(max(y1 - y0, min(math.ceil(height), MOST_GROWTH * self.video_height))))
        height = min(max(y1 - y0, math.ceil(height)), self.video_height - 2 * MARGIN)
        return replace(self, size=(int(x1 - x0), int(height)))

    @property
    def is_inset(self) -> bool:
        """Whether the panel lies over the video (and so gets a translucent background)."""
        return self.position in CORNERS

    @property
    def canvas_box(self) -> np.ndarray:
        """(x0, y0, x1, y1) of everything drawn: the video plus a panel beside it."""
        box = np.array([0, 0, self.video_width, self.video_height], dtype=float)
        panel = self.panel_box
        if panel is None or self.is_inset:
            return box
        return np.concatenate([np.minimum(box[:2], panel[:2]), np.maximum(box[2:], panel[2:])])

    def to_dict(self) -> dict:
        size = list(self.size) if isinstance(self.size, tuple) else self.size
        return {"position": self.position, "size": size}
