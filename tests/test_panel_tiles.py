"""The plot panel drawn once and scrolled (render/panel.py): the same pixels as a from-scratch draw of each frame,
and the same pixels in napari's view and in an export, the translucent corner included."""

from __future__ import annotations

from types import SimpleNamespace

import av
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import build_scene, create_visualization, open_video, sample_file
from napari_chronoviz.overlays.primitives import Geometry, Points, Rectangles, Segments, Texts, rgba
from napari_chronoviz.overlays.tiles import build_tiled_scene
from napari_chronoviz.render.panel import PanelPainter
from napari_chronoviz.render.raster import composite_over, draw


def fake_video(n_frames, fps=30.0, width=640, height=480):
    return SimpleNamespace(frame_times=np.arange(n_frames) / fps, shape=(n_frames, height, width, 3))


def labels(rng, duration):
    events = pd.DataFrame(
        {"time": np.sort(rng.uniform(0, duration, 60)), "kind": rng.choice(["groom", "sprint", "male sprint"], 60)}
    )
    starts = np.arange(0, duration, 7.0)
    intervals = pd.DataFrame({"start": starts, "end": starts + 3, "label": rng.choice(["rest", "run"], len(starts))})
    return events, intervals


def cases():
    rng = np.random.default_rng(0)
    n = 3000
    signals = pd.DataFrame(np.cumsum(rng.normal(size=(n * 10, 4)), axis=0), columns=["a (mV)", "b", "c", "d"])
    signals.insert(0, "time", np.arange(n * 10) / 300)
    events, intervals = labels(rng, 100)
    spikes = pd.DataFrame({"unit": rng.integers(0, 12, 4000), "time": rng.uniform(0, 100, 4000)})
    rois = pd.DataFrame(rng.normal(size=(n, 16)))
    both = {"signals": signals, "events": events, "intervals": intervals}
    return {
        "below": (n, both),
        "corner over the video": (n, {**both, "layout": "top-right"}),
        "grid with the overview": (n, {**both, "style": {"plot_layout": "grid", "overview": True}}),
        "one axis, absolute time": (
            n,
            {"signals": signals, "style": {"plot_layout": "overlay", "time_axis": "absolute"}},
        ),
        "heatmap and raster": (n, {"signals": [signals, rois], "spikes": spikes, "style": {"heatmaps": [1]}}),
        "window y-limits": (n, {**both, "style": {"ylim": "window"}}),
        "a window of samples": (n, {"signals": signals, "window": {"left": 40, "right": 10, "unit": "samples"}}),
    }


def from_scratch(scene, painter: PanelPainter, frame: int) -> np.ndarray:
    return draw(np.zeros(painter.shape, np.uint8), scene.panel_geometry(frame), origin=painter.origin)


@pytest.mark.parametrize("case", list(cases()))
def test_tiles_and_scroll_equal_a_from_scratch_draw(case):
    n_frames, options = cases()[case]
    scene = build_scene(fake_video(n_frames), **options)
    painter = PanelPainter(scene)
    rng = np.random.default_rng(1)
    playback = list(range(600, 760, 3))  # sequential: one tile serves many frames
    jumps = rng.integers(0, n_frames, 25).tolist() + [0, n_frames - 1]  # scrubbing: drawn from scratch
    after_jumps = [frame + step for frame in rng.integers(0, n_frames - 10, 6) for step in (0, 1, 2, 5, 9)]
    for frame in playback + jumps + after_jumps:  # playback after a jump: new tiles
        np.testing.assert_array_equal(painter.paint(frame), from_scratch(scene, painter, frame), err_msg=f"{frame}")


def test_the_real_samples_panel_is_the_same_from_tiles():
    video = open_video(sample_file("flies.mp4"))  # 25 fps, with signals sampled at their own rate
    scene = build_scene(video, signals=sample_file("flies_signals.csv"), style={"overview": True}, window=(3, 1))
    painter = PanelPainter(scene)
    for frame in [*range(0, 90, 4), 1499, 731, 730, 12]:
        np.testing.assert_array_equal(painter.paint(frame), from_scratch(scene, painter, frame), err_msg=f"{frame}")


def test_a_tiled_scenes_panel_follows_the_first_videos_clock():
    videos = [fake_video(300, fps=30.0, width=320, height=240), fake_video(200, fps=20.0, width=320, height=240)]
    rng = np.random.default_rng(2)
    scene = build_tiled_scene(videos, signals=np.cumsum(rng.normal(size=(300, 2)), axis=0))
    scene = scene.retimed(np.arange(500) / 50.0)  # an output at 50 fps: the panel repeats the 30 fps video's frames
    painter = PanelPainter(scene)
    for frame in range(0, scene.n_frames, 11):
        np.testing.assert_array_equal(painter.paint(frame), from_scratch(scene, painter, frame))


def test_drawing_on_a_translucent_layer_then_laying_it_over_equals_drawing_on_the_picture():
    """Premultiplied RGBA: text, thick lines and discs over a translucent background composite like drawn
    directly (OpenCV writes coverage into a fourth channel: drawn as one RGBA image this was off by up to 147)."""
    picture = np.random.default_rng(3).integers(0, 256, (80, 200, 3), dtype=np.uint8)
    geometry = Geometry(
        [
            Rectangles(np.array([[10.0, 10, 190, 70]]), rgba([[0.1, 0.1, 0.12]], 0.6)),
            Texts(np.array([[20.0, 50]]), ["Speed 12.5"], rgba([[0.3, 0.7, 0.9]]), 24.0),
            Segments(np.array([[15.0, 15]]), np.array([[180.0, 65]]), rgba([[1.0, 0.8, 0.1]]), 3.0),
            Points(np.array([[100.0, 40]]), rgba([[0.9, 0.2, 0.5]], 0.75), 14.0),
        ]
    )
    direct = draw(picture.copy(), geometry)
    layer = draw(np.zeros((80, 200, 4), np.uint8), geometry)
    composed = composite_over(picture.copy(), layer)
    assert np.abs(composed.astype(int) - direct).max() <= 4  # rounding of the 8-bit blends


def test_napari_shows_the_exports_pixels_of_a_translucent_corner_panel(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer(show=True)
    (video_layer,) = viewer.open(sample_file("flies.mp4"), plugin="napari-chronoviz")
    from napari_chronoviz import attach

    session = attach(viewer, video_layer, signals=sample_file("flies_signals.csv"), layout="top-right")
    viewer.dims.set_current_step(0, 100)
    shown = viewer.export_figure(flash=False)[..., :3]  # the canvas' extent, one screen pixel per video pixel
    output = tmp_path / "corner.mkv"
    create_visualization(  # in napari's style: napari sizes the text for its view, as the dock's export keeps it
        sample_file("flies.mp4"),
        sample_file("flies_signals.csv"),
        output,
        layout="top-right",
        style={**session.scene.config["style"], "font_size": session.scene.style.font_size},  # the font drawn
        start=100,
        end=101,
        codec="ffv1",
        pix_fmt="bgr0",
        progress=False,
    )  # lossless RGB
    with av.open(str(output)) as container:
        exported = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert shown.shape == exported.shape
    x0, y0, x1, y1 = np.round(session.scene.layout.panel_box).astype(int)
    corner = np.abs(shown[y0:y1, x0:x1].astype(int) - exported[y0:y1, x0:x1])
    assert corner.max() <= 1, f"{(corner > 1).mean():.2%} of the corner's pixels differ, by up to {corner.max()}"
    assert np.abs(shown.astype(int) - exported).max() <= 1


def test_a_clip_cut_for_vector_layers_keeps_what_lies_in_its_box():
    from napari_chronoviz.overlays.primitives import Clip, Polylines

    path = np.column_stack([np.arange(-5.0, 26.0), np.arange(31.0)])  # x from -5 to 25, y = x + 5
    rectangles = Rectangles(np.array([[-10.0, 0, 5, 10], [30.0, 0, 40, 10]]), rgba([[1, 0, 0], [0, 1, 0]]))
    texts = Texts(np.array([[2.0, 5], [18.0, 5]]), ["in", "cut at the edge"], rgba([[1, 1, 1], [1, 1, 1]]), 10.0)
    clip = Clip(
        np.array([0.0, 0, 20, 30]),
        np.array([0, 0, 0, 1.0]),
        Geometry([rectangles, Polylines([path], rgba([[1, 1, 1]])), texts]),
    )
    background, bands, lines, kept = clip.cut()
    np.testing.assert_array_equal(background.boxes, [[0, 0, 20, 30]])
    np.testing.assert_array_equal(bands.boxes, [[0, 0, 5, 10]])  # the one outside is gone
    (cut,) = lines.paths
    assert cut[0].tolist() == [0, 5] and cut[-1].tolist() == [20, 25] and len(cut) == 21
    assert kept.strings == ["in"]


def test_a_corner_panel_lies_over_the_pose_in_the_export_and_in_napari(stamped_videos, tmp_path, make_napari_viewer):
    from napari_chronoviz import Pose, attach
    from napari_chronoviz.overlays.layout import Layout

    video = stamped_videos["constant_rate"]
    with open_video(video) as opened:
        n_frames, width, height = len(opened), opened.width, opened.height
    x0, y0, x1, y1 = Layout(width, height, "top-right").panel_box
    center = np.array([(x0 + x1) / 2, (y0 + y1) / 2])  # a keypoint under the panel
    pose = Pose(np.tile(center, (n_frames, 1, 1, 1)), np.ones((n_frames, 1, 1)), ("nose",), ("mouse",))
    options = {"layout": "top-right", "style": {"inset_alpha": 1.0}, "end": 2, "codec": "ffv1", "pix_fmt": "bgr0"}
    options["progress"] = False  # an opaque corner panel: the keypoint under it must not show
    frames = {}
    for name, given in (("with pose", pose), ("without", None)):
        output = create_visualization(
            video, np.arange(n_frames, dtype=float), tmp_path / f"{name}.mkv", pose=given, **options
        )
        with av.open(str(output)) as container:
            frames[name] = next(container.decode(video=0)).to_ndarray(format="rgb24")
    np.testing.assert_array_equal(
        frames["with pose"][int(y0) : int(y1), int(x0) : int(x1)],
        frames["without"][int(y0) : int(y1), int(x0) : int(x1)],
    )

    viewer = make_napari_viewer()
    (layer,) = viewer.open(video, plugin="napari-chronoviz")
    session = attach(
        viewer, layer, signals=np.arange(n_frames, dtype=float), pose=pose, layout="top-right", style=options["style"]
    )
    viewer.dims.set_current_step(0, 0)
    shown = session.layers["overlay"].data
    painted = PanelPainter(session.scene).paint(0)
    x, y = center.astype(int)
    np.testing.assert_array_equal(shown[y, x, :3], painted[y - int(y0), x - int(x0)])  # the panel's, not the keypoint's
