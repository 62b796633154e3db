"""The "Sync to rig" dock in a real napari viewer, opened as napari opens plugin docks: draw the LED region,
read it, match the rig's pulses, see the lost frames and go to one, save and use the clock map; mistakes
become notifications saying what to do in the dock."""

from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtWidgets import QApplication

from napari_chronoviz.io.clock_map import read_clock_map
from napari_chronoviz.io.video_factory import VideoEntry
from napari_chronoviz.napari._metadata import METADATA_KEY
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


def test_the_dock_syncs_the_video_and_uses_the_map(dock, recording, tmp_path, monkeypatch):
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
    viewer.layers[widget.region_layer.value].data = [np.array([[2.0, 2.0], [2.0, 6.0], [6.0, 6.0], [6.0, 2.0]])]
    assert widget.match_and_fit() is None
    assert "region" in errors[-1]
