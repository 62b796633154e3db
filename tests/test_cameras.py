"""Several cameras on one clock: each tile of an export shows its own video's frame of the output frame's time."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import create_visualization, open_video
from napari_chronoviz.errors import ChronovizError, ExportError
from napari_chronoviz.overlays.tiles import Tiling, build_tiled_scene
from napari_chronoviz.testing import make_stamped_video, read_stamp
from napari_chronoviz.timeline import frames_at_or_before

SIZE = (160, 120)


@pytest.fixture(scope="module")
def cameras(tmp_path_factory):
    """Three stamped cameras: 30 fps, 20 fps (a smaller frame), and a variable rate (steps of 20 to 60 ms)."""
    folder = tmp_path_factory.mktemp("cameras")
    steps = np.random.default_rng(3).integers(1800, 5400, 59)
    return {
        "30fps": make_stamped_video(folder / "a30.mp4", 60, size=SIZE, fps=30),
        "20fps": make_stamped_video(folder / "b20.mp4", 40, size=(128, 96), fps=20),
        "vfr": make_stamped_video(
            folder / "c_vfr.mp4", 60, size=SIZE, pts=np.cumsum(np.r_[0, steps]), time_base=Fraction(1, 90000)
        ),
    }


def _tile_stamps(output, boxes) -> tuple[np.ndarray, np.ndarray]:
    """The stamp read in each tile of each output frame, and the output's frame times, from a plain sequential
    PyAV decode of the file (not chronoviz's reader)."""
    import av

    stamps, times = [], []
    with av.open(str(output)) as container:
        for frame in container.decode(video=0):
            pixels = frame.to_ndarray(format="rgb24")
            stamps.append([read_stamp(pixels[int(y0) : int(y1), int(x0) : int(x1)]) for x0, y0, x1, y1 in boxes])
            times.append(float(frame.pts * frame.time_base))
    return np.array(stamps), np.array(times) - times[0]


def test_tiles_in_a_row_at_native_size():
    tiling = Tiling.of(None, [(160, 120), (128, 96), (100, 50)])
    assert tiling.boxes.tolist() == [[0, 0, 160, 120], [160, 0, 288, 96], [288, 0, 388, 50]]
    assert tiling.size == (388, 120)
    grid = Tiling.of({"columns": 2, "height": 60}, [(160, 120), (128, 96), (100, 50)])
    assert grid.boxes.tolist() == [[0, 0, 80, 60], [120, 0, 200, 60], [0, 60, 120, 120]]
    with pytest.raises(ChronovizError, match="Unknown tiles"):
        Tiling.of("diagonal", [(1, 1)])


def test_frames_at_or_before_a_time():
    assert frames_at_or_before([0.0, 0.05, 0.1], [0.0, 0.049, 0.05, 0.2, -1.0]).tolist() == [0, 0, 1, 2, 0]


@pytest.mark.parametrize("fps", [None, 25])
def test_each_tile_shows_its_frame_of_the_output_time(cameras, tmp_path, fps):
    videos = [cameras["30fps"], cameras["20fps"], cameras["vfr"]]
    output = create_visualization(
        videos, np.sin(np.arange(60) / 5), tmp_path / "three.mp4", progress=False, fps=fps, crf=0
    )
    opened = [open_video(video) for video in videos]
    tiling = Tiling.of(None, [(video.width, video.height) for video in opened])
    stamps, times = _tile_stamps(output, tiling.boxes)
    first = opened[0].frame_times
    expected_times = first - first[0] if fps is None else np.arange(len(times)) / fps
    assert times == pytest.approx(expected_times, abs=1e-3)
    for tile, video in enumerate(opened):
        assert stamps[:, tile].tolist() == frames_at_or_before(video.frame_times, expected_times + first[0]).tolist()
    assert len(set(stamps[:, 1])) < len(stamps)  # the 20 fps tile repeats frames


def test_tiles_scaled_to_a_common_height_with_each_cameras_pose(cameras, tmp_path):
    from napari_chronoviz.io.pose import Pose

    def pose_at(x, n_frames):
        xy = np.tile(np.array([x, 40.0]), (n_frames, 1, 1, 1))
        return Pose(xy, np.ones(xy.shape[:3]), ["animal"], ["nose"], [])

    videos = [open_video(cameras["30fps"]), open_video(cameras["20fps"])]
    scene = build_tiled_scene(
        videos, pose=[pose_at(20, 60), pose_at(30, 40)], tiles={"height": 120}, style={"timestamp": "none"}
    )
    points = [item for item in scene.geometry(10).items if type(item).__name__ == "Points"]
    # the second camera is scaled by 120/96 and starts after the first (160 px wide)
    assert np.concatenate([item.positions for item in points]).tolist() == [[20, 40], [160 + 30 * 1.25, 40 * 1.25]]
    # and its keypoints grow with it, as its video does
    native = build_tiled_scene(videos, pose=[pose_at(20, 60), pose_at(30, 40)], style={"timestamp": "none"})
    native_points = [item for item in native.geometry(10).items if type(item).__name__ == "Points"]
    assert points[0].size == native_points[0].size
    assert points[1].size == pytest.approx(native_points[1].size * 1.25)
    with pytest.raises(ChronovizError, match="one entry per video"):
        build_tiled_scene(videos, pose=pose_at(20, 60))
    with pytest.raises(ExportError, match="takes the full composite"):  # before any cluster starts
        create_visualization(videos, None, tmp_path / "x.mp4", workers=2, scale=0.5)


def test_the_command_line_renders_several_cameras(cameras, tmp_path):
    from napari_chronoviz.cli import main

    output = tmp_path / "cli.mp4"
    assert (
        main(
            [
                "render",
                str(cameras["30fps"]),
                str(cameras["20fps"]),
                "-o",
                str(output),
                "--tiles",
                "grid",
                "--tile-height",
                "60",
                "--layout",
                "none",
                "--quiet",
            ]
        )
        == 0
    )
    with open_video(output) as written:
        assert (written.width, written.height) == (160, 60) and len(written) == 60
        assert read_stamp(written[30][:, 80:]) == 20


def test_cameras_on_an_epoch_clock_show_time_from_the_start_and_play_in_real_time(cameras, make_napari_viewer):
    """Two cameras timed by a DataLogger log (epoch seconds, 2 dropped frames): the slider reads seconds from the
    recording's start unless the style's timestamp shows the clock, and plays at the real mean frame rate."""
    from napari_chronoviz import attach
    from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of

    epoch = 1_769_000_000.25
    times = epoch + np.r_[np.arange(30), np.arange(32, 62)] / 30  # two frames dropped
    viewer = make_napari_viewer()
    layers = [viewer.open(cameras[name], plugin="napari-chronoviz")[0] for name in ("30fps", "vfr")]
    layers[0].metadata["frame_times"] = times
    layers[1].metadata["frame_times"] = epoch + layers[1].metadata["frame_times"]
    session = attach(viewer, layers, signals=np.arange(60.0))
    assert viewer.dims.axis_labels[0] == "0.000 s"
    viewer.dims.set_current_step(0, 40)
    clock = session.scene.frame_times
    assert clock[0] == epoch and viewer.dims.axis_labels[0] == f"{clock[40] - epoch:.3f} s"
    mean_rate = 59 / (times[-1] - times[0])  # 29.03 frames/s, not the median step's 30
    assert 1 / (clock[1] - clock[0]) == pytest.approx(mean_rate, rel=1e-5)  # epoch seconds hold 0.2 us
    assert qt_viewer_of(viewer).dims.slider_widgets[0].fps == pytest.approx(mean_rate, rel=1e-5)
    session.update(style={"timestamp": "clock"})  # the clock's own times, on request
    assert viewer.dims.axis_labels[0] == f"{clock[40]:.3f} s"


def test_viewer_shows_each_cameras_frame_at_the_slider_time(cameras, make_napari_viewer):
    from napari_chronoviz import attach
    from napari_chronoviz.napari._cameras import set_time

    viewer = make_napari_viewer()
    names = ("30fps", "20fps", "vfr")
    layers = [viewer.open(cameras[name], plugin="napari-chronoviz")[0] for name in names]
    session = attach(viewer, layers, signals=np.arange(60.0), layout="below")
    opened = [open_video(cameras[name]) for name in names]
    assert [layer.translate[-1] for layer in layers] == [0, 160, 288]  # side by side, in the given order
    assert viewer.dims.current_step[0] == 0  # from the start, not at the old step's index
    step = 1 / 30  # the fastest video's
    for seconds in (0.0, 0.5, 1.02, 1.7, 2.5):
        set_time(viewer, seconds)
        step_time = session.scene.frame_times[session.frame]
        last = session.scene.frame_times[-1]  # the clock ends at the videos' last frame
        assert min(seconds, last) - step <= step_time <= seconds + 1e-9
        assert viewer.dims.axis_labels[0] == f"{step_time:.3f} s"
        expected = [int(frames_at_or_before(video.frame_times, [step_time])[0]) for video in opened]
        assert [read_stamp(np.asarray(layer._slice.image.raw)) for layer in layers] == expected
        assert session.tile_frames == expected
        assert session.scene.base_frames[session.frame] == expected[0]  # the panel follows the first video
    for seconds in (0.5, 1.1, 1.7):  # the slider's position is the time: steps of equal length
        viewer.dims.set_point(0, seconds)
        assert abs(session.scene.frame_times[session.frame] - seconds) <= step / 2 + 1e-9
    overlay = session.layers["overlay"]
    panel = session.scene.layout.panel_box
    assert panel[3] - panel[1] >= 40  # a third of the tiles' height, or what its lane needs
    assert overlay.data.shape[:2] == (120 + panel[3] - panel[1], 160 + 128 + 160)  # the tiles and the panel below


def test_the_dock_lists_each_videos_frame_at_the_slider_time(cameras, make_napari_viewer, qtbot):
    from napari_chronoviz import sync_by_time
    from napari_chronoviz.napari._cameras import set_time
    from napari_chronoviz.napari._widget import ChronovizWidget

    viewer = make_napari_viewer()
    layers = [viewer.open(cameras[name], plugin="napari-chronoviz")[0] for name in ("30fps", "20fps")]
    dock = ChronovizWidget(viewer)
    qtbot.addWidget(dock.native)
    readout = dock.camera_frames
    assert readout.native.isHidden()  # no video on a clock yet
    sync_by_time(viewer, layers)
    assert not readout.native.isHidden()
    opened = [open_video(cameras[name]) for name in ("30fps", "20fps")]
    for seconds in (0.0, 0.04, 0.5, 1.02, 1.7, 1.97):
        set_time(viewer, seconds)
        tick = np.floor(seconds * 30 + 1e-6) / 30  # the clock ticks at the faster video's 30 fps
        frames = [int(frames_at_or_before(video.frame_times, [tick])[0]) for video in opened]
        assert readout.value.splitlines() == [
            f"{layer.name}  frame {frame}  {video.frame_times[frame]:.3f} s"
            for layer, video, frame in zip(layers, opened, frames)
        ]
    assert readout.value.splitlines()[1] == f"{layers[1].name}  frame 39  1.950 s"  # the 20 fps video's last
    viewer.layers.remove(layers[1])
    assert readout.value == f"{layers[0].name}  frame 59  1.967 s"  # set_time(1.97): the 30 fps video's last


def test_a_saved_session_reopens_the_same_scene(cameras, tmp_path):
    import shutil

    from napari_chronoviz import open_session, save_session

    folder = tmp_path / "study"
    folder.mkdir()
    videos = [shutil.copy(cameras["30fps"], folder / "front.mp4"), shutil.copy(cameras["20fps"], folder / "side.mp4")]
    signals = folder / "signals.csv"
    signals.write_text("time,speed\n" + "".join(f"{k / 30:.4f},{k % 7}\n" for k in range(60)))
    opened = [open_video(video) for video in videos]
    scene = build_tiled_scene(
        opened,
        signals=[signals],
        window=(1.0, 0.5),
        layout="above",
        tiles={"height": 96},
        style={"trail_length": 3},
        alignment={"mode": "timestamps"},
    )
    path = save_session(folder / "two cameras", videos, scene)
    assert path.name == "two cameras.cvz" and "front.mp4" in path.read_text() and str(folder) not in path.read_text()
    moved = shutil.move(folder, tmp_path / "moved")  # relative paths: the folder moves with its session
    session = open_session(moved / path.name)
    reopened = build_tiled_scene(session.open_videos(), **session.options)
    assert reopened.config == {**scene.config, "sources": {"signals": [str(moved / "signals.csv")]}}
    assert session.missing == []


def test_a_session_names_its_missing_file_and_opens_the_rest(cameras, tmp_path):
    from napari_chronoviz import open_session, save_session

    signals = tmp_path / "gone.csv"
    signals.write_text("time,x\n0,1\n1,2\n")
    scene = build_tiled_scene([open_video(cameras["30fps"]), open_video(cameras["20fps"])], signals=[signals])
    path = save_session(tmp_path / "s.cvz", [cameras["30fps"], cameras["20fps"]], scene)
    signals.unlink()
    with pytest.warns(UserWarning, match="gone.csv"):
        session = open_session(path)
    assert session.missing == [signals.resolve()] and len(session.videos) == 2 and session.options["signals"] is None


def test_render_and_napari_open_a_session(cameras, tmp_path, make_napari_viewer, qtbot):
    from napari_chronoviz import save_session
    from napari_chronoviz.cli import main
    from napari_chronoviz.napari._widget import ChronovizWidget

    videos = [open_video(cameras["30fps"]), open_video(cameras["vfr"])]
    path = save_session(
        tmp_path / "s.cvz", [cameras["30fps"], cameras["vfr"]], build_tiled_scene(videos, layout="none")
    )
    output = tmp_path / "from_session.mp4"
    assert main(["render", str(path), "-o", str(output), "--quiet"]) == 0
    with open_video(output) as written:
        assert (written.width, written.height) == (320, 120)
    viewer = make_napari_viewer()
    layers = viewer.open(path, plugin="napari-chronoviz")
    assert [layer.name for layer in layers] == ["a30 (camera 1)", "c_vfr (camera 2)"]
    widget = ChronovizWidget(viewer)
    widget.attach_requested_overlays()
    session = widget.session
    assert session.video_layers == layers and layers[1].translate[-1] == 160
    widget.export_file.value = tmp_path / "from_dock.mp4"  # both cameras in one file, as the command line's
    worker = widget.start_export()
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        pass
    with open_video(tmp_path / "from_dock.mp4") as written:
        assert (written.width, written.height) == (320, 120)
    pd.DataFrame({"time": np.arange(0, 2, 0.01), "speed": np.zeros(200)}).to_csv(tmp_path / "s.csv", index=False)
    widget.kind.value, widget.file.value = "signals", tmp_path / "s.csv"
    widget.add.clicked()  # a signal joins both cameras' session: they stay side by side on one clock
    assert widget.session.video_layers == layers and len(widget.session.scene.traces) == 1
