"""The real recordings in ../shared/data: frame counts, and random access equal to a plain decode."""

from __future__ import annotations

import av
import numpy as np
import pytest

from napari_chronoviz import open_video

REAL_VIDEOS = {
    "dlc_openfield/m3v1mp4.mp4": (2330, (480, 640), 30.0),
    "sleap_flies/clip.mp4": (1500, (1024, 1024), 25.0),
    "sleap_centered_pair/centered_pair_low_quality.mp4": (1100, (384, 384), 15.0),
}


@pytest.mark.parametrize("relative_path", sorted(REAL_VIDEOS))
def test_real_video_frames_match_a_plain_sequential_decode(shared_data, relative_path):
    n_frames, size, fps = REAL_VIDEOS[relative_path]
    path = shared_data / relative_path
    wanted = set(np.random.default_rng(5).integers(0, n_frames, 25).tolist()) | {0, n_frames - 1}
    with av.open(str(path)) as container:
        reference = {
            index: frame.to_ndarray(format="rgb24")
            for index, frame in enumerate(container.decode(video=0))
            if index in wanted
        }
    with open_video(path) as video:
        assert len(video) == n_frames
        assert video.shape[1:3] == size
        assert video.fps == pytest.approx(fps, rel=1e-3)  # the open field steps by 33333 us: 30.0003 fps
        np.testing.assert_allclose(np.diff(video.frame_times), 1 / fps, atol=1e-3)
        for index in sorted(wanted, key=lambda k: (k * 7919) % n_frames):  # out of order
            np.testing.assert_array_equal(video[index], reference[index], err_msg=f"frame {index}")
