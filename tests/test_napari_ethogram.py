"""The user's ethogram (behaviors, keys, colours) travels with their labels: saved beside the labels file and the
labeling autosave, and back with them in a new viewer, so the keys the user chose still label."""

from __future__ import annotations

import pytest
from qtpy.QtCore import Qt
from qtpy.QtOpenGLWidgets import QOpenGLWidget

from napari_chronoviz import sample_file
from napari_chronoviz.io.ethogram import Behavior, Ethogram, ethogram_path_of, read_ethogram

MINE = Ethogram(
    (
        Behavior("grooming", "g", "#9467bd"),
        Behavior("rearing", "r", "#8c564b", kind="point"),
    )
)
KEYS = {"g": Qt.Key.Key_G, "r": Qt.Key.Key_R}


@pytest.fixture
def video(tmp_path):
    """The fly sample's video in a folder of its own: the autosave goes beside it."""
    path = tmp_path / "flies.mp4"
    path.write_bytes(sample_file("flies.mp4").read_bytes())
    return path


def labeling_dock(make_napari_viewer, video):
    """A new viewer with `video` and the Label behaviors dock, opened as napari opens them."""
    viewer = make_napari_viewer()
    viewer.open(video, plugin="napari-chronoviz")
    dock, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    return viewer, dock, widget


def press(qtbot, dock, key: str) -> None:
    """Press `key` on napari's canvas (the OpenGL widget of the dock's main window), as the user does."""
    (canvas,) = dock.window().findChildren(QOpenGLWidget)
    qtbot.keyClick(canvas, KEYS[key])


def label_a_bout_and_an_event(qtbot, dock, labeler) -> None:
    labeler.go_to(10)
    press(qtbot, dock, "g")
    labeler.go_to(20)
    press(qtbot, dock, "g")
    press(qtbot, dock, "r")


def test_the_ethogram_comes_back_with_the_autosave_and_its_keys_label(make_napari_viewer, video, qtbot):
    viewer, dock, widget = labeling_dock(make_napari_viewer, video)
    widget.show_ethogram(MINE)
    labeler = widget.start_labeling()
    label_a_bout_and_an_event(qtbot, dock, labeler)
    assert labeler.labeling.intervals().labels == ("grooming",) and labeler.labeling.events().kinds == ("rearing",)
    assert read_ethogram(ethogram_path_of(labeler.autosave_path)).behaviors == MINE.behaviors
    viewer.close()

    viewer, dock, widget = labeling_dock(make_napari_viewer, video)
    labeler = widget.start_labeling()  # finds the autosave beside the video
    assert labeler.labeling.intervals().labels == ("grooming",)
    assert widget.ethogram().behaviors == MINE.behaviors  # the table shows the user's ethogram, not the starter one
    assert "g: grooming (state)" in widget.keys.value
    labeler.go_to(40)
    press(qtbot, dock, "g")
    labeler.go_to(50)
    press(qtbot, dock, "g")
    assert labeler.labeling.intervals().labels == ("grooming", "grooming")
    assert labeler.labeling.ethogram["grooming"].color == "#9467bd"


def test_saved_labels_keep_their_ethogram_and_load_it_back(make_napari_viewer, video, qtbot, tmp_path):
    viewer, dock, widget = labeling_dock(make_napari_viewer, video)
    widget.autosave_file.value = ""  # no autosave: the labels come back from the saved file only
    widget.show_ethogram(MINE)
    labeler = widget.start_labeling()
    label_a_bout_and_an_event(qtbot, dock, labeler)
    widget.labels_file.value = tmp_path / "mine.csv"
    widget.save_labels.clicked.emit()
    assert (tmp_path / "mine.ethogram.yaml").is_file()
    viewer.close()

    viewer, dock, widget = labeling_dock(make_napari_viewer, video)
    widget.autosave_file.value = ""
    widget.labels_file.value = tmp_path / "mine.csv"
    widget.load_labels.clicked.emit()
    labeler = widget.labeler
    assert labeler.labeling.intervals().labels == ("grooming",) and labeler.labeling.events().kinds == ("rearing",)
    assert widget.ethogram().behaviors == MINE.behaviors
    labeler.go_to(60)
    press(qtbot, dock, "r")
    assert labeler.labeling.events().kinds == ("rearing", "rearing")
