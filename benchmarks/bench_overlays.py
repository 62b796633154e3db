"""Overlay cost per frame step in napari, in both displays, against a plain napari Shapes update of the same
polylines.

Run: `make bench-overlays` (under Xvfb when there is no display). The workload is issue #4's: 16 channels
with a 1000-sample window (500 Hz, 1 s each side), 2 flies x 13 keypoints with their skeleton (the SLEAP
sample, real pose), 30-frame trails. Each figure is the median over many steps of
`viewer.dims.set_current_step`, which returns once every layer has been re-sliced and updated. Jumps follow
one another at once; playing steps start 1/25 s apart, as napari's play button paces them, which leaves the
raster display's worker thread the time to draw the next frame ahead:

- base: the video layer alone (napari's own cost of a step);
- overlays: the same with the chronoviz session attached, in the "raster" display (the default) and in the
  "layers" display (the panel as shapes and text layers, the pose as points, vectors and tracks);
  overlay cost = overlays - base;
- reference: base plus `Shapes.data = ...` with the 16 polylines of 1000 points, as a naive plugin would.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import dask.array as da
import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
STEPS = 120
N_CHANNELS, RATE, WINDOW = 16, 500.0, 1.0  # 1000 samples in the window


def step_times(viewer, frames, on_step=None, period: float = 0.0) -> list[float]:
    """Seconds each step of the slider to `frames` takes; steps start at least `period` seconds apart."""
    times = []
    for frame in frames:
        start = time.perf_counter()
        viewer.dims.set_current_step(0, int(frame))
        if on_step is not None:
            on_step(int(frame))
        times.append(time.perf_counter() - start)
        time.sleep(max(0.0, start + period - time.perf_counter()))
    return times


def display_times(viewer, frames, redraw, period: float = 0.0) -> tuple[list[float], list[float]]:
    """Steps of the slider with a session attached, and the session's own redraw of each frame alone."""
    step_times(viewer, frames[:10], period=period)
    steps = step_times(viewer, frames, period=period)
    redraws = []
    for frame in frames:
        start = time.perf_counter()
        redraw(int(frame))
        redraws.append(time.perf_counter() - start)
    return steps, redraws


def main() -> int:
    import napari

    from napari_chronoviz import attach, read_pose, read_timeseries

    pose_path = SHARED / "sleap_flies" / "clip.slp"
    if not pose_path.exists():
        print(f"needs {pose_path} (../shared/data)")
        return 1
    pose = read_pose(pose_path)
    n_frames, fps = pose.n_frames, 25.0
    viewer = napari.Viewer()
    # the video's pixels are not what is measured: a lazy black 1024x1024 video with the sample's timing
    frames = da.zeros((n_frames, 1024, 1024), dtype=np.uint8, chunks=(1, 1024, 1024))
    video_layer = viewer.add_image(frames, name="video", metadata={"frame_times": np.arange(n_frames) / fps})
    rng = np.random.default_rng(0)
    n_samples = int(n_frames / fps * RATE)
    signals = np.cumsum(rng.normal(size=(n_samples, N_CHANNELS)), axis=0)
    times = np.arange(n_samples) / RATE
    table = pd.DataFrame(signals, columns=[f"channel {i}" for i in range(N_CHANNELS)])
    table.insert(0, "time", times)
    signal = read_timeseries(table)
    order = rng.permutation(np.arange(100, n_frames - 100))[:STEPS]  # jumps, as when dragging the slider
    playback = np.arange(200, 200 + STEPS)  # one frame after the other, as when playing

    step_times(viewer, order[:10])
    base = step_times(viewer, order)
    base_playback = step_times(viewer, playback, period=1 / fps)

    session = attach(
        viewer,
        video_layer,
        signals=signal,
        pose=pose,
        window=(WINDOW, WINDOW),
        layout={"position": "below", "size": 480},
        style={"trail_length": 30},
    )
    with_overlays, drawn = display_times(viewer, order, session.redraw)
    with_playback, drawn_playback = display_times(viewer, playback, session.redraw, period=1 / fps)
    session.update(display="layers")
    with_layers, drawn_layers = display_times(
        viewer, order, lambda frame: session.panel.show(session.scene.panel_geometry(frame))
    )
    window_samples = session.scene.traces[0].alignment.window(order[0], WINDOW, WINDOW)
    session.detach()

    lane = 480 / N_CHANNELS
    x = np.linspace(0, 1024, 1000)

    def polylines(frame):
        phase = frame / 10
        return [
            np.column_stack([1024 + lane * (c + 0.5) + lane / 3 * np.sin(x / 30 + phase + c), x])
            for c in range(N_CHANNELS)
        ]

    shapes = viewer.add_shapes(polylines(0), shape_type="path", edge_color="white", edge_width=1.5)
    step_times(viewer, order[:10], lambda f: setattr(shapes, "data", polylines(f)))
    reference = step_times(viewer, order, lambda f: setattr(shapes, "data", polylines(f)))
    viewer.close()

    median = lambda values: 1e3 * statistics.median(values)  # noqa: E731
    overlay_cost = median(with_overlays) - median(base)
    layers_cost = median(with_layers) - median(base)
    reference_cost = median(reference) - median(base)
    print(
        f"workload: {N_CHANNELS} channels x {window_samples.stop - window_samples.start} samples in the window, "
        f"{len(pose.individuals)} x {len(pose.keypoints)} keypoints, {len(pose.edges)} edges, 30-frame trails"
    )
    print(f"base step (video layer alone):          {median(base):6.1f} ms")
    print(
        f"step with chronoviz overlays:           {median(with_overlays):6.1f} ms  "
        f"(overlay cost {overlay_cost:.1f} ms; of which geometry + draw + refresh {median(drawn):.1f} ms)"
    )
    print(
        f"playing, one frame after another:      {median(with_playback):6.1f} ms  (overlay cost "
        f"{median(with_playback) - median(base_playback):.1f} ms over the bare step's {median(base_playback):.1f} ms; "
        f"drawing a frame, the panel's tiles scrolling, {median(drawn_playback):.1f} ms: done ahead on a worker thread)"
    )
    print(
        f"step with display='layers':             {median(with_layers):6.1f} ms  "
        f"(overlay cost {layers_cost:.1f} ms; of which panel geometry + layer updates {median(drawn_layers):.1f} ms)"
    )
    print(
        f"step with Shapes.data = 16 x 1000 path: {median(reference):6.1f} ms  (reference cost {reference_cost:.1f} ms)"
    )
    print(
        f"overlay cost / Shapes reference cost:   {overlay_cost / reference_cost:6.2f}  raster, "
        f"{layers_cost / reference_cost:.2f} layers  (target: overlay cost <= 5 ms; 30 fps playback budget 33.3 ms "
        "per step)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
