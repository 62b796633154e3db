"""Labeling in a real napari viewer: keys pressed on the canvas as the user does, the labels live in the plot
panel, undo, playback keys, the autosave file, and the "Label behaviors" dock."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from qtpy.QtCore import Qt

from napari_chronoviz import read_events, read_intervals, sample_file
from napari_chronoviz.io.ethogram import Behavior, Ethogram
from napari_chronoviz.napari._label_mouse import LabelMouse
from napari_chronoviz.napari._labeling import AUTOSAVE_SUFFIX, Labeler
from napari_chronoviz.napari._layers import LayerPlacement, camera_of
from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of
from napari_chronoviz.overlays.primitives import Texts

ETHOGRAM = Ethogram(
    (
        Behavior("courting", "c", "#d62728", group="pair"),
        Behavior("apart", "a", "#1f77b4", group="pair"),
        Behavior("wing extension", "w", kind="point"),
    )
)
KEYS = {
    "c": Qt.Key_C,
    "a": Qt.Key_A,
    "w": Qt.Key_W,
    "Right": Qt.Key_Right,
    "Delete": Qt.Key_Delete,
    "Space": Qt.Key_Space,
    "]": Qt.Key_BracketRight,
    "PageUp": Qt.Key_PageUp,
    "PageDown": Qt.Key_PageDown,
}


@pytest.fixture
def fly_video(make_napari_viewer, tmp_path):
    """The fly sample's video, copied to a folder of its own (its autosave goes beside it), in a viewer."""
    video = tmp_path / "flies.mp4"
    video.write_bytes(sample_file("flies.mp4").read_bytes())
    viewer = make_napari_viewer()
    (layer,) = viewer.open(video, plugin="napari-chronoviz")
    return viewer, layer


def press(qtbot, viewer, key: str, modifier=Qt.NoModifier) -> None:
    """Press `key` on napari's canvas, as the user does: Qt key event -> vispy -> napari's keymap."""
    qtbot.keyClick(qt_viewer_of(viewer).canvas.native, KEYS[key], modifier)


def frame_times(layer) -> np.ndarray:
    return np.asarray(layer.metadata["frame_times"])


def test_keys_create_intervals_and_events_at_the_frames_times(fly_video, qtbot):
    viewer, layer = fly_video
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    times = frame_times(layer)
    labeler.go_to(100)
    press(qtbot, viewer, "c")  # courting starts at frame 100
    for _ in range(5):
        press(qtbot, viewer, "Right")
    assert labeler.frame == 105
    press(qtbot, viewer, "w")  # a point event
    labeler.go_to(150)
    press(qtbot, viewer, "c")  # courting ends
    intervals, events = labeler.labeling.intervals(), labeler.labeling.events()
    assert intervals.labels == ("courting",)
    assert intervals.starts.tolist() == [times[100]] and intervals.ends.tolist() == [times[150]]
    assert events.kinds == ("wing extension",) and events.times.tolist() == [times[105]]
    plot = labeler.show().scene.plot  # the panel draws them
    assert plot.intervals.labels == ("courting",) and plot.intervals.ends.tolist() == [times[150]]
    assert plot.label_colors["courting"].tolist() == pytest.approx([214 / 255, 39 / 255, 40 / 255, 1.0])


def test_exclusive_states_close_each_other_and_undo_restores(fly_video, qtbot):
    viewer, layer = fly_video
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    times = frame_times(layer)
    labeler.go_to(10)
    press(qtbot, viewer, "c")
    labeler.go_to(40)
    press(qtbot, viewer, "a")  # same group: courting ends at 40, apart starts
    labeler.go_to(60)
    press(qtbot, viewer, "a")
    intervals = labeler.labeling.intervals()
    assert intervals.labels == ("courting", "apart")
    assert intervals.starts.tolist() == [times[10], times[40]] and intervals.ends.tolist() == [times[40], times[60]]
    press(qtbot, viewer, "Delete")  # frame 60 is after apart's end: nothing under the cursor
    assert len(labeler.labeling.bouts) == 2
    labeler.go_to(50)
    press(qtbot, viewer, "Delete")
    assert labeler.labeling.intervals().labels == ("courting",)
    qtbot.keyClick(qt_viewer_of(viewer).canvas.native, Qt.Key_Z, Qt.ControlModifier)  # undo the delete
    assert labeler.labeling.intervals().labels == ("courting", "apart")
    qtbot.keyClick(qt_viewer_of(viewer).canvas.native, Qt.Key_Z, Qt.ControlModifier)  # undo apart's end
    assert labeler.labeling.bouts[1].is_open
    qtbot.keyClick(qt_viewer_of(viewer).canvas.native, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)  # redo
    assert not labeler.labeling.bouts[1].is_open


def test_the_keys_win_over_the_selected_layers_and_are_given_back(fly_video, qtbot):
    viewer, layer = fly_video
    viewer.layers.selection.active = layer  # an image layer binds Space itself
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    press(qtbot, viewer, "]")
    assert labeler.speed == 2.0
    assert qt_viewer_of(viewer).dims.slider_widgets[0].fps == pytest.approx(50.0)  # 25 fps x2
    labeler.stop()
    assert "C" not in {str(key) for key in layer.keymap} and "C" not in {str(key) for key in viewer.keymap}
    press(qtbot, viewer, "c")
    assert labeler.labeling.bouts == ()


def test_jump_between_labels(fly_video, qtbot):
    viewer, layer = fly_video
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    labeler.labeling.add_bout("courting", 200, 300)
    labeler.go_to(0)
    press(qtbot, viewer, "PageDown")
    assert labeler.frame == 200
    press(qtbot, viewer, "PageDown")
    assert labeler.frame == 300
    press(qtbot, viewer, "PageUp")
    assert labeler.frame == 200


def test_an_open_bout_grows_with_the_frame_shown_and_names_itself_in_the_corner(fly_video, qtbot):
    viewer, layer = fly_video
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    labeler.go_to(100)
    press(qtbot, viewer, "c")
    labeler.go_to(120)
    session = labeler.show()
    assert session.scene.plot.intervals.label_at(frame_times(layer)[120]) == "courting"
    texts = [text for primitive in session.geometry(120).of_type(Texts) for text in primitive.strings]
    assert "courting" in texts


def test_the_autosave_appears_after_each_edit_and_reloads(fly_video, qtbot, make_napari_viewer):
    viewer, layer = fly_video
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    path = labeler.autosave_path
    assert path.name == "flies" + AUTOSAVE_SUFFIX and not path.exists()
    labeler.go_to(10)
    press(qtbot, viewer, "c")
    labeler.go_to(20)
    press(qtbot, viewer, "c")
    press(qtbot, viewer, "w")
    assert read_intervals(path).labels == ("courting",) and read_events(path).kinds == ("wing extension",)
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    # the video opened again, e.g. after a crash: the autosave comes back
    viewer.close()
    other = make_napari_viewer()
    (reopened,) = other.open(path.parent / "flies.mp4", plugin="napari-chronoviz")
    again = Labeler(other, reopened, ETHOGRAM)
    assert again.load_autosave()
    times = frame_times(reopened)
    assert again.labeling.intervals().starts.tolist() == [times[10]]
    assert again.labeling.intervals().ends.tolist() == [times[20]]
    assert again.labeling.events().times.tolist() == [times[20]]


def drag(viewer, mouse, points) -> None:
    """Drive the label mouse's drag callback as napari does: press at the first canvas point, move, release."""
    placement = LayerPlacement.of(mouse.labeler.video_layer)

    def event(kind, x, y):
        world = [
            viewer.dims.point[0],
            placement.translate[1] + y * placement.scale[1],
            placement.translate[2] + x * placement.scale[2],
        ]
        return SimpleNamespace(type=kind, position=world, modifiers=(), button=1, handled=False)

    press_event = event("mouse_press", *points[0])
    gesture = mouse.drag(viewer, press_event)
    next(gesture)
    for x, y in points[1:]:
        moved = event("mouse_move", x, y)
        press_event.type, press_event.position = moved.type, moved.position
        next(gesture)
    press_event.type = "mouse_release"
    with pytest.raises(StopIteration):
        next(gesture)


def test_drags_on_the_panel_draw_bouts_and_move_edges_to_frame_times(fly_video, qtbot):
    viewer, layer = fly_video
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    labeler.go_to(500)
    session = labeler.show()
    mouse = LabelMouse.of(viewer, labeler)
    mouse.label = "apart"
    plot = session.scene.plot
    box = plot.placement(np.asarray(session.scene.layout.panel_box, float)).columns[0]  # where the traces are
    now, times = frame_times(layer)[500], frame_times(layer)
    middle_y = (box[1] + box[3]) / 2

    def x_of(time):
        return float(plot.x_of_time(time, now, box))

    drag(
        viewer,
        mouse,
        [(x_of(times[490] + 0.013), middle_y), (x_of(times[510]), middle_y), (x_of(times[520] - 0.011), middle_y)],
    )
    intervals = labeler.labeling.intervals()
    assert intervals.labels == ("apart",)
    assert intervals.starts.tolist() == [times[490]] and intervals.ends.tolist() == [times[520]]  # snapped
    drag(viewer, mouse, [(x_of(times[520]) + 2, middle_y), (x_of(times[540] + 0.005), middle_y)])  # the end edge
    assert labeler.labeling.intervals().ends.tolist() == [times[540]]
    drag(viewer, mouse, [(x_of(times[490]) - 1, middle_y), (x_of(times[470]), middle_y)])  # the start edge
    assert labeler.labeling.intervals().starts.tolist() == [times[470]]
    assert camera_of(viewer).mouse_pan  # given back after each drag
    selected = []
    mouse.on_select.append(selected.append)
    labeler.labeling.set_note(0, "female still")
    drag(viewer, mouse, [(x_of(times[500]), middle_y)])  # a click selects the bout and shows its note
    assert selected == [0] and viewer.status == "apart: female still"
    labeler.labeling.undo()
    labeler.labeling.undo()
    assert labeler.labeling.intervals().starts.tolist() == [times[490]]


def test_the_dock_labels_saves_and_loads(fly_video, qtbot, tmp_path, monkeypatch):
    told = []
    monkeypatch.setattr("napari_chronoviz.napari._labeling_widget.show_info", told.append)
    viewer, layer = fly_video
    _, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    assert widget.video.value == layer.name
    assert "c: courting (state)" in widget.keys.value and "Space: play / pause" in widget.keys.value
    labeler = widget.start_labeling()
    assert labeler is Labeler.of(layer) and labeler.active
    labeler.go_to(30)
    press(qtbot, viewer, "c")
    labeler.go_to(60)
    press(qtbot, viewer, "c")
    press(qtbot, viewer, "w")
    assert widget.bout_list.count() == 1 and "courting" in widget.bout_list.item(0).text()
    widget.bout_list.setCurrentRow(0)
    widget.note.value = 'first bout, "clear"'
    widget.note.native.editingFinished.emit()
    assert labeler.labeling.bouts[0].note == 'first bout, "clear"'
    widget.undo.clicked.emit()
    assert labeler.labeling.bouts[0].note == ""
    widget.redo.clicked.emit()
    widget.labels_file.value = tmp_path / "flies_labels.csv"
    widget.save_labels.clicked.emit()
    assert read_intervals(tmp_path / "flies_labels.csv").notes == ('first bout, "clear"',)
    assert read_events(tmp_path / "flies_labels_events.csv").kinds == ("wing extension",)
    widget.delete_bout.clicked.emit()
    assert labeler.labeling.bouts == ()
    widget.load_labels.clicked.emit()
    assert labeler.labeling.intervals().labels == ("courting",) and labeler.labeling.events().kinds == (
        "wing extension",
    )
    assert told[-1] == (
        "Loaded 1 bouts and 1 events from flies_labels.csv; the 1 labels shown before were replaced (Undo brings "
        "them back)"
    )
    widget.stop_labeling()
    assert not labeler.active


def test_the_dock_says_how_to_fix_a_bad_ethogram(fly_video, qtbot):
    viewer, _ = fly_video
    _, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    widget._add_behavior()
    widget.ethogram_table.native.item(3, 1).setText("c")  # the key of courting again, typed in the table
    assert widget.keys.value.startswith("Fix the ethogram:") and "share the key 'c'" in widget.keys.value


def test_label_save_reopen_and_export_from_the_docks(make_napari_viewer, stamped_videos, tmp_path, qtbot):
    """The issue's "done when", on a 90-frame clip: label with the keys, save, reopen (the autosave comes back),
    export from the Overlays dock: the exported frames inside the bout show its label in the panel's corner."""
    from napari_chronoviz import open_video

    video = tmp_path / "clip.mp4"
    video.write_bytes(stamped_videos["constant_rate"].read_bytes())
    viewer = make_napari_viewer()
    (layer,) = viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    labeler = dock.start_labeling()
    labeler.go_to(30)
    press(qtbot, viewer, "c")
    labeler.go_to(60)
    press(qtbot, viewer, "c")
    dock.labels_file.value = tmp_path / "clip_labels.csv"
    dock.save_labels.clicked.emit()
    saved = read_intervals(tmp_path / "clip_labels.csv")
    viewer.close()

    viewer = make_napari_viewer()
    (layer,) = viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    labeler = dock.start_labeling()  # finds the autosave beside the clip
    assert labeler.labeling.intervals().starts.tolist() == saved.starts.tolist()
    assert labeler.labeling.intervals().ends.tolist() == saved.ends.tolist()
    _, overlays = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    overlays.export_file.value = tmp_path / "clip_labeled.mp4"
    worker = overlays.start_export()
    with qtbot.waitSignal(worker.finished, timeout=120_000):
        pass
    scene = labeler.show().scene
    place = scene.plot.placement(np.asarray(scene.layout.panel_box, float))
    # the legend row: courting's swatch always, its name in its colour (not dimmed) while its bout is on
    x0, y0, x1, y1 = (
        int(place.legend[0]),
        int(place.legend[1]),
        int(np.ceil(place.legend[2])),
        int(np.ceil(place.legend[3])),
    )
    with open_video(tmp_path / "clip_labeled.mp4") as exported:
        assert len(exported) == 90

        def red_label(frame):  # courting is #d62728
            corner = exported[frame][y0:y1, x0:x1].astype(int)
            return int(((corner[..., 0] > 150) & (corner[..., 1] < 90) & (corner[..., 2] < 90)).sum())

        assert red_label(45) > red_label(80) + 5


def test_space_plays_at_the_videos_rate_times_the_speed_and_pauses(fly_video, qtbot):
    viewer, layer = fly_video
    labeler = Labeler(viewer, layer, ETHOGRAM)
    labeler.start()
    press(qtbot, viewer, "]")
    press(qtbot, viewer, "Space")
    try:
        qtbot.waitUntil(lambda: labeler.playing, timeout=5000)  # the animation thread starts a moment later
        assert qt_viewer_of(viewer).dims.slider_widgets[0].fps == pytest.approx(50.0)
        qtbot.waitUntil(lambda: labeler.frame > 0, timeout=5000)
    finally:
        press(qtbot, viewer, "Space")
    qtbot.waitUntil(lambda: not labeler.playing, timeout=5000)


def labeling_with_a_bout(fly_video, monkeypatch):
    """The Label behaviors dock labeling the flies with one courting bout; its error notifications in a list."""
    viewer, _ = fly_video
    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._labeling_widget.show_error", errors.append)
    _, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    labeler = widget.start_labeling()
    labeler.labeling.press("courting", 10)
    labeler.labeling.press("courting", 20)
    return widget, labeler, errors


def test_saving_labels_checks_every_file_before_writing_any(fly_video, qtbot, tmp_path, monkeypatch):
    """The trial: loupe labels to x.csv while x_events.csv exists (overwrite off) wrote x.csv, then said
    x_events.csv exists. Now nothing is written; a name whose suffix the format does not write is refused."""
    widget, labeler, errors = labeling_with_a_bout(fly_video, monkeypatch)
    labeler.labeling.press("wing extension", 15)
    (tmp_path / "x_events.csv").write_text("time_s,kind\n1.0,old\n")
    widget.labels_file.value = tmp_path / "x.csv"
    widget.save_labels.clicked.emit()
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.ethogram.yaml").exists()
    assert (tmp_path / "x_events.csv").read_text() == "time_s,kind\n1.0,old\n"
    assert "x_events.csv exists, so nothing was saved" in errors[-1] and "tick 'overwrite'" in errors[-1]
    widget.labels_format.value = "boris"  # the file name follows the format
    assert widget.labels_file.value == tmp_path / "x.tsv"
    for format, name, suffix in (("nwb", "y.csv", ".nwb"), ("loupe", "y.xlsx", ".csv"), ("boris", "y.csv", ".tsv")):
        widget.labels_format.value, widget.labels_file.value = format, tmp_path / name
        widget.save_labels.clicked.emit()
        assert f"name the labels file y{suffix}" in errors[-1], errors[-1]
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(("x", "y"))) == ["x_events.csv"]
    widget.overwrite.value, widget.labels_format.value, widget.labels_file.value = True, "loupe", tmp_path / "x.csv"
    widget.save_labels.clicked.emit()
    assert read_events(tmp_path / "x_events.csv").kinds == ("wing extension",)
    # the ethogram beside them, edited by hand since: saving in another format does not replace it unasked
    edited = (tmp_path / "x.ethogram.yaml").read_text().replace("courting", "courtship")
    (tmp_path / "x.ethogram.yaml").write_text(edited)
    widget.overwrite.value, widget.labels_format.value = False, "boris"  # x.tsv, beside the same x.ethogram.yaml
    widget.save_labels.clicked.emit()
    assert "x.ethogram.yaml exists, so nothing was saved" in errors[-1] and not (tmp_path / "x.tsv").exists()
    assert (tmp_path / "x.ethogram.yaml").read_text() == edited
    (tmp_path / "x.ethogram.yaml").unlink()
    widget.save_labels.clicked.emit()  # the same ethogram beside it, as saved: saving again needs no tick
    widget.labels_format.value = "loupe"
    (tmp_path / "x.csv").unlink()
    (tmp_path / "x_events.csv").unlink()
    widget.save_labels.clicked.emit()
    assert (tmp_path / "x.csv").exists() and (tmp_path / "x.tsv").exists()


def test_load_labels_says_once_what_a_wrong_file_is(fly_video, qtbot, monkeypatch):
    """The trial: a DeepLabCut .h5 or a video in Load labels said "ragged rows" twice; a signal table replaced the
    bouts with one event per sample."""
    widget, labeler, errors = labeling_with_a_bout(fly_video, monkeypatch)
    pose, video = sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5"), sample_file("mouse.mp4")
    for path, kind in ((pose, "an HDF5 (NWB?) file"), (video, "a video")):
        widget.labels_file.value = path
        widget.load_labels.clicked.emit()
        assert errors[-1].count("not a text table") == 1 and f"{path.name} is {kind}" in errors[-1], errors[-1]
    widget.labels_file.value = sample_file("flies_signals.csv")
    widget.load_labels.clicked.emit()
    assert errors[-1].count("looks like a signal") == 1, errors[-1]
    assert "choose 'signal' in 'add as' of the Overlays dock" in errors[-1] and "*" not in errors[-1]
    assert [bout.label for bout in labeler.labeling.bouts] == ["courting"] and not len(labeler.labeling.events().times)


def test_a_rigs_events_shown_when_labeling_starts_keep_their_times_and_stay_out_of_the_labels(fly_video, qtbot):
    """TTL events added as an overlay (times on the rig's clock, some outside the video) are not labels: starting
    to label neither snaps them to frames nor piles them on the first and last frames, and saving the labels
    leaves them out; labels made on the frames (a reopened session's) are labels again."""
    from napari_chronoviz import attach
    from napari_chronoviz.io.labels import Events

    viewer, layer = fly_video
    times = frame_times(layer)
    pulses = np.array([times[0] - 3.0, times[10] + 0.0123, times[500] + 0.0071, times[-1] + 5.0])
    made_before = times[[200, 300]]  # two events labeled on frames in an earlier session
    kinds = ("ttl", "ttl", "wing extension", "wing extension", "ttl", "ttl")
    shown = Events(np.sort(np.r_[pulses, made_before]), kinds)
    attach(viewer, layer, events=shown)
    labeler = Labeler(viewer, layer, ETHOGRAM, autosave_path=None)
    assert labeler.labeling.events().times.tolist() == made_before.tolist()
    assert set(labeler.labeling.events().kinds) == {"wing extension"}
    labeler.start()
    labeler.go_to(400)
    press(qtbot, viewer, "w")
    panel = labeler.show().scene.plot.events
    assert np.isin(pulses, panel.times).all(), "the rig's events moved"
    assert sorted(panel.times.tolist()) == sorted([*pulses, *made_before, times[400]])
    assert labeler.labeling.events().times.tolist() == [*made_before, times[400]]  # what Save labels writes
