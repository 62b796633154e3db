"""One picture per alignment mode, from real `align` results, drawn with chronoviz's own rasterizer.

Each picture: the video's frames on top, the source's samples below (both placed by time), and a line
from every frame to the (fractional) sample it reads; frames without data are marked in red.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from napari_chronoviz import align
from napari_chronoviz.overlays.primitives import Geometry, Points, Segments, Texts, rgba
from napari_chronoviz.render.raster import draw

WIDTH, HEIGHT, MARGIN = 780, 150, 95
FPS = 10.0
N_FRAMES = 12
INK, FRAME_COLOR, SAMPLE_COLOR, MISSING = (0.15, 0.15, 0.15), (0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.84, 0.15, 0.16)


class _Source:
    def __init__(self, times):
        self.times, self.values = times, np.zeros(len(times))


CASES = {
    "frame": ("mode='frame': sample k at frame k", dict(source=12)),
    "ratio_4": ("ratio 4: four samples per frame", dict(source=48)),
    "ratio_half": ("ratio 1/2: one sample every two frames", dict(source=6)),
    "stretch": ("mode='stretch': 9 samples spread over 12 frames", dict(source=9, mode="stretch")),
    "pad": ("mode='pad': same rate, nothing after the 9th sample", dict(source=9, mode="pad")),
    "timestamps": (
        "timestamps + offset 0.25 s: irregular samples placed by their own times",
        dict(source=_Source(np.cumsum(np.r_[0, np.random.default_rng(3).uniform(0.05, 0.2, 11)])), offset=0.25),
    ),
}


def x_of(seconds) -> np.ndarray:
    return MARGIN + np.asarray(seconds) / ((N_FRAMES - 1) / FPS) * (WIDTH - 2 * MARGIN)


def figure(title: str, source, **options) -> np.ndarray:
    frame_times = np.arange(N_FRAMES) / FPS
    alignment = align(frame_times, source, **options)
    frame_y, sample_y = 50.0, 115.0
    frames_x = x_of(frame_times)
    samples_x = x_of(alignment.sample_times)
    valid = np.isfinite(alignment.positions)
    read_x = np.interp(alignment.positions[valid], np.arange(alignment.n_samples), samples_x)
    geometry = Geometry()
    geometry.add(
        Segments(
            np.column_stack([frames_x[valid], np.full(valid.sum(), frame_y)]),
            np.column_stack([read_x, np.full(valid.sum(), sample_y)]),
            rgba([INK] * valid.sum(), 0.5),
        )
    )
    geometry.add(
        Points(
            np.column_stack([frames_x, np.full(N_FRAMES, frame_y)]),
            rgba([FRAME_COLOR if ok else MISSING for ok in valid]),
            10,
        )
    )
    inside = (samples_x > MARGIN - 30) & (samples_x < WIDTH - MARGIN + 30)
    geometry.add(
        Points(
            np.column_stack([samples_x[inside], np.full(inside.sum(), sample_y)]),
            rgba([SAMPLE_COLOR] * inside.sum()),
            7,
        )
    )
    geometry.add(
        Texts(
            np.array([[10, 22], [10, frame_y + 5], [10, sample_y + 5]]),
            [title, "frames", "samples"],
            rgba([INK] * 3),
            13,
        )
    )
    canvas = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    return draw(canvas, geometry)


def make_alignment_figures(folder: Path) -> list[Path]:
    """Write `alignment_<case>.png` for every case into `folder`; returns the paths."""
    paths = []
    for name, (title, options) in CASES.items():
        path = folder / f"alignment_{name}.png"
        cv2.imwrite(str(path), figure(title, **options)[..., ::-1])
        paths.append(path)
    return paths
