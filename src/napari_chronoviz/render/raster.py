"""Draw overlay geometry onto uint8 RGB or RGBA images with OpenCV: anti-aliased, sub-pixel, alpha-blended.

Translucent primitives are drawn onto a copy of only the region they touch and blended back, once per
alpha level (alpha is quantized to 1/8 steps), so a fading trail costs a few small blends, not one
full-frame copy per segment or per color.

An RGBA image holds premultiplied colors (each color channel already multiplied by the alpha): OpenCV's
anti-aliasing and the blends above then compute exactly the "over" operator on it, so drawing on a
transparent image and laying it over a picture later (`composite_over`) gives what drawing on the picture
gives. napari takes straight colors: `unpremultiply` converts the part of an image that needs it.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import cv2
import numpy as np

from ..overlays.primitives import (
    FONT,
    FONT_PIXELS_AT_SCALE_1,
    Clip,
    Geometry,
    Image,
    Points,
    Polylines,
    Rectangles,
    Segments,
    Texts,
    text_thickness,
)

SHIFT = 4  # OpenCV fractional bits: coordinates are drawn to 1/16 pixel
CLIP_MARGIN = 16  # pixels drawn past each side of a `Clip`, so OpenCV's own cut at the buffer's edge is out of sight


def draw(
    image: np.ndarray, geometry: Geometry, origin=(0.0, 0.0), scale: float = 1.0, plane: str | None = None
) -> np.ndarray:
    """Draw `geometry` onto `image` in place and return it.

    A canvas point (x, y) lands on pixel ((x - origin_x) * scale, (y - origin_y) * scale). `image` is
    (height, width, 3) RGB or (height, width, 4) premultiplied RGBA, uint8, C-contiguous; or, with `plane`
    "y", "u" or "v", one plane of a BT.601 YUV image (give chroma planes of 4:2:0 video half the `scale`),
    so that video can be drawn on without converting it to RGB and back; or with `plane` "alpha" the
    alpha of an RGBA image on its own.
    """
    if plane is None and image.ndim == 3 and image.shape[2] == 4:
        return _draw_rgba(image, geometry, origin, scale)
    transform = _Transform(np.asarray(origin, dtype=float), float(scale))
    color_of = _plane_color(plane) if plane else _rgb_color(image.shape[2])
    for item in geometry.items:  # in order: each primitive's levels are blended before the next is drawn
        if isinstance(item, Image):
            _draw_image(image, item, transform, plane)
            continue
        if isinstance(item, Clip):
            _draw_clip(image, item, transform, plane)
            continue
        painter = _Painter(image, color_of)
        _DRAW[type(item)](painter, item, transform)
        painter.run()
    return image


def _draw_rgba(image: np.ndarray, geometry: Geometry, origin, scale: float) -> np.ndarray:
    """Draw on the colors and on the alpha of an RGBA image as two images, over the box the geometry covers.

    OpenCV's anti-aliased text, thick lines and discs write their coverage into a fourth channel instead of
    blending it, which breaks "over" wherever the image is not transparent; on one channel they blend."""
    extent = geometry.extent()
    if extent is None:
        return image
    height, width = image.shape[:2]
    origin = np.asarray(origin, dtype=float)
    x0, y0 = np.clip(np.floor((extent[:2] - origin) * scale).astype(int), 0, [width, height])
    x1, y1 = np.clip(np.ceil((extent[2:] - origin) * scale).astype(int) + 1, 0, [width, height])
    if x1 <= x0 or y1 <= y0:
        return image
    region = image[y0:y1, x0:x1]
    shifted = origin + np.array([x0, y0]) / scale
    colors = draw(np.ascontiguousarray(region[..., :3]), geometry, shifted, scale)
    alpha = draw(np.ascontiguousarray(region[..., 3]), geometry, shifted, scale, plane="alpha")
    region[..., :3], region[..., 3] = colors, alpha
    return image


# BT.601 limited range, as H.264/yuv420p video uses: component = offset + rgb (0..1) @ weights
_YUV = {
    "y": (16.0, (65.481, 128.553, 24.966)),
    "u": (128.0, (-37.797, -74.203, 112.0)),
    "v": (128.0, (112.0, -93.786, -18.214)),
}


def _plane_color(plane: str):
    if plane == "alpha":  # every primitive is opaque before its own alpha blends it
        return lambda rgb: (255,)
    offset, weights = _YUV[plane]
    return lambda rgb: (int(round(offset + float(np.dot(rgb, weights)))),)


def _pixel_values(rgb: np.ndarray, plane: str | None, channels: int) -> np.ndarray:
    """uint8 RGB pixels as the target's values: a YUV plane's (h, w), or RGB / RGBA (opaque) (h, w, channels)."""
    if plane == "alpha":
        return np.full(rgb.shape[:2], 255, np.uint8)
    if plane:
        offset, weights = _YUV[plane]
        return np.clip(np.round(offset + rgb @ (np.asarray(weights) / 255)), 0, 255).astype(np.uint8)
    return rgb if channels == 3 else np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)


def _rgb_color(channels: int):
    opaque = (255,) if channels == 4 else ()
    return lambda rgb: _rgb_value(*rgb) + opaque


@lru_cache(maxsize=4096)  # a frame asks for the same few colors dozens of times
def _rgb_value(red: float, green: float, blue: float) -> tuple[int, int, int]:
    return int(round(red * 255)), int(round(green * 255)), int(round(blue * 255))


class _Transform:
    def __init__(self, origin: np.ndarray, scale: float):
        self.origin, self.scale = origin, scale

    def pixels(self, points: np.ndarray) -> np.ndarray:
        """Canvas (x, y) -> fixed-point pixel coordinates for OpenCV's `shift`."""
        return np.round((np.asarray(points, dtype=float) - self.origin) * self.scale * (1 << SHIFT)).astype(np.int32)

    def length(self, value: float) -> int:
        return max(1, int(round(value * self.scale)))

    def box_in(self, box: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
        """A canvas box's whole pixels (x0, y0, x1, y1), and the part of them inside `image` as (left, top,
        right, bottom); None when no pixel of it is."""
        pixels = np.round((np.asarray(box, dtype=float) - np.tile(self.origin, 2)) * self.scale).astype(int)
        height, width = image.shape[:2]
        x0, y0, x1, y1 = pixels
        inside = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        return None if inside[2] <= inside[0] or inside[3] <= inside[1] else (pixels, inside)


def _by_color(colors: np.ndarray) -> dict[tuple, np.ndarray]:
    """Row indices of each distinct color (alpha quantized to ALPHA_LEVELS)."""
    quantized = np.column_stack([np.round(colors[:, :3], 3), np.round(colors[:, 3] * ALPHA_LEVELS) / ALPHA_LEVELS])
    return {tuple(color): indices for color, indices in _groups(quantized)}


ALPHA_LEVELS = 8
SMALL_GROUPING = 32  # rows below which grouping them in Python beats numpy's sorting
TRAIL_ALPHA_LEVELS = 16  # of the many-alpha lines (fading trails), blended in one pass per level


class _Painter:
    """Collects paint calls by alpha, then runs them: opaque ones directly, each translucent level on a
    copy of the region its calls touch, blended back once."""

    def __init__(self, image: np.ndarray, color_of):
        self.image, self.color_of = image, color_of  # color_of: RGB floats -> the image's pixel value
        self.by_alpha: dict[float, list] = defaultdict(list)

    def add(self, color: tuple, bounds, paint) -> None:
        """Queue `paint(target, offset, pixel_value)` for pixels within `bounds` (x0, y0, x1, y1), or a
        function returning them: only translucent calls need them, so they are computed only then."""
        if color[3] > 0:
            self.by_alpha[color[3]].append((self.color_of(color[:3]), bounds, paint))

    def run(self) -> None:
        height, width = self.image.shape[:2]
        for alpha, calls in self.by_alpha.items():
            if alpha >= 1:
                for color_u8, _, paint in calls:
                    paint(self.image, np.zeros(2, np.int32), color_u8)
                continue
            bounds = np.array([bound() if callable(bound) else bound for _, bound, _ in calls])
            x0, y0 = np.clip(np.floor(bounds[:, :2].min(axis=0)).astype(int), 0, [width, height])
            x1, y1 = np.clip(np.ceil(bounds[:, 2:].max(axis=0)).astype(int) + 1, 0, [width, height])
            if x1 <= x0 or y1 <= y0:
                continue
            region = self.image[y0:y1, x0:x1]
            layer = region.copy()  # a copy even when the region is contiguous (ascontiguousarray would not copy)
            for color_u8, _, paint in calls:
                paint(layer, np.array([x0, y0], np.int32) << SHIFT, color_u8)
            cv2.addWeighted(layer, alpha, region, 1 - alpha, 0, dst=region)


def _bounds(points: np.ndarray, margin: float) -> np.ndarray:
    pixels = points.reshape(-1, 2) / (1 << SHIFT)
    return np.concatenate([pixels.min(axis=0) - margin, pixels.max(axis=0) + margin])


def _draw_polylines(painter: _Painter, item: Polylines, transform: _Transform) -> None:
    thickness = transform.length(item.width)
    paths = [transform.pixels(path) for path in item.paths]
    line = cv2.LINE_AA if item.smooth else cv2.LINE_8
    for color, indices in _by_color(item.colors).items():
        chosen = [paths[i] for i in indices]

        def paint(target, offset, c, chosen=chosen):
            shifted = [(path - offset).reshape(-1, 1, 2) for path in chosen]
            cv2.polylines(target, shifted, False, c, thickness, line, SHIFT)

        painter.add(color, lambda chosen=chosen: _bounds(np.concatenate(chosen), thickness + 2), paint)


def _draw_segments(painter: _Painter, item: Segments, transform: _Transform) -> None:
    thickness = transform.length(item.width)
    starts, ends = transform.pixels(item.starts), transform.pixels(item.ends)
    translucent = item.colors[:, 3] < 1
    if not item.arrow and len(np.unique(np.round(item.colors[translucent, 3] * ALPHA_LEVELS))) > 1:
        # many alpha levels of many colors (fading trails): one color pass and one alpha pass
        faded = (starts[translucent], ends[translucent], item.colors[translucent])
        bounds = _bounds(np.concatenate(faded[:2]), thickness + 2)
        painter.add(
            (0, 0, 0, 1.0),
            bounds,
            lambda target, offset, _: _blend_lines(target, *faded, thickness, bounds, painter.color_of),
        )
        item = Segments(item.starts[~translucent], item.ends[~translucent], item.colors[~translucent], item.width)
        starts, ends = starts[~translucent], ends[~translucent]
    for color, indices in _by_color(item.colors).items():
        chosen_starts, chosen_ends = starts[indices], ends[indices]

        def paint(target, offset, c, a=chosen_starts, b=chosen_ends):
            if item.arrow:
                for start, end in zip(a - offset, b - offset):
                    cv2.arrowedLine(
                        target, tuple(map(int, start)), tuple(map(int, end)), c, thickness, cv2.LINE_AA, SHIFT, 0.25
                    )
            else:
                _lines(target, a - offset, b - offset, c, thickness)

        painter.add(
            color, lambda a=chosen_starts, b=chosen_ends: _bounds(np.concatenate([a, b]), thickness + 12), paint
        )


def _lines(target: np.ndarray, starts: np.ndarray, ends: np.ndarray, color, thickness: int) -> None:
    cv2.polylines(target, list(_as_paths(starts, ends)), False, color, thickness, cv2.LINE_AA, SHIFT)


def _as_paths(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Segments as OpenCV paths of two points: an (n, 2, 1, 2) array."""
    paths = np.empty((len(starts), 2, 1, 2), np.int32)
    paths[:, 0, 0], paths[:, 1, 0] = starts, ends
    return paths


def _blend_lines(
    image: np.ndarray, starts, ends, colors: np.ndarray, thickness: int, bounds: np.ndarray, color_of
) -> None:
    """Lines of many colors and alphas in two passes over the region they touch: colors drawn on a copy,
    alphas (anti-aliased coverage included) on a mask, then one blend. Where lines of different alphas
    cross, the later drawn wins, as it would when drawing them one by one."""
    height, width = image.shape[:2]
    x0, y0 = np.clip(np.floor(bounds[:2]).astype(int), 0, [width, height])
    x1, y1 = np.clip(np.ceil(bounds[2:]).astype(int) + 1, 0, [width, height])
    if x1 <= x0 or y1 <= y0:
        return
    region = image[y0:y1, x0:x1]
    mask = np.zeros(region.shape[:2], np.uint8)
    offset = np.array([x0, y0], np.int32) << SHIFT
    paths = _as_paths(starts - offset, ends - offset)
    by_value: dict[tuple, list] = {}  # colors that are one value in the target (every color on an alpha plane)
    for rgb, indices in _groups(np.round(colors[:, :3] * 255).astype(int)):
        by_value.setdefault(color_of(np.asarray(rgb) / 255), []).append(indices)
    if len(by_value) == 1:  # one color: no picture of them is needed
        painted = np.array(next(iter(by_value)), np.uint8).reshape(region.shape[2:])
    else:
        painted = region.copy()
        for value, groups in by_value.items():
            chosen = paths[groups[0] if len(groups) == 1 else np.concatenate(groups)]
            cv2.polylines(painted, list(chosen), False, value, thickness, cv2.LINE_AA, SHIFT)
    levels = np.round(colors[:, 3:] * TRAIL_ALPHA_LEVELS) / TRAIL_ALPHA_LEVELS  # a few passes, not one per age
    for (alpha,), indices in _groups(np.round(levels * 255).astype(int)):
        cv2.polylines(mask, list(paths[indices]), False, int(alpha), thickness, cv2.LINE_AA, SHIFT)
    touched = np.nonzero(mask)  # thin lines cover few of the region's pixels: blend only those
    weight = mask[touched].astype(np.uint16)
    weight = weight[:, None] if image.ndim == 3 else weight
    under = region[touched].astype(np.uint16)
    over = painted if painted.ndim < region.ndim else painted[touched]
    region[touched] = ((under * (255 - weight) + over * weight + 127) // 255).astype(np.uint8)


def _groups(keys: np.ndarray):
    """(key, row indices) for each distinct row of `keys`, in the order the keys first appear."""
    if len(keys) <= SMALL_GROUPING:
        found: dict[tuple, list[int]] = {}
        for index, key in enumerate(keys.tolist()):
            found.setdefault(tuple(key), []).append(index)
        return ((list(key), np.array(indices)) for key, indices in found.items())
    keys = np.ascontiguousarray(keys)
    rows = keys.view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()  # one bytes key per row
    _, first, group = np.unique(rows, return_index=True, return_inverse=True)
    rank = np.empty(len(first), int)
    rank[np.argsort(first)] = np.arange(len(first))
    group = rank[group.ravel()]
    order = np.argsort(group, kind="stable")
    return zip(keys[np.sort(first)].tolist(), np.split(order, np.flatnonzero(np.diff(group[order])) + 1))


def _draw_points(painter: _Painter, item: Points, transform: _Transform) -> None:
    radius = max(1, int(round(item.size / 2 * transform.scale * (1 << SHIFT))))
    centers = transform.pixels(item.positions)
    for color, indices in _by_color(item.colors).items():
        chosen = centers[indices]

        def paint(target, offset, c, chosen=chosen):
            for center in chosen - offset:
                cv2.circle(target, tuple(map(int, center)), radius, c, -1, cv2.LINE_AA, SHIFT)

        painter.add(color, lambda chosen=chosen: _bounds(chosen, radius / (1 << SHIFT) + 2), paint)


def _draw_rectangles(painter: _Painter, item: Rectangles, transform: _Transform) -> None:
    corners = transform.pixels(item.boxes.reshape(-1, 2)).reshape(-1, 4)
    for color, indices in _by_color(item.colors).items():
        chosen = corners[indices]

        def paint(target, offset, c, chosen=chosen):
            for x0, y0, x1, y1 in chosen - np.tile(offset, 2):
                cv2.rectangle(target, (int(x0), int(y0)), (int(x1), int(y1)), c, -1, cv2.LINE_AA, SHIFT)

        painter.add(color, lambda chosen=chosen: _bounds(chosen, 2), paint)


def _draw_image(image: np.ndarray, item: Image, transform: _Transform, plane: str | None) -> None:
    """Stretch the picture's cells over its box (nearest neighbour: each cell a flat block), blended by its alpha."""
    placed = transform.box_in(item.box, image)
    if placed is None:
        return
    (x0, y0, x1, y1), (left, top, right, bottom) = placed
    cells = cv2.resize(item.pixels, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    cells = cells[top - y0 : bottom - y0, left - x0 : right - x0]
    values = _pixel_values(cells[..., :3], plane, 1 if plane else image.shape[2]).astype(np.uint16)
    alpha = cells[..., 3].astype(np.uint16)
    alpha = alpha if plane else alpha[..., None]
    region = image[top:bottom, left:right]
    region[...] = ((region * (255 - alpha) + values * alpha + 127) // 255).astype(np.uint8)


def _draw_clip(image: np.ndarray, item: Clip, transform: _Transform, plane: str | None) -> None:
    """Draw the clip's content on a buffer filled with its background, wider than its box by `CLIP_MARGIN`
    on the left and right, and copy the box's part of it into `image`."""
    placed = transform.box_in(item.box, image)
    if placed is None:
        return
    (x0, y0, x1, y1), (left, top, right, bottom) = placed
    buffer = np.empty((y1 - y0, x1 - x0 + 2 * CLIP_MARGIN) + image.shape[2:], np.uint8)
    buffer[...] = fill_value(item.background, image.shape[2] if image.ndim == 3 else 1, plane)
    origin = transform.origin + np.array([x0 - CLIP_MARGIN, y0]) / transform.scale
    draw(buffer, item.content, origin=origin, scale=transform.scale, plane=plane)
    image[top:bottom, left:right] = buffer[top - y0 : bottom - y0, left - x0 + CLIP_MARGIN : right - x0 + CLIP_MARGIN]


def fill_value(color, channels: int = 3, plane: str | None = None) -> np.ndarray:
    """The pixel that a `Rectangles` of `color` (RGBA floats) leaves inside itself when `draw` paints it on a
    zero image of `channels` (3, 4, or 1 with a YUV `plane`): the same quantized alpha, the same blend."""
    color = np.asarray(color, dtype=float).ravel()
    alpha = float(np.round(color[3] * ALPHA_LEVELS) / ALPHA_LEVELS) if len(color) == 4 else 1.0
    color_of = _plane_color(plane) if plane else _rgb_color(channels)
    painted = np.array(color_of(color[:3]), np.uint8).reshape(1, 1, -1)
    if alpha >= 1:
        return painted[0, 0]
    return cv2.addWeighted(painted, alpha, np.zeros_like(painted), 1 - alpha, 0).reshape(painted.shape)[0, 0]


def composite_over(picture: np.ndarray, premultiplied: np.ndarray) -> np.ndarray:
    """Lay a premultiplied RGBA image over `picture` (RGB, or premultiplied RGBA) of the same height and width,
    in place: what napari shows of a translucent layer over an opaque one (color * alpha + picture * (1 -
    alpha))."""
    channels = picture.shape[2]
    alpha = premultiplied[..., 3:].astype(np.uint16)
    under = (picture * (255 - alpha) + 127) // 255
    picture[...] = np.minimum(premultiplied[..., :channels] + under, 255).astype(np.uint8)
    return picture


def unpremultiply(image: np.ndarray, box=None) -> np.ndarray:
    """Turn a premultiplied RGBA `image` (or its part in `box`, (x0, y0, x1, y1) pixels) into straight colors,
    in place, as napari's layers take them: color / alpha where the alpha is neither 0 nor 255."""
    height, width = image.shape[:2]
    x0, y0, x1, y1 = (
        (0, 0, width, height) if box is None else np.clip(np.asarray(box, dtype=int), 0, [width, height] * 2)
    )
    region = image[y0:y1, x0:x1]
    alpha = region[..., 3]
    partial = (alpha > 0) & (alpha < 255)
    if partial.any():
        colors, weights = region[partial][:, :3].astype(np.uint32), alpha[partial].astype(np.uint32)[:, None]
        region[partial, :3] = np.minimum((colors * 255 + weights // 2) // weights, 255).astype(np.uint8)
    return image


def _draw_texts(painter: _Painter, item: Texts, transform: _Transform) -> None:
    font_scale = item.size * transform.scale / FONT_PIXELS_AT_SCALE_1
    thickness = text_thickness(item.size * transform.scale)
    anchors = (np.asarray(item.positions, dtype=float) - transform.origin) * transform.scale
    for color, indices in _by_color(item.colors).items():
        placed = []
        for index in indices:
            (width, height), baseline = cv2.getTextSize(item.strings[index], FONT, font_scale, thickness)
            x, y = anchors[index]
            x -= {"left": 0, "right": width, "center": width / 2}[item.anchor]
            placed.append((item.strings[index], int(round(x)), int(round(y)), width, height, baseline))
        lows = np.array([(x, y - h) for _, x, y, _, h, _ in placed], dtype=float)
        highs = np.array([(x + w, y + b) for _, x, y, w, _, b in placed], dtype=float)
        bounds = np.concatenate([lows.min(axis=0) - 2, highs.max(axis=0) + 2])

        def paint(target, offset, c, placed=placed):
            dx, dy = np.asarray(offset) >> SHIFT
            for text, x, y, *_ in placed:
                cv2.putText(target, text, (x - int(dx), y - int(dy)), FONT, font_scale, c, thickness, cv2.LINE_AA)

        painter.add(color, bounds, paint)


_DRAW = {
    Polylines: _draw_polylines,
    Segments: _draw_segments,
    Points: _draw_points,
    Rectangles: _draw_rectangles,
    Texts: _draw_texts,
}
