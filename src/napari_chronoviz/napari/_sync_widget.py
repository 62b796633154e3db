"""The "Sync to rig" dock: put a video on its rig's clock from the sync LED it films and the rig's pulses.

Draw a rectangle or polygon over the LED in a Shapes layer, read the LED (its brightness in every frame, with a
progress bar), choose the rig's pulses file, match and fit: the dock shows the LED lane with its edges over the
rig's pulses, the residuals, the fit's numbers and the lost or repeated frames (click one to go to it). *Save
and use the clock map* writes the map (JSON) and times the video layer by it: its overlays are aligned again,
so every source on the rig's clock lines up, its labels follow, and a saved session keeps the map.

Errors become napari notifications that say what to change in this dock.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit, Label, LineEdit, PushButton
from napari.layers import Shapes
from napari.utils import progress
from napari.utils.notifications import show_error, show_info
from qtpy.QtCore import QPoint, QTimer
from qtpy.QtGui import QImage, QPixmap
from qtpy.QtWidgets import QFileDialog, QLabel, QListWidget

from ..errors import ChronovizError, ScanCancelled, in_words
from ..io.tables import value_from_text
from ..io.video_factory import open_video
from ..sync import BRIGHTNESS, EDGE_KINDS, BitCodes, Region, SyncResult, read_pulses, region_signals, sync_video
from ._dock import ScrollingContainer, collapsible_group, wrapping
from ._layers import RESIZE_SETTLING_MS
from ._metadata import METADATA_KEY
from ._progress import progress_callback
from ._retime import use_frame_times
from ._sync_plot import sync_picture

REGION_LAYER = "sync LED"
OPTIONS_TITLE = "pulse and edge options"
PLOT_WIDTH = 280  # fits the dock's narrowest width (320) with its scroll bar and margins
# the offset nudge: frames per press of each button and of its key on the viewer
NUDGES = (
    ("Alt-Shift-Left", "-1 frame", -1.0),
    ("Alt-Left", "-0.1", -0.1),
    ("Alt-Right", "+0.1", 0.1),
    ("Alt-Shift-Right", "+1 frame", 1.0),
)


class SyncWidget(ScrollingContainer):
    """Sync a video layer to its rig from a sync LED region and the rig's pulses."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.video = ComboBox(label="video layer", choices=self._video_layer_names)
        self.region_layer = ComboBox(label="LED region", choices=self._shapes_layer_names)
        self.draw_region = PushButton(text="Draw the LED region")
        self.channel = ComboBox(label="LED colour", choices=(BRIGHTNESS, "red", "green", "blue"), value=BRIGHTNESS)
        self.read_led = PushButton(text="Read the LED in every frame")
        self.pulses = FileEdit(
            label="rig pulses",
            mode="r",
            tooltip="CSV/NPY of edge times, a sampled sync line, an Open Ephys TTL events folder, or a SpikeGLX .meta "
            "(an imec probe's sync word, a NI-DAQ's digital line)",
        )
        # 'rig pulses' picks files; an Open Ephys recording's TTL events are a folder
        self.pulses_folder = PushButton(text="Select a TTL events folder…")
        self.pulses_rate = LineEdit(label="line rate (Hz)", tooltip="Samples per second of a sampled sync line")
        self.line_channel = LineEdit(
            label="line channel",
            tooltip="The channel of an analog recording (an NI-DAQ's inputs) that carries the sync line: its name "
            "or position; empty for a file of pulse times",
        )
        self.line = LineEdit(
            label="line / bit",
            tooltip="Open Ephys: the TTL line (empty: the first); SpikeGLX: the imec sync word's bit (empty: 6) or the "
            "NI-DAQ's digital line (empty: the one its header names)",
        )
        self.edge = ComboBox(label="edges", choices=EDGE_KINDS, value="rising")
        self.threshold = LineEdit(label="threshold", tooltip="The LED's level between off and on; empty: Otsu's")
        self.barcodes = LineEdit(
            label="barcodes",
            tooltip="When the rig sends barcodes: bits,bit_ms,interval_s (e.g. 16,100,5); empty: none",
        )
        self.fit = PushButton(text="Match pulses and fit")
        self.report = wrapping(Label(value=""))
        self.nudge_title = wrapping(Label(value="Nudge the offset (Alt+Left/Right: 0.1 frame; with Shift: 1 frame):"))
        self.nudge_buttons = Container(
            layout="horizontal", widgets=[PushButton(text=text) for _, text, _ in NUDGES], labels=False
        )
        self.plot = QLabel()
        self.drops_title = wrapping(Label(value="Lost or repeated frames (click one to go to it):"))
        self.drop_list = QListWidget()
        self.drop_list.setMaximumHeight(90)
        self.clock_file = FileEdit(label="clock map", mode="w", filter="*.json")
        self.overwrite = CheckBox(label="overwrite", value=False)
        self.apply = PushButton(text="Save and use the clock map")
        # what most recordings leave at their defaults, folded away so that the fit shows at napari's default window
        self.option_controls = [
            self.pulses_rate,
            self.line_channel,
            self.line,
            self.edge,
            self.threshold,
            self.barcodes,
        ]
        self.extend(
            [
                self.video,
                self.region_layer,
                self.draw_region,
                self.channel,
                self.read_led,
                self.pulses,
                self.pulses_folder,
                self.fit,
                self.clock_file,
                self.overwrite,
                self.apply,
            ]
        )
        self.options_group = collapsible_group(OPTIONS_TITLE, self.option_controls, expanded=False)
        layout = self._widget._layout
        layout.insertWidget(self.index(self.fit), self.options_group)
        # the fit's results span the dock's width, below its button
        results = [self.report, self.plot, self.nudge_title, self.nudge_buttons, self.drops_title, self.drop_list]
        for offset, shown in enumerate(results, start=self.index(self.fit) + 2):
            layout.insertWidget(offset, getattr(shown, "native", shown))
        for control in [*self, self.report, self.nudge_title, self.nudge_buttons, self.drops_title]:
            control.native.setMinimumWidth(0)
        self.plot.setMinimumWidth(0)
        self.drop_list.setMinimumWidth(0)
        self.native.setMinimumWidth(320)
        self.signal = None  # the region's signal, read once per video and region
        self._signal_of = None  # (video path, region vertices) it was read from
        self.fitted: SyncResult | None = None  # what matching and fitting found
        self.result: SyncResult | None = None  # that, with the offset nudged by hand (saved with the map)
        self.nudge_frames = 0.0
        self._frame_times = None  # the video's own, for the picture
        for button, (key, _, frames) in zip(self.nudge_buttons, NUDGES):
            button.changed.connect(lambda *_, frames=frames: self.nudge(frames))
            self.viewer.bind_key(key, lambda _viewer, frames=frames: self.nudge(frames), overwrite=True)
        self.draw_region.changed.connect(self.add_region_layer)
        self.read_led.changed.connect(self.read_region)
        self.fit.changed.connect(self.match_and_fit)
        self.pulses_folder.changed.connect(self._choose_pulses_folder)
        self.apply.changed.connect(self.save_and_use)
        self.drop_list.currentRowChanged.connect(self._go_to_drop)
        # the dock narrows napari's view: fit it again once the dock has its width, so the LED is in sight to outline
        self._fit_when_docked = QTimer(self.native, singleShot=True, interval=RESIZE_SETTLING_MS)
        self._fit_when_docked.timeout.connect(self.viewer.reset_view)
        self._fit_when_docked.start()
        self._scroll_to_fit_pending = False
        bar = self.native.verticalScrollBar()
        bar.rangeChanged.connect(self._scroll_to_fit)
        bar.actionTriggered.connect(self._user_scrolled)
        for event in (self.viewer.layers.events.inserted, self.viewer.layers.events.removed):
            event.connect(self.video.reset_choices)
            event.connect(self.region_layer.reset_choices)

    # --- choices ------------------------------------------------------------------------------------------------

    def _video_layer_names(self, *_) -> list[str]:
        return [
            layer.name for layer in self.viewer.layers if layer.metadata.get(METADATA_KEY, {}).get("kind") == "video"
        ]

    def _shapes_layer_names(self, *_) -> list[str]:
        return [layer.name for layer in self.viewer.layers if isinstance(layer, Shapes)]

    def _video_path(self) -> str | None:
        if not self.video.value:
            show_error("Open a video with napari-chronoviz first (File > Open): the LED is read from its frames.")
            return None
        return self.viewer.layers[self.video.value].metadata[METADATA_KEY]["path"]

    def region(self) -> Region | None:
        """The LED region: the selected shape of the chosen Shapes layer, else its last; None after an error."""
        if not self.region_layer.value:
            show_error("Draw the LED region first: press 'Draw the LED region', then drag a rectangle over the LED.")
            return None
        layer = self.viewer.layers[self.region_layer.value]
        if not len(layer.data):
            show_error(f"The Shapes layer {layer.name!r} holds no shape: drag a rectangle over the LED in it.")
            return None
        chosen = sorted(layer.selected_data)[-1] if layer.selected_data else len(layer.data) - 1
        try:
            return Region.from_napari(layer.data[chosen])
        except ChronovizError as error:
            show_error(f"{in_words(error, 'dock')} Draw a rectangle or polygon in {layer.name!r}.")
            return None

    # --- actions ------------------------------------------------------------------------------------------------

    def add_region_layer(self, *_):
        """Add a Shapes layer for the LED region, in rectangle mode; returns it."""
        layer = self.viewer.add_shapes(
            name=REGION_LAYER, edge_color="yellow", face_color="transparent", edge_width=2, ndim=2
        )
        layer.mode = "add_rectangle"
        self.region_layer.value = layer.name
        return layer

    def read_region(self, *_) -> bool:
        """Read the region's colour and motion in every frame of the video's file (on its own clock), with a
        progress bar. Returns whether it was read."""
        path, region = self._video_path(), self.region()
        if path is None or region is None:
            return False
        try:
            with open_video(path) as video, progress(total=video.n_frames, desc="reading the LED") as bar:
                self.signal = region_signals(video, region, progress=progress_callback(bar))
        except ScanCancelled:
            return False
        except (ChronovizError, OSError) as error:
            self._show_error(error)
            return False
        self._signal_of = (path, region.vertices.tobytes())
        show_info(f"Read the LED in {len(self.signal.values)} frames: now choose the rig's pulses and fit.")
        return True

    def _choose_pulses_folder(self, *_) -> None:
        folder = QFileDialog.getExistingDirectory(self.native, "An Open Ephys TTL events folder (events/.../TTL)")
        if folder:
            self.pulses.value = folder

    def match_and_fit(self, *_) -> SyncResult | None:
        """Find the LED's edges, match them to the rig's pulses and fit the clock map; show it. Returns the result,
        or None after an error notification."""
        path, region = self._video_path(), self.region()
        if path is None or region is None:
            return None
        if self.signal is None or self._signal_of != (path, region.vertices.tobytes()):
            if not self.read_region():
                return None
        pulses_path = self.pulses.value
        if not pulses_path or str(pulses_path) == "." or not Path(pulses_path).exists():  # "." is an empty field
            show_error("Choose the rig's pulses in 'rig pulses' (a CSV or NPY of edge times, or a sync line).")
            return None
        try:
            rate, threshold = _number(self.pulses_rate.value, "line rate"), _number(self.threshold.value, "threshold")
            line = _number(self.line.value, "line / bit")
            if line is not None and line != int(line):
                raise ChronovizError(f"The line / bit is a whole number, not {self.line.value!r}.")
            pulses = read_pulses(
                pulses_path,
                rate=rate,
                line=None if line is None else int(line),
                channel=self.line_channel.value.strip() or None,
            )
            barcodes = BitCodes.from_text(self.barcodes.value) if self.barcodes.value.strip() else None
            with open_video(path) as video:
                self.result = sync_video(
                    video,
                    region,
                    pulses,
                    edge=self.edge.value,
                    threshold=threshold,
                    channel=self.channel.value,
                    signal=self.signal,
                    barcodes=barcodes,
                )
                frame_times = video.frame_times
        except (ChronovizError, OSError) as error:
            self._show_error(error)
            return None
        self.fitted, self.nudge_frames, self._frame_times = self.result, 0.0, frame_times
        self._show(self.result, frame_times)
        return self.result

    def nudge(self, frames: float) -> SyncResult | None:
        """Move the fitted offset by `frames` frame steps more (the buttons and Alt+Left/Right); the report and the
        picture show the residuals as they then are, and *Save and use* writes the nudged map. Returns the nudged
        result, or None (no fit yet: an error notification)."""
        if self.fitted is None:
            show_error("Match the pulses and fit first ('Match pulses and fit'): the nudge moves the fitted offset.")
            return None
        self.nudge_frames = round(self.nudge_frames + frames, 6)
        self.result = self.fitted.nudged(self.nudge_frames * self.fitted.fit.frame_step)
        self._show(self.result, self._frame_times)
        return self.result

    def save_and_use(self, *_):
        """Write the clock map and time the video layer by it (`use_frame_times`): its frame times become rig
        times, its overlays are aligned again on them and its labels follow. Returns the layer, or None after an
        error notification."""
        if self.result is None:
            show_error("Match the pulses and fit first ('Match pulses and fit').")
            return None
        target = self.clock_file.value
        if not target or Path(target).is_dir() or str(target) == ".":
            show_error("Choose the clock map file to write (e.g. clock.json) in 'clock map' first.")
            return None
        target = Path(target).with_suffix(".json")
        layer = self.viewer.layers[self.video.value]
        try:
            written = self.result.clock.write(target, overwrite=self.overwrite.value)
            use_frame_times(self.viewer, layer, written)
        except FileExistsError:
            show_error(f"{target} exists: tick 'overwrite' to replace it, or choose another name in 'clock map'.")
            return None
        except (ChronovizError, OSError) as error:
            self._show_error(error)
            return None
        show_info(
            f"{layer.name} now runs on the rig's clock ({written.name}); its overlays follow. Save the session in the "
            "Overlays dock to keep the map."
        )
        return layer

    def _show_error(self, error: Exception) -> None:
        """`error` as a notification in the dock's words; the folded options open when it names one of them."""
        message = in_words(error, "dock")
        if any(f"'{control.label}'" in message for control in self.option_controls):
            self.options_group.expand(animate=False)
        show_error(message)

    # --- showing the fit ----------------------------------------------------------------------------------------

    def _show(self, result: SyncResult, frame_times: np.ndarray) -> None:
        self.report.value = result.report()
        picture = np.ascontiguousarray(sync_picture(result, frame_times, PLOT_WIDTH))
        height, width = picture.shape[:2]
        image = QImage(picture.data, width, height, 3 * width, QImage.Format_RGB888)
        self.plot.setPixmap(QPixmap.fromImage(image.copy()))
        self.drop_list.clear()
        for drop in result.fit.drops:
            self.drop_list.addItem(str(drop))
        # the dock scrolls to the fit: at napari's default window the controls above it fill the dock
        self._scroll_to_fit_pending = True
        self._scroll_to_fit()

    def _user_scrolled(self, *_) -> None:
        self._scroll_to_fit_pending = False  # where the user scrolls to wins

    def _scroll_to_fit(self, *_) -> None:
        """Scroll the fit's button to the dock's top, when asked and once the dock's new heights allow it."""
        if not self._scroll_to_fit_pending:
            return
        bar = self.native.verticalScrollBar()
        top = self.fit.native.mapTo(self.native.widget(), QPoint(0, 0)).y()
        bar.setValue(top)
        self._scroll_to_fit_pending = bar.maximum() < top

    def _go_to_drop(self, row: int) -> None:
        if self.result is None or not 0 <= row < len(self.result.fit.drops):
            return
        self.viewer.dims.set_current_step(0, self.result.fit.drops[row].frame)


def _number(text: str, name: str) -> float | None:
    """A number typed in the dock, or None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    value = value_from_text(text)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ChronovizError(f"The {name} must be a number, not {text!r} (leave it empty for the default).")
    return float(value)
