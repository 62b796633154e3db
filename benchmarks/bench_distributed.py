"""Chunked export on a LocalCluster of 2 single-threaded worker processes vs the plain pipeline.

Run: `make bench-distributed`. Same video and overlays as bench_export (3000 frames, 640x480 -> 640x640,
4-channel panel, 13 keypoints, skeleton, 30-frame trails, libx264 veryfast crf 18). Prints both wall
times (cluster start-up apart), the overhead of the chunk-and-join path, and checks that the two
outputs have the same frames and times. Then the same for two cameras: that video beside a 20 fps
transcode of it (2000 frames, its keyframes elsewhere), tiles 1280x480 -> 1280x640, the pose on the first.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_export import CACHE, ENCODER, make_input, workload  # noqa: E402


def make_second_camera(source: Path) -> Path:
    """`source` at 20 fps (one frame in three dropped), GOP 200: a second camera on the same clock (cached)."""
    path = CACHE / "camera_20fps.mp4"
    if not path.exists():
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-vf", "fps=20", "-c:v", "libx264", "-preset"]
            + ["veryfast", "-g", "200", "-bf", "3", "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )
    return path


def timed(function, *args, **kwargs) -> tuple[Path, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def same_frames(a: Path, b: Path) -> bool:
    from napari_chronoviz import open_video

    with open_video(a) as first, open_video(b) as second:
        return len(first) == len(second) and np.array_equal(first.frame_times, second.frame_times)


def main() -> int:
    from dask.distributed import Client, LocalCluster

    from napari_chronoviz import create_visualization

    n_frames = 3000
    source = make_input(n_frames)
    cameras = [source, make_second_camera(source)]
    overlays = workload(n_frames)
    options = dict(
        window=(2.0, 2.0),
        layout={"position": "below", "size": 160},
        style={"trail_length": 30},
        overwrite=True,
        progress=False,
        signals=overlays["signals"],
        **ENCODER,
    )
    runs = {  # name -> (videos, pose)
        "one video": (source, overlays["pose"]),
        "two cameras": (cameras, [overlays["pose"], None]),
    }
    plain = {
        name: timed(create_visualization, videos, output=CACHE / f"plain {name}.mp4", pose=pose, **options)
        for name, (videos, pose) in runs.items()
    }
    started = time.perf_counter()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        startup = time.perf_counter() - started
        chunked = {
            name: timed(
                create_visualization, videos, output=CACHE / f"chunked {name}.mp4", pose=pose, client=client, **options
            )
            for name, (videos, pose) in runs.items()
        }
    print(f"cluster start-up (not counted): {startup:.1f} s")
    ok = True
    for name in runs:
        (plain_output, plain_seconds), (chunked_output, chunked_seconds) = plain[name], chunked[name]
        same = same_frames(plain_output, chunked_output)
        ok = ok and same
        print(f"{name}:")
        print(f"  plain pipeline (x264 on 2 threads):  {plain_seconds:6.1f} s")
        print(f"  chunked, 2 workers x 1 thread:       {chunked_seconds:6.1f} s")
        ratio = chunked_seconds / plain_seconds
        print(f"  chunked / plain: {ratio:.3f} ({100 * (ratio - 1):+.1f}%, target <= +10%)")
        print(f"  same frame count and times: {same}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
