"""The intensity lane of a sync LED (`region_signals`: mean colour and motion of a region in every frame,
plus the whole picture's motion) against a plain decode of the same video, in the same run.

Run: `.venv/bin/python benchmarks/bench_sync.py [VIDEO]` (default: the bundled open-field footage, 640x480
H.264 4:4:4, and a 640x480 4:2:0 re-encoding of it made once into benchmarks/.cache). Each pass times, on a
freshly opened file:

- "plain decode": PyAV decoding every frame with FFmpeg's own threading (frame threads), nothing converted:
  what a user's script that only decodes runs, and the reference of the ratios;
- "ffmpeg -f null": the ffmpeg program decoding the file to nothing (`ffmpeg -i VIDEO -f null -`; another
  build of FFmpeg than PyAV's, shown for comparison) when it is installed;
- "decode to RGB": PyAV decoding and converting every frame to RGB (what a script reading frames as arrays
  does, with `to_ndarray`'s converter made per frame);
- "intensity lane": `region_signals` of the video once opened (opening it, as the dock and `chronoviz sync` do
  anyway, is printed apart).

Wall time and CPU time (all threads of the process; for ffmpeg, of the child) are taken. On a busy machine the
CPU time is the fairer measure: the wall time then depends on what else runs. Passes alternate their order;
the median of each is printed with the ratios. A last pass of the lane times its stages: decoding (the
decoder's own calls), cutting the box and the luma grid from the planes, converting the boxes to RGB, and the
statistics.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import av

from napari_chronoviz import open_video
from napari_chronoviz.io import pyav_video
from napari_chronoviz.sync import Region, region_signals, regions

CACHE = Path(__file__).parent / ".cache"
SHARED_VIDEO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlc_openfield" / "m3v1mp4.mp4"
PASSES = 3
REGION = Region.rectangle(600, 20, 24, 24)


def plain_decode(path: Path, rgb: bool) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = 0
        for frame in container.decode(stream):
            if rgb:
                frame.to_ndarray(format="rgb24")
            frames += 1
    return frames


def ffmpeg_null(path: Path) -> int:
    """The ffmpeg program decoding every frame of `path` to nothing (its CPU time is the child's)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"], check=True
    )
    return 0


def lane(path: Path, openings: list) -> int:
    """The region's signals of a video opened beforehand (as the dock and `chronoviz sync` have it); the
    opening (indexing the packets, probing the decoder's threads) is noted apart in `openings` as (wall, CPU)."""
    started = _clocks()
    with open_video(path) as video:
        openings.append(_since(started))
        return len(region_signals(video, REGION).values)


def _clocks() -> tuple[float, float]:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + children.ru_utime + children.ru_stime


def _since(started: tuple[float, float]) -> tuple[float, float]:
    now = _clocks()
    return now[0] - started[0], now[1] - started[1]


@contextlib.contextmanager
def _timed(owner, name: str, totals: dict, stage: str):
    """Add the time spent in `owner.name` to `totals[stage]` while in the block."""
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[stage] += time.perf_counter() - started

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)


STAGES = (
    (pyav_video._Decoder, "_next_frame", "decoding (waiting on the decoder)"),
    (regions._PlaneBoxes, "add", "cutting the box and grid from the planes"),
    (regions._PlaneBoxes, "take", "converting the boxes to RGB"),
    (regions._RegionStats, "add", "statistics"),
)


def lane_stages(path: Path) -> dict[str, float]:
    """Seconds of one lane in each stage, and the rest (the loop); the wrappers add a little time of their own."""
    totals: dict[str, float] = defaultdict(float)
    with open_video(path) as video, contextlib.ExitStack() as stack:
        for owner, name, stage in STAGES:
            stack.enter_context(_timed(owner, name, totals, stage))
        started = time.perf_counter()
        region_signals(video, REGION)
        whole = time.perf_counter() - started
    totals["the rest (the loop)"] = whole - sum(totals.values())
    totals["whole lane"] = whole
    return dict(totals)


def yuv420_copy(source: Path) -> Path:
    """The source re-encoded as H.264 4:2:0 (what most cameras write), made once."""
    target = CACHE / f"{source.stem}_yuv420p.mp4"
    if target.exists():
        return target
    CACHE.mkdir(exist_ok=True)
    with av.open(str(source)) as given, av.open(str(target), "w") as written:
        stream = written.add_stream("libx264", rate=given.streams.video[0].average_rate, options={"crf": "20"})
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for frame in given.decode(video=0):
            written.mux(stream.encode(frame.reformat(format="yuv420p")))
        written.mux(stream.encode(None))
    return target


def measure(path: Path) -> None:
    jobs = {
        "plain decode": lambda: plain_decode(path, rgb=False),
        "decode to RGB": lambda: plain_decode(path, rgb=True),
        "intensity lane": lambda: lane(path, openings),
    }
    if shutil.which("ffmpeg"):
        jobs["ffmpeg -f null"] = lambda: ffmpeg_null(path)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
    openings: list[tuple[float, float]] = []
    frames = 0
    for index in range(PASSES):
        for name in list(jobs) if index % 2 == 0 else list(jobs)[::-1]:
            started = _clocks()
            frames = jobs[name]() or frames
            wall, cpu = _since(started)
            if name == "intensity lane":
                wall, cpu = wall - openings[-1][0], cpu - openings[-1][1]
            runs[name].append((wall, cpu))
    wall = {name: statistics.median(run[0] for run in values) for name, values in runs.items()}
    cpu = {name: statistics.median(run[1] for run in values) for name, values in runs.items()}
    print(f"{path.name}: {frames} frames, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for name in jobs:
        print(f"  {name:15s} wall {wall[name]:6.2f} s ({frames / wall[name]:5.0f} frames/s)   CPU {cpu[name]:6.2f} s")
    opening = [statistics.median(values) for values in zip(*openings)]
    print(f"  (opening the video for the lane: wall {opening[0]:.2f} s, CPU {opening[1]:.2f} s, not counted)")
    reference = "plain decode"
    print(
        f"  intensity lane / plain decode: wall {wall['intensity lane'] / wall[reference]:.2f}, "
        f"CPU {cpu['intensity lane'] / cpu[reference]:.2f}; / decode to RGB: wall "
        f"{wall['intensity lane'] / wall['decode to RGB']:.2f}"
        + (
            f"; / ffmpeg -f null: wall {wall['intensity lane'] / wall['ffmpeg -f null']:.2f}"
            if "ffmpeg -f null" in wall
            else ""
        )
    )
    print("  the lane's stages (one more pass, timed inside):")
    for stage, seconds in lane_stages(path).items():
        print(f"    {stage:42s} {seconds:6.2f} s  {seconds / frames * 1e3:6.3f} ms/frame")


def main() -> None:
    videos = [Path(sys.argv[1])] if len(sys.argv) > 1 else [SHARED_VIDEO, yuv420_copy(SHARED_VIDEO)]
    for video in videos:
        measure(video)


if __name__ == "__main__":
    main()
