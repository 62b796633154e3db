"""Many exports on dask.distributed: one task per session, each a `create_visualization` call."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError
from ..io.tables import value_from_text
from ..io.video_factory import default_output
from ..scene_options import SCENE_OPTION_NAMES
from .distributed import RETRIES
from .encode import EncoderSettings
from .visualization import create_visualization, export_video


@dataclass(frozen=True)
class BatchResult:
    """What happened to one job of a batch: its output, or why it failed, or that it was skipped."""

    job: dict
    output: str | None = None
    error: str | None = None
    skipped: bool = False


def batch_render(
    jobs: list[dict],
    client=None,
    *,
    workers: int | None = None,
    overwrite: bool = False,
    progress: bool | Callable[[BatchResult], None] = True,
) -> list[BatchResult]:
    """Export many sessions on dask, one task per job; a failing job is reported and does not stop the others.

    Parameters
    ----------
    jobs
        One dict of `create_visualization` arguments per export (`video`, and `signals`, `output`, `pose`,
        `events`, `intervals`, `layout`, `window`, `style`, encoder options ...), e.g. from `read_jobs`.
    client
        Any `dask.distributed.Client`; without one, a local cluster runs for the batch.
    workers
        Single-threaded worker processes of that local cluster (default: one per core).
    overwrite
        Redo jobs whose output exists (they are skipped otherwise).
    progress
        True (a line per finished job on stderr), False, or a callable given each `BatchResult`.

    Returns
    -------
    list of BatchResult
        One per job, in the jobs' order: its output, or why it failed, or that it was skipped.
    """
    from dask.distributed import Client, LocalCluster

    jobs = [dict(job) for job in jobs]
    if client is None:
        with (
            LocalCluster(n_workers=workers or None, threads_per_worker=1, processes=True) as cluster,
            Client(cluster) as own,
        ):
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

    In a CSV, empty cells are left out and `signals` and `pose` may hold several paths separated by `;`.

    Parameters
    ----------
    path
        The jobs file (.yaml/.yml, or a CSV with a header row).

    Returns
    -------
    list of dict
        One mapping of `create_visualization` arguments per job.

    Raises
    ------
    ExportError
        When the file is not a list of jobs, a job has no `video`, or a job names an argument that
        `create_visualization` does not take.
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
    known = _job_keys()
    for index, job in enumerate(jobs):
        unknown = sorted(set(job) - known)
        if unknown:
            raise ExportError(
                f"{path}: job {index} has unknown field(s) {unknown}; the fields are {', '.join(sorted(known))}."
            )
    return jobs


def _job_keys() -> set[str]:
    """The fields a job may have: `create_visualization`'s and `export_video`'s arguments, the scene options and
    the encoder options (progress, overwrite and the dask client belong to the batch)."""
    named = set(inspect.signature(create_visualization).parameters) | set(inspect.signature(export_video).parameters)
    named |= set(SCENE_OPTION_NAMES)
    encoder = set(inspect.signature(EncoderSettings.from_kwargs).parameters) | {"fps"}
    return (named | encoder) - {
        "ffmpeg_kwargs",
        "scene",
        "progress",
        "overwrite",
        "client",
        "workers",
        "suffix",
        "unknown",
    }


def _cell(key: str, text: str):
    if key in ("signals", "pose") and ";" in text:
        return [part.strip() for part in text.split(";") if part.strip()]
    return value_from_text(text)


def _run_job(job: dict, overwrite: bool) -> str:
    options = {key: value for key, value in job.items() if key != "output"}
    return str(create_visualization(output=job["output"], progress=False, overwrite=overwrite, **options))


def _batch_reporter(progress, total: int, skipped: int):
    counts = {"done": 0, "failed": 0}

    def report(result: BatchResult) -> None:
        counts["failed" if result.error else "done"] += 1
        if callable(progress):
            progress(result)
        elif progress:
            remaining = total - skipped - counts["done"] - counts["failed"]
            status = f"FAILED {result.job['video']}: {result.error}" if result.error else f"wrote {result.output}"
            print(
                f"[{counts['done']} done, {counts['failed']} failed, {skipped} skipped, {remaining} left] {status}",
                file=sys.stderr,
            )

    return report
