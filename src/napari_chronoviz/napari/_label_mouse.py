"""Mouse editing of labels on the plot panel: drag on empty panel to draw a bout, drag a bout's edge to move it
(snapped to frames), click a bout to select it and read its note.

The panel shows `left` seconds before and `right` after the frame shown, so a canvas x is a time
(`PlotPanel.time_of_x`), and a time a frame (`Labeling.frame_of`). The drag is one napari mouse-drag callback
on the viewer; while it runs over the panel the camera does not pan.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from ._labeling import Labeler
from ._layers import LayerPlacement, Session, camera_of

EDGE_GRAB_PIXELS = 6.0  # how near an edge (canvas pixels) a press grabs it
CLICK_PIXELS = 3.0  # a release nearer than this to its press is a click


class LabelMouse:
    """The mouse-drag callback that edits `labeler`'s bouts on the plot panel of its video.

    Attributes
    ----------
    label : str or None
        The behavior a drag on empty panel draws; None: the ethogram's first state.
    on_select : list of callable
        Called with the index of the bout a click selected.
    """

    _by_viewer: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, viewer, labeler: Labeler) -> LabelMouse:
        """The viewer's label mouse, now editing `labeler` (made and connected on first use)."""
        mouse = cls._by_viewer.get(viewer)
        if mouse is None:
            mouse = cls._by_viewer[viewer] = cls(viewer)
        mouse.labeler = labeler
        return mouse

    def __init__(self, viewer):
        self.viewer = viewer
        self.labeler: Labeler | None = None
        self.label: str | None = None
        self.on_select: list[Callable[[int], None]] = []
        viewer.mouse_drag_callbacks.append(self.drag)

    def canvas_xy(self, world_position) -> tuple[float, float]:
        """Canvas pixel (x, y) of a viewer world position (the overlay layers share the video's placement)."""
        placement = LayerPlacement.of(self.labeler.video_layer)
        y, x = (np.asarray(world_position[-2:], dtype=float) - placement.translate[1:]) / placement.scale[1:]
        return float(x), float(y)

    def _panel(self, x: float, y: float):
        """(session, plot, box of the traces' column under (x, y)) when the labeler's video shows a plot panel
        and (x, y) lies on its traces, else None."""
        session = Session.of(self.labeler.video_layer) if self.labeler is not None else None
        if session is None or session.scene.plot is None or session.scene.layout.panel_box is None:
            return None
        plot = session.scene.plot
        for column in plot.placement(np.asarray(session.scene.layout.panel_box, dtype=float)).columns:
            if column[0] <= x <= column[2] and column[1] <= y <= column[3]:
                return session, plot, column
        return None

    def drag(self, viewer, event):
        """The napari mouse-drag callback: press, moves (yields), release."""
        if self.labeler is None or not self.labeler.active:
            return
        x, y = self.canvas_xy(event.position)
        panel = self._panel(x, y)
        if panel is None:
            return
        session, plot, box = panel
        labeling = self.labeler.labeling
        now = float(labeling.frame_times[session.frame])

        def frame_at(canvas_x: float) -> int:
            return int(labeling.frame_of(plot.time_of_x(canvas_x, now, box)))

        grabbed = self._edge_near(x, now, box, plot)
        camera = camera_of(viewer)
        pan, camera.mouse_pan = camera.mouse_pan, False
        try:
            end_x = x
            yield
            while event.type == "mouse_move":
                end_x = self.canvas_xy(event.position)[0]
                self.viewer.status = f"{labeling.time_of(frame_at(end_x)):.3f} s (frame {frame_at(end_x)})"
                yield
        finally:
            camera.mouse_pan = pan
        if abs(end_x - x) < CLICK_PIXELS:
            self._select(frame_at(x))
        elif grabbed is not None:
            index, edge = grabbed
            self._apply(lambda: labeling.move_bout(index, **{edge: frame_at(end_x)}))
        else:
            self._apply(lambda: labeling.add_bout(self._drawn_label(), frame_at(x), frame_at(end_x)))

    def _edge_near(self, x: float, now: float, box, plot) -> tuple[int, str] | None:
        """(bout index, "start" or "end") of the closed bout edge within `EDGE_GRAB_PIXELS` of `x`, else None."""
        labeling = self.labeler.labeling
        best, best_distance = None, EDGE_GRAB_PIXELS
        for index, bout in enumerate(labeling.bouts):
            if bout.is_open:
                continue
            for edge, frame in (("start", bout.start), ("end", bout.end)):
                distance = abs(float(plot.x_of_time(labeling.time_of(frame), now, box)) - x)
                if distance <= best_distance:
                    best, best_distance = (index, edge), distance
        return best

    def _drawn_label(self) -> str:
        states = [b.name for b in self.labeler.labeling.ethogram.behaviors if b.kind == "state"]
        if self.label is not None:
            return self.label
        if not states:
            raise ValueError("The ethogram has no state behavior to draw a bout of: add one in the dock's table.")
        return states[0]

    def _select(self, frame: int) -> None:
        index = self.labeler.labeling.bout_at(frame)
        if index is None:
            self.viewer.status = "No bout here: drag on the panel to draw one."
            return
        bout = self.labeler.labeling.bouts[index]
        self.viewer.status = f"{bout.label}: {bout.note}" if bout.note else f"{bout.label} (no note)"
        for listener in self.on_select:
            listener(index)

    def _apply(self, edit: Callable[[], None]) -> None:
        try:
            edit()
        except ValueError as error:  # LabelError: an empty bout or an edge past the other one
            self.viewer.status = str(error)
