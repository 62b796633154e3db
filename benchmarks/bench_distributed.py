"""Chunked export on a LocalCluster of 2 single-threaded worker processes vs the plain pipeline.

Run: `make bench-distributed`. Same video and overlays as bench_export (3000 frames, 640x480 -> 640x640,
4-channel panel, 13 keypoints, skeleton, 30-frame trails, libx264 veryfast crf 18). Prints both wall
times (cluster start-up apart), the overhead of the chunk-and-join path, and checks that the two
outputs have the same frames and times.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_export import CACHE, ENCODER, make_input, workload  # noqa: E402


def main() -> int:
    from dask.distributed import Client, LocalCluster

    from napari_chronoviz import create_visualization, open_video

    n_frames = 3000
    source = make_input(n_frames)
    options = dict(
        window=(2.0, 2.0),
        layout={"position": "below", "size": 160},
        style={"trail_length": 30},
        overwrite=True,
        progress=False,
        **workload(n_frames),
        **ENCODER,
    )
    start = time.perf_counter()
    plain = create_visualization(source, output=CACHE / "plain.mp4", **options)
    plain_seconds = time.perf_counter() - start
    started = time.perf_counter()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        startup = time.perf_counter() - started
        start = time.perf_counter()
        chunked = create_visualization(source, output=CACHE / "chunked.mp4", client=client, **options)
        chunked_seconds = time.perf_counter() - start
    with open_video(plain) as a, open_video(chunked) as b:
        same = len(a) == len(b) and np.array_equal(a.frame_times, b.frame_times)
    print(f"plain pipeline (x264 on 2 threads):        {plain_seconds:6.1f} s")
    print(f"chunked, 2 workers x 1 thread (+{startup:.1f} s start-up): {chunked_seconds:6.1f} s")
    print(f"overhead of chunk-and-join: {100 * (chunked_seconds / plain_seconds - 1):+.1f}%  (target <= +10%)")
    print(f"same frame count and times: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
