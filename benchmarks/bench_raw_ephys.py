"""A raw Neuropixels recording opened the way users open it in napari (issue #26): its memory and its time.

Run under a display (`xvfb-run -a python benchmarks/bench_raw_ephys.py --gigabytes 4`). Workload: the real
SpikeGLX header of a Neuropixels 2.0 four-shank probe saving 120 channels + the sync word (tests/data/probeinterface),
its `.bin` written here at the layout the header declares (int16, 121 columns) to `--gigabytes` (4 GB: 9 minutes at
30 kHz), and a 25 fps video. In a fresh napari window:

1. File > Open of the `.meta`, with no video open (what napari's reader does: no sample is copied);
2. the video, the Overlays dock as the Plugins menu opens it, and the recording added there with channels 0-63 (the
   recording's pyramid is built with a progress bar: a pass over the whole file);
3. 200 steps of the time slider, the panel drawn on each.

The reference is the same in a process of its own with a 4-channel CSV at 100 Hz in place of the recording (the
window's own growth: the video's decoded frames, napari's layers). Printed for each step: its time, the process's
resident memory above the window's own before step 1 (its own memory, and file pages mapped, which the system takes
back when it needs), and the peak, also as a fraction of the file (a float64 table of it would be 4x the file). The
recording and its pyramid stay in benchmarks/.cache (`--clean` removes them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(__file__).parent / ".cache" / "raw_ephys"
HEADER = Path(__file__).parents[1] / "tests" / "data" / "probeinterface" / "spikeglx"
META = "NP2_2013_subset_channels.imec0.ap.meta"
COLUMNS, RATE = 121, 30_000  # nSavedChans (120 AP + the sync word) and imSampRate of that header
FIRST_SAMPLE = 920_506  # the header's firstSample: the probe's clock starts there
FPS, STEPS = 25.0, 200


def memory() -> dict[str, float]:
    """This process's resident memory (its own, "anonymous", and file pages mapped: page cache the system takes back
    when it needs) and its peak resident memory, in MB (Linux' /proc)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "RssAnon", "RssFile", "VmHWM")}


def reset_peak() -> None:
    """Start the peak (VmHWM) again from the current resident memory."""
    Path("/proc/self/clear_refs").write_text("5")


def make_recording(gigabytes: float) -> Path:
    """The header and its `.bin` of about `gigabytes`, written a second at a time (noise and a slow wave)."""
    folder = CACHE / f"{gigabytes:g}GB"
    meta, binary = folder / META, folder / META.replace(".meta", ".bin")
    n_samples = int(gigabytes * 1e9 / (2 * COLUMNS)) // RATE * RATE
    if binary.exists() and binary.stat().st_size == n_samples * 2 * COLUMNS:
        return meta
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(HEADER / META, meta)
    rng = np.random.default_rng(0)
    second = rng.integers(-60, 61, (RATE, COLUMNS)).astype(np.int16)
    second += (200 * np.sin(np.arange(RATE) / RATE * 2 * np.pi * 8)[:, None]).astype(np.int16)
    with open(binary, "wb") as file:
        for _ in range(n_samples // RATE):
            second.tofile(file)
    return meta


def reference_table(meta: Path) -> Path:
    """The reference: 4 channels at 100 Hz over the recording's length, a CSV (what users showed before)."""
    n_samples = meta.with_suffix(".bin").stat().st_size // (2 * COLUMNS)
    table = CACHE / f"reference_{n_samples}.csv"
    if not table.exists():
        times = np.arange(int(n_samples / RATE * 100)) / 100
        columns = {f"channel {i}": np.sin(times * (i + 1)) for i in range(4)}
        pd.DataFrame({"time": times, **columns}).to_csv(table, index=False)
    return table


def run(meta: Path, reference: bool) -> None:
    """The three steps in this process, on the raw recording or (`reference`) on the small table."""
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_chronoviz.testing import make_stamped_video

    size = meta.with_suffix(".bin").stat().st_size
    n_samples = size // (2 * COLUMNS)
    video = make_stamped_video(CACHE / "clip.mp4", int(n_samples / RATE * FPS), size=(320, 240), fps=FPS)
    viewer = napari.Viewer(show=True)
    QApplication.processEvents()
    base = memory()
    opened = reference_table(meta) if reference else meta
    print(
        "reference: 4 channels at 100 Hz, a CSV"
        if reference
        else f"raw: {size / 1e9:.2f} GB ({n_samples / RATE / 60:.1f} min of {COLUMNS} columns at {RATE} Hz); "
        f"as a float64 table {n_samples * (COLUMNS - 1) * 8 / 1e9:.1f} GB; the window alone {base['VmRSS']:.0f} MB"
    )

    def report(step: str, started: float) -> None:
        now = memory()
        grown = {name: now[name] - base[name if name != "VmHWM" else "VmRSS"] for name in now}
        print(
            f"{step:<46} {time.perf_counter() - started:6.2f} s  resident +{grown['VmRSS']:5.0f} MB (own "
            f"+{grown['RssAnon']:5.0f}, file pages +{grown['RssFile']:5.0f})  peak +{grown['VmHWM']:5.0f} MB = "
            f"{grown['VmHWM'] * 1e6 / size:.3f} x the file"
        )

    reset_peak()
    started = time.perf_counter()
    viewer.open(opened, plugin="napari-chronoviz" if reference else None)  # None: as File > Open (chronoviz alone)
    QApplication.processEvents()
    report(f"1. File > Open of the {opened.suffix}", started)

    viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    reset_peak()
    started = time.perf_counter()
    dock.kind.value, dock.file.value = "signals", opened
    if not reference:
        dock.channels.value, dock.offset.value = "0-63", -FIRST_SAMPLE / RATE
    if not dock.add.clicked() and not dock.listed:
        raise SystemExit("the recording was not added: see the notification above")
    QApplication.processEvents()
    report("2. added in the dock" + ("" if reference else ", channels 0-63 (pyramid)"), started)

    reset_peak()
    started = time.perf_counter()
    frames = np.linspace(0, len(viewer.layers[video.stem].data) - 1, STEPS).astype(int)
    for frame in frames:
        viewer.dims.set_current_step(0, int(frame))
        QApplication.processEvents()
    report(f"3. {STEPS} slider steps across the recording", started)
    viewer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gigabytes", type=float, default=4.0, help="size of the .bin to write (default 4)")
    parser.add_argument("--clean", action="store_true", help="remove the recordings and pyramids written here")
    parser.add_argument("--run", choices=("raw", "reference"), help=argparse.SUPPRESS)  # one child's part
    args = parser.parse_args()
    if args.clean:
        shutil.rmtree(CACHE, ignore_errors=True)
        return
    os.environ.setdefault("CHRONOVIZ_CACHE_DIR", str(CACHE / "chronoviz"))  # the pyramid beside the recording
    meta = make_recording(args.gigabytes)
    if args.run:
        run(meta, reference=args.run == "reference")
        return
    for part in ("reference", "raw"):  # each in a process of its own: its own memory
        print(f"load {os.getloadavg()[0]:.1f}")
        command = [sys.executable, __file__, "--gigabytes", str(args.gigabytes), "--run", part]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
