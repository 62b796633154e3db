"""Labeling a video in napari: ethogram keys and playback keys on the viewer, the labels drawn live in the plot
panel (and so in exports), and an autosave beside the video after every edit.

`Labeler(viewer, video_layer, ethogram)` holds a `Labeling` (the pure model) and is driven by the keys bound
while it is started, by the "Label behaviors" dock and by drags on the plot panel (`_label_mouse`). Labels are
saved with their ethogram beside them (`ethogram_path_of`), and loading them restores it: the keys come back.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from pathlib import Path

import numpy as np
from napari.utils.notifications import show_error

from .._times import nominal_rate
from ..annotation import Labeling
from ..errors import ChronovizError, LabelError, OutputExistsError, advice, marked
from ..io.ethogram import Ethogram, ethogram_path_of, read_ethogram, write_ethogram
from ..io.labels import (
    LABEL_FORMATS,
    Events,
    Intervals,
    read_events,
    read_intervals,
    read_nwb_labels,
    write_boris_tabular,
    write_events,
    write_intervals,
)
from ..io.nwb import is_nwb, write_nwb_labels
from ..io.tables import binary_kind
from ._attach import attach, video_of_layer
from ._layers import LayerPlacement, Session
from ._metadata import METADATA_KEY
from ._qt_dims_0_6_to_0_9 import Player, set_slider_rate

AUTOSAVE_SUFFIX = ".chronoviz-labels.tsv"  # BORIS tabular: one file holds the bouts and the events
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
# napari key names -> what they do while labeling (the ethogram's keys come on top)
PLAYBACK_KEYS = {
    "Space": "play / pause at the video's rate",
    "Right": "next frame",
    "Left": "previous frame",
    "Shift-Right": "forward N frames",
    "Shift-Left": "back N frames",
    "]": "faster (up to x4)",
    "[": "slower (down to x0.25)",
    "PageDown": "next label edge",
    "PageUp": "previous label edge",
    "Delete": "delete the bout (else the events) under the cursor",
    "Control-Z": "undo",
    "Control-Shift-Z": "redo",
}


def autosave_path_of(video_layer) -> Path | None:
    """`<video stem>.chronoviz-labels.tsv` beside the layer's video file, or None when the layer has no file."""
    path = video_layer.metadata.get(METADATA_KEY, {}).get("path")
    if not path:
        return None
    path = Path(path)
    return (path if path.is_dir() else path.parent) / f"{path.stem if path.is_file() else path.name}{AUTOSAVE_SUFFIX}"


SAVE_FORMATS = (*LABEL_FORMATS, "nwb")  # nwb: an NWB labels file of the NWB session the video belongs to
SAVE_SUFFIXES = {"loupe": ".csv", "boris": ".tsv", "nwb": ".nwb"}  # the file each format writes


class Labeler:
    """Keyboard labeling of one video layer: ethogram keys start and end bouts or drop events at the frame shown.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer showing the video.
    video_layer : napari.layers.Image
        The video layer (opened by napari-chronoviz, or any frames x height x width image).
    ethogram : Ethogram
        The behaviors and their keys.
    autosave_path : str or Path, optional
        Where every edit is saved (BORIS tabular TSV); default `<video stem>.chronoviz-labels.tsv` beside the
        video; none when the layer has no file and no path is given.
    step_frames : int
        How many frames Shift-Left / Shift-Right move.

    Attributes
    ----------
    labeling : Labeling
        The bouts and events, with undo and redo.
    speed : float
        Playback speed, a factor of the video's frame rate (0.25 to 4).
    """

    _by_video_layer: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, video_layer) -> Labeler | None:
        """The labeler of `video_layer`, or None."""
        return cls._by_video_layer.get(video_layer)

    def __init__(self, viewer, video_layer, ethogram: Ethogram, *, autosave_path=None, step_frames: int = 10):
        self.viewer, self.video_layer = viewer, video_layer
        video = video_of_layer(video_layer)
        self.labeling = Labeling(video.frame_times, ethogram)
        self.autosave_path = Path(autosave_path) if autosave_path else autosave_path_of(video_layer)
        self.step_frames, self.speed = int(step_frames), 1.0
        self.fps = float(video_layer.metadata.get(METADATA_KEY, {}).get("fps") or nominal_rate(video.frame_times))
        self.player = Player(viewer)
        self.active = False
        self._bound: list[tuple[object, str, object]] = []  # (keymap provider, key, what it had before)
        self._showing_open_bout = False
        self._ethogram_autosaved: tuple[Path, tuple] | None = None  # (where, its behaviors), not rewritten per edit
        Labeler._by_video_layer[video_layer] = self
        # what the panel showed that was not made on the video's frames (a rig's TTL events): shown with the labels,
        # at its own times, and neither edited, snapped to frames nor saved as labels
        self.shown_beside: tuple[Intervals | None, Events | None] = (None, None)
        session = Session.of(video_layer)
        if session is not None and session.scene.plot is not None:  # the labels shown now, on the video's clock
            plot = session.scene.plot
            labels, self.shown_beside = _labels_and_the_rest(self.labeling, plot.intervals, plot.events)
            if labels != (None, None):
                self.labeling.load(*labels)
        self.labeling.listeners.append(self._changed)

    # --- where we are -----------------------------------------------------------------------------------------

    @property
    def frame(self) -> int:
        """The video frame napari shows now."""
        frame = LayerPlacement.of(self.video_layer).frame_of(self.viewer.dims.point)
        return int(np.clip(frame, 0, self.labeling.n_frames - 1))

    @property
    def frame_axis(self) -> int:
        """The viewer's axis of the video's frames."""
        return self.viewer.dims.ndim - self.video_layer.ndim

    def go_to(self, frame: int) -> None:
        """Show `frame` (clipped to the video)."""
        frame = int(np.clip(frame, 0, self.labeling.n_frames - 1))
        placement = LayerPlacement.of(self.video_layer)
        self.viewer.dims.set_point(self.frame_axis, placement.translate[0] + frame * placement.scale[0])

    # --- start and stop --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind the ethogram's keys and the playback keys on the viewer and on every layer (a layer's own keys,
        e.g. an image layer's Space, would otherwise win while it is selected), and show the labels."""
        if self.active:  # e.g. a new ethogram: its keys replace the old ones, open bouts stay open
            self._unbind()
        else:
            self.active = True
            self.viewer.layers.events.inserted.connect(self._bind_new_layer)
            self.viewer.dims.events.current_step.connect(self._on_step)
        for provider in [self.viewer, *self.viewer.layers]:
            self._bind(provider)
        self.show()

    def stop(self) -> None:
        """End any open bout at the frame shown, pause, and give the keys back."""
        if not self.active:
            return
        self.active = False
        self.labeling.close_open(self.frame)
        self.pause()
        self.viewer.layers.events.inserted.disconnect(self._bind_new_layer)
        self.viewer.dims.events.current_step.disconnect(self._on_step)
        self._unbind()

    def _unbind(self) -> None:
        """Give every key back what it had before labeling bound it."""
        for provider, key, previous in reversed(self._bound):
            provider.bind_key(key, previous, overwrite=True)
        self._bound.clear()

    def set_ethogram(self, ethogram: Ethogram) -> None:
        """Use `ethogram` from now on (rebinding its keys when labeling); the labels stay."""
        self.labeling.ethogram = ethogram.with_labels(bout.label for bout in self.labeling.bouts)
        if self.active:
            self.start()
        else:
            self.show(colors_changed=True)

    def key_actions(self) -> dict[str, callable]:
        """What each napari key name does: the ethogram's keys and the playback keys."""
        actions = {
            "Space": self.toggle_play,
            "Right": lambda: self.step(1),
            "Left": lambda: self.step(-1),
            "Shift-Right": lambda: self.step(self.step_frames),
            "Shift-Left": lambda: self.step(-self.step_frames),
            "]": lambda: self.change_speed(1),
            "[": lambda: self.change_speed(-1),
            "PageDown": lambda: self.jump_to_label(1),
            "PageUp": lambda: self.jump_to_label(-1),
            "Delete": self.delete_here,
            "Control-Z": self.undo,
            "Control-Shift-Z": self.redo,
        }
        for behavior in self.labeling.ethogram.behaviors:
            if behavior.key:
                actions[behavior.key] = lambda name=behavior.name: self.press(name)
        return actions

    def _bind_new_layer(self, event) -> None:
        self._bind(event.value)

    def _bind(self, provider) -> None:
        for key, action in self.key_actions().items():
            previous = provider.bind_key(key, lambda _provider, act=action: act(), overwrite=True)
            self._bound.append((provider, key, previous))

    # --- labeling ------------------------------------------------------------------------------------------------

    def press(self, label: str) -> None:
        """`label`'s key at the frame shown: start or end a bout, or drop an event."""
        self.viewer.status = self.labeling.press(label, self.frame)

    def delete_here(self) -> None:
        """Remove the bout under the frame shown (else the events on it)."""
        self.viewer.status = self.labeling.delete_at(self.frame) or "Nothing to delete at this frame."

    def undo(self) -> None:
        self.viewer.status = "Undone." if self.labeling.undo() else "Nothing to undo."

    def redo(self) -> None:
        self.viewer.status = "Redone." if self.labeling.redo() else "Nothing to redo."

    # --- playback ---------------------------------------------------------------------------------------------

    def step(self, frames: int) -> None:
        """Move `frames` frames (negative: back)."""
        self.go_to(self.frame + frames)

    def jump_to_label(self, direction: int) -> None:
        """Show the next (`direction` > 0) or previous frame where a label starts, ends or happens."""
        edge = self.labeling.next_edge(self.frame, direction)
        if edge is None:
            self.viewer.status = f"No label {'after' if direction > 0 else 'before'} this frame."
        else:
            self.go_to(edge)

    def change_speed(self, direction: int) -> None:
        """One step faster (`direction` > 0) or slower on x0.25, x0.5, x1, x2, x4; a playing video follows."""
        index = int(np.clip(SPEEDS.index(self.speed) + np.sign(direction), 0, len(SPEEDS) - 1))
        self.speed = SPEEDS[index]
        self.viewer.status = f"Playback speed x{self.speed:g} ({self.fps * self.speed:g} frames/s)"
        set_slider_rate(self.viewer, self.frame_axis, self.fps * self.speed)
        if self.player.playing:
            self.player.play(self.frame_axis, self.fps * self.speed)

    @property
    def playing(self) -> bool:
        return self.player.playing

    def toggle_play(self) -> None:
        """Play at the video's frame rate times `speed`, or pause."""
        if self.playing:
            self.pause()
            return
        if not self.player.available:
            self.viewer.status = "Playing needs napari's window: this viewer has none."
            return
        self.player.play(self.frame_axis, self.fps * self.speed)

    def pause(self) -> None:
        self.player.stop()

    # --- showing and saving -------------------------------------------------------------------------------------

    def show(self, colors_changed: bool = True) -> Session:
        """Draw the labels in the video's plot panel (attaching one when the video has none) and return its session.

        The labels ride in the scene, so the dock's Export writes them too; an open bout is shown up to the frame
        shown, and the label of the bout at that frame is written in the panel's corner.
        """
        labels = {"intervals": self.labeling.intervals(self.frame), "events": self.labeling.events()}
        if self.autosave_path is not None and self.autosave_path.is_file():
            labels = {name: replace(value, source=str(self.autosave_path)) for name, value in labels.items()}
        beside_intervals, beside_events = self.shown_beside  # merged: then no longer the autosave's alone
        labels = {
            "intervals": labels["intervals"].merged(beside_intervals),
            "events": labels["events"].merged(beside_events),
        }
        self._showing_open_bout = any(bout.is_open for bout in self.labeling.bouts)
        session = Session.of(self.video_layer)
        if session is None:
            return attach(
                self.viewer, self.video_layer, labels_clock="video", style={"label_colors": self._colors()}, **labels
            )
        if colors_changed:
            style = session.scene.style.label_colors or {}
            if style != self._colors():
                session.update(style={"label_colors": self._colors()}, labels_clock="video", **labels)
                return session
        session.update(labels_clock="video", **labels)
        return session

    def _colors(self) -> dict:
        return {name: list(color) for name, color in self.labeling.ethogram.colors().items()}

    def _changed(self) -> None:
        try:
            self.autosave()
        except OSError as error:
            show_error(
                f"The labels could not be autosaved to {self.autosave_path}: {error}. Choose a folder you can "
                "write to in 'autosave to' of the Label behaviors dock and press Start labeling again."
            )
            self.autosave_path = None
        self.show(colors_changed=False)

    def _on_step(self, event=None) -> None:
        if self._showing_open_bout:  # an open bout grows with the frame shown
            self.show(colors_changed=False)

    def autosave(self) -> Path | None:
        """Write the labels to `autosave_path` (open bouts up to the frame shown), atomically, and the ethogram
        beside it when it changed; the path, or None."""
        if self.autosave_path is None:
            return None
        written = write_boris_tabular(
            self.autosave_path,
            intervals=self.labeling.intervals(self.frame),
            events=self.labeling.events(),
            overwrite=True,
        )
        ethogram = self.labeling.ethogram
        if self._ethogram_autosaved != (written, ethogram.behaviors):
            write_ethogram(ethogram, ethogram_path_of(written))
            self._ethogram_autosaved = (written, ethogram.behaviors)
        return written

    def load_autosave(self) -> bool:
        """Load the autosave file when there is one (labels of an earlier session, or before a crash); undoable.

        Returns
        -------
        bool
            Whether there was one to load.
        """
        if self.autosave_path is None or not self.autosave_path.is_file():
            return False
        self.load(self.autosave_path)
        return True

    def load(self, path) -> None:
        """Replace the labels with those of a label file (intervals and/or events; BORIS, Loupe CSV, ...); undoable.
        The ethogram saved beside it (`ethogram_path_of`), if any, replaces the current one, keys included.

        Raises
        ------
        ChronovizError
            When the file holds neither intervals nor events that can be read, or its ethogram cannot be read.
        """
        path = Path(path)
        errors = []
        loaded = {}
        kind = None if is_nwb(path) or not path.is_file() else binary_kind(path)
        if kind is not None:  # said once, not by each reader
            raise LabelError(
                f"{path.name} is {kind}, not a text table: choose a labels file, an intervals or events table (CSV, "
                "TSV, a BORIS export) or an NWB labels file."
            )
        if is_nwb(path):
            intervals, events = read_nwb_labels(path)
            loaded = {name: value for name, value in (("intervals", intervals), ("events", events)) if value}
        for name, reader in (("intervals", read_intervals), ("events", read_events)) if not loaded else ():
            try:
                loaded[name] = reader(path)
            except ChronovizError as error:
                errors.append(marked(error))
        if not loaded:
            raise LabelError(f"{path} holds no labels that can be read: {' '.join(dict.fromkeys(errors))}")
        if "intervals" in loaded and "events" in loaded and _same_rows(loaded["intervals"], loaded["events"]):
            del loaded["events"]  # a Loupe interval CSV also reads as events at the starts: keep the intervals
        if "events" not in loaded and events_path_of(path).is_file():
            loaded["events"] = read_events(events_path_of(path))
        beside = ethogram_path_of(path)
        saved_ethogram = read_ethogram(beside) if beside.is_file() else None
        if saved_ethogram is not None:  # before the labels: loading them autosaves, ethogram included
            self.labeling.ethogram = saved_ethogram
        self.labeling.load(loaded.get("intervals"), loaded.get("events"))
        if saved_ethogram is not None:
            self.set_ethogram(self.labeling.ethogram)  # its keys, bound while labeling

    def save(self, path, *, format: str = "loupe", overwrite: bool = False) -> list[Path]:
        """Save the labels: "loupe" writes the bouts to `path` (CSV `start_s,end_s,label,note`) and the events, if
        any, to `<stem>_events.csv` beside it; "boris" writes both to `path` as a BORIS tabular export (TSV);
        "nwb", for a video of an NWB session, writes them to an NWB labels file of the session (`write_nwb_labels`). The
        ethogram goes to `<stem>.ethogram.yaml` beside them, so that `load` gives back the behaviors and keys.

        Returns
        -------
        list of Path
            The files written, the ethogram last.

        Raises
        ------
        FileExistsError
            When a file exists and `overwrite` is False.
        """
        intervals, events = self.labeling.intervals(self.frame), self.labeling.events()
        path = Path(path).expanduser()
        _check_labels_suffix(path, format)
        files = {"loupe": [path, events_path_of(path)] if len(events.times) else [path], "boris": [path]}.get(
            format,
            [],  # nwb: its writer checks the file itself, and first that it is not the session's own
        )
        ethogram_file = ethogram_path_of(path)
        if not _holds(ethogram_file, self.labeling.ethogram):  # another one, maybe edited by hand: not replaced
            files.append(ethogram_file)
        _check_none_exist(files, overwrite)  # all or nothing: no bouts written beside events refused
        if format == "nwb":
            written = [
                write_nwb_labels(intervals, events, _nwb_session_of(self.video_layer), path, overwrite=overwrite)
            ]
        elif format == "boris":
            written = [write_boris_tabular(path, intervals=intervals, events=events, overwrite=overwrite)]
        else:
            written = [write_intervals(intervals, path, format=format, overwrite=overwrite)]
            if len(events.times):
                written.append(write_events(events, events_path_of(path), overwrite=overwrite))
        return written + [write_ethogram(self.labeling.ethogram, ethogram_path_of(path))]


def _labels_and_the_rest(labeling: Labeling, intervals: Intervals | None, events: Events | None) -> tuple:
    """`(intervals, events)` split into the labels made on `labeling`'s video frames (an event, or both edges of a
    bout, exactly at frame times) and the rest: `((label intervals, label events), (other intervals, other
    events))`, each None when empty."""

    def part(table, keep):
        return table.subset(keep) if table is not None and keep.any() else None

    on_frames = (
        np.zeros(0, bool)
        if intervals is None
        else labeling.on_frames(intervals.starts) & labeling.on_frames(intervals.ends),
        np.zeros(0, bool) if events is None else labeling.on_frames(events.times),
    )
    labels = tuple(part(table, keep) for table, keep in zip((intervals, events), on_frames))
    rest = tuple(part(table, ~keep) for table, keep in zip((intervals, events), on_frames))
    return labels, rest


def _check_labels_suffix(path: Path, format: str) -> None:
    """A LabelError when `path`'s suffix is not the one `format` writes (a BORIS TSV named .csv would not be read
    back as one), naming the suffix to use."""
    suffix = SAVE_SUFFIXES.get(format)
    if suffix is None:
        raise LabelError(f"Unknown labels format {format!r}: use one of {', '.join(SAVE_FORMATS)}.")
    if path.suffix.lower() != suffix:
        raise LabelError(
            f"The {format} format writes a {suffix} file, and {path.name} ends in {path.suffix or 'no suffix'}: "
            f"name the labels file {path.stem}{suffix}, or choose the format of {path.suffix or 'that name'}."
        )


def _check_none_exist(paths: list[Path], overwrite: bool) -> None:
    """An OutputExistsError naming every one of `paths` that exists, before any is written (unless `overwrite`)."""
    existing = [str(path) for path in paths if path.exists()]
    if existing and not overwrite:
        raise OutputExistsError(
            f"{' and '.join(existing)} {'exists' if len(existing) == 1 else 'exist'}, so nothing was saved: choose "
            f"another file name, or {advice('overwrite')} to replace {'it' if len(existing) == 1 else 'them'}."
        )


def _holds(path: Path, ethogram: Ethogram) -> bool:
    """Whether the ethogram file `path` exists and holds the behaviors of `ethogram` (rewriting it changes nothing)."""
    if not path.is_file():
        return False
    try:
        return read_ethogram(path).behaviors == ethogram.behaviors
    except (ChronovizError, OSError):
        return False


def _nwb_session_of(video_layer) -> str:
    """The NWB session (a path or an address) a video layer was opened from; a LabelError saying which formats to use
    otherwise."""
    video = video_layer.metadata.get(METADATA_KEY, {}).get("path")
    if video is None or not is_nwb(video):
        raise ChronovizError(
            f"The nwb format writes the labels to an NWB labels file of the NWB session the video belongs to, and "
            f"{Path(video or video_layer.name).name} was not opened from an NWB file: choose the loupe or boris "
            "format."
        )
    return video


def events_path_of(labels_path) -> Path:
    """Where the events of a Loupe labels CSV go: `<stem>_events.csv` beside it (that CSV holds bouts only)."""
    labels_path = Path(labels_path)
    return labels_path.with_name(f"{labels_path.stem}_events.csv")


def _same_rows(intervals, events) -> bool:
    """Whether `events` are just the starts of `intervals` (a table read both ways), not events of their own."""
    return len(events.times) == len(intervals.starts) and np.array_equal(events.times, intervals.starts)
