"""Overlay geometry (no Qt): pose on the file's values, skeleton, trails, the plot's cursor, ratios, padding."""

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import ChronovizError, Layout, Pose, Style, align, build_scene, read_pose, sample_file
from napari_chronoviz.errors import in_words
from napari_chronoviz.overlays.plot._slice import thin_per_group
from napari_chronoviz.overlays.primitives import Clip, Points, Polylines, Rectangles, Segments, Texts
from napari_chronoviz.overlays.style import MAX_BAND_ALPHA
from napari_chronoviz.render.raster import draw

# the bundled copy of ../shared/data/dlc_openfield/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5
DLC_POSE = sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")
FLIES_POSE = "sleap_flies/clip.slp"  # in ../shared/data


def fake_video(n_frames, fps=30.0, width=640, height=480):
    """A video of this size and rate without frames (the flies of `FLIES_POSE` need 1024 x 1024)."""
    return SimpleNamespace(frame_times=np.arange(n_frames) / fps, shape=(n_frames, height, width, 3))


def only(geometry, kind):
    found = geometry.of_type(kind)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("pose_file", [DLC_POSE, FLIES_POSE], ids=["dlc", "sleap"])
def test_keypoints_at_frames_0_1_500_and_last_are_the_files_values(request, pose_file):
    if pose_file == FLIES_POSE:
        pytest.importorskip("sleap_io")
        pose_file = request.getfixturevalue("shared_data") / FLIES_POSE
    pose = read_pose(pose_file)
    scene = build_scene(fake_video(pose.n_frames, width=1024, height=1024), pose=pose, layout="none")
    for frame in (0, 1, 500, pose.n_frames - 1):
        points = only(scene.geometry(frame), Points)
        expected = pose.xy[frame].reshape(-1, 2)
        expected = expected[np.isfinite(expected).all(axis=1)]
        np.testing.assert_array_equal(points.positions, expected)


def test_skeleton_segment_ends_are_keypoint_positions(shared_data):
    pytest.importorskip("sleap_io")
    pose = read_pose(shared_data / FLIES_POSE)
    scene = build_scene(fake_video(pose.n_frames, width=1024, height=1024), pose=pose, layout="none")
    index = {name: i for i, name in enumerate(pose.keypoints)}
    segments = only(scene.geometry(700), Segments)
    expected = [
        (pose.xy[700, fly, index[a]], pose.xy[700, fly, index[b]])
        for fly in range(2)
        for a, b in pose.edges
        if np.isfinite(pose.xy[700, fly, index[a]]).all() and np.isfinite(pose.xy[700, fly, index[b]]).all()
    ]
    assert len(segments) == len(expected) > 0
    np.testing.assert_array_equal(segments.starts, [start for start, _ in expected])
    np.testing.assert_array_equal(segments.ends, [end for _, end in expected])


def test_trail_holds_exactly_the_last_n_positions_and_fades():
    pose = read_pose(DLC_POSE)
    n = 10
    scene = build_scene(
        fake_video(pose.n_frames), pose=pose, layout="none", style={"trail_length": n, "trail_keypoints": ["snout"]}
    )
    trail = scene.geometry(100).of_type(Segments)[0]  # trails come first
    assert len(trail) == n
    snout = pose.xy[:, 0, 0]
    points = {tuple(p) for p in np.concatenate([trail.starts, trail.ends])}
    assert points == {tuple(p) for p in snout[100 - n : 101]}
    alphas = trail.colors[np.argsort([-np.flatnonzero((snout == s).all(axis=1))[0] for s in trail.starts]), 3]
    assert np.all(np.diff(alphas) < 0) and alphas[0] == 1.0  # newest opaque, older fainter
    early = scene.geometry(3).of_type(Segments)[0]
    assert len(early) == 3  # only the frames that exist


def test_low_confidence_points_are_hidden():
    pose = read_pose(DLC_POSE)
    cutoff = 0.99
    scene = build_scene(fake_video(pose.n_frames), pose=pose, layout="none", style={"confidence_cutoff": cutoff})
    frame = int(np.flatnonzero((pose.confidence[:, 0] < cutoff).any(axis=1))[0])
    points = only(scene.geometry(frame), Points)
    assert len(points) == int((pose.confidence[frame, 0] >= cutoff).sum()) < 4


def cursor_value(scene, frame):
    """The trace's value under the cursor, read back from the drawn geometry."""
    plot = scene.plot
    box = scene.layout.panel_box
    path = only(scene.panel_geometry(frame), Polylines).paths[0]
    channel, lane = plot.channels[0], plot.lane_boxes(box)[0]
    y = np.interp(plot.cursor_x(lane, scene.frame_times[frame]), path[:, 0], path[:, 1])
    top, bottom = lane[1] + 4, lane[3] - 4
    return channel.low + (bottom - y) / (bottom - top) * (channel.high - channel.low)


@pytest.mark.parametrize("ratio", [1, 4])
def test_the_cursor_sits_on_the_aligned_sample(ratio):
    video = fake_video(300)
    samples = np.arange(300.0 * ratio)  # a signal whose value is its own sample index
    scene = build_scene(video, signals=samples, window=(1.0, 1.0))
    positions = align(video.frame_times, samples).positions
    for frame in (0, 1, 150, 299):
        assert cursor_value(scene, frame) == pytest.approx(positions[frame], abs=1e-6)


@pytest.mark.parametrize("window", [(1.0, 1.0), (1.5, 0.5)])
def test_the_grid_layout_has_a_cursor_at_the_current_time_in_each_column(window):
    samples = np.arange(300.0)[:, None] + [0, 1000, 2000, 3000]  # each channel's value: its sample index + 1000 c
    scene = build_scene(fake_video(300), signals=samples, window=window, style={"plot_layout": "grid"})
    plot, box = scene.plot, scene.layout.panel_box
    lanes = plot.lane_boxes(box)
    columns = np.unique(lanes[:, [0, 2]], axis=0)
    assert len(columns) == 2
    cursor = scene.panel_geometry(150).of_type(Segments)[-1]  # drawn last, over everything
    xs = np.sort(cursor.starts[:, 0])
    nominal = columns[:, 0] + window[0] / sum(window) * (columns[:, 1] - columns[:, 0])
    np.testing.assert_allclose(xs, nominal, atol=0.5)  # where the scrolled traces have the time: within 1/2 pixel
    assert ((columns[:, 0] < xs) & (xs < columns[:, 1])).all()  # inside its column, not on the border
    assert (cursor.starts[:, 1] == lanes[:, 1].min()).all() and (cursor.ends[:, 1] == lanes[:, 3].max()).all()
    paths = [path for lines in scene.panel_geometry(150).of_type(Polylines) for path in lines.paths]  # by column
    for index, (channel, lane, path) in enumerate(zip(plot.channels, lanes, paths, strict=True)):
        x = plot.cursor_x(lane, scene.frame_times[150])
        assert x in xs
        y = np.interp(x, path[:, 0], path[:, 1])
        top, bottom = lane[1] + 4, lane[3] - 4
        value = channel.low + (bottom - y) / (bottom - top) * (channel.high - channel.low)
        assert value == pytest.approx(150 + 1000 * index, abs=1e-6)  # the trace crosses its cursor at frame 150


def test_a_ratio_4_signal_draws_4_samples_per_frame():
    scene = build_scene(fake_video(300), signals=np.sin(np.arange(1200) / 10), window=(1.0, 1.0))
    assert scene.traces[0].alignment.ratio == 4
    path = only(scene.panel_geometry(150), Polylines).paths[0]
    lane = scene.plot.lane_boxes(scene.layout.panel_box)[0]
    frame_width = (lane[2] - lane[0]) / 60  # a 2 s window of 60 frames across the lane
    np.testing.assert_allclose(np.diff(path[:, 0]), frame_width / 4)
    inside = path[(path[:, 0] > lane[0] - 0.51) & (path[:, 0] < lane[2] + 0.51)]
    assert len(inside) == 4 * 60 + 1 and path[0, 0] < lane[0] and path[-1, 0] > lane[2]  # lines reach both edges


def test_a_padded_signal_shows_nothing_past_its_end():
    scene = build_scene(fake_video(1000), signals=np.ones(997), alignment={"mode": "pad"}, window=(1.0, 1.0))
    lane = scene.plot.lane_boxes(scene.layout.panel_box)[0]
    near_end = only(scene.panel_geometry(980), Polylines).paths[0]
    last_sample_x = scene.plot.cursor_x(lane, scene.frame_times[980]) + (996 - 980) / 60 * (lane[2] - lane[0])
    assert near_end[:, 0].max() == pytest.approx(last_sample_x)
    assert not scene.panel_geometry(999).of_type(Polylines) or only(scene.panel_geometry(999), Polylines).paths[0][
        :, 0
    ].max() < scene.plot.cursor_x(lane, scene.frame_times[999])


def test_nan_gaps_break_the_line_and_decimation_keeps_peaks():
    values = np.sin(np.arange(3000) / 50)
    values[1400:1420] = np.nan
    values[1600] = 50.0
    with pytest.warns(UserWarning, match="20 NaN/Inf values in 1 runs"):
        scene = build_scene(fake_video(3000), signals=values, window=(5.0, 5.0))  # 300 samples per 640 px
    lines = only(scene.panel_geometry(1500), Polylines)
    assert len(lines.paths) == 2
    path = np.column_stack([np.arange(20000.0) / 40, np.sin(np.arange(20000) / 7)])  # 40 points per pixel
    path[12345, 1] = 99
    thinned = thin_per_group(path[:, 0], path[:, 1], np.floor(path[:, 0]))
    assert len(thinned) <= 1000 and thinned[:, 1].max() == 99 and thinned[:, 1].min() == path[:, 1].min()


def test_events_intervals_and_the_current_label():
    events = pd.DataFrame({"time": [4.5, 5.2, 9.0], "kind": ["lick", "stim", "lick"]})
    intervals = pd.DataFrame({"start": [3.0, 6.0], "end": [5.5, 8.0], "label": ["rest", "run"]})
    scene = build_scene(fake_video(300), signals=np.zeros(300), events=events, intervals=intervals, window=(1, 1))
    geometry = scene.panel_geometry(150)  # t = 5.0 s: inside "rest", events at 4.5 and 5.2 visible
    texts = [s for item in geometry.of_type(Texts) for s in item.strings]
    assert "lick" in texts and "stim" in texts and texts.count("rest") == 2  # legend entry and current label
    bands = geometry.of_type(Clip)[0].content.of_type(Rectangles)[0]  # the first in the strip: under the traces
    lane = scene.plot.lane_boxes(scene.layout.panel_box)[0]
    x0, width = lane[0], lane[2] - lane[0]
    # rest: from 3 s (cut out of sight, past the window's left edge at 4 s) until 5.5 s
    assert bands.boxes[0, 0] < x0 and bands.boxes[0, 2] == pytest.approx(x0 + 0.75 * width, abs=0.5)
    assert bands.boxes[0, 1] == lane[1] and bands.boxes[0, 3] == lane[3]  # over the lanes only
    panel, label = np.array(scene.style.panel_color[:3]), scene.plot.label_colors["rest"][:3]
    alpha = np.linalg.norm(bands.colors[0, :3] - panel) / np.linalg.norm(label - panel)  # drawn blended, opaque
    assert alpha == pytest.approx(min(scene.style.interval_alpha, MAX_BAND_ALPHA))


@pytest.mark.parametrize("position", ["below", "above", "left", "right", "top-left", "bottom-right"])
def test_panel_positions_and_the_canvas(position):
    layout = Layout(640, 480, position)
    panel, canvas = layout.panel_box, layout.canvas_box
    assert (canvas[:2] <= panel[:2]).all() and (canvas[2:] >= panel[2:]).all()
    assert layout.is_inset == ("-" in position)
    if position == "above":
        assert panel[1] < 0 and canvas[1] == panel[1]


def test_dense_layout_keeps_64_channels_legible():
    scene = build_scene(
        fake_video(300),
        signals=np.random.default_rng(1).random((300, 64)),
        layout={"position": "below", "size": 320},
        style={"plot_layout": "dense"},
    )
    lanes = scene.plot.lane_boxes(scene.layout.panel_box)
    assert len(lanes) == 64 and np.all(np.diff(lanes[:, 1]) > 0)
    assert len(only(scene.panel_geometry(100), Polylines).paths) == 64


def test_geometry_rasterizes():
    pose = read_pose(DLC_POSE)
    scene = build_scene(
        fake_video(pose.n_frames), pose=pose, signals=pose.xy[:, 0, 0, 0], window=(1, 1), style={"trail_length": 5}
    )
    x0, y0, x1, y1 = scene.layout.canvas_box
    canvas = np.zeros((int(y1 - y0), int(x1 - x0), 3), np.uint8)
    draw(canvas, scene.geometry(100), origin=(x0, y0))
    x, y = np.round(pose.xy[100, 0, 0]).astype(int)
    assert canvas[y, x].any()  # a keypoint was drawn where the file says
    assert canvas[481:, :].any() and not canvas[:, :][200:210, 600:610].any()


def test_bad_options_are_explained():
    video = fake_video(100)
    with pytest.raises(ChronovizError, match="Unknown plot layout 'wide'"):
        build_scene(video, signals=np.zeros(100), style={"plot_layout": "wide"})
    with pytest.raises(ChronovizError, match=r"Unknown style option\(s\) \['colour'\]"):
        Style().updated(colour="red")
    with pytest.raises(ChronovizError, match="Unknown panel position 'middle'"):
        build_scene(video, signals=np.zeros(100), layout="middle")
    with pytest.raises(ChronovizError, match=r"Unknown alignment option\(s\) \['rate'\]"):
        build_scene(video, signals=np.zeros(100), alignment={"rate": 2})


def test_translucent_primitives_blend_over_what_is_below():
    from napari_chronoviz.overlays.primitives import Geometry, rgba

    for channels in (3, 4):
        image = np.full((20, 40, channels), 200, np.uint8)  # the region spans whole rows: contiguous
        draw(image, Geometry([Rectangles(np.array([[0.0, 0.0, 40.0, 10.0]]), rgba([[0.0, 0.0, 0.0]], 0.25))]))
        assert image[5, 20, 0] == 150 and image[15, 20, 0] == 200


def test_head_direction_from_a_given_angle_series():
    xy = np.zeros((10, 1, 2, 2))
    xy[:, 0, 0] = [100.0, 50.0]
    xy[:, 0, 1] = [110.0, 50.0]
    pose = Pose(xy, np.ones((10, 1, 2)), ("tail", "head"), ("mouse",)).with_heading(np.full(10, 90.0), unit="deg")
    scene = build_scene(
        fake_video(10), pose=pose, layout="none", style={"head_direction": ["tail", "head"], "arrow_length": 20}
    )
    arrow = [item for item in scene.geometry(3).of_type(Segments) if item.arrow][0]
    np.testing.assert_allclose(arrow.starts, [[110, 50]])
    np.testing.assert_allclose(arrow.ends, [[110, 70]], atol=1e-9)  # 90 degrees: down the image
    without_keypoints = build_scene(fake_video(10), pose=pose, layout="none", style={"arrow_length": 20})
    centroid_arrow = [item for item in without_keypoints.geometry(3).of_type(Segments) if item.arrow][0]
    np.testing.assert_allclose(centroid_arrow.starts, [[105, 50]])
    with pytest.raises(ChronovizError, match=r"one angle per frame and individual, \(10, 1\); got shape \(9, 1\)"):
        pose.with_heading(np.zeros(9))


@pytest.mark.parametrize("samples_per_frame", [1, 4])
def test_a_window_in_samples_draws_n_samples_each_side_and_the_current_one(samples_per_frame):
    n = 3
    scene = build_scene(
        fake_video(300),
        signals=np.sin(np.arange(300 * samples_per_frame) / 10),
        window={"left": n, "right": n, "unit": "samples"},
    )
    lane = scene.plot.lane_boxes(scene.layout.panel_box)[0]
    for frame in (37, 100, 151, 200):
        path = only(scene.panel_geometry(frame), Polylines).paths[0]
        inside = (path[:, 0] > lane[0] - 0.51) & (path[:, 0] < lane[2] + 0.51)
        assert inside.sum() == 2 * n + 1, frame


def test_a_short_multi_animal_pose_is_drawn_on_its_frames_and_nothing_after(short_dlc_pose):
    path = short_dlc_pose(100)  # 100 rows for a 121-frame video
    pose = read_pose(path)
    with pytest.warns(UserWarning, match=r"100 rows but the video has 121 frames: frames 100-120 \(21 frames\)"):
        scene = build_scene(fake_video(121), pose=path, layout="none")
    for frame in (0, 98, 99):
        expected = pose.xy[frame].reshape(-1, 2)
        np.testing.assert_array_equal(
            only(scene.geometry(frame), Points).positions, expected[np.isfinite(expected).all(axis=1)]
        )
    assert not scene.geometry(100).items and not scene.geometry(120).items


def test_pose_alignment_places_a_short_sleap_pose(short_sleap_pose):
    path = short_sleap_pose(101)
    video = fake_video(251, fps=25.0)
    shifted = build_scene(video, pose=path, pose_alignment={"mode": "pad", "offset": 1.0}, layout="none")
    positions = shifted.pose_overlays[0].alignment.positions
    assert np.isnan(positions[:25]).all() and positions[25] == 0 and positions[125] == 100
    assert np.isnan(positions[126:]).all()
    every_other = shifted.updated(pose_alignment={"mode": "ratio", "ratio": 0.5, "offset": 0.0})
    np.testing.assert_array_equal(every_other.pose_overlays[0].alignment.positions[[0, 2, 200]], [0, 1, 100])
    assert every_other.config["pose_alignment"] == {"mode": "ratio", "ratio": 0.5, "offset": 0.0}
    assert every_other.messages == ["flies_101.analysis.h5: ratio: one sample every 2 frames"]


def test_bad_pose_alignment_says_where_to_set_it(short_sleap_pose):
    with pytest.raises(ChronovizError, match=r"Unknown pose alignment option\(s\) \['interpolation'\]"):
        build_scene(fake_video(251), pose=short_sleap_pose(101), pose_alignment={"interpolation": "linear"})
    with pytest.raises(ChronovizError) as raised:
        build_scene(fake_video(251), pose=short_sleap_pose(300))
    # each interface names its own way to set them: arguments in Python, flags on the command line, the dock's controls
    assert re.search(
        r"flies_300.analysis.h5: .*300 rows but the video has 251 frames.*pose_alignment=", str(raised.value)
    )
    assert "--pose-align" not in str(raised.value)
    assert "Set these options with --pose-align, --pose-ratio and --pose-offset" in in_words(raised.value, "cli")
    assert "the pose's alignment, rows per frame and offset" in in_words(raised.value, "dock")


def test_a_pose_offset_on_a_rounded_frame_rate_draws_its_last_row_on_the_last_frames(short_sleap_pose):
    video = SimpleNamespace(frame_times=np.arange(251) * 0.033333, shape=(251, 1024, 1024, 3))  # 30.0003 fps
    scene = build_scene(video, pose=short_sleap_pose(101), pose_alignment={"mode": "pad", "offset": 1.0}, layout="none")
    last = read_pose(short_sleap_pose(101)).xy[100].reshape(-1, 2)
    np.testing.assert_array_equal(only(scene.geometry(131), Points).positions, last[np.isfinite(last).all(axis=1)])


def event_frames(scene) -> list[int]:
    """The frames on which an event line sits under the cursor (drawn from the geometry: the lines that span the
    lanes from their top, but the cursor, which comes last, and the grid lines, which are never at the cursor)."""
    lane = scene.plot.lane_boxes(scene.layout.panel_box)[0]
    return [
        frame
        for frame in range(scene.n_frames)
        if any(
            np.isclose(lines.starts[:, 0], scene.plot.cursor_x(lane, scene.frame_times[frame])).any()
            and (lines.starts[:, 1] == lane[1]).all()
            for lines in scene.panel_geometry(frame).of_type(Segments)[:-1]
        )
    ]


def current_label_frames(scene, label: str) -> np.ndarray:
    """The frames whose current label (written at the panel's right) is `label`."""
    return np.array(
        [frame for frame in range(scene.n_frames) if scene.plot.intervals.label_at(scene.frame_times[frame]) == label]
    )


def test_labels_on_a_signals_clock_follow_its_offset():
    signal = pd.DataFrame({"time": np.arange(0, 8, 0.01), "dff": np.zeros(800)})  # starts 2 s after the video
    events = pd.DataFrame({"time": [1.0, 3.0], "kind": ["lick", "stim"]})  # seconds on the signal's clock
    intervals = pd.DataFrame({"start": [4.0], "end": [5.0], "label": ["run"]})
    options = dict(signals=signal, events=events, intervals=intervals, window=(1, 1), alignment={"offset": 2.0})
    on_video_clock = build_scene(fake_video(300), **options)
    assert event_frames(on_video_clock) == [30, 90]
    on_signal_clock = build_scene(fake_video(300), labels_clock=0, **options)
    assert event_frames(on_signal_clock) == [90, 150]  # 3 s and 5 s on the video's clock, at 30 fps
    np.testing.assert_array_equal(current_label_frames(on_signal_clock, "run"), np.arange(180, 210))
    assert on_signal_clock.config["labels_clock"] == 0
    assert event_frames(on_signal_clock.updated(labels_clock="video")) == [30, 90]


def test_labels_on_a_signals_clock_follow_its_sync_fit_with_drift(tmp_path):
    def daq(video_time):  # the DAQ clock runs 1000 ppm fast and started 0.5 s after the video
        return (np.asarray(video_time) - 0.5) / 1.001

    pd.DataFrame({"time": daq(np.arange(0.5, 10, 0.01)), "dff": np.zeros(950)}).to_csv(
        tmp_path / "dff.csv", index=False
    )
    video_events = np.array([1.0, 5.0, 9.0])  # e.g. an LED seen in the video, and its TTL logged by the DAQ
    scene = build_scene(
        fake_video(300),
        signals=tmp_path / "dff.csv",
        window=(1, 1),
        labels_clock="dff.csv",
        events=pd.DataFrame({"time": daq([3.0, 6.0]), "kind": ["lick", "stim"]}),
        intervals=pd.DataFrame({"start": daq([7.01]), "end": daq([8.01]), "label": ["run"]}),
        alignment={"sync": (video_events, daq(video_events))},
    )
    assert event_frames(scene) == [90, 180]
    np.testing.assert_array_equal(current_label_frames(scene, "run"), np.arange(211, 241))  # 7.01..8.01 s


def test_a_labels_clock_must_name_a_signal_with_a_clock():
    labels = {"events": pd.DataFrame({"time": [1.0]}), "window": (1, 1)}
    with pytest.raises(
        ChronovizError,
        match=r"labels_clock='dff.csv' names no signal: .*'video'.*a signal "
        r"given by its position \(0\) or name \(\['the array'\]\)",
    ):
        build_scene(fake_video(300), signals=np.zeros(300), labels_clock="dff.csv", **labels)
    with pytest.raises(ChronovizError, match=r"stretched.*no clock of its own"):
        build_scene(fake_video(300), signals=np.zeros(290), alignment={"mode": "stretch"}, labels_clock=0, **labels)
