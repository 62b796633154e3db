"""Exact frames on real files and on every container quirk, each read by a freshly opened source.

A decoder that starts at a later keyframe must not depend on anything an earlier read taught it, so
every read here opens the video anew, and the reference is an independent sequential decode of the
whole file with plain PyAV (what a player shows), never our own reader.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from conftest import EDIT_LIST_CUT, TIMING_CASES
from napari_chronoviz import VideoReadError, open_video, sample_file
from napari_chronoviz.testing import make_stamped_video, read_stamp

BUNDLED_VIDEOS = {  # file: (frames, (height, width), fps)
    "flies.mp4": (1500, (1024, 1024), 25.0),  # byte-identical to shared/data/sleap_flies/clip.mp4
    "mouse.mp4": (2330, (480, 640), 30.0),  # H.264 4:4:4 by x264 core 148; = shared/data/dlc_openfield/m3v1mp4.mp4
}
SHARED_VIDEOS = {
    "sleap_centered_pair/centered_pair_low_quality.mp4": (1100, (384, 384), 15.0),
}
SHARED_IMGSTORE = ("imgstore_mp4", ["000000.mp4", "000001.mp4"])


def sequential_frames(paths, wanted: set[int]) -> tuple[int, dict[int, np.ndarray]]:
    """Decode `paths` one after the other with plain PyAV; return the frame count and the wanted frames as RGB."""
    frames, count = {}, 0
    for path in paths:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                if count in wanted:
                    frames[count] = frame.to_ndarray(format="rgb24")
                count += 1
    return count, frames


def wanted_frames(n_frames: int, seed: int, count: int = 8) -> set[int]:
    """Random frames past the first group of pictures, and the last frame (never frame 0 first)."""
    rng = np.random.default_rng(seed)
    return set(rng.integers(n_frames // 4, n_frames, count).tolist()) | {n_frames - 1}


def assert_fresh_reads_match(path, wanted: set[int], reference: dict[int, np.ndarray]) -> None:
    for index in sorted(wanted, reverse=True):
        with open_video(path) as video:
            frame = video[index]
        error = np.abs(frame.astype(int) - reference[index]).mean()
        assert error == 0, f"frame {index} of {path} read by a fresh source differs (mean error {error:.1f})"


@pytest.mark.parametrize("name", sorted(BUNDLED_VIDEOS))
def test_bundled_videos_fresh_reads_equal_a_sequential_decode(name):
    n_frames, size, fps = BUNDLED_VIDEOS[name]
    path = sample_file(name)
    wanted = wanted_frames(n_frames, seed=len(name))
    count, reference = sequential_frames([path], wanted)
    with open_video(path) as video:
        assert (len(video), video.shape[1:3]) == (count, size) == (n_frames, size)
        assert video.fps == pytest.approx(fps, rel=1e-3)  # the open field steps by 33333 us: 30.0003 fps
    assert_fresh_reads_match(path, wanted, reference)


def plain_seek_decode(path, index: int, options: dict[str, str]) -> np.ndarray:
    """Frame `index` decoded by plain PyAV after a seek, its decoder given `options` (no earlier frame seen)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.options = options
        pts = sorted(packet.pts for packet in container.demux(stream) if packet.size)
        container.seek(pts[index], stream=stream, backward=True)
        return next(frame for frame in container.decode(stream) if frame.pts == pts[index]).to_ndarray(format="rgb24")


def test_old_x264_444_decodes_right_only_with_its_build_learned_at_open():
    """The mouse sample was written by x264 core 148, whose 4:4:4 streams decode wrongly unless the decoder
    knows the build, which FFmpeg reads from an SEI in the first frame only."""
    path = sample_file("mouse.mp4")
    _, reference = sequential_frames([path], {500})
    without = plain_seek_decode(path, 500, {})
    assert np.abs(without.astype(int) - reference[500]).mean() > 50  # the quirk is real in this FFmpeg
    with open_video(path) as video:
        assert video.decoder_options == {"x264_build": "148"}
        np.testing.assert_array_equal(plain_seek_decode(path, 500, video.decoder_options), reference[500])


@pytest.mark.parametrize("relative_path", sorted(SHARED_VIDEOS))
def test_shared_videos_fresh_reads_equal_a_sequential_decode(shared_data, relative_path):
    n_frames, size, fps = SHARED_VIDEOS[relative_path]
    path = shared_data / relative_path
    wanted = wanted_frames(n_frames, seed=3)
    count, reference = sequential_frames([path], wanted)
    assert count == n_frames
    with open_video(path) as video:
        assert (len(video), video.shape[1:3], video.fps) == (n_frames, size, pytest.approx(fps))
    assert_fresh_reads_match(path, wanted, reference)


def test_shared_imgstore_fresh_reads_equal_its_chunks_decoded_in_order(shared_data):
    folder, chunks = SHARED_IMGSTORE
    store = shared_data / folder
    count, _ = sequential_frames([store / chunk for chunk in chunks], set())
    wanted = wanted_frames(count, seed=11) | {100, 99}  # both sides of the chunk border
    _, reference = sequential_frames([store / chunk for chunk in chunks], wanted)
    with open_video(store) as video:
        assert len(video) == count == 179
    assert_fresh_reads_match(store, wanted, reference)


QUIRKS = [
    "hevc_open_gop",
    "yuv420p10",
    "gray_ffv1_avi",
    "grayscale",
    "mjpeg_avi",
    "bframes_gop250",
    "mpeg4_avi",
    "variable_rate",
    "h264_mpegts",
    "mpeg2_ps",
]


@pytest.mark.parametrize("case", QUIRKS)
def test_quirk_fixtures_fresh_reads_return_the_asked_frame(stamped_videos, case):
    path = stamped_videos[case]
    n_frames = TIMING_CASES[case][1]["n_frames"]
    wanted = wanted_frames(n_frames, seed=7, count=10)
    count, reference = sequential_frames([path], wanted)
    assert count == n_frames
    assert [read_stamp(reference[k]) for k in sorted(wanted)] == sorted(wanted)
    assert_fresh_reads_match(path, wanted, reference)


def test_hevc_open_gop_leading_pictures_are_decoded_from_the_group_before(stamped_videos):
    with open_video(stamped_videos["hevc_open_gop"]) as video:
        assert video.leading_frames > 0  # the fixture really has RASL pictures
        leading = [27, 28, 29]  # shown before the CRA keyframe at 30
        for index in leading:
            with video.reopened() as fresh:
                assert read_stamp(fresh[index]) == index


def test_edit_list_frames_are_what_a_player_shows(edit_list_video):
    cut_seconds, cut_frame = EDIT_LIST_CUT
    count, reference = sequential_frames([edit_list_video], set(range(200)))
    assert read_stamp(reference[0]) == cut_frame  # the player starts at the cut, not at the keyframe before
    with open_video(edit_list_video) as video:
        assert len(video) == count == 150 - cut_frame
        assert video.hidden_frames == 15  # the pre-roll from the keyframe at 30 to the cut at 45
        assert video.frame_times[0] == pytest.approx(0.0)
        np.testing.assert_allclose(np.diff(video.frame_times), 1 / 30, atol=1e-6)
    wanted = {0, 1, 2, 14, 15, count - 1} | wanted_frames(count, seed=2)
    assert_fresh_reads_match(edit_list_video, wanted, reference)


def test_mpeg_program_stream_frames_just_after_each_keyframe_read_fresh(stamped_videos):
    path = stamped_videos["mpeg2_ps"]  # a seek lands in the keyframe's group with its first frames mistimed
    with open_video(path) as video:
        wanted = set((video.keyframes + 1).tolist()) & set(range(len(video)))
    count, reference = sequential_frames([path], wanted)
    assert count == TIMING_CASES["mpeg2_ps"][1]["n_frames"]
    assert_fresh_reads_match(path, wanted, reference)


def test_a_stream_whose_packets_carry_no_timestamps_is_refused_with_how_to_re_encode(tmp_path):
    path = make_stamped_video(tmp_path / "h264.mpg", 60, b_frames=3)  # H.264 in an MPEG program stream
    with pytest.raises(VideoReadError, match=r"of the 60 video packets of .*h264.mpg carry no timestamp") as raised:
        open_video(path)
    assert "ffmpeg -i h264.mpg -c:v libx264 -crf 18 h264.mp4" in str(raised.value)


def test_h264_with_b_frames_in_avi_is_refused_with_how_to_re_encode(tmp_path):
    path = make_stamped_video(tmp_path / "h264.avi", 60, b_frames=3, gop=30)  # AVI times packets in stored order
    with pytest.raises(VideoReadError, match=r"come out of the decoder in another order than their timestamps"):
        open_video(path)
    with pytest.raises(VideoReadError, match=r"ffmpeg -i h264.avi -c:v libx264 -crf 18 h264.mp4"):
        open_video(path)
