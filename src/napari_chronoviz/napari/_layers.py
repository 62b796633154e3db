"""napari layers that show a `Scene` over a video layer and follow the frame slider.

Two displays:

- "raster" (default, for playback): everything is drawn on each `current_step` into one RGBA image layer
  covering the canvas, by the same rasterizer the exporter uses, so napari shows the export's pixels.
  napari's cost of a step grows with every visible layer and with the size of (frame, y, x) layers, so
  one image is the fastest way to follow the slider (see benchmarks/bench_overlays.py). The keypoints
  (at each frame) and the signals (at the frame shown) are also there as hidden points layers whose `features`
  can be inspected (make them visible to hover).
- "layers" (for inspecting and editing): pose as (frame, y, x) points, vectors and tracks layers holding
  every frame, built once and sliced by napari; the plot panel as vector layers (shapes, texts, and
  images for heatmaps) whose data is replaced per step from the same panel geometry (`_vector_layers`),
  with its dots and their values in the values points layer (hover shows channel, value, unit, time).

The scene's `config` rides in each layer's `metadata["chronoviz"]`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from ..errors import ChronovizError
from ..overlays.pose import FrameStack, PoseOverlay
from ..overlays.readable import seen_in_view, with_readable_font
from ..overlays.scene import Scene
from ._metadata import CLOCK_RATE_KEY, METADATA_KEY
from ._qt_dims_0_6_to_0_9 import qt_viewer_of, set_slider_rate
from ._raster_frames import RasterFrames
from ._vector_layers import PanelLayers

Display = Literal["raster", "layers"]
DISPLAYS: tuple[str, ...] = get_args(Display)
LABEL_CHANGES = {"events", "intervals", "labels_clock"}  # changes that only the plot panel's drawing shows
RESIZE_SETTLING_MS = 250  # the view's size is read this long after it last changed


@dataclass(frozen=True, eq=False)
class LayerPlacement:
    """The video layer's scale and translate, which every overlay layer copies so they line up."""

    scale: np.ndarray  # (frame, y, x)
    translate: np.ndarray

    @classmethod
    def of(cls, video_layer) -> LayerPlacement:
        return cls(np.asarray(video_layer.scale, dtype=float)[-3:], np.asarray(video_layer.translate, dtype=float)[-3:])

    def frame_of(self, world_point) -> int:
        return int(round((world_point[0] - self.translate[0]) / self.scale[0]))


_PLAYING_AT_FRAME_RATE: weakref.WeakSet = weakref.WeakSet()  # viewers whose added videos get their play rate


def play_videos_at_frame_rate(viewer) -> None:
    """Make napari's play button run each chronoviz video of `viewer`, open now or added later, at its frame rate.

    napari plays at its `playback_fps` setting (10 frames/s unless the user changed it). The video's rate is
    set on this viewer's slider of the frame axis, not in that setting, which is the user's and saved across
    sessions. A viewer without a Qt window (headless) has no play button: nothing is set.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose video layers (those opened by napari-chronoviz, with their `fps`) play at their rate.
    """
    if viewer not in _PLAYING_AT_FRAME_RATE:
        _PLAYING_AT_FRAME_RATE.add(viewer)
        viewer.layers.events.inserted.connect(lambda event: _play_at_frame_rate(viewer, event.value))
    for layer in viewer.layers:
        _play_at_frame_rate(viewer, layer)


def _play_at_frame_rate(viewer, layer) -> None:
    info = layer.metadata.get(METADATA_KEY, {})
    rate = info.get(CLOCK_RATE_KEY) or info.get("fps")  # a video put on a clock steps at the clock's rate
    if info.get("kind") == "video" and rate:
        set_slider_rate(viewer, viewer.dims.ndim - layer.ndim, float(rate))


def readable_in_view(viewer, scene, font_given: float | None = None):
    """`scene` with the least font size, from `font_given` up, at which its text is readable on the screen pixels
    of the viewer's view once the view fits the canvas (`overlays/readable.py`); `scene` itself when it has it.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer: the size of its view (its canvas, in screen pixels) sets how small the canvas is shown.
    scene : Scene or TiledScene
        What is drawn.
    font_given : float, optional
        The font size asked for (the scene's own, from its style or its video's size); default: the scene's now.

    Returns
    -------
    Scene or TiledScene
        `scene`, or a copy with another `font_size`.
    """
    view = view_size(viewer)
    if view is None or min(view) < 1:  # no view, or one not shown: nothing to read
        return scene
    view_height, view_width = view
    return with_readable_font(scene, seen_in_view(view_width, view_height), font_given)


def fit_view_when_settled(viewer) -> None:
    """Fit napari's view to the layers once the window has settled (a screenshot's last step): docks take their
    width over several events, and the view's size is read a while after it last changed (`RESIZE_SETTLING_MS`);
    fitted before, the picture is zoomed out.

    Parameters
    ----------
    viewer : napari.Viewer
        A shown viewer.
    """
    import time

    from qtpy.QtWidgets import QApplication

    until = time.monotonic() + 2 * RESIZE_SETTLING_MS / 1000
    while time.monotonic() < until:
        QApplication.processEvents()
        time.sleep(0.01)
    viewer.reset_view()
    QApplication.processEvents()


def view_size(viewer) -> tuple[float, float] | None:
    """(height, width) in screen pixels of the viewer's view of the canvas, or None for a viewer without a window.

    Recent napari (0.9) keeps it in `viewer.canvas.size`; older (0.7) has no `viewer.canvas`: there it is the size
    of the Qt viewer's canvas widget.
    """
    canvas = getattr(viewer, "canvas", None)
    if canvas is not None and hasattr(canvas, "size"):
        return tuple(float(side) for side in canvas.size)
    qt_viewer = qt_viewer_of(viewer)
    if qt_viewer is None:
        return None
    widget = qt_viewer.canvas.native
    return float(widget.height()), float(widget.width())


def stack_to_points(stack: FrameStack) -> np.ndarray:
    """(n, 3) napari points (frame, y, x) from a stack's start points."""
    return np.column_stack([stack.frames, stack.starts[:, 1], stack.starts[:, 0]])


def stack_to_vectors(stack: FrameStack) -> np.ndarray:
    """(n, 2, 3) napari vectors: position (frame, y, x) and projection (0, dy, dx)."""
    position = stack_to_points(stack)
    delta = stack.ends - stack.starts
    projection = np.column_stack([np.zeros(len(delta)), delta[:, 1], delta[:, 0]])
    return np.stack([position, projection], axis=1).reshape(-1, 2, 3)


class Session:
    """The overlays of one video layer in one viewer; `attach` makes one, the dock widget drives it."""

    _by_video_layer: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, video_layer) -> Session | None:
        """The session attached to `video_layer`, or None."""
        return cls._by_video_layer.get(video_layer)

    def __init__(self, viewer, video_layer, scene: Scene, display: str = "raster"):
        if display not in DISPLAYS:
            raise ChronovizError(f"Unknown display {display!r}: use one of {', '.join(DISPLAYS)}.")
        self.viewer, self.video_layer, self.display = viewer, video_layer, display
        self._font_given = scene.style.font_size  # what napari's view raises, for the view it has now
        self.scene = readable_in_view(viewer, scene)
        Session._by_video_layer[video_layer] = self
        self.layers: dict[str, object] = {}
        self.raster_origin = None  # canvas (x, y) of the rasterized image's top-left pixel
        self._raster_frames: RasterFrames | None = None  # what draws the raster layer's pixels
        self.panel: PanelLayers | None = None  # the "layers" display's plot panel
        self._build_layers()
        viewer.dims.events.current_step.connect(self._on_step)
        # the view's size in screen pixels and its changes (napari 0.7+): a dock opened shrinks it
        self._view_resized = getattr(getattr(getattr(viewer, "canvas", None), "events", None), "size", None)
        if self._view_resized is not None:
            from qtpy.QtCore import QTimer

            # a dock opening resizes the view several times: the text follows the last size only
            self._resize_settled = QTimer(singleShot=True, interval=RESIZE_SETTLING_MS)
            self._resize_settled.timeout.connect(self._keep_text_readable)
            self._view_resized.connect(self._on_view_resized)
        self._on_step()
        play_videos_at_frame_rate(viewer)
        self._fit_view()  # the panel may lie outside the video's view

    @property
    def frame(self) -> int:
        """The video frame napari shows now (through the clock of `sync_by_time` when the layer is on one)."""
        frame = LayerPlacement.of(self.video_layer).frame_of(self.viewer.dims.point)
        on_clock = getattr(self.video_layer.data, "source_frames", None)
        if on_clock is not None:
            frame = on_clock[int(np.clip(frame, 0, len(on_clock) - 1))]
        return int(np.clip(frame, 0, self.scene.n_frames - 1))

    def geometry(self, frame: int):
        """Frame `frame`'s primitives, in canvas pixels (what the exporter draws)."""
        return self.scene.geometry(frame)

    def update(self, display: str | None = None, **changes) -> None:
        """Change `window`, `layout`, `style` (dicts merge), `alignment`, `display`, `labels_clock`, `events` or
        `intervals`, and redraw (a change of labels only redraws: fast enough for every key press)."""
        if display is not None and display not in DISPLAYS:
            raise ChronovizError(f"Unknown display {display!r}: use one of {', '.join(DISPLAYS)}.")
        style = changes.get("style")
        font = style.get("font_size") if isinstance(style, dict) else getattr(style, "font_size", None)
        self._font_given = font or self._font_given
        scene = (
            readable_in_view(self.viewer, self.scene.updated(**changes), self._font_given) if changes else self.scene
        )
        self._show(scene, display, labels_only=bool(changes) and set(changes) <= LABEL_CHANGES)

    def _show(self, scene, display: str | None = None, labels_only: bool = False) -> None:
        """Draw `scene` from now on: in new layers, or in the same ones when only its labels changed (`labels_only`)
        and the canvas kept its size; the view is fitted again when the canvas changed."""
        previous, self.scene = self.scene, scene
        same_canvas = np.array_equal(previous.layout.canvas_box, scene.layout.canvas_box)
        if display is None and labels_only and (previous.plot is None) == (scene.plot is None) and same_canvas:
            for layer in self.layers.values():  # labels change only the panel's pixels: redraw, keep the layers
                layer.metadata[METADATA_KEY].update(self.scene.config)
            self._on_step()
            return
        self.display = display or self.display
        self._remove_layers()
        self._build_layers()
        self._on_step()
        if not same_canvas:  # a panel added, grown or moved: show all of it, its time axis too
            self._fit_view()

    def _fit_view(self) -> None:
        """Show the whole canvas (the video and its panel); remember that view, so that a later resize of the view
        fits it again unless the user has zoomed or panned since."""
        self.viewer.reset_view()
        self._fitted_view = _view_of(self.viewer)

    def detach(self) -> None:
        """Stop following the slider and remove this session's layers."""
        self.viewer.dims.events.current_step.disconnect(self._on_step)
        if self._view_resized is not None:
            self._view_resized.disconnect(self._on_view_resized)
            self._resize_settled.stop()
        self._remove_layers()
        if Session._by_video_layer.get(self.video_layer) is self:
            del Session._by_video_layer[self.video_layer]

    def _on_view_resized(self, event=None) -> None:
        self._resize_settled.start()  # again: the text follows once the size stops changing

    def _keep_text_readable(self) -> None:
        """After the view changed size (a dock opened or closed, the window resized), the text size it needs
        (never below `font_given`); the view is fitted again when the panel changed, or when the user has not moved
        it since it was last fitted (a dock opened after a session was: it was fitted to the wider view)."""
        qt_viewer = qt_viewer_of(self.viewer)
        if qt_viewer is None or not qt_viewer.isVisible():  # a window closed (it takes no new layers) or never shown
            return
        scene = readable_in_view(self.viewer, self.scene, self._font_given)
        if scene.style.font_size != self.scene.style.font_size:
            self._show(scene)
        if _view_of(self.viewer) == self._fitted_view:
            self._fit_view()

    # --- layers ---------------------------------------------------------------------------------------

    def _metadata(self, role: str) -> dict:
        return {
            METADATA_KEY: {
                "kind": "overlay",
                "role": role,
                "video": self.video_layer.name,
                "display": self.display,
                "readable_font": self.scene.readable_font,  # what the view needs: the writer draws it too
                **self.scene.config,
            }
        }

    def _add(self, key: str, layer) -> None:
        self.layers[key] = layer
        self.viewer.add_layer(layer)

    def _build_layers(self) -> None:
        placement = LayerPlacement.of(self.video_layer)
        flat = {"scale": placement.scale[1:], "translate": placement.translate[1:]}
        stacked = {"scale": placement.scale, "translate": placement.translate}
        if self.display == "raster":
            self._add_raster("overlay", self.scene.layout.canvas_box, flat, "overlay")
        elif self.scene.plot is not None:
            placement = (flat["scale"], flat["translate"])
            self.panel = PanelLayers(self.viewer, self.layers, self.video_layer.name, placement, self._metadata)
            self.panel.show(self.scene.panel_geometry(self.frame))  # its layers now: under the values and pose
        if self.scene.plot is not None:
            self._add("values", self._value_markers(stacked))
        for index, overlay in enumerate(self.scene.pose_overlays):
            label = f"{self.video_layer.name} pose" + (f" {index + 1}" if len(self.scene.pose_overlays) > 1 else "")
            if self.display == "layers":
                self._add_pose_layers(index, overlay, label, stacked)
            self._add(f"keypoints {index}", self._keypoints_layer(overlay, label, stacked))
        if self.display == "raster":
            for key, layer in self.layers.items():
                layer.visible = key == "overlay"

    def _add_raster(self, key: str, box, flat: dict, suffix: str) -> None:
        """An RGBA image layer over canvas `box` (x0, y0, x1, y1), redrawn on each step."""
        from napari.layers import Image

        x0, y0, x1, y1 = box
        self.raster_origin = (x0, y0)
        image = np.zeros((int(round(y1 - y0)), int(round(x1 - x0)), 4), np.uint8)
        translate = flat["translate"] + np.array([y0, x0]) * flat["scale"]
        self._add(
            key,
            Image(
                image,
                rgb=True,
                name=f"{self.video_layer.name} {suffix}",
                scale=flat["scale"],
                translate=translate,
                metadata=self._metadata(key),
            ),
        )

    def _add_pose_layers(self, index: int, overlay: PoseOverlay, label: str, stacked: dict) -> None:
        from napari.layers import Vectors

        style = self.scene.style
        if style.trail_length > 0:
            self._add_trails(f"trails {index}", overlay, f"{label} trails", stacked)
        for key, stack, width, vector_style in (
            ("skeleton", overlay.skeleton, style.edge_width, "line"),
            ("arrows", overlay.arrows, style.edge_width, "arrow"),
        ):
            if len(stack.frames):
                self._add(
                    f"{key} {index}",
                    Vectors(
                        stack_to_vectors(stack),
                        edge_color=stack.colors,
                        edge_width=width,
                        vector_style=vector_style,
                        name=f"{label} {key}",
                        metadata=self._metadata(key),
                        **stacked,
                    ),
                )

    def _keypoints_layer(self, overlay: PoseOverlay, label: str, stacked: dict):
        from napari.layers import Points

        keypoints = overlay.keypoints
        return Points(
            stack_to_points(keypoints),
            face_color=keypoints.colors,
            border_width=0,
            size=self.scene.style.point_size,
            features=overlay.keypoint_features(),
            name=f"{label} keypoints",
            metadata=self._metadata("keypoints"),
            **stacked,
        )

    def _add_trails(self, key: str, overlay: PoseOverlay, name: str, stacked: dict) -> None:
        """Trails as a napari Tracks layer: it fades the last `trail_length` frames on the GPU as the slider
        moves, where a layer of every frame's trail segments would cost tens of ms per step to slice."""
        from napari.layers import Tracks
        from napari.utils.colormaps import Colormap

        rows, colors = overlay.trail_tracks()
        if len(rows) < 2:
            return
        palette_colors, color_index = np.unique(colors, axis=0, return_inverse=True)
        steps = max(len(palette_colors) - 1, 1)
        # one flat band per color: value i / (n - 1) falls in band i of n
        colormap = Colormap(
            palette_colors, interpolation="zero", controls=np.linspace(0, 1, len(palette_colors) + 1), name=name
        )
        data = rows[:, [0, 1, 3, 2]]  # napari order: track id, frame, y, x
        self._add(
            key,
            Tracks(
                data,
                features={"color": color_index.ravel() / steps},
                color_by="color",
                colormaps_dict={"color": colormap},
                tail_length=self.scene.style.trail_length,
                head_length=0,
                tail_width=self.scene.style.edge_width,
                name=name,
                metadata=self._metadata("trails"),
                **stacked,
            ),
        )

    def _value_markers(self, stacked: dict):
        """The values layer: a marker on each channel's trace at the cursor, its value, unit and time as features
        (napari shows them on hover). It holds the frame shown only, refreshed on each step while it is visible: a
        marker per frame and channel would be millions of points under an hour of a probe's channels."""
        from napari.layers import Points

        columns = {"frame": int, "time": float, "channel": object, "value": float, "unit": object}
        layer = Points(
            np.zeros((0, 3)),
            size=6,
            border_width=0,
            features={name: np.zeros(0, dtype) for name, dtype in columns.items()},
            name=f"{self.video_layer.name} values",
            metadata=self._metadata("values"),
            **stacked,
        )
        layer.events.visible.connect(lambda _: self._show_values(self.frame))
        return layer

    def _show_values(self, frame: int) -> None:
        """The values layer's markers at `frame`, when it is visible (hidden, it is left as it is)."""
        layer = self.layers.get("values")
        if layer is None or not layer.visible:
            return
        plot, scene = self.scene.plot, self.scene
        lanes = plot.lane_boxes(scene.layout.panel_box)
        at = np.array([frame])
        per_trace = {}  # every channel of a trace at the frame: the rows read once (a recording may stay on disk)
        rows, colors, features = [], [], {"frame": [], "time": [], "channel": [], "value": [], "unit": []}
        for channel, lane in zip(plot.channels, lanes):
            trace = plot.traces[channel.trace]
            if channel.trace not in per_trace:
                per_trace[channel.trace] = trace.alignment.values(trace.signal.values, at)
            value = per_trace[channel.trace][0, channel.column]
            if not np.isfinite(value):
                continue
            rows.append(
                [
                    frame,
                    plot.y_of(channel, np.array([value]), lane, at)[0],
                    plot.cursor_x(lane, scene.frame_times[at])[0],
                ]
            )
            colors.append(channel.color)
            for name, item in zip(features, (frame, scene.frame_times[frame], channel.name, value, channel.unit)):
                features[name].append(item)
        layer.data = np.array(rows, dtype=float).reshape(-1, 3)
        layer.features = features
        if colors:
            layer.face_color = np.array(colors)

    def _remove_layers(self) -> None:
        self._close_raster_frames()
        # forgotten before they are removed: removing a layer can move napari's slider, whose step must not redraw
        # layers half gone (napari aborted when the "layers" display's panel was rebuilt on a late frame)
        removed = list(self.layers.values())
        self.layers.clear()
        self.panel = None
        for layer in removed:
            if layer in self.viewer.layers:
                self.viewer.layers.remove(layer)

    def _on_step(self, event=None) -> None:
        self.redraw(self.frame)

    def redraw(self, frame: int) -> None:
        """Show frame `frame`'s overlays now (the slider's frame on each step)."""
        if self.panel is not None:
            self.panel.show(self.scene.panel_geometry(frame))
        self._show_values(frame)
        raster = self.layers.get("overlay")
        if raster is None:
            return
        if self._raster_frames is None or self._raster_frames.scene is not self.scene:
            self._close_raster_frames()
            self._raster_frames = RasterFrames(self.scene, raster.data, self.raster_origin)
        playing = self._raster_frames.show(frame)
        # the image's size and place never change; its thumbnail waits while frames follow one another
        raster.refresh(extent=False, thumbnail=not playing)

    def _close_raster_frames(self) -> None:
        if self._raster_frames is not None:
            self._raster_frames.close()
            self._raster_frames = None


def camera_of(viewer):
    """The viewer's camera: `viewer.scene.camera` since napari 0.9, `viewer.camera` before."""
    return viewer.scene.camera if hasattr(viewer, "scene") else viewer.camera


def _view_of(viewer) -> tuple:
    """Where napari's camera looks and how near: what a user's zoom or pan changes."""
    camera = camera_of(viewer)
    return tuple(camera.center), float(camera.zoom)
