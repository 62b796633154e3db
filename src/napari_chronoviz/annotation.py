"""Labels being made: bouts of states and point events on a video's frames, edited with undo and redo.

`Labeling` is what a key press, a drag on the plot panel or a click in the dock changes. Every label sits on
frames of the video (a bout covers frames `start` to `end - 1`, an event one frame), so edges snap to
frames, and its times are the video's frame times: `intervals()` and `events()` give them as the readers'
`Intervals` / `Events`, which the plot panel draws and the writers save. No napari here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ._times import nominal_rate
from .errors import LabelError
from .io.ethogram import Behavior, Ethogram
from .io.labels import Events, Intervals


@dataclass(frozen=True)
class Bout:
    """A state from frame `start` up to, not including, frame `end` (None while it is still going on)."""

    label: str
    start: int
    end: int | None = None
    note: str = ""

    @property
    def is_open(self) -> bool:
        return self.end is None

    def covers(self, frame: int) -> bool:
        """Whether `frame` lies in the bout (an open bout covers every frame from its start on)."""
        return self.start <= frame and (self.end is None or frame < self.end)


@dataclass(frozen=True)
class Mark:
    """A point event at frame `frame`."""

    label: str
    frame: int


@dataclass(frozen=True)
class _State:
    bouts: tuple[Bout, ...] = ()
    marks: tuple[Mark, ...] = ()


class Labeling:
    """The editable bouts and events of one video, with undo and redo of every edit.

    Parameters
    ----------
    frame_times : array of float
        The video's frame times in seconds; a bout's end may be the frame after the last, one frame step on.
    ethogram : Ethogram
        The behaviors, their keys and exclusions; labels outside it are kept as keyless states or points.

    Attributes
    ----------
    listeners : list of callable
        Each is called with no argument after every change (edit, undo, redo, load).
    """

    def __init__(self, frame_times, ethogram: Ethogram | None = None):
        self.frame_times = np.asarray(frame_times, dtype=float)
        if self.frame_times.ndim != 1 or len(self.frame_times) == 0:
            raise LabelError("Labeling needs the video's frame times: a 1-D array with at least one time.")
        self._end_time = self.frame_times[-1] + (1 / nominal_rate(self.frame_times))
        self.ethogram = ethogram or Ethogram()
        self._state = _State()
        self._undo: list[_State] = []
        self._redo: list[_State] = []
        self.listeners: list[Callable[[], None]] = []

    # --- reading ------------------------------------------------------------------------------------------

    @property
    def n_frames(self) -> int:
        return len(self.frame_times)

    @property
    def bouts(self) -> tuple[Bout, ...]:
        """The bouts, sorted by start frame then label."""
        return self._state.bouts

    @property
    def marks(self) -> tuple[Mark, ...]:
        """The point events, sorted by frame then label."""
        return self._state.marks

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def time_of(self, frames) -> np.ndarray | float:
        """The video time of frame indices; frame `n_frames` (a bout's end after the last frame) is one step on."""
        frames = np.asarray(frames, dtype=int)
        times = np.append(self.frame_times, self._end_time)[frames]
        return float(times) if times.ndim == 0 else times

    def frame_of(self, times) -> np.ndarray | int:
        """The nearest frame (0 .. `n_frames`, the last meaning "after the last frame") of video times."""
        edges = np.append(self.frame_times, self._end_time)
        times = np.asarray(times, dtype=float)
        right = np.clip(np.searchsorted(edges, times), 1, len(edges) - 1)
        nearest = np.where(times - edges[right - 1] <= edges[right] - times, right - 1, right)
        return int(nearest) if nearest.ndim == 0 else nearest

    def on_frames(self, times) -> np.ndarray:
        """Which of `times` are exactly frame times of the video (or the end after its last frame): where labels
        made on its frames lie, unlike times recorded on another clock (a rig's TTL events)."""
        edges = np.append(self.frame_times, self._end_time)
        times = np.asarray(times, dtype=float)
        return edges[np.clip(np.searchsorted(edges, times), 0, len(edges) - 1)] == times

    def retime(self, frame_times) -> None:
        """Put the video's frames on another clock (e.g. the rig's, through a clock map): the labels stay on their
        frames, and their times follow."""
        frame_times = np.asarray(frame_times, dtype=float)
        if frame_times.shape != self.frame_times.shape:
            raise LabelError(f"New frame times are for the same {self.n_frames} frames, got {len(frame_times)} times.")
        self.frame_times = frame_times
        self._end_time = frame_times[-1] + (1 / nominal_rate(frame_times))
        self._notify()

    def behavior(self, label: str) -> Behavior:
        """The ethogram's behavior of `label`, or a keyless state for a label it does not list."""
        return self.ethogram[label] if label in self.ethogram else Behavior(label)

    def bout_at(self, frame: int) -> int | None:
        """The index in `bouts` of the latest-starting bout covering `frame`, or None."""
        covering = [index for index, bout in enumerate(self.bouts) if bout.covers(frame)]
        return covering[-1] if covering else None

    def open_bout(self, label: str) -> int | None:
        """The index of the open bout of `label`, or None."""
        return next((index for index, bout in enumerate(self.bouts) if bout.label == label and bout.is_open), None)

    def intervals(self, current_frame: int | None = None) -> Intervals:
        """The bouts as `Intervals` on the video's clock; an open bout covers up to `current_frame`, included.

        Parameters
        ----------
        current_frame : int, optional
            The frame shown, which open bouts cover for now; None: they cover their first frame only.
        """
        ends = [self._end_of(bout, current_frame) for bout in self.bouts]
        return Intervals(
            self.time_of([bout.start for bout in self.bouts]).reshape(-1),
            self.time_of(ends).reshape(-1),
            tuple(bout.label for bout in self.bouts),
            tuple(bout.note for bout in self.bouts),
        )

    def events(self) -> Events:
        """The point events as `Events` on the video's clock."""
        return Events(
            self.time_of([mark.frame for mark in self.marks]).reshape(-1), tuple(mark.label for mark in self.marks)
        )

    def _end_of(self, bout: Bout, current_frame: int | None) -> int:
        if bout.end is not None:
            return bout.end
        return max(bout.start + 1, min(current_frame + 1 if current_frame is not None else 0, self.n_frames))

    def edge_frames(self) -> np.ndarray:
        """Every frame where a label starts, ends or happens, sorted, each once."""
        frames = [bout.start for bout in self.bouts] + [bout.end for bout in self.bouts if bout.end is not None]
        return np.unique(np.array(frames + [mark.frame for mark in self.marks], dtype=int))

    def next_edge(self, frame: int, direction: int) -> int | None:
        """The nearest label edge after (`direction` > 0) or before `frame`, within the video; None when none."""
        edges = self.edge_frames()
        edges = edges[(edges < self.n_frames) & ((edges > frame) if direction > 0 else (edges < frame))]
        if not len(edges):
            return None
        return int(edges[0] if direction > 0 else edges[-1])

    # --- editing --------------------------------------------------------------------------------------------

    def press(self, label: str, frame: int) -> str:
        """What pressing `label`'s key at `frame` does: a point drops an event; a state starts a bout, or ends its
        open bout (a bout ended where it started is removed); starting a state ends the open bouts it excludes.

        Returns
        -------
        str
            What was done, for the status bar.
        """
        frame = self._frame(frame)
        behavior = self.behavior(label)
        time = f"{self.time_of(frame):.3f} s (frame {frame})"
        if behavior.kind == "point":
            self._commit(marks=self.marks + (Mark(label, frame),))
            return f"{label} at {time}"
        open_index = self.open_bout(label)
        if open_index is not None:
            bout = self.bouts[open_index]
            if frame == bout.start:
                self._commit(bouts=_without(self.bouts, open_index))
                return f"{label} removed: it ended where it started, at {time}"
            start, end = sorted((bout.start, frame))
            self._commit(bouts=_replaced(self.bouts, open_index, replace(bout, start=start, end=end)))
            return f"{label} ended at {time}"
        excluded = self.ethogram.excluded_by(label) if label in self.ethogram else set()
        bouts = tuple(
            self._closed(bout, frame) if bout.is_open and bout.label in excluded else bout for bout in self.bouts
        )
        self._commit(bouts=tuple(bout for bout in bouts if bout is not None) + (Bout(label, frame),))
        return f"{label} started at {time}"

    def _closed(self, bout: Bout, frame: int) -> Bout | None:
        """An open bout ended at `frame` (None when that leaves nothing of it)."""
        start, end = sorted((bout.start, frame))
        return replace(bout, start=start, end=end) if end > start else None

    def close_open(self, frame: int) -> None:
        """End every open bout at `frame` (e.g. when labeling stops)."""
        if any(bout.is_open for bout in self.bouts):
            closed = (self._closed(bout, self._frame(frame)) if bout.is_open else bout for bout in self.bouts)
            self._commit(bouts=tuple(bout for bout in closed if bout is not None))

    def add_bout(self, label: str, start: int, end: int, note: str = "") -> None:
        """Add a bout of `label` over frames `start` to `end - 1` (the two may come in either order)."""
        start, end = sorted((self._frame(start), self._frame(end)))
        if end == start:
            raise LabelError(
                f"A bout of {label!r} from frame {start} to frame {end} would be empty: it needs at least one frame."
            )
        self._commit(bouts=self.bouts + (Bout(label, start, end, note),))

    def move_bout(self, index: int, *, start: int | None = None, end: int | None = None) -> None:
        """Move the start and/or end of bout `index` to frames (snapped: frames are whole), keeping start < end."""
        bout = self.bouts[index]
        new_start = bout.start if start is None else self._frame(start)
        new_end = bout.end if end is None else self._frame(end)
        if new_end is not None and new_end <= new_start:
            raise LabelError(
                f"Bout {bout.label!r} would end (frame {new_end}) at or before its start (frame "
                f"{new_start}): drag the edge past the other one's frame, or delete the bout."
            )
        self._commit(bouts=_replaced(self.bouts, index, replace(bout, start=new_start, end=new_end)))

    def set_note(self, index: int, note: str) -> None:
        """Set the note of bout `index`."""
        if self.bouts[index].note != note:
            self._commit(bouts=_replaced(self.bouts, index, replace(self.bouts[index], note=note)))

    def remove_bout(self, index: int) -> None:
        """Remove bout `index`."""
        self._commit(bouts=_without(self.bouts, index))

    def delete_at(self, frame: int) -> str | None:
        """Remove the bout under `frame` (the latest-starting one), else the events at `frame`; what was removed."""
        index = self.bout_at(frame)
        if index is not None:
            label = self.bouts[index].label
            self.remove_bout(index)
            return f"{label} bout removed"
        kept = tuple(mark for mark in self.marks if mark.frame != frame)
        if len(kept) == len(self.marks):
            return None
        removed = sorted({mark.label for mark in self.marks if mark.frame == frame})
        self._commit(marks=kept)
        return f"{', '.join(removed)} at frame {frame} removed"

    def load(self, intervals: Intervals | None = None, events: Events | None = None) -> None:
        """Replace the labels with `intervals` and `events` (times snapped to the nearest frames); undoable.

        Labels the ethogram does not list join it as keyless states or points.
        """
        bouts, marks = (), ()
        if intervals is not None:
            starts, ends = self.frame_of(intervals.starts), self.frame_of(intervals.ends)
            ends = np.maximum(ends, np.minimum(starts + 1, self.n_frames))  # a bout keeps at least one frame
            bouts = tuple(
                Bout(label, int(start), int(end), note)
                for start, end, label, note in zip(
                    np.atleast_1d(starts), np.atleast_1d(ends), intervals.labels, intervals.notes
                )
            )
        if events is not None:
            marks = tuple(
                Mark(kind, int(frame)) for frame, kind in zip(np.atleast_1d(self.frame_of(events.times)), events.kinds)
            )
        self.ethogram = self.ethogram.with_labels(bout.label for bout in bouts)
        points = [mark.label for mark in marks if mark.label not in self.ethogram]
        self.ethogram = Ethogram(
            self.ethogram.behaviors + tuple(Behavior(label, kind="point") for label in dict.fromkeys(points)),
            self.ethogram.source,
        )
        self._commit(bouts=bouts, marks=marks)

    def undo(self) -> bool:
        """Go back one edit; False when there is none."""
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        """Redo the last undone edit; False when there is none."""
        return self._step(self._redo, self._undo)

    def _step(self, source: list, target: list) -> bool:
        if not source:
            return False
        target.append(self._state)
        self._state = source.pop()
        self._notify()
        return True

    def _frame(self, frame) -> int:
        return int(np.clip(int(frame), 0, self.n_frames))

    def _commit(self, bouts: tuple[Bout, ...] | None = None, marks: tuple[Mark, ...] | None = None) -> None:
        state = _State(
            tuple(sorted(self.bouts if bouts is None else bouts, key=lambda b: (b.start, b.label))),
            tuple(sorted(self.marks if marks is None else marks, key=lambda m: (m.frame, m.label))),
        )
        self._undo.append(self._state)
        self._redo.clear()
        self._state = state
        self._notify()

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()


def _without(items: tuple, index: int) -> tuple:
    return items[:index] + items[index + 1 :]


def _replaced(items: tuple, index: int, item) -> tuple:
    return items[:index] + (item,) + items[index + 1 :]
