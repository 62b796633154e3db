"""read_events / read_intervals: column names, units, BORIS aggregated and tabular exports, and bad input."""

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import LabelError, read_events, read_intervals

BORIS_AGGREGATED = """Observation id,Subject,Behavior,Behavioral category,Modifiers,Behavior type,Start (s),Stop (s),Duration (s),Comment start,Comment stop
obs1,mouse,grooming,,,STATE,12.5,20.0,7.5,,
obs1,mouse,rearing,,,STATE,3.0,4.5,1.5,first rear,
obs1,mouse,jump,,,POINT,8.0,8.0,0,,
"""


def test_events_in_ms_are_sorted_seconds(tmp_path):
    (tmp_path / "events.csv").write_text("time_ms,kind\n5000,stim\n1200,lick\n")
    events = read_events(tmp_path / "events.csv")
    np.testing.assert_allclose(events.times, [1.2, 5.0])
    assert events.kinds == ("lick", "stim")


def test_events_without_a_kind_column(tmp_path):
    events = read_events(pd.DataFrame({"onset": [1.0, 2.0]}))
    assert events.kinds == ("event", "event")


def test_loupe_legacy_intervals_with_notes(tmp_path):
    (tmp_path / "labels.csv").write_text("start_s,end_s,label,note\n10,20,NREM,\n0,10,Wake,moving\n")
    intervals = read_intervals(tmp_path / "labels.csv")
    np.testing.assert_allclose(intervals.starts, [0, 10])
    assert intervals.labels == ("Wake", "NREM") and intervals.notes == ("moving", "")
    assert intervals.label_at(9.99) == "Wake" and intervals.label_at(10) == "NREM" and intervals.label_at(20) is None


def test_boris_aggregated_export(tmp_path):
    (tmp_path / "boris.tsv").write_text(BORIS_AGGREGATED.replace(",", "\t"))
    intervals = read_intervals(tmp_path / "boris.tsv")
    assert intervals.labels == ("rearing", "grooming")  # STATE rows only, by start
    np.testing.assert_allclose(intervals.ends, [4.5, 20.0])
    assert intervals.notes == ("first rear", "")
    events = read_events(tmp_path / "boris.tsv")
    assert events.kinds == ("jump",)  # POINT rows only


def test_duration_instead_of_end():
    intervals = read_intervals(pd.DataFrame({"onset": [1.0], "duration": [2.5], "state": ["REM"]}))
    np.testing.assert_allclose(intervals.ends, [3.5])


def test_bad_label_tables_say_what_is_wrong(tmp_path):
    with pytest.raises(LabelError, match=r"no time column.*\['when', 'kind'\].*time, t, timestamp"):
        read_events(pd.DataFrame({"when": [1.0], "kind": ["x"]}))
    with pytest.raises(LabelError, match=r"no end or duration column"):
        read_intervals(pd.DataFrame({"start": [1.0], "label": ["x"]}))
    with pytest.raises(LabelError, match=r"rows \[1\] end before they start \(e.g. 5 to 4 s\)"):
        read_intervals(pd.DataFrame({"start": [1.0, 5.0], "end": [2.0, 4.0], "label": ["a", "b"]}))
    with pytest.raises(LabelError, match=r"'time' has missing or non-numeric times at rows \[1\]"):
        read_events(pd.DataFrame({"time": ["1.0", "soon"], "kind": ["a", "b"]}))


BORIS_TABULAR_COLUMNS = (
    "Observation id\tObservation date\tDescription\tObservation duration\tObservation type\tSource\t"
    "Media duration (s)\tFPS\tSubject\tBehavior\tBehavioral category\tBehavior type\tTime\t"
    "Media file name\tImage index\tImage file path\tComment"
)


def boris_tabular(path, rows):
    """A BORIS tabular events export (TSV): one row per START, STOP or POINT of (subject, behavior, type, time)."""
    lines = [BORIS_TABULAR_COLUMNS] + [
        f"obs1\t2024-05-02 10:00:00\t\t60.0\tMedia file(s)\tplayer #1:mouse.mp4\t60.0\t30.0\t{subject}\t{behavior}\t"
        f"\t{kind}\t{time}\tmouse.mp4\t{round(time * 30)}\tNA\t{comment}"
        for subject, behavior, kind, time, comment in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_boris_tabular_events_pair_start_and_stop_per_subject_and_behavior(tmp_path):
    path = boris_tabular(
        tmp_path / "boris_events.tsv",
        [
            ("mouse2", "grooming", "STOP", 6.5, ""),  # listed before its START: rows are sorted by time first
            ("mouse1", "grooming", "START", 2.0, "paws"),
            ("mouse2", "grooming", "START", 3.0, ""),
            ("mouse1", "sniff", "POINT", 4.5, ""),
            ("mouse1", "grooming", "STOP", 5.0, ""),
            ("mouse1", "grooming", "START", 8.0, ""),
            ("mouse1", "grooming", "STOP", 9.0, ""),
            ("mouse2", "rearing", "POINT", 1.0, ""),
        ],
    )
    intervals = read_intervals(path)
    assert intervals.labels == ("mouse1: grooming", "mouse2: grooming", "mouse1: grooming")
    np.testing.assert_allclose(intervals.starts, [2.0, 3.0, 8.0])
    np.testing.assert_allclose(intervals.ends, [5.0, 6.5, 9.0])
    assert intervals.notes == ("paws", "", "")
    events = read_events(path)
    assert events.kinds == ("mouse2: rearing", "mouse1: sniff")
    np.testing.assert_allclose(events.times, [1.0, 4.5])


def test_boris_tabular_events_of_one_subject_are_labelled_by_behavior(tmp_path):
    path = boris_tabular(
        tmp_path / "one.tsv", [("mouse", "rearing", "START", 1.0, ""), ("mouse", "rearing", "STOP", 2.5, "")]
    )
    assert read_intervals(path).labels == ("rearing",)
    assert read_events(path).kinds == ()


@pytest.mark.parametrize(
    "kind, message",
    [
        ("START", r"behavior 'grooming' of subject 'mouse1' starts at 8 s and never stops"),
        ("STOP", r"behavior 'grooming' of subject 'mouse1' stops at 8 s without a START before it"),
    ],
)
def test_boris_tabular_events_with_an_unmatched_start_or_stop(tmp_path, kind, message):
    path = boris_tabular(
        tmp_path / "unmatched.tsv",
        [
            ("mouse1", "grooming", "START", 2.0, ""),
            ("mouse1", "grooming", "STOP", 5.0, ""),
            ("mouse1", "grooming", kind, 8.0, ""),
            ("mouse2", "grooming", "START", 3.0, ""),
            ("mouse2", "grooming", "STOP", 4.0, ""),
        ],
    )
    with pytest.raises(LabelError, match=message):
        read_intervals(path)
