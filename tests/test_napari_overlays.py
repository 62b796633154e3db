"""Overlays in a real napari viewer: attach, layers that follow the slider, the reader for pose and signals,
and the dock widget driven through its controls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import Pose, align, attach, read_pose, read_timeseries, sample_file
from napari_chronoviz.napari._layers import Session
from napari_chronoviz.napari._vector_layers import PanelLayers
from napari_chronoviz.napari._widget import ChronovizWidget
from napari_chronoviz.overlays import primitives
from napari_chronoviz.overlays.layout import Layout
from napari_chronoviz.render.raster import composite_over, draw, unpremultiply

# the bundled copies of ../shared/data/dlc_openfield/m3v1mp4.mp4 and its predictions, byte for byte
DLC_VIDEO = sample_file("mouse.mp4")
DLC_POSE = sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")
DLC_SIGNALS = sample_file("mouse_signals.csv")


@pytest.fixture
def dlc(make_napari_viewer):
    viewer = make_napari_viewer()
    (video_layer,) = viewer.open(DLC_VIDEO, plugin="napari-chronoviz")
    return viewer, video_layer, DLC_POSE


def add_file(widget, kind: str, path) -> None:
    """Press the dock's Add with `path` as `kind`."""
    widget.kind.value, widget.file.value = kind, path
    widget.add.clicked()


def shown_points(layer) -> np.ndarray:
    """(y, x) of the points napari shows in the current slice."""
    return layer._view_data  # napari keeps the displayed dims (y, x) of the current slice here


def test_keypoint_layer_follows_the_slider_with_the_files_values(dlc):
    viewer, video_layer, pose_path = dlc
    pose = read_pose(pose_path)
    session = attach(viewer, video_layer, pose=pose_path, style={"trail_length": 5}, display="layers")
    keypoints = session.layers["keypoints 0"]
    assert set(keypoints.features.columns) >= {"individual", "keypoint", "confidence"}
    for frame in (0, 1, 500, 2329):
        viewer.dims.set_current_step(0, frame)
        np.testing.assert_array_equal(shown_points(keypoints), pose.xy[frame, 0][:, ::-1])
    assert keypoints.metadata["chronoviz"]["sources"]["pose"] == [str(pose_path)]


def test_raster_image_is_the_geometry_of_the_current_frame(dlc):
    viewer, video_layer, pose_path = dlc
    speed = pd.DataFrame({"x": read_pose(pose_path).xy[:, 0, 0, 0]})
    rois = np.random.default_rng(0).random((2330, 8))  # a heatmap lane, a raster lane and the overview too
    session = attach(
        viewer,
        video_layer,
        signals=[speed, rois],
        spikes={"unit": [33.0, 33.4]},
        pose=pose_path,
        window=(1.0, 1.0),
        style={"heatmaps": [1], "overview": True},
    )
    raster = session.layers["overlay"]
    np.testing.assert_array_equal(raster.translate, [0, 0])
    assert {key for key, layer in session.layers.items() if layer.visible} == {"overlay"}
    before = raster.data.copy()
    viewer.dims.set_current_step(0, 1000)
    assert session.frame == 1000
    expected = np.zeros_like(raster.data)  # the video's overlays, then the panel filling its box over them
    draw(expected, session.scene.video_geometry(1000), origin=session.raster_origin)
    x0, y0, x1, y1 = np.round(session.scene.layout.panel_box - np.tile(session.raster_origin, 2)).astype(int)
    expected[y0:y1, x0:x1] = 0
    draw(expected[y0:y1, x0:x1], session.scene.panel_geometry(1000), origin=session.scene.layout.panel_box[:2])
    np.testing.assert_array_equal(raster.data, unpremultiply(expected))  # drawn premultiplied, napari takes straight
    assert not np.array_equal(before, raster.data)
    values = session.layers["values"]  # hidden in the raster display: shown, it holds the frame shown's values
    assert len(values.data) == 0
    values.visible = True
    row = values.features[values.features["frame"] == 1000]
    assert row["value"].item() == pytest.approx(speed["x"][1000]) and len(values.data) == 1
    viewer.dims.set_current_step(0, 1200)
    assert values.features["frame"].tolist() == [1200] and values.features["value"].item() == speed["x"][1200]


def drawn_from_scratch(session, frame: int) -> np.ndarray:
    """What the raster layer must hold at `frame`, drawn with the rasterizer alone on an empty image: the
    video's overlays, then the panel over them (laid over them when translucent), in straight colors."""
    scene, origin = session.scene, session.raster_origin
    expected = np.zeros_like(session.layers["overlay"].data)
    draw(expected, scene.video_geometry(frame), origin=origin)
    x0, y0, x1, y1 = np.round(scene.layout.panel_box - np.tile(origin, 2)).astype(int)
    panel = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
    draw(panel, scene.panel_geometry(frame), origin=scene.layout.panel_box[:2])
    if panel[..., 3].min() == 255:
        expected[y0:y1, x0:x1] = panel
    else:
        composite_over(expected[y0:y1, x0:x1], panel)
    return unpremultiply(expected)


def test_a_translucent_corner_over_the_pose_is_straightened_once(dlc):
    viewer, video_layer, _ = dlc
    n_frames = video_layer.data.shape[0]
    x0, y0, x1, y1 = Layout(640, 480, "top-right").panel_box
    ys, xs = np.meshgrid(np.linspace(y0 - 30, y1 + 30, 6), np.linspace(x0 - 30, x1 + 30, 6))
    keypoints = np.column_stack([xs.ravel(), ys.ravel()])  # inside the corner panel, on its edges and beside it
    names = tuple(f"point {i}" for i in range(len(keypoints)))
    pose = Pose(np.tile(keypoints, (n_frames, 1, 1, 1)), np.ones((n_frames, 1, len(names))), names, ("mouse",))
    session = attach(viewer, video_layer, signals=np.arange(n_frames, dtype=float), pose=pose, layout="top-right")
    viewer.dims.set_current_step(0, 3)
    shown = session.layers["overlay"].data
    expected = drawn_from_scratch(session, 3)
    corner = expected[int(y0) : int(y1), int(x0) : int(x1), 3]
    assert 0 < corner.min() < 255 and (corner == 255).any()  # translucent, with keypoints under it
    np.testing.assert_array_equal(shown, expected)


def test_frames_drawn_ahead_while_playing_are_the_frames_shown_and_a_jump_leaves_nothing_behind(dlc):
    viewer, video_layer, pose_path = dlc
    session = attach(viewer, video_layer, signals=[DLC_SIGNALS], pose=pose_path, style={"trail_length": 10})
    raster = session.layers["overlay"]
    for frame in (400, 401, 402, 403, 1500, 1501, 402):  # playing, a jump while a frame is drawn ahead, back
        viewer.dims.set_current_step(0, frame)
        np.testing.assert_array_equal(raster.data, drawn_from_scratch(session, frame), err_msg=f"frame {frame}")
    assert session._raster_frames.frames_drawn_ahead == 2  # 402 and 403; the others were drawn when asked for


def world_paths(layer) -> list[np.ndarray]:
    """The (x, y) world coordinates of a Shapes layer's paths, through napari's own transform."""
    return [
        np.array([layer.data_to_world(vertex) for vertex in shape])[:, ::-1]
        for shape, kind in zip(layer.data, layer.shape_type)
        if kind == "path"
    ]


def test_layers_display_draws_the_panel_as_shapes_and_points(dlc):
    viewer, video_layer, pose_path = dlc
    video_layer.scale, video_layer.translate = (1, 2, 2), (0, 10, -20)  # world != canvas pixels
    times = np.arange(0, 78, 0.001)  # 1 kHz: more samples in the window than pixel columns
    dff = pd.DataFrame({"time": times, "dF/F (%)": np.sin(times * 3), "speed": np.cos(times)})
    rois = np.random.default_rng(0).random((2330, 8))  # a heatmap lane: its pixels are an image layer
    session = attach(
        viewer,
        video_layer,
        signals=[dff, rois],
        pose=pose_path,
        window=(2.0, 1.0),
        style={"heatmaps": [1], "trail_length": 5},
        display="layers",
    )
    plot = {key: layer for key, layer in session.layers.items() if key.startswith("plot")}
    # in drawing order: the panel's background and colorbar, the lanes' background and bands, the heatmap lane
    # (images), then the traces and what moves; texts where the raster display draws them
    order = [key for key in sorted(plot, key=lambda key: viewer.layers.index(plot[key])) if "text" not in key]
    assert order == ["plot shapes 0", "plot image 0", "plot shapes 1", "plot image 1", "plot shapes 2"]
    assert [type(plot[key]).__name__ for key in order] == ["Shapes", "Image", "Shapes", "Image", "Shapes"]
    assert sorted(viewer.layers.index(layer) for layer in plot.values()) == list(range(1, len(plot) + 1))
    kinds = [type(layer).__name__ for layer in viewer.layers][len(plot) + 1 :]
    assert kinds == ["Points", "Tracks", "Points"]  # the values; the pose's trails and keypoints

    def world(xy):  # canvas pixels -> napari world (y, x)
        return np.asarray(xy)[..., ::-1] * 2 + [10, -20]

    box = session.scene.layout.panel_box
    shown = {}
    for frame in (1000, 1500):
        viewer.dims.set_current_step(0, frame)
        geometry = session.scene.panel_geometry(frame)
        # the traces as the clip of their column cuts them at the lanes' edges (napari's layers do not clip)
        (traces,) = [
            item
            for clip in geometry.of_type(primitives.Clip)
            for item in clip.cut()
            if isinstance(item, primitives.Polylines)
        ]
        paths = world_paths(session.layers["plot shapes 2"])
        assert len(paths) == len(traces.paths) == 2
        for path, expected, lane in zip(paths, traces.paths, session.scene.plot.lane_boxes(box)):
            np.testing.assert_allclose(path[:, ::-1], world(expected))
            assert len(path) <= 2 * (lane[2] - lane[0] + 1) + 2  # min/max per pixel column, the edges' crossings
            assert (world(box[:2]) <= path[:, ::-1]).all() and (path[:, ::-1] <= world(box[2:])).all()
        shown[frame] = paths[0]
        images = geometry.of_type(primitives.Image)  # the colorbar (fixed), then the heatmap (in its column)
        for image, layer in zip(images, (plot["plot image 0"], plot["plot image 1"])):
            np.testing.assert_array_equal(layer.data, image.pixels)
            corners = [layer.data_to_world(corner) for corner in ((-0.5, -0.5), np.add(image.pixels.shape[:2], -0.5))]
            np.testing.assert_allclose(corners, world(image.box.reshape(2, 2)))  # the pixels' outer corners

        values = session.layers["values"]
        features = values.features[values.data[:, 0] == frame]  # the points napari shows at this frame
        signal = read_timeseries(dff)
        alignment = align(video_layer.metadata["frame_times"], signal)
        np.testing.assert_allclose(features["value"], alignment.values(signal.values, frame))
        assert list(features["channel"]) == ["dF/F", "speed"] and list(features["unit"]) == ["%", ""]
        np.testing.assert_allclose(features["time"], video_layer.metadata["frame_times"][frame])
        (dots,) = geometry.of_type(primitives.Points)  # the values layer is where the panel's dots are drawn
        np.testing.assert_allclose(shown_points(values), dots.positions[:, ::-1])
    assert not np.array_equal(shown[1000][:, 1], shown[1500][:, 1])

    texts = [layer for key, layer in plot.items() if key.startswith("plot text")]
    assert any("dF/F" in list(layer.features["text"]) for layer in texts)
    session.update(display="raster")
    assert not [layer for layer in viewer.layers if type(layer).__name__ == "Shapes"]
    assert not [key for key in session.layers if key.startswith("plot")]


def test_panel_planes_appear_under_the_other_layers_and_keep_their_lines_a_pixel_wide(make_napari_viewer):
    viewer = make_napari_viewer()
    above = viewer.add_points(name="above the panel")
    layers = {}
    panel = PanelLayers(viewer, layers, "v", (np.ones(2), np.zeros(2)), lambda role: {})
    box = primitives.Rectangles(np.array([[0.0, 0, 100, 50]]), np.ones((1, 4)))
    line = primitives.Segments(np.array([[0.0, 10]]), np.array([[100.0, 10]]), np.ones((1, 4)), 1.0)
    panel.show(primitives.Geometry([box, line]))
    viewer.layers.move(viewer.layers.index(above), len(viewer.layers))  # the values and pose layers go there
    label = primitives.Texts(np.array([[5.0, 20]]), ["speed"], np.ones((1, 4)), 12.0)
    panel.show(primitives.Geometry([box, line, label]))  # a text size seen only now: its layer goes on the panel
    shapes, text = layers["plot shapes 0"], layers["plot text 12 left"]
    assert list(viewer.layers) == [shapes, text, above]
    assert list(text.features["text"]) == ["speed"]
    assert shapes.shape_type == ["rectangle", "line"] and list(shapes.edge_width) == [0, 1]
    shapes.scale_factor = 3.0  # zoomed out to 3 world units per screen pixel
    assert list(shapes.edge_width) == [0, 3]
    shapes.scale_factor = 0.5
    assert list(shapes.edge_width) == [0, 1]
    panel.show(primitives.Geometry([box]))
    assert not text.visible and shapes.visible and shapes.nshapes == 1


def test_update_and_detach(dlc):
    viewer, video_layer, pose_path = dlc
    session = attach(viewer, video_layer, signals=np.zeros(2330), pose=pose_path, display="layers")
    n_layers = len(viewer.layers)
    session.update(layout="top-right", style={"trail_length": 3})
    assert session.scene.layout.position == "top-right" and "trails 0" in session.layers
    assert len(viewer.layers) == n_layers + 1
    session.update(display="raster")
    assert [key for key, layer in session.layers.items() if layer.visible] == ["overlay"]
    session.detach()
    assert [layer.name for layer in viewer.layers] == [video_layer.name]
    assert Session.of(video_layer) is None


def test_reader_opens_pose_and_signal_files(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    (pose_layer,) = viewer.open(DLC_POSE, plugin="napari-chronoviz")
    assert pose_layer.data.shape == (2330 * 4, 3)
    assert list(pose_layer.features["keypoint"][:4]) == ["snout", "leftear", "rightear", "tailbase"]
    pd.DataFrame({"time_ms": np.arange(5) * 10.0, "dff": np.arange(5.0)}).to_csv(tmp_path / "dff.csv", index=False)
    (signal_layer,) = viewer.open(tmp_path / "dff.csv", plugin="napari-chronoviz")
    assert list(signal_layer.features.columns) == ["time", "dff"] and not signal_layer.visible
    np.testing.assert_allclose(signal_layer.features["time"], np.arange(5) * 0.01)


def test_widget_controls_change_the_layers(dlc, tmp_path):
    viewer, video_layer, pose_path = dlc
    widget = ChronovizWidget(viewer)
    assert widget.video.value == video_layer.name
    pd.DataFrame({"speed": np.arange(2330.0)}).to_csv(tmp_path / "speed.csv", index=False)
    add_file(widget, "signals", tmp_path / "speed.csv")
    add_file(widget, "pose", pose_path)
    session = widget.session
    assert session is not None and len(session.scene.traces) == 1 and len(session.scene.pose_overlays) == 1
    assert [widget.sources.native.item(row).text() for row in range(2)] == [
        "signal: speed.csv (frame)",
        f"pose: {pose_path.name} (frame)",
    ]
    widget.display.value = "layers"
    widget.trail_length.value = 4
    assert widget.session.layers["trails 0"].tail_length == 4
    widget.position.value = "above"
    assert widget.session.layers["plot shapes 0"].extent.world[0, 0] < 0
    widget.display.value = "raster"
    assert widget.session.layers["overlay"].translate[0] < 0
    widget.left.value = 0.5
    assert widget.session.scene.plot.left == 0.5
    widget.remove.clicked()
    assert widget.session is None and len(viewer.layers) == 1


def test_widget_bad_files_give_notifications(dlc, tmp_path, monkeypatch):
    viewer, video_layer, _ = dlc
    shown = []
    monkeypatch.setattr("napari_chronoviz.napari._widget.show_error", shown.append)
    widget = ChronovizWidget(viewer)
    (tmp_path / "notes.csv").write_text("time,comment\n0,a\n")
    add_file(widget, "signals", tmp_path / "notes.csv")
    assert "no numeric value columns" in shown[-1] and shown[-1].startswith("notes.csv was not added as signal")
    widget.ratio.value = "four"
    widget.add.clicked()
    assert "Rows per frame must be a number or a fraction like 1/4, not 'four'" in shown[-1]
    widget.ratio.value = ""
    add_file(widget, "pose", tmp_path / "notes.csv")
    assert "not a DeepLabCut CSV" in shown[-1]
    assert widget.session is None and widget.listed == []


def test_videos_of_different_rates_follow_one_time_slider(make_napari_viewer, tmp_path):
    from napari_chronoviz import sync_by_time
    from napari_chronoviz.testing import make_stamped_video, read_stamp

    slow = make_stamped_video(tmp_path / "slow.mp4", 60, size=(64, 48), fps=30)
    fast = make_stamped_video(tmp_path / "fast.mp4", 120, size=(64, 48), fps=60)
    viewer = make_napari_viewer()
    (slow_layer,) = viewer.open(slow, plugin="napari-chronoviz")
    (fast_layer,) = viewer.open(fast, plugin="napari-chronoviz")
    slow_session = attach(viewer, slow_layer, signals=np.arange(60.0))
    fast_session = attach(viewer, fast_layer, signals=np.arange(120.0))
    sync_by_time(viewer)
    for seconds in (0.5, 1.0, 1.5):
        viewer.dims.set_point(0, seconds)
        assert read_stamp(np.asarray(slow_layer._slice.image.raw)) == slow_session.frame == round(seconds * 30)
        assert read_stamp(np.asarray(fast_layer._slice.image.raw)) == fast_session.frame == round(seconds * 60)


def test_widget_shows_a_session_attached_by_a_script(dlc):
    viewer, video_layer, pose_path = dlc
    attach(
        viewer,
        video_layer,
        signals=np.zeros(2330),
        pose=pose_path,
        window=(1.5, 0.5),
        spikes={"a": [1.0]},
        layout="top-left",
        style={"trail_length": 7, "plot_layout": "overlay", "timestamp": "frame"},
    )
    widget = ChronovizWidget(viewer)
    assert (widget.left.value, widget.right.value, widget.trail_length.value) == (1.5, 0.5, 7)
    assert widget.position.value == "top-left" and widget.plot_layout.value == "overlay"
    assert widget.timestamp.value == "frame" and widget.overview.value is False
    assert widget.sources.native.item(0).text() == "signal: the array (frame)"
    widget.cutoff.value = 0.5  # a change keeps the script's sources
    assert len(widget.session.scene.traces) == 1 and widget.session.scene.style.trail_length == 7
    widget.overview.value = True
    assert widget.session.scene.style.overview and len(widget.session.scene.sources.spikes) == 1


def test_widget_pose_alignment_controls_place_a_short_pose(dlc, short_dlc_pose, monkeypatch):
    viewer, video_layer, _ = dlc
    shown = {"error": [], "warning": [], "info": []}
    for severity, messages in shown.items():
        monkeypatch.setattr(f"napari_chronoviz.napari._widget.show_{severity}", messages.append)
    widget = ChronovizWidget(viewer)
    add_file(widget, "pose", short_dlc_pose(100))
    assert "100 rows but the video has 2330 frames: frames 100-2329" in shown["warning"][-1]

    def positions():
        return widget.session.scene.pose_overlays[0].alignment.positions

    assert positions()[99] == 99 and np.isnan(positions()[100])
    widget.sources.value = 0  # the pose's options are in the form, to edit
    widget.mode.value = "pad"
    widget.offset.value = 1.0  # 30 frames later (the video's step is 33333 us: 30.0009 frames)
    widget.apply_to_selected.clicked()
    assert np.isnan(positions()[29]) and positions()[[31, 129]] == pytest.approx([1, 99], abs=0.01)
    assert "pad after frame 130" in widget.sources.native.item(0).text()
    widget.mode.value = "ratio"
    widget.ratio.value = "1/2"
    widget.apply_to_selected.clicked()
    assert positions()[30 + 2 * 10] == pytest.approx(10, abs=0.01)
    assert "one sample every 2 frames" in shown["info"][-1]
    assert "ratio 1/2, +1.000 s" in widget.sources.native.item(0).text()
    widget.ratio.value = "half"
    widget.apply_to_selected.clicked()
    assert "Rows per frame must be a number or a fraction like 1/4, not 'half'" in shown["error"][-1]


def test_widget_keeps_the_pose_alignment_a_script_chose(dlc, short_dlc_pose):
    viewer, video_layer, _ = dlc
    attach(viewer, video_layer, pose=short_dlc_pose(100), pose_alignment={"mode": "pad", "offset": 0.5})
    widget = ChronovizWidget(viewer)
    widget.trail_length.value = 3  # a control of the dock redraws: the script's alignment stays
    assert widget.session.scene.pose_alignment_options == {"mode": "pad", "offset": 0.5}
    assert "(pad after frame 115, +0.500 s)" in widget.sources.native.item(0).text()


def test_the_overlays_dock_scrolls_instead_of_stretching_the_window(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    viewer.window.resize(1400, 900)
    dock = ChronovizWidget(viewer)
    viewer.window.add_dock_widget(dock, name="Overlays", area="right")
    window = dock.native.window()
    qtbot.wait(50)
    assert window.height() <= 900  # the controls are 1500+ pixels tall: they scroll in the dock
    assert dock.native.verticalScrollBar().maximum() > 0


def test_adding_a_file_that_does_not_exist_says_so(make_napari_viewer, monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr("napari_chronoviz.napari._widget.show_error", shown.append)
    dock = ChronovizWidget(make_napari_viewer())
    add_file(dock, "signals", tmp_path / "nope.csv")
    assert shown == [
        f"{tmp_path / 'nope.csv'} does not exist: check the path, or pick the file with the button beside the field."
    ]


def test_the_layers_display_rebuilt_on_a_late_frame_redraws_no_layer_half_removed(dlc):
    """Removing the panel's layers moves napari's slider; its step redrew the layers being removed (napari then
    aborted: "Shapes layer ... is not in list"), e.g. after clearing 'heatmap signals' at frame 1500."""
    viewer, video_layer, _ = dlc
    probe = np.random.default_rng(0).normal(size=(2330, 32))
    session = attach(viewer, video_layer, signals=probe, style={"heatmaps": [0]}, display="layers")
    viewer.dims.set_current_step(0, 1500)
    session.update(style={"heatmaps": []})  # 32 line lanes now: the panel's layers are rebuilt
    assert viewer.dims.current_step[0] == 1500
    assert all(layer in viewer.layers for layer in session.layers.values())
