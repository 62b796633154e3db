"""Exceptions raised for input the user can fix: each message names the file, the problem and the fix.

The fix is given in the words of the interface the user works in: a message says which option to set with
`advice(name, value)`, a marker that `in_words(message, interface)` writes as that option's argument in Python,
flag on the command line or control in the dock (`ADVICE`). `str()` of a `ChronovizError` or `ChronovizWarning`
gives the Python words; the command line and the dock write theirs with `in_words`. A message that embeds another
error's keeps its markers with `marked(error)`.
"""

from __future__ import annotations

import ast
import re

INTERFACES = ("python", "cli", "dock")
# an option a message advises to set, in each interface's words ({value}: the value advised)
ADVICE = {
    "mode": ("mode={value!r}", "--align {value}", "alignment '{value}' of the source"),
    "pose_mode": ("pose_alignment={{'mode': {value!r}}}", "--pose-align {value}", "alignment '{value}' of the pose"),
    "ratio": ("ratio={value}", "--ratio {value}", "rows per frame {value}"),
    "pose_ratio": (
        "pose_alignment={{'mode': 'ratio', 'ratio': {value}}}",
        "--pose-align ratio --pose-ratio {value}",
        "alignment 'ratio' with rows per frame {value} for the pose",
    ),
    "offset": ("offset={value}", "--offset {value} (--pose-offset for a pose)", "offset (s) {value} of the source"),
    "rate": ("rate=HZ", "--rate HZ", "'rate (Hz)' of the source"),
    "channels": ("channels='0-63'", "--channels 0-63", "'channels' of the source (e.g. 0-63)"),
    "no_rate": ("leave rate= out", "leave --rate out", "set 'rate (Hz)' to 0"),
    "time_column": ("time_column=NAME", "--time-column NAME", "'time column' of the source"),
    "time_unit": ("time_unit=UNIT", "--time-unit UNIT", "'time unit' of the source"),
    "frame_times_unit": (
        "read_frame_times(..., time_unit={value!r}), or name the file with a _{value} suffix (e.g. "
        "frame_times_{value}.npy)",
        "name the file with a _{value} suffix (e.g. frame_times_{value}.npy)",
        "name the file with a _{value} suffix (e.g. frame_times_{value}.npy)",
    ),
    "alignment": (
        "alignment={{...}} (or a SourceSpec's mode, ratio, offset)",
        "--align, --ratio and --offset",
        "the source's alignment, rows per frame and offset",
    ),
    "pose_alignment": (
        "pose_alignment={{...}} (or a SourceSpec's mode, ratio, offset)",
        "--pose-align, --pose-ratio and --pose-offset",
        "the pose's alignment, rows per frame and offset",
    ),
    "check_video": (
        "pass pose_alignment={{'check_video': False}}",
        "add --no-pose-video-check",
        "untick 'refuse a pose made on another video' (under Sources) and add it again",
    ),
    "fps": ("pass fps={value} or lower", "add --fps {value} or lower", "choose .mp4 or .webm in 'export to' instead"),
    "overwrite": ("pass overwrite=True", "add --overwrite", "tick 'overwrite'"),
    "make_dirs": ("pass make_dirs=True", "add --make-dirs", "choose a file in an existing folder"),
    "as_signals": (
        "pass it as signals=PATH",
        "give it to --signals",
        "choose 'signal' in 'add as' of the Overlays dock",
    ),
    "as_events": ("pass it as events=PATH", "give it to --events", "choose 'events' in 'add as'"),
    "as_pose": ("pass it as pose=PATH", "give it to --pose", "choose 'pose' in 'add as'"),
    "as_video": (
        "give it as the video (the first argument)",
        "give it as the VIDEO argument",
        "open it in napari (File > Open) and choose it in 'video layer'",
    ),
    "binary": (
        "dtype='int16', n_channels=N and rate=HZ (of a SourceSpec)",
        "--dtype int16 --n-channels N --rate HZ",
        "'binary dtype', 'binary channels' and 'rate (Hz)' in the form",
    ),
    "frame_range": (
        "start= and end= (frames; end is the frame after the last)",
        "--start and --end (frames; --end is the frame after the last)",
        "start= and end= of export_video in a script (the dock exports every frame)",
    ),
    "crop": ("crop=(x0, y0, x1, y1)", "--crop X0 Y0 X1 Y1", "crop= of export_video in a script"),
    "export_fps": ("fps=RATE", "--fps RATE", "fps= of export_video in a script"),
    "window": ("window=(left, right)", "--window LEFT RIGHT", "'window before (s)' and 'window after (s)'"),
    "encoder_options": (
        "options={{...}} (and crf=, preset=, ...)",
        "--option KEY=VALUE (and --crf, --preset, ...)",
        "options= of export_video in a script",
    ),
    "heatmaps": ("heatmaps=[...] (a style option)", "--style heatmaps=...", "'heatmap signals'"),
    "dense": ("dense=[...] (a style option)", "--style dense=...", "'dense signals'"),
    "upright": ("open_video(..., upright=False)", "--no-upright", "open_video(..., upright=False) in a script"),
    "panel_size": (
        "layout={{'size': PIXELS}}, or a wide signal as one heatmap lane: style={{'heatmaps': [N]}}",
        "--layout right (a panel beside the video is as high as the video), or a wide signal as one heatmap lane: "
        "--style heatmaps=N",
        "'panel size (px, 0 = auto)'",
    ),
    "camera_frame_times": (
        "give each video its frame times when the cameras are opened (open_video(path, frame_times=...), or a "
        "session's VideoEntry(path, frame_times=...)), then put them on one clock with sync_by_time",
        "give each video its file with --frame-times (one per video, '-' for a video's own times)",
        "put each video's frame times file in the session file (its videos' frame_times) and press 'Open session'",
    ),
    "roi": (
        "region=Region.rectangle(x, y, width, height) over the LED",
        "--roi X,Y,W,H over the LED",
        "the shape in 'LED region': drag it over the LED",
    ),
    "led_threshold": ("threshold=LEVEL (of sync_video)", "--threshold LEVEL", "'threshold'"),
    "led_channel": ("channel='red', 'green' or 'blue' (of sync_video)", "--channel red|green|blue", "'LED colour'"),
    "edge": ("edge='rising', 'falling' or 'both'", "--edge rising|falling|both", "'edges'"),
    "pulses": ("the pulses file (read_pulses(PATH))", "--pulses FILE", "'rig pulses'"),
    "pulses_rate": ("read_pulses(..., rate=HZ)", "--pulses-rate HZ", "'line rate (Hz)'"),
    "pulses_channel": ("read_pulses(..., channel=NAME or position)", "--pulses-channel NAME|N", "'line channel'"),
    "line": ("read_pulses(..., line=N)", "--line N", "'line / bit'"),
    "pulses_unit": (
        "read_pulses(..., time_unit='ms')",
        "--pulses-unit ms",
        "name the pulses file's time column after its unit (time_ms)",
    ),
    "barcodes": ("barcodes=BitCodes(bit=, n_bits=, interval=)", "--barcodes BITS,BIT_MS,EVERY_S", "'barcodes'"),
    "good_only": (
        "leave good_only out",
        "leave --spikes-good-only out",
        "untick 'good units only'",
    ),
    "unit_rows": (
        "rows=(FIRST, STOP) (of read_spikes, or a SourceSpec's)",
        "--spikes-rows FIRST STOP",
        "'units shown' (FIRST:STOP)",
    ),
    "spikes_start": (
        "start=SECONDS (of read_spikes, or a SourceSpec's)",
        "--spikes-start SECONDS",
        "'sample 0 at (s)' of the spikes",
    ),
    "pose_key": (
        "give SourceSpec('pose', path, key={value!r}) as that video's pose",
        "open the session with `chronoviz view`, then add it in the Overlays dock (pose, part {value})",
        "add it as pose in the Overlays dock, choosing the part {value}",
    ),
}
_MARKER = re.compile(r"\[\[(\w+)(?:=([^\]]*))?\]\]")


def advice(name: str, value=None) -> str:
    """A marker of the option `name` of `ADVICE` (set to `value`, a string or number) in a message, written in each
    interface's words by `in_words`."""
    if name not in ADVICE:
        raise KeyError(f"No advice named {name!r}: add it to ADVICE.")
    return f"[[{name}]]" if value is None else f"[[{name}={value!r}]]"


def in_words(message, interface: str) -> str:
    """`message` (text with `advice` markers, or an exception or warning) with each advised option in the words of
    `interface`: "python" (arguments), "cli" (flags) or "dock" (the dock's controls, without backticks)."""
    column = INTERFACES.index(interface)

    def written(match) -> str:
        template = ADVICE[match[1]][column]
        return template.format(value=ast.literal_eval(match[2]) if match[2] else None)

    text = _MARKER.sub(written, marked(message))
    # napari's notifications show plain text: a message's `code` marks would show as backticks
    return text.replace("`", "") if interface == "dock" else text


def marked(message) -> str:
    """The text of `message` with its `advice` markers (a chronoviz error's or warning's first argument)."""
    if isinstance(message, _InPythonWords):
        return str(message.args[0]) if message.args else ""
    return str(message)


class _InPythonWords:
    """`str()` in Python's words; `marked()` keeps the markers for the other interfaces."""

    def __str__(self) -> str:
        return in_words(self, "python")


class ChronovizWarning(_InPythonWords, UserWarning):
    """A doubt about the user's input (a unit that looks wrong, a pose that stops early): drawn anyway."""


class ChronovizError(_InPythonWords, ValueError):
    """Base class for errors about the user's input files or options."""


class OutputExistsError(_InPythonWords, FileExistsError):
    """A file to write exists and overwriting it was not asked for."""


class VideoReadError(ChronovizError):
    """A video file or store cannot be opened or decoded."""


class FrameTimesError(ChronovizError):
    """Frame timestamps cannot be read or do not fit the video."""


class SignalError(ChronovizError):
    """A time series cannot be read or does not make sense as samples over time."""


class PoseError(ChronovizError):
    """A pose file cannot be read, or its skeleton or length does not fit."""


class LabelError(ChronovizError):
    """An events or intervals table cannot be read."""


class EthogramError(ChronovizError):
    """An ethogram (the behaviors to label, their keys and colours) cannot be read or is inconsistent."""


class AlignmentError(ChronovizError):
    """A source cannot be placed on the video's timeline as asked."""


class ExportError(ChronovizError):
    """The export cannot be done as asked (options, paths), or a stage of it failed.

    `stage` names the failed stage (open, decode, draw, encode, flush, mux, audio, verify), None for a
    request refused before anything started."""

    def __init__(self, message: str, stage: str | None = None):
        super().__init__(message)
        self.stage = stage


class ExportCancelled(Exception):
    """Raised inside the export when the progress callback asks to stop; not an error of the user's input."""


class SyncError(ChronovizError):
    """Sync pulses cannot be read, found in the video, or matched between the video and the rig."""


class ScanCancelled(Exception):
    """Raised when a progress callback asks a scan of the video to stop; not an error of the user's input."""
