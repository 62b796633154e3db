"""The Overlays dock's calibration controls: click two points a known distance apart (or an arena's four corners) on
the video in a "calibration points" layer, type the distance (or the arena's size), and Apply: the video gets a
scale bar, and the pose speed lanes read cm/s. Errors become notifications that say what to do."""

from __future__ import annotations

from collections.abc import Callable

from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit, FloatSpinBox, Label, LineEdit, PushButton
from napari.utils.notifications import show_error, show_info

from ..calibration import CORNER_ORDER, Calibration, read_calibration
from ..errors import ChronovizError, in_words
from ..kinematics import CENTROID
from ._cameras import source_data
from ._layers import Session

POINTS_LAYER = "calibration points"
METHODS = {"two points": 2, "four corners": 4}  # how the calibration is made -> the points it needs
NO_SPEED = "none"
POINT_COLOR = "#d55e00"  # Okabe-Ito vermillion: visible on white arenas and dark ones


class CalibrationControls(Container):
    """Calibrate the chosen video layer; `options()` gives the calibration, pose speed and scale bar for `attach`.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer.
    video_layer : callable
        Returns the chosen video layer, or None.
    on_change : callable
        Called after the calibration (or its pose speed or scale bar) changed, to redraw the overlays.
    """

    def __init__(self, viewer, video_layer: Callable, on_change: Callable[[], None]):
        super().__init__(labels=True)
        self.viewer, self.video_layer, self.on_change = viewer, video_layer, on_change
        self.calibration: Calibration | None = None
        self.method = ComboBox(label="calibrate by", choices=tuple(METHODS), value="two points")
        self.place = PushButton(text="Calibrate…")
        self.distance = FloatSpinBox(label="distance", min=0, max=1e9, step=0.1, value=0.0)
        self.arena_width = FloatSpinBox(label="arena width", min=0, max=1e9, step=0.1, value=0.0)
        self.arena_height = FloatSpinBox(label="arena height", min=0, max=1e9, step=0.1, value=0.0)
        self.unit = LineEdit(label="unit", value="cm")
        self.apply_button = PushButton(text="Apply calibration")
        self.file = FileEdit(label="calibration file", mode="r", filter="*.yaml *.yml *.json")
        self.load = PushButton(text="Load calibration")
        self.clear_button = PushButton(text="Clear calibration")
        self.shown = Label(label="calibration", value="none")
        self.shown.native.setWordWrap(True)
        self.pose_speed = ComboBox(label="pose speed", choices=self._speed_choices, value=NO_SPEED)
        self.scale_bar = CheckBox(label="scale bar", value=True)
        self.extend(
            [
                self.method,
                self.place,
                self.distance,
                self.arena_width,
                self.arena_height,
                self.unit,
                self.apply_button,
                self.file,
                self.load,
                self.clear_button,
                self.shown,
                self.pose_speed,
                self.scale_bar,
            ]
        )
        self.method.changed.connect(self._show_method)
        self.place.changed.connect(self.place_points)
        self.apply_button.changed.connect(self.apply)
        self.load.changed.connect(self.load_file)
        self.clear_button.changed.connect(lambda: self._set(None))
        self.pose_speed.changed.connect(self._redraw)
        self.scale_bar.changed.connect(self._redraw)
        self._show_method()
        viewer.layers.events.inserted.connect(self.pose_speed.reset_choices)  # attaching a pose adds its layers

    def options(self) -> dict:
        """`calibration` and `pose_speed`, as `attach` takes them."""
        speed = self.pose_speed.value
        return {"calibration": self.calibration, "pose_speed": None if speed in (NO_SPEED, None) else speed}

    def style(self) -> dict:
        """The style option these controls set: `scale_bar`."""
        return {"scale_bar": "auto" if self.scale_bar.value else "none"}

    def show_scene(self, scene) -> None:
        """Show `scene`'s calibration, pose speed and scale bar (e.g. a session a script attached)."""
        self.calibration = scene.calibration
        self.shown.value = scene.calibration.summary if scene.calibration else "none"
        self.pose_speed.reset_choices()
        for control, value in (
            (self.pose_speed, scene.pose_speed or NO_SPEED),
            (self.scale_bar, scene.style.scale_bar != "none"),
        ):
            with control.changed.blocked():
                control.value = value

    def place_points(self, *_) -> None:
        """Add (or select) the "calibration points" layer over the chosen video, in add mode, and say what to click."""
        layer = self.video_layer()
        if layer is None:
            show_error("Open a video with napari-chronoviz first: the calibration is of a video layer.")
            return
        points = self._points_layer()
        if points is None:
            height = source_data(layer).shape[1]
            points = self.viewer.add_points(
                ndim=2,
                name=POINTS_LAYER,
                size=max(6.0, round(height / 60)),
                face_color=POINT_COLOR,
                border_color="white",
                scale=layer.scale[-2:],
                translate=layer.translate[-2:],
            )
        self.viewer.layers.selection.active = points
        points.mode = "add"
        if self.method.value == "two points":
            show_info(
                "Click the two ends of a known length on the video (a ruler, a wall of the arena), type their "
                "distance and unit, and press Apply calibration."
            )
        else:
            show_info(
                f"Click the arena's 4 corners, {CORNER_ORDER}, type its width (first edge) and height, and press "
                "Apply calibration."
            )

    def apply(self, *_) -> Calibration | None:
        """Make the calibration from the clicked points and the typed lengths; None after an error notification."""
        layer, points = self.video_layer(), self._points_layer()
        if layer is None:
            show_error("Open a video with napari-chronoviz first: the calibration is of a video layer.")
            return None
        needed = METHODS[self.method.value]
        clicked = 0 if points is None else len(points.data)
        if clicked != needed:
            what = "the two ends of a known length" if needed == 2 else f"the arena's corners, {CORNER_ORDER}"
            show_error(
                f"The {POINTS_LAYER!r} layer holds {clicked} points; {self.method.value} needs {needed}: "
                f"{what}. Press Calibrate… and click them on the video (select extra points and press Delete)."
            )
            return None
        xy = points.data[:, ::-1]  # napari's (row, column) -> (x, y)
        height, width = source_data(layer).shape[1:3]
        try:
            if needed == 2:
                calibration = Calibration.from_points(
                    *xy,
                    self._length(self.distance, "the distance between the two points"),
                    self.unit.value,
                    video_size=(width, height),
                )
            else:
                calibration = Calibration.from_corners(
                    xy,
                    self._length(self.arena_width, "the arena's width"),
                    self._length(self.arena_height, "the arena's height"),
                    self.unit.value,
                    video_size=(width, height),
                )
        except ChronovizError as error:
            show_error(in_words(error, "dock"))
            return None
        self._set(calibration)
        return calibration

    def load_file(self, *_) -> Calibration | None:
        """Use the calibration file chosen (from `chronoviz calibrate`); None after an error notification."""
        try:
            calibration = read_calibration(self.file.value)
        except (ChronovizError, OSError) as error:
            show_error(in_words(error, "dock"))
            return None
        self._set(calibration)
        return calibration

    def _set(self, calibration: Calibration | None) -> None:
        self.calibration = calibration
        self.shown.value = calibration.summary if calibration else "none"
        self.on_change()

    def _redraw(self, *_) -> None:
        """Redraw after a change of pose speed or scale bar; not while the video is gone (the viewer closing, its
        choices reset)."""
        if self.video_layer() is not None:
            self.on_change()

    def _points_layer(self):
        return self.viewer.layers[POINTS_LAYER] if POINTS_LAYER in self.viewer.layers else None

    def _show_method(self, *_) -> None:
        two_points = self.method.value == "two points"
        self.distance.visible = two_points
        self.arena_width.visible = self.arena_height.visible = not two_points

    def _speed_choices(self, *_) -> list[str]:
        """none, centroid, and the keypoints of the chosen video's poses."""
        layer = self.video_layer()
        session = Session.of(layer) if layer is not None else None
        poses = session.scene.sources.poses if session is not None else ()
        keypoints = dict.fromkeys(name for pose in poses for name in pose.keypoints)
        return [NO_SPEED, CENTROID, *keypoints]

    @staticmethod
    def _length(control, what: str) -> float:
        if control.value <= 0:
            raise ChronovizError(f"Type {what} (in the unit below) before applying the calibration.")
        return control.value
