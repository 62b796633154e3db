"""Chunked and batch export on a dask LocalCluster of worker processes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from napari_chronoviz import ChronovizError, Pose, batch_render, create_visualization, open_video, read_jobs
from napari_chronoviz.cli import main as chronoviz
from napari_chronoviz.io.frame_index import chunk_ranges
from napari_chronoviz.overlays.tiles import Tiling, build_tiled_scene
from napari_chronoviz.render.tiles import TiledVideo
from napari_chronoviz.testing import make_stamped_video, plain_decode, read_stamp
from napari_chronoviz.timeline import frames_at_or_before

distributed = pytest.importorskip("dask.distributed")
EXACT = {"crf": 0, "preset": "ultrafast", "progress": False}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def gop_video(tmp_path_factory) -> Path:
    """300 frames, a keyframe every 60, B-frames: chunks start at 60, 120, ..."""
    folder = tmp_path_factory.mktemp("chunked")
    return make_stamped_video(folder / "gop60.mp4", 300, gop=60, b_frames=3, options={"sc_threshold": "0"})


@pytest.fixture(scope="module")
def cameras(tmp_path_factory) -> list[Path]:
    """Two stamped cameras: 30 fps with a keyframe every 30 frames and B-frames; 20 fps, smaller, one every 25."""
    folder = tmp_path_factory.mktemp("cameras")
    return [
        make_stamped_video(folder / "front.mp4", 150, gop=30, b_frames=3, options={"sc_threshold": "0"}),
        make_stamped_video(folder / "side.mp4", 100, size=(128, 96), fps=20, gop=25, options={"sc_threshold": "0"}),
    ]


def moving_dot(n_frames: int) -> Pose:
    """One keypoint walking right 2 px per frame along row 90."""
    xy = np.stack([20 + 0.4 * np.arange(n_frames), np.full(n_frames, 90.0)], axis=-1)[:, None, None]
    return Pose(xy, np.ones((n_frames, 1, 1)), ("dot",), ("animal",))


def test_chunks_start_on_keyframes_and_cover_the_range():
    ranges = chunk_ranges(np.arange(0, 300, 60), 10, 300, 4)
    assert ranges[0][0] == 10 and ranges[-1][1] == 300 and len(ranges) == 4
    assert all(a % 60 == 0 for a, _ in ranges[1:]) and all(b == a for (_, b), (a, _) in zip(ranges, ranges[1:]))
    assert chunk_ranges(np.array([0]), 0, 300, 4) == [(0, 300)]


def test_chunked_export_matches_the_serial_one(client, gop_video, tmp_path):
    options = dict(pose=moving_dot(300), layout="none", style={"trail_length": 10, "point_size": 4}, **EXACT)
    chunked = create_visualization(gop_video, output=tmp_path / "chunked.mp4", client=client, **options)
    serial = create_visualization(gop_video, output=tmp_path / "serial.mp4", **options)
    with open_video(chunked) as from_chunks, open_video(serial) as from_serial:
        assert len(from_chunks) == len(from_serial) == 300
        np.testing.assert_array_equal(from_chunks.frame_times, from_serial.frame_times)
        assert [read_stamp(from_chunks[k]) for k in range(0, 300, 7)] == list(range(0, 300, 7))
        for border in (60, 120, 180, 240):  # trails reach back over the chunk border
            x = int(round(20 + 0.4 * (border - 5)))
            trail = from_chunks[border][90, x].astype(int)
            assert np.abs(trail - from_serial[border][90, x]).max() <= 12 and trail[2] > 100  # the trail's blue
    assert sorted(path.name for path in tmp_path.iterdir()) == ["chunked.mp4", "serial.mp4"]  # no chunks left


def test_chunks_of_several_cameras_start_on_the_first_cameras_keyframes(cameras):
    videos = [open_video(path) for path in cameras]
    scene = build_tiled_scene(videos, layout="none")
    assert TiledVideo(videos, scene).keyframes.tolist() == [0, 30, 60, 90, 120]
    # at 25 fps the first camera's keyframe 30 (1.0 s) is first shown by output frame 25
    assert TiledVideo(videos, scene.retimed(np.arange(125) / 25)).keyframes.tolist() == [0, 25, 50, 75, 100]


@pytest.mark.parametrize("fps", [None, 25])
def test_chunked_export_of_several_cameras_matches_the_plain_one(client, cameras, tmp_path, fps):
    options = dict(
        signals=np.sin(np.arange(150) / 9),
        pose=[moving_dot(150), moving_dot(100)],
        style={"trail_length": 10, "point_size": 4},
        fps=fps,
        qp=0,  # lossless: both files hold exactly the frames the compositor made
        preset="ultrafast",
        progress=False,
    )
    chunked = create_visualization(cameras, output=tmp_path / "chunked.mp4", client=client, **options)
    plain = create_visualization(cameras, output=tmp_path / "plain.mp4", **options)
    (chunked_frames, chunked_times), (plain_frames, plain_times) = plain_decode(chunked), plain_decode(plain)
    videos = [open_video(path) for path in cameras]
    expected_times = videos[0].frame_times if fps is None else np.arange(125) / fps
    assert chunked_times == pytest.approx(expected_times, abs=1e-4)
    np.testing.assert_array_equal(chunked_times, plain_times)
    tiling = Tiling.of(None, [(video.width, video.height) for video in videos])
    for video, (x0, y0, x1, y1) in zip(videos, tiling.boxes.astype(int)):
        for from_chunks, from_plain in zip(chunked_frames, plain_frames):
            np.testing.assert_array_equal(from_chunks[y0:y1, x0:x1], from_plain[y0:y1, x0:x1])
        shown = [read_stamp(frame[y0:y1, x0:x1]) for frame in chunked_frames]
        assert shown == frames_at_or_before(video.frame_times, expected_times).tolist()
    np.testing.assert_array_equal(np.array(chunked_frames), np.array(plain_frames))  # the plot panel too
    assert sorted(path.name for path in tmp_path.iterdir()) == ["chunked.mp4", "plain.mp4"]  # no chunks left


def test_command_line_renders_several_cameras_in_chunks(cameras, tmp_path):
    output = tmp_path / "out.mp4"
    arguments = ["render", *map(str, cameras), "--workers", "2", "-o", str(output), "--layout", "none", "--quiet"]
    assert chronoviz(arguments) == 0
    frames, times = plain_decode(output)
    assert len(frames) == 150 and times[-1] == pytest.approx(149 / 30, abs=1e-4)
    side = open_video(cameras[1])
    assert [read_stamp(frame[:96, 160:]) for frame in frames] == frames_at_or_before(side.frame_times, times).tolist()


def kill_this_worker_once(marker: str):
    """Runs on a worker before a chunk: the first time, the worker process dies."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)


def test_a_dying_worker_is_replaced_and_the_file_is_complete(client, gop_video, tmp_path):
    from functools import partial

    from napari_chronoviz import build_scene
    from napari_chronoviz.render.distributed import export_chunked

    marker = tmp_path / "killed"
    with open_video(gop_video) as video:
        scene = build_scene(video, layout="none")
        output = export_chunked(
            video,
            scene,
            tmp_path / "survived.mp4",
            client,
            progress=False,
            before_chunk=partial(kill_this_worker_once, str(marker)),
            crf=0,
            preset="ultrafast",
        )
    assert marker.exists()  # a worker did die
    with open_video(output) as exported:
        assert len(exported) == 300 and read_stamp(exported[299]) == 299
    assert sorted(path.name for path in tmp_path.iterdir()) == ["killed", "survived.mp4"]


def test_batch_finishes_the_good_jobs_and_reports_the_bad_one(client, gop_video, tmp_path):
    jobs = [
        {"video": str(gop_video), "output": str(tmp_path / "a.mp4"), "layout": "none", "end": 20},
        {"video": str(tmp_path / "missing.mp4"), "output": str(tmp_path / "b.mp4")},
        {"video": str(gop_video), "signals": [1.0, 2.0, 3.0] * 100, "output": str(tmp_path / "c.mp4"), "end": 20},
    ]
    results = batch_render(jobs, client, progress=False)
    assert [bool(result.error) for result in results] == [False, True, False]
    assert "Video not found" in results[1].error and "missing.mp4" in results[1].error
    assert (tmp_path / "a.mp4").exists() and (tmp_path / "c.mp4").exists() and not (tmp_path / "b.mp4").exists()
    again = batch_render(jobs[:1], client, progress=False)
    assert again[0].skipped


def test_command_line_batch_from_csv(client, gop_video, tmp_path):
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(
        f"video,output,layout,end\n{gop_video},{tmp_path / 'one.mp4'},none,15\n"
        f"{gop_video},{tmp_path / 'two.mp4'},none,25\n"
    )
    assert [job["end"] for job in read_jobs(jobs)] == [15, 25]
    address = client.scheduler.address
    assert chronoviz(["batch", str(jobs), "--scheduler", address, "--quiet"]) == 0
    with open_video(tmp_path / "two.mp4") as exported:
        assert len(exported) == 25


def test_chunked_export_keeps_the_audio(client, tmp_path):
    import av

    source = make_stamped_video(tmp_path / "with_audio.mp4", 240, gop=60, audio=True)
    output = create_visualization(source, output=tmp_path / "out.mp4", layout="none", client=client, **EXACT)
    with av.open(str(output)) as container:
        audio = container.streams.audio[0]
        seconds = sum(frame.samples for frame in container.decode(audio)) / audio.sample_rate
    assert 7.8 <= seconds <= 8.2  # 240 frames at 30 fps
    with open_video(output) as exported:
        assert len(exported) == 240


def test_a_job_with_an_unknown_field_is_refused_naming_the_fields(tmp_path):
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("video,timeseries\nsession.mp4,photometry.csv\n")
    with pytest.raises(ChronovizError, match=r"unknown field\(s\) \['timeseries'\].*signals"):
        read_jobs(jobs)


@pytest.mark.parametrize("upright", [True, False], ids=["upright", "stored"])
def test_chunks_of_a_phone_video_keep_the_orientation_it_was_opened_with(client, gop_video, tmp_path, upright):
    import subprocess

    phone = tmp_path / "phone.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(gop_video), "-c", "copy", "-metadata:s:v", "rotate=90", str(phone)],
        check=True,
    )
    video = open_video(phone, upright=upright)
    output = create_visualization(video, output=tmp_path / "chunked.mp4", client=client, layout="none", **EXACT)
    frames, _ = plain_decode(output)
    assert frames[0].shape == ((160, 120, 3) if upright else (120, 160, 3))
    stamps = [read_stamp(np.rot90(frame, -1) if upright else frame) for frame in frames[::7]]
    assert stamps == list(range(0, 300, 7))


def test_chunks_of_an_nwb_video_read_the_video_it_names(client, gop_video, tmp_path, add_cameras):
    """Workers open the NWB file's video the export was made of, not its first one."""
    import datetime
    import shutil

    pynwb = pytest.importorskip("pynwb")
    shutil.copy(gop_video, tmp_path / "side.mp4")
    make_stamped_video(tmp_path / "front.mp4", 300, gop=60, first_stamp=1000)
    nwb = pynwb.NWBFile("two cameras", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    add_cameras(nwb, ("front", "side"), 300)
    with pynwb.NWBHDF5IO(str(tmp_path / "session.nwb"), "w") as io:
        io.write(nwb)
    video = open_video(tmp_path / "session.nwb", key="acquisition/side")
    output = create_visualization(video, output=tmp_path / "chunked.mp4", client=client, layout="none", **EXACT)
    frames, _ = plain_decode(output)
    assert [read_stamp(frame) for frame in frames[::50]] == list(range(0, 300, 50))
