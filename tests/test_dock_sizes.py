"""Every chronoviz dock fits napari's default window: opened the way napari opens plugin docks, it neither grows
the window nor hides its controls past the dock's right edge (they scroll inside the dock)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from qtpy.QtWidgets import QApplication

import napari_chronoviz
from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of

MANIFEST = yaml.safe_load((Path(napari_chronoviz.__file__).parent / "napari.yaml").read_text())
DOCKS = [widget["display_name"] for widget in MANIFEST["contributions"]["widgets"]]
DEFAULT_WINDOW = (1089, 630)  # napari's main window on first start (0.9; 0.7's is a little smaller)


@pytest.mark.parametrize("name", DOCKS)
def test_a_dock_fits_napari_s_default_window(name, make_napari_viewer, fly_video_path):
    viewer = make_napari_viewer(show=True)
    viewer.open(fly_video_path, plugin="napari-chronoviz")
    window = qt_viewer_of(viewer).window()
    before = (window.width(), window.height())
    assert before[0] <= DEFAULT_WINDOW[0] and before[1] <= DEFAULT_WINDOW[1]
    dock, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", name)
    QApplication.processEvents()
    assert dock.window() is window
    assert (window.width(), window.height()) == before, f"the {name} dock grew napari's window"
    scroll = widget.native
    content = scroll.widget()
    assert content.width() <= scroll.viewport().width(), f"the {name} dock's controls are cut on the right"
    assert dock.height() < before[1]


@pytest.fixture
def fly_video_path(tmp_path) -> Path:
    """The fly sample's video in a folder of its own (a labeling autosave would go beside it)."""
    video = tmp_path / "flies.mp4"
    video.write_bytes(napari_chronoviz.sample_file("flies.mp4").read_bytes())
    return video


def test_labeling_s_controls_and_bouts_show_without_scrolling_at_the_default_window(make_napari_viewer, fly_video_path):
    """What a labeler uses all the time (start, undo, the bouts) is in view, not below the ethogram and key lists."""
    viewer = make_napari_viewer(show=True)
    viewer.open(fly_video_path, plugin="napari-chronoviz")
    _, widget = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    QApplication.processEvents()
    viewport = widget.native.viewport()
    for name, control in (("Start labeling", widget.start.native), ("Undo", widget.undo.native)):
        assert control.mapTo(widget.native.widget(), control.rect().bottomLeft()).y() < viewport.height(), name
    first_bout_row = widget.bout_list.mapTo(widget.native.widget(), widget.bout_list.rect().topLeft()).y() + 40
    assert first_bout_row < viewport.height(), "the bouts list is below the dock's fold"
