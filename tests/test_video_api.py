"""The VideoSource interface: indexing like numpy, the dask view, thread safety, external frame times."""

from __future__ import annotations

import threading
import time

import dask.array as da
import numpy as np
import pytest

from napari_chronoviz import FrameTimesError, open_video
from napari_chronoviz.testing import read_stamp


@pytest.fixture
def video(stamped_videos):
    with open_video(stamped_videos["bframes_gop250"]) as opened:
        yield opened


def stamps(frames) -> list[int]:
    return [read_stamp(frame) for frame in frames]


def test_shape_dtype_and_nominal_rate(video):
    assert video.shape == (600, 120, 160, 3)
    assert len(video) == 600 and video.ndim == 4 and video.dtype == np.uint8
    assert video.fps == pytest.approx(30)


def test_numpy_style_indexing(video):
    assert read_stamp(video[-1]) == 599
    assert stamps(video[10:14]) == [10, 11, 12, 13]
    assert stamps(video[20:10:-3]) == [20, 17, 14, 11]
    assert stamps(video[[5, 400, 3]]) == [5, 400, 3]
    assert video[7, :10, :20].shape == (10, 20, 3)
    assert video[3:5, 0, 0].shape == (2, 3)
    with pytest.raises(IndexError, match="out of range"):
        video[600]


def test_dask_view_is_lazy_and_exact(video):
    lazy = video.to_dask()
    assert isinstance(lazy, da.Array)
    assert lazy.shape == video.shape and lazy.chunks[0] == (1,) * 600
    assert read_stamp(lazy[321].compute()) == 321
    assert stamps(lazy[100:103].compute()) == [100, 101, 102]


def test_threads_sharing_a_video_get_their_own_frames(video):
    errors = []

    def reader(seed):
        for k in np.random.default_rng(seed).integers(0, 600, 40):
            if read_stamp(video[int(k)]) != k:
                errors.append((seed, int(k)))

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_frame_times_from_an_array_and_from_files(stamped_videos, tmp_path):
    path = stamped_videos["constant_rate"]
    times = 100 + np.arange(90) * 0.04
    with open_video(path, frame_times=times) as video:
        np.testing.assert_array_equal(video.frame_times, times)
    np.save(tmp_path / "times.npy", times)
    with open_video(path, frame_times=tmp_path / "times.npy") as video:
        np.testing.assert_array_equal(video.frame_times, times)
    (tmp_path / "times.csv").write_text("time_ms\n" + "\n".join(str(t * 1000) for t in times))
    with open_video(path, frame_times=tmp_path / "times.csv") as video:
        np.testing.assert_allclose(video.frame_times, times)


def test_frame_times_of_the_wrong_length_name_both_counts(stamped_videos):
    with pytest.raises(FrameTimesError, match=r"holds 89 frame times but video .* has 90 frames"):
        open_video(stamped_videos["constant_rate"], frame_times=np.arange(89.0))


def test_frame_times_must_increase(stamped_videos):
    times = np.arange(90.0)
    times[40] = times[39]
    with pytest.raises(FrameTimesError, match=r"must be strictly increasing, but frames \[40\]"):
        open_video(stamped_videos["constant_rate"], frame_times=times)


def test_opencv_backend_reads_through_napari_video(stamped_videos):
    with open_video(stamped_videos["constant_rate"], backend="opencv") as video:
        assert type(video).__name__ == "OpenCVVideo"
        assert video.shape == (90, 120, 160, 3)
        assert read_stamp(video[42]) == 42


def test_unknown_backend_is_refused(stamped_videos):
    with pytest.raises(ValueError, match="Unknown video backend 'gstreamer'"):
        open_video(stamped_videos["constant_rate"], backend="gstreamer")


def wait_until(condition, timeout=5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_playback_is_decoded_ahead_in_the_background(video):
    video[100], video[101]
    assert wait_until(lambda: all(k in video._cache for k in range(102, 110)))
    assert stamps(video[102:110]) == list(range(102, 110))


def test_random_jumps_do_not_read_ahead(video):
    video[300]
    time.sleep(0.3)
    assert 301 not in video._cache


def test_keyframes_and_timestamps_are_exposed(video):
    assert video.keyframes.tolist() == [0, 250, 500]
    np.testing.assert_allclose(video.pts * float(video._index.time_base), video.frame_times)
