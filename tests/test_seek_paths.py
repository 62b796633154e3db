"""Every way the reader reaches a frame returns that frame exactly: decoding on within a group of pictures,
stepping back, frames kept around slider steps and converted later, evictions, every decoder thread mode
(slice threads on a file cut into slices too).

Each access pattern runs on a freshly opened source, and every frame it returns is compared with an
independent sequential decode of the whole file by plain PyAV (what a player shows), never with our reader.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from napari_chronoviz import open_video, sample_file
from napari_chronoviz.io import pyav_video
from napari_chronoviz.io.frame_cache import FrameCache
from napari_chronoviz.io.pyav_video import SCRUB_WINDOW, PyAVVideo


def digest(frame: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(frame).tobytes()).hexdigest()


@functools.lru_cache
def sequential_digests(path, wanted: frozenset[int]) -> dict[int, str]:
    """Digests of the wanted frames (RGB) of a plain sequential PyAV decode of the whole file."""
    digests = {}
    with av.open(str(path)) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number in wanted:
                digests[number] = digest(frame.to_ndarray(format="rgb24"))
    assert len(digests) == len(wanted), f"{path} has fewer frames than the pattern asks for"
    return digests


def patterns(keyframe: int, n_frames: int) -> dict[str, list[int]]:
    """Access patterns around a keyframe (index `keyframe`, not the first) of a file of `n_frames` frames."""
    middle = keyframe // 2
    accesses = {
        # ahead in the same group, beyond the slider window: decoded on without a seek
        "forward_within_group": [middle, middle + SCRUB_WINDOW + 5, middle + 2 * SCRUB_WINDOW + 11],
        # slider steps forward over a keyframe (decoding on keeps the frames between), then back over them
        "steps_over_keyframe": [
            keyframe - 6,
            keyframe - 4,
            keyframe - 1,
            keyframe + 2,
            keyframe + 3,
            keyframe + 1,
            keyframe - 2,
            keyframe - 3,
            keyframe - 5,
        ],
        # stepping back: a window before the target is kept, then the next group's start, then back across it
        "steps_back": [
            keyframe + 8,
            keyframe + 7,
            keyframe + 5,
            keyframe + 1,
            keyframe,
            keyframe - 1,
            keyframe - 3,
            keyframe + 4,
            keyframe + 6,
        ],
        # back and forth over the same frames, as a drag that comes back
        "revisits": [middle, middle + 2, middle + 1, middle + 3, middle + 2, middle, middle - 2, middle + 1],
        # random jumps: only targets decoded, backwards and forwards, to the first and the last frame
        "jumps": [n_frames - 1, keyframe + 3, 0, keyframe - 1, middle, n_frames // 2, 1],
    }
    return {name: [min(index, n_frames - 1) for index in pattern] for name, pattern in accesses.items()}


def assert_patterns_exact(path, **reader_options) -> None:
    with PyAVVideo(path, readahead=0) as video:
        n_frames, keyframe = len(video), int(video.keyframes[1])
    accesses = patterns(keyframe, n_frames)
    reference = sequential_digests(path, frozenset(index for pattern in accesses.values() for index in pattern))
    for name, pattern in accesses.items():
        with PyAVVideo(path, **reader_options) as video:
            read = [digest(video[index]) for index in pattern]
        wrong = [index for index, found in zip(pattern, read) if found != reference[index]]
        assert not wrong, f"{path.name}, {name} pattern {pattern}: frames {wrong} differ from a sequential decode"


REAL_VIDEOS = ["flies.mp4", "mouse.mp4"]  # mouse: old x264 4:4:4, exact only with its x264 build learned


@pytest.mark.parametrize("name", REAL_VIDEOS)
def test_real_videos_are_exact_on_every_path(name):
    assert_patterns_exact(sample_file(name), readahead=0)


@pytest.mark.parametrize("case", ["bframes_gop250", "hevc_open_gop", "mpeg4_avi", "yuv420p10"])
def test_stamped_videos_are_exact_on_every_path_with_read_ahead(stamped_videos, case):
    assert_patterns_exact(stamped_videos[case])


def test_edit_list_video_is_exact_on_every_path(edit_list_video):
    assert_patterns_exact(edit_list_video)


def test_evicted_frames_are_decoded_again_exactly(stamped_videos):
    """A cache of three frames drops the kept frames before they are asked for."""
    path = stamped_videos["bframes_gop250"]
    with PyAVVideo(path, readahead=0) as video:
        frame_bytes = video[0].nbytes
    assert_patterns_exact(path, readahead=0, cache_bytes=3 * frame_bytes)


@pytest.mark.parametrize("mode", [("NONE", 1), ("SLICE", 3), ("FRAME", 2), ("AUTO", 3)])
def test_every_thread_mode_decodes_the_same_frames(monkeypatch, mode):
    monkeypatch.setattr(pyav_video, "probed_thread_mode", lambda path, options: mode)
    path = sample_file("mouse.mp4")
    with PyAVVideo(path, readahead=0) as video:
        assert video.decoder_threads == mode
        with video.reopened(readahead=0) as fresh:
            assert fresh.decoder_threads == mode
    assert_patterns_exact(path, readahead=0)


def test_the_probe_picks_one_of_the_thread_modes(monkeypatch):
    path = sample_file("mouse.mp4")
    options = {"x264_build": "148"}
    monkeypatch.setattr(pyav_video.os, "cpu_count", lambda: 4)
    assert pyav_video.probed_thread_mode(path, options) in {("AUTO", 5), ("NONE", 1), ("SLICE", 5)}
    monkeypatch.setattr(pyav_video.os, "cpu_count", lambda: 1)
    assert pyav_video.probed_thread_mode(path, options) == ("NONE", 1)


def sliced_h264(path, slices: int, **options) -> Path:
    """A 320x240 H.264 clip with `slices` slices per picture, as ffmpeg's command line writes it (frame
    threads: exactly the slices asked for), with 3 B-frames and a keyframe every 60 frames."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=10"]
        + ["-c:v", "libx264", "-g", "60", "-bf", "3", "-x264-params", f"slices={slices}:scenecut=0", str(path)],
        check=True,
        timeout=60,
    )
    return path


@pytest.mark.parametrize("suffix", [".mp4", ".ts", ".avi"])  # slices length-prefixed (mp4) or after start codes
def test_slices_per_picture_are_counted_from_the_first_packet(tmp_path, suffix):
    assert pyav_video.slices_per_picture(sliced_h264(tmp_path / f"three{suffix}", 3)) == 3
    assert pyav_video.slices_per_picture(sliced_h264(tmp_path / f"one{suffix}", 1)) == 1
    assert pyav_video.slices_per_picture(sample_file("mouse.mp4")) == 1


def test_pictures_with_a_slice_per_core_seek_with_slice_threads(monkeypatch, tmp_path):
    monkeypatch.setattr(pyav_video.os, "cpu_count", lambda: 3)
    three, two = sliced_h264(tmp_path / "three.mp4", 3), sliced_h264(tmp_path / "two.mp4", 2)
    assert pyav_video.seek_thread_mode(three, ("AUTO", 4)) == ("SLICE", 4)
    assert pyav_video.seek_thread_mode(two, ("AUTO", 4)) == ("AUTO", 4)
    assert pyav_video.seek_thread_mode(three, ("NONE", 1)) == ("NONE", 1)  # the probe found threads too slow


def test_seeks_with_slice_threads_then_plays_on_with_frame_threads_exactly(monkeypatch, tmp_path):
    """Decoding on hands over to the frame-threaded decoder at a keyframe; a jump goes back to slice threads."""
    path = sliced_h264(tmp_path / "two.mp4", 2)
    monkeypatch.setattr(pyav_video.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pyav_video, "probed_thread_mode", lambda path, options: ("AUTO", 3))
    with PyAVVideo(path, readahead=0) as video:
        assert (video.decoder_threads, video.seek_threads) == (("AUTO", 3), ("SLICE", 3))
        keyframe = int(video.keyframes[1])
        lane_types = []
        for index in [keyframe - 3, keyframe - 2, keyframe - 1, keyframe, keyframe + 1, 5]:
            video[index]
            lane_types.append(video._decoder._stream.thread_type.name)
        assert lane_types == ["SLICE", "SLICE", "SLICE", "AUTO", "AUTO", "SLICE"]
    assert_patterns_exact(path)
    assert_patterns_exact(path, readahead=0)
    reference = sequential_digests(path, frozenset(range(len(video))))
    with PyAVVideo(path) as video:
        assert all(digest(video[index]) == reference[index] for index in range(len(video)))


@pytest.mark.parametrize("suffix", [".mp4", ".ts"])  # length-prefixed NAL units, start codes
def test_packets_not_sent_are_those_the_decoder_would_skip(tmp_path, suffix):
    """The packets `_h264_non_reference` flags, which a seek does not send to the decoder, are exactly those
    whose frames FFmpeg's own NONREF skipping drops."""
    path = sliced_h264(tmp_path / f"bframes{suffix}", 1)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        extradata = stream.codec_context.extradata or b""
        packets = [packet for packet in container.demux(stream) if packet.size]
        flagged = {packet.pts for packet in packets if pyav_video._h264_non_reference(bytes(packet), extradata)}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONREF"
        decoded = {frame.pts for frame in container.decode(stream)}
    assert flagged and flagged == {packet.pts for packet in packets} - decoded


@pytest.mark.parametrize("slices", [1, 2])
def test_seeks_that_leave_out_non_reference_packets_are_exact(tmp_path, slices):
    assert_patterns_exact(sliced_h264(tmp_path / f"bframes_{slices}.mkv", slices))


def test_a_jump_keeps_only_its_target_and_a_step_back_keeps_the_window_before_it(stamped_videos):
    with PyAVVideo(stamped_videos["bframes_gop250"], readahead=0) as video:
        video[400]
        video[100]
        assert [k for k in range(600) if k in video._cache] == [100, 400]
        video[99]
        kept = [k for k in range(600) if k in video._cache]
        assert kept == [*range(99 - SCRUB_WINDOW, 101), 400]
        assert isinstance(video._cache.get(98), av.VideoFrame)  # kept as decoded until asked for
        with video.reopened(readahead=0) as fresh:
            assert digest(video[98]) == digest(fresh[98])
        assert isinstance(video._cache.get(98), np.ndarray)


def test_the_frame_cache_counts_the_bytes_it_is_given():
    cache = FrameCache(max_bytes=100)
    cache.put(0, np.zeros(40, np.uint8))
    cache.put(1, "a decoded frame", nbytes=50)
    assert cache.nbytes == 90 and cache.get(1) == "a decoded frame"
    cache.put(2, np.zeros(30, np.uint8))  # over budget: the least recently used (0) goes
    assert 0 not in cache and cache.nbytes == 80
    cache.put(1, np.zeros(10, np.uint8))  # replacing counts the new size only
    assert cache.nbytes == 40


@pytest.mark.parametrize("case", ["bframes_gop250", "hevc_mkv", "mov", "h264_mpegts", "hevc_open_gop"])
def test_a_seek_lands_on_the_keyframe_it_aims_at_not_a_group_early(stamped_videos, case):
    """mp4 and Matroska search by presentation time, MPEG-TS by decoding time: aimed wrong, a seek lands a
    whole group early (every seek decodes twice the frames) or past the keyframe (nothing decodes)."""
    path = stamped_videos[case]
    with open_video(path) as video:
        index = video.frame_index
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for point in range(1, len(index.seek_pts)):
            container.seek(int(index.seek_targets[point]), stream=stream, backward=True)
            first = next(packet for packet in container.demux(stream) if packet.size)
            assert (first.pts, first.is_keyframe) == (index.seek_pts[point], True), f"keyframe {point}"
