"""Spatial calibration: known points map to known cm (two points and a homography), pose speed in cm/s, the scale
bar in an export frame, the calibration kept by sessions and the command line, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from napari_chronoviz import (
    Calibration,
    Pose,
    build_scene,
    create_visualization,
    open_session,
    open_video,
    pose_speed,
    read_calibration,
    read_jobs,
    sample_file,
    save_session,
    write_calibration,
)
from napari_chronoviz.cli import main
from napari_chronoviz.errors import ChronovizError, PoseError
from napari_chronoviz.overlays.primitives import Rectangles, Texts
from napari_chronoviz.overlays.scale_bar import bar_length
from napari_chronoviz.testing import make_stamped_video

MOUSE_POSE = "mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5"
MOUSE_ARENA = [[20, 55], [612, 58], [606, 458], [18, 455]]  # the open field's floor corners in mouse.mp4
# A square arena 40 x 40 cm filmed at an angle: world (cm) -> pixels by this homography (a tilted camera).
ARENA_CM = 40.0
WORLD_TO_PIXELS = np.array([[9.0, 2.0, 120.0], [0.5, 7.0, 60.0], [0.002, 0.006, 1.0]])


def _project(matrix, points) -> np.ndarray:
    points = np.asarray(points, dtype=float)
    homogeneous = points @ matrix[:, :2].T + matrix[:, 2]
    return homogeneous[:, :2] / homogeneous[:, 2:]


@pytest.fixture(scope="module")
def black_video(tmp_path_factory):
    """A 640 x 480 video, 30 fps; its frame 0 is black (stamped frames spell their index: 0 is all black)."""
    return make_stamped_video(tmp_path_factory.mktemp("calibration") / "arena.mp4", 30, size=(640, 480))


def _moving_pose(n_frames: int, step_px: float, individuals=("fly0", "fly1")) -> Pose:
    """Two keypoints per individual moving `step_px` pixels per row along x (the second individual twice as fast),
    the head 10 px right of the tail."""
    rows = np.arange(n_frames, dtype=float)
    xy = np.zeros((n_frames, len(individuals), 2, 2))
    for index in range(len(individuals)):
        xy[:, index, 0, 0] = 50 + rows * step_px * (index + 1)  # tail
        xy[:, index, 1, 0] = 60 + rows * step_px * (index + 1)  # head
        xy[:, index, :, 1] = 100 + 40 * index
    return Pose(xy, np.ones(xy.shape[:3]), ("tail", "head"), tuple(individuals))


def test_two_points_map_to_known_cm():
    calibration = Calibration.from_points((100, 200), (300, 200), 50.0)
    assert calibration.px_per_unit() == pytest.approx(4.0)
    np.testing.assert_allclose(calibration.to_world([[100, 200], [300, 200], [0, 0]]), [[25, 50], [75, 50], [0, 0]])
    # a pair at an angle: the distance between the mapped points is the given one
    slanted = Calibration.from_points((10, 20), (10 + 30, 20 + 40), 25.0, unit="mm")
    ends = slanted.to_world([[10, 20], [40, 60]])
    assert np.linalg.norm(ends[1] - ends[0]) == pytest.approx(25.0) and slanted.unit == "mm"
    np.testing.assert_allclose(slanted.to_pixels(ends), [[10, 20], [40, 60]])
    assert Calibration.from_scale(8.0, "mm").to_world([16.0, 4.0]).tolist() == [2.0, 0.5]


def test_a_perspective_warped_square_maps_corners_and_interior_points_to_known_cm():
    world_corners = [[0, 0], [ARENA_CM, 0], [ARENA_CM, ARENA_CM], [0, ARENA_CM]]
    corners_px = _project(WORLD_TO_PIXELS, world_corners)
    edges = np.linalg.norm(np.roll(corners_px, -1, axis=0) - corners_px, axis=1)
    assert edges.max() / edges.min() > 1.3  # really warped: the edges' lengths in pixels differ
    calibration = Calibration.from_corners(corners_px, ARENA_CM, ARENA_CM)
    np.testing.assert_allclose(calibration.to_world(corners_px), world_corners, atol=1e-3)
    interior = np.random.default_rng(0).uniform(1, ARENA_CM - 1, (50, 2))
    np.testing.assert_allclose(calibration.to_world(_project(WORLD_TO_PIXELS, interior)), interior, atol=1e-3)
    # a scale, not just a shape: the centre of the image of the square is not the centre of the square
    assert not np.allclose(calibration.to_world(corners_px.mean(axis=0)), [ARENA_CM / 2, ARENA_CM / 2], atol=0.1)
    # NaN-safe, any leading shape, and the inverse
    pose_shaped = np.full((3, 2, 4, 2), np.nan)
    pose_shaped[1, 0, 2] = _project(WORLD_TO_PIXELS, [[5.0, 7.0]])[0]
    mapped = calibration.to_world(pose_shaped)
    assert mapped.shape == pose_shaped.shape and np.isnan(mapped).sum() == mapped.size - 2
    np.testing.assert_allclose(mapped[1, 0, 2], [5, 7], atol=1e-3)
    np.testing.assert_allclose(calibration.to_pixels(interior), _project(WORLD_TO_PIXELS, interior), atol=1e-2)


def test_the_local_scale_of_a_homography_is_the_pixels_per_unit_there():
    calibration = Calibration.from_corners(_project(WORLD_TO_PIXELS, [[0, 0], [40, 0], [40, 40], [0, 40]]), 40, 40)
    for world in ([5.0, 5.0], [35.0, 30.0]):
        at = _project(WORLD_TO_PIXELS, [world])[0]
        step = calibration.to_world([at + [1e-3, 0]])[0] - calibration.to_world([at])[0]  # 1/1000 px to the right
        assert calibration.px_per_unit(at) == pytest.approx(1e-3 / np.linalg.norm(step), rel=1e-4)
    far, near = calibration.px_per_unit([130, 70]), calibration.px_per_unit(_project(WORLD_TO_PIXELS, [[40, 40]])[0])
    assert far != pytest.approx(near, rel=0.05)  # the scale changes across a tilted view


def test_the_round_trip_through_dict_and_file_keeps_the_calibration(tmp_path):
    corners = _project(WORLD_TO_PIXELS, [[0, 0], [40, 0], [40, 40], [0, 40]])
    for calibration in (
        Calibration.from_points((1, 2), (101, 2), 10.0, "mm", video_size=(640, 480)),
        Calibration.from_corners(corners, 40, 40),
        Calibration.from_scale(3.5),
    ):
        again = Calibration.from_dict(calibration.to_dict())
        np.testing.assert_allclose(again.matrix, calibration.matrix)
        assert (again.unit, again.video_size) == (calibration.unit, calibration.video_size)
        for suffix in (".yaml", ".json"):
            path = write_calibration(tmp_path / f"c{suffix}", calibration, overwrite=True)
            np.testing.assert_allclose(read_calibration(path).matrix, calibration.matrix)
    with pytest.raises(FileExistsError, match="overwrite"):
        write_calibration(tmp_path / "c.json", calibration)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Calibration.from_points((5, 5), (5.2, 5), 10), "0.2 px apart"),
        (lambda: Calibration.from_points((0, 0), (100, 0), 0), "positive number"),
        (lambda: Calibration.from_points((0, 0), (100, 0), -3), "positive number"),
        (lambda: Calibration.from_points((0, 0, 0), (100, 0), 3), "two points p1, p2, each"),
        (lambda: Calibration.from_points((0, np.nan), (100, 0), 3), "missing"),
        (lambda: Calibration.from_points((0, 0), (100, 0), 3, unit=""), "unit of length"),
        (lambda: Calibration.from_points((0, 0), (700, 0), 3, video_size=(640, 480)), "inside the 640x480 video"),
        (lambda: Calibration.from_corners([[0, 0], [10, 0], [10, 10]], 1, 1), r"\(4, 2\) array"),
        (lambda: Calibration.from_corners([[0, 0], [0, 100], [100, 100], [100, 0]], 1, 1), "counter-clockwise"),
        (lambda: Calibration.from_corners([[0, 0], [100, 100], [100, 0], [0, 100]], 1, 1), "edges cross"),
        (lambda: Calibration.from_corners([[0, 0], [100, 0], [30, 30], [0, 100]], 1, 1), "not a convex"),
        (lambda: Calibration.from_corners([[0, 0], [50, 0], [100, 0], [0, 100]], 1, 1), "one line"),
        (lambda: Calibration.from_corners([[0, 0], [100, 0], [100, 100], [0, 100]], 40, 0), "height"),
        (lambda: Calibration.from_dict({"points": [[0, 0], [1, 1]]}), "points \\+ distance"),
        (lambda: Calibration.from_dict({"px_per_unit": 2, "distance": 3}), "Got the keys"),
        (lambda: Calibration.from_scale(2).to_world([[1, 2, 3]]), r"\(x, y\) on the last axis"),
    ],
)
def test_bad_input_says_what_is_wrong_and_how_to_fix_it(make, message):
    with pytest.raises(ChronovizError, match=message):
        make()


def test_a_file_that_is_not_a_calibration_is_named(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("unit: cm\npoints: [[0, 0], [1, 0]]\ndistance: 2\n")
    with pytest.raises(ChronovizError, match="no `chronoviz_calibration` entry"):
        read_calibration(path)
    path.write_text("chronoviz_calibration: 1\nunit: cm\npx_per_unit: -2\n")
    with pytest.raises(ChronovizError, match="other.yaml: px_per_unit"):
        read_calibration(path)


def test_speed_of_a_keypoint_moving_a_known_distance_per_frame_is_distance_times_fps():
    fps, step_px = 30.0, 6.0
    pose = _moving_pose(20, step_px)
    calibration = Calibration.from_points((0, 0), (40, 0), 10.0)  # 4 px per cm: 6 px per frame is 1.5 cm
    times = np.arange(20) / fps
    speed = pose_speed(pose, calibration, keypoint="head", times=times)
    assert speed.names == ("fly0 head speed (cm/s)", "fly1 head speed (cm/s)")
    np.testing.assert_allclose(speed.values, np.tile([1.5 * fps, 3.0 * fps], (20, 1)))
    np.testing.assert_array_equal(speed.times, times)
    in_pixels = pose_speed(pose, keypoint="head", times=times)
    assert in_pixels.names[0] == "fly0 head speed (px/s)"
    np.testing.assert_allclose(in_pixels.values[:, 0], step_px * fps)
    # variable frame times: the speed follows each row's own time step
    uneven = np.cumsum(np.r_[0, np.random.default_rng(1).uniform(0.02, 0.06, 19)])
    centroid = pose_speed(pose, calibration, times=uneven).values[:, 0]
    expected = np.gradient(1.5 * np.arange(20), uneven)
    np.testing.assert_allclose(centroid, expected)


def test_speed_is_missing_where_the_point_is_missing_and_of_one_individual_has_no_name():
    pose = _moving_pose(10, 2.0, individuals=("individual_0",))
    pose.xy[4, 0, 1] = np.nan
    speed = pose_speed(pose, keypoint="head", times=np.arange(10) / 10)
    assert speed.names == ("head speed (px/s)",)
    assert np.isnan(speed.values[:, 0]).tolist() == [k in (3, 4, 5) for k in range(10)]
    assert np.isfinite(pose_speed(pose, times=np.arange(10) / 10).values).all()  # the centroid of the rest
    pose.confidence[6, 0, 1] = 0.1
    assert np.isnan(pose_speed(pose, keypoint="head", times=np.arange(10) / 10, min_confidence=0.5).values[6, 0])


def test_speed_errors_name_the_fix():
    pose = _moving_pose(10, 2.0)
    with pytest.raises(PoseError, match="times="):
        pose_speed(pose)
    with pytest.raises(PoseError, match="10 rows but 12 times"):
        pose_speed(pose, times=np.arange(12.0))
    with pytest.raises(PoseError, match="strictly increasing"):
        pose_speed(pose, times=np.r_[0.0, np.arange(9.0)])
    with pytest.raises(PoseError, match="did you mean"):
        pose_speed(pose, keypoint="haed", times=np.arange(10.0))


def test_scene_speed_lane_is_on_the_pose_rows_of_the_video(black_video):
    with open_video(black_video) as video:
        calibration = Calibration.from_points((0, 0), (40, 0), 10.0, video_size=(640, 480))
        pose = _moving_pose(30, 6.0)
        scene = build_scene(video, pose=pose, calibration=calibration, pose_speed="tail")
        (trace,) = scene.traces
        assert trace.signal.names == ("fly0 tail speed (cm/s)", "fly1 tail speed (cm/s)")
        assert trace.alignment is scene.pose_overlays[0].alignment
        np.testing.assert_allclose(trace.alignment.values(trace.signal.values, 10), [45.0, 90.0], rtol=1e-3)
        channel = scene.plot.channels[0]
        assert (channel.name, channel.unit) == ("fly0 tail speed", "cm/s")
        assert scene.config["calibration"] == calibration.to_dict() and scene.config["pose_speed"] == "tail"
        assert "calibration" not in build_scene(video, pose=pose).config
        uncalibrated = scene.updated(calibration=None)
        assert uncalibrated.traces[0].signal.names[0] == "fly0 tail speed (px/s)"
        assert scene.updated(pose_speed=None).plot is None
        with pytest.raises(ChronovizError, match="made on a 320x240 video"):
            build_scene(video, calibration=Calibration.from_scale(2.0, video_size=(320, 240)))
        with pytest.raises(ChronovizError, match="'centroid' or a keypoint"):
            build_scene(video, pose=pose, pose_speed=True)


def test_the_scale_bar_is_a_round_length_near_a_sixth_of_the_video():
    for px_per_unit, expected in ((4.0, 20.0), (11.8, 10.0), (0.3, 500.0), (250.0, 0.5)):
        units, pixels = bar_length(Calibration.from_scale(px_per_unit), 640)
        assert units == expected and pixels == pytest.approx(expected * px_per_unit)
        assert 0.1 * 640 < pixels < 0.3 * 640
    assert bar_length(Calibration.from_scale(4.0), 640, 5) == (5.0, 20.0)


def test_the_scale_bar_is_in_the_exported_frame_at_its_length(black_video, tmp_path):
    import av

    calibration = Calibration.from_points((100, 240), (500, 240), 40.0)  # 10 px per cm: the bar is 10 cm, 100 px
    output = create_visualization(
        black_video, None, tmp_path / "bar.mp4", calibration=calibration, layout="none", end=1, crf=0, progress=False
    )
    with open_video(black_video) as video:
        scene = build_scene(video, calibration=calibration, layout="none")
        hidden = build_scene(video, calibration=calibration, layout="none", style={"scale_bar": "none"})
    assert hidden.video_geometry(0).items == []
    bar = [item for item in scene.video_geometry(0).items if isinstance(item, Rectangles)][1].boxes[0]
    (label,) = [item for item in scene.video_geometry(0).items if isinstance(item, Texts)]
    assert label.strings == ["10 cm"] and bar[2] - bar[0] == pytest.approx(100.0)
    with av.open(str(output)) as container:
        pixels = next(container.decode(video=0)).to_ndarray(format="rgb24").mean(axis=2)
    row = pixels[int((bar[1] + bar[3]) / 2)]
    bright = np.flatnonzero(row > 128)
    assert bar[0] - 1.5 <= bright.min() and bright.max() <= bar[2] + 1.5
    assert len(bright) == pytest.approx(100, abs=2) and bright.max() - bright.min() + 1 == len(bright)
    assert bright.min() < 100  # bottom-left
    assert (pixels[: int(bar[1]) - 40] < 30).all()  # nothing else drawn above the plate
    assert (pixels[int(bar[1]) - 40 : int(bar[1]), int(bar[0]) : int(bar[2])] > 128).any()  # the label


def test_a_session_keeps_the_calibration_and_the_pose_speed(tmp_path):
    video_path, pose_path = sample_file("mouse.mp4"), sample_file(MOUSE_POSE)
    calibration = Calibration.from_corners(MOUSE_ARENA, 50, 35, video_size=(640, 480))
    with open_video(video_path) as video:
        scene = build_scene(video, pose=pose_path, calibration=calibration, pose_speed="snout", layout="none")
    path = save_session(tmp_path / "mouse.cvz", video_path, scene)
    session = open_session(path)
    assert session.options["calibration"] == calibration.to_dict() and session.options["pose_speed"] == "snout"
    (video,) = session.open_videos()
    with video:
        reopened = build_scene(video, **session.options)
    assert reopened.config == scene.config
    np.testing.assert_array_equal(reopened.traces[0].signal.values, scene.traces[0].signal.values)
    np.testing.assert_allclose(reopened.calibration.matrix, calibration.matrix)


def test_the_command_line_calibrates_and_renders(black_video, tmp_path, capsys):
    arena = tmp_path / "arena.yaml"
    corners = ["100,50", "540,60", "600,450", "40,440"]
    assert main(["calibrate", str(black_video), "--corners", *corners, "--size", "50", "40", "-o", str(arena)]) == 0
    assert "px/cm at the arena's middle" in capsys.readouterr().out
    calibration = read_calibration(arena)
    assert calibration.video_size == (640, 480)
    np.testing.assert_allclose(calibration.to_world([[100, 50], [600, 450]]), [[0, 0], [50, 40]], atol=1e-3)
    output = tmp_path / "rendered.mp4"
    command = ["render", str(black_video), "--calibration", str(arena), "--layout", "none", "--end", "2"]
    assert main([*command, "-o", str(output), "--quiet"]) == 0
    with open_video(output) as written:
        assert written[0][400:470, :200].max() > 128  # the scale bar, bottom-left
    assert main(["calibrate", str(black_video), "--points", "10,10", "110,10", "-o", str(tmp_path / "x.yaml")]) == 2
    assert "--points needs --distance" in capsys.readouterr().err
    assert main(["calibrate", str(black_video), "--points", "10,10", "900,10", "--distance", "3", "-o", "y.yaml"]) == 2
    assert "not all inside the 640x480 video" in capsys.readouterr().err
    assert main(["render", str(black_video), str(black_video), "--calibration", str(arena), "-o", "z.mp4"]) == 2
    assert "calibration applies to one video; several cameras" in capsys.readouterr().err
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(f"video,output,calibration,pose_speed\n{black_video},{tmp_path / 'job.mp4'},{arena},centroid\n")
    assert read_jobs(jobs) == [
        {
            "video": str(black_video),
            "output": str(tmp_path / "job.mp4"),
            "calibration": str(arena),
            "pose_speed": "centroid",
        }
    ]


def test_the_dock_calibrates_from_clicked_points_and_shows_speed_in_cm(make_napari_viewer, monkeypatch):
    from napari_chronoviz.napari._calibration import POINTS_LAYER
    from napari_chronoviz.napari._widget import ChronovizWidget

    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._calibration.show_error", errors.append)
    viewer = make_napari_viewer()
    viewer.open(sample_file("mouse.mp4"), plugin="napari-chronoviz")
    widget = ChronovizWidget(viewer)
    controls = widget.calibrate
    controls.apply_button.clicked()
    assert "holds 0 points; two points needs 2" in errors[-1]
    controls.place.clicked()
    points = viewer.layers[POINTS_LAYER]
    assert viewer.layers.selection.active is points and points.mode == "add"
    points.add([[455, 18], [455, 606]])  # napari's (row, column): the bottom edge of the open field's floor
    controls.apply_button.clicked()
    assert "Type the distance" in errors[-1] and widget.session is None
    controls.distance.value = 50.0
    controls.apply_button.clicked()
    session = widget.session
    assert session is not None and session.scene.calibration.px_per_unit() == pytest.approx(588 / 50)
    assert controls.shown.value.startswith("11.76 px/cm")
    overlay = session.layers["overlay"].data
    assert overlay[470 - 30 : 470, :150, 3].max() == 255  # the scale bar's pixels, bottom-left
    widget.kind.value, widget.file.value = "pose", sample_file(MOUSE_POSE)
    widget.add.clicked()
    assert "snout" in controls.pose_speed.choices
    controls.pose_speed.value = "snout"
    assert [trace.signal.names for trace in widget.session.scene.traces] == [("snout speed (cm/s)",)]
    controls.scale_bar.value = False
    assert widget.session.scene.style.scale_bar == "none"
    controls.method.value = "four corners"
    assert controls.distance.native.isHidden() and not controls.arena_width.native.isHidden()
    controls.apply_button.clicked()
    assert "holds 2 points; four corners needs 4" in errors[-1]
    points.add([[58, 612], [55, 20]])  # now bottom-left, bottom-right, top-right, top-left: counter-clockwise
    controls.arena_width.value, controls.arena_height.value = 50.0, 35.0
    controls.apply_button.clicked()
    assert "counter-clockwise" in errors[-1]
    points.data = np.array([[55, 20], [58, 612], [458, 606], [455, 18]], dtype=float)
    assert controls.apply() is not None
    assert "corners of a 50 x 35 cm arena" in widget.session.scene.calibration.summary
    controls.clear_button.clicked()
    assert widget.session.scene.calibration is None
    assert widget.session.scene.traces[0].signal.names == ("snout speed (px/s)",)


def test_the_dock_keeps_a_calibration_a_script_attached_and_loads_files(make_napari_viewer, tmp_path, monkeypatch):
    from napari_chronoviz import attach
    from napari_chronoviz.napari._widget import ChronovizWidget

    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._calibration.show_error", errors.append)
    arena = write_calibration(tmp_path / "arena.yaml", Calibration.from_corners(MOUSE_ARENA, 50, 35))
    viewer = make_napari_viewer()
    (layer,) = viewer.open(sample_file("mouse.mp4"), plugin="napari-chronoviz")
    attach(viewer, layer, pose=sample_file(MOUSE_POSE), calibration=arena, pose_speed="centroid")
    widget = ChronovizWidget(viewer)
    assert "50 x 35 cm arena" in widget.calibrate.shown.value and widget.calibrate.pose_speed.value == "centroid"
    widget.trail_length.value = 3  # any control redraws with the dock's options: the calibration stays
    assert widget.session.scene.calibration is not None and widget.session.scene.style.trail_length == 3
    assert widget.session.scene.traces[0].signal.names == ("speed (cm/s)",)
    widget.calibrate.file.value = tmp_path / "missing.yaml"
    assert widget.calibrate.load_file() is None and "not found" in errors[-1]
    write_calibration(tmp_path / "scale.json", Calibration.from_scale(10.0, "mm"))
    widget.calibrate.file.value = tmp_path / "scale.json"
    widget.calibrate.load.clicked()
    assert widget.session.scene.traces[0].signal.names == ("speed (mm/s)",)
    widget.session_file.value = tmp_path / "mouse.cvz"
    saved = widget.save_session()
    assert open_session(saved).options["calibration"] == {"unit": "mm", "px_per_unit": 10.0}
    (reopened,) = viewer.open(saved, plugin="napari-chronoviz")  # the dock attaches the session's overlays
    assert widget.video.value == reopened.name and widget.session.video_layer is reopened
    assert widget.session.scene.calibration.unit == "mm" and widget.calibrate.pose_speed.value == "centroid"


def test_pose_speed_without_a_pose_says_to_add_one():
    from types import SimpleNamespace

    from napari_chronoviz import ChronovizError, build_scene

    video = SimpleNamespace(frame_times=np.arange(30) / 30, shape=(30, 48, 64, 3))
    with pytest.raises(ChronovizError, match="pose_speed='snout' plots the speed of a pose, but no pose was given"):
        build_scene(video, signals=np.zeros(30), pose_speed="snout")
