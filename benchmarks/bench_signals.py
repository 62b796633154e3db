"""Neural data at full size under a video (issue #26): a recording that stays on disk, its pyramid, the panel.

Run: `make bench-signals` (or `python benchmarks/bench_signals.py --minutes 10`). Workload: a synthetic
384-channel, 30 kHz int16 recording (a Neuropixels probe), memory-mapped `.npy` built here in
benchmarks/.cache, `--minutes` long (the issue's hour is 83 GB: with less disk, 10 minutes, 13.8 GB, and the
figures that grow with the length scaled to an hour), under a 25 fps video. Printed:

- the rate this disk reads the file cold (as root the whole page cache is dropped first, `drop_caches`; else only
  the file's pages, which the filesystem may keep) and warm (from the page cache), and the pyramid's build rate
  cold and warm against them, with its rate per CPU second (what a loaded machine does not show) and peak memory;
- opening the recording with its pyramid cached (read, align, build the scene);
- the panel's cost per playing step and per jump (render/panel.py: what napari's view and the export draw), in
  wall time and in CPU time (what a loaded machine does not inflate),
  for a 384-channel heatmap lane, a 384-channel dense lane and a 4-channel lane of traces;
- a 1-minute export (640x480 bars + the panel) with the heatmap lane and with the dense lane against the
  4-channel lane, and the exports' peak memory at 30 s and 60 s (flat: it does not grow with the length).

Each figure is printed with the machine's load beside it (1-minute average).

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


def evict(path: Path) -> str:
    """Drop cached pages so that the next read of `path` comes from the disk: the whole page cache as root
    (`drop_caches`, after `sync`), else only the file's pages (`posix_fadvise`, which a file still mapped or a
    filesystem may ignore). Returns which was done, for the printout."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return "drop_caches"
    except OSError:
        with open(path, "rb") as file:
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        return "fadvise"


def read_rate(path: Path) -> float:
    """Bytes per second of a sequential read of the whole file in 16 MB reads, from wherever its pages are."""
    done, started = 0, time.perf_counter()
    with open(path, "rb", buffering=0) as file:
        while block := file.read(16 << 20):
            done += len(block)
    return done / (time.perf_counter() - started)


def load() -> str:
    """The machine's load (1-minute average) and its cores, printed beside each figure."""
    return f"[load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores]"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fake_video(seconds: float, width: int = 640, height: int = 480):
    n_frames = int(seconds * FPS)
    return SimpleNamespace(frame_times=np.arange(n_frames) / FPS, shape=(n_frames, height, width, 3))


def source(path: Path):
    from napari_chronoviz.sources import SourceSpec

    return SourceSpec("signals", str(path), rate=float(RATE), gain=GAIN)


LANES = {"heatmap": {"heatmaps": [0]}, "dense": {"dense": [0]}, "traces": {}}  # the lane's kind -> its style


def lane_options(kind: str) -> dict:
    return {"window": WINDOW, "layout": LAYOUT, "style": LANES[kind]}


# --- the phases, each in its own process ---------------------------------------------------------------


def phase_build(path: Path, cold: str) -> dict:
    from napari_chronoviz.io.disk_samples import DiskSamples
    from napari_chronoviz.io.pyramid import cache_dir, pyramid_of
    from napari_chronoviz.io.timeseries import read_timeseries

    def cached_bytes():
        return sum(file.stat().st_size for file in cache_dir().rglob("*") if file.is_file())

    evicted = evict(path) if cold == "cold" else "warm"
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
        "pages": evicted,
    }


def phase_panel(path: Path, kind: str) -> dict:
    from napari_chronoviz import build_scene
    from napari_chronoviz.render.panel import PanelPainter

    started = time.perf_counter()
    signal = source(path).read()
    scene = build_scene(fake_video(len(signal.values) / RATE), signals=signal, **lane_options(kind))
    opened = time.perf_counter() - started
    painter = PanelPainter(scene)
    start = scene.n_frames // 3
    painter.paint(start)
    steps, cpu = [], time.process_time()
    for frame in range(start + 1, start + 251):
        began = time.perf_counter()
        painter.paint(frame)
        steps.append(time.perf_counter() - began)
    step_cpu, jumps, cpu = (time.process_time() - cpu) / len(steps), [], time.process_time()
    for frame in random.Random(0).sample(range(scene.n_frames), 40):
        began = time.perf_counter()
        painter.paint(frame)
        jumps.append(time.perf_counter() - began)
    jump_cpu = (time.process_time() - cpu) / len(jumps)
    return {
        "step_cpu_ms": 1000 * step_cpu,
        "jump_cpu_ms": 1000 * jump_cpu,
        "open_s": opened,
        "step_ms": 1000 * float(np.mean(steps)),
        "step_p95_ms": 1000 * float(np.percentile(steps, 95)),
        "jump_ms": 1000 * float(np.mean(jumps)),
        "jump_p95_ms": 1000 * float(np.percentile(jumps, 95)),
        "peak_mb": peak_mb(),
    }


def phase_export(path: Path, video: Path, kind: str) -> dict:
    from napari_chronoviz import create_visualization

    started = time.perf_counter()
    create_visualization(
        video,
        signals=source(path),
        output=CACHE / "signals_export.mp4",
        overwrite=True,
        progress=False,
        **lane_options(kind),
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
        paths, words = [Path(a) for a in args.arguments if "/" in a], [a for a in args.arguments if "/" not in a]
        print(json.dumps(phases[args.phase](*paths, *words)))
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
        evicted = evict(full)
        cold_read = read_rate(full)
        warm_read = read_rate(full)  # what the page cache kept of the file (all of it when the memory holds it)
        print(f"disk read, this file, cold ({evicted}):   {cold_read / 1e6:7.0f} MB/s  {load()}")
        print(f"disk read, this file, warm (page cache): {warm_read / 1e6:7.0f} MB/s  {load()}")
        shutil.rmtree(CACHE / "pyramids", ignore_errors=True)
        in_child("build", four, "warm")  # the 4-channel file's pyramid, for its panel and export
        for cold in ("cold", "warm"):
            for cached in list((CACHE / "pyramids").rglob(f"{full.name}*")):  # its pyramid, to build it again
                shutil.rmtree(cached)
            if cold == "warm":
                read_rate(full)  # the file's pages in the cache (the build drops those it has read)
            build = in_child("build", full, cold)
            reference = cold_read if cold == "cold" else warm_read
            print(
                f"pyramid build, {cold} ({build['pages']}):       {build['bytes_per_second'] / 1e6:7.0f} MB/s  "
                f"({build['bytes_per_second'] / reference:.2f}x the {cold} read; target >= 1 cold), "
                f"{build['seconds']:.0f} s (x{scale:g}: {build['seconds'] * scale / 60:.1f} min), "
                f"{build['cpu_bytes_per_second'] / 1e6:.0f} MB/s per CPU second, peak {build['peak_mb']:.0f} MB "
                f"(target <= 1024)  {load()}"
            )
        print(
            f"pyramid cache {build['size'] / 1e9:.2f} GB ({build['size'] / size:.0%} of the recording); on "
            f"{os.cpu_count()} free cores the build could reach "
            f"{os.cpu_count() * build['cpu_bytes_per_second'] / 1e6:.0f} MB/s (its rate per CPU second x the cores)"
        )
        for path, kind, name in (
            (full, "heatmap", "384-channel heatmap"),
            (full, "dense", "384-channel dense"),
            (four, "traces", "4-channel traces"),
        ):
            panel = in_child("panel", path, kind)
            print(
                f"{name:>19} lane: open {panel['open_s']:.2f} s (target <= 2), per playing step "
                f"{panel['step_ms']:.1f} ms (p95 {panel['step_p95_ms']:.1f}, CPU {panel['step_cpu_ms']:.1f}; "
                "target <= 5), "
                f"per jump {panel['jump_ms']:.1f} ms (p95 {panel['jump_p95_ms']:.1f}, CPU {panel['jump_cpu_ms']:.1f}; "
                f"target <= 30), peak {panel['peak_mb']:.0f} MB  {load()}"
            )
        video = make_video(60)
        traces = in_child("export", four, video, "traces")
        exports = {}
        for kind in ("heatmap", "dense"):
            export = exports[kind] = in_child("export", full, video, kind)
            print(
                f"1-minute export (1500 frames 640x480 + panel): {kind} lane {export['seconds']:.1f} s, 4-channel "
                f"lane {traces['seconds']:.1f} s, ratio {export['seconds'] / traces['seconds']:.2f}  (target <= 1.3)"
                f"  {load()}"
            )
        half = in_child("export", full, make_video(30), "heatmap")
        print(
            f"export peak memory, heatmap lane: 30 s {half['peak_mb']:.0f} MB, "
            f"60 s {exports['heatmap']['peak_mb']:.0f} MB; dense lane 60 s {exports['dense']['peak_mb']:.0f} MB; "
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
