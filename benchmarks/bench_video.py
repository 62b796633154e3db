"""Video source speed: exact random seek vs napari-video, sequential reads, opening a 1-hour video.

Run: `make bench-video` (or `.venv/bin/python benchmarks/bench_video.py`). Prints each figure with the
reference measured in the same run and the target from issue #2. Test videos are generated once into
benchmarks/.cache.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import psutil

from napari_chronoviz import open_video
from napari_chronoviz.testing import make_stamped_video, read_stamp, stamp_frame

CACHE = Path(__file__).parent / ".cache"
SHARED_VIDEO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlc_openfield" / "m3v1mp4.mp4"
STAMP_ROWS = 80  # the top band of each frame carries its index; the rest is real footage


def make_seek_video(path: Path, n_frames: int = 3000) -> Path:
    """640x480 H.264, GOP 250, 3 B-frames: real open-field footage with a stamped band on top."""
    if path.exists():
        return path
    tmp = path.with_suffix(".partial.mp4")
    rng = np.random.default_rng(0)
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
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
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30:duration=3600",
             "-c:v", "libx264", "-preset", "ultrafast", "-crf", "38", "-g", "250", str(tmp)],
            check=True,
        )
        tmp.rename(path)
    return path


def stamp_of(frame: np.ndarray) -> int:
    return read_stamp(frame[:STAMP_ROWS])


def random_seek(video, indices) -> tuple[float, int]:
    latencies, wrong = [], 0
    for index in indices:
        start = time.perf_counter()
        frame = video[int(index)]
        latencies.append(time.perf_counter() - start)
        wrong += stamp_of(frame) != index
    return statistics.mean(latencies), wrong


def bench_seek(path: Path) -> None:
    indices = np.random.default_rng(42).integers(0, 3000, 200)
    ours = open_video(path)
    ours_mean, ours_wrong = random_seek(_uncached(ours), indices)
    ours.close()
    reference = open_video(path, backend="opencv")
    ref_mean, ref_wrong = random_seek(reference, indices)
    reference.close()
    ratio = ours_mean / ref_mean
    print(f"random seek, 200 frames, GOP 250 + B-frames: chronoviz {ours_mean * 1e3:.1f} ms/frame "
          f"({ours_wrong} wrong), napari-video {ref_mean * 1e3:.1f} ms/frame ({ref_wrong} wrong); "
          f"ratio {ratio:.2f} (target <= 0.5, 0 wrong) {'OK' if ratio <= 0.5 and ours_wrong == 0 else 'MISSED'}")


class _uncached:
    """Random seeks must decode: bypass the frame cache so repeated indices are not free."""

    def __init__(self, video):
        self.video = video

    def __getitem__(self, index):
        self.video._cache.clear()
        return self.video[index]


def bench_sequential(path: Path) -> None:
    video = open_video(path)
    start = time.perf_counter()
    wrong = sum(stamp_of(video[k]) != k for k in range(len(video)))
    rate = len(video) / (time.perf_counter() - start)
    video.close()
    reference = open_video(path, backend="opencv")
    start = time.perf_counter()
    for k in range(len(reference)):
        reference[k]
    ref_rate = len(reference) / (time.perf_counter() - start)
    reference.close()
    print(f"sequential read of 3000 frames via v[k]: chronoviz {rate:.0f} frames/s ({wrong} wrong), "
          f"napari-video {ref_rate:.0f} frames/s; target >= 400 {'OK' if rate >= 400 else 'MISSED'}")


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
    print(f"1-hour video ({len(video)} frames): first frame after {first_frame:.2f} s (target <= 1 s) "
          f"{'OK' if first_frame <= 1 else 'MISSED'}; extra resident memory while scrubbing {extra_mb:.0f} MB "
          f"(target <= 300 MB) {'OK' if extra_mb <= 300 else 'MISSED'}; 40 jumps x 30 frames in {scrub:.1f} s")
    video.close()


def main() -> int:
    if not SHARED_VIDEO.exists():
        print(f"needs {SHARED_VIDEO} (../shared/data beside the repository)")
        return 1
    CACHE.mkdir(exist_ok=True)
    seek_video = make_seek_video(CACHE / "openfield_gop250_bframes_3000.mp4")
    bench_seek(seek_video)
    bench_sequential(seek_video)
    bench_variable_rate(CACHE)
    bench_hour(make_hour_video(CACHE / "testsrc_1h.mp4"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
