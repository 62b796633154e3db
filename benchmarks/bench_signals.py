"""Neural data at full size under a video (issue #26): a recording that stays on disk, its pyramid, the panel.

Run: `make bench-signals` (or `python benchmarks/bench_signals.py --minutes 10`). Workload: a synthetic
384-channel, 30 kHz int16 recording (a Neuropixels probe), memory-mapped `.npy` built here in
benchmarks/.cache, `--minutes` long (the issue's hour is 83 GB: with less disk, 10 minutes, 13.8 GB, and the
figures that grow with the length scaled to an hour), under a 25 fps video. Printed:

- the pyramid's build rate against the rate this disk reads the same file cold, its rate per CPU second (what a
  loaded machine does not show), and the build's peak memory;
- opening the recording with its pyramid cached (read, align, build the scene);
- the panel's cost per playing step and per jump (render/panel.py: what napari's view and the export draw),
  for a 384-channel heatmap lane and for a 4-channel lane of traces;
- a 1-minute export (640x480 bars + the panel) with the heatmap lane against the 4-channel lane, and the
  exports' peak memory at 30 s and 60 s (flat: it does not grow with the length).

Each measurement runs in a child process (its own peak memory). The recording is deleted at the end unless
`--keep`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

CACHE = Path(__file__).parent / ".cache"
RATE = 30_000
CHANNELS = 384
FPS = 25.0
GAIN = 0.195  # microvolts per bit, as a Neuropixels 1.0 AP band at gain 500
ENCODER = {"codec": "libx264", "preset": "veryfast", "crf": 18}
WINDOW = (2.0, 2.0)
LAYOUT = {"position": "below", "size": 240}


def recording_path(minutes: int, channels: int) -> Path:
    return CACHE / f"probe_{minutes}min_{channels}ch.npy"


def make_recording(minutes: int) -> tuple[Path, Path]:
    """The 384-channel recording and its first 4 channels as their own file, written a second at a time."""
    full, four = recording_path(minutes, CHANNELS), recording_path(minutes, 4)
    if full.exists() and four.exists():
        return full, four
    rng = np.random.default_rng(0)
    noise = rng.integers(-60, 61, (RATE, CHANNELS)).astype(np.int16)
    depth_wave = (300 * np.sin(np.arange(CHANNELS) / 20)).astype(np.int16)
    with open(full, "wb") as big, open(four, "wb") as small:
        for file, channels in ((big, CHANNELS), (small, 4)):
            header = {"descr": "<i2", "fortran_order": False, "shape": (minutes * 60 * RATE, channels)}
            np.lib.format.write_array_header_2_0(file, header)
        for second in range(minutes * 60):
            block = np.roll(noise, second * 7919, axis=0)
            block += np.int16(80 * np.sin(second / 5)) + depth_wave * np.int16(second % 3 == 0)
            spikes = rng.integers(0, RATE, 40)
            block[spikes] -= 900
            big.write(block.tobytes())
            small.write(block[:, :4].tobytes())
        for file in (big, small):
            file.flush()
            os.fsync(file.fileno())  # written back, so that evicting the file's pages really does
    return full, four


def evict(path: Path) -> None:
    """Drop the file's pages from the page cache (only this file's), so the next read comes from the disk."""
    with open(path, "rb") as file:
        os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def disk_read_rate(path: Path, limit: int = 4 << 30) -> float:
    """Bytes per second of a cold sequential read of the file's first `limit` bytes in 16 MB reads."""
    evict(path)
    done, started = 0, time.perf_counter()
    with open(path, "rb", buffering=0) as file:
        while done < limit and (block := file.read(16 << 20)):
            done += len(block)
    rate = done / (time.perf_counter() - started)
    evict(path)
    return rate


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fake_video(seconds: float, width: int = 640, height: int = 480):
    n_frames = int(seconds * FPS)
    return SimpleNamespace(frame_times=np.arange(n_frames) / FPS, shape=(n_frames, height, width, 3))


def source(path: Path):
    from napari_chronoviz.sources import SourceSpec

    return SourceSpec("signals", str(path), rate=float(RATE), gain=GAIN)


def lane_options(path: Path) -> dict:
    heatmap = "384ch" in path.name
    return {"window": WINDOW, "layout": LAYOUT, "style": {"heatmaps": [0]} if heatmap else {}}


# --- the phases, each in its own process ---------------------------------------------------------------


def phase_build(path: Path) -> dict:
    from napari_chronoviz.io.disk_samples import DiskSamples
    from napari_chronoviz.io.pyramid import cache_dir, pyramid_of
    from napari_chronoviz.io.timeseries import read_timeseries

    def cached_bytes():
        return sum(file.stat().st_size for file in cache_dir().rglob("*") if file.is_file())

    evict(path)
    samples = read_timeseries(path).values
    if not isinstance(samples, DiskSamples):  # small enough to be read into memory: no pyramid
        return {}
    before = cached_bytes() if cache_dir().exists() else 0
    started, cpu_started = time.perf_counter(), os.times()
    pyramid_of(samples, progress=False)
    seconds, cpu = time.perf_counter() - started, os.times()
    cpu_seconds = (cpu.user + cpu.system) - (cpu_started.user + cpu_started.system)  # every thread's
    size = cached_bytes() - before
    return {
        "seconds": seconds,
        "bytes_per_second": samples.nbytes / seconds,
        "cpu_bytes_per_second": samples.nbytes / cpu_seconds,
        "peak_mb": peak_mb(),
        "size": size,
    }


def phase_panel(path: Path) -> dict:
    from napari_chronoviz import build_scene
    from napari_chronoviz.render.panel import PanelPainter

    started = time.perf_counter()
    signal = source(path).read()
    scene = build_scene(fake_video(len(signal.values) / RATE), signals=signal, **lane_options(path))
    opened = time.perf_counter() - started
    painter = PanelPainter(scene)
    start = scene.n_frames // 3
    painter.paint(start)
    steps = []
    for frame in range(start + 1, start + 251):
        began = time.perf_counter()
        painter.paint(frame)
        steps.append(time.perf_counter() - began)
    jumps = []
    for frame in random.Random(0).sample(range(scene.n_frames), 40):
        began = time.perf_counter()
        painter.paint(frame)
        jumps.append(time.perf_counter() - began)
    return {
        "open_s": opened,
        "step_ms": 1000 * float(np.mean(steps)),
        "step_p95_ms": 1000 * float(np.percentile(steps, 95)),
        "jump_ms": 1000 * float(np.mean(jumps)),
        "jump_p95_ms": 1000 * float(np.percentile(jumps, 95)),
        "peak_mb": peak_mb(),
    }


def phase_export(path: Path, video: Path) -> dict:
    from napari_chronoviz import create_visualization

    started = time.perf_counter()
    create_visualization(
        video,
        signals=source(path),
        output=CACHE / "signals_export.mp4",
        overwrite=True,
        progress=False,
        **lane_options(path),
        **ENCODER,
    )
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


def make_video(seconds: int) -> Path:
    """A 640x480, 25 fps SMPTE bars pattern `seconds` long (cached)."""
    path = CACHE / f"bars25_{seconds}s.mp4"
    if not path.exists():
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=25", "-t", str(seconds)]
            + ["-c:v", "libx264", "-preset", "veryfast", "-g", "250", "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )
    return path


def in_child(phase: str, *arguments) -> dict:
    environment = {**os.environ, "CHRONOVIZ_CACHE_DIR": str(CACHE / "pyramids")}
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *map(str, arguments)],
        capture_output=True,
        text=True,
        env=environment,
    )
    if result.returncode:
        raise RuntimeError(f"the {phase} phase failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=int, default=None, help="recording length (default: 60 if the disk has room, else 10)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the recording and its pyramid in benchmarks/.cache")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("arguments", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phases = {"build": phase_build, "panel": phase_panel, "export": phase_export}
        print(json.dumps(phases[args.phase](*map(Path, args.arguments))))
        return 0
    CACHE.mkdir(exist_ok=True)
    hour = 60 * 60 * RATE * CHANNELS * 2
    minutes = args.minutes or (60 if shutil.disk_usage(CACHE).free > 1.4 * hour else 10)
    scale = 60 / minutes
    try:
        started = time.perf_counter()
        full, four = make_recording(minutes)
        size = full.stat().st_size
        print(
            f"recording: {minutes} min x {CHANNELS} channels x {RATE} Hz int16 = {size / 1e9:.1f} GB memmapped .npy "
            f"(written in {time.perf_counter() - started:.0f} s); figures marked 'x{scale:g}' are scaled to an hour"
        )
        read_rate = disk_read_rate(full)
        shutil.rmtree(CACHE / "pyramids", ignore_errors=True)
        in_child("build", four)  # the 4-channel file's pyramid, for its panel and export
        build = in_child("build", full)
        print(f"disk read rate (cold, this file):      {read_rate / 1e6:7.0f} MB/s")
        print(
            f"pyramid build:                          {build['bytes_per_second'] / 1e6:7.0f} MB/s  "
            f"({build['bytes_per_second'] / read_rate:.2f}x the disk; target >= 1), {build['seconds']:.0f} s "
            f"(x{scale:g}: {build['seconds'] * scale / 60:.1f} min), cache {build['size'] / 1e9:.2f} GB "
            f"({build['size'] / size:.0%} of the recording)"
        )
        print(
            f"pyramid build per CPU second:           {build['cpu_bytes_per_second'] / 1e6:7.0f} MB/s  (its rate on "
            f"{os.cpu_count()} free cores: up to {os.cpu_count() * build['cpu_bytes_per_second'] / 1e6:.0f} MB/s; "
            "under load the wall rate is what the machine leaves)"
        )
        print(f"pyramid build peak memory:              {build['peak_mb']:7.0f} MB  (target <= 1024, flat)")
        for path, name in ((full, "384-channel heatmap"), (four, "4-channel traces")):
            panel = in_child("panel", path)
            print(
                f"{name:>19} lane: open {panel['open_s']:.2f} s (target <= 2), per playing step "
                f"{panel['step_ms']:.1f} ms (p95 {panel['step_p95_ms']:.1f}; target <= 5), per jump "
                f"{panel['jump_ms']:.1f} ms (p95 {panel['jump_p95_ms']:.1f}; target <= 30), "
                f"peak {panel['peak_mb']:.0f} MB"
            )
        video = make_video(60)
        heatmap, traces = (in_child("export", path, video) for path in (full, four))
        half = in_child("export", full, make_video(30))
        print(
            f"1-minute export (1500 frames 640x480 + panel): heatmap lane {heatmap['seconds']:.1f} s, 4-channel lane "
            f"{traces['seconds']:.1f} s, ratio {heatmap['seconds'] / traces['seconds']:.2f}  (target <= 1.3)"
        )
        print(
            f"export peak memory, heatmap lane: 30 s {half['peak_mb']:.0f} MB, 60 s {heatmap['peak_mb']:.0f} MB; "
            f"4-channel lane 60 s {traces['peak_mb']:.0f} MB  (flat)"
        )
    finally:
        if not args.keep:
            for path in (recording_path(minutes, CHANNELS), recording_path(minutes, 4)):
                path.unlink(missing_ok=True)
            shutil.rmtree(CACHE / "pyramids", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
