"""Video source speed against napari-video, both measured in the same run: exact random seeks, a slider
drag (scrubbing), sequential reads, a variable-rate file, and opening a 1-hour video. Random seeks run on
the footage as PyAV writes it (a slice per encoder thread) and, in fewer passes, as ffmpeg's command line
writes it (one slice per picture), since slices per picture decide the decoder's threading for seeks.
Sequential and random reads run again on a real 1024x1024 recording (the two-fly SLEAP clip in
../shared/data), where converting each frame to RGB costs as much as a third of decoding it.

Run: `make bench-video` (or `.venv/bin/python benchmarks/bench_video.py`). Every comparison is fair: each
reader is opened afresh for each pass, both timed loops do the same work (read the frame, check its
stamp), the reader that goes first alternates between passes, and the median over passes is printed
with the ratio to napari-video. Random seeks also print the floor: plain PyAV decoding each target's
reference chain from its keyframe, what any exact reader must do on a cold seek. Test videos are
generated once into benchmarks/.cache.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import threading
import time
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import NamedTuple

import av
import cv2
import numpy as np
import psutil
from av.video.reformatter import VideoReformatter

from napari_chronoviz import open_video
from napari_chronoviz.io.pyav_video import _h264_non_reference, slices_per_picture
from napari_chronoviz.testing import make_stamped_video, read_stamp, stamp_frame

CACHE = Path(__file__).parent / ".cache"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_VIDEO = SHARED_DATA / "dlc_openfield" / "m3v1mp4.mp4"
FLIES_VIDEO = SHARED_DATA / "sleap_flies" / "clip.mp4"
FINGERPRINT_STEP = 64  # a frame's fingerprint: every 64th pixel of every 64th row (a 16x16 grid at 1024x1024)
STAMP_ROWS = 80  # the top band of each frame carries its index; the rest is real footage
PASSES = 5
SEEKS_PER_PASS = 60
DRAGS_PER_PASS, DRAG_STEPS = 4, 60
READERS = {"chronoviz": open_video, "napari-video": partial(open_video, backend="opencv")}


def make_seek_video(path: Path, n_frames: int = 3000, *, one_slice: bool = False) -> Path:
    """640x480 H.264, GOP 250, 3 B-frames: real open-field footage with a stamped band on top.

    PyAV's libx264 encodes with slice threads, a slice per encoder thread (2 on the 2-core test machine);
    `one_slice` encodes with frame threads instead, one slice per picture, as ffmpeg's command line and
    most recording software write H.264.
    """
    if path.exists():
        return path
    tmp = path.with_suffix(".partial.mp4")
    rng = np.random.default_rng(0)
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        if one_slice:
            stream.thread_type = "FRAME"
        stream.codec_context.gop_size = 250
        stream.codec_context.max_b_frames = 3
        stream.options = {"preset": "veryfast", "crf": "20", "sc_threshold": "0"}
        index = 0
        while index < n_frames:
            with av.open(str(SHARED_VIDEO)) as source:
                for frame in source.decode(video=0):
                    if index == n_frames:
                        break
                    image = frame.to_ndarray(format="rgb24")
                    image[STAMP_ROWS:] = np.clip(image[STAMP_ROWS:] + rng.integers(-6, 7, (1, 640, 1)), 0, 255)
                    image[:STAMP_ROWS] = stamp_frame(index, STAMP_ROWS, 640)
                    out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
                    index += 1
        out.mux(stream.encode(None))
    tmp.rename(path)
    return path


def make_hour_video(path: Path) -> Path:
    """A 1-hour, 30 fps, 640x480 low-bitrate H.264 file (ffmpeg's test source)."""
    if not path.exists():
        tmp = path.with_suffix(".partial.mp4")
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=640x480:rate=30:duration=3600",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "38",
                "-g",
                "250",
                str(tmp),
            ],
            check=True,
        )
        tmp.rename(path)
    return path


def stamp_of(frame: np.ndarray) -> int:
    """The index stamped on a benchmark frame (every other row and fourth column of the band suffice)."""
    return read_stamp(frame[:STAMP_ROWS:2, ::4])


class Measured(NamedTuple):
    """One reader's figures over the passes of a comparison."""

    seconds: float  # median wall-clock seconds of a pass
    ratio: float  # median over passes of its wall-clock time / napari-video's in the same pass
    cpu_ratio: float  # the same for CPU time (all threads): the work done, less sensitive to other load
    wrong: int  # frames whose stamp is not the index asked for, over all passes


def stamp_is_wrong(index: int, frame: np.ndarray) -> bool:
    """Whether a benchmark frame's stamp is not `index`."""
    return stamp_of(frame) != index


def read_checked(video, indices: np.ndarray, is_wrong=stamp_is_wrong) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds to read `indices` in order, checking each frame with `is_wrong(index,
    frame)`, and how many frames were wrong."""
    wrong = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    for index in indices:
        wrong += is_wrong(int(index), video[int(index)])
    return time.perf_counter() - start, time.process_time() - start_cpu, wrong


def compare(
    path: Path, workloads: list[np.ndarray], readers: dict = READERS, is_wrong=stamp_is_wrong
) -> dict[str, Measured]:
    """Read each workload (one per pass) with every reader opened afresh, the first reader alternating."""
    wall = {name: [] for name in readers}
    cpu = {name: [] for name in readers}
    wrong = dict.fromkeys(readers, 0)
    for number, indices in enumerate(workloads):
        for name in list(readers)[:: 1 if number % 2 == 0 else -1]:
            with readers[name](path) as video:
                elapsed, elapsed_cpu, errors = read_checked(video, indices, is_wrong)
            wall[name].append(elapsed)
            cpu[name].append(elapsed_cpu)
            wrong[name] += errors
    return {
        name: Measured(
            statistics.median(wall[name]),
            statistics.median(np.divide(wall[name], wall["napari-video"])),
            statistics.median(np.divide(cpu[name], cpu["napari-video"])),
            wrong[name],
        )
        for name in readers
    }


class ReferenceChain:
    """The floor of an exact cold seek: plain PyAV seeks to the target's keyframe and decodes only the
    frames the target depends on, with chronoviz's threading for seeks. Non-reference frames before the
    target are skipped, and H.264 packets holding nothing else are not sent at all (as chronoviz does:
    with frame threads each packet sent takes a turn in the pipeline)."""

    def __init__(self, path: Path):
        with open_video(path) as video:
            self.index, thread_mode, decoder_options = video.frame_index, video.seek_threads, video.decoder_options
        self.container = av.open(str(path))
        self.stream = self.container.streams.video[0]
        self.stream.codec_context.options = decoder_options
        self.stream.thread_type, self.stream.codec_context.thread_count = thread_mode
        self.extradata = self.stream.codec_context.extradata or b""
        self.converter = VideoReformatter()

    def __getitem__(self, index: int) -> np.ndarray:
        target_pts = int(self.index.pts[index])
        self.container.seek(int(self.index.seek_targets[self.index.seek_point[index]]), stream=self.stream)
        codec_context = self.stream.codec_context
        for packet in self.container.demux(self.stream):
            before = packet.pts is not None and packet.pts < target_pts
            if before and codec_context.name == "h264" and _h264_non_reference(bytes(packet), self.extradata):
                continue
            codec_context.skip_frame = "NONREF" if before else "DEFAULT"
            for frame in codec_context.decode(packet):
                if frame.pts == target_pts:
                    return self.converter.reformat(frame, format="rgb24").to_ndarray()
        raise IndexError(index)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.container.close()


def load() -> str:
    """The machine's 1-minute load average, printed with each comparison (the machine is shared)."""
    return f"load {os.getloadavg()[0]:.1f}"


def figures_line(name: str, measured: Measured, figure: str) -> str:
    """One reader's line: its own figure (time per frame, rate), its ratios to napari-video and its errors."""
    return (
        f"  {name:<13} {figure}  {measured.ratio:5.2f}x napari-video's time "
        f"({measured.cpu_ratio:4.2f}x its CPU time)  {measured.wrong} wrong"
    )


def bench_seek(path: Path, passes: int = PASSES, is_wrong=stamp_is_wrong, what: str = "") -> None:
    """Random exact seeks to frames never asked for before in the pass (no cache can answer them)."""
    with open_video(path) as video:
        n_frames, threads, gops = len(video), video.seek_threads, np.diff(video.keyframes)
    slices = slices_per_picture(path)
    workloads = [np.random.default_rng(seed).choice(n_frames, SEEKS_PER_PASS, replace=False) for seed in range(passes)]
    results = compare(path, workloads, {**READERS, "floor": ReferenceChain}, is_wrong)
    ours = results["chronoviz"]
    gop = f"GOP {int(np.median(gops))}" if len(gops) else "one GOP"
    print(
        f"random seek{what}, {SEEKS_PER_PASS} distinct frames x {passes} passes, {gop} + B-frames, "
        f"{slices} slice{'s' if slices > 1 else ''} per picture (seek threads {threads[0]} x {threads[1]}), {load()}:"
    )
    for name, measured in results.items():
        print(figures_line(name, measured, f"{measured.seconds * 1e3 / SEEKS_PER_PASS:8.1f} ms/frame"))
    print(
        f"  target <= 0.5x with 0 wrong: {'OK' if ours.ratio <= 0.5 and ours.wrong == 0 else 'MISSED'} "
        f"(the floor, plain PyAV decoding each target's reference chain, is {results['floor'].ratio:.2f}x)"
    )


def slider_drag(n_frames: int, rng: np.random.Generator) -> list[int]:
    """Frames a slider drag asks for: from a random frame, runs of 8-30 steps forward and 4-15 back,
    each step 1-3 frames, so that the drag drifts forward and comes back over frames it showed."""
    position = int(rng.integers(n_frames // 10, n_frames * 9 // 10))
    indices, direction = [], 1
    while len(indices) < DRAG_STEPS:
        run = rng.integers(8, 31) if direction > 0 else rng.integers(4, 16)
        for step in rng.integers(1, 4, run):
            position = int(np.clip(position + direction * step, 0, n_frames - 1))
            indices.append(position)
        direction = -direction
    return indices[:DRAG_STEPS]


def bench_scrub(path: Path) -> None:
    with open_video(path) as video:
        n_frames = len(video)
    workloads = []
    for seed in range(PASSES):
        rng = np.random.default_rng(100 + seed)
        workloads.append(np.concatenate([slider_drag(n_frames, rng) for _ in range(DRAGS_PER_PASS)]))
    results = compare(path, workloads)
    print(
        f"scrubbing, {DRAGS_PER_PASS} slider drags x {DRAG_STEPS} steps (1-3 frames forward and back) "
        f"x {PASSES} passes, {load()}:"
    )
    for name, measured in results.items():
        print(figures_line(name, measured, f"{measured.seconds * 1e3 / len(workloads[0]):8.1f} ms/step"))


def bench_sequential(path: Path, is_wrong=stamp_is_wrong, what: str = "") -> None:
    with open_video(path) as video:
        indices = np.arange(len(video))
    results = compare(path, [indices] * PASSES, is_wrong=is_wrong)
    print(f"sequential read{what} of {len(indices)} frames via v[k] x {PASSES} passes, {load()}:")
    for name, measured in results.items():
        print(figures_line(name, measured, f"{len(indices) / measured.seconds:8.0f} frames/s"))
    verdict = "OK" if results["chronoviz"].ratio <= 1 else "MISSED"
    print(f"  target >= napari-video's rate (<= 1.0x its time): {verdict}")


class Fingerprints:
    """Tells a wrong frame of a real recording (no stamps) by comparing a sparse grid of its pixels with
    the frames of one plain sequential PyAV decode, within 2 levels (readers convert to RGB a level apart)."""

    def __init__(self, path: Path):
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            self.grids = [
                frame.to_ndarray(format="rgb24")[::FINGERPRINT_STEP, ::FINGERPRINT_STEP].astype(np.int16)
                for frame in container.decode(stream)
            ]

    def __call__(self, index: int, frame: np.ndarray) -> bool:
        grid = frame[::FINGERPRINT_STEP, ::FINGERPRINT_STEP]
        return bool(np.abs(grid - self.grids[index]).max() > 2)


def bench_conversion(path: Path, n_frames: int = 200, passes: int = 3) -> None:
    """CPU time to convert decoded frames to RGB: swscale as the reader calls it (its reference conversion),
    and OpenCV's cvtColor on the I420 planes (BT.601 limited range only), alternating; and how far apart
    their pixels are."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = [frame for _, frame in zip(range(n_frames), container.decode(stream))]
    converter = VideoReformatter()
    conversions = {
        "swscale (the reader)": lambda frame: converter.reformat(frame, format="rgb24").to_ndarray(),
        "OpenCV cvtColor": lambda frame: cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2RGB_I420),
    }
    seconds = {name: [] for name in conversions}
    for number in range(passes):
        for name in list(conversions)[:: 1 if number % 2 == 0 else -1]:
            start = time.process_time()
            for frame in frames:
                conversions[name](frame)
            seconds[name].append(time.process_time() - start)
    apart = max(
        int(
            np.abs(conversions["OpenCV cvtColor"](frame).astype(int) - conversions["swscale (the reader)"](frame)).max()
        )
        for frame in frames[:: max(1, n_frames // 10)]
    )
    figures = ", ".join(f"{name} {statistics.median(s) / n_frames * 1e3:.2f} ms" for name, s in seconds.items())
    print(f"  yuv420p -> RGB, CPU per frame ({load()}): {figures}; at most {apart} levels apart on this clip")


def bench_real_recording(path: Path) -> None:
    """Sequential and random reads of a real 1024x1024 recording, after a warm-up pass of each reader (the
    file in the page cache, both libraries' code loaded)."""
    if not path.exists():
        print(f"real 1024x1024 recording: skipped, {path} is absent (../shared/data beside the repository)")
        return
    fingerprints = Fingerprints(path)
    for open_reader in READERS.values():
        with open_reader(path) as video:
            for index in range(min(len(video), 100)):
                video[index]
    what = f" of {path.parent.name}/{path.name} (1024x1024 H.264, real footage)"
    bench_sequential(path, fingerprints, what)
    bench_conversion(path)
    bench_seek(path, passes=3, is_wrong=fingerprints, what=what)


def bench_variable_rate(folder: Path) -> None:
    """Wrong frames on a variable-frame-rate file (steps of 20 to 60 ms), random order."""
    path = folder / "vfr_300.mp4"
    if not path.exists():
        steps = np.random.default_rng(3).integers(1800, 5400, 299)
        make_stamped_video(path, 300, size=(320, 240), pts=np.cumsum(np.r_[0, steps]), time_base=Fraction(1, 90000))
    indices = np.random.default_rng(4).integers(0, 300, 100)
    results = []
    for backend in ("pyav", "opencv"):
        with open_video(path, backend=backend) as video:
            results.append(sum(read_stamp(video[int(k)]) != k for k in indices))
    print(f"variable frame rate, 100 random frames: chronoviz {results[0]} wrong, napari-video {results[1]} wrong")


def bench_hour(path: Path) -> None:
    process = psutil.Process()
    gc.collect()
    baseline = process.memory_info().rss
    start = time.perf_counter()
    video = open_video(path)
    video[0]
    first_frame = time.perf_counter() - start
    peak = [baseline]
    stop = threading.Event()

    def sample_memory():
        while not stop.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    rng = np.random.default_rng(1)
    scrub_start = time.perf_counter()
    for position in rng.integers(0, len(video) - 60, 40):  # jump, then play a second
        for k in range(position, position + 30):
            video[int(k)]
    scrub = time.perf_counter() - scrub_start
    stop.set()
    sampler.join()
    extra_mb = (peak[0] - baseline) / 2**20
    print(
        f"1-hour video ({len(video)} frames): first frame after {first_frame:.2f} s (target <= 1 s) "
        f"{'OK' if first_frame <= 1 else 'MISSED'}; extra resident memory while scrubbing {extra_mb:.0f} MB "
        f"(target <= 300 MB) {'OK' if extra_mb <= 300 else 'MISSED'}; 40 jumps x 30 frames in {scrub:.1f} s"
    )
    video.close()


def main() -> int:
    if not SHARED_VIDEO.exists():
        print(f"needs {SHARED_VIDEO} (../shared/data beside the repository)")
        return 1
    CACHE.mkdir(exist_ok=True)
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; medians of {PASSES} passes, "
        "readers opened afresh for each, the first one alternating"
    )
    seek_video = make_seek_video(CACHE / "openfield_gop250_bframes_3000.mp4")
    bench_seek(seek_video)
    bench_seek(make_seek_video(CACHE / "openfield_gop250_bframes_3000_one_slice.mp4", one_slice=True), passes=3)
    bench_scrub(seek_video)
    bench_sequential(seek_video)
    bench_real_recording(FLIES_VIDEO)
    bench_variable_rate(CACHE)
    bench_hour(make_hour_video(CACHE / "testsrc_1h.mp4"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
