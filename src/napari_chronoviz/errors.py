"""Exceptions raised for input the user can fix: each message names the file, the problem and the fix."""

from __future__ import annotations


class ChronovizError(ValueError):
    """Base class for errors about the user's input files or options."""


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
