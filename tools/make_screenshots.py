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

    from napari_chronoviz.napari._widget import ChronovizWidget

    IMAGES.mkdir(parents=True, exist_ok=True)
    for sample, (name, frame) in SHOTS.items():
        viewer = napari.Viewer()
        viewer.window._qt_window.resize(1600, 1100)
        viewer.open_sample("napari-chronoviz", sample)
        viewer.window.add_dock_widget(ChronovizWidget(viewer), name="chronoviz", area="right")  # attaches the overlays
        viewer.dims.set_current_step(0, frame)
        QApplication.processEvents()  # let the dock take its width before fitting the view
        viewer.reset_view()
        QApplication.processEvents()
        viewer.screenshot(IMAGES / name, canvas_only=False, flash=False)
        viewer.close()
        print(f"wrote {IMAGES / name}")
    make_gif()
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


if __name__ == "__main__":
    sys.exit(main())
