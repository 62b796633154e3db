"""The intensity lane of a sync LED (`region_signals`: mean colour and motion of a region in every frame,
plus the whole picture's motion) against a plain decode of the same video, in the same run.

Run: `.venv/bin/python benchmarks/bench_sync.py [VIDEO]` (default: the bundled open-field footage, 640x480
H.264 4:4:4, and a 640x480 4:2:0 re-encoding of it made once into benchmarks/.cache). Each pass times, on a
freshly opened file: a plain PyAV decode of every frame (threads as FFmpeg chooses, nothing converted), the
same decode converting every frame to RGB (what a script reading frames as arrays does), and the region's
signals of the video once opened (opening it, as the dock and `chronoviz sync` do anyway, is printed apart).
Passes alternate their order; the median of each is printed with the ratios.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import av

from napari_chronoviz import open_video
from napari_chronoviz.sync import Region, region_signals

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


def lane(path: Path, timings: list) -> int:
    """The region's signals of a video opened beforehand (as the dock and `chronoviz sync` have it); the
    opening (indexing the packets, probing the decoder's threads) is noted apart in `timings`."""
    started = time.perf_counter()
    with open_video(path) as video:
        timings.append(time.perf_counter() - started)
        return len(region_signals(video, REGION).values)


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
    runs = {"plain decode": [], "decode to RGB": [], "intensity lane": []}
    openings: list[float] = []
    jobs = {
        "plain decode": lambda: plain_decode(path, rgb=False),
        "decode to RGB": lambda: plain_decode(path, rgb=True),
        "intensity lane": lambda: lane(path, openings),
    }
    for index in range(PASSES):
        order = list(jobs) if index % 2 == 0 else list(jobs)[::-1]
        for name in order:
            started = time.perf_counter()
            frames = jobs[name]()
            seconds = time.perf_counter() - started - (openings[-1] if name == "intensity lane" else 0)
            runs[name].append((seconds, frames))
    median = {name: statistics.median(seconds for seconds, _ in values) for name, values in runs.items()}
    frames = runs["plain decode"][0][1]
    print(f"{path.name}: {frames} frames")
    for name, seconds in median.items():
        print(f"  {name:15s} {seconds:7.2f} s  {frames / seconds:7.0f} frames/s")
    print(f"  (opening the video for the lane: {statistics.median(openings):.2f} s, not counted)")
    print(
        f"  intensity lane / plain decode = {median['intensity lane'] / median['plain decode']:.2f}; "
        f"/ decode to RGB = {median['intensity lane'] / median['decode to RGB']:.2f}"
    )


def main() -> None:
    videos = [Path(sys.argv[1])] if len(sys.argv) > 1 else [SHARED_VIDEO, yuv420_copy(SHARED_VIDEO)]
    for video in videos:
        measure(video)


if __name__ == "__main__":
    main()
