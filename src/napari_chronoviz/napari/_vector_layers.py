"""The plot panel as napari vector layers, for the "layers" display: one frame's `Geometry` sorted into planes.

A plane is one napari layer: the panel's polylines, segments and rectangles (traces, axes, ticks, grid,
cursor, background, bands) go into a Shapes layer; each `Image` primitive (heatmap lane, colorbar) into
an RGBA image layer stretched over its box, with the shapes drawn after it in a Shapes layer above it;
and the texts into Points layers whose text shows them, one per size and anchor (napari gives a whole
layer one text size and anchor). Every plane holds only the current frame: `PanelLayers.show` replaces
its data on each step, from the same geometry the rasterizer draws, so the two displays cannot drift.
`Points` primitives are not converted: the session's values layer draws the panel's dots, with features.

Replacing a Shapes layer's data is napari's costly path (a naive `Shapes.data = ...` of the traces costs
about twice the raster display's whole overlay, see benchmarks/bench_overlays.py): besides triangulating
every path, napari rasterizes every shape for the layer list's thumbnail and refreshes the layer several
times inside the setter. `_replace_shapes` empties the layer (a refresh of nothing), adds the shapes with the
layer's events and thumbnail blocked, and refreshes once, without the thumbnail (the layer list's thumbnail
keeps the first frame); a plane that draws the same as on the step before is left alone,
and texts that stay in place change only their strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass

import numpy as np

from ..overlays.primitives import Clip, Geometry, Image, Polylines, Rectangles, Segments, Texts

TRANSPARENT = np.zeros(4)
# napari's text scaled with the zoom (`scaling`): its size, in points per world unit, that draws the
# rasterizer's text of size 1 (the height of its digits and capitals) as wide
TEXT_POINTS = 0.64
# the rasterizer puts a text's baseline at its position; napari puts there the bottom of the text's box
# (under the descenders; "upper": the text above the point, the y axis pointing down) or its middle: moved
# down by these parts of the size to put the baseline back (measured on screenshots of both displays)
ANCHORS = {"left": ("upper_left", 0.2), "right": ("upper_right", 0.2), "center": ("center", -0.35)}


def planes_of(geometry: Geometry) -> dict[str, list]:
    """Sort a geometry's primitives into planes, one napari layer each, in drawing order (first at the back).

    Parameters
    ----------
    geometry : Geometry
        One frame's primitives in canvas pixels, e.g. `Scene.panel_geometry(frame)`.

    Returns
    -------
    dict
        Plane name -> its primitives: "shapes 0" (polylines, segments and rectangles drawn before any
        image), "image 0", "shapes 1" (drawn after the first image), ..., then "text <size> <anchor>" for the
        texts. `Points` primitives are left out (see the module's description).
    """
    planes: dict[str, list] = {}
    images = 0
    items = [part for item in geometry.items for part in (item.cut() if isinstance(item, Clip) else [item])]
    for item in items:
        if isinstance(item, Image):
            planes[f"image {images}"] = [item]
            images += 1
        elif isinstance(item, Texts):
            planes.setdefault(f"text {item.size:.3g} {item.anchor}", []).append(item)
        elif isinstance(item, (Polylines, Segments, Rectangles)):
            planes.setdefault(f"shapes {images}", []).append(item)
    return planes


def shapes_of(items: list) -> dict:
    """Polylines, segments and rectangles as the arguments of `napari.layers.Shapes.add`, in (y, x).

    Parameters
    ----------
    items : list
        `Polylines` (paths), `Segments` (lines; arrows are drawn without their heads) and `Rectangles`
        (filled, no edge), drawn in this order.

    Returns
    -------
    dict
        `data` (a list of (n, 2) arrays), `shape_type`, `edge_width`, `edge_color` and `face_color` (RGBA
        rows), one entry per shape.
    """
    data, types, widths, edges, faces = [], [], [], [], []
    for item in items:
        if isinstance(item, Polylines):
            shapes = [path[:, ::-1] for path in item.paths]
            kind, width, edge, face = "path", item.width, item.colors, [TRANSPARENT] * len(item)
        elif isinstance(item, Segments):
            shapes = list(np.stack([item.starts, item.ends], axis=1)[:, :, ::-1])
            kind, width, edge, face = "line", item.width, item.colors, [TRANSPARENT] * len(item)
        else:
            x0, y0, x1, y1 = item.boxes.T
            shapes = list(np.stack([np.column_stack(corner) for corner in ((y0, x0), (y0, x1), (y1, x1), (y1, x0))], 1))
            kind, width, edge, face = "rectangle", 0.0, [TRANSPARENT] * len(item), item.colors
        data += shapes
        types += [kind] * len(shapes)
        widths += [width] * len(shapes)
        edges += list(edge)
        faces += list(face)
    return {
        "data": data,
        "shape_type": types,
        "edge_width": np.array(widths, dtype=float),
        "edge_color": np.array(edges).reshape(-1, 4),
        "face_color": np.array(faces).reshape(-1, 4),
    }


def texts_of(items: list) -> tuple[np.ndarray, dict]:
    """Texts of one size and anchor as napari points and their features.

    Parameters
    ----------
    items : list
        `Texts` primitives of one plane.

    Returns
    -------
    positions : np.ndarray
        (n, 2) (y, x) of each string's anchor.
    features : dict
        `text`, the strings, and `color`, their RGBA colors as hex.
    """
    from napari.utils.colormaps.standardize_color import rgb_to_hex

    positions = np.concatenate([item.positions for item in items])[:, ::-1]
    strings = [text for item in items for text in item.strings]
    colors = np.concatenate([item.colors for item in items])
    return positions, {"text": np.array(strings, dtype=object), "color": rgb_to_hex(colors)}


def _equal(a, b) -> bool:
    """Whether two primitives, or lists of them, draw the same (the primitives compare by identity)."""
    if is_dataclass(a):
        return type(a) is type(b) and all(_equal(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_equal, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    return a == b


class PanelLayers:
    """The napari layers that show one frame's panel geometry, a plane each, replaced on every `show`.

    Parameters
    ----------
    viewer : napari.Viewer
        Where the layers go, above the video.
    layers : dict
        Where each layer is kept, under "plot <plane>" (the session's layers, so it removes them).
    name : str
        The layers' names start with it.
    placement : tuple
        The video layer's (y, x) scale and translate, which the layers copy: canvas pixels are the video's.
    metadata : callable
        The metadata of a layer, given its role.
    """

    def __init__(self, viewer, layers: dict, name: str, placement: tuple, metadata: Callable[[str], dict]):
        self.viewer, self.layers, self.name, self.metadata = viewer, layers, name, metadata
        self.scale, self.translate = (np.asarray(value, dtype=float) for value in placement)
        self.planes: list[str] = []
        self.shown: dict[str, list] = {}  # each plane's primitives now
        self.showing = False
        self.thinnest: dict[str, float] = {}  # of each shapes layer: its thinnest line's drawn width, data units

    def show(self, geometry: Geometry) -> None:
        """Put `geometry` in the layers: each plane's data replaced, absent planes hidden, new planes added.

        Parameters
        ----------
        geometry : Geometry
            One frame's primitives in canvas pixels.
        """
        if self.showing:  # called again by a layer's insertion, which changes the slider's ranges
            return
        self.showing = True
        try:
            self._show(geometry)
        finally:
            self.showing = False

    def _show(self, geometry: Geometry) -> None:
        previous, self.shown = self.shown, planes_of(geometry)
        for plane in self.planes:
            layer = self.layers[f"plot {plane}"]
            if layer.visible != (plane in self.shown):  # napari refreshes a layer on every `visible = ...`
                layer.visible = plane in self.shown
        for plane, items in self.shown.items():
            if plane not in self.planes:
                self._add(plane, items[0])
            elif _equal(items, previous.get(plane)):  # names, ticks, axes: most texts stay from step to step
                continue
            replace = {"shapes": self._replace_shapes, "image": self._replace_image, "text": self._replace_texts}
            replace[plane.split()[0]](plane, items)

    def _add(self, plane: str, first) -> None:
        """A layer for a plane not seen before (`first`: its first primitive), above the panel's other layers."""
        from napari.layers import Image as ImageLayer
        from napari.layers import Points, Shapes

        common = {
            "name": f"{self.name} plot {plane}",
            "metadata": self.metadata("plot"),
            "scale": self.scale,
            "translate": self.translate,
        }
        if isinstance(first, Image):
            common["scale"], common["translate"] = self._image_placement(first)
            layer = ImageLayer(first.pixels.copy(), rgb=True, interpolation2d="nearest", **common)
        elif isinstance(first, Texts):
            anchor, drop = ANCHORS[first.anchor]
            layer = Points(
                np.zeros((0, 2)),
                size=0,  # the text only
                face_color="transparent",
                border_color="transparent",
                features={"text": np.array([], dtype=object), "color": np.array([], dtype="<U9")},
                feature_defaults={"text": "", "color": "#00000000"},  # of the rows `data` adds before `features`
                text={
                    "string": "{text}",
                    "color": {"feature": "color"},
                    "size": first.size * TEXT_POINTS * self.scale[0],  # world units, as the zoom scales it
                    "anchor": anchor,
                    "translation": [drop * first.size, 0.0],
                    "scaling": True,
                },
                **common,
            )
        else:
            layer = Shapes(**common)
            layer.events.scale_factor.connect(lambda event: self._zoomed(plane))
        index = max((self.viewer.layers.index(self.layers[f"plot {p}"]) + 1 for p in self.planes), default=None)
        self.layers[f"plot {plane}"] = layer
        self.planes.append(plane)  # before the insertion, whose events reach `show` and `_zoomed`
        self.viewer.layers.insert(len(self.viewer.layers) if index is None else index, layer)

    def _replace_shapes(self, plane: str, items: list) -> None:
        """Every shape replaced, refreshing the layer once and leaving its thumbnail (see the module). Lines
        are at least a screen pixel wide: thinner, zoomed out, they would break up."""
        layer, shapes = self.layers[f"plot {plane}"], shapes_of(items)
        lines = shapes["edge_width"] > 0
        shapes["edge_width"][lines] = np.maximum(shapes["edge_width"][lines], self._pixel(layer))
        self.thinnest[plane] = shapes["edge_width"][lines].min(initial=np.inf)
        with layer.events.blocker_all(), layer.block_thumbnail_update():
            layer.data = []
            layer.add(**shapes)
        layer.refresh(thumbnail=False, highlight=False)

    def _zoomed(self, plane: str) -> None:
        """Lines widened or narrowed to the new zoom's screen pixel, where it or the previous one made them."""
        layer = self.layers.get(f"plot {plane}")
        if layer is None:  # the panel's layers are being removed (the view moves as they go)
            return
        widths = [item.width for item in self.shown.get(plane, []) if not isinstance(item, Rectangles)]
        if widths and min(widths) < max(self.thinnest.get(plane, np.inf), self._pixel(layer)):
            self._replace_shapes(plane, self.shown[plane])

    @staticmethod
    def _pixel(layer) -> float:
        """A screen pixel in the layer's data units (`scale_factor`: world units per screen pixel)."""
        return layer.scale_factor / abs(layer.scale[-1])

    def _replace_texts(self, plane: str, items: list) -> None:
        layer = self.layers[f"plot {plane}"]
        positions, features = texts_of(items)
        with layer.events.blocker_all():
            if not (layer.data.shape == positions.shape and np.array_equal(layer.data, positions)):
                layer.data = positions  # values and labels that stay in place change only their strings
            layer.features = features
        layer.refresh(thumbnail=False, highlight=False)

    def _replace_image(self, plane: str, items: list) -> None:
        layer, (image,) = self.layers[f"plot {plane}"], items
        if layer.data.shape == image.pixels.shape:  # in place: assigning `data` makes napari recompute extents
            layer.data[...] = image.pixels
        else:
            layer.data = image.pixels.copy()
        scale, translate = self._image_placement(image)
        if not (np.allclose(layer.scale, scale) and np.allclose(layer.translate, translate)):
            layer.scale, layer.translate = scale, translate
        layer.refresh()

    def _image_placement(self, image: Image) -> tuple[np.ndarray, np.ndarray]:
        """The scale and translate that stretch an image's pixels over its box: napari centers cell (i, j) on
        translate + (i, j) * scale."""
        x0, y0, x1, y1 = image.box
        cell = np.array([y1 - y0, x1 - x0]) / image.pixels.shape[:2]
        return self.scale * cell, self.translate + (np.array([y0, x0]) + cell / 2) * self.scale
