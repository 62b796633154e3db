"""Scale one export out on dask.distributed: the video in keyframe-aligned chunks, joined by stream copy.

Workers get how to open each video (`VideoEntry`) and the scene (picklable: arrays and small dataclasses), never
decoded frames. A chunk
renders and encodes its frames with the plain pipeline into a file of its own, starting with a
keyframe and carrying the frames' final timestamps; the chunks are then joined by stream copy. Several
videos (a `TiledScene`) are chunked the same way: each worker opens every video and reads them as one
`TiledVideo` over the scene it was sent. The scheduler retries a chunk whose worker died; the output is
written under a temporary name and renamed when complete, so it is complete or absent.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .._progress import progress_reporter
from ..errors import ExportCancelled, ExportError
from ..io.frame_index import chunk_ranges
from ..io.video_factory import VideoEntry
from ..overlays.tiles import TiledScene
from .export import (
    check_fps,
    checked_output,
    copy_audio,
    export_scene,
    frame_range,
    partial_path,
    remove_stale_partials,
    verify_written,
)
from .tiles import TiledVideo

RETRIES = 2  # a chunk whose worker dies is run again this many times


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs to render frames `start..end-1` of one export."""

    videos: tuple[VideoEntry, ...]  # one video, or the tiles of a TiledScene in their order
    scene: object  # a Scene or TiledScene: picklable (arrays and small dataclasses)
    start: int
    end: int
    output: str
    encoder_kwargs: dict


def render_chunk(job: ChunkJob, before=None) -> str:
    """Render one chunk on a worker; `before()` runs first (tests use it to kill a worker). Several videos are
    read as the `TiledVideo` of the job's `TiledScene`: each tile's first read seeks its video exactly."""
    if before is not None:
        before()
    with ExitStack() as opened:
        videos = [opened.enter_context(video.open()) for video in job.videos]
        export_scene(
            TiledVideo(videos, job.scene) if isinstance(job.scene, TiledScene) else videos[0],
            job.scene,
            Path(job.output),
            start=job.start,
            end=job.end,
            progress=False,
            overwrite=True,
            audio=False,
            **job.encoder_kwargs,
        )
    return job.output


def export_chunked(
    video,
    scene,
    output: Path,
    client,
    *,
    start=None,
    end=None,
    n_chunks=None,
    overwrite=False,
    make_dirs=False,
    progress=True,
    before_chunk=None,
    **encoder_kwargs,
) -> Path:
    """Export like `export_scene`, as keyframe-aligned chunks on a dask `client`, joined by stream copy.

    `video` is one video or the `TiledVideo` of several (then `scene` is its `TiledScene`); chunks start on
    its `keyframes` (a `TiledVideo`'s are those of its first video, on the output's frames). B-frames are
    turned off for the chunks (`bf=0`) so that the joined stream's decoding order stays monotonic across
    chunk borders; each chunk starts with a keyframe. The input's audio (the first video's) is copied for
    the whole span when the joined file is written (chunks carry video only).
    """
    from dask.distributed import as_completed

    check_fps(encoder_kwargs.get("fps"))
    if encoder_kwargs.get("fps"):
        raise ExportError(
            "fps= picks input frames for a constant output rate, which a chunked export cannot do yet: "
            "export without workers/client (or --workers), or leave fps out to keep the input's times."
        )
    output = checked_output(Path(output), video, overwrite=overwrite, make_dirs=make_dirs)
    remove_stale_partials(output.parent)
    frames = frame_range(start, end, len(video))
    start, end = frames.start, frames.stop
    sources = getattr(video, "videos", [video])
    if any(getattr(source, "path", None) is None for source in sources):
        raise ExportError("A chunked export needs every video as a file that workers can open.")
    # frames are read by index: their times travel with the scene, not as the frame-time file they came from
    entries = tuple(VideoEntry.reading_frames_of(source) for source in sources)
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    keyframes = getattr(video, "keyframes", np.arange(start, end))
    ranges = chunk_ranges(keyframes, start, end, n_chunks or 2 * workers)
    chunk_options = {**encoder_kwargs, "options": {**encoder_kwargs.get("options", {}), "bf": "0"}}
    chunk_folder = Path(tempfile.mkdtemp(prefix=partial_path(output, "-chunks-").stem, dir=output.parent))
    try:
        jobs = [
            ChunkJob(entries, scene, a, b, str(chunk_folder / f"{index:05d}{output.suffix}"), chunk_options)
            for index, (a, b) in enumerate(ranges)
        ]
        futures = [client.submit(render_chunk, job, before_chunk, retries=RETRIES, pure=False) for job in jobs]
        frames_of = {future.key: job.end - job.start for job, future in zip(jobs, futures)}
        report, done_frames = progress_reporter(progress, end - start), 0
        for future in as_completed(futures):
            future.result()
            done_frames += frames_of[future.key]
            if report(done_frames):
                client.cancel(futures)
                raise ExportCancelled(
                    f"Export cancelled after {done_frames} of {end - start} frames; nothing was written."
                )
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
        times = frame_times[start : jobs[-1].end] - frame_times[start]
        verify_written(partial, times, float(time_base))
        partial.replace(output)
    finally:
        if partial.exists():
            partial.unlink()
