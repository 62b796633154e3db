"""A readable panel at any window: its automatic size grows with its lanes and label rows, every lane keeps its y
scale, a value keeps its unit, its text is never below a readable size where it is seen (napari's view, or the
export's size), and napari's view shows all of it once it appears."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import build_scene, sample_file
from napari_chronoviz.io.labels import Events, Intervals
from napari_chronoviz.napari._layers import camera_of, view_size
from napari_chronoviz.napari._sample_data import flies_sources
from napari_chronoviz.overlays.plot import smallest_text
from napari_chronoviz.overlays.primitives import Texts
from napari_chronoviz.overlays.readable import EXPORT_SEEN_HEIGHT, LEAST_TEXT_SEEN

N_FRAMES = 300
EVENTS = Events(np.array([1.0, 2.0, 4.5, 6.0]), ("poke", "lick", "poke", "lick"), "")
INTERVALS = Intervals(np.array([0.5, 3.0]), np.array([2.5, 7.0]), ("rest", "run"), ("", ""), "")


def fake_video(width=640, height=480):
    return SimpleNamespace(frame_times=np.arange(N_FRAMES) / 30.0, shape=(N_FRAMES, height, width, 3))


def five_signals() -> pd.DataFrame:
    ramp = np.linspace(0, 1, N_FRAMES)
    names = ["female speed (px/s)", "male speed (px/s)", "distance (px)", "male heading (deg)", "dF/F"]
    return pd.DataFrame({name: ramp * (index + 1) * 37.5 for index, name in enumerate(names)})


def texts_of(geometry) -> list[tuple[str, np.ndarray, float, str]]:
    """(string, anchor position, size, anchor) of every text drawn."""
    return [
        (text, position, item.size, item.anchor)
        for item in geometry.of_type(Texts)
        for text, position in zip(item.strings, item.positions)
    ]


def test_with_events_and_intervals_every_lane_keeps_its_scale_and_its_name_and_value():
    scene = build_scene(
        fake_video(), signals=five_signals(), events=EVENTS, intervals=INTERVALS, style={"overview": True}
    )
    place = scene.plot.placement(scene.layout.panel_box)
    written = texts_of(scene.panel_geometry(150))
    for lane in place.lanes:  # the scale's two labels, right-aligned left of the traces, inside the lane
        scale = [text for text, (x, y), _, anchor in written if anchor == "right" and lane[1] <= y <= lane[3] + 1]
        assert len(scale) == 2, f"the lane at y {lane[1]:g}..{lane[3]:g} shows {scale} as its scale"
    for name in ("female speed", "male speed", "distance", "male heading", "dF/F"):
        assert any(text == name for text, *_ in written), f"{name!r} is not written whole"
    for unit in ("px/s", "px", "deg"):
        assert any(text.endswith(f" {unit}") for text, *_ in written)
    assert scene.layout.panel_box[3] - scene.layout.panel_box[1] > 480 / 3  # grown past the default third


def test_a_value_keeps_its_unit_the_name_is_shortened_first():
    signals = pd.DataFrame({"Center speed (cm/s)": np.full(N_FRAMES, 6.5)})
    scene = build_scene(fake_video(width=240), signals=signals, layout={"position": "below", "size": 40})
    written = [text for text, *_ in texts_of(scene.panel_geometry(150))]
    (value,) = [text for text in written if "6.5" in text]
    assert value.endswith("6.5 cm/s"), f"the value line reads {value!r}"


def test_an_exports_text_grows_with_its_size():
    scene = build_scene(
        fake_video(1024, 1024),
        signals=five_signals(),
        events=EVENTS,
        intervals=INTERVALS,
        style={"overview": True},
    )
    x0, y0, x1, y1 = scene.layout.canvas_box
    seen = smallest_text(scene.style.font_size) * EXPORT_SEEN_HEIGHT / (y1 - y0)
    assert seen >= LEAST_TEXT_SEEN, f"the smallest text is {seen:.1f} px when the export is shown 900 px high"


@pytest.mark.parametrize("scale", [0.5, 0.25])
def test_an_export_scaled_down_keeps_its_text_readable_in_its_own_pixels(scale):
    """`scale=0.25` draws the canvas a quarter as high: the text grows so that the file's smallest text is still
    `LEAST_TEXT_SEEN` of its pixels (at scale 1 it is already)."""
    from napari_chronoviz.overlays.readable import seen_in_export, with_readable_font

    full = build_scene(fake_video(), signals=five_signals(), events=EVENTS)
    assert smallest_text(full.style.font_size) >= LEAST_TEXT_SEEN and with_readable_font(full, seen_in_export()) is full
    scaled = with_readable_font(full, seen_in_export(scale))
    assert smallest_text(scaled.style.font_size) * scale >= LEAST_TEXT_SEEN


def test_a_scaled_export_is_drawn_with_the_text_grown(tmp_path):
    """The export itself: at `scale=0.25` its panel is taller than a quarter of the unscaled one, as its text is."""
    from napari_chronoviz import create_visualization, open_video
    from napari_chronoviz.overlays.readable import seen_in_export, with_readable_font

    video = open_video(sample_file("mouse.mp4"))
    full = build_scene(video, signals=sample_file("mouse_signals.csv"))
    output = create_visualization(
        video, sample_file("mouse_signals.csv"), tmp_path / "small.mp4", scale=0.25, end=3, progress=False
    )
    with open_video(output) as written:
        height = written.height
    scaled = with_readable_font(full, seen_in_export(0.25))
    assert height > 0.25 * full.layout.canvas_box[3] + 10
    assert abs(height - 0.25 * scaled.layout.canvas_box[3]) <= 2  # an even size for the encoder


def visible_world(viewer) -> np.ndarray:
    """(x0, y0, x1, y1) of the world napari's view shows."""
    camera = camera_of(viewer)
    center_y, center_x = camera.center[-2:]
    height, width = np.asarray(view_size(viewer)) / camera.zoom
    return np.array([center_x - width / 2, center_y - height / 2, center_x + width / 2, center_y + height / 2])


def test_napari_shows_the_panel_readable_and_whole_at_the_default_window(make_napari_viewer):
    from napari_chronoviz import attach

    viewer = make_napari_viewer(show=True)
    (layer,) = viewer.open(sample_file("flies.mp4"), plugin="napari-chronoviz")
    session = attach(viewer, layer, **flies_sources())
    on_screen = smallest_text(session.scene.style.font_size) * viewer.camera.zoom
    assert on_screen >= LEAST_TEXT_SEEN - 0.5, f"the smallest text is {on_screen:.1f} screen pixels"
    x0, y0, x1, y1 = session.scene.layout.canvas_box
    seen = visible_world(viewer)
    assert seen[0] <= x0 and seen[1] <= y0 and x1 <= seen[2] and y1 <= seen[3], "part of the canvas is off-screen"


def test_napari_fits_the_view_when_labels_bring_a_panel(make_napari_viewer):
    from napari_chronoviz import attach

    viewer = make_napari_viewer(show=True)
    (layer,) = viewer.open(sample_file("flies.mp4"), plugin="napari-chronoviz")
    session = attach(viewer, layer, pose=flies_sources()["pose"])
    assert session.scene.plot is None
    viewer.camera.zoom *= 3  # the user looks closely at the flies
    session.update(intervals=INTERVALS, events=EVENTS)
    x0, y0, x1, y1 = session.scene.layout.canvas_box
    seen = visible_world(viewer)
    assert y1 > 1024 and y1 <= seen[3], "the new panel's time axis is off-screen"


@pytest.mark.parametrize("position", ["below", "top-right"])
def test_a_size_given_is_kept(position):
    size = 120 if position == "below" else (300, 200)
    scene = build_scene(
        fake_video(), signals=five_signals(), events=EVENTS, layout={"position": position, "size": size}
    )
    x0, y0, x1, y1 = scene.layout.panel_box
    assert (y1 - y0 if position == "below" else (x1 - x0, y1 - y0)) == size


def test_napari_grows_the_text_when_a_dock_narrows_the_view(make_napari_viewer, qtbot):
    from napari_chronoviz import attach

    viewer = make_napari_viewer(show=True)
    if not hasattr(viewer, "canvas"):
        pytest.skip("this napari has no viewer.canvas, whose events say when the view changes size")
    (layer,) = viewer.open(sample_file("flies.mp4"), plugin="napari-chronoviz")
    session = attach(viewer, layer, **flies_sources())
    font = session.scene.style.font_size
    dock, _ = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    qtbot.waitUntil(lambda: session.scene.style.font_size > font, timeout=5000)
    on_screen = smallest_text(session.scene.style.font_size) * viewer.camera.zoom
    assert on_screen >= LEAST_TEXT_SEEN - 0.5, f"the smallest text is {on_screen:.1f} screen pixels"
    x0, y0, x1, y1 = session.scene.layout.canvas_box
    seen = visible_world(viewer)
    assert seen[0] <= x0 and seen[1] <= y0 and x1 <= seen[2] and y1 <= seen[3], "part of the canvas is off-screen"
    viewer.window.remove_dock_widget(dock)  # the view widens again: the text goes back to the size it had
    qtbot.waitUntil(lambda: session.scene.style.font_size == font, timeout=5000)


def test_a_dock_opened_after_a_session_leaves_the_whole_canvas_in_view(make_napari_viewer, qtbot):
    """A session reopened in napari is fitted to the view, then the dock that attached it narrows the view: it is
    fitted again, unless the user zoomed or panned in between."""
    from napari_chronoviz import attach

    viewer = make_napari_viewer(show=True)
    if not hasattr(viewer, "canvas"):
        pytest.skip("this napari has no viewer.canvas, whose events say when the view changes size")
    (layer,) = viewer.open(sample_file("mouse.mp4"), plugin="napari-chronoviz")
    session = attach(viewer, layer, signals=sample_file("mouse_signals.csv"))
    fitted = camera_of(viewer).zoom
    viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    qtbot.waitUntil(lambda: camera_of(viewer).zoom != fitted, timeout=5000)
    x0, y0, x1, y1 = session.scene.layout.canvas_box
    seen = visible_world(viewer)
    assert seen[0] <= x0 and seen[1] <= y0 and x1 <= seen[2] and y1 <= seen[3], "part of the canvas is off-screen"
    camera_of(viewer).zoom *= 2  # the user looks closely: a resize no longer refits
    zoomed = camera_of(viewer).zoom
    dock, _ = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    qtbot.wait(800)
    assert camera_of(viewer).zoom == zoomed


def test_a_font_raised_for_the_view_is_drawn_but_not_saved_and_a_wide_signal_grows_the_panel_only_so_far():
    """A session saved from napari wrote the font its view needed (60 px at the default window) as the style's,
    and 120 channels stacked grew the panel ~15000 px high: reopened, the dock failed and the export's encoder
    refused the frame. The text size the view needs is drawn, not saved; the panel grows to twice the video."""
    signals = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 120)), columns=[f"ch{i}" for i in range(120)])
    scene = build_scene(fake_video(), signals=signals)
    assert scene.layout.size <= 2 * 480
    raised = scene.updated(readable_font=60)
    assert raised.style.font_size == 60 and raised.config["style"]["font_size"] is None
    again = raised.updated(style={"show_values": False})  # a change of style keeps what the view needs
    assert again.style.font_size == 60 and again.config["style"] == {**scene.config["style"], "show_values": False}


def test_a_panel_beside_the_video_widens_until_its_names_and_values_read_whole():
    """At a third of the video's width (the old automatic size) the names were cut ("fem.", "mal.") and the traces
    got ~40 pixels; beside the video the panel now takes the width its gutters need, traces keeping the rest."""
    scene = build_scene(fake_video(), signals=five_signals(), layout="right")
    x0, _, x1, _ = scene.layout.panel_box
    assert 640 / 3 < x1 - x0 <= 640
    written = [text for text, *_ in texts_of(scene.panel_geometry(150))]
    assert not [text for text in written if text.endswith(".")], written  # nothing shortened
    for name in ("female speed", "male heading", "dF/F"):
        assert name in " ".join(written), name
    lanes = scene.plot.placement(scene.layout.panel_box).lanes
    assert (lanes[:, 2] - lanes[:, 0]).min() >= 0.45 * (x1 - x0) - 4
    assert (
        build_scene(fake_video(), signals=five_signals(), layout={"position": "right", "size": 150}).layout.size == 150
    )
