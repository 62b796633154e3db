"""One rule for time units in every reader: an explicit `time_unit` beats a unit suffix in the column's name,
which beats the default, seconds."""

from __future__ import annotations

import numpy as np
import pytest

from napari_chronoviz import (
    FrameTimesError,
    LabelError,
    SignalError,
    read_events,
    read_frame_times,
    read_intervals,
    read_timeseries,
)


def write(path, text: str):
    path.write_text(text)
    return path


def signal_times(path, **options):
    return read_timeseries(path, **options).times


def event_times(path, **options):
    return read_events(path, **options).times


def interval_bounds(path, **options):
    intervals = read_intervals(path, **options)
    return np.concatenate([intervals.starts, intervals.ends])


READERS = {  # reader -> (table with a unit suffix in its time column's name, its times in the unit named)
    "read_timeseries": (signal_times, "time_ms,dff\n0,1\n500,2\n1000,3\n", [0, 500, 1000]),
    "read_events": (event_times, "time_ms,kind\n500,lick\n1000,stim\n", [500, 1000]),
    "read_intervals": (interval_bounds, "start_ms,end_ms,label\n500,1000,rest\n", [500, 1000]),
    "read_frame_times": (read_frame_times, "frame_time_ms,frame\n0,0\n40,1\n80,2\n", [0, 40, 80]),
}


@pytest.mark.parametrize("reader", READERS)
def test_the_suffix_of_the_name_sets_the_unit_when_no_unit_is_given(reader, tmp_path):
    read, table, values = READERS[reader]
    np.testing.assert_allclose(read(write(tmp_path / "table.csv", table)), np.array(values) / 1000)


@pytest.mark.parametrize("reader", READERS)
def test_an_explicit_time_unit_beats_the_suffix_of_the_name(reader, tmp_path):
    read, table, values = READERS[reader]
    path = write(tmp_path / "table.csv", table)
    np.testing.assert_allclose(read(path, time_unit="us"), np.array(values) / 1e6)
    np.testing.assert_allclose(read(path, time_unit="s"), values)


@pytest.mark.parametrize("reader", READERS)
def test_without_suffix_or_unit_the_times_are_seconds(reader, tmp_path):
    read, table, values = READERS[reader]
    path = write(tmp_path / "table.csv", table.replace("_ms", ""))
    np.testing.assert_allclose(read(path), values)
    np.testing.assert_allclose(read(path, time_unit="ms"), np.array(values) / 1000)


@pytest.mark.parametrize(
    "reader, error",
    [
        ("read_timeseries", SignalError),
        ("read_events", LabelError),
        ("read_intervals", LabelError),
        ("read_frame_times", FrameTimesError),
    ],
)
def test_an_unknown_time_unit_is_refused_with_the_known_ones(reader, error, tmp_path):
    read, table, _ = READERS[reader]
    with pytest.raises(error, match="Unknown time unit 'minutes'.*ms"):
        read(write(tmp_path / "table.csv", table), time_unit="minutes")


def test_an_explicit_unit_beats_an_hdf5_unit_attribute(tmp_path):
    import h5py

    path = tmp_path / "rig.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("time", data=[0.0, 500.0]).attrs["unit"] = "ms"
        handle.create_dataset("values", data=[1.0, 2.0])
    np.testing.assert_allclose(read_timeseries(path).times, [0, 0.5])
    np.testing.assert_allclose(read_timeseries(path, time_unit="s").times, [0, 500])


def test_frame_time_files_that_fix_their_unit_refuse_one(tmp_path, shared_data):
    log = shared_data / "timestamps" / "_iblrig_bodyCamera.timestamps.ssv"
    with pytest.raises(FrameTimesError, match="time_unit='ms' cannot apply.*ISO-8601.*Leave time_unit out"):
        read_frame_times(log, time_unit="ms")
    with pytest.raises(FrameTimesError, match="cannot apply.*imgstore"):
        read_frame_times(shared_data / "imgstore_mp4", time_unit="s")
    np.save(tmp_path / "times.npy", np.array([0.0, 40.0]))
    np.testing.assert_allclose(read_frame_times(tmp_path / "times.npy", time_unit="ms"), [0, 0.04])
