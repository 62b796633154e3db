"""read_frame_times: numeric files, camera logs, imgstore indexes, ataraxis DataLogger archives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import FrameTimesError, open_video, read_frame_times


def test_npy_and_headerless_csv(tmp_path):
    times = np.array([0.0, 0.033, 0.07, 0.1])
    np.save(tmp_path / "t.npy", times)
    np.testing.assert_array_equal(read_frame_times(tmp_path / "t.npy"), times)
    (tmp_path / "t.csv").write_text("\n".join(map(str, times)))
    np.testing.assert_allclose(read_frame_times(tmp_path / "t.csv"), times)


def test_unit_from_the_column_name_or_argument(tmp_path):
    (tmp_path / "log.csv").write_text("frame,timestamp_us\n0,0\n1,33000\n2,66500\n")
    np.testing.assert_allclose(read_frame_times(tmp_path / "log.csv"), [0, 0.033, 0.0665])
    np.save(tmp_path / "ms.npy", np.array([0.0, 33.0, 66.0]))
    np.testing.assert_allclose(read_frame_times(tmp_path / "ms.npy", time_unit="ms"), [0, 0.033, 0.066])


def test_table_without_a_time_column_is_explained(tmp_path):
    (tmp_path / "table.csv").write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(FrameTimesError, match=r"table.csv has 2 columns \['a', 'b'\] and none is named like a time"):
        read_frame_times(tmp_path / "table.csv")


def test_real_camera_log(shared_data):
    path = shared_data / "timestamps" / "_iblrig_bodyCamera.timestamps.ssv"
    times = read_frame_times(path)
    assert len(times) == 6001
    first = pd.Timestamp("2020-08-19T12:42:57.7903616-04:00")
    assert times[0] == pytest.approx(first.timestamp(), abs=1e-6)
    steps_ms = np.diff(times) * 1e3
    assert np.median(steps_ms) == pytest.approx(33.09, abs=0.01)
    assert steps_ms.min() == pytest.approx(30.96, abs=0.01) and steps_ms.max() == pytest.approx(36.25, abs=0.01)


def test_camera_log_as_frame_times_of_a_video(shared_data, tmp_path):
    from napari_chronoviz.testing import make_stamped_video

    path = shared_data / "timestamps" / "_iblrig_bodyCamera.timestamps.ssv"
    video_path = make_stamped_video(tmp_path / "cam.mp4", 6001, size=(32, 32))
    with open_video(video_path, frame_times=path) as video:
        np.testing.assert_array_equal(video.frame_times, read_frame_times(path))


def ataraxis_entry(source: int, elapsed_us: int, payload: bytes = b"") -> np.ndarray:
    return np.frombuffer(bytes([source]) + np.uint64(elapsed_us).tobytes() + payload, dtype=np.uint8)


def write_ataraxis_log(path, sources):
    entries = {}
    for source, (onset_us, elapsed) in sources.items():
        for value in [0, *elapsed]:
            payload = np.uint64(onset_us).tobytes() if value == 0 else b""
            entries[f"{source:03d}_{value:020d}"] = ataraxis_entry(source, value, payload)
    np.savez(path, **entries)
    return path


def test_ataraxis_log(tmp_path):
    onset = 1_700_000_000_000_000
    path = write_ataraxis_log(tmp_path / "051_log.npz", {51: (onset, [1000, 34000, 67500])})
    np.testing.assert_allclose(read_frame_times(path), (onset + np.array([1000, 34000, 67500])) / 1e6)


def test_ataraxis_log_with_several_sources_needs_a_choice(tmp_path):
    path = write_ataraxis_log(tmp_path / "log.npz", {51: (10**15, [10, 20]), 52: (2 * 10**15, [5, 15, 25])})
    with pytest.raises(FrameTimesError, match=r"several sources: 51 \(3 entries\), 52 \(4 entries\)"):
        read_frame_times(path)
    np.testing.assert_allclose(read_frame_times(path, source_id=52), (2 * 10**15 + np.array([5, 15, 25])) / 1e6)


def test_ataraxis_log_without_onset(tmp_path):
    path = tmp_path / "broken_log.npz"
    np.savez(path, **{"051_00000000000000000100": ataraxis_entry(51, 100)})
    with pytest.raises(FrameTimesError, match="no onset entry"):
        read_frame_times(path)
