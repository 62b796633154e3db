"""The npe2 contributions in a real napari viewer: manifest, reader, sample data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dask.array as da
import npe2
import numpy as np
import pytest

from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of
from napari_chronoviz.napari._reader import get_reader
from napari_chronoviz.samples import sample_file
from napari_chronoviz.testing import read_stamp


def test_manifest_is_valid_and_registered():
    manifest = npe2.PluginManifest.from_distribution("napari-chronoviz")
    assert manifest.name == "napari-chronoviz"
    assert {reader.command for reader in manifest.contributions.readers} == {"napari-chronoviz.get_reader"}
    plugin_manager = npe2.PluginManager.instance()
    plugin_manager.discover()  # finds installed plugins through their entry points, as napari does
    assert plugin_manager.get_manifest("napari-chronoviz").name == "napari-chronoviz"


@pytest.mark.gui  # `napari --info` starts Qt
def test_plugin_is_listed_by_napari_info():
    info = subprocess.run([sys.executable, "-m", "napari", "--info"], capture_output=True, text=True, timeout=120)
    assert "napari-chronoviz" in info.stdout


def test_reader_declines_what_it_cannot_read(tmp_path, stamped_videos):
    assert get_reader(str(tmp_path / "signals.csv")) is None
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    assert get_reader(str(broken)) is None
    assert callable(get_reader(str(stamped_videos["constant_rate"])))


def displayed_frame(layer) -> np.ndarray:
    return np.asarray(layer._slice.image.raw)


def test_video_layers_skip_napari_dask_cache(stamped_videos):
    """The source caches decoded frames itself; napari's opportunistic dask cache on top slowed playback of the
    fly sample from 21 to 8 frames shown per second (benchmarks/bench_playback.py)."""
    from napari_chronoviz.napari._reader import get_reader

    path = str(stamped_videos["constant_rate"])
    ((data, attributes, kind),) = get_reader(path)(path)
    assert kind == "image" and attributes["cache"] is False


def test_viewer_opens_a_lazy_video_and_follows_the_slider(make_napari_viewer, stamped_videos):
    viewer = make_napari_viewer()
    path = stamped_videos["variable_rate"]
    (layer,) = viewer.open(path, plugin="napari-chronoviz")
    assert isinstance(layer.data, da.Array)
    assert layer.rgb and layer.data.shape == (90, 120, 160, 3)
    assert layer.metadata["chronoviz"]["path"] == str(path)
    assert len(layer.metadata["frame_times"]) == 90
    for frame in (37, 0, 89, 12):
        viewer.dims.set_current_step(0, frame)
        assert read_stamp(displayed_frame(layer)) == frame


def test_damaged_file_gives_a_notification_not_a_crash(make_napari_viewer, tmp_path):
    from napari.utils.notifications import notification_manager

    viewer = make_napari_viewer()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    before = len(notification_manager.records)
    with pytest.raises(ValueError, match="broken.mp4"):  # napari: no reader could open it
        viewer.open(broken, plugin="napari-chronoviz")
    assert len(viewer.layers) == 0
    (shown,) = [note.message for note in notification_manager.records[before:]]
    assert "Cannot read" in shown and "broken.mp4" in shown


def test_imgstore_folder_opens(shared_data, make_napari_viewer):
    viewer = make_napari_viewer()
    (layer,) = viewer.open(shared_data / "imgstore_mp4", plugin="napari-chronoviz")
    assert layer.data.shape == (179, 512, 512, 3)
    np.testing.assert_array_equal(layer.metadata["frame_times"], np.arange(1.0, 180.0))


@pytest.mark.parametrize("key, frames, size", [("flies", 1500, 1024), ("mouse", 2330, 480)])
def test_sample_data_is_layer_data_whose_overlays_the_widget_attaches(make_napari_viewer, key, frames, size):
    from napari_chronoviz.napari._layers import Session
    from napari_chronoviz.napari._widget import ChronovizWidget

    viewer = make_napari_viewer()
    viewer.open_sample("napari-chronoviz", key)
    (video,) = viewer.layers  # the sample adds its video layer, nothing else: no overlays, no dock
    assert video.data.shape[:2] == (frames, size)
    assert Session.of(video) is None and not viewer.window.dock_widgets
    requested = video.metadata["chronoviz"]["overlays"]
    assert json.loads(json.dumps(requested)) == requested  # JSON-able: files as paths
    assert all(Path(path).is_file() for path in _paths(requested))
    widget = ChronovizWidget(viewer)  # the real viewer: napari hands menu-made widgets a proxy (PublicOnlyProxy)
    viewer.window.add_dock_widget(widget, name="chronoviz")
    session = Session.of(video)
    assert session is not None and session.scene.traces and session.scene.pose_overlays
    assert "overlays" not in video.metadata["chronoviz"]  # attached once
    assert widget.video.value == video.name and widget.trail_length.value == session.scene.style.trail_length > 0
    viewer.dims.set_current_step(0, frames // 2)
    assert session.layers["overlay"].data[..., 3].any()  # something drawn


def test_a_sample_opened_after_the_widget_gets_its_overlays(make_napari_viewer):
    from napari_chronoviz.napari._layers import Session
    from napari_chronoviz.napari._widget import ChronovizWidget

    viewer = make_napari_viewer()
    viewer.window.add_dock_widget(ChronovizWidget(viewer), name="chronoviz")
    viewer.open_sample("napari-chronoviz", "mouse")
    session = Session.of(viewer.layers["mouse"])
    assert session is not None and session.scene.traces and session.scene.pose_overlays


def _paths(overlays: dict) -> list[str]:
    files = [overlays[kind] for kind in ("signals", "pose", "events", "intervals") if kind in overlays]
    return [path for entry in files for path in (entry if isinstance(entry, list) else [entry])]


@pytest.mark.parametrize(
    "how, key, fps",
    [("reader", "flies", 25), ("reader", "mouse", 30), ("sample", "mouse", 30), ("attach", "flies", 25)],
)
def test_the_play_button_plays_a_video_at_its_frame_rate(make_napari_viewer, how, key, fps):
    """napari plays at its playback_fps setting (10 frames/s) unless told the video's rate."""
    from napari.layers import Layer

    from napari_chronoviz import attach, open_video
    from napari_chronoviz.napari._reader import video_layer_data
    from napari_chronoviz.samples import sample_file

    viewer = make_napari_viewer()
    path = sample_file(f"{key}.mp4")
    if how == "reader":
        viewer.open(path, plugin="napari-chronoviz")
    elif how == "sample":
        viewer.open_sample("napari-chronoviz", key)
    else:  # a script adds the layer itself, then attaches overlays
        layer = viewer.add_layer(Layer.create(*video_layer_data(open_video(path))))
        attach(viewer, layer, signals=np.zeros(len(layer.data)))
    slider = qt_viewer_of(viewer).dims.slider_widgets[0]
    assert slider.fps == pytest.approx(fps, rel=1e-3)  # the rate the play button plays the frame axis at (30.0003)
    assert slider.play_button.fpsspin.value() == pytest.approx(fps, rel=1e-3)  # and shows in its menu (right click)


VIEW_WITH_A_STYLE = """
import sys

import napari
from qtpy.QtWidgets import QApplication

from napari_chronoviz.cli import main
from napari_chronoviz.napari._layers import Session


def report():  # instead of napari's event loop: what the viewer and Qt got
    viewer = napari.current_viewer()
    print("trail_length", Session.of(viewer.layers[0]).scene.style.trail_length)
    print("qt arguments", QApplication.instance().arguments()[1:])
    viewer.close()  # as closing the window does: napari's threads end before Python does


napari.run = report
sys.argv = ["chronoviz", "view", sys.argv[1], "--style", "trail_length=15"]
sys.exit(main())
"""


@pytest.mark.gui  # `chronoviz view` in a subprocess opens a viewer
def test_view_style_option_is_ours_not_qts(stamped_videos):
    """QApplication reads `-style`/`--style` from the argv it is given: `chronoviz view` must not hand it ours."""
    run = subprocess.run(
        [sys.executable, "-c", VIEW_WITH_A_STYLE, str(stamped_videos["constant_rate"])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "trail_length 15" in run.stdout and "qt arguments []" in run.stdout
    assert "style override" not in run.stderr  # Qt: "invalid style override 'trail_length=15' passed, ignoring it"


def test_docks_opened_as_plugins_play_at_the_videos_rate_without_private_napari_access(
    make_napari_viewer, qtbot, tmp_path
):
    """napari hands plugin widgets a public-only proxy of the viewer, which warns (FutureWarning, a yellow
    notification under napari.run()) on every private attribute: opening the docks from the Plugins menu,
    attaching the sample's overlays and playing with the labeling dock's play key must not touch one."""
    import warnings

    from qtpy.QtCore import Qt

    video = tmp_path / "flies.mp4"  # the autosave goes beside the video
    video.write_bytes(sample_file("flies.mp4").read_bytes())
    viewer = make_napari_viewer(show=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        (layer,) = viewer.open(video, plugin="napari-chronoviz")
        _, overlays = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
        _, labeling = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
        assert type(labeling.viewer).__name__ == "PublicOnlyProxy"  # what napari gives plugins
        assert qt_viewer_of(viewer).dims.slider_widgets[0].fps == pytest.approx(25.0)
        labeler = labeling.start_labeling()
        qtbot.keyClick(qt_viewer_of(viewer).canvas.native, Qt.Key_Space)
        try:
            qtbot.waitUntil(lambda: labeler.playing, timeout=5000)
            assert qt_viewer_of(viewer).dims.slider_widgets[0].fps == pytest.approx(25.0)
            qtbot.waitUntil(lambda: labeler.frame > 2, timeout=5000)
        finally:
            qtbot.keyClick(qt_viewer_of(viewer).canvas.native, Qt.Key_Space)
        qtbot.waitUntil(lambda: not labeler.playing, timeout=5000)
        labeler.stop()


def test_without_naparis_player_the_play_key_plays_on_its_own_timer_at_the_videos_rate(
    make_napari_viewer, qtbot, monkeypatch
):
    """A later napari without the slider names checked in `_qt_dims_0_6_to_0_9`: play still runs at the
    video's rate (a public `viewer.dims` step every 1/fps s) and the user is told once."""
    from napari_chronoviz.napari import _qt_dims_0_6_to_0_9 as qt_dims
    from napari_chronoviz.napari._labeling import Labeler
    from napari_chronoviz.napari._labeling_widget import LabelingWidget

    told = []
    monkeypatch.setattr(qt_dims, "_qt_dims", lambda viewer: None)
    monkeypatch.setattr(qt_dims, "show_warning", told.append)
    monkeypatch.setattr(qt_dims, "_WARNED", set())
    viewer = make_napari_viewer(show=True)
    (layer,) = viewer.open(sample_file("flies.mp4"), plugin="napari-chronoviz")
    labeler = Labeler(viewer, layer, LabelingWidget(viewer).ethogram(), autosave_path=None)
    labeler.toggle_play()
    try:
        assert labeler.playing and labeler.player._timer.interval() == 40  # 25 frames/s
        qtbot.waitUntil(lambda: viewer.dims.current_step[0] > 2, timeout=5000)
    finally:
        labeler.toggle_play()
    assert not labeler.playing
    assert any("napari's play button" in message for message in told)  # the slider's rate could not be set
    assert any("own timer at 25 frames/s" in message for message in told)
