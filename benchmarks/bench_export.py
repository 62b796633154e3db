"""Export speed and memory against a plain ffmpeg transcode of the same number of pixels.

Run: `make bench-export`. Workload (issue #5): a 640x480, 30 fps H.264 video (real open-field footage,
GOP 250 with B-frames, from benchmarks/.cache), a 4-channel plot panel below (so the composite is
640x640), one animal with 13 keypoints, its skeleton and 30-frame trails; libx264 -preset veryfast
-crf 18. The reference, in the same run: `ffmpeg -i in.mp4 -vf pad=640:640 -c:v libx264 -preset
veryfast -crf 18`. A second workload, a 640x480 SMPTE bars pattern (issue #13), encodes so fast that the
drawing's share of the time shows. Peak memory is measured in a child process for a short and a 4x longer
video (`--no-memory` skips it; `--frames N` exports N frames instead of 3000).

Each export also prints where its time went: the seconds each stage worked (decode, draw, convert, encode,
mux; three threads run them at once) and how long the encoder waited for frames, and the time ffmpeg takes
to transcode chronoviz's own output with the same encoder: what encoding that content costs by itself
(a panel of moving traces costs the encoder more than the reference's black band).
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CACHE = Path(__file__).parent / ".cache"
ENCODER = {"codec": "libx264", "preset": "veryfast", "crf": 18}


def make_input(n_frames: int) -> Path:
    """The seek benchmark's 640x480 footage, looped to `n_frames` (cached)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_video import make_seek_video

    base = make_seek_video(CACHE / "seek_3000.mp4", 3000)
    if n_frames <= 3000:
        return base
    looped = CACHE / f"export_{n_frames}.mp4"
    if not looped.exists():
        loops = -(-n_frames // 3000)
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-stream_loop",
                str(loops - 1),
                "-i",
                str(base),
                "-frames:v",
                str(n_frames),
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-g",
                "250",
                "-bf",
                "3",
                str(looped),
            ],
            check=True,
        )
    return looped


def make_pattern(n_frames: int) -> Path:
    """A 640x480, 30 fps SMPTE bars pattern with a moving counter, `n_frames` long (cached): cheap to encode."""
    path = CACHE / f"bars_{n_frames}.mp4"
    if not path.exists():
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=640x480:rate=30",
                "-frames:v",
                str(n_frames),
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-g",
                "250",
                "-pix_fmt",
                "yuv420p",
                str(path),
            ],
            check=True,
        )
    return path


def workload(n_frames: int, fps: float = 30.0) -> dict:
    """One animal (13 keypoints on a chain, walking in circles) and 4 channels at 120 Hz."""
    from napari_chronoviz import Pose

    t = np.arange(n_frames) / fps
    center = np.column_stack([320 + 150 * np.cos(t / 3), 240 + 120 * np.sin(t / 3)])
    offsets = np.stack([np.column_stack([np.cos(t / 3 + k / 4), np.sin(t / 3 + k / 4)]) * 6 * k for k in range(13)], 1)
    xy = (center[:, None] + offsets)[:, None]
    names = tuple(f"k{k}" for k in range(13))
    pose = Pose(xy, np.ones(xy.shape[:3]), names, ("mouse",), tuple(zip(names[:-1], names[1:])))
    samples = np.arange(int(n_frames / fps * 120)) / 120
    import pandas as pd

    table = pd.DataFrame({"time": samples, **{f"channel {c}": np.sin(samples * (c + 1)) for c in range(4)}})
    return {"pose": pose, "signals": table}


class StageLog(logging.Handler):
    """Keeps the per-stage times (wall-clock and CPU) the exporter logs at the end of each export."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.seconds = getattr(record, "stage_seconds", self.seconds)
        self.cpu_seconds = getattr(record, "stage_cpu_seconds", self.cpu_seconds)


STAGES = StageLog()
logging.getLogger("napari_chronoviz.render.export").addHandler(STAGES)
logging.getLogger("napari_chronoviz.render.export").setLevel(logging.DEBUG)


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds of this process (`resource.RUSAGE_SELF`, every thread) or of its finished
    children (`resource.RUSAGE_CHILDREN`): what a run costs whatever else shares the cores."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def export(source: Path, output: Path, n_frames: int, end: int | None = None) -> float:
    """Seconds to export the `n_frames`-frame `source` with the workload drawn on it (frames 0..end-1)."""
    from napari_chronoviz import create_visualization

    STAGES.seconds, STAGES.cpu_seconds = {}, {}
    start = time.perf_counter()
    create_visualization(
        source,
        output=output,
        window=(2.0, 2.0),
        layout={"position": "below", "size": 160},
        style={"trail_length": 30},
        overwrite=True,
        progress=False,
        end=end,
        **workload(n_frames),
        **ENCODER,
    )
    return time.perf_counter() - start


def ffmpeg_reference(source: Path, output: Path, pad: bool = True, frames: int | None = None) -> float:
    """Seconds ffmpeg takes to transcode `source` (its first `frames`) with the export's encoder settings, padded
    to 640x640."""
    start = time.perf_counter()
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            *(["-vf", "pad=640:640"] if pad else []),
            *(["-frames:v", str(frames)] if frames else []),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            str(output),
        ],
        check=True,
    )
    return time.perf_counter() - start


def peak_memory_mb(source: Path, n_frames: int) -> float:
    """Peak resident memory of a child process that runs one export."""
    code = (
        "import resource, sys; sys.path.insert(0, sys.argv[1]); import bench_export as b; from pathlib import Path;"
        "b.export(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), str(source), str(CACHE / "memory.mp4"), str(n_frames)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def compare(source: Path, n_frames: int, source_frames: int) -> dict:
    """Two rounds of: the reference, chronoviz's export, ffmpeg transcoding that export's output, each over the
    first `n_frames` of the `source_frames`-frame `source`; the best of each (wall-clock and CPU seconds), and
    the stage times of chronoviz's best export."""
    best = {"reference": float("inf"), "chronoviz": float("inf"), "own output": float("inf")}
    cpu = dict(best)

    def timed(name, run, who):
        before = cpu_seconds(who)
        best[name] = min(best[name], run())
        cpu[name] = min(cpu[name], cpu_seconds(who) - before)

    for _ in range(2):
        timed("reference", lambda: ffmpeg_reference(source, CACHE / "reference.mp4", frames=n_frames), CHILDREN)
        before = best["chronoviz"]
        timed("chronoviz", lambda: export(source, CACHE / "chronoviz.mp4", source_frames, end=n_frames), SELF)
        if best["chronoviz"] < before:
            stages, stage_cpu = STAGES.seconds, STAGES.cpu_seconds
        timed("own output", lambda: ffmpeg_reference(CACHE / "chronoviz.mp4", CACHE / "own.mp4", pad=False), CHILDREN)
    return {**best, "cpu": cpu, "stages": stages, "stage_cpu": stage_cpu, "load": os.getloadavg()[0]}


SELF, CHILDREN = resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN


def report(name: str, measured: dict, n_frames: int) -> None:
    reference, ours, own = measured["reference"], measured["chronoviz"], measured["own output"]
    print(f"{name} (load {measured['load']:.1f}, best of 2 each):")
    print(f"  ffmpeg pad + transcode (reference): {reference:6.1f} s  {n_frames / reference:6.0f} frames/s")
    print(f"  chronoviz export:                   {ours:6.1f} s  {n_frames / ours:6.0f} frames/s")
    print(f"  export time / reference:            {ours / reference:6.2f}  (target <= 1.3)")
    print(
        f"  ffmpeg transcode of chronoviz's output: {own:6.1f} s ({own / reference:.2f}x the reference): encoding "
        "this content, without drawing anything"
    )
    cpu = measured["cpu"]
    print(
        f"  CPU seconds (every thread; unlike wall-clock time, not stretched by other programs): reference "
        f"{cpu['reference']:.1f}, chronoviz {cpu['chronoviz']:.1f} ({cpu['chronoviz'] / cpu['reference']:.2f}x), "
        f"transcode of chronoviz's output {cpu['own output']:.1f} ({cpu['own output'] / cpu['reference']:.2f}x)"
    )
    stages = ", ".join(f"{stage} {seconds / n_frames * 1e3:.2f}" for stage, seconds in measured["stages"].items())
    print(f"  chronoviz per frame, ms (stages overlap on three threads): {stages or 'not logged'}")
    stage_cpu = ", ".join(
        f"{stage} {seconds / n_frames * 1e3:.2f}" for stage, seconds in measured["stage_cpu"].items() if seconds > 0
    )
    print(f"  the same, CPU ms of the stage's own thread (the codecs' worker threads not counted): {stage_cpu}")


def main() -> int:
    CACHE.mkdir(exist_ok=True)
    n_frames = int(sys.argv[sys.argv.index("--frames") + 1]) if "--frames" in sys.argv else 3000
    source = make_input(n_frames)
    pattern = make_pattern(n_frames)
    footage = compare(source, n_frames, max(n_frames, 3000))
    bars = compare(pattern, n_frames, n_frames)
    print(
        f"workload: {n_frames} frames 640x480 -> 640x640 composite, 4-channel panel, 13 keypoints + skeleton, "
        f"30-frame trails, libx264 veryfast crf 18; {os.cpu_count()} cores"
    )
    report("real footage", footage, n_frames)
    report("pattern (testsrc2, fast to encode)", bars, n_frames)
    memory = {}
    if "--no-memory" not in sys.argv:
        long_frames = 4 * n_frames
        long_source = make_input(long_frames)
        memory = {n: peak_memory_mb(path, n) for n, path in ((n_frames, source), (long_frames, long_source))}
        print(
            "peak memory: "
            + ", ".join(f"{n} frames {mb:.0f} MB" for n, mb in memory.items())
            + "  (target <= 500 MB, flat)"
        )
    print(
        json.dumps(
            {
                "reference_s": footage["reference"],
                "export_s": footage["chronoviz"],
                "ratio": footage["chronoviz"] / footage["reference"],
                "own_output_transcode_s": footage["own output"],
                "stage_s": footage["stages"],
                "stage_cpu_s": footage["stage_cpu"],
                "cpu_s": footage["cpu"],
                "pattern_reference_s": bars["reference"],
                "pattern_export_s": bars["chronoviz"],
                "pattern_ratio": bars["chronoviz"] / bars["reference"],
                "pattern_stage_s": bars["stages"],
                "pattern_stage_cpu_s": bars["stage_cpu"],
                "pattern_cpu_s": bars["cpu"],
                "memory_mb": memory,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
