"""Thousands of sorted units as a raster lane (issue #26): a synthetic phy / Kilosort folder read and drawn.

Run: `make bench-spikes` (or `python benchmarks/bench_spikes.py` with `--units`, `--minutes`, `--rate`). Workload:
a Kilosort-style folder
(`spike_times.npy` in samples at 30 kHz, `spike_clusters.npy`, `params.py`, `cluster_info.tsv` with depth, group and
firing rate) of `--units` units firing at log-normal rates around `--rate` Hz for `--minutes`, built in
benchmarks/.cache, under a 25 fps video; the reference is a 20-unit folder of the same length and rates, measured in
the same process (the machine's load affects both), and so is a page of the large folder (`rows=(0, 100)` of its
units by rate). Printed, for each: reading the folder (`read_phy`, by id, by depth and good units by rate), the
panel's cost per playing step and per jump (render/panel.py: what napari's view and the export draw), the ticks drawn
per frame, and the pixel rows each unit gets; PNGs of the large folder's panel, whole and paged, are written to
benchmarks/.cache/spikes_panel*.png to look at.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

CACHE = Path(__file__).parent / ".cache"
RATE = 30_000.0
FPS = 25.0
WINDOW = (2.0, 2.0)
LAYOUT = {"position": "below", "size": 240}
REFERENCE_UNITS = 20
PAGE = (0, 100)


def make_folder(units: int, minutes: float, mean_rate: float) -> Path:
    """A Kilosort-style folder of `units` units (cached): Poisson spike trains at log-normal rates."""
    folder = CACHE / f"phy_{units}units_{minutes:g}min_{mean_rate:g}hz"
    if (folder / "params.py").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rates = rng.lognormal(np.log(mean_rate) - 0.5, 1.0, units)
    n_samples = int(minutes * 60 * RATE)
    counts = rng.poisson(rates * minutes * 60)
    clusters = np.repeat(np.arange(units, dtype=np.int32), counts)
    samples = rng.integers(0, n_samples, len(clusters), dtype=np.uint64)
    order = np.argsort(samples, kind="stable")
    np.save(folder / "spike_times.npy", samples[order][:, None])
    np.save(folder / "spike_clusters.npy", clusters[order])
    (folder / "params.py").write_text(f"dat_path = 'recording.dat'\nsample_rate = {RATE}\nn_channels_dat = 385\n")
    (folder / "recording.dat").write_bytes(b"")  # sample 0 at 0 s: the benchmark measures drawing, not clocks
    pd.DataFrame(
        {
            "cluster_id": np.arange(units),
            "depth": rng.uniform(0, 3840, units),
            "fr": counts / (minutes * 60),
            "group": rng.choice(["good", "mua", "noise"], units, p=[0.4, 0.4, 0.2]),
        }
    ).to_csv(folder / "cluster_info.tsv", sep="\t", index=False)
    return folder


def timed(function, *arguments, **options) -> tuple[float, object]:
    began = time.perf_counter()
    result = function(*arguments, **options)
    return time.perf_counter() - began, result


def measure(folder: Path, seconds: float, rows=None) -> dict:
    from napari_chronoviz import build_scene
    from napari_chronoviz.io.spikes import read_phy
    from napari_chronoviz.overlays.primitives import Segments
    from napari_chronoviz.render.panel import PanelPainter

    read_id, spikes = timed(read_phy, folder)
    read_depth, _ = timed(read_phy, folder, order="depth")
    read_good, _ = timed(read_phy, folder, good_only=True, order="rate")
    if rows is not None:
        spikes = read_phy(folder, order="rate", rows=rows)
    n_frames = int(seconds * FPS)
    video = SimpleNamespace(frame_times=np.arange(n_frames) / FPS, shape=(n_frames, 480, 640, 3))
    scene = build_scene(video, spikes=spikes, window=WINDOW, layout=LAYOUT)
    painter = PanelPainter(scene)
    start = n_frames // 3
    painter.paint(start)
    steps = [timed(painter.paint, frame)[0] for frame in range(start + 1, start + 251)]
    jumps = [timed(painter.paint, frame)[0] for frame in random.Random(0).sample(range(n_frames), 40)]
    lane = scene.plot.placement(scene.layout.panel_box).lanes[-1]
    ticks = sum(len(item) for item in scene.panel_geometry(start).of_type(Segments))
    return {
        "units": spikes.n_units,
        "spikes": len(spikes.times),
        "read_s": (read_id, read_depth, read_good),
        "step_ms": 1000 * float(np.mean(steps)),
        "step_p95_ms": 1000 * float(np.percentile(steps, 95)),
        "jump_ms": 1000 * float(np.mean(jumps)),
        "ticks": ticks,
        "rows_per_unit": (lane[3] - lane[1]) / spikes.n_units,
        "painter": painter,
        "frame": start,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=5.0, help="the units' typical firing rate (Hz)")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    seconds = args.minutes * 60
    folder = make_folder(args.units, args.minutes, args.rate)
    results = {
        REFERENCE_UNITS: measure(make_folder(REFERENCE_UNITS, args.minutes, args.rate), seconds),
        args.units: measure(folder, seconds),
        "page": measure(folder, seconds, rows=PAGE),
    }
    for units, result in results.items():
        read_id, read_depth, read_good = result["read_s"]
        name = f"units {PAGE[0]}:{PAGE[1]} of {args.units} by rate" if units == "page" else f"{units:>5} units"
        print(
            f"{name}, {result['spikes']:>9,} spikes drawn from: read {read_id:.2f} s by id, {read_depth:.2f} s by "
            f"depth, {read_good:.2f} s good by rate; panel per playing step {result['step_ms']:.1f} ms (p95 "
            f"{result['step_p95_ms']:.1f}), per jump {result['jump_ms']:.1f} ms; {result['ticks']:,} ticks drawn; "
            f"{result['rows_per_unit']:.2f} px rows per unit"
        )
    small = results[REFERENCE_UNITS]
    for units, result in list(results.items())[1:]:
        print(
            f"{units} / {REFERENCE_UNITS} units: read {result['read_s'][0] / small['read_s'][0]:.1f}x, per step "
            f"{result['step_ms'] / small['step_ms']:.1f}x, per jump {result['jump_ms'] / small['jump_ms']:.1f}x, "
            f"spikes {result['spikes'] / small['spikes']:.0f}x"
        )
    import imageio.v3 as iio

    for units, suffix in ((args.units, ""), ("page", "_page")):
        picture = CACHE / f"spikes_panel{suffix}.png"
        iio.imwrite(picture, results[units]["painter"].paint(results[units]["frame"])[..., :3])
        print(f"the panel: {picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
