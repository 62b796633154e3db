"""The drawing primitives every overlay produces, in canvas pixels (= napari world units).

Coordinates are (x, y) = (column, row), origin at the video's top-left pixel corner; panels placed above
or left of the video have negative coordinates. Colors are RGBA floats in 0..1. The napari adapter and
the rasterizer draw exactly these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np


@dataclass(frozen=True, eq=False)
class Polylines:
    """Connected lines: `paths[i]` is an (n, 2) array of (x, y) drawn in `colors[i]`."""

    paths: list[np.ndarray]
    colors: np.ndarray  # (n_paths, 4)
    width: float = 1.0
    smooth: bool = True  # anti-aliased; False: stepped, about ten times faster for hundreds of stacked traces

    def __len__(self) -> int:
        return len(self.paths)


@dataclass(frozen=True, eq=False)
class Segments:
    """Separate straight lines from `starts[i]` to `ends[i]`; `arrow` puts a head at each end point."""

    starts: np.ndarray  # (n, 2)
    ends: np.ndarray  # (n, 2)
    colors: np.ndarray  # (n, 4)
    width: float = 1.0
    arrow: bool = False

    def __len__(self) -> int:
        return len(self.starts)


@dataclass(frozen=True, eq=False)
class Points:
    """Filled discs of diameter `size` at `positions`."""

    positions: np.ndarray  # (n, 2)
    colors: np.ndarray  # (n, 4)
    size: float = 6.0

    def __len__(self) -> int:
        return len(self.positions)


@dataclass(frozen=True, eq=False)
class Rectangles:
    """Filled axis-aligned rectangles, rows of (x0, y0, x1, y1)."""

    boxes: np.ndarray  # (n, 4)
    colors: np.ndarray  # (n, 4)

    def __len__(self) -> int:
        return len(self.boxes)


@dataclass(frozen=True, eq=False)
class Texts:
    """Strings whose baseline-left (or `anchor`) sits at `positions`, `size` pixels high."""

    positions: np.ndarray  # (n, 2)
    strings: list[str]
    colors: np.ndarray  # (n, 4)
    size: float = 12.0
    anchor: str = "left"  # "left", "right" or "center" of the string at the position

    def __len__(self) -> int:
        return len(self.strings)


@dataclass(frozen=True, eq=False)
class Image:
    """An RGBA picture, (rows, columns, 4) uint8, stretched over `box` (x0, y0, x1, y1): each cell a flat block."""

    box: np.ndarray  # (4,)
    pixels: np.ndarray  # (rows, columns, 4) uint8

    def __len__(self) -> int:
        return 1 if self.pixels.size else 0


@dataclass(frozen=True, eq=False)
class Clip:
    """`content` drawn inside `box` (x0, y0, x1, y1, whole pixels) only, on a fresh `background` (RGBA) that
    replaces what was there: how one frame's part of a scrolled strip is drawn (see `PlotPanel.geometry`)."""

    box: np.ndarray  # (4,)
    background: np.ndarray  # (4,)
    content: Geometry

    def __len__(self) -> int:
        return 1

    def cut(self) -> list:
        """The clip as plain primitives, for displays that cannot clip (napari's vector layers): its background
        over the box, then the content cut at the box's left and right edges (lines where they cross them,
        rectangles to them; texts that do not fit whole are left out)."""
        x0, x1 = float(self.box[0]), float(self.box[2])
        cut: list = [
            Rectangles(np.asarray(self.box, dtype=float)[None], np.asarray(self.background, dtype=float)[None])
        ]
        for item in self.content.items:
            if isinstance(item, Polylines):
                pieces = [
                    (piece, color) for path, color in zip(item.paths, item.colors) for piece in _cut_path(path, x0, x1)
                ]
                item = replace(
                    item, paths=[piece for piece, _ in pieces], colors=np.array([c for _, c in pieces]).reshape(-1, 4)
                )
            elif isinstance(item, Segments):
                starts, ends, keep = _cut_segments(item.starts, item.ends, x0, x1)
                item = replace(item, starts=starts, ends=ends, colors=item.colors[keep])
            elif isinstance(item, Rectangles):
                boxes = item.boxes.copy()
                boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], x0, x1)
                keep = boxes[:, 2] > boxes[:, 0]
                item = replace(item, boxes=boxes[keep], colors=item.colors[keep])
            elif isinstance(item, Texts):
                widths = np.array([text_width(text, item.size) for text in item.strings])
                lefts = item.positions[:, 0] - widths * {"left": 0.0, "right": 1.0, "center": 0.5}[item.anchor]
                keep = np.flatnonzero((lefts >= x0) & (lefts + widths <= x1))
                item = replace(
                    item,
                    positions=item.positions[keep],
                    strings=[item.strings[i] for i in keep],
                    colors=item.colors[keep],
                )
            if len(item):
                cut.append(item)
        return cut


def _cut_path(path: np.ndarray, x0: float, x1: float) -> list[np.ndarray]:
    """The runs of a path inside x0..x1, each ending where it crosses an edge."""
    inside = (path[:, 0] >= x0) & (path[:, 0] <= x1)
    pieces = []
    for start, stop in _runs(inside):
        piece = [path[start:stop]]
        if start > 0 and path[start, 0] not in (x0, x1):  # a point on the edge is the crossing itself
            piece.insert(0, _crossing(path[start - 1], path[start], x0, x1))
        if stop < len(path) and path[stop - 1, 0] not in (x0, x1):
            piece.append(_crossing(path[stop], path[stop - 1], x0, x1))
        piece = np.vstack(piece)
        if len(piece) > 1:
            pieces.append(piece)
    return pieces


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    return list(zip(edges[::2], edges[1::2]))


def _crossing(outside: np.ndarray, inside: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """Where the line from an outside point to an inside one crosses the edge x0 or x1."""
    edge = x0 if outside[0] < x0 else x1
    fraction = (edge - inside[0]) / (outside[0] - inside[0])
    return (inside + fraction * (outside - inside))[None]


def _cut_segments(starts: np.ndarray, ends: np.ndarray, x0: float, x1: float):
    """Segments cut to x0..x1: (starts, ends, indices of the segments kept)."""
    low, high = np.minimum(starts[:, 0], ends[:, 0]), np.maximum(starts[:, 0], ends[:, 0])
    keep = np.flatnonzero((high >= x0) & (low <= x1))
    starts, ends = starts[keep].copy(), ends[keep].copy()
    for points, others in ((starts, ends), (ends, starts)):
        for edge, outside in ((x0, points[:, 0] < x0), (x1, points[:, 0] > x1)):
            fraction = (edge - others[outside, 0]) / (points[outside, 0] - others[outside, 0])
            points[outside] = others[outside] + fraction[:, None] * (points[outside] - others[outside])
    return starts, ends, keep


# The font every text is drawn in (the rasterizer's), and its height in pixels at scale 1: cap height + descent
# of OpenCV's Hershey simplex.
FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_PIXELS_AT_SCALE_1 = 22.0


def text_thickness(size: float) -> int:
    """The stroke width in pixels of text `size` pixels high."""
    return max(1, int(round(size * 1.6 / 22)))


@lru_cache(maxsize=4096)  # the panel measures the same names, labels and values on every frame
def text_width(text: str, size: float) -> float:
    """How wide `text` is drawn at `size` pixels high, in pixels: what OpenCV draws, plus a pixel of margin.

    Asked of OpenCV's own metrics (`cv2.getTextSize`), so it holds for every OpenCV version: their glyph
    advances changed in OpenCV 5, and a table copied from one version under-measured text in the next.
    """
    (width, _), _ = cv2.getTextSize(text, FONT, size / FONT_PIXELS_AT_SCALE_1, text_thickness(size))
    return width + 1.0


@dataclass(eq=False)
class Geometry:
    """Everything drawn for one frame, in drawing order (first is at the back)."""

    items: list = field(default_factory=list)

    def add(self, item) -> None:
        """Append a primitive, skipping empty ones."""
        if len(item):
            self.items.append(item)

    def extend(self, other: Geometry) -> None:
        self.items.extend(other.items)

    def extent(self, margin: float = 4.0) -> np.ndarray | None:
        """(x0, y0, x1, y1) that holds everything drawn (text generously), or None when empty."""
        boxes = [_extent(item) for item in self.items]
        if not boxes:
            return None
        boxes = np.array(boxes)
        return np.concatenate([boxes[:, :2].min(axis=0) - margin, boxes[:, 2:].max(axis=0) + margin])

    def of_type(self, kind: type) -> list:
        """The primitives of one type, e.g. `geometry.of_type(Points)`, those inside a `Clip` included (where
        they are drawn: a clip's content is in canvas pixels too)."""
        found = []
        for item in self.items:
            if isinstance(item, kind):
                found.append(item)
            if isinstance(item, Clip):
                found += item.content.of_type(kind)
        return found

    def placed(self, offset, scale: float = 1.0) -> Geometry:
        """A copy moved to another place on the canvas: every (x, y) becomes `(x, y) * scale + offset`.

        Line widths, point and text sizes scale too, so a camera's tile looks like its video scaled, down to
        1 pixel wide lines, 2 pixel points and 8 pixel text."""
        offset = np.asarray(offset, dtype=float)

        def move(xy):
            return np.asarray(xy, dtype=float) * scale + offset

        moved = Geometry()
        for item in self.items:
            if isinstance(item, Polylines):
                moved.add(replace(item, paths=[move(path) for path in item.paths], width=max(item.width * scale, 1.0)))
            elif isinstance(item, Segments):
                moved.add(
                    replace(item, starts=move(item.starts), ends=move(item.ends), width=max(item.width * scale, 1.0))
                )
            elif isinstance(item, Points):
                moved.add(replace(item, positions=move(item.positions), size=max(item.size * scale, 2.0)))
            elif isinstance(item, Texts):
                moved.add(replace(item, positions=move(item.positions), size=max(item.size * scale, 8.0)))
            elif isinstance(item, Rectangles):
                moved.add(replace(item, boxes=move(item.boxes.reshape(-1, 2)).reshape(-1, 4)))
            elif isinstance(item, Clip):
                moved.add(
                    replace(
                        item, box=move(item.box.reshape(-1, 2)).reshape(4), content=item.content.placed(offset, scale)
                    )
                )
            else:  # Image
                moved.add(replace(item, box=move(item.box.reshape(-1, 2)).reshape(4)))
        return moved


def _extent(item) -> np.ndarray:
    if isinstance(item, Rectangles):
        corners = item.boxes.reshape(-1, 2)
        pad = 0.0
    elif isinstance(item, Polylines):
        corners, pad = np.concatenate(item.paths), item.width
    elif isinstance(item, Segments):
        corners = np.concatenate([item.starts, item.ends])
        pad = item.width + (0.3 * np.abs(item.ends - item.starts).max() if item.arrow else 0.0)
    elif isinstance(item, Points):
        corners, pad = item.positions, item.size
    elif isinstance(item, (Image, Clip)):
        corners, pad = item.box.reshape(-1, 2), 0.0
    else:  # Texts: either side of the anchor, whatever the anchor
        width = max(text_width(text, item.size) for text in item.strings)
        corners = np.concatenate([item.positions - [width, item.size * 1.2], item.positions + [width, item.size * 0.5]])
        pad = 0.0
    return np.concatenate([corners.min(axis=0) - pad, corners.max(axis=0) + pad])


def rgba(colors, alpha: float | np.ndarray | None = None) -> np.ndarray:
    """Colors as an (n, 4) float array; `alpha` (scalar or per row) replaces the alpha channel."""
    colors = np.asarray(colors, dtype=float)
    if colors.size == 0:
        return np.zeros((0, 4))
    colors = np.atleast_2d(colors).copy()
    if colors.shape[1] == 3:
        colors = np.column_stack([colors, np.ones(len(colors))])
    if alpha is not None:
        colors[:, 3] = alpha
    return colors
