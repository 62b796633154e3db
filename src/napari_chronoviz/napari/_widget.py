"""The dock widget: pick a video layer, keep a list of its sources (signals, pose, events, intervals, spikes), each with
its reader and alignment options, set the window, layout and style; every change applies live through the
video's `Session`. A source is read and aligned before it joins the list: a file that fails is not kept, and
its error (a notification) says what to change in the dock. Adding the same file again replaces it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    FileEdit,
    FloatSlider,
    FloatSpinBox,
    LineEdit,
    PushButton,
    Select,
    SpinBox,
)
from napari.utils.notifications import show_error, show_info, show_warning
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QComboBox

from ..errors import AlignmentError, ChronovizError, ExportCancelled, in_words
from ..io.formats import (
    EXPORT_SUFFIXES,
    FILE_KINDS,
    RAW_BINARY_SUFFIXES,
    SESSION_SUFFIX,
    VIDEO_SUFFIXES,
    is_phy_folder,
    patterns,
)
from ..io.nwb import SERIES_CHANNELS_SHOWN, is_nwb, nwb_parts
from ..io.pyramid import pyramid_of
from ..io.spikes import PHY_ORDERS
from ..io.tables import value_from_text
from ..io.timeseries import signal_from_table
from ..io.video_factory import VideoEntry
from ..overlays.layout import POSITIONS
from ..overlays.plot import listed_name
from ..overlays.style import COLOR_BY, PLOT_LAYOUTS, TIME_AXES, TIMESTAMPS
from ..overlays.style import YLIM_MODES as STYLE_YLIM_MODES
from ..render.encode import LARGEST_SIDE
from ..render.visualization import export_video
from ..session import save_session
from ..sources import CHECK_VIDEO, READER_FIELDS, SOURCE_KINDS, TIME_UNITS, SourceSpec, ratio_from_text, spec_of
from ..timeline import MODES
from ._attach import attach, video_of_layer
from ._calibration import CalibrationControls
from ._camera_frames import CameraFrames
from ._cameras import CamerasSession
from ._dock import ScrollingContainer
from ._labeling import Labeler
from ._layers import DISPLAYS, Session
from ._metadata import METADATA_KEY, OVERLAYS_KEY
from ._progress import progress_callback
from ._reader import user_doubts
from ._retime import use_frame_times

KIND_NAMES = {"signals": "signal", "pose": "pose", "events": "events", "intervals": "intervals", "spikes": "spikes"}
ADDABLE_KINDS = ("signals", "pose", "events", "intervals", "spikes")
OPENED_KINDS = {"signal": "signals", "pose": "pose", "spikes": "spikes"}  # layers the reader opens -> their kind
SINGLE_KINDS = ("events", "intervals")  # one table each: adding another replaces it
FROM_NAME = "from name"
POSE_CHECK_LABEL = "refuse a pose made on another video"
YLIM_MODES = (*STYLE_YLIM_MODES, "fixed")
NOT_BINARY = "not binary"  # the dtype field's value for files that say their own dtype
BINARY_DTYPES = (NOT_BINARY, "int16", "uint16", "int32", "float32", "float64")
# the form's reader fields
DOCK_READER_FIELDS = ("key", "time_column", "time_unit", "rate", "dtype", "n_channels", "gain", "channels")
ADD_AGAIN = "Change that in the form and press Add again."  # after an error that says which control to set


@dataclass(frozen=True, eq=False)
class InMemorySource:
    """A source without a file (a script's table, a signal layer read from memory): `data` as `attach` takes it."""

    kind: str
    data: object
    name: str

    def is_same_file(self, other) -> bool:
        return isinstance(other, InMemorySource) and other.kind == self.kind and other.name == self.name


Listed = SourceSpec | InMemorySource


class ChronovizWidget(ScrollingContainer):
    """Overlays for a video layer: a list of sources, the plot window, layout, style, export and sessions."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.listed: list[Listed] = []  # what is open over the chosen video, in the order it was added
        self._kept_options: dict = {}  # scene options the dock has no control for (a session's, a script's)
        self.video = ComboBox(label="video layer", choices=self._video_layer_names)
        self.take_over = PushButton(text="Read it with chronoviz (lazily, with its frame times)", visible=False)
        self.frame_times_file = FileEdit(label="frame times file", mode="r")
        self.use_frame_times = PushButton(text="Reopen the video with these frame times")
        self.camera_frames = CameraFrames(napari_viewer)  # videos on one clock: each one's frame now
        # the sources: the list, and the form that adds one or edits the selected one
        self.sources = Select(label="sources", choices=self._source_choices, allow_multiple=False)
        self.sources.native.setMaximumHeight(110)
        # a long file name is shortened in its middle, so that the kind and how it was aligned stay in sight
        self.sources.native.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.sources.native.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.remove_source = PushButton(text="Remove selected source")
        self.add_layers = PushButton(text="Add opened signal/pose/spikes layers")
        self.pose_check = CheckBox(label=POSE_CHECK_LABEL, value=True)
        self.kind = ComboBox(label="add as", choices=[(KIND_NAMES[kind], kind) for kind in ADDABLE_KINDS])
        self.file = FileEdit(label="file", mode="r")
        # spikes: a phy / Kilosort output folder (in place of the file), its units and the time of its sample 0
        self.phy_folder = FileEdit(label="phy / Kilosort folder", mode="d")
        self.good_only = CheckBox(label="good units only", value=False)
        self.unit_order = ComboBox(label="units ordered by", choices=PHY_ORDERS, value="id")
        self.spikes_start = LineEdit(label="sample 0 at (s, empty: the recording's)", value="")
        self.unit_rows = LineEdit(label="units shown (first:stop, empty: all)", value="")
        self.key = LineEdit(label="HDF5 key / NPZ member")
        # an NWB file's parts of the chosen kind, with their units and rates: choosing one fills in the key
        self.nwb_part = ComboBox(label="part of the NWB file", choices=self._nwb_part_choices, visible=False)
        # its long entries ("processing/behavior/Position/position (2 channels at 30 Hz, cm)") must not widen the dock
        self.nwb_part.native.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.nwb_part.native.setMinimumContentsLength(12)
        self.time_column = LineEdit(label="time column")
        self.time_unit = ComboBox(label="time unit", choices=(FROM_NAME, *TIME_UNITS))
        self.rate = FloatSpinBox(label="rate (Hz, 0 = none)", min=0, max=1e7, step=1, value=0.0)
        self.dtype = ComboBox(label="binary dtype", choices=BINARY_DTYPES, value=NOT_BINARY)
        self.n_channels = SpinBox(label="binary channels", min=0, max=100_000, value=0)
        self.gain = FloatSpinBox(label="gain (units/bit, 0 = 1)", min=0, max=1e9, step=0.001, value=0.0)
        self.channels = LineEdit(label="channels", value="")
        self.channels.tooltip = (
            "The channels to show, empty for all: indices from 0 in the order read (along the probe for a raw "
            "recording), ranges including both ends, names, or a probe's shanks: 0-63, 0-31, 64-95, AP12, shank 1"
        )
        self.mode = ComboBox(label="alignment", choices=MODES, value="auto")
        self.ratio = LineEdit(label="rows per frame", value="")
        self.offset = FloatSpinBox(label="offset (s)", min=-1e6, max=1e6, step=0.001, value=0.0)
        self.add = PushButton(text="Add (replaces the same file)")
        self.apply_to_selected = PushButton(text="Apply to selected source")
        # the picture
        self.left = FloatSpinBox(label="window before (s)", min=0, max=3600, step=0.1, value=2.0)
        self.right = FloatSpinBox(label="window after (s)", min=0, max=3600, step=0.1, value=2.0)
        self.plot_layout = ComboBox(label="plot layout", choices=PLOT_LAYOUTS, value="stacked")
        self.position = ComboBox(label="panel position", choices=POSITIONS, value="below")
        self.panel_size = SpinBox(label="panel size (px, 0 = auto)", min=0, max=LARGEST_SIDE, value=0)
        self.ylim = ComboBox(label="y-limits", choices=YLIM_MODES, value="channel")
        self.y_low = FloatSpinBox(label="y low", min=-1e12, max=1e12, value=0.0)
        self.y_high = FloatSpinBox(label="y high", min=-1e12, max=1e12, value=1.0)
        self.show_values = CheckBox(label="show current values", value=True)
        self.time_axis = ComboBox(label="time axis", choices=TIME_AXES, value="relative")
        self.overview = CheckBox(label="overview of the recording", value=False)
        # signals drawn in a lane of their own, by position or file name, applied when the text is entered
        self.heatmap_signals = LineEdit(label="heatmap signals", value="")
        self.dense_signals = LineEdit(label="dense signals", value="")
        self.dense_scale = FloatSpinBox(label="dense scale per row (0 = auto)", min=0, max=1e12, step=1, value=0.0)
        for control, drawn in ((self.heatmap_signals, "a heatmap"), (self.dense_signals, "a dense lane")):
            control.tooltip = f"signals drawn as {drawn}: their positions (0, 1, ...) or file names, comma-separated"
        self.timestamp = ComboBox(label="timestamp in the video", choices=TIMESTAMPS, value="none")
        self.color_by = ComboBox(label="color pose by", choices=COLOR_BY, value="keypoint")
        self.cutoff = FloatSlider(label="confidence cut-off", min=0, max=1, step=0.01, value=0.0)
        self.trail_length = SpinBox(label="trail (frames)", min=0, max=1000, value=0)
        self.display = ComboBox(label="display", choices=DISPLAYS, value="raster")
        self.calibrate = CalibrationControls(napari_viewer, self._video_layer, self._apply)
        # export and sessions
        self.remove = PushButton(text="Remove overlays")
        self.export_file = FileEdit(label="export to", mode="w", filter=" ".join(patterns(EXPORT_SUFFIXES)))
        self.overwrite = CheckBox(label="overwrite", value=False)
        self.export = PushButton(text="Export")
        self.cancel = PushButton(text="Cancel export", enabled=False)
        self._progress = None  # the running export's progress bar, which holds its cancel
        self.session_file = FileEdit(label="session file", mode="w", filter=f"*{SESSION_SUFFIX}")
        self.save_session_button = PushButton(text="Save session")
        self.open_session_button = PushButton(text="Open session")
        self.extend([self.video, self.take_over, self.camera_frames])
        self.groups = {
            "Sources": [self.sources, self.remove_source, self.add_layers, self.pose_check],
            "Add or edit a source": [
                self.kind,
                self.file,
                self.phy_folder,
                self.good_only,
                self.unit_order,
                self.spikes_start,
                self.unit_rows,
                self.nwb_part,
                self.key,
                self.time_column,
                self.time_unit,
                self.rate,
                self.dtype,
                self.n_channels,
                self.gain,
                self.channels,
                self.mode,
                self.ratio,
                self.offset,
                self.add,
                self.apply_to_selected,
            ],
            "Plot window and panel": [
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
                self.heatmap_signals,
                self.dense_signals,
                self.dense_scale,
            ],
            "Video frame times": [self.frame_times_file, self.use_frame_times],
            "Video and pose style": [self.display, self.timestamp, self.color_by, self.cutoff, self.trail_length],
            "Spatial calibration": [self.calibrate],
            "Export and session": [
                self.export_file,
                self.overwrite,
                self.export,
                self.cancel,
                self.session_file,
                self.save_session_button,
                self.open_session_button,
                self.remove,
            ],
        }
        expanded = ("Sources", "Add or edit a source", "Export and session")
        self.collapsibles = {
            title: self.add_group(title, controls, expanded=title in expanded)
            for title, controls in self.groups.items()
        }
        self.take_over.changed.connect(self.read_video_with_chronoviz)
        self.use_frame_times.changed.connect(self.reopen_with_frame_times)
        self.add.changed.connect(self.add_source)
        self.apply_to_selected.changed.connect(self.edit_selected_source)
        self.remove_source.changed.connect(self.remove_selected_source)
        self.sources.changed.connect(self._show_selected_source)
        self.add_layers.changed.connect(self.add_opened_layers)
        self.kind.changed.connect(self._show_fields_of_kind)
        self.file.changed.connect(self._show_fields_of_kind)
        self.nwb_part.changed.connect(self._key_from_nwb_part)
        self.remove.changed.connect(self._remove)
        self.export.changed.connect(self.start_export)
        self.cancel.changed.connect(self._request_cancel)
        self.save_session_button.changed.connect(self.save_session)
        self.open_session_button.changed.connect(self.open_session)
        for control in (*self.groups["Plot window and panel"], *self.groups["Video and pose style"]):
            if isinstance(control, LineEdit):  # not on each key typed: a part of a name names no signal
                control.native.editingFinished.connect(self._apply)
            else:
                control.changed.connect(self._apply)
        self.native.setMinimumWidth(320)
        self._show_fields_of_kind()
        self.viewer.layers.events.inserted.connect(self.video.reset_choices)
        self.viewer.layers.events.removed.connect(self.video.reset_choices)
        self.video.changed.connect(self.show_session)
        self.viewer.layers.events.inserted.connect(self.attach_requested_overlays)
        self.attach_requested_overlays()
        self.show_session()

    # --- choices and current state --------------------------------------------------------------------

    def _video_layer_names(self, *_) -> list[str]:
        """The video layers napari-chronoviz opened, and video files other readers opened (the dock takes them over)."""
        return [layer.name for layer in self.viewer.layers if _is_video(layer) or _video_file_of(layer) is not None]

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
        """The window, layout, style and display the controls show, and the scene options kept from the session
        shown (e.g. its scene-wide alignment), as `attach` takes them."""
        size = self.panel_size.value or None
        if size and self.position.value not in ("below", "above", "left", "right", "none"):
            size = (size, size // 2)
        ylim = (self.y_low.value, self.y_high.value) if self.ylim.value == "fixed" else self.ylim.value
        dense = _listed_signals(self.dense_signals.value)
        style = {
            "plot_layout": self.plot_layout.value,
            "ylim": ylim,
            "show_values": self.show_values.value,
            "time_axis": self.time_axis.value,
            "overview": self.overview.value,
            "heatmaps": _listed_signals(self.heatmap_signals.value, leaving_out=dense),
            "dense": dense,
            "dense_scale": self.dense_scale.value or None,
            "timestamp": self.timestamp.value,
            "color_by": self.color_by.value,
            "confidence_cutoff": self.cutoff.value,
            "trail_length": self.trail_length.value,
            **self.calibrate.style(),
        }
        pose_alignment = {**self._kept_options.get("pose_alignment", {})}
        if not self.pose_check.value:
            pose_alignment[CHECK_VIDEO] = False
        return {
            **self._kept_options,
            "pose_alignment": pose_alignment,
            "window": (self.left.value, self.right.value),
            "layout": {"position": self.position.value, "size": size},
            "style": style,
            "display": self.display.value,
            **self.calibrate.options(),
        }

    def form_spec(self) -> SourceSpec:
        """The source the form describes, with the fields its kind reads (the others are hidden).

        Raises
        ------
        ChronovizError
            When no file is chosen, it does not exist, or an option is not valid (e.g. a ratio that is no number).
        """
        kind, path = self.kind.value, self.file.value
        folder = self.phy_folder.value if str(self.phy_folder.value or "").strip(". ") else None
        if kind == "spikes" and (folder or path and is_phy_folder(path)):  # a folder in 'file' is read as one too
            return self._phy_spec(Path(folder or path))
        if path and is_phy_folder(path):
            raise ChronovizError(
                f"{path} is a phy / Kilosort output folder: choose 'spikes' in 'add as' to draw its units as a raster."
            )
        if not path or Path(path).is_dir():
            folder = " (or a phy / Kilosort folder)" if kind == "spikes" else ""
            raise ChronovizError(f"Choose a file{folder} to add as {KIND_NAMES[kind]} first (got {str(path)!r}).")
        if not Path(path).is_file():
            raise ChronovizError(
                f"{path} does not exist: check the path, or pick the file with the button beside the field."
            )
        readable = {
            "key": self.key.value.strip() or None,
            "time_column": self.time_column.value.strip() or None,
            "time_unit": None if self.time_unit.value == FROM_NAME else self.time_unit.value,
            "rate": self.rate.value or None,
            "dtype": None if self.dtype.value == NOT_BINARY else self.dtype.value,
            "n_channels": self.n_channels.value or None,
            "gain": self.gain.value or None,
            "channels": self.channels.value.strip() or None,
        }
        aligned = {}
        if kind in ("signals", "pose"):
            aligned = {
                "mode": None if self.mode.value == "auto" else self.mode.value,
                "ratio": ratio_from_text(self.ratio.value, "Rows per frame"),
                "offset": self.offset.value or None,
            }
        readable = {name: value for name, value in readable.items() if name in READER_FIELDS[kind]}  # those shown
        given = {name: value for name, value in {**readable, **aligned}.items() if value is not None}
        return SourceSpec(kind, str(path), **given)

    def _phy_spec(self, folder: Path) -> SourceSpec:
        """The phy / Kilosort `folder` with the units' options the form gives."""
        if not is_phy_folder(folder):
            raise ChronovizError(
                f"{folder} is not a phy / Kilosort output folder: it needs spike_times.npy and params.py. Choose the "
                "folder Kilosort wrote (or phy saved) in 'phy / Kilosort folder'."
            )
        start, rows = self.spikes_start.value.strip(), self.unit_rows.value.strip()
        try:
            start = float(start) if start else None
        except ValueError:
            raise ChronovizError(f"'sample 0 at (s)' must be a number of seconds or empty, not {start!r}.") from None
        try:
            rows = tuple(int(row) for row in rows.split(":")) if rows else None
        except ValueError:
            rows = ()
        if rows is not None and len(rows) != 2:
            raise ChronovizError(
                f"'units shown' is first:stop, positions in the chosen order (e.g. 0:100), or empty for all; "
                f"not {self.unit_rows.value!r}."
            )
        return SourceSpec(
            "spikes",
            str(folder),
            good_only=self.good_only.value or None,
            order=self.unit_order.value,
            start=start,
            rows=rows,
        )

    def _source_choices(self, *_) -> list[tuple[str, int]]:
        """One line per listed source: its kind, name and how it sits on the video."""
        session = self.session
        lines = session.scene.alignment_lines if session is not None else []
        clocks = [spikes.clock for spikes in session.scene.sources.spikes] if session is not None else []
        n_signals = sum(listed.kind == "signals" for listed in self.listed)
        seen = {"signals": 0, "pose": n_signals}  # the lines are the signals', then the poses'
        choices = []
        for index, listed in enumerate(self.listed):
            position = seen.get(listed.kind, 0)
            seen[listed.kind] = position + 1
            how = _how_line(listed, position, lines)
            if listed.kind == "spikes" and position < len(clocks) and clocks[position]:
                how = clocks[position]  # where a sorting's sample 0 sits: its recording's start, or given
            choices.append((f"{KIND_NAMES[listed.kind]}: {listed.name} ({how})", index))
        return choices

    def show_session(self, *_) -> None:
        """Set the controls and the list of sources from the chosen video's session (e.g. one a script or a
        session file attached)."""
        self.take_over.visible = self._video_file_to_take_over() is not None
        session = self.session
        if session is None:
            self._kept_options = {}
            self._set_listed([])
            return
        scene = session.scene
        self.listed = _listed_of(scene)
        pose_alignment = dict(scene.pose_alignment_options)
        with self.pose_check.changed.blocked():
            self.pose_check.value = pose_alignment.pop(CHECK_VIDEO, True)
        self._kept_options = {
            "alignment": scene.alignment_options,
            "pose_alignment": pose_alignment,
            "labels_clock": scene.labels_clock,
        }
        style, layout = scene.style, scene.requested_layout  # an automatic panel size stays automatic (0)
        ylim = style.ylim if isinstance(style.ylim, str) else "fixed"
        size = layout.size[0] if isinstance(layout.size, tuple) else layout.size
        values = {
            self.left: scene.window.left,
            self.right: scene.window.right,
            self.plot_layout: style.plot_layout,
            self.position: layout.position,
            self.panel_size: size or 0,
            self.ylim: ylim,
            self.show_values: style.show_values,
            self.time_axis: style.time_axis,
            self.overview: style.overview,
            self.heatmap_signals: ", ".join(map(str, style.heatmaps)),
            self.dense_signals: ", ".join(map(str, style.dense)),
            self.dense_scale: style.dense_scale or 0.0,
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
        self._set_listed(self.listed)

    def _set_listed(self, listed: list[Listed], selected: Listed | None = None) -> None:
        """Show `listed`, with `selected` (e.g. the source just added or edited) selected."""
        self.listed = listed
        with self.sources.changed.blocked():
            self.sources.reset_choices()
            if selected is not None:
                self.sources.value = listed.index(selected)
        for row in range(self.sources.native.count()):  # the whole line, where the list shortens it
            item = self.sources.native.item(row)
            item.setToolTip(item.text())

    def attach_requested_overlays(self, *_) -> None:
        """Attach the overlays that video layers ask for in `metadata["chronoviz"]["overlays"]` (the samples
        and session files do), once each, and choose the video they were attached to. A kind of source that
        cannot be attached (a pose made on another video, say) is left out and the rest attached; what was left
        out, and why, is an error notification."""
        for layer in list(self.viewer.layers):
            requested = layer.metadata.get(METADATA_KEY, {}).pop(OVERLAYS_KEY, None)
            if requested:
                videos = requested.pop("cameras", layer)  # a session's cameras
                try:
                    with warnings.catch_warnings(record=True) as doubts:
                        warnings.simplefilter("always", UserWarning)
                        attach(self.viewer, videos, **requested)
                except (ChronovizError, ValueError, OSError) as error:
                    if not self._attach_without_one_kind(videos, requested, layer.name, error):
                        show_error(f"The overlays of {layer.name!r} could not be attached: {in_words(error, 'dock')}")
                        continue
                for doubt in user_doubts(doubts):  # a unit that looks wrong, a pose that stops early
                    show_warning(f"{layer.name}: {in_words(doubt.message, 'dock')}")
                self.video.value = layer.name
                self.show_session()  # also when that video was chosen already

    def _attach_without_one_kind(self, videos, requested: dict, name: str, error: Exception) -> bool:
        """Attach `requested` without the one kind of source whose absence lets the rest attach (poses first:
        the provenance check refuses them); say which was left out and why. Returns whether it attached."""
        for kind in ("pose", "spikes", "events", "intervals", "signals"):
            if not requested.get(kind):
                continue
            try:
                attach(self.viewer, videos, **{**requested, kind: None})
            except (ChronovizError, ValueError, OSError):
                continue
            show_error(f"The {KIND_NAMES[kind]} of {name!r} was left out, the rest is shown: {in_words(error, 'dock')}")
            return True
        return False

    # --- actions on the list of sources ---------------------------------------------------------------------

    def add_source(self, *_) -> bool:
        """Add the source the form describes, replacing the same file of the same kind (and, for events and
        intervals, the previous table). Checked first: a source that cannot be read or aligned is not kept.
        Returns whether it was added."""
        try:
            spec = self.form_spec()
        except ChronovizError as error:
            show_error(in_words(error, "dock"))
            return False
        replaced = [
            listed
            for listed in self.listed
            if listed.is_same_file(spec) or (spec.kind in SINGLE_KINDS and listed.kind == spec.kind)
        ]
        kept = [listed for listed in self.listed if listed not in replaced]
        position = self.listed.index(replaced[0]) if replaced else len(kept)
        return self._join(spec, kept[:position] + [spec] + kept[position:])

    def edit_selected_source(self, *_) -> bool:
        """Replace the selected source with the form's file and options (checked first). Returns whether it was
        replaced."""
        index = self._selected()
        if index is None:
            show_error("Select a source in the list first: Apply changes the selected source to the form's options.")
            return False
        try:
            spec = self.form_spec()
        except ChronovizError as error:
            show_error(in_words(error, "dock"))
            return False
        others = [listed for position, listed in enumerate(self.listed) if position != index]
        others = [listed for listed in others if not listed.is_same_file(spec)]
        return self._join(spec, others[:index] + [spec] + others[index:])

    def remove_selected_source(self, *_) -> None:
        """Remove the selected source; the others stay as they are."""
        index = self._selected()
        if index is None:
            show_error("Select a source in the list first: Remove takes the selected source away.")
            return
        remaining = self.listed[:index] + self.listed[index + 1 :]
        if not remaining:
            self._remove()
            return
        self._attach_listed(remaining)

    def add_opened_layers(self, *_) -> None:
        """Signal and pose layers opened in the viewer (drag and drop) become sources of the chosen video, each
        checked first; a layer added before is replaced, not drawn twice."""
        opened = [
            (layer, OPENED_KINDS[layer.metadata[METADATA_KEY]["kind"]])
            for layer in self.viewer.layers
            if layer.metadata.get(METADATA_KEY, {}).get("kind") in OPENED_KINDS
        ]
        if not opened:
            show_error(
                "No signal, pose or spikes layers are open: drop signal or pose files, or a phy / Kilosort folder, on "
                "the viewer first."
            )
            return
        video_layer = self._attachable_layer()
        if video_layer is None:
            return
        listed = list(self.listed)
        for layer, kind in opened:
            candidate = self._layer_source(layer, kind)
            if candidate is None or isinstance(candidate, SourceSpec) and not self._checked(candidate, video_layer):
                continue
            listed = [item for item in listed if not item.is_same_file(candidate)] + [candidate]
        self._attach_listed(listed)

    def _layer_source(self, layer, kind: str) -> Listed | None:
        """A signal or pose layer's source: its file, or (a signal read from memory) its table by the layer's
        name; None after an error notification when its table holds no signal."""
        info = layer.metadata[METADATA_KEY]
        path = info.get("path")
        if path and Path(path).exists():
            return SourceSpec(kind, path)
        name = f"{KIND_NAMES[kind]} layer {layer.name!r}"
        if "n_samples" in info:  # a recording kept on disk: the layer holds none of its samples
            show_error(f"{name} was not added: its file {path} is gone. Open the recording again (File > Open).")
            return None
        if kind != "signals":
            show_error(f"{name} has no file to read it from; open its pose file to add it.")
            return None
        try:
            return InMemorySource(kind, signal_from_table(layer.features, name), name)
        except ChronovizError as error:
            show_error(f"{name} was not added: {in_words(error, 'dock')}")
            return None

    def read_video_with_chronoviz(self, *_) -> list | None:
        """Reopen the chosen video layer, opened by another reader, with napari-chronoviz (read lazily, with its
        frame times) in its place; returns the new layers."""
        layer, path = self._video_layer(), self._video_file_to_take_over()
        if path is None:
            show_error("The chosen layer is not a video file another reader opened; nothing to reopen.")
            return None
        try:
            opened = self.viewer.open(path, plugin="napari-chronoviz")
        except (ChronovizError, OSError, ValueError) as error:
            show_error(in_words(error, "dock"))
            return None
        self.viewer.layers.remove(layer)
        self.video.value = opened[0].name
        return opened

    def reopen_with_frame_times(self, *_) -> list | None:
        """Time the chosen video by the frame-time file (a camera's timestamps, an ataraxis archive, a clock map) in
        place of its container's times (`use_frame_times`); its sources follow. Returns the layer in a list, or
        None after an error notification."""
        layer, times = self._video_layer(), self.frame_times_file.value
        path = None if layer is None else layer.metadata.get(METADATA_KEY, {}).get("path") or _video_file_of(layer)
        if path is None:
            show_error("Choose the video layer to give frame times to first.")
            return None
        if not times or not Path(times).is_file():
            show_error("Choose the frame times file (e.g. timestamps.npy, a camera log) in 'frame times file' first.")
            return None
        if not _is_video(layer):  # opened by another reader: read it with chronoviz first
            opened = self.read_video_with_chronoviz()
            if opened is None:
                return None
            layer = opened[0]
        try:
            use_frame_times(self.viewer, layer, times)
        except (ChronovizError, OSError) as error:
            show_error(f"{Path(times).name} was not used: {in_words(error, 'dock')}")
            return None
        frame_times = layer.metadata["frame_times"]
        span = frame_times[-1] - frame_times[0]
        show_info(f"{layer.name}: {len(frame_times)} frames over {span:.3f} s, timed by {Path(times).name}")
        return [layer]

    def _video_file_to_take_over(self) -> str | None:
        layer = self._video_layer()
        return None if layer is None or _is_video(layer) else _video_file_of(layer)

    def _selected(self) -> int | None:
        selected = self.sources.value
        return selected[0] if selected else None

    def _show_fields_of_kind(self, *_) -> None:
        """Only the form's fields that the chosen kind reads: a pose has no time column, events no alignment."""
        kind = self.kind.value
        for name in DOCK_READER_FIELDS:
            getattr(self, name).visible = name in READER_FIELDS[kind]
        for control in (self.mode, self.ratio, self.offset):
            control.visible = kind in ("signals", "pose")
        self.file.filter = file_filter(kind)
        for control in (self.phy_folder, self.good_only, self.unit_order, self.spikes_start, self.unit_rows):
            control.visible = kind == "spikes"
        self.nwb_part.reset_choices()
        self.nwb_part.visible = bool(self.nwb_part.choices)

    def _nwb_part_choices(self, *_) -> list[tuple[str, str]]:
        """The parts of the chosen NWB file that can be added as the chosen kind: "acquisition/lick (1 channel at
        1000 Hz, V)"; none for other files (or an NWB file pynwb cannot read: adding it says why)."""
        path = self.file.value
        if not path or not is_nwb(path) or not Path(path).is_file() or "key" not in READER_FIELDS[self.kind.value]:
            return []
        try:
            parts = nwb_parts(path)
        except ChronovizError:
            return []
        return [(f"{part.key} ({part.summary})", part.key) for part in parts if part.kind == self.kind.value]

    def _key_from_nwb_part(self, *_) -> None:
        if self.nwb_part.value is not None:
            self.key.value = self.nwb_part.value

    def _show_selected_source(self, *_) -> None:
        """The selected source's kind, file and options in the form, to edit them."""
        index = self._selected()
        if index is None or not isinstance(self.listed[index], SourceSpec):
            return
        spec = self.listed[index]
        folder = spec.kind == "spikes" and Path(spec.path).is_dir()
        self.kind.value, self.file.value = spec.kind, "" if folder else spec.path
        self.phy_folder.value = spec.path if folder else ""
        self.good_only.value, self.unit_order.value = bool(spec.good_only), spec.order or "id"
        self.spikes_start.value = "" if spec.start is None else f"{spec.start:g}"
        self.unit_rows.value = "" if spec.rows is None else "{}:{}".format(*spec.rows)
        self.key.value, self.time_column.value = spec.key or "", spec.time_column or ""
        self.time_unit.value = spec.time_unit or FROM_NAME
        self.rate.value = spec.rate or 0.0
        self.dtype.value, self.n_channels.value = spec.dtype or NOT_BINARY, spec.n_channels or 0
        self.gain.value = spec.gain or 0.0
        given = spec.channels or ""
        self.channels.value = given if isinstance(given, str) else ", ".join(map(str, given))
        self.mode.value = spec.mode or "auto"
        self.ratio.value = "" if spec.ratio is None else str(spec.ratio)
        self.offset.value = spec.offset or 0.0

    def _join(self, spec: SourceSpec, listed: list[Listed]) -> bool:
        """Check `spec` on the chosen video, then show `listed` (which holds it); nothing changes on failure."""
        layer = self._attachable_layer()
        if layer is None or not self._checked(spec, layer):
            return False
        failure = f"{spec.name} was not added as {KIND_NAMES[spec.kind]}: "
        return self._attach_listed(listed, failure=failure, selected=spec)

    def _wide_signal_as_heatmap(self, spec: SourceSpec) -> None:
        """A signal of more channels than lines can show apart (a probe's hundreds) is listed in 'heatmap signals'
        unless the user listed it in either lane control: as lines, 384 channels share one panel unreadably."""
        signal = spec.read()
        name = listed_name(signal.source)
        chosen = {
            str(item)
            for control in (self.heatmap_signals, self.dense_signals)
            for item in _listed_signals(control.value)
        }
        if signal.n_channels <= SERIES_CHANNELS_SHOWN or chosen & {name, Path(name).stem}:
            return
        with self.heatmap_signals.changed.blocked():
            self.heatmap_signals.value = ", ".join(filter(None, (self.heatmap_signals.value.strip(), name)))
        show_info(
            f"{name}: its {signal.n_channels} channels are drawn as one heatmap lane ('heatmap signals'); to see "
            "them as traces, type its name in 'dense signals' (it then leaves the heatmaps)."
        )

    def _checked(self, spec: SourceSpec, layer) -> bool:
        """Whether `spec` reads and aligns on `layer`'s video; its error (not added) or doubts (added, maybe not
        as meant: a unit mistake, a pose that stops early) and how it was aligned become notifications."""
        keyword = "pose_alignment" if spec.kind == "pose" else "alignment"
        try:
            with warnings.catch_warnings(record=True) as doubts:
                warnings.simplefilter("always")
                alignment = spec.check(video_of_layer(layer), self.options().get(keyword))
            _summarise_on_disk(spec)
        except (ChronovizError, OSError) as error:
            # each error gives the fix of its own cause; one about the alignment is set in the form
            again = f" {ADD_AGAIN}" if isinstance(error, AlignmentError) else ""
            show_error(f"{spec.name} was not added as {KIND_NAMES[spec.kind]}: {in_words(error, 'dock')}{again}")
            return False
        for doubt in doubts:
            show_warning(f"{spec.name}: {in_words(doubt.message, 'dock')}")
        if alignment is not None:
            show_info(f"{spec.name}: {alignment.message}")
        if spec.kind == "signals":
            self._wide_signal_as_heatmap(spec)
        elif spec.kind == "spikes":
            spikes = spec.read()
            show_info(f"{spec.name}: {spikes.n_units} units" + (f", {spikes.clock}" if spikes.clock else ""))
        return True

    def _attach_listed(self, listed: list[Listed], failure: str = "", selected: Listed | None = None) -> bool:
        """Attach `listed` to the chosen video with the dock's options; on failure the previous overlays stay.
        The sources' alignment warnings were shown when each was checked, so they are not repeated."""
        layer = self._attachable_layer()
        if layer is None:
            return False
        by_kind = {kind: [_given(item) for item in listed if item.kind == kind] for kind in SOURCE_KINDS}
        sources = {
            kind: (given[-1] if given else None) if kind in SINGLE_KINDS else (given or None)
            for kind, given in by_kind.items()
        }
        session = self.session
        if isinstance(session, CamerasSession) and sources.pop("pose"):
            show_error(
                f"{failure}several cameras each draw their own pose, given when they were put on one clock "
                "(a session file or attach in a script); the dock adds signals, events and intervals to them."
            )
            return False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                if session is None:
                    attach(self.viewer, layer, **sources, **self.options())
                else:  # only the sources that changed are read and aligned
                    session.update(**sources, **self.options())
        except (ChronovizError, ValueError, OSError) as error:
            show_error(f"{failure}{in_words(error, 'dock')}")
            return False
        self._set_listed(listed, selected)
        return True

    def _attachable_layer(self):
        """The chosen video layer if overlays can attach to it; else None after an error saying what to do."""
        layer = self._video_layer()
        if layer is None:
            show_error("Open a video first (File > Open, or drop it on the viewer): the sources attach to a video.")
            return None
        path = self._video_file_to_take_over()
        if path is not None:
            show_error(
                f"{layer.name!r} was opened by another reader, which reads every frame into memory and keeps no "
                f"frame times. Press 'Read it with chronoviz' at the top of the dock to reopen {Path(path).name} "
                "lazily with its frame times, then add sources."
            )
            return None
        return layer

    # --- the picture, export and sessions ----------------------------------------------------------------------

    def _apply(self, *_) -> None:
        """Apply the controls' window, layout and style to the attached overlays (the sources stay aligned); with
        none attached yet, attach the listed sources (e.g. none, for the scale bar of a calibration)."""
        session = self.session
        if session is None:
            if self._video_layer() is not None:
                self._attach_listed(self.listed)
            return
        try:
            session.update(**self.options())
        except (ChronovizError, ValueError, OSError) as error:
            show_error(in_words(error, "dock"))
            return
        self.sources.reset_choices()

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
        path = Path(path)
        if path.exists() and not self.overwrite.value:
            show_error(f"{path} exists: tick 'overwrite' to replace it, or choose another name in 'export to'.")
            return None
        if not path.parent.is_dir():
            show_error(f"The folder {path.parent} does not exist: choose a file in an existing folder in 'export to'.")
            return None
        videos = _video_infos(session)
        self._progress = bar = cancelable_progress(total=session.scene.n_frames, desc="chronoviz export")
        self.cancel.enabled = True
        # handling "errored" here keeps napari from re-raising the error in a Qt slot, which aborts the process
        # when no excepthook catches it (a Qt loop without napari.run); the worker starts once connected
        return create_worker(
            _export,
            videos,
            session.scene,
            path,
            self.overwrite.value,
            progress_callback(bar),
            _connect={
                "returned": lambda written: show_info(
                    f"Exported {written}" if written else "Export cancelled; nothing was written."
                ),
                "errored": lambda error: show_error(in_words(error, "dock")),
                "finished": [bar.close, lambda: setattr(self.cancel, "enabled", False)],
            },
        )

    def save_session(self, *_) -> Path | None:
        """Save the chosen video (or cameras) with every listed source and the settings to the session file, and
        the ethogram of its labels when it is being labeled (the Label behaviors dock).

        Returns the written path, or None after an error notification saying what to fix in the dock.
        """
        session, path = self.session, self.session_file.value
        if session is None:
            show_error("Add signals or pose to the video first: a session saves the video with its overlays.")
            return None
        if not path or Path(path).is_dir():
            show_error(f"Choose the session file to write (e.g. experiment{SESSION_SUFFIX}) first.")
            return None
        if not Path(path).parent.is_dir():
            show_error(f"The folder {Path(path).parent} does not exist: choose a session file in an existing folder.")
            return None
        labeler = Labeler.of(session.video_layer)  # the labels' ethogram travels with them: the keys come back
        try:
            written = save_session(
                path,
                [VideoEntry.of(info) for info in _video_infos(session)],
                session.scene,
                ethogram=labeler.labeling.ethogram if labeler is not None else None,
            )
        except (ChronovizError, OSError) as error:
            show_error(in_words(error, "dock"))
            return None
        labels = " and the labels' ethogram" if labeler is not None else ""
        show_info(f"Saved the session (the video, {len(self.listed)} source(s){labels}) to {written}")
        return written

    def open_session(self, *_) -> list | None:
        """Open the session file's videos in the viewer; the dock attaches their overlays (see
        `attach_requested_overlays`). Returns the new layers, or None after an error notification."""
        path = self.session_file.value
        if not path or not Path(path).is_file() or not (Path(path).suffix == SESSION_SUFFIX or is_nwb(path)):
            show_error(f"Choose an existing session file ({SESSION_SUFFIX}, or an NWB session .nwb) to open.")
            return None
        try:
            return self.viewer.open(path, plugin="napari-chronoviz")
        except (ChronovizError, OSError, ValueError) as error:
            show_error(in_words(error, "dock"))
            return None

    def _request_cancel(self) -> None:
        self._progress.cancel()

    def _remove(self) -> None:
        if self.session is not None:
            self.session.detach()
        self._set_listed([])


def file_filter(kind: str) -> str:
    """The file dialog's filter for a source of `kind`: the files its reader opens, then any file (the readers tell
    headerless binary, NWB parts and other files by their contents and options)."""
    # events, and spikes: a spike table is read as an events table is (a time and a unit per row)
    registered = {"signals": "timeseries", "pose": "pose", "intervals": "intervals"}.get(kind, "events")
    extra = {"signals": (".nwb", *RAW_BINARY_SUFFIXES), "intervals": (".nwb",), "spikes": (".nwb", ".npy")}
    extra = extra.get(kind, ())
    kinds = FILE_KINDS[registered]
    shown = patterns((*kinds.suffixes, *kinds.file_names, *extra))
    return f"{KIND_NAMES[kind]} files ({' '.join(shown)});;all files (*)"


def _is_video(layer) -> bool:
    return layer.metadata.get(METADATA_KEY, {}).get("kind") == "video"


def _video_file_of(layer) -> str | None:
    """The video file an image layer was opened from by another reader (napari's `layer.source.path`), if any."""
    path = getattr(layer.source, "path", None)
    return path if path and Path(path).suffix.lower() in VIDEO_SUFFIXES and Path(path).is_file() else None


def _given(listed: Listed):
    """What `attach` takes for a listed source: its spec, or its data when it has no file."""
    return listed.data if isinstance(listed, InMemorySource) else listed


def _how_line(listed: Listed, position: int, lines: list[str]) -> str:
    """How a listed source sits on the video, from the scene's `alignment_lines` (signals, then poses)."""
    if listed.kind in ("signals", "pose") and position < len(lines):
        return lines[position].split(": ", 1)[1]
    return "on the labels' clock" if listed.kind in SINGLE_KINDS else "placed by time"


def _listed_of(scene) -> list[Listed]:
    """The sources of an attached scene, as the dock lists them: files as specs, the rest in memory."""
    paths = scene.sources.paths
    loaded = {
        "signals": list(scene.sources.signals),
        "pose": list(scene.sources.poses),
        "events": [scene.sources.events] if scene.sources.events is not None else [],
        "intervals": [scene.sources.intervals] if scene.sources.intervals is not None else [],
        "spikes": list(scene.sources.spikes),
    }
    listed: list[Listed] = []
    for kind in SOURCE_KINDS:
        given = paths.get(kind)
        given = given if isinstance(given, list) else [given] * len(loaded[kind])
        for data, path in zip(loaded[kind], given):
            spec = spec_of(path, kind) if path is not None else None
            name = Path(str(getattr(data, "source", ""))).name or KIND_NAMES[kind]
            listed.append(spec or InMemorySource(kind, data, name))
    return listed


def _video_infos(session) -> list[dict]:
    """The chronoviz metadata (file, frame-time file, orientation) of each video a session draws over: its one
    video, or each camera's in tile order."""
    return [layer.metadata[METADATA_KEY] for layer in getattr(session, "video_layers", [session.video_layer])]


def _export(videos: list[dict], scene, output: Path, overwrite: bool, report) -> Path | None:
    """Write the export of the videos (`_video_infos`) in the worker thread, each opened as its layer shows it;
    the written path, or None when `report` cancelled it."""
    opened = [VideoEntry.of(info).open() for info in videos]
    try:
        return export_video(
            opened if len(opened) > 1 else opened[0], scene, output, overwrite=overwrite, progress=report
        )
    except ExportCancelled:  # the user's choice, not an error: export_scene removed the partial file
        return None
    finally:
        for video in opened:
            video.close()


def _summarise_on_disk(spec: SourceSpec) -> None:
    """Build (or find in the cache) the pyramid of a signal that stays on disk, with a napari progress bar that
    can cancel it, before the panel needs it."""
    from napari.utils import cancelable_progress

    signal = spec.read()
    if spec.kind != "signals" or not signal.on_disk:
        return
    with cancelable_progress(total=len(signal.values), desc=f"chronoviz: summarising {spec.name}") as bar:
        pyramid_of(signal.values, progress=progress_callback(bar))


def _listed_signals(text: str, leaving_out: list = ()) -> list:
    """The signals a comma-separated text lists: positions as numbers, file names as text; without those also in
    `leaving_out` (a wide signal the dock made a heatmap, then listed as dense by the user, is drawn dense)."""
    others = {str(item) for item in leaving_out}
    listed = [value_from_text(item.strip()) for item in text.split(",") if item.strip()]
    return [item for item in listed if not {str(item), Path(str(item)).stem} & others]
