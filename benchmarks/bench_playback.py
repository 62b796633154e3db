"""Playback in napari: frames actually shown per second while napari plays the fly sample at its own rate.

Run: `make bench-playback` (under Xvfb when there is no display). For each case a fresh viewer plays the
video for SECONDS with napari's own play button logic (`QtDims.play` at the video's 25 frames/s) and the
benchmark counts the distinct frames the canvas drew (the slider's step at each canvas draw), so a frame
that was stepped over but never painted does not count. Cases, in one process, order alternated:

- napari-video: the same file opened by napari-video's own reader plugin, no overlays (the reference);
- chronoviz: the video layer as the reader opens it, no overlays;
- chronoviz + overlays: with the sample's signals, poses, trails, events and intervals attached.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

SECONDS = 10.0
PASSES = 2


def shown_per_second(case: str) -> tuple[float, float]:
    """(frames drawn per second, requested rate) for one fresh viewer playing `case` for SECONDS."""
    import napari
    from qtpy.QtCore import QEvent, QObject
    from qtpy.QtWidgets import QApplication

    from napari_chronoviz import attach, sample_file
    from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of
    from napari_chronoviz.napari._sample_data import flies_sources

    viewer = napari.Viewer(show=True)
    path = sample_file("flies.mp4")
    if case == "napari-video":
        viewer.open(path, plugin="napari_video")
    else:
        (layer,) = viewer.open(path, plugin="napari-chronoviz")
        if case == "chronoviz + overlays":
            sources = flies_sources()
            attach(viewer, layer, **sources)
    rate = 25.0
    qt_viewer = qt_viewer_of(viewer)
    shown: set[int] = set()

    class PaintCounter(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Paint:
                shown.add(int(viewer.dims.current_step[0]))
            return False

    counter = PaintCounter()
    qt_viewer.canvas.native.installEventFilter(counter)
    app = QApplication.instance()
    for _ in range(20):  # let the window and the first frame settle
        app.processEvents()
    shown.clear()
    qt_viewer.dims.play(axis=0, fps=rate, loop_mode="once")
    start = time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        app.processEvents()
        time.sleep(0.001)
    qt_viewer.dims.stop()
    elapsed = time.perf_counter() - start
    viewer.close()
    return len(shown) / elapsed, rate


def main() -> int:
    """Print frames shown per second for each case, with the ratio to napari-video's."""
    cases = ["napari-video", "chronoviz", "chronoviz + overlays"]
    results: dict[str, list[float]] = {case: [] for case in cases}
    for index in range(PASSES):
        for case in cases if index % 2 == 0 else cases[::-1]:
            shown, rate = shown_per_second(case)
            results[case].append(shown)
    print(
        f"napari playback of flies.mp4 (1024x1024, 25 frames/s) for {SECONDS:g} s, {os.cpu_count()} cores, "
        f"median of {PASSES} passes"
    )
    reference = statistics.median(results["napari-video"])
    for case in cases:
        value = statistics.median(results[case])
        print(f"  {case:22s} {value:6.1f} frames shown/s   ({value / reference:.2f}x napari-video; target 25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
