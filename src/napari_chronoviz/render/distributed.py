"""Scale out on dask.distributed: one video in keyframe-aligned chunks, or many sessions in a batch.

Workers get paths and small picklable objects (signals, poses, options), never decoded frames. A chunk
renders and encodes its frames with the plain pipeline into a file of its own, starting with a
keyframe and carrying the frames' final timestamps; the chunks are then joined by stream copy. The
scheduler retries a chunk whose worker died; the output is written under a temporary name and renamed
when complete, so it is complete or absent.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..io.tables import value_from_text
from ..io.video_factory import default_output
from ..errors import ExportCancelled, ExportError
from .export import (checked_output, copy_audio, export_scene, partial_path, progress_reporter,
                     remove_stale_partials, verify_written)

RETRIES = 2  # a chunk whose worker dies is run again this many times


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs to render frames `start..end-1` of one export."""

    video_path: str
    scene: object  # a Scene: picklable (arrays and small dataclasses)
    start: int
    end: int
    output: str
    encoder_kwargs: dict


def chunk_ranges(keyframes: np.ndarray, start: int, end: int, n_chunks: int) -> list[tuple[int, int]]:
    """Split `start..end` into at most `n_chunks` ranges that begin on keyframes of the input."""
    cuts = [int(k) for k in np.asarray(keyframes) if start < k < end]
    if not cuts or n_chunks <= 1:
        return [(start, end)]
    wanted = np.linspace(start, end, n_chunks + 1)[1:-1]
    chosen = sorted({min(cuts, key=lambda k: abs(k - target)) for target in wanted})
    bounds = [start, *chosen, end]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def render_chunk(job: ChunkJob, before=None) -> str:
    """Render one chunk on a worker; `before()` runs first (tests use it to kill a worker)."""
    from ..io.video_factory import open_video

    if before is not None:
        before()
    with open_video(job.video_path) as video:
        export_scene(video, job.scene, Path(job.output), start=job.start, end=job.end, progress=False,
                     overwrite=True, audio=False, **job.encoder_kwargs)
    return job.output


def export_chunked(video, scene, output: Path, client, *, start=None, end=None, n_chunks=None, overwrite=False,
                   make_dirs=False, progress=True, before_chunk=None, **encoder_kwargs) -> Path:
    """Export like `export_scene`, as keyframe-aligned chunks on a dask `client`, joined by stream copy.

    B-frames are turned off for the chunks (`bf=0`) so that the joined stream's decoding order stays
    monotonic across chunk borders; each chunk starts with a keyframe. The input's audio is copied for
    the whole span when the joined file is written (chunks carry video only).
    """
    from dask.distributed import as_completed

    if encoder_kwargs.get("fps"):
        raise ExportError("fps= picks input frames for a constant output rate, which a chunked export cannot do yet: "
                          "export without workers/client (or --workers), or leave fps out to keep the input's times.")
    output = checked_output(Path(output), video, overwrite=overwrite, make_dirs=make_dirs)
    remove_stale_partials(output.parent)
    start = 0 if start is None else int(start)
    end = len(video) if end is None else int(end)
    if getattr(video, "path", None) is None:
        raise ExportError("A chunked export needs the video as a file that workers can open.")
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    keyframes = getattr(video, "keyframes", np.arange(start, end))
    ranges = chunk_ranges(keyframes, start, end, n_chunks or 2 * workers)
    options = {**encoder_kwargs.pop("options", {}), "bf": "0"}
    chunk_folder = Path(tempfile.mkdtemp(prefix=partial_path(output, "-chunks-").stem, dir=output.parent))
    try:
        jobs = [ChunkJob(str(video.path), scene, a, b, str(chunk_folder / f"{index:05d}{output.suffix}"),
                         {**encoder_kwargs, "options": options})
                for index, (a, b) in enumerate(ranges)]
        futures = [client.submit(render_chunk, job, before_chunk, retries=RETRIES, pure=False) for job in jobs]
        frames_of = {future.key: job.end - job.start for job, future in zip(jobs, futures)}
        report, done_frames = progress_reporter(progress, end - start), 0
        for future in as_completed(futures):
            future.result()
            done_frames += frames_of[future.key]
            if report(done_frames):
                client.cancel(futures)
                raise ExportCancelled(f"Export cancelled after {done_frames} of {end - start} frames; nothing was written.")
        _join(jobs, output, scene.frame_times, start, video)
    finally:
        shutil.rmtree(chunk_folder, ignore_errors=True)
    return output


def _join(jobs: list[ChunkJob], output: Path, frame_times: np.ndarray, start: int, video) -> None:
    """Concatenate the chunk files by stream copy, each chunk's packets moved to its frames' times, and
    copy the input's audio for the whole span."""
    partial = partial_path(output, "-join")
    try:
        with av.open(str(partial), "w") as joined:
            with av.open(jobs[0].output) as first:
                stream = joined.add_stream_from_template(first.streams.video[0])
                stream.time_base = time_base = first.streams.video[0].time_base
            copy_audio(video, joined, frame_times, range(start, jobs[-1].end))
            for job in jobs:
                offset = Fraction(float(frame_times[job.start] - frame_times[start])).limit_denominator(10**7)
                with av.open(job.output) as chunk:
                    source = chunk.streams.video[0]
                    for packet in chunk.demux(source):
                        if packet.dts is None:
                            continue
                        packet.pts = round((packet.pts * source.time_base + offset) / time_base)
                        packet.dts = round((packet.dts * source.time_base + offset) / time_base)
                        packet.time_base = time_base
                        packet.stream = stream
                        joined.mux(packet)
        times = frame_times[start:jobs[-1].end] - frame_times[start]
        verify_written(partial, times, float(time_base))
        partial.replace(output)
    finally:
        if partial.exists():
            partial.unlink()


@dataclass(frozen=True)
class BatchResult:
    """What happened to one job of a batch: its output, or why it failed, or that it was skipped."""

    job: dict
    output: str | None = None
    error: str | None = None
    skipped: bool = False


def batch_render(jobs, client=None, *, workers=None, overwrite=False, progress=True) -> list[BatchResult]:
    """Export many sessions on dask, one task per job; a failing job is reported and does not stop the others.

    Each job is a dict of `create_visualization` arguments (`video`, and `timeseries`, `output`, `pose`,
    `events`, `intervals`, `layout`, `window`, `style`, encoder options ...). Jobs whose output exists are
    skipped unless `overwrite`. `client`: any `dask.distributed.Client`; without one, a local cluster of
    `workers` single-threaded processes (default: one per core) runs for the batch.
    """
    from dask.distributed import Client, LocalCluster

    jobs = [dict(job) for job in jobs]
    if client is None:
        with LocalCluster(n_workers=workers or None, threads_per_worker=1, processes=True) as cluster, \
                Client(cluster) as own:
            return batch_render(jobs, own, overwrite=overwrite, progress=progress)
    from dask.distributed import as_completed

    results: dict[int, BatchResult] = {}
    futures = {}
    for index, job in enumerate(jobs):
        output = Path(job.get("output") or default_output(job["video"]))
        job["output"] = str(output)
        if output.exists() and not overwrite:
            results[index] = BatchResult(job, str(output), skipped=True)
        else:
            futures[client.submit(_run_job, job, overwrite, pure=False, retries=RETRIES)] = index
    report = _batch_reporter(progress, len(jobs), len(results))
    for future in as_completed(list(futures)):
        index = futures[future]
        try:
            results[index] = BatchResult(jobs[index], future.result())
        except Exception as error:  # noqa: BLE001 - one job's failure is its result, the batch goes on
            results[index] = BatchResult(jobs[index], error=f"{type(error).__name__}: {error}")
        report(results[index])
    return [results[index] for index in range(len(jobs))]


def read_jobs(path) -> list[dict]:
    """Jobs from a YAML list of mappings, or a CSV whose columns are `create_visualization` arguments.

    In a CSV, empty cells are left out and `timeseries` (or `signals`) and `pose` may hold several paths
    separated by `;`.
    """
    import pandas as pd
    import yaml

    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        with open(path, encoding="utf-8") as handle:
            jobs = yaml.safe_load(handle)
        if not isinstance(jobs, list) or not all(isinstance(job, dict) for job in jobs):
            raise ExportError(f"{path} must hold a list of jobs (mappings with at least 'video').")
    else:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        jobs = [{key: _cell(key, value) for key, value in row.items() if value.strip()} for _, row in table.iterrows()]
    missing = [index for index, job in enumerate(jobs) if "video" not in job]
    if missing:
        raise ExportError(f"{path}: jobs {missing} have no 'video'.")
    return jobs


def _cell(key: str, text: str):
    if key in ("timeseries", "signals", "pose") and ";" in text:
        return [part.strip() for part in text.split(";") if part.strip()]
    return value_from_text(text)


def _run_job(job: dict, overwrite: bool) -> str:
    from ..api import create_visualization

    options = {key: value for key, value in job.items() if key not in ("video", "timeseries", "signals", "output")}
    return str(create_visualization(job["video"], job.get("timeseries", job.get("signals")), job["output"],
                                    progress=False, overwrite=overwrite, **options))


def _batch_reporter(progress, total: int, skipped: int):
    import sys

    counts = {"done": 0, "failed": 0}

    def report(result: BatchResult) -> None:
        counts["failed" if result.error else "done"] += 1
        if callable(progress):
            progress(result)
        elif progress:
            remaining = total - skipped - counts["done"] - counts["failed"]
            status = f"FAILED {result.job['video']}: {result.error}" if result.error else f"wrote {result.output}"
            print(f"[{counts['done']} done, {counts['failed']} failed, {skipped} skipped, {remaining} left] {status}",
                  file=sys.stderr)

    return report
