"""The "Label behaviors" dock: the ethogram as a table, start/stop labeling, save and load labels, undo/redo,
the autosave file, and the list of bouts (click one to go to it and read or edit its note).

Errors become napari notifications that say what to change in this dock.
"""

from __future__ import annotations

from pathlib import Path

from magicgui.widgets import CheckBox, ComboBox, FileEdit, Label, LineEdit, PushButton, SpinBox, Table
from napari.utils.notifications import show_error, show_info
from qtpy.QtWidgets import QListWidget

from ..errors import ChronovizError, in_words
from ..io.ethogram import ETHOGRAM_COLUMNS, Behavior, Ethogram, read_ethogram, write_ethogram
from ..io.formats import ETHOGRAM_SUFFIXES, TEXT_TABLE_SUFFIXES, patterns
from ._dock import ScrollingContainer, side_by_side, wrapping
from ._label_mouse import LabelMouse
from ._labeling import PLAYBACK_KEYS, SAVE_FORMATS, SAVE_SUFFIXES, Labeler, autosave_path_of
from ._metadata import ETHOGRAM_KEY, METADATA_KEY

STARTER_ETHOGRAM = Ethogram(
    (  # what the table shows before the user edits it or loads a file
        Behavior("courting", "c", "#d62728", group="pair"),
        Behavior("apart", "a", "#1f77b4", group="pair"),
        Behavior("wing extension", "w", "#2ca02c", kind="point"),
    )
)


class LabelingWidget(ScrollingContainer):
    """Label behaviors of a video with the keyboard and the mouse, and save the labels."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.video = ComboBox(label="video layer", choices=self._video_layer_names)
        self.ethogram_table = Table(label="ethogram")
        self.add_behavior = PushButton(text="Add behavior")
        self.remove_behavior = PushButton(text="Remove selected behavior")
        self.ethogram_file = FileEdit(label="ethogram file", mode="r", filter=" ".join(patterns(ETHOGRAM_SUFFIXES)))
        self.load_ethogram = PushButton(text="Load ethogram")
        self.save_ethogram = PushButton(text="Save ethogram…", tooltip="To the YAML or CSV file in 'ethogram file'")
        self.keys = wrapping(Label(label="keys", value=""))
        self.step_frames = SpinBox(
            label="Shift+arrow step", min=2, max=10000, value=10, tooltip="Frames that Shift+Left and Shift+Right move"
        )
        self.autosave_file = FileEdit(label="autosave to", mode="w")
        self.start = PushButton(text="Start labeling")
        self.stop = PushButton(text="Stop labeling", enabled=False)
        self.undo = PushButton(text="Undo (Ctrl+Z)")
        self.redo = PushButton(text="Redo (Ctrl+Shift+Z)")
        self.labels_file = FileEdit(label="labels file", mode="w", filter=" ".join(patterns(TEXT_TABLE_SUFFIXES)))
        self.labels_format = ComboBox(label="format", choices=SAVE_FORMATS, value="loupe")
        self.overwrite = CheckBox(label="overwrite", value=False)
        self.save_labels = PushButton(text="Save labels…")
        self.load_labels = PushButton(text="Load labels…")
        self.bout_list = QListWidget()  # magicgui has no single-choice list
        self.bout_list.setToolTip("Click a bout to go to its start, read or edit its note")
        self.bout_list.setMinimumHeight(160)
        self.note = LineEdit(label="bout note", tooltip="The note of the bout selected in the list above")
        self.delete_bout = PushButton(text="Delete selected bout")
        self.status = wrapping(Label(label="", value=""))
        self.mouse = None  # the plot panel's mouse editing, once labeling starts
        # what labeling uses all the time on top; the rest in groups, so the bouts show at napari's default window
        self.extend([self.video, side_by_side(self.start, self.stop), side_by_side(self.undo, self.redo), self.status])
        self.groups = {
            "Ethogram": [
                self.ethogram_table,
                side_by_side(self.add_behavior, self.remove_behavior),
                self.ethogram_file,
                side_by_side(self.load_ethogram, self.save_ethogram),
            ],
            "Bouts": [self.bout_list, self.note, self.delete_bout],
            "Keys": [self.keys, self.step_frames],
            "Save and load labels": [
                self.labels_file,
                self.labels_format,
                self.overwrite,
                side_by_side(self.save_labels, self.load_labels),
                self.autosave_file,
            ],
        }
        expanded = ("Ethogram", "Bouts")
        self.collapsibles = {
            title: self.add_group(title, controls, expanded=title in expanded)
            for title, controls in self.groups.items()
        }
        self.ethogram_table.native.setMaximumHeight(150)
        for control in self:
            control.native.setMinimumWidth(0)
        self.native.setMinimumWidth(320)
        self.show_ethogram(STARTER_ETHOGRAM)
        self.ethogram_table.changed.connect(self._show_keys)
        self.add_behavior.changed.connect(self._add_behavior)
        self.remove_behavior.changed.connect(self._remove_behavior)
        self.load_ethogram.changed.connect(self._load_ethogram)
        self.save_ethogram.changed.connect(self._save_ethogram)
        self.start.changed.connect(self.start_labeling)
        self.stop.changed.connect(self.stop_labeling)
        self.undo.changed.connect(lambda: self._with_labeler(Labeler.undo))
        self.redo.changed.connect(lambda: self._with_labeler(Labeler.redo))
        self.labels_format.changed.connect(self._labels_suffix_of_format)
        self.save_labels.changed.connect(self._save_labels)
        self.load_labels.changed.connect(self._load_labels)
        self.bout_list.currentRowChanged.connect(self._select_bout)
        self.note.native.editingFinished.connect(self._set_note)  # one undoable edit per note, not per keystroke
        self.ethogram_table.native.itemSelectionChanged.connect(self._choose_drawn_label)
        self.delete_bout.changed.connect(self._delete_bout)
        self.viewer.layers.events.inserted.connect(self.video.reset_choices)
        self.viewer.layers.events.removed.connect(self.video.reset_choices)
        self.video.changed.connect(self._video_chosen)
        self._video_chosen()

    # --- the video and its labeler --------------------------------------------------------------------------------

    def _video_layer_names(self, *_) -> list[str]:
        return [
            layer.name for layer in self.viewer.layers if layer.metadata.get(METADATA_KEY, {}).get("kind") == "video"
        ]

    @property
    def video_layer(self):
        return self.viewer.layers[self.video.value] if self.video.value else None

    @property
    def labeler(self) -> Labeler | None:
        """The chosen video's labeler, if labeling was started on it."""
        return Labeler.of(self.video_layer) if self.video_layer is not None else None

    def _video_chosen(self, *_) -> None:
        """The chosen video's autosave file, bouts, and ethogram: its labeler's, else the one of the session it was
        opened from (so the session's keys label)."""
        layer = self.video_layer
        path = autosave_path_of(layer) if layer is not None else None
        self.autosave_file.value = path or ""
        if self.labeler is not None:
            self.show_ethogram(self.labeler.labeling.ethogram)
        elif layer is not None and layer.metadata.get(METADATA_KEY, {}).get(ETHOGRAM_KEY):
            saved = layer.metadata[METADATA_KEY][ETHOGRAM_KEY]
            try:
                self.show_ethogram(read_ethogram(saved))
            except (ChronovizError, OSError) as error:
                show_error(
                    f"The session's ethogram was not loaded: {in_words(error, 'dock')} Load it in 'ethogram file'."
                )
        self._show_bouts()

    def _with_labeler(self, action) -> None:
        if self.labeler is None:
            show_error("Press Start labeling first: it ties the ethogram's keys and the labels to the chosen video.")
            return
        action(self.labeler)
        self.status.value = self.viewer.status

    # --- the ethogram -------------------------------------------------------------------------------------------

    def show_ethogram(self, ethogram: Ethogram) -> None:
        """Put `ethogram` in the table."""
        self._set_rows([[b.name, b.key, b.kind, b.color, b.group] for b in ethogram.behaviors])

    def _rows(self) -> list[list]:
        return self.ethogram_table.data.to_list() if self.ethogram_table.shape[0] else []

    def _set_rows(self, rows: list[list]) -> None:
        self.ethogram_table.value = {"data": rows, "index": list(range(len(rows))), "columns": list(ETHOGRAM_COLUMNS)}
        self._show_keys()

    def ethogram(self) -> Ethogram:
        """The table's behaviors (rows without a name are skipped).

        Raises
        ------
        EthogramError
            When a row repeats a name or a key, or has an unknown kind or colour.
        """
        behaviors = []
        for row in self._rows():
            name, key, kind, color, group = (str(cell or "").strip() for cell in row)
            if name:
                behaviors.append(Behavior(name, key, color, kind.lower() or "state", group))
        return Ethogram(tuple(behaviors))

    def _show_keys(self, *_) -> None:
        try:
            ethogram = self.ethogram()
        except ChronovizError as error:
            self.keys.value = f"Fix the ethogram: {error}"
            return
        behavior_keys = [f"{b.key}: {b.name} ({b.kind})" for b in ethogram.behaviors if b.key]
        playback = [f"{key}: {what}" for key, what in PLAYBACK_KEYS.items()]
        self.keys.value = "\n".join(behavior_keys + playback)
        if self.labeler is not None:
            self.labeler.set_ethogram(ethogram)

    def _add_behavior(self) -> None:
        rows = self._rows()
        self._set_rows(rows + [[f"behavior {len(rows) + 1}", "", "state", "", ""]])

    def _remove_behavior(self) -> None:
        row = self.ethogram_table.native.currentRow()
        if row < 0:
            show_error("Click a row of the ethogram table first: Remove deletes the selected behavior.")
            return
        self.ethogram_table.delete_row(index=row)
        self._show_keys()

    def _choose_drawn_label(self) -> None:
        """The selected row's behavior is what a drag on the plot panel draws."""
        row = self.ethogram_table.native.currentRow()
        if self.mouse is not None and 0 <= row < self.ethogram_table.shape[0]:
            name = str(self._rows()[row][0] or "").strip()
            self.mouse.label = name or None

    def _load_ethogram(self) -> None:
        try:
            self.show_ethogram(read_ethogram(self.ethogram_file.value))
        except (ChronovizError, OSError) as error:
            show_error(f"{in_words(error, 'dock')} Choose a YAML, CSV or BORIS project file in 'ethogram file'.")

    def _save_ethogram(self) -> None:
        path = Path(self.ethogram_file.value)
        try:
            written = write_ethogram(self.ethogram(), path)
        except (ChronovizError, OSError) as error:
            show_error(f"{in_words(error, 'dock')} Type a file name ending in .yaml or .csv in 'ethogram file'.")
            return
        show_info(f"Saved the ethogram to {written}")

    # --- labeling -----------------------------------------------------------------------------------------------

    def start_labeling(self, *_) -> Labeler | None:
        """Start labeling the chosen video with the table's ethogram; an autosave found beside it is loaded."""
        layer = self.video_layer
        if layer is None:
            show_error(
                "Open a video with napari-chronoviz first (File ▸ Open, or File ▸ Open Sample ▸ chronoviz), "
                "then choose it in 'video layer'."
            )
            return None
        try:
            ethogram = self.ethogram()
            labeler = self.labeler or Labeler(self.viewer, layer, ethogram)
            labeler.set_ethogram(ethogram)
            labeler.step_frames = self.step_frames.value
            autosave = str(self.autosave_file.value or "")
            labeler.autosave_path = Path(autosave) if autosave and autosave != "." else None
            if labeler.load_autosave():
                self.show_ethogram(labeler.labeling.ethogram)
                show_info(
                    f"Loaded the labels autosaved in {labeler.autosave_path} ({len(labeler.labeling.bouts)} "
                    "bouts) and their ethogram. Press Undo to go back to the labels shown before."
                )
            labeler.start()
        except (ChronovizError, OSError) as error:
            show_error(f"Labeling could not start: {in_words(error, 'dock')}")
            return None
        if self._show_bouts not in labeler.labeling.listeners:
            labeler.labeling.listeners.append(self._show_bouts)
        mouse = LabelMouse.of(self.viewer, labeler)
        if self.bout_list.setCurrentRow not in mouse.on_select:
            mouse.on_select.append(self.bout_list.setCurrentRow)
        self.mouse = mouse
        self.start.enabled, self.stop.enabled = False, True
        self.status.value = "Labeling: press the ethogram's keys (see Keys) with the mouse over the video."
        self._show_bouts()
        return labeler

    def stop_labeling(self, *_) -> None:
        if self.labeler is not None:
            self.labeler.stop()
        self.start.enabled, self.stop.enabled = True, False
        self.status.value = "Labeling stopped; the keys are napari's again."

    def _labels_suffix_of_format(self, format: str) -> None:
        """A labels file named for another format takes the chosen format's suffix (x.csv becomes x.tsv for boris)."""
        path = Path(self.labels_file.value or "")
        if path.suffix.lower() in SAVE_SUFFIXES.values():
            self.labels_file.value = path.with_suffix(SAVE_SUFFIXES[format])

    def _save_labels(self) -> None:
        if self.labeler is None:
            show_error("Press Start labeling first: there are no labels to save yet.")
            return
        path = self.labels_file.value
        if not path or Path(path).is_dir():
            show_error("Type the file to save to in 'labels file' (e.g. flies_labels.csv), then press Save labels.")
            return
        try:
            written = self.labeler.save(path, format=self.labels_format.value, overwrite=self.overwrite.value)
        except FileExistsError as error:
            show_error(f"{in_words(error, 'dock')}")
            return
        except (ChronovizError, OSError) as error:
            show_error(f"The labels could not be saved: {in_words(error, 'dock')}")
            return
        show_info("Saved " + " and ".join(str(path) for path in written))

    def _load_labels(self) -> None:
        if self.labeler is None and self.start_labeling() is None:
            return
        path = self.labels_file.value
        if not path or not Path(path).is_file():
            show_error(f"Choose an existing labels file in 'labels file' first (got {str(path)!r}).")
            return
        labeling = self.labeler.labeling
        before = len(labeling.bouts) + len(labeling.marks)
        try:
            self.labeler.load(path)
        except (ChronovizError, OSError) as error:
            show_error(f"The labels were not loaded: {in_words(error, 'dock')}")
            return
        self.show_ethogram(labeling.ethogram)
        replaced = f"; the {before} labels shown before were replaced (Undo brings them back)" if before else ""
        loaded = f"{len(labeling.bouts)} bouts and {len(labeling.marks)} events"
        show_info(f"Loaded {loaded} from {Path(path).name}{replaced}")

    # --- the bouts -----------------------------------------------------------------------------------------------

    def _show_bouts(self) -> None:
        labeler = self.labeler
        row = self.bout_list.currentRow()
        self.bout_list.blockSignals(True)
        self.bout_list.clear()
        if labeler is not None:
            labeling = labeler.labeling
            for bout in labeling.bouts:
                end = "…" if bout.is_open else f"{labeling.time_of(bout.end):.2f}"
                note = f"  — {bout.note}" if bout.note else ""
                self.bout_list.addItem(f"{labeling.time_of(bout.start):.2f}–{end} s  {bout.label}{note}")
            if 0 <= row < self.bout_list.count():
                self.bout_list.setCurrentRow(row)
        self.bout_list.blockSignals(False)

    def _select_bout(self, row: int) -> None:
        if self.labeler is None or not 0 <= row < len(self.labeler.labeling.bouts):
            return
        bout = self.labeler.labeling.bouts[row]
        self.labeler.go_to(bout.start)
        with self.note.changed.blocked():
            self.note.value = bout.note

    def _set_note(self, *_) -> None:
        row = self.bout_list.currentRow()
        if self.labeler is None or not 0 <= row < len(self.labeler.labeling.bouts):
            show_error("Click a bout in the list first: the note belongs to the selected bout.")
            return
        self.labeler.labeling.set_note(row, self.note.value)

    def _delete_bout(self) -> None:
        row = self.bout_list.currentRow()
        if self.labeler is None or not 0 <= row < len(self.labeler.labeling.bouts):
            show_error("Click a bout in the list first: Delete removes the selected bout.")
            return
        self.labeler.labeling.remove_bout(row)
