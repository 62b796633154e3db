"""Labeling (bouts and events on frames, undo/redo), the ethogram files, and label files written and read back."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from napari_chronoviz.annotation import Labeling
from napari_chronoviz.errors import EthogramError, LabelError
from napari_chronoviz.io.ethogram import Behavior, Ethogram, read_ethogram, write_ethogram
from napari_chronoviz.io.labels import (
    Events,
    Intervals,
    read_events,
    read_intervals,
    write_boris_tabular,
    write_events,
    write_intervals,
)

FRAME_TIMES = 0.5 + np.arange(100) / 25  # 25 fps, first frame at 0.5 s
ETHOGRAM = Ethogram(
    (
        Behavior("courting", "c", "#ff0000", group="pair"),
        Behavior("apart", "a", group="pair"),
        Behavior("grooming", "g"),
        Behavior("sprint", "s", kind="point"),
    )
)


@pytest.fixture
def labeling() -> Labeling:
    return Labeling(FRAME_TIMES, ETHOGRAM)


def test_a_state_key_starts_and_ends_a_bout_at_frame_times(labeling):
    labeling.press("grooming", 10)
    assert labeling.bouts[0].is_open
    labeling.press("grooming", 30)
    intervals = labeling.intervals()
    assert intervals.labels == ("grooming",)
    assert intervals.starts.tolist() == [FRAME_TIMES[10]] and intervals.ends.tolist() == [FRAME_TIMES[30]]
    assert (labeling.bouts[0].start, labeling.bouts[0].end) == (10, 30)


def test_an_open_bout_runs_to_the_current_frame(labeling):
    labeling.press("grooming", 10)
    assert labeling.intervals(current_frame=20).ends.tolist() == [FRAME_TIMES[21]]  # frame 20 included
    assert labeling.intervals(current_frame=5).ends.tolist() == [FRAME_TIMES[11]]  # at least one frame


def test_exclusive_states_close_each_other(labeling):
    labeling.press("courting", 10)
    labeling.press("grooming", 12)  # another group: stays open
    labeling.press("apart", 20)  # same group as courting: ends it at 20
    assert [(b.label, b.start, b.end) for b in labeling.bouts] == [
        ("courting", 10, 20),
        ("grooming", 12, None),
        ("apart", 20, None),
    ]


def test_point_key_drops_an_event(labeling):
    labeling.press("sprint", 7)
    assert labeling.events().times.tolist() == [FRAME_TIMES[7]]
    assert labeling.events().kinds == ("sprint",)
    assert labeling.intervals().labels == ()


def test_a_bout_ended_where_it_started_is_removed(labeling):
    labeling.press("grooming", 10)
    labeling.press("grooming", 10)
    assert labeling.bouts == ()


def test_undo_and_redo_every_edit(labeling):
    labeling.press("grooming", 10)
    labeling.press("grooming", 30)
    labeling.move_bout(0, end=40)
    labeling.set_note(0, "left wing")
    assert labeling.bouts[0].note == "left wing"
    assert labeling.undo() and labeling.bouts[0].note == ""
    assert labeling.undo() and labeling.bouts[0].end == 30
    assert labeling.undo() and labeling.bouts[0].is_open
    assert labeling.undo() and labeling.bouts == ()
    assert not labeling.undo()
    assert labeling.redo() and labeling.redo() and labeling.bouts[0].end == 30
    labeling.delete_at(15)  # a new edit drops the redo history
    assert labeling.bouts == () and not labeling.can_redo


def test_moving_edges_snaps_to_frames_and_keeps_order(labeling):
    labeling.add_bout("grooming", 30, 10)  # either order
    labeling.move_bout(0, start=labeling.frame_of(FRAME_TIMES[5] + 0.011))  # 0.011 s past frame 5: nearer 5
    assert labeling.intervals().starts.tolist() == [FRAME_TIMES[5]]
    with pytest.raises(LabelError, match="at or before its start"):
        labeling.move_bout(0, end=5)
    labeling.move_bout(0, end=100)  # after the last frame: one frame step after it
    assert labeling.intervals().ends[0] == pytest.approx(FRAME_TIMES[-1] + 0.04)


def test_delete_at_removes_the_bout_under_the_frame_else_its_events(labeling):
    labeling.add_bout("grooming", 10, 20)
    labeling.press("sprint", 40)
    assert labeling.delete_at(25) is None
    assert labeling.delete_at(19) == "grooming bout removed"
    assert labeling.delete_at(40) == "sprint at frame 40 removed"
    assert labeling.bouts == () and labeling.marks == ()


def test_next_and_previous_label_edges(labeling):
    labeling.add_bout("grooming", 10, 20)
    labeling.press("sprint", 40)
    assert labeling.next_edge(0, 1) == 10 and labeling.next_edge(10, 1) == 20 and labeling.next_edge(20, 1) == 40
    assert labeling.next_edge(40, 1) is None and labeling.next_edge(40, -1) == 20


def test_loaded_labels_snap_to_frames_and_join_the_ethogram(labeling):
    labeling.load(
        Intervals(np.array([FRAME_TIMES[3] + 0.001]), np.array([FRAME_TIMES[9]]), ("rest",), ("n",)),
        Events(np.array([FRAME_TIMES[50]]), ("jump",)),
    )
    assert (labeling.bouts[0].start, labeling.bouts[0].end, labeling.bouts[0].note) == (3, 9, "n")
    assert labeling.marks[0].frame == 50
    assert labeling.ethogram["rest"].kind == "state" and labeling.ethogram["jump"].kind == "point"
    assert labeling.undo() and labeling.bouts == ()


def test_listeners_hear_every_change(labeling):
    heard = []
    labeling.listeners.append(lambda: heard.append(len(labeling.bouts)))
    labeling.press("grooming", 1)
    labeling.undo()
    labeling.redo()
    assert heard == [1, 0, 1]


# --- files ------------------------------------------------------------------------------------------------

NOTES = ("plain", 'with "quotes", and a comma', "two\nlines", "", "# not a comment", "null")  # "null": not missing
LABELS = ("a", "b, c", "NA", 'd "e"', "a: b", "a")  # "NA" (say, not annotated) is a name, not a missing value


def _intervals() -> Intervals:
    starts = np.array([0.1, 1 / 3, 2.718281828459045, 10.000000000000002, 1e-9, 20.0])
    return Intervals(starts, starts + np.array([0.2, 1 / 7, 1.0, 0.5, 3.0, 1.0]), LABELS, NOTES)


@pytest.mark.parametrize("format, suffix", [("loupe", ".csv"), ("boris", ".tsv")])
def test_intervals_written_read_back_exactly(tmp_path, format, suffix):
    written = _intervals()
    path = write_intervals(written, tmp_path / f"labels{suffix}", format=format)
    read = read_intervals(path)
    order = np.argsort(written.starts)
    assert read.starts.tolist() == written.starts[order].tolist()
    assert read.ends.tolist() == written.ends[order].tolist()
    assert read.labels == tuple(written.labels[i] for i in order)
    assert read.notes == tuple(written.notes[i] for i in order)


@pytest.mark.parametrize("format, suffix", [("loupe", ".csv"), ("boris", ".tsv")])
def test_events_written_read_back_exactly(tmp_path, format, suffix):
    written = Events(np.array([0.1 + 0.2, 1 / 3, 7.0, 8.0]), ("sprint", "wing, extension", 'say "hi"', "NA"))
    read = read_events(write_events(written, tmp_path / f"events{suffix}", format=format))
    assert read.times.tolist() == written.times.tolist() and read.kinds == written.kinds


def test_one_boris_file_holds_intervals_and_events_back_to_back(tmp_path):
    intervals = Intervals(np.array([1.0, 2.0]), np.array([2.0, 3.0]), ("a", "a"), ("", ""))
    events = Events(np.array([2.0]), ("p",))
    path = write_boris_tabular(tmp_path / "both.tsv", intervals=intervals, events=events)
    assert read_intervals(path).ends.tolist() == [2.0, 3.0]  # the STOP at 2 s pairs before the START at 2 s
    assert read_events(path).kinds == ("p",)


def test_empty_label_files_read_as_empty(tmp_path):
    empty = Intervals(np.zeros(0), np.zeros(0), (), ())
    assert len(read_intervals(write_intervals(empty, tmp_path / "i.csv")).starts) == 0
    assert len(read_intervals(write_boris_tabular(tmp_path / "b.tsv")).starts) == 0
    assert len(read_events(write_boris_tabular(tmp_path / "e.tsv", overwrite=True)).times) == 0


def test_writing_never_overwrites_an_input_unless_told(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("start,end,label\n1,2,x\n")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_intervals(_intervals(), path)
    assert read_intervals(path).labels == ("x",)
    write_intervals(_intervals(), path, overwrite=True)
    assert len(read_intervals(path).labels) == len(LABELS)
    assert [p.name for p in tmp_path.iterdir()] == ["labels.csv"]  # no temporary file left behind


def test_unknown_label_format(tmp_path):
    with pytest.raises(LabelError, match="'loupe' or 'boris'"):
        write_intervals(_intervals(), tmp_path / "x.csv", format="excel")


# --- ethograms ----------------------------------------------------------------------------------------------


def test_yaml_and_csv_ethograms_round_trip(tmp_path):
    for suffix in (".yaml", ".csv"):
        path = write_ethogram(ETHOGRAM, tmp_path / f"ethogram{suffix}")
        read = read_ethogram(path)
        assert [(b.name, b.key, b.color, b.kind, b.group) for b in read.behaviors] == [
            (b.name, b.key, b.color, b.kind, b.group) for b in ETHOGRAM.behaviors
        ]
    assert ETHOGRAM.excluded_by("courting") == {"apart"}
    assert ETHOGRAM["courting"].rgba == (1.0, 0.0, 0.0, 1.0)


def _boris_project(path, behaviors: dict, compress: bool = False):
    content = json.dumps({"project_name": "flies", "behaviors_conf": behaviors, "observations": {}}).encode()
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_boris_project_ethogram(tmp_path, compress):
    path = _boris_project(
        tmp_path / "flies.boris",
        {
            "0": {
                "type": "State event",
                "key": "c",
                "code": "courting",
                "description": "",
                "color": "tab:red",
                "category": "",
                "modifiers": "",
                "excluded": "apart",
                "coding map": "",
            },
            "1": {"type": "State event", "key": "a", "code": "apart", "color": "", "excluded": "courting"},
            "2": {"type": "Point event", "key": "s", "code": "sprint", "color": "#00ff00", "excluded": ""},
        },
        compress,
    )
    ethogram = read_ethogram(path)
    assert ethogram.names == ["courting", "apart", "sprint"]
    assert [b.kind for b in ethogram.behaviors] == ["state", "state", "point"]
    assert ethogram["courting"].color == "#d62728" and ethogram["sprint"].key == "s"
    assert ethogram.excluded_by("apart") == {"courting"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("- {name: a, key: x}\n- {name: b, key: X}\n", "share the key"),
        ("- {name: a, kind: bout}\n", "use 'state'"),
        ("- {name: a, color: reddish}\n", "#rrggbb"),
        ("- {name: a, excludes: [b]}\n", "excludes \\['b'\\]"),
        ("behaviors: 3\n", "a list of behaviors"),
        ("- {name: a, colour: red}\n", "unknown behavior field"),
    ],
)
def test_bad_ethograms_say_what_to_fix(tmp_path, content, message):
    path = tmp_path / "ethogram.yaml"
    path.write_text(content)
    with pytest.raises(EthogramError, match=message):
        read_ethogram(path)


def test_a_boris_file_without_an_ethogram(tmp_path):
    path = tmp_path / "x.boris"
    path.write_text("{}")
    with pytest.raises(EthogramError, match="behaviors_conf"):
        read_ethogram(path)
