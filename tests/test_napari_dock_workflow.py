"""A user's day in the Overlays dock, at napari's default window, the dock opened as napari opens plugin docks:
a wrong file first, then the right ones, one twice, a corrected time unit, a source removed, the session saved
and reopened in another viewer, and an export from the dock (issue #23)."""

from __future__ import annotations

import napari
import numpy as np
import pandas as pd
import pytest
import yaml

from napari_chronoviz.io.video_factory import open_video
from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of
from napari_chronoviz.sources import SourceSpec
from napari_chronoviz.testing import make_stamped_video, read_stamp

N_FRAMES = 120
FPS = 30.0
NAPARI_DEFAULT_WINDOW = (1089, 630)  # napari 0.9's window on first start, what users saw (0.7's is smaller)


@pytest.fixture
def notifications(monkeypatch):
    """Every notification the dock shows, by severity."""
    shown = {"error": [], "warning": [], "info": []}
    for severity, messages in shown.items():
        monkeypatch.setattr(f"napari_chronoviz.napari._widget.show_{severity}", messages.append)
    return shown


@pytest.fixture
def recording(tmp_path, short_dlc_pose):
    """A video, its pose, a signal with times in milliseconds in a column named `time`, a signal without a time
    column whose length fits no ratio, and events."""
    video = make_stamped_video(tmp_path / "session.mp4", N_FRAMES, size=(640, 480), fps=FPS)
    times_ms = np.arange(4 * N_FRAMES) * 1000 / (4 * FPS)
    pd.DataFrame({"time": times_ms, "speed": np.sin(times_ms / 300)}).to_csv(tmp_path / "signals_ms.csv", index=False)
    pd.DataFrame({"speed": np.arange(517.0)}).to_csv(tmp_path / "no_time.csv", index=False)
    pd.DataFrame({"time": [0.5, 2.0], "kind": ["tone", "shock"]}).to_csv(tmp_path / "events.csv", index=False)
    return {
        "video": video,
        "pose": short_dlc_pose(N_FRAMES),
        "signals_ms": tmp_path / "signals_ms.csv",
        "no_time": tmp_path / "no_time.csv",
        "events": tmp_path / "events.csv",
    }


def open_dock(viewer):
    """The Overlays dock, opened the way the Plugins menu opens it."""
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    return dock


def add(dock, kind: str, path, **form) -> None:
    """Fill the dock's form as a user would and press Add."""
    dock.kind.value, dock.file.value = kind, path
    defaults = {"key": "", "time_column": "", "time_unit": "from name", "rate": 0.0, "mode": "auto", "ratio": ""}
    for name, value in {**defaults, "offset": 0.0, **form}.items():
        getattr(dock, name).value = value
    dock.add.clicked()


def listed(dock) -> list[tuple[str, str]]:
    return [(item.kind, item.name) for item in dock.listed]


def source_lines(dock) -> list[str]:
    return [dock.sources.native.item(row).text() for row in range(dock.sources.native.count())]


API_AND_FLAG_WORDS = ("mode=", "ratio=", "rate=", "time_column=", "time_unit=", "check_video", "overwrite=", "--")


def assert_in_dock_words(message: str) -> None:
    """The advice of a dock's message names the dock's controls, not Python's arguments or the command's flags."""
    assert not [word for word in API_AND_FLAG_WORDS if word in message], message


def test_a_users_session_in_the_overlays_dock(make_napari_viewer, qtbot, recording, notifications, tmp_path):
    errors, warnings_shown = notifications["error"], notifications["warning"]
    viewer = make_napari_viewer(show=True)
    viewer.open(recording["video"], plugin="napari-chronoviz")
    window = qt_viewer_of(viewer).window()
    before = (window.width(), window.height())
    assert before[0] <= NAPARI_DEFAULT_WINDOW[0] and before[1] <= NAPARI_DEFAULT_WINDOW[1]
    dock = open_dock(viewer)
    qtbot.wait(50)

    # the dock fits napari's window without growing it: its controls scroll inside it
    assert dock.native.window() is window and (window.width(), window.height()) == before
    assert dock.native.height() <= window.height() and dock.native.verticalScrollBar().maximum() > 0

    # 1. a table without a time column, whose length fits no ratio: not added, and the error says how to fix it
    dock.kind.value, dock.file.value = "signals", recording["no_time"]
    dock.add.clicked()
    assert dock.listed == [] and dock.session is None
    assert "no_time.csv was not added as signal" in errors[-1] and "'rate (Hz)' of the source" in errors[-1]
    assert "'rate (Hz)' of the source" in errors[-1] and "alignment 'stretch' of the source" in errors[-1]
    assert_in_dock_words(errors[-1])

    # 2. then a good pose and events: they show, and the first file's error is not repeated
    n_errors = len(errors)
    add(dock, "pose", recording["pose"])
    add(dock, "events", recording["events"])
    assert len(errors) == n_errors
    assert listed(dock) == [("pose", recording["pose"].name), ("events", "events.csv")]
    scene = dock.session.scene
    assert len(scene.pose_overlays) == 1 and scene.sources.events.kinds == ("tone", "shock")
    dock.left.value = 1.0  # a style change is not poisoned either
    assert len(errors) == n_errors and dock.session.scene.window.left == 1.0

    # 3. the same pose file again replaces it: one pose, not two
    add(dock, "pose", recording["pose"])
    assert len(dock.listed) == 2 and len(dock.session.scene.pose_overlays) == 1

    # 4. a signal whose times are in ms, read as seconds: added with a warning naming the unit; the corrected
    #    time unit replaces the wrong copy
    add(dock, "signals", recording["signals_ms"])
    assert "milliseconds" in warnings_shown[-1] and "time unit" in warnings_shown[-1]
    add(dock, "signals", recording["signals_ms"], time_unit="ms")
    assert [item.kind for item in dock.listed] == ["pose", "events", "signals"]
    assert dock.listed[-1] == SourceSpec("signals", str(recording["signals_ms"]), time_unit="ms")
    (trace,) = dock.session.scene.traces
    assert trace.alignment.sample_times[-1] == pytest.approx((4 * N_FRAMES - 1) / (4 * FPS))
    assert "signals_ms.csv (timestamps + 0.000 s)" in source_lines(dock)[2]

    # 5. a signal without time column with its rate: placed by it; its own offset shows in its line
    add(dock, "signals", recording["no_time"], rate=4 * FPS, offset=0.5)
    assert "no_time.csv (timestamps + 0.500 s)" in source_lines(dock)[3]

    # 6. remove one source: the others stay
    dock.sources.value = 1  # the events
    dock.remove_source.clicked()
    assert [item.kind for item in dock.listed] == ["pose", "signals", "signals"]
    assert dock.session.scene.sources.events is None and len(dock.session.scene.traces) == 2

    # 7. "Add opened signal/pose layers" pressed twice does not double the lanes
    viewer.open(recording["pose"], plugin="napari-chronoviz")
    dock.add_layers.clicked()
    dock.add_layers.clicked()
    assert len(dock.listed) == 3 and len(dock.session.scene.pose_overlays) == 1

    # 8. save the session: every source by path with its reader options
    dock.session_file.value = tmp_path / "experiment.cvz"
    written = dock.save_session()
    saved = yaml.safe_load(written.read_text())
    assert saved["videos"][0]["pose"] == [recording["pose"].name]
    assert saved["signals"][0] == {"kind": "signals", "path": "signals_ms.csv", "time_unit": "ms"}
    assert saved["signals"][1] == {"kind": "signals", "path": "no_time.csv", "rate": 4 * FPS, "offset": 0.5}

    # 9. reopen it in a new viewer: the same sources, lanes and alignment
    lines, sources, config = source_lines(dock), sorted(map(repr, dock.listed)), dock.session.scene.config
    viewer.close()  # two shown windows at once: Xvfb's OpenGL then fails to draw an image now and then
    fresh = make_napari_viewer(show=True)
    reopened = open_dock(fresh)
    reopened.session_file.value = written
    reopened.open_session()
    assert sorted(map(repr, reopened.listed)) == sources
    assert sorted(source_lines(reopened)) == sorted(lines)
    assert reopened.session.scene.config == config

    # 10. export from the reopened dock; and File > Save Selected Layers writes the same overlays
    reopened.export_file.value = tmp_path / "export.mp4"
    worker = reopened.start_export()
    with qtbot.waitSignal(worker.finished, timeout=120_000):
        pass
    assert errors == [errors[0]], errors
    with open_video(tmp_path / "export.mp4") as exported:
        assert len(exported) == N_FRAMES and read_stamp(exported[60][:480]) == 60
        assert exported.shape[1] > 480  # the plot panel below the video
    session = reopened.session
    saved_layers = napari.save_layers(
        str(tmp_path / "writer.mp4"), [session.video_layer, session.layers["overlay"]], plugin="napari-chronoviz"
    )
    assert saved_layers == [str(tmp_path / "writer.mp4")]
    with open_video(tmp_path / "writer.mp4") as from_writer, open_video(tmp_path / "export.mp4") as exported:
        assert len(from_writer) == N_FRAMES and from_writer.shape == exported.shape


def test_a_video_napari_read_eagerly_is_taken_over_lazily(make_napari_viewer, recording, notifications):
    """napari's own reader (no `plugin=`) reads every frame into memory and keeps no frame times: the dock
    says so in its own words, and reopens the file lazily in its place."""
    errors = notifications["error"]
    viewer = make_napari_viewer()
    (eager,) = viewer.open(recording["video"], plugin="napari")
    dock = open_dock(viewer)
    assert dock.video.value == eager.name and not dock.take_over.native.isHidden()
    add(dock, "pose", recording["pose"])
    assert "opened by another reader" in errors[-1] and "Read it with chronoviz" in errors[-1]
    assert dock.listed == [] and dock.session is None
    (lazy,) = dock.read_video_with_chronoviz()
    assert eager not in viewer.layers and dock.video.value == lazy.name
    assert lazy.metadata["chronoviz"]["kind"] == "video" and dock.take_over.native.isHidden()
    add(dock, "pose", recording["pose"])
    assert len(dock.session.scene.pose_overlays) == 1


def test_a_signal_layer_without_a_file_is_named_by_its_layer(make_napari_viewer, recording, notifications, tmp_path):
    """A signal layer read from memory joins by its layer's name (not "the DataFrame"), once however often the
    button is pressed, and is written beside a saved session; one whose table holds no values says which layer."""
    from napari.layers import Layer

    from napari_chronoviz import read_timeseries
    from napari_chronoviz.napari._reader import signal_layer_data

    viewer = make_napari_viewer()
    viewer.open(recording["video"], plugin="napari-chronoviz")
    in_memory = read_timeseries(pd.DataFrame({"speed": np.arange(float(N_FRAMES))}))
    viewer.add_layer(Layer.create(*signal_layer_data(in_memory)))
    dock = open_dock(viewer)
    dock.add_layers.clicked()
    dock.add_layers.clicked()
    assert source_lines(dock) == ["signal: signal layer 'the DataFrame' (frame)"]
    dock.session_file.value = tmp_path / "memory.cvz"  # a source without a file is written beside the session
    assert yaml.safe_load(dock.save_session().read_text())["signals"] == ["memory.signals-1.npy"]
    assert np.load(tmp_path / "memory.signals-1.npy")["speed"].tolist() == list(range(N_FRAMES))
    viewer.layers["the DataFrame"].name = "wheel"
    viewer.layers["wheel"].features = pd.DataFrame({"note": ["x"] * N_FRAMES})
    dock.add_layers.clicked()
    assert "signal layer 'wheel'" in notifications["error"][-1] and "numeric" in notifications["error"][-1]


def test_frame_times_from_a_file_travel_with_the_session_and_the_export(
    make_napari_viewer, qtbot, recording, notifications, tmp_path
):
    """A camera's real frame times (28.9 frames/s, not the container's 30) given in the dock: the sources follow
    them, the session keeps the file, and the export from the reopened session is timed by it."""
    times = np.arange(N_FRAMES) / 28.9
    np.save(tmp_path / "frame_times.npy", times)
    viewer = make_napari_viewer()
    viewer.open(recording["video"], plugin="napari-chronoviz")
    dock = open_dock(viewer)
    add(dock, "signals", recording["signals_ms"], time_unit="ms")
    dock.frame_times_file.value = tmp_path / "frame_times.npy"
    (layer,) = dock.reopen_with_frame_times()
    np.testing.assert_allclose(layer.metadata["frame_times"], times)
    np.testing.assert_allclose(dock.session.scene.frame_times, times)
    assert [item.name for item in dock.listed] == ["signals_ms.csv"] and not notifications["error"]
    dock.session_file.value = tmp_path / "timed.cvz"
    saved = yaml.safe_load(dock.save_session().read_text())
    assert saved["videos"][0]["frame_times"] == "frame_times.npy"

    reopened = open_dock(make_napari_viewer())
    reopened.session_file.value = tmp_path / "timed.cvz"
    (layer,) = reopened.open_session()
    np.testing.assert_allclose(reopened.session.scene.frame_times, times)
    reopened.export_file.value = tmp_path / "timed.mp4"
    worker = reopened.start_export()
    with qtbot.waitSignal(worker.finished, timeout=120_000):
        pass
    with open_video(tmp_path / "timed.mp4") as exported:
        np.testing.assert_allclose(exported.frame_times - exported.frame_times[0], times, atol=1e-3)


def test_a_scripts_scene_options_stay_with_its_video(make_napari_viewer, recording, tmp_path):
    """The scene-wide alignment a script gave one video does not follow the dock to another video."""
    from napari_chronoviz import attach

    viewer = make_napari_viewer()
    (first,) = viewer.open(recording["video"], plugin="napari-chronoviz")
    other = make_stamped_video(tmp_path / "other.mp4", N_FRAMES, size=(160, 120), fps=FPS)
    (second,) = viewer.open(other, plugin="napari-chronoviz")
    attach(viewer, first, signals=str(recording["signals_ms"]), alignment={"offset": 0.5})
    dock = open_dock(viewer)
    dock.video.value = first.name
    dock.trail_length.value = 2  # a control of the dock: the script's offset stays
    assert dock.session.scene.alignment_options == {"offset": 0.5}
    dock.video.value = second.name
    add(dock, "signals", recording["signals_ms"], time_unit="ms")
    assert dock.session.scene.alignment_options == {}
    assert source_lines(dock) == ["signal: signals_ms.csv (timestamps + 0.000 s)"]


def test_labels_and_their_ethogram_travel_with_the_session(make_napari_viewer, qtbot, recording, tmp_path):
    """Label with the user's own ethogram in the Label behaviors dock (keys pressed while scrubbing), save the
    session from the Overlays dock, reopen it in a new viewer: the labels and the ethogram are back, and the user's
    key labels with it."""
    from qtpy.QtCore import Qt

    from napari_chronoviz.io.ethogram import Behavior, Ethogram

    mine = Ethogram((Behavior("grooming", "g", "#9467bd"), Behavior("rearing", "r", "#8c564b", kind="point")))

    def label_dock(viewer):
        _, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
        return widget

    def press(viewer, key):
        qtbot.keyClick(qt_viewer_of(viewer).canvas.native, key)

    viewer = make_napari_viewer(show=True)
    viewer.open(recording["video"], plugin="napari-chronoviz")
    overlays, labels = open_dock(viewer), label_dock(viewer)
    labels.autosave_file.value = ""  # no autosave beside the video: the labels come back from the session only
    labels.show_ethogram(mine)
    labels.start_labeling()
    for frame, key in ((10, Qt.Key.Key_G), (25, Qt.Key.Key_R), (40, Qt.Key.Key_G)):
        viewer.dims.set_current_step(0, frame)  # scrubbing the slider, then the key
        press(viewer, key)
    labeler = labels.labeler
    assert labeler.labeling.intervals().labels == ("grooming",) and labeler.labeling.events().kinds == ("rearing",)
    overlays.session_file.value = tmp_path / "labeled.cvz"
    written = overlays.save_session()
    assert yaml.safe_load(written.read_text())["ethogram"] == "labeled.ethogram.yaml"
    viewer.close()  # two shown windows at once: Xvfb's OpenGL then fails to draw an image now and then

    fresh = make_napari_viewer(show=True)
    reopened_labels = label_dock(fresh)  # open before the session, as a user whose docks napari remembers
    reopened = open_dock(fresh)
    reopened.session_file.value = written
    reopened.open_session()
    assert reopened_labels.ethogram().behaviors == mine.behaviors  # the user's, not the starter ethogram
    assert "g: grooming (state)" in reopened_labels.keys.value
    plot = reopened.session.scene.plot
    assert plot.intervals.labels == ("grooming",) and plot.events.kinds == ("rearing",)
    labeler = reopened_labels.start_labeling()
    assert labeler.labeling.intervals().labels == ("grooming",)
    for frame in (60, 80):
        fresh.dims.set_current_step(0, frame)
        press(fresh, Qt.Key.Key_G)
    assert labeler.labeling.intervals().labels == ("grooming", "grooming")
    assert labeler.labeling.ethogram["grooming"].color == "#9467bd"


def test_a_pose_of_another_video_is_refused_in_the_dock_until_the_user_says_so(
    make_napari_viewer, recording, notifications, tmp_path
):
    """A pose tracked on 640x480 frames, on a 160x120 video: refused whether it comes from the dock's form or from
    File > Open and *Add opened signal/pose layers*, also once other sources are open; the error says which control
    lets it through, and unticking it does (with a warning)."""
    errors, warnings_shown = notifications["error"], notifications["warning"]
    viewer = make_napari_viewer()
    small = make_stamped_video(tmp_path / "small.mp4", N_FRAMES, size=(160, 120), fps=FPS)
    viewer.open(small, plugin="napari-chronoviz")
    dock = open_dock(viewer)
    add(dock, "signals", recording["signals_ms"], time_unit="ms")
    assert dock.session is not None and not errors

    add(dock, "pose", recording["pose"])
    viewer.open(recording["pose"], plugin="napari-chronoviz")  # File > Open, then the dock's button
    dock.add_layers.clicked()
    assert len(errors) == 2
    for error in errors:
        assert f"{recording['pose'].name} does not fit small.mp4" in error and "keypoints lie outside" in error
        assert f"untick '{dock.pose_check.label}'" in error
        assert_in_dock_words(error)
    assert [item.kind for item in dock.listed] == ["signals"] and not dock.session.scene.pose_overlays

    dock.pose_check.value = False  # "use it anyway"
    dock.add_layers.clicked()
    assert [item.kind for item in dock.listed] == ["signals", "pose"] and len(dock.session.scene.pose_overlays) == 1
    assert "Drawn anyway" in warnings_shown[-1] and len(errors) == 2
    dock.session_file.value = tmp_path / "anyway.cvz"
    assert yaml.safe_load(dock.save_session().read_text())["pose_alignment"] == {"check_video": False}
