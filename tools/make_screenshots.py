"""Make the docs' screenshots from real data: `make screenshots` (runs under Xvfb without a display).

Needs ../shared/data (the SLEAP two-fly clip and its proofread poses). Signals are derived from the
poses (thorax speed of each fly, distance between them); events and intervals are illustrative.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
IMAGES = ROOT / "docs" / "images"


def fly_signals(pose) -> pd.DataFrame:
    """Thorax speed of each fly (pixels per frame) and the distance between the flies, one row per frame."""
    thorax = pose.xy[:, :, pose.keypoint_index("thorax")]
    speed = np.linalg.norm(np.diff(thorax, axis=0, prepend=thorax[:1]), axis=-1)
    return pd.DataFrame({
        "female speed": speed[:, 0],
        "male speed": speed[:, 1],
        "distance": np.linalg.norm(thorax[:, 0] - thorax[:, 1], axis=-1),
    })


def main() -> int:
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_chronoviz import attach, read_pose
    from napari_chronoviz.napari._widget import ChronovizWidget

    if not (SHARED / "sleap_flies" / "clip.slp").exists():
        print(f"needs {SHARED} with sleap_flies/clip.slp")
        return 1
    IMAGES.mkdir(parents=True, exist_ok=True)
    pose = read_pose(SHARED / "sleap_flies" / "clip.slp")
    viewer = napari.Viewer()
    viewer.window._qt_window.resize(1600, 1100)
    (video,) = viewer.open(SHARED / "sleap_flies" / "clip.mp4", plugin="napari-chronoviz")
    events = pd.DataFrame({"time": [21.0, 23.2, 26.5], "kind": ["wing extension", "lunge", "wing extension"]})
    intervals = pd.DataFrame({"start": [18.0, 24.0], "end": [22.5, 40.0], "label": ["chase", "courtship"]})
    attach(viewer, video, signals=fly_signals(pose), pose=pose, events=events, intervals=intervals,
           window=(3.0, 3.0), style={"trail_length": 20, "head_direction": ["thorax", "head"]})
    viewer.window.add_dock_widget(ChronovizWidget(viewer), name="chronoviz", area="right")
    viewer.dims.set_current_step(0, 560)
    QApplication.processEvents()  # let the dock take its width before fitting the view
    viewer.reset_view()
    QApplication.processEvents()
    viewer.screenshot(IMAGES / "overlays.png", canvas_only=False)
    print(f"wrote {IMAGES / 'overlays.png'}")
    viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
