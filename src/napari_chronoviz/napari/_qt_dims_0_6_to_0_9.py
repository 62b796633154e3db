"""The one place chronoviz reaches napari's Qt widgets: the frame slider's play rate, play and stop.

napari has no public API for the play rate of one slider (its `playback_fps` setting is a whole number shared
by every viewer and saved across sessions: 29.97 frames/s cannot be set, and changing it would change the
user's preference), nor for playing from code. Its public Qt viewer class, `napari.qt.QtViewer`, holds the
sliders as `QtViewer.dims` (`slider_widgets[axis].fps`, `play(axis, fps=...)`, `stop()`, `is_playing`). These
names were checked on napari 0.6.0 and 0.9.2, hence the module's name. The Qt viewer is found among the
application's widgets, not through `Window._qt_viewer`, which napari warns about and will close to plugins.

When these names are gone (a later napari), `Player` plays on its own timer through the public
`viewer.dims` at the same rate, and says once that napari's play button no longer follows the video's rate.
"""

from __future__ import annotations

from napari.utils.notifications import show_warning

CHECKED_ON = ("0.6.0", "0.9.2")

_WARNED: set[str] = set()


def qt_viewer_of(viewer):
    """The `napari.qt.QtViewer` showing `viewer`, or None (a viewer without a window, or not found).

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, or the public-only proxy of it that napari hands plugin widgets.

    Returns
    -------
    napari.qt.QtViewer or None
    """
    from napari.qt import QtViewer
    from qtpy.QtWidgets import QApplication

    model = getattr(viewer, "__wrapped__", viewer)  # plugins get napari's PublicOnlyProxy around the viewer
    if QApplication.instance() is None:
        return None
    for window in QApplication.topLevelWidgets():
        candidates = [window] if isinstance(window, QtViewer) else window.findChildren(QtViewer)
        for qt_viewer in candidates:
            if getattr(qt_viewer, "viewer", None) is model:
                return qt_viewer
    return None


def _qt_dims(viewer):
    """The `QtDims` of `viewer` when it still has the names this module was checked with, else None."""
    qt_viewer = qt_viewer_of(viewer)
    dims = getattr(qt_viewer, "dims", None)
    if dims is None or not all(hasattr(dims, name) for name in ("slider_widgets", "play", "stop", "is_playing")):
        return None
    return dims


def _say_once(key: str, message: str) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        show_warning(message)


def set_slider_rate(viewer, axis: int, fps: float) -> bool:
    """Make napari's play button of `axis` play at `fps` frames/s in this viewer only.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer (or napari's proxy of it).
    axis : int
        The dims axis of the slider (the video's frame axis).
    fps : float
        Frames per second, fractional rates included.

    Returns
    -------
    bool
        False when the viewer has no window (headless: no play button) or napari's slider no longer has the
        names checked here; the latter is said once in a notification.
    """
    if qt_viewer_of(viewer) is None:
        return False
    dims = _qt_dims(viewer)
    sliders = getattr(dims, "slider_widgets", [])
    if dims is None or not 0 <= axis < len(sliders) or not hasattr(sliders[axis], "fps"):
        _say_once(
            "slider",
            f"napari's play button plays at its own 'Playback frames per second' setting, not at the video's "
            f"{fps:g} frames/s: this napari no longer has the slider chronoviz set (checked on napari "
            f"{' to '.join(CHECKED_ON)}). The Label behaviors dock's play key still plays at the video's rate.",
        )
        return False
    sliders[axis].fps = float(fps)
    return True


class Player:
    """Plays or pauses one axis of a viewer at a given rate: napari's own play when it is reachable, otherwise a
    Qt timer stepping `viewer.dims` (public API) at the same rate.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer (or napari's proxy of it).
    """

    def __init__(self, viewer) -> None:
        self.viewer = viewer
        self._timer = None
        self._axis = 0

    @property
    def available(self) -> bool:
        """Whether the viewer has a window to play in."""
        return qt_viewer_of(self.viewer) is not None

    @property
    def playing(self) -> bool:
        if self._timer is not None and self._timer.isActive():
            return True
        dims = _qt_dims(self.viewer)
        return bool(dims is not None and dims.is_playing)

    def play(self, axis: int, fps: float) -> None:
        """Play `axis` at `fps` frames/s from the current step (a second call changes the rate).

        Parameters
        ----------
        axis : int
            The dims axis to step.
        fps : float
            Steps per second.
        """
        dims = _qt_dims(self.viewer)
        if dims is not None:
            dims.play(axis, fps=fps)
            return
        _say_once(
            "play",
            f"Playing on chronoviz's own timer at {fps:g} frames/s: napari's player is not reachable in this "
            f"version (checked on napari {' to '.join(CHECKED_ON)}).",
        )
        from qtpy.QtCore import Qt, QTimer

        if self._timer is None:
            self._timer = QTimer()
            self._timer.setTimerType(Qt.PreciseTimer)
            self._timer.timeout.connect(self._step)
        self._axis = axis
        self._timer.start(max(1, round(1000 / fps)))

    def stop(self) -> None:
        """Stop playing (nothing happens when not playing)."""
        if self._timer is not None:
            self._timer.stop()
        dims = _qt_dims(self.viewer)
        if dims is not None and dims.is_playing:
            dims.stop()

    def _step(self) -> None:
        steps = self.viewer.dims.nsteps[self._axis]
        step = self.viewer.dims.current_step[self._axis] + 1
        if step >= steps:
            self._timer.stop()
            return
        self.viewer.dims.set_current_step(self._axis, step)
