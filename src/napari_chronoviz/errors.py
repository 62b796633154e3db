"""Exceptions raised for input the user can fix: each message names the file, the problem and the fix."""


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
