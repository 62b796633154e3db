"""Every timing case: the frame returned for index k is frame k, and frame_times are the container's."""

from __future__ import annotations

import warnings

import av
import numpy as np
import pytest

from conftest import TIMING_CASES
from napari_chronoviz import open_video
from napari_chronoviz.testing import read_stamp


def presentation_times(path) -> list[float]:
    """The times a plain PyAV decode of the whole file reports, frame by frame."""
    with av.open(str(path)) as container:
        return [float(frame.pts * frame.time_base) for frame in container.decode(video=0)]


@pytest.mark.parametrize("case", sorted(TIMING_CASES))
def test_sequential_reads_return_each_frame(stamped_videos, case):
    path = stamped_videos[case]
    n_frames = TIMING_CASES[case][1]["n_frames"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete file must not look truncated
        video = open_video(path)
    with video:
        assert len(video) == n_frames
        assert [read_stamp(video[k]) for k in range(len(video))] == list(range(n_frames))


@pytest.mark.parametrize("case", sorted(TIMING_CASES))
def test_random_reads_out_of_order_return_the_asked_frame(stamped_videos, case):
    path = stamped_videos[case]
    with open_video(path) as video:
        wanted = np.random.default_rng(3).integers(0, len(video), 200)
        assert [read_stamp(video[int(k)]) for k in wanted] == wanted.tolist()


@pytest.mark.parametrize("case", sorted(TIMING_CASES))
def test_frame_times_are_the_presentation_times(stamped_videos, case):
    path = stamped_videos[case]
    with open_video(path) as video:
        np.testing.assert_allclose(video.frame_times, presentation_times(path), atol=1e-9)
        assert video.shape[1:] == (video.height, video.width, 3)
        assert video[0].dtype == np.uint8


def test_variable_rate_times_follow_the_written_timestamps(stamped_videos):
    options = TIMING_CASES["variable_rate"][1]
    with open_video(stamped_videos["variable_rate"]) as video:
        written = options["pts"] * float(options["time_base"])
        np.testing.assert_allclose(video.frame_times, written, atol=1e-3)
        steps = np.diff(video.frame_times)
        assert steps.max() / steps.min() > 2  # really variable: index / fps would be wrong


def test_avi_first_presentation_time_is_not_zero(stamped_videos):
    with open_video(stamped_videos["mpeg4_avi"]) as video:
        assert video.frame_times[0] > 0
        assert read_stamp(video[0]) == 0


def test_high_fps_times_step_by_4_ms(stamped_videos):
    with open_video(stamped_videos["high_fps_250"]) as video:
        assert video.fps == pytest.approx(250)
        np.testing.assert_allclose(np.diff(video.frame_times), 0.004, atol=1e-6)


def test_odd_size_is_kept(stamped_videos):
    with open_video(stamped_videos["odd_size_641x479"]) as video:
        assert video.shape == (60, 479, 641, 3)
        assert video[5].shape == (479, 641, 3)


def test_backward_steps_and_jumps_across_keyframes(stamped_videos):
    with open_video(stamped_videos["bframes_gop250"]) as video:
        order = [599, 598, 250, 249, 251, 0, 500, 499, 1, 300, 301, 302, 10]
        assert [read_stamp(video[k]) for k in order] == order
