"""read_timeseries: every input form, time columns and units, long tables, pairs, and the bad-input messages."""

import h5py
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import SignalError, align, read_signal_pairs, read_timeseries, sample_file

TIMES = np.arange(10) * 0.1
VALUES = np.column_stack([np.sin(TIMES), np.cos(TIMES)])


def write(path, text):
    path.write_text(text)
    return path


def test_csv_with_a_ms_time_column_gives_seconds(tmp_path):
    table = pd.DataFrame({"time_ms": TIMES * 1000, "dff": VALUES[:, 0], "isos": VALUES[:, 1]})
    table.to_csv(tmp_path / "photometry.csv", index=False)
    signal = read_timeseries(tmp_path / "photometry.csv")
    np.testing.assert_allclose(signal.times, TIMES)
    np.testing.assert_allclose(signal.values, VALUES)
    assert signal.names == ("dff", "isos")
    assert list(signal.to_dataframe().columns) == ["time", "dff", "isos"]


@pytest.mark.parametrize("separator", ["\t", ";", " "])
def test_delimiter_is_sniffed_and_a_headerless_table_is_all_channels(tmp_path, separator):
    lines = "\n".join(separator.join(f"{value:.6f}" for value in row) for row in VALUES)
    signal = read_timeseries(write(tmp_path / "wheel.txt", lines + "\n"))
    assert signal.times is None
    np.testing.assert_allclose(signal.values, VALUES, atol=1e-6)


def test_time_column_given_and_unit_given(tmp_path):
    table = pd.DataFrame({"clock": TIMES * 1e6, "speed": VALUES[:, 0]})
    table.to_csv(tmp_path / "speed.csv", index=False)
    signal = read_timeseries(tmp_path / "speed.csv", time_column="clock", time_unit="us")
    np.testing.assert_allclose(signal.times, TIMES)
    assert signal.names == ("speed",)


def test_a_frame_column_means_frame_indices_and_the_timeline_uses_them(tmp_path):
    table = pd.DataFrame({"Frame": [10, 11, 12, 13], "area": [1.0, 2.0, 3.0, 4.0]})
    signal = read_timeseries(table)
    assert signal.times is None and list(signal.frames) == [10, 11, 12, 13]
    alignment = align(np.arange(20) / 30, signal)
    assert np.isnan(alignment.positions[9]) and alignment.positions[10] == 0 and alignment.positions[13] == 3
    assert alignment.values(signal.values, 12)[0] == 3.0


def test_long_tables_are_pivoted_to_one_channel_per_name():
    long = pd.DataFrame(
        {
            "frame": [0, 0, 1, 1, 2, 2],
            "roi_name": ["left", "right"] * 3,
            "percentage_in_roi": [10.0, 90.0, 20.0, 80.0, 30.0, 70.0],
        }
    )
    signal = read_timeseries(long)
    assert signal.names == ("left", "right")
    np.testing.assert_array_equal(signal.values, [[10, 90], [20, 80], [30, 70]])
    np.testing.assert_array_equal(signal.frames, [0, 1, 2])


def test_pandas_hdf5_key_listing_and_choice(tmp_path):
    path = tmp_path / "signals.h5"
    pd.DataFrame({"t": TIMES, "a": VALUES[:, 0]}).to_hdf(path, key="photometry")
    pd.DataFrame({"t": TIMES, "b": VALUES[:, 1]}).to_hdf(path, key="wheel")
    with pytest.raises(SignalError, match=r"2 tables \['/photometry', '/wheel'\].*key="):
        read_timeseries(path)
    with pytest.raises(SignalError, match=r"no table 'lick'.*'/photometry', '/wheel'"):
        read_timeseries(path, key="lick")
    signal = read_timeseries(path, key="wheel")
    assert signal.names == ("b",)
    np.testing.assert_allclose(signal.values[:, 0], VALUES[:, 1])


def test_raw_hdf5_datasets_with_channels_first_and_a_unit_attribute(tmp_path):
    path = tmp_path / "rig.h5"
    with h5py.File(path, "w") as handle:
        handle["signals"] = VALUES.T  # channels x samples, as many DAQ scripts write it
        handle["times"] = TIMES * 1000
        handle["times"].attrs["unit"] = "ms"
    signal = read_timeseries(path)
    np.testing.assert_allclose(signal.times, TIMES)
    np.testing.assert_allclose(signal.values, VALUES)
    assert signal.names == ("signals[0]", "signals[1]")


def test_raw_hdf5_with_several_candidates_lists_them(tmp_path):
    path = tmp_path / "rig.h5"
    with h5py.File(path, "w") as handle:
        handle["lick"] = np.zeros((5, 2))
        handle["wheel"] = np.zeros(7)
    with pytest.raises(SignalError, match=r"unclear which.*'lick' \(5, 2\).*'wheel' \(7,\).*key="):
        read_timeseries(path)
    assert read_timeseries(path, key="wheel").n_samples == 7


def test_npy_npz_and_memory_inputs(tmp_path):
    np.save(tmp_path / "trace.npy", VALUES)
    np.testing.assert_allclose(read_timeseries(tmp_path / "trace.npy").values, VALUES)
    np.savez(tmp_path / "trace.npz", t=TIMES, left=VALUES[:, 0], right=VALUES[:, 1])
    signal = read_timeseries(tmp_path / "trace.npz")
    assert signal.names == ("left", "right")
    np.testing.assert_allclose(signal.times, TIMES)
    assert read_timeseries([1, 2, 3]).values.shape == (3, 1)
    assert read_timeseries(VALUES).names == ("channel 0", "channel 1")


def test_parquet_and_the_message_without_pyarrow(tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    pd.DataFrame({"time": TIMES, "x": VALUES[:, 0]}).to_parquet(tmp_path / "x.parquet")
    np.testing.assert_allclose(read_timeseries(tmp_path / "x.parquet").times, TIMES)

    def no_pyarrow(*args, **kwargs):
        raise ImportError("Unable to find a usable engine")

    monkeypatch.setattr(pd, "read_parquet", no_pyarrow)
    with pytest.raises(SignalError, match=r"x.parquet needs pyarrow.*pip install pyarrow"):
        read_timeseries(tmp_path / "x.parquet")


def test_loupe_pairs_one_signal_per_name(tmp_path):
    for name, rate in (("eeg", 100), ("emg", 50)):
        np.save(tmp_path / f"{name}_t.npy", np.arange(rate) / rate)
        np.save(tmp_path / f"{name}_y.npy", np.arange(rate, dtype=float))
    pairs = read_signal_pairs(tmp_path)
    assert list(pairs) == ["eeg", "emg"] and pairs["emg"].n_samples == 50
    np.testing.assert_allclose(pairs["emg"].times[1], 1 / 50)
    assert read_timeseries(tmp_path / "eeg_t.npy").names == ("eeg",)
    (tmp_path / "emg_t.npy").unlink()
    with pytest.raises(SignalError, match=r"partner .*emg_t.npy does not exist"):
        read_timeseries(tmp_path / "emg_y.npy")


def test_dlc_table_as_a_signal_gets_readable_channel_names():
    path = sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")  # as in ../shared/data/dlc_openfield
    signal = read_timeseries(path)
    assert signal.n_samples == 2330 and signal.names[:3] == ("snout/x", "snout/y", "snout/likelihood")


# --- bad input -------------------------------------------------------------------------------------------


def test_no_numeric_columns_names_the_columns(tmp_path):
    path = write(tmp_path / "notes.csv", "time,comment\n0,a\n1,b\n")
    with pytest.raises(SignalError, match=r"notes.csv has no numeric value columns.*'comment'"):
        read_timeseries(path)


def test_ragged_rows_name_the_line(tmp_path):
    path = write(tmp_path / "ragged.csv", "time,a,b\n0,1,2\n1,3\n2,4,5\n")
    with pytest.raises(SignalError, match=r"ragged.csv: line 3 has 2 fields but line 1 has 3"):
        read_timeseries(path)


def test_nan_and_inf_runs_are_kept_and_counted(tmp_path):
    values = np.arange(10.0)
    values[[2, 3, 7]] = np.nan
    values[8] = np.inf
    with pytest.warns(UserWarning, match=r"4 NaN/Inf values in 2 runs"):
        signal = read_timeseries(values)
    assert np.isnan(signal.values[[2, 3, 7, 8], 0]).all()


def test_non_monotonic_times_name_the_rows(tmp_path):
    table = pd.DataFrame({"time": [0.0, 0.1, 0.1, 0.3, 0.2], "x": np.arange(5.0)})
    with pytest.raises(SignalError, match=r"'time' must be strictly increasing, but rows \[2, 4\]"):
        read_timeseries(table)


def test_missing_key_time_column_and_columns_are_listed(tmp_path):
    table = pd.DataFrame({"time": TIMES, "x": VALUES[:, 0]})
    with pytest.raises(SignalError, match=r"no column 'clock'.*\['time', 'x'\]"):
        read_timeseries(table, time_column="clock")
    with pytest.raises(SignalError, match=r"no column\(s\) \['y'\]"):
        read_timeseries(table, columns=["y"])
    np.savez(tmp_path / "a.npz", t=TIMES, x=VALUES[:, 0])
    with pytest.raises(SignalError, match=r"no 'y'; it holds 't' \(10,\), 'x' \(10,\)"):
        read_timeseries(tmp_path / "a.npz", key="y")


def test_unknown_unit_and_format(tmp_path):
    table = pd.DataFrame({"time": TIMES, "x": VALUES[:, 0]})
    with pytest.raises(SignalError, match=r"Unknown time unit 'minutes'"):
        read_timeseries(table, time_unit="minutes")
    with pytest.raises(SignalError, match=r"unknown time series format '.mat'"):
        read_timeseries(write(tmp_path / "x.mat", ""))


def test_times_in_ms_read_as_seconds_are_caught_by_the_timeline(tmp_path):
    table = pd.DataFrame({"time": np.arange(3000) * 33.3, "x": np.zeros(3000)})  # ms, named without a unit
    signal = read_timeseries(table)
    with pytest.warns(UserWarning, match=r"spans 999x the video: are its times in milliseconds\? Give its time unit"):
        align(np.arange(3000) / 30, signal)
