"""Make the docs' pictures from the bundled samples: `make screenshots` (runs under Xvfb without a display).

napari screenshots with the overlays and the dock widget, a short GIF exported by chronoviz itself, and
one picture per alignment mode drawn by chronoviz's rasterizer from real `align` results.
"""

from __future__ import annotations

import sys
from pathlib import Path

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
SHOTS = {"flies": ("overlays.png", 1150), "mouse": ("mouse.png", 600)}  # sample -> (file, frame)


def main() -> int:
    import napari
    from qtpy.QtWidgets import QApplication

    IMAGES.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["labeling"]:  # only the labeling pictures
        make_labeling_screenshots()
        return 0
    for sample, (name, frame) in SHOTS.items():
        viewer = napari.Viewer()
        viewer.window._qt_window.resize(1600, 1100)
        viewer.open_sample("napari-chronoviz", sample)
        viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")  # it attaches the sample's overlays
        viewer.dims.set_current_step(0, frame)
        QApplication.processEvents()  # let the dock take its width before fitting the view
        viewer.reset_view()
        QApplication.processEvents()
        viewer.screenshot(IMAGES / name, canvas_only=False, flash=False)
        viewer.close()
        print(f"wrote {IMAGES / name}")
    make_gif()
    make_labeling_screenshots()
    from alignment_figures import make_alignment_figures

    for path in make_alignment_figures(IMAGES):
        print(f"wrote {path}")
    return 0


def make_gif() -> None:
    """30 frames (1.2 s) of the fly sample with its overlays, small, as exported by `create_visualization`."""
    from napari_chronoviz import create_visualization
    from napari_chronoviz.napari._sample_data import flies_sources, sample_path

    sources = flies_sources()
    written = create_visualization(sample_path("flies.mp4"), sources.pop("signals"), IMAGES / "flies.gif",
                                   start=1110, end=1140, scale=0.3, overwrite=True, progress=False, **sources)
    print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB)")


def make_labeling_screenshots() -> None:
    """The fly sample labeled with the keyboard in the "Label behaviors" dock: the window, and the dock alone."""
    import tempfile

    import napari
    from qtpy.QtCore import Qt
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    viewer = napari.Viewer()
    viewer.window._qt_window.resize(1600, 1100)
    viewer.open_sample("napari-chronoviz", "flies")
    overlays, _ = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")  # attaches the sample's
    viewer.window.remove_dock_widget(overlays)  # the overlays stay; the picture shows the labeling dock
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    canvas = viewer.window._qt_viewer.canvas.native
    with tempfile.TemporaryDirectory() as folder:
        dock.autosave_file.value = Path(folder) / "flies.chronoviz-labels.tsv"  # not beside the package's sample
        labeler = dock.start_labeling()
        for frame, key in ((1102, Qt.Key_C), (1118, Qt.Key_W), (1131, Qt.Key_A), (1150, Qt.Key_A)):
            labeler.go_to(frame)
            QTest.keyClick(canvas, key)  # as the user presses it over the video
        labeler.go_to(1160)
        QTest.keyClick(canvas, Qt.Key_C)  # a bout still open: it runs to the frame shown
        labeler.go_to(1172)
        courting = next(i for i, bout in enumerate(labeler.labeling.bouts) if bout.label == "courting")
        dock.bout_list.setCurrentRow(courting)
        dock.note.value = "male follows, wing out"
        dock.note.native.editingFinished.emit()
        labeler.go_to(1172)
        QApplication.processEvents()
        viewer.reset_view()
        QApplication.processEvents()
        viewer.screenshot(IMAGES / "labeling.png", canvas_only=False, flash=False)
        dock.native.grab().save(str(IMAGES / "labeling-dock.png"))
        labeler.stop()
    viewer.close()
    print(f"wrote {IMAGES / 'labeling.png'} and {IMAGES / 'labeling-dock.png'}")


if __name__ == "__main__":
    sys.exit(main())
