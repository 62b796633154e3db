"""The intensity lane of a sync LED (`region_signals`: mean colour and motion of a region in every frame,
plus the whole picture's motion) against a plain decode of the same video, in the same run.

Run: `.venv/bin/python benchmarks/bench_sync.py [VIDEO]` (default: the bundled open-field footage, 640x480
H.264 4:4:4, and a 640x480 4:2:0 re-encoding of it made once into benchmarks/.cache), or
`.venv/bin/python benchmarks/bench_sync.py --long MINUTES` (the long-video pass below alone). Each pass times, on
a freshly opened file:

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

The long-video pass (`--long MINUTES`, default 6; the issue's target is an hour of 30 fps 640x480) loops the 4:2:0
footage into a video of that length (made once into benchmarks/.cache, a keyframe every 250 frames) and times,
the plain decode, the lane in this process, and the lane on a dask cluster of 2 single-threaded worker processes
started beforehand (its start-up printed apart; the workers' CPU time is theirs, not counted), alternating as
above, and scales them to an hour.
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


def long_copy(source: Path, minutes: float) -> Path:
    """`source`'s frames looped into a video of `minutes` (H.264 4:2:0, a keyframe every 250 frames), made once."""
    target = CACHE / f"{source.stem}_{minutes:g}min.mp4"
    if target.exists():
        return target
    partial = target.with_suffix(".partial.mp4")
    with av.open(str(source)) as given:
        rate = given.streams.video[0].average_rate
        pictures = [frame.to_ndarray(format="yuv420p") for frame in given.decode(video=0)]
    with av.open(str(partial), "w") as written:
        stream = written.add_stream("libx264", rate=rate, options={"crf": "20", "preset": "veryfast", "g": "250"})
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for index in range(round(minutes * 60 * rate)):
            frame = av.VideoFrame.from_ndarray(pictures[index % len(pictures)], format="yuv420p")
            written.mux(stream.encode(frame))
        written.mux(stream.encode(None))
    partial.replace(target)
    return target


def measure_long(minutes: float) -> None:
    """The lane of a long video in this process and on 2 dask workers against a plain decode, scaled to an hour."""
    from dask.distributed import Client, LocalCluster

    path = long_copy(yuv420_copy(SHARED_VIDEO), minutes)
    started = time.perf_counter()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        client.submit(len, [0]).result()
        start_up = time.perf_counter() - started
        with open_video(path) as video:
            frames = video.n_frames
            jobs = {
                "plain decode": lambda: plain_decode(path, rgb=False),
                "lane, one process": lambda: region_signals(video, REGION),
                "lane, 2 dask workers": lambda: region_signals(video, REGION, client=client),
            }
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
            for index in range(PASSES):
                for name in list(jobs) if index % 2 == 0 else list(jobs)[::-1]:
                    started_at = _clocks()
                    jobs[name]()
                    runs[name].append(_since(started_at))
    wall = {name: statistics.median(run[0] for run in values) for name, values in runs.items()}
    cpu = {name: statistics.median(run[1] for run in values) for name, values in runs.items()}
    hour = 3600 * 30  # frames of an hour at 30 fps
    print(f"{path.name}: {frames} frames ({minutes:g} min), {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for name in jobs:
        cpu_text = (
            "(in the workers)"
            if "dask" in name
            else f"{cpu[name]:6.2f} s, / plain {cpu[name] / cpu['plain decode']:.2f}"
        )
        print(
            f"  {name:22s} wall {wall[name]:6.2f} s ({frames / wall[name]:5.0f} frames/s, an hour at 30 fps in "
            f"{wall[name] * hour / frames / 60:4.1f} min), / plain {wall[name] / wall['plain decode']:.2f}   "
            f"CPU {cpu_text}"
        )
    print(f"  (starting the 2 workers: {start_up:.1f} s, not counted)")


def main() -> None:
    if sys.argv[1:2] == ["--long"]:
        measure_long(float(sys.argv[2]) if len(sys.argv) > 2 else 6)
        return
    videos = [Path(sys.argv[1])] if len(sys.argv) > 1 else [SHARED_VIDEO, yuv420_copy(SHARED_VIDEO)]
    for video in videos:
        measure(video)


if __name__ == "__main__":
    main()
