"""Make the docs' screenshots with the bundled samples: `make screenshots` (runs under Xvfb without a display)."""

from __future__ import annotations

import sys
from pathlib import Path

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
SHOTS = {"flies": ("overlays.png", 1150), "mouse": ("mouse.png", 600)}  # sample -> (file, frame)


def main() -> int:
    import napari
    from qtpy.QtWidgets import QApplication

    IMAGES.mkdir(parents=True, exist_ok=True)
    for sample, (name, frame) in SHOTS.items():
        viewer = napari.Viewer()
        viewer.window._qt_window.resize(1600, 1100)
        viewer.open_sample("napari-chronoviz", sample)
        viewer.dims.set_current_step(0, frame)
        QApplication.processEvents()  # let the dock take its width before fitting the view
        viewer.reset_view()
        QApplication.processEvents()
        viewer.screenshot(IMAGES / name, canvas_only=False, flash=False)
        viewer.close()
        print(f"wrote {IMAGES / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
