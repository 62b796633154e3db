"""The dock widget: pick a video layer, add signals, pose, events and intervals, set alignment, window,
layout and style; every change applies live through the video's `Session`. Errors become notifications."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FileEdit,
    FloatSlider,
    FloatSpinBox,
    Label,
    LineEdit,
    PushButton,
    SpinBox,
)
from napari.utils.notifications import show_error, show_info

from ..errors import ChronovizError, ExportCancelled
from ..io.formats import EXPORT_SUFFIXES, SESSION_SUFFIX, patterns
from ..io.labels import read_events, read_intervals
from ..io.pose import read_pose
from ..io.timeseries import read_timeseries
from ..overlays.layout import POSITIONS
from ..overlays.style import COLOR_BY, PLOT_LAYOUTS, TIME_AXES, TIMESTAMPS
from ..overlays.style import YLIM_MODES as STYLE_YLIM_MODES
from ..render.visualization import export_video
from ..session import save_session
from ..timeline import MODES
from ._attach import attach
from ._calibration import CalibrationControls
from ._camera_frames import CameraFrames
from ._layers import DISPLAYS, Session
from ._metadata import METADATA_KEY, OVERLAYS_KEY
from ._progress import progress_callback

TIME_UNITS = ("from name", "s", "ms", "us", "ns")
YLIM_MODES = (*STYLE_YLIM_MODES, "fixed")


class ChronovizWidget(Container):
    """Overlays for a video layer: sources, alignment, plot window, layout and pose style."""

    @property
    def native(self):
        """The scroll area around the controls. magicgui gives the widget inside it, which a napari dock takes out
        of the scroll area: the dock would then be as tall as every control (1500+ pixels) and push the window
        off the screen."""
        return self._widget._scroll

    def __init__(self, napari_viewer):
        super().__init__(scrollable=True)
        self.viewer = napari_viewer
        self.sources = {"signals": [], "pose": [], "events": None, "intervals": None, "spikes": []}
        self.video = ComboBox(label="video layer", choices=self._video_layer_names)
        self.camera_frames = CameraFrames(napari_viewer)  # videos on one clock: each one's frame now
        self.signal_file = FileEdit(label="signal file", mode="r")
        self.signal_key = LineEdit(label="HDF5 key / NPZ member")
        self.time_column = LineEdit(label="time column")
        self.time_unit = ComboBox(label="time unit", choices=TIME_UNITS)
        self.add_signal = PushButton(text="Add signal")
        self.pose_file = FileEdit(label="pose file", mode="r")
        self.add_pose = PushButton(text="Add pose")
        self.label_file = FileEdit(label="events / intervals", mode="r")
        self.add_events = PushButton(text="Add as events")
        self.add_intervals = PushButton(text="Add as intervals")
        self.add_layers = PushButton(text="Add opened signal/pose layers")
        self.mode = ComboBox(label="alignment", choices=MODES, value="auto")
        self.ratio = LineEdit(label="samples per frame", value="")
        self.offset = FloatSpinBox(label="offset (s)", min=-1e6, max=1e6, step=0.001, value=0.0)
        self.pose_mode = ComboBox(label="pose alignment", choices=MODES, value="auto")
        self.pose_ratio = LineEdit(label="pose rows per frame", value="")
        self.pose_offset = FloatSpinBox(label="pose offset (s)", min=-1e6, max=1e6, step=0.001, value=0.0)
        self.decision = Label(label="decided", value="")
        self.decision.native.setWordWrap(True)  # alignment messages are long: wrap, do not widen the dock
        self.decision.native.setMinimumWidth(1)
        self.left = FloatSpinBox(label="window before (s)", min=0, max=3600, step=0.1, value=2.0)
        self.right = FloatSpinBox(label="window after (s)", min=0, max=3600, step=0.1, value=2.0)
        self.plot_layout = ComboBox(label="plot layout", choices=PLOT_LAYOUTS, value="stacked")
        self.position = ComboBox(label="panel position", choices=POSITIONS, value="below")
        self.panel_size = SpinBox(label="panel size (px, 0 = auto)", min=0, max=10000, value=0)
        self.ylim = ComboBox(label="y-limits", choices=YLIM_MODES, value="channel")
        self.y_low = FloatSpinBox(label="y low", min=-1e12, max=1e12, value=0.0)
        self.y_high = FloatSpinBox(label="y high", min=-1e12, max=1e12, value=1.0)
        self.show_values = CheckBox(label="show current values", value=True)
        self.time_axis = ComboBox(label="time axis", choices=TIME_AXES, value="relative")
        self.overview = CheckBox(label="overview of the recording", value=False)
        self.timestamp = ComboBox(label="timestamp in the video", choices=TIMESTAMPS, value="none")
        self.color_by = ComboBox(label="color pose by", choices=COLOR_BY, value="keypoint")
        self.cutoff = FloatSlider(label="confidence cut-off", min=0, max=1, step=0.01, value=0.0)
        self.trail_length = SpinBox(label="trail (frames)", min=0, max=1000, value=0)
        self.display = ComboBox(label="display", choices=DISPLAYS, value="raster")
        self.calibrate = CalibrationControls(napari_viewer, self._video_layer, self._apply)
        self.remove = PushButton(text="Remove overlays")
        self.export_file = FileEdit(label="export to", mode="w", filter=" ".join(patterns(EXPORT_SUFFIXES)))
        self.overwrite = CheckBox(label="overwrite", value=False)
        self.export = PushButton(text="Export")
        self.cancel = PushButton(text="Cancel export", enabled=False)
        self._progress = None  # the running export's progress bar, which holds its cancel
        self.session_file = FileEdit(label="session file", mode="w", filter=f"*{SESSION_SUFFIX}")
        self.save_session_button = PushButton(text="Save session")
        self.open_session_button = PushButton(text="Open session")
        self.extend(
            [
                self.video,
                self.camera_frames,
                self.signal_file,
                self.signal_key,
                self.time_column,
                self.time_unit,
                self.add_signal,
                self.pose_file,
                self.add_pose,
                self.label_file,
                self.add_events,
                self.add_intervals,
                self.add_layers,
                self.mode,
                self.ratio,
                self.offset,
                self.pose_mode,
                self.pose_ratio,
                self.pose_offset,
                self.decision,
                self.left,
                self.right,
                self.plot_layout,
                self.position,
                self.panel_size,
                self.ylim,
                self.y_low,
                self.y_high,
                self.show_values,
                self.time_axis,
                self.overview,
                self.timestamp,
                self.color_by,
                self.cutoff,
                self.trail_length,
                self.display,
                self.calibrate,
                self.remove,
                self.export_file,
                self.overwrite,
                self.export,
                self.cancel,
                self.session_file,
                self.save_session_button,
                self.open_session_button,
            ]
        )
        self.add_signal.changed.connect(self._add_signal)
        self.add_pose.changed.connect(lambda: self._add_source("pose", read_pose, self.pose_file.value))
        self.add_events.changed.connect(lambda: self._add_source("events", read_events, self.label_file.value))
        self.add_intervals.changed.connect(lambda: self._add_source("intervals", read_intervals, self.label_file.value))
        self.add_layers.changed.connect(self._add_opened_layers)
        self.remove.changed.connect(self._remove)
        self.export.changed.connect(self.start_export)
        self.cancel.changed.connect(self._request_cancel)
        self.save_session_button.changed.connect(self.save_session)
        self.open_session_button.changed.connect(self.open_session)
        for control in (
            self.mode,
            self.ratio,
            self.offset,
            self.pose_mode,
            self.pose_ratio,
            self.pose_offset,
            self.left,
            self.right,
            self.plot_layout,
            self.position,
            self.panel_size,
            self.ylim,
            self.y_low,
            self.y_high,
            self.show_values,
            self.time_axis,
            self.overview,
            self.timestamp,
            self.color_by,
            self.cutoff,
            self.trail_length,
            self.display,
        ):
            control.changed.connect(self._apply)
        for control in self:  # file paths and long names must not widen the dock past the window
            control.native.setMinimumWidth(0)
        self.native.setMinimumWidth(320)
        self.viewer.layers.events.inserted.connect(self.video.reset_choices)
        self.viewer.layers.events.removed.connect(self.video.reset_choices)
        self.video.changed.connect(self.show_session)
        self.viewer.layers.events.inserted.connect(self.attach_requested_overlays)
        self.attach_requested_overlays()
        self.show_session()

    # --- choices and current state --------------------------------------------------------------------

    def _video_layer_names(self, *_) -> list[str]:
        return [
            layer.name for layer in self.viewer.layers if layer.metadata.get(METADATA_KEY, {}).get("kind") == "video"
        ]

    def _video_layer(self):
        """The chosen video layer, or None (also while a removed one is still chosen)."""
        name = self.video.value
        return self.viewer.layers[name] if name in self.viewer.layers else None

    @property
    def session(self) -> Session | None:
        """The session of the chosen video layer, if overlays are attached."""
        layer = self._video_layer()
        return Session.of(layer) if layer is not None else None

    def options(self) -> dict:
        """The alignment, window, layout and style the controls show, as `attach` takes them."""
        alignment = {
            "mode": self.mode.value,
            "offset": self.offset.value,
            "ratio": _fraction(self.ratio.value, "Samples per frame"),
        }
        pose_alignment = {
            "mode": self.pose_mode.value,
            "offset": self.pose_offset.value,
            "ratio": _fraction(self.pose_ratio.value, "Pose rows per frame"),
        }
        size = self.panel_size.value or None
        if size and self.position.value not in ("below", "above", "left", "right", "none"):
            size = (size, size // 2)
        ylim = (self.y_low.value, self.y_high.value) if self.ylim.value == "fixed" else self.ylim.value
        style = {
            "plot_layout": self.plot_layout.value,
            "ylim": ylim,
            "show_values": self.show_values.value,
            "time_axis": self.time_axis.value,
            "overview": self.overview.value,
            "timestamp": self.timestamp.value,
            "color_by": self.color_by.value,
            "confidence_cutoff": self.cutoff.value,
            "trail_length": self.trail_length.value,
            **self.calibrate.style(),
        }
        return {
            "alignment": alignment,
            "pose_alignment": pose_alignment,
            "window": (self.left.value, self.right.value),
            "layout": {"position": self.position.value, "size": size},
            "style": style,
            "display": self.display.value,
            **self.calibrate.options(),
        }

    def show_session(self, *_) -> None:
        """Set the controls and sources from the chosen video's session (e.g. one a script attached)."""
        session = self.session
        if session is None:
            return
        scene = session.scene
        self.sources = {
            "signals": list(scene.sources.signals),
            "pose": list(scene.sources.poses),
            "events": scene.sources.events,
            "intervals": scene.sources.intervals,
            "spikes": list(scene.sources.spikes),
        }
        alignment, pose_alignment = scene.alignment_options, scene.pose_alignment_options
        style, layout = scene.style, scene.layout
        ylim = style.ylim if isinstance(style.ylim, str) else "fixed"
        size = layout.size[0] if isinstance(layout.size, tuple) else layout.size
        values = {
            self.mode: alignment.get("mode", "auto"),
            self.offset: alignment.get("offset", 0.0),
            self.ratio: "" if alignment.get("ratio") is None else str(alignment["ratio"]),
            self.pose_mode: pose_alignment.get("mode", "auto"),
            self.pose_offset: pose_alignment.get("offset", 0.0),
            self.pose_ratio: "" if pose_alignment.get("ratio") is None else str(pose_alignment["ratio"]),
            self.left: scene.window.left,
            self.right: scene.window.right,
            self.plot_layout: style.plot_layout,
            self.position: layout.position,
            self.panel_size: size or 0,
            self.ylim: ylim,
            self.show_values: style.show_values,
            self.time_axis: style.time_axis,
            self.overview: style.overview,
            self.timestamp: style.timestamp,
            self.color_by: style.color_by,
            self.cutoff: style.confidence_cutoff,
            self.trail_length: style.trail_length,
            self.display: session.display,
        }
        if ylim == "fixed":
            values.update({self.y_low: style.ylim[0], self.y_high: style.ylim[1]})
        for control, value in values.items():
            with control.changed.blocked():
                control.value = value
        self.calibrate.show_scene(scene)
        self.decision.value = "; ".join(scene.messages)

    def attach_requested_overlays(self, *_) -> None:
        """Attach the overlays that video layers ask for in `metadata["chronoviz"]["overlays"]` (the samples
        do), once each, and choose the video they were attached to. A failure is an error notification."""
        for layer in list(self.viewer.layers):
            requested = layer.metadata.get(METADATA_KEY, {}).pop(OVERLAYS_KEY, None)
            if requested:
                try:
                    attach(self.viewer, requested.pop("cameras", layer), **requested)  # a session's cameras
                except (ChronovizError, ValueError, OSError) as error:
                    show_error(f"The overlays of {layer.name!r} could not be attached: {error}")
                    continue
                self.video.value = layer.name
                self.show_session()  # also when that video was chosen already

    # --- actions -------------------------------------------------------------------------------------------

    def _add_signal(self) -> None:
        unit = None if self.time_unit.value == TIME_UNITS[0] else self.time_unit.value
        self._add_source(
            "signals",
            read_timeseries,
            self.signal_file.value,
            key=self.signal_key.value or None,
            time_column=self.time_column.value or None,
            time_unit=unit,
        )

    def _add_source(self, kind: str, reader, path, **options) -> None:
        if not path or Path(path).is_dir():
            show_error(f"Choose a file to add as {kind} first (got {str(path)!r}).")
            return
        if not Path(path).is_file():
            show_error(f"{path} does not exist: check the path, or pick the file with the button beside the field.")
            return
        try:
            loaded = reader(path, **options)
        except (ChronovizError, OSError) as error:
            show_error(str(error))
            return
        if isinstance(self.sources[kind], list):
            self.sources[kind].append(loaded)
        else:
            self.sources[kind] = loaded
        self._apply(rebuild=True)

    def _add_opened_layers(self) -> None:
        """Signal and pose layers opened by the reader (drag and drop) become sources of the chosen video."""
        for layer in self.viewer.layers:
            info = layer.metadata.get(METADATA_KEY, {})
            if info.get("kind") == "signal":
                self.sources["signals"].append(read_timeseries(layer.features))
            elif info.get("kind") == "pose" and info.get("path"):
                self.sources["pose"].append(read_pose(info["path"]))
        self._apply(rebuild=True)

    def _apply(self, *_, rebuild: bool = False) -> None:
        if not self.video.value:
            show_error("Open a video with napari-chronoviz first: the overlays attach to a video layer.")
            return
        try:
            session = self.session
            options = self.options()
            if session is None or rebuild:
                session = attach(
                    self.viewer,
                    self.video.value,
                    signals=self.sources["signals"] or None,
                    pose=self.sources["pose"] or None,
                    events=self.sources["events"],
                    intervals=self.sources["intervals"],
                    spikes=self.sources["spikes"] or None,
                    **options,
                )
            else:
                session.update(**options)
        except (ChronovizError, ValueError, OSError) as error:
            show_error(str(error))
            return
        self.decision.value = "; ".join(session.scene.messages)
        if rebuild and session.scene.messages:
            show_info(self.decision.value)

    def start_export(self, *_):
        """Export the chosen video with its overlays in a background thread, with a progress bar; returns the worker.

        *Cancel export* (or the progress bar's Cancel in napari's activity panel) stops it and removes the partial
        file. A cancel is an info notification, an error an error notification with its message.
        """
        from napari.qt.threading import create_worker
        from napari.utils import cancelable_progress

        session, path = self.session, self.export_file.value
        if session is None:
            show_error("Add signals or pose to the video first: Export writes the video with its overlays.")
            return None
        if not path or Path(path).is_dir():
            show_error("Choose the file to export to (e.g. session_chronoviz.mp4) first.")
            return None
        videos = _video_paths(session)
        self._progress = bar = cancelable_progress(total=session.scene.n_frames, desc="chronoviz export")
        self.cancel.enabled = True
        # handling "errored" here keeps napari from re-raising the error in a Qt slot, which aborts the process
        # when no excepthook catches it (a Qt loop without napari.run); the worker starts once connected
        return create_worker(
            _export,
            videos[0] if len(videos) == 1 else videos,
            session.scene,
            Path(path),
            self.overwrite.value,
            progress_callback(bar),
            _connect={
                "returned": lambda written: show_info(
                    f"Exported {written}" if written else "Export cancelled; nothing was written."
                ),
                "errored": lambda error: show_error(str(error)),
                "finished": [bar.close, lambda: setattr(self.cancel, "enabled", False)],
            },
        )

    def save_session(self, *_) -> Path | None:
        """Save the chosen video (or cameras) with its overlays' files and settings to the session file.

        Returns the written path, or None after an error notification saying what to fix in the dock.
        """
        session, path = self.session, self.session_file.value
        if session is None:
            show_error("Add signals or pose to the video first: a session saves the video with its overlays.")
            return None
        if not path or Path(path).is_dir():
            show_error(f"Choose the session file to write (e.g. experiment{SESSION_SUFFIX}) first.")
            return None
        try:
            written = save_session(path, _video_paths(session), session.scene)
        except (ChronovizError, OSError) as error:
            show_error(str(error))
            return None
        show_info(f"Saved the session to {written}")
        return written

    def open_session(self, *_) -> list | None:
        """Open the session file's videos in the viewer; the dock attaches their overlays (see
        `attach_requested_overlays`). Returns the new layers, or None after an error notification."""
        path = self.session_file.value
        if not path or not Path(path).is_file():
            show_error(f"Choose an existing session file ({SESSION_SUFFIX}) to open.")
            return None
        try:
            return self.viewer.open(path, plugin="napari-chronoviz")
        except (ChronovizError, OSError, ValueError) as error:
            show_error(str(error))
            return None

    def _request_cancel(self) -> None:
        self._progress.cancel()

    def _remove(self) -> None:
        if self.session is not None:
            self.session.detach()
        self.sources = {"signals": [], "pose": [], "events": None, "intervals": None, "spikes": []}
        self.decision.value = ""


def _video_paths(session) -> list[str]:
    """The file of each video a session draws over: its one video, or each camera's in tile order."""
    return [layer.metadata[METADATA_KEY]["path"] for layer in getattr(session, "video_layers", [session.video_layer])]


def _fraction(text: str, name: str) -> Fraction | None:
    """A ratio control's text as a number (None when empty); `name` says which control in the error."""
    text = text.strip()
    try:
        return Fraction(text) if text else None
    except ValueError:
        raise ChronovizError(f"{name} must be a number or a fraction like 1/4, not {text!r}.") from None


def _export(videos, scene, output: Path, overwrite: bool, report) -> Path | None:
    """Write the export of a video (or a list of them) in the worker thread; the written path, or None when
    `report` cancelled it."""
    try:
        return export_video(videos, scene, output, overwrite=overwrite, progress=report)
    except ExportCancelled:  # the user's choice, not an error: export_scene removed the partial file
        return None
