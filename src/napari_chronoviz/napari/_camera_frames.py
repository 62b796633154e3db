"""The Overlays dock's readout of videos on one clock: which frame of its own video each layer shows now."""

from __future__ import annotations

from magicgui.widgets import Label

from ._cameras import frames_shown


class CameraFrames(Label):
    """A read-only list that follows the slider, one line per video layer on a clock: its name, the frame of its
    own video it shows and that frame's time ("flies  frame 312  12.480 s"). Hidden while no layer is on a clock.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose video layers `sync_by_time` (or `attach` to several layers) put on one clock.
    """

    def __init__(self, viewer):
        super().__init__(label="frames shown", value="")
        self.viewer = viewer
        # a step of the slider, a clock set up or re-placed (the frame axis' range), a layer removed
        for event in (viewer.dims.events.current_step, viewer.dims.events.range, viewer.layers.events.removed):
            event.connect(self.refresh)
        self.refresh()

    def refresh(self, *_) -> None:
        """Write the frame each video layer on a clock shows now; hide the list when none is on a clock."""
        shown = frames_shown(self.viewer)
        self.value = "\n".join(f"{name}  frame {frame}  {seconds:.3f} s" for name, frame, seconds in shown)
        if not shown or self.parent is not None:  # made visible without a parent, a widget is a window of its own
            self.visible = bool(shown)
