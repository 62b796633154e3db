"""The "Sync to rig" dock in a real napari viewer, opened as napari opens plugin docks: draw the LED region,
read it, match the rig's pulses, see the lost frames and go to one, save and use the clock map; mistakes
become notifications saying what to do in the dock."""

from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QApplication

from napari_chronoviz.io.clock_map import read_clock_map
from napari_chronoviz.io.video_factory import VideoEntry
from napari_chronoviz.napari._metadata import METADATA_KEY
from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of
from napari_chronoviz.session import open_session, save_session
from napari_chronoviz.testing import make_sync_video

DROPPED = (240, 700)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync_dock")
    made = make_sync_video(folder / "led.mp4", n_frames=1200, offset=4.5, drift_ppm=70, dropped=DROPPED, seed=11)
    pulses = folder / "pulses.csv"
    pulses.write_text("time\n" + "\n".join(f"{t:.6f}" for t in made.rig_onsets))
    return made, pulses


@pytest.fixture
def dock(make_napari_viewer, recording):
    made, _ = recording
    viewer = make_napari_viewer(show=True)  # docks take their real sizes in a shown window
    (layer,) = viewer.open(made.path, plugin="napari-chronoviz")
    _, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Sync to rig")
    return viewer, layer, widget


def draw_led(widget, led) -> None:
    x, y, w, h = led
    layer = widget.add_region_layer()
    layer.add_rectangles(np.array([[y, x], [y + h - 1, x + w - 1]], dtype=float))


def test_the_dock_syncs_the_video_and_uses_the_map(dock, recording, tmp_path, monkeypatch, qtbot):
    viewer, layer, widget = dock
    made, pulses = recording
    draw_led(widget, made.led)
    widget.pulses.value = pulses
    result = widget.match_and_fit()
    assert result is not None
    assert abs(result.clock.offset - made.offset) < 0.5 / made.fps
    assert [drop.frame for drop in result.fit.drops] == list(DROPPED)
    assert "drift" in widget.report.value and widget.plot.pixmap() is not None
    assert widget.drop_list.count() == len(DROPPED)
    QApplication.processEvents()
    scroll = widget.native  # the report and the picture do not widen the dock past napari's window
    assert scroll.widget().width() <= scroll.viewport().width()
    widget.drop_list.setCurrentRow(1)
    assert viewer.dims.current_step[0] == DROPPED[1]

    # nudging the offset: a key on the viewer's canvas and a button; the residuals follow, the map keeps it
    step = 1 / made.fps
    rms = result.fit.rms_ms
    qtbot.keyClick(qt_viewer_of(viewer).canvas.native, Qt.Key_Right, Qt.AltModifier | Qt.ShiftModifier)
    widget.nudge_buttons[2].clicked()  # +0.1 frame
    assert widget.nudge_frames == pytest.approx(1.1)
    assert widget.result.clock.offset == pytest.approx(result.clock.offset + 1.1 * step)
    np.testing.assert_allclose(widget.result.fit.residuals, result.fit.residuals - 1.1 * step)
    assert widget.result.fit.rms_ms > 1e3 * step > rms
    assert "nudged by hand: +36.67 ms (+1.10 frame)" in widget.report.value
    qtbot.keyClick(qt_viewer_of(viewer).canvas.native, Qt.Key_Left, Qt.AltModifier | Qt.ShiftModifier)
    widget.nudge_buttons[1].clicked()  # -0.1 frame
    assert widget.nudge_frames == 0 and widget.result.fit.rms_ms == pytest.approx(rms)
    widget.nudge(-0.5)
    widget.clock_file.value = tmp_path / "nudged.json"
    widget.save_and_use()
    nudged = read_clock_map(tmp_path / "nudged.json")
    assert nudged.nudge == pytest.approx(-0.5 * step) and nudged.offset == pytest.approx(
        result.clock.offset - 0.5 * step
    )
    widget.nudge(0.5)

    widget.clock_file.value = tmp_path / "clock.json"
    reopened = widget.save_and_use()
    assert reopened is not None and reopened.name == layer.name
    rig_times = np.asarray(reopened.metadata["frame_times"])
    np.testing.assert_allclose(rig_times, made.true_rig_times(len(rig_times)), atol=0.25 / made.fps)
    assert read_clock_map(tmp_path / "clock.json").drops == ((240, 1), (700, 1))
    assert reopened.metadata[METADATA_KEY]["frame_times_file"] == str(tmp_path / "clock.json")

    # the map travels with a session saved from the video layer's files
    from napari_chronoviz.napari._attach import attach

    session = attach(viewer, reopened, signals=result.signal)
    saved = save_session(tmp_path / "synced.cvz", VideoEntry(made.path, tmp_path / "clock.json"), session.scene)
    (video,) = open_session(saved).open_videos()
    with video:
        np.testing.assert_allclose(video.frame_times, rig_times)

    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._sync_widget.show_error", errors.append)
    widget.overwrite.value = False
    assert widget.save_and_use() is None
    assert "tick 'overwrite'" in errors[-1]


def test_the_dock_says_what_is_missing(dock, recording, monkeypatch):
    viewer, layer, widget = dock
    made, pulses = recording
    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._sync_widget.show_error", errors.append)
    assert widget.match_and_fit() is None
    assert "Draw the LED region" in errors[-1]
    draw_led(widget, made.led)
    assert widget.match_and_fit() is None
    assert "rig pulses" in errors[-1]
    widget.pulses.value = pulses
    widget.threshold.value = "bright"
    assert widget.match_and_fit() is None
    assert "threshold must be a number" in errors[-1]
    widget.threshold.value = ""
    widget.barcodes.value = "16,100"
    assert widget.match_and_fit() is None
    assert "bits,bit_ms,interval_s" in errors[-1]
    widget.barcodes.value = ""
    viewer.layers[widget.region_layer.value].data = [np.array([[2.0, 2.0], [2.0, 6.0], [6.0, 6.0], [6.0, 2.0]])]
    assert widget.match_and_fit() is None
    assert "region" in errors[-1]


def test_the_overlays_and_labels_follow_the_clock_map(make_napari_viewer, recording, tmp_path):
    """The Overlays and Sync docks opened as the Plugins menu opens them, in napari's default window: a signal
    recorded on the rig's clock is added, a bout is labeled, then the video is synced. After
    "Save and use" the sources are still listed and drawn, aligned again on the rig's times (the signal's value
    at each frame is the frame the rig recorded it at); the bout keeps its frames and takes rig times; the
    saved session opens the same way."""
    import pandas as pd

    from napari_chronoviz.io.ethogram import Behavior, Ethogram
    from napari_chronoviz.napari._labeling import Labeler

    made, pulses = recording
    viewer = make_napari_viewer(show=True)
    (layer,) = viewer.open(made.path, plugin="napari-chronoviz")
    _, overlays = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    _, sync = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Sync to rig")
    n_frames = len(layer.metadata["frame_times"])
    true_rig = made.true_rig_times(n_frames)
    # the rig's own recording: which frame the camera took at each of its samples
    rig_times = np.arange(true_rig[0] - 1, true_rig[-1] + 1, 0.005)
    pd.DataFrame({"time": rig_times, "frame": np.interp(rig_times, true_rig, np.arange(n_frames))}).to_csv(
        tmp_path / "rig_signal.csv", index=False
    )
    overlays.kind.value, overlays.file.value = "signals", tmp_path / "rig_signal.csv"
    assert overlays.add_source()
    labeler = Labeler(viewer, layer, Ethogram((Behavior("grooming", "g"),)))
    labeler.labeling.add_bout("grooming", 100, 160)
    frames = np.arange(0, n_frames, 37)

    def shown_frames():
        (trace,) = overlays.session.scene.traces
        return trace.alignment.values(trace.signal.values, frames)[:, 0]

    assert np.nanmax(np.abs(shown_frames() - frames)) > 100  # on the camera's own clock the rig's samples are off

    draw_led(sync, made.led)
    sync.pulses.value = pulses
    assert sync.match_and_fit() is not None
    sync.clock_file.value = tmp_path / "clock.json"
    assert sync.save_and_use().name == layer.name and layer in viewer.layers  # the same layer, retimed
    step = 1 / made.fps
    assert [item.name for item in overlays.listed][0] == "rig_signal.csv"
    assert overlays.session.layers and all(drawn in viewer.layers for drawn in overlays.session.layers.values())
    np.testing.assert_allclose(overlays.session.scene.frame_times, true_rig, atol=0.25 * step)
    np.testing.assert_allclose(shown_frames(), frames, atol=0.25)
    np.testing.assert_allclose(labeler.labeling.time_of([100, 160]), true_rig[[100, 160]], atol=0.25 * step)
    np.testing.assert_allclose(overlays.session.scene.sources.intervals.starts, [true_rig[100]], atol=0.25 * step)

    overlays.session_file.value = tmp_path / "synced.cvz"
    saved = overlays.save_session()
    reopened = make_napari_viewer()
    _, dock = reopened.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.session_file.value = saved
    dock.open_session()
    np.testing.assert_allclose(dock.session.scene.frame_times, true_rig, atol=0.25 * step)
    assert [item.name for item in dock.listed][0] == "rig_signal.csv"
    np.testing.assert_allclose(dock.session.scene.sources.intervals.starts, [true_rig[100]], atol=0.25 * step)
    overlays = dock
    np.testing.assert_allclose(shown_frames(), frames, atol=0.25)


def test_use_frame_times_refuses_what_it_cannot_retime(make_napari_viewer, recording, tmp_path):
    """A layer chronoviz did not open, one of several cameras on one clock, a clock map of another video: each is
    refused with what to do, and the layer keeps its times."""
    from napari_chronoviz import attach, use_frame_times
    from napari_chronoviz.errors import ChronovizError, FrameTimesError, in_words
    from napari_chronoviz.io.clock_map import ClockMap

    made, _ = recording
    viewer = make_napari_viewer()
    (layer,) = viewer.open(made.path, plugin="napari-chronoviz")
    own = np.array(layer.metadata["frame_times"])
    other = ClockMap(np.array([0.0, 10.0]), np.array([5.0, 15.0]), 1 / 30, n_frames=99, video="other.mp4")
    with pytest.raises(FrameTimesError, match="other.mp4 of 99 frames"):
        use_frame_times(viewer, layer, other.write(tmp_path / "other.json"))
    np.testing.assert_array_equal(layer.metadata["frame_times"], own)
    viewer.add_image(np.zeros((3, 8, 8)), name="plain")
    with pytest.raises(ChronovizError, match="not a video opened by napari-chronoviz"):
        use_frame_times(viewer, "plain", tmp_path / "other.json")
    (second,) = viewer.open(made.path, plugin="napari-chronoviz")
    attach(viewer, [layer, second])
    fitted = ClockMap(np.array([0.0, 10.0]), np.array([5.0, 15.0]), 1 / 30).write(tmp_path / "clock.json")
    with pytest.raises(ChronovizError, match="on one clock with other cameras") as refused:
        use_frame_times(viewer, second, fitted)
    in_the_dock = in_words(refused.value, "dock")  # the dock's Reopen button shows it: its words, not the API's
    assert "'Open session'" in in_the_dock and "sync_by_time" not in in_the_dock
