"""Bad video input: each gives a clear error naming the file and the problem, or opens what exists."""

from __future__ import annotations

import shutil

import pytest

from napari_chronoviz import VideoReadError, open_video
from napari_chronoviz.testing import make_stamped_video, read_stamp


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="Video not found: .*nothing.mp4"):
        open_video(tmp_path / "nothing.mp4")


def test_zero_byte_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(VideoReadError, match=r"empty.mp4 is empty \(0 bytes\)"):
        open_video(empty)


def test_text_file_named_mp4(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("frame,speed\n0,1.5\n1,1.7\n")
    with pytest.raises(VideoReadError, match="Cannot read .*notes.mp4 as a video"):
        open_video(fake)


def test_mp4_cut_in_half_without_its_index(tmp_path):
    path = make_stamped_video(tmp_path / "whole.mp4", 60)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(VideoReadError, match="cut.mp4 as a video: .*truncated"):
        open_video(cut)


@pytest.mark.parametrize(
    "name, options",
    [("faststart.mp4", {"movflags": "faststart"}), ("cut.mkv", {})],
)
def test_truncated_file_opens_with_the_frames_that_exist(tmp_path, name, options):
    whole = make_stamped_video(tmp_path / f"whole_{name}", 200, size=(320, 240), gop=25, container_options=options)
    cut = tmp_path / name
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    with pytest.warns(UserWarning, match=r"looks truncated: it should hold \d+ frames but only (\d+) can be decoded"):
        video = open_video(cut)
    with video:
        assert 0 < len(video) < 200
        assert [read_stamp(video[k]) for k in range(len(video))] == list(range(len(video)))


def test_unsupported_codec(tmp_path):
    path = make_stamped_video(tmp_path / "good.mp4", 10)
    data = path.read_bytes()
    assert data.count(b"avc1") >= 1
    unknown = tmp_path / "unknown_codec.mp4"
    unknown.write_bytes(data.replace(b"avc1", b"qqq9"))
    with pytest.raises(VideoReadError, match="unknown_codec.mp4.*codec"):
        open_video(unknown)


def test_folder_without_store_metadata(tmp_path):
    folder = tmp_path / "videos.mp4"
    folder.mkdir()
    with pytest.raises(VideoReadError, match="is a folder, not a video file"):
        open_video(folder)


def test_no_video_stream(tmp_path):
    source = shutil.which("ffmpeg")
    if source is None:
        pytest.skip("ffmpeg is needed to write an audio-only file")
    import subprocess

    audio = tmp_path / "sound.mp4"
    subprocess.run(
        [source, "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(audio)], check=True
    )
    with pytest.raises(VideoReadError, match=r"sound.mp4 holds no video stream \(streams found: audio\)"):
        open_video(audio)
