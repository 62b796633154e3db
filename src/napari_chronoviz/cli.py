"""The `chronoviz` command line: `chronoviz render` writes the composite, `chronoviz view` opens napari,
`chronoviz check` tells whether a video's frames are read exactly, `chronoviz calibrate` writes a video's
spatial calibration (pixels -> cm), `chronoviz sync` puts a video on its rig's clock from a sync LED and the
rig's pulses (a clock map)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings
from fractions import Fraction
from pathlib import Path

from . import __version__
from ._progress import silenced
from .errors import ChronovizError, in_words
from .io.formats import is_phy_folder
from .io.spikes import PHY_ORDERS
from .io.tables import value_from_text
from .sources import TIME_UNITS

INTERRUPTED = 130  # the shell's status for a command ended by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run `chronoviz render ...` or `chronoviz view ...`; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    quiet = silenced() if getattr(args, "quiet", False) else contextlib.nullcontext()
    with _interrupted_by_sigterm(), quiet:
        try:
            return _run(args)
        except KeyboardInterrupt:
            output = getattr(args, "output", None) if args.command == "render" else None
            print(f"chronoviz: interrupted{f'; {output} was not written' if output else ''}.", file=sys.stderr)
            return INTERRUPTED


@contextlib.contextmanager
def _interrupted_by_sigterm():
    """Make SIGTERM (`kill`, a job scheduler's time limit) stop the command as Ctrl-C does, so that the
    export removes its partial file on the way out."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.showwarning = _warning_printer(warnings.showwarning)
        return _run_command(args)


def _warning_printer(show_other):
    """Show chronoviz's warnings for the user (UserWarning: a unit that looks wrong, a pose that stops early) as
    lines of the command's own; other warnings (a library's deprecations) as `show_other` does."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, UserWarning):
            print(f"chronoviz: warning: {in_words(message, 'cli')}", file=sys.stderr)
        else:
            show_other(message, category, filename, lineno, file, line)

    return show


def _run_command(args: argparse.Namespace) -> int:
    try:
        if args.command == "batch":
            return _batch(args)
        if args.command == "check":
            return _check(args)
        if args.command == "calibrate":
            return _calibrate(args)
        if args.command == "sync":
            return _sync(args)
        if args.command == "view":
            _check_display()
        videos, options, frame_times = _session_or_options(args)
        if args.command == "render":
            from .render.visualization import create_visualization

            with _client(args.scheduler) as client:
                written = create_visualization(
                    videos,
                    options.pop("signals"),
                    args.output,
                    start=args.start,
                    end=args.end,
                    scale=args.scale,
                    crop=args.crop,
                    plot_only=args.plot_only,
                    alpha=args.alpha,
                    progress=not args.quiet,
                    overwrite=args.overwrite,
                    make_dirs=args.make_dirs,
                    workers=args.workers,
                    client=client,
                    **options,
                    **_encoder_options(args),
                )
            if not args.quiet:
                print(f"wrote {written}")
            return 0
        return _view(videos, options, frame_times)
    except (ChronovizError, OSError) as error:
        print(f"chronoviz: {in_words(error, 'cli')}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chronoviz", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="write the video with its overlays")
    view = commands.add_parser("view", help="open the video with its overlays in napari")
    for command in (render, view):
        command.add_argument(
            "video",
            nargs="+",
            help="video files or imgstores (several are cameras side by side "
            "on the first one's clock), or one session: a session file (.cvz) or an NWB file (.nwb), which brings "
            "its own videos and sources (flags adding sources are refused) and whose settings the flags below "
            "replace where given",
        )
        command.add_argument("--tiles", choices=("row", "grid"), help="arrangement of several videos (default row)")
        command.add_argument("--tile-height", type=int, metavar="PX", help="scale every video to this height")
        _add_video_flags(command)
        command.add_argument("--signals", nargs="+", default=[], metavar="FILE", help="time series files")
        for flag, metavar, kind, help_text in SIGNAL_READER_FLAGS:
            command.add_argument(
                flag,
                nargs="+",
                type=kind,
                metavar=metavar,
                help=f"{help_text}; one value for every --signals file, or one per file in their order",
            )
        command.add_argument(
            "--pose",
            nargs="+",
            default=[],
            metavar="FILE",
            help="pose files; with several videos one per video in their order ('-' for none)",
        )
        command.add_argument("--events", metavar="FILE", help="events table (time, kind)")
        command.add_argument("--intervals", metavar="FILE", help="intervals table (start, end, label), e.g. BORIS")
        command.add_argument(
            "--spikes",
            nargs="+",
            default=[],
            metavar="FILE",
            help="spike times, a raster lane each: a phy / Kilosort output folder (spike_times.npy, params.py, ...), "
            "a table (unit, time), a <name>_t.npy/_y.npy pair or an NWB file's units",
        )
        command.add_argument(
            "--spikes-good-only",
            action="store_true",
            help="phy / Kilosort folders: only the units labelled good (phy's cluster_group.tsv, else KSLabel)",
        )
        command.add_argument(
            "--spikes-order",
            type=lambda text: _choice(text, PHY_ORDERS, "--spikes-order"),
            metavar="ORDER",
            help="phy / Kilosort folders: the units top down by id (default), depth (as on the probe) or rate",
        )
        command.add_argument(
            "--spikes-start",
            type=float,
            metavar="SECONDS",
            help="phy / Kilosort folders: the time of sample 0 (default: the start of the recording params.py's "
            "dat_path names, e.g. a SpikeGLX .bin, else 0)",
        )
        command.add_argument(
            "--spikes-rows",
            nargs=2,
            type=int,
            metavar=("FIRST", "STOP"),
            help="phy / Kilosort folders: only the units at these positions of --spikes-order (a page of a large "
            "sorting, e.g. 0 100 for the 100 busiest with --spikes-order rate)",
        )
        command.add_argument(
            "--align",
            default="auto",
            metavar="MODE",
            help="auto, frame, ratio, stretch, pad or timestamps (default auto)",
        )
        command.add_argument("--ratio", type=Fraction, help="samples per frame, e.g. 4 or 1/2")
        command.add_argument(
            "--offset", type=float, default=0.0, help="seconds the signals start after the video (negative: before)"
        )
        command.add_argument(
            "--pose-align",
            default="auto",
            metavar="MODE",
            help="pose alignment: auto (one row per frame; a short pose shows nothing after its "
            "end), frame, ratio, stretch, pad or timestamps",
        )
        command.add_argument("--pose-ratio", type=Fraction, help="pose rows per frame, e.g. 1/2 (every other frame)")
        command.add_argument("--pose-offset", type=float, default=0.0, help="seconds the poses start after the video")
        command.add_argument(
            "--no-pose-video-check",
            dest="pose_check_video",
            action="store_false",
            help="draw a pose whose file says it was made on another video (a renamed copy of this one)",
        )
        command.add_argument(
            "--labels-clock",
            type=value_from_text,
            default="video",
            metavar="CLOCK",
            help="clock of the events' and intervals' times: video (default), or a signal whose "
            "offset they share, by its position among --signals (0, 1, ...) or file name",
        )
        command.add_argument(
            "--window",
            type=float,
            nargs=2,
            default=(2.0, 2.0),
            metavar=("LEFT", "RIGHT"),
            help="seconds of signal before and after the current frame",
        )
        command.add_argument(
            "--layout", default="below", help="panel position: below, above, left, right, top-left, ..., none"
        )
        command.add_argument(
            "--style",
            nargs="+",
            default=[],
            metavar="KEY=VALUE",
            help="style options, e.g. trail_length=15 plot_layout=overlay",
        )
        command.add_argument(
            "--calibration",
            metavar="FILE",
            help="the video's spatial calibration (from chronoviz calibrate): a scale bar, and --pose-speed in cm/s",
        )
        command.add_argument(
            "--pose-speed",
            metavar="KEYPOINT",
            help="a lane of each pose's speed per individual: of this keypoint, or of the centroid "
            "('centroid'); in the calibration's unit per second, else px/s",
        )
    render.add_argument("-o", "--output", help="output file (default: <video>_chronoviz.mp4 beside the video)")
    render.add_argument("--start", type=int, help="first frame (default 0)")
    render.add_argument("--end", type=int, help="frame after the last (default: the end)")
    render.add_argument("--scale", type=float, help="resize factor of the composite")
    render.add_argument(
        "--crop", type=float, nargs=4, metavar=("X0", "Y0", "X1", "Y1"), help="crop box of the composite, in pixels"
    )
    render.add_argument("--plot-only", action="store_true", help="write only the plot panel, at its size in the layout")
    render.add_argument(
        "--alpha", action="store_true", help="with --plot-only and a .webm output: a transparent background"
    )
    render.add_argument("--codec", help="encoder, e.g. libx264 (default), libx265, libvpx-vp9, gif")
    render.add_argument("--crf", type=float)
    render.add_argument("--qp", type=int)
    render.add_argument("--preset")
    render.add_argument("--pix-fmt", dest="pix_fmt")
    render.add_argument("--fps", type=float, help="constant output rate (default: the input's frame times)")
    render.add_argument("--bitrate")
    render.add_argument("--gop", type=int)
    render.add_argument("--option", nargs="+", default=[], metavar="KEY=VALUE", help="any other encoder option")
    render.add_argument("--overwrite", action="store_true", help="replace an existing output")
    render.add_argument("--make-dirs", action="store_true", help="create the output folder")
    render.add_argument("--quiet", action="store_true", help="no progress line")
    render.add_argument("--workers", type=int, help="render in chunks on a local dask cluster of N processes")
    render.add_argument("--scheduler", help="render in chunks on the dask scheduler at this address")
    batch = commands.add_parser("batch", help="export many sessions listed in a CSV or YAML file, on dask")
    batch.add_argument("jobs", help="CSV (columns: video, output, signals, pose, ... ) or YAML list of jobs")
    batch.add_argument("--scheduler", help="address of a running dask scheduler (default: a local cluster)")
    batch.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    batch.add_argument("--overwrite", action="store_true", help="redo jobs whose output exists")
    batch.add_argument("--quiet", action="store_true", help="no progress lines")
    calibrate = commands.add_parser("calibrate", help="write a video's spatial calibration (pixels -> cm) to a file")
    calibrate.add_argument("video", help="the video the points were read on (its size is kept and checked)")
    how = calibrate.add_mutually_exclusive_group(required=True)
    how.add_argument("--points", nargs=2, type=_point, metavar="X,Y", help="two points a known --distance apart")
    how.add_argument(
        "--corners",
        nargs=4,
        type=_point,
        metavar="X,Y",
        help="the arena's corners, top-left, top-right, bottom-right, bottom-left as the video shows them",
    )
    how.add_argument("--px-per-unit", type=float, metavar="N", help="a known scale: pixels per unit")
    calibrate.add_argument("--distance", type=float, help="with --points: their distance, in --unit")
    calibrate.add_argument(
        "--size", type=float, nargs=2, metavar=("WIDTH", "HEIGHT"), help="with --corners: the arena's size, in --unit"
    )
    calibrate.add_argument("--unit", default="cm", help="unit of length (default cm)")
    calibrate.add_argument("-o", "--output", required=True, help="calibration file to write (.yaml, or .json)")
    calibrate.add_argument("--overwrite", action="store_true", help="replace an existing file")
    calibrate.add_argument("--quiet", action="store_true", help="do not print the calibration")
    check = commands.add_parser("check", help="check that a video's frames are read exactly; describe its timing")
    check.add_argument("videos", nargs="+", metavar="VIDEO", help="video files")
    _add_video_flags(check)
    check.add_argument("--seeks", type=int, default=20, help="random frames read by fresh sources (default 20)")
    check.add_argument("--seed", type=int, default=0, help="seed of the random frames (default 0)")
    sync = commands.add_parser(
        "sync", help="put a video on its rig's clock from a sync LED it films and the rig's pulses; write the map"
    )
    sync.add_argument("video", help="the video (on its own clock: its container's frame times)")
    sync.add_argument("--roi", required=True, metavar="X,Y,W,H", help="the LED's box in pixels: top-left x,y, w, h")
    sync.add_argument(
        "--pulses",
        required=True,
        metavar="FILE",
        help="the rig's pulses: a CSV/NPY of edge times (a state column tells rising from falling), a sampled sync "
        "line (with --pulses-rate or a time column), an Open Ephys TTL events folder, or a SpikeGLX .meta/.bin (an "
        "imec probe's sync word, a NI-DAQ's digital line)",
    )
    sync.add_argument("--pulses-unit", choices=TIME_UNITS, help="unit of the pulse times (default s, or the column's)")
    sync.add_argument("--pulses-rate", type=float, metavar="HZ", help="samples per second of a sampled sync line")
    sync.add_argument(
        "--line",
        type=int,
        help="Open Ephys: the TTL line (default the first); SpikeGLX: the imec sync word's bit (6) or the NI-DAQ's "
        "digital line (default the one its header names)",
    )
    sync.add_argument(
        "--pulses-channel",
        metavar="NAME|N",
        help="an analog recording's channel carrying the sync line (an NI-DAQ input in a CSV/HDF5/NPZ/NWB file)",
    )
    sync.add_argument("--pulses-key", metavar="KEY", help="the HDF5 dataset / NPZ member / NWB series of the pulses")
    sync.add_argument("--edge", choices=("rising", "falling", "both"), default="rising", help="edges matched")
    sync.add_argument("--threshold", type=float, help="the LED's level between off and on (default: Otsu's)")
    sync.add_argument(
        "--channel", choices=("brightness", "red", "green", "blue"), default="brightness", help="the LED's colour"
    )
    sync.add_argument(
        "--barcodes",
        metavar="BITS,BIT_MS,EVERY_S",
        help="the rig sends barcodes (Open Ephys style: a start bit, then BITS bits of a count, BIT_MS ms each, every "
        "EVERY_S s), e.g. 16,100,5: they name the matching pulses (the pulses file needs both edges)",
    )
    sync.add_argument("-o", "--output", required=True, help="the clock map to write (.json)")
    sync.add_argument("--signal", metavar="CSV", help="also write the region's signal (colour, motion) per frame")
    sync.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    sync.add_argument("--quiet", action="store_true", help="no progress, no report")
    sync.add_argument("--workers", type=int, help="read a long video on a local dask cluster of N processes")
    return parser


def _add_video_flags(command) -> None:
    """How each video is opened (`open_video`'s options), the same for render, view and check."""
    command.add_argument(
        "--frame-times",
        nargs="+",
        default=[],
        metavar="FILE",
        help="each video's frame times (one file per video, '-' for a video's own times): .npy, a one-column "
        ".csv, a camera timestamp log, an ataraxis archive; they replace the container's times",
    )
    command.add_argument(
        "--no-upright",
        dest="upright",
        action="store_false",
        help="keep a video's stored orientation (frames as the camera stored them), not turned as its display "
        "matrix says (a phone video's rotation) as players and OpenCV show it",
    )


def _sync(args) -> int:
    """Sync the video, write its clock map (and the region's signal); print the report."""
    from pathlib import Path

    from ._progress import progress_reporter
    from .io.tables import write_text_atomically
    from .io.video_factory import open_video
    from .sync import BitCodes, Region, read_pulses, sync_video

    output = Path(args.output)
    if output.suffix.lower() != ".json":
        raise ChronovizError(f"The clock map is written as JSON: give -o a .json name, not {output.name}.")
    outputs = [output] + ([Path(args.signal)] if args.signal else [])
    existing = [str(path) for path in outputs if path.exists()]
    if existing and not args.overwrite:
        raise ChronovizError(f"{', '.join(existing)} exists; pass --overwrite to replace it.")
    region = Region.from_text(args.roi)
    barcodes = BitCodes.from_text(args.barcodes) if args.barcodes else None
    pulses = read_pulses(
        args.pulses,
        time_unit=args.pulses_unit,
        rate=args.pulses_rate,
        line=args.line,
        channel=args.pulses_channel,
        key=args.pulses_key,
    )
    with open_video(args.video) as video:
        report = progress_reporter(not args.quiet, video.n_frames, "reading the LED")
        result = sync_video(
            video,
            region,
            pulses,
            edge=args.edge,
            threshold=args.threshold,
            channel=args.channel,
            barcodes=barcodes,
            progress=lambda done, total: report(done),
            workers=args.workers,
        )
    result.clock.write(output, overwrite=args.overwrite)
    if args.signal:
        write_text_atomically(args.signal, result.signal.to_dataframe().to_csv(index=False), overwrite=args.overwrite)
    if not args.quiet:
        print(result.report())
        print(f"wrote {output}" + (f" and {args.signal}" if args.signal else ""))
        print(f"open the video on the rig's clock with --frame-times {output}")
    return 0


def _check(args) -> int:
    """Print each video's check (an NWB session's: each file of each of its videos); exit status 1 when any is not
    exact."""
    from .io.nwb import is_nwb, nwb_parts, nwb_video_series
    from .io.video_check import check_video

    checked = []
    for video, times in zip(args.videos, _frame_time_files(args.videos, args.frame_times)):
        if not is_nwb(video):
            checked.append((video, times))
            continue
        if times is not None:
            raise ChronovizError(f"{video} times its videos itself: leave --frame-times out for it ('-').")
        keys = [part.key for part in nwb_parts(video) if part.kind == "video"]
        if not keys:
            nwb_video_series(video)  # raises, saying the file points at no video
        checked.extend((file, None) for key in keys for file in nwb_video_series(video, key).files)
    reports = [
        check_video(video, seeks=args.seeks, seed=args.seed, frame_times=times, upright=args.upright)
        for video, times in checked
    ]
    print("\n".join(report.report("cli") for report in reports))
    return 0 if all(report.exact for report in reports) else 1


def _calibrate(args) -> int:
    """Write the calibration the options describe, checked against the video's size; print what it is."""
    from .calibration import Calibration, write_calibration
    from .io.video_factory import open_video

    with open_video(args.video) as video:
        size = (video.width, video.height)
    if args.points is not None:
        if args.distance is None:
            raise ChronovizError("--points needs --distance: how far apart the two points are, in --unit.")
        calibration = Calibration.from_points(*args.points, args.distance, args.unit, video_size=size)
    elif args.corners is not None:
        if args.size is None:
            raise ChronovizError("--corners needs --size WIDTH HEIGHT: the arena's size, in --unit.")
        calibration = Calibration.from_corners(args.corners, *args.size, args.unit, video_size=size)
    else:
        calibration = Calibration.from_scale(args.px_per_unit, args.unit, video_size=size)
    written = write_calibration(args.output, calibration, overwrite=args.overwrite)
    if not args.quiet:
        print(f"wrote {written}: {calibration.summary}")
    return 0


def _point(text: str) -> tuple[float, float]:
    """'x,y' pixels from the command line."""
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a point is X,Y in pixels, e.g. 120,48; got {text!r}") from None
    return x, y


def _batch(args) -> int:
    from .render.batch import batch_render, read_jobs

    jobs = read_jobs(args.jobs)
    with _client(args.scheduler) as client:
        results = batch_render(jobs, client, workers=args.workers, overwrite=args.overwrite, progress=not args.quiet)
    failed = [result for result in results if result.error]
    for result in failed:
        print(f"chronoviz: {result.job['video']}: {result.error}", file=sys.stderr)
    return 1 if failed else 0


def _client(address):
    """A dask client for `address`, or a context that gives None (a local cluster is made later)."""
    from contextlib import nullcontext

    if not address:
        return nullcontext(None)
    from dask.distributed import Client

    return Client(address)


def _session_or_options(args) -> tuple:
    """The videos (one, or a list of cameras), the scene's keywords and each video's frame-time file (None: its
    own times): from a session file or an NWB session (their own settings), or from the command line."""
    from .io.formats import SESSION_SUFFIX
    from .io.nwb import is_nwb

    if len(args.video) == 1 and (args.video[0].lower().endswith(SESSION_SUFFIX) or is_nwb(args.video[0])):
        from .session import open_session

        session = open_session(args.video[0])
        options = _session_with_flags(session.options, args, len(session.videos))
        videos = session.open_videos()
        frame_times = [video.frame_times for video in session.videos]
        return (videos if len(videos) > 1 else videos[0]), options, frame_times
    frame_times = _frame_time_files(args.video, args.frame_times)
    videos = _opened_videos(args.video, frame_times, args.upright)
    options = {**_scene_options(args), "signals": _signal_specs(args)}
    return (videos if len(videos) > 1 else videos[0]), options, frame_times


def _frame_time_files(videos: list[str], frame_times: list[str]) -> list:
    """Each video's `--frame-times` file, None for its own times ('-' or no --frame-times)."""
    if not frame_times:
        return [None] * len(videos)
    if len(frame_times) != len(videos):
        raise ChronovizError(
            f"--frame-times takes one file per video ('-' for a video's own times): {len(videos)} video(s), "
            f"{len(frame_times)} file(s) given."
        )
    return [None if times == "-" else times for times in frame_times]


def _opened_videos(videos: list[str], frame_times: list, upright: bool) -> list:
    """The videos as paths, or opened (`open_video`) when they have a frame-time file or keep their stored
    orientation."""
    from .io.video_factory import open_video

    return [
        video if times is None and upright else open_video(video, times, upright=upright)
        for video, times in zip(videos, frame_times)
    ]


def _signal_specs(args) -> list | None:
    """Each `--signals` file with its reader options (`--key`, `--time-column`, `--time-unit`, `--rate`, `--dtype`,
    `--n-channels`, `--gain`, `--channels`): one value for every file, or one per file."""
    from .sources import SourceSpec

    if not args.signals:
        given = [flag for flag, *_ in SIGNAL_READER_FLAGS if getattr(args, _dest(flag))]
        if given:
            raise ChronovizError(f"{', '.join(given)} read --signals files; give them with --signals FILE ...")
        return None
    per_file = {}
    for flag, *_ in SIGNAL_READER_FLAGS:
        values = getattr(args, _dest(flag)) or [None]
        if len(values) not in (1, len(args.signals)):
            raise ChronovizError(
                f"{flag} takes one value for every --signals file or one per file: {len(args.signals)} file(s), "
                f"{len(values)} value(s) given."
            )
        per_file[_dest(flag)] = values * len(args.signals) if len(values) == 1 else values
    return [
        SourceSpec("signals", path, **{name: values[index] for name, values in per_file.items()})
        for index, path in enumerate(args.signals)
    ]


def _spike_specs(args) -> list | None:
    """Each `--spikes` source; the phy / Kilosort folders among them with `--spikes-good-only`, `--spikes-order`,
    `--spikes-start` and `--spikes-rows`."""
    from .sources import SourceSpec

    options = {
        "good_only": args.spikes_good_only or None,
        "order": args.spikes_order,
        "start": args.spikes_start,
        "rows": args.spikes_rows,
    }
    given = {name: value for name, value in options.items() if value is not None}
    missing = [path for path in args.spikes if not Path(path).exists()]
    if missing:
        raise ChronovizError(f"--spikes {missing[0]}: no such file or folder.")
    folders = [path for path in args.spikes if is_phy_folder(path)]
    if given and not folders:
        flags = ", ".join(f"--spikes-{name.replace('_', '-')}" for name in given)
        raise ChronovizError(f"{flags} read phy / Kilosort folders; give one with --spikes FOLDER.")
    return [SourceSpec("spikes", path, **given) if path in folders else path for path in args.spikes] or None


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _positive_hz(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = 0.0
    if not rate > 0:
        raise argparse.ArgumentTypeError(f"a sample rate is a positive number of Hz, e.g. 1000; got {text!r}")
    return rate


# a --signals file's reader options: flag, metavar, type, help (the names of `SourceSpec`'s fields)
SIGNAL_READER_FLAGS = (
    ("--key", "KEY", str, "the HDF5 key or dataset, or NPZ member, holding the values"),
    ("--time-column", "NAME", str, "the column of the sample times (default: found by name, e.g. time, t)"),
    ("--time-unit", "UNIT", lambda text: _choice(text, TIME_UNITS, "--time-unit"), "s, ms, us or ns of the times"),
    ("--rate", "HZ", _positive_hz, "samples per second of a file without a time column"),
    ("--dtype", "DTYPE", str, "a headerless binary recording's sample type (e.g. int16: SpikeGLX, Open Ephys)"),
    ("--n-channels", "N", int, "a headerless binary recording's interleaved channel count"),
    ("--gain", "UNITS", float, "physical units per file unit (e.g. microvolts per bit)"),
    (
        "--channels",
        "SPEC",
        str,
        "the channels to show: indices from 0 (along the probe for a raw recording), ranges with both ends, or "
        "names or a probe's shanks, e.g. 0-63, 0-31,64-95, AP12,AP13 or 'shank 1'",
    ),
)


def _choice(text: str, choices: tuple, flag: str) -> str:
    if text not in choices:
        raise argparse.ArgumentTypeError(f"{flag} is one of {', '.join(choices)}; got {text!r}")
    return text


def _scene_options(args) -> dict:
    alignment = {"mode": args.align, "offset": args.offset, "ratio": args.ratio}
    pose_alignment = {
        "mode": args.pose_align,
        "offset": args.pose_offset,
        "ratio": args.pose_ratio,
        "check_video": args.pose_check_video,
    }
    several = len(args.video) > 1
    options = {
        "pose": ([None if path == "-" else path for path in args.pose] if several else args.pose) or None,
        "events": args.events,
        "intervals": args.intervals,
        "spikes": _spike_specs(args),
        "alignment": alignment,
        "pose_alignment": pose_alignment,
        "labels_clock": args.labels_clock,
        "window": tuple(args.window),
        "layout": args.layout,
        "style": _key_values(args.style, "--style", typed=True),
        "calibration": args.calibration,
        "pose_speed": args.pose_speed,
    }
    if several:
        options["tiles"] = _tiles(args, len(args.video))
    elif args.tiles or args.tile_height:
        raise ChronovizError("--tiles and --tile-height arrange several videos; with one video leave them out.")
    return options


def _tiles(args, n_videos: int) -> dict:
    """The `tiles` option of `n_videos` videos from --tiles and --tile-height."""
    from .overlays.tiles import grid_columns

    return {"columns": grid_columns(n_videos) if args.tiles == "grid" else None, "height": args.tile_height}


# flags that add sources or open videos: a session brings its own
SESSION_OWN_FLAGS = {
    "signals": "--signals",
    "pose": "--pose",
    "events": "--events",
    "intervals": "--intervals",
    "spikes": "--spikes",
    "spikes_good_only": "--spikes-good-only",
    "spikes_order": "--spikes-order",
    "spikes_start": "--spikes-start",
    "spikes_rows": "--spikes-rows",
    "frame_times": "--frame-times",
    "upright": "--no-upright",
    **{_dest(flag): flag for flag, *_ in SIGNAL_READER_FLAGS},
}
# scene options set by flags (over a session's own), and the keys the flags set in the option's dict
ALIGNMENT_FLAGS = {
    "alignment": {"align": "mode", "offset": "offset", "ratio": "ratio"},
    "pose_alignment": {
        "pose_align": "mode",
        "pose_offset": "offset",
        "pose_ratio": "ratio",
        "pose_check_video": "check_video",
    },
}
SCENE_FLAGS = ("labels_clock", "window", "layout", "style", "calibration", "pose_speed")


def _session_with_flags(session_options: dict, args, n_videos: int) -> dict:
    """A session's (or NWB session's) options with the scene flags the command line gives (layout, window, style,
    alignment, the pose check, ...) in place of its own. Flags that add sources or open videos are refused: the
    session brings its own."""
    defaults = vars(_parser().parse_args([args.command, *args.video]))
    given = {dest for dest, value in vars(args).items() if defaults.get(dest) != value}
    refused = [flag for dest, flag in SESSION_OWN_FLAGS.items() if dest in given]
    if refused:
        name = args.video[0]
        raise ChronovizError(
            f"{name} is a session: its videos and sources come from it, so {', '.join(refused)} cannot be added here. "
            f"Open it with `chronoviz view {name}`, add them in the Overlays dock and save the session, or render the "
            "video files themselves with these flags."
        )
    flagged = _scene_options(argparse.Namespace(**{**vars(args), "tiles": None, "tile_height": None}))
    options = dict(session_options)
    options.update({name: flagged[name] for name in SCENE_FLAGS if name in given})
    for name, keys in ALIGNMENT_FLAGS.items():
        chosen = {key: flagged[name][key] for dest, key in keys.items() if dest in given}
        if chosen:
            options[name] = {**(options.get(name) or {}), **chosen}
    if {"tiles", "tile_height"} & given:
        if n_videos < 2:
            raise ChronovizError("--tiles and --tile-height arrange several videos; this session has one.")
        options["tiles"] = _tiles(args, n_videos)
    return options


def _encoder_options(args) -> dict:
    given = {key: getattr(args, key) for key in ("codec", "crf", "qp", "preset", "pix_fmt", "fps", "bitrate", "gop")}
    options = {key: value for key, value in given.items() if value is not None}
    if args.option:
        options["options"] = _key_values(args.option, "--option", typed=False)
    return options


def _key_values(items: list[str], flag: str, typed: bool) -> dict:
    pairs = {}
    for item in items:
        key, separator, value = item.partition("=")
        if not separator:
            raise ChronovizError(f"{flag} takes KEY=VALUE pairs; got {item!r}.")
        pairs[key] = _typed(value) if typed else value
    return pairs


def _typed(text: str):
    """Numbers, booleans and comma lists from the command line: '15' -> 15, 'a,b' -> ['a', 'b']."""
    if "," in text:
        return [_typed(part) for part in text.split(",")]
    return value_from_text(text)


def _check_display() -> None:
    """Refuse `view` where Qt has no screen to open napari's window on (an ssh session, a batch job): Qt would
    abort the process with a message about its platform plugins."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ChronovizError(
            "chronoviz view opens napari's window, and this session has no display (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set, e.g. over ssh). Write the video with `chronoviz render` instead, connect with a "
            "display (ssh -X), or run it under a virtual one: xvfb-run chronoviz view ..."
        )


def _view(videos, options: dict, frame_times: list) -> int:
    from unittest.mock import patch

    import napari

    from .io.video import VideoSource
    from .napari._attach import attach
    from .napari._reader import video_layer_data
    from .napari._widget import ChronovizWidget

    with patch.object(sys, "argv", sys.argv[:1]):  # the QApplication napari makes would take our --style for Qt's
        viewer = napari.Viewer()
    layers = []
    for video, times in zip(videos if isinstance(videos, list) else [videos], frame_times):
        if isinstance(video, VideoSource):  # opened with its frame-time file (by a session or --frame-times)
            data, attributes, _ = video_layer_data(video, frame_times_file=times)
            layers.append(viewer.add_image(data, **attributes))
        else:
            layers.append(viewer.open(video, plugin="napari-chronoviz")[0])
    attach(viewer, layers, **options)
    viewer.window.add_dock_widget(ChronovizWidget(viewer), name="chronoviz", area="right")
    napari.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
