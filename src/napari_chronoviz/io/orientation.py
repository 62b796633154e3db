"""A video's display orientation: the display matrix phones write, applied to decoded frames as players do.

A phone stores its frames as the sensor reads them and records in the container how to show them: a display
matrix (ffprobe's "rotation"). FFmpeg's players, OpenCV (hence DeepLabCut's poses) and napari-video show the
turned picture, so chronoviz shows, exports and places poses on the frames turned the same way. A mirrored
matrix is followed as FFmpeg follows it (OpenCV applies its rotation only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

DISPLAY_MATRIX = av.sidedata.sidedata.Type.DISPLAYMATRIX


@dataclass(frozen=True)
class Orientation:
    """How stored frames become displayed ones: mirrored left-right if `mirrored`, then turned `quarter_turns`
    times 90 degrees counterclockwise (as `numpy.rot90` counts)."""

    quarter_turns: int = 0
    mirrored: bool = False

    @classmethod
    def from_display_matrix(cls, matrix) -> Orientation:
        """The orientation of FFmpeg's 3x3 display matrix (9 int32, 16.16 fixed point), to the nearest quarter turn.

        Parameters
        ----------
        matrix : sequence of int
            The matrix in FFmpeg's `AV_FRAME_DATA_DISPLAYMATRIX` layout.

        Returns
        -------
        Orientation
            The mirror and the quarter turns that show the frame as FFmpeg's players do.
        """
        a, b, c, d = (float(value) for value in np.asarray(matrix, dtype=np.int64)[[0, 1, 3, 4]])
        mirrored = a * d - b * c < 0
        if mirrored:  # the mirror undone, the rest is a rotation
            a, b = -a, -b
        return cls(round(np.degrees(np.arctan2(-b, a)) / 90) % 4, mirrored)

    @property
    def is_stored(self) -> bool:
        """Whether frames are shown as stored (no display matrix, or one that leaves them)."""
        return self.quarter_turns == 0 and not self.mirrored

    def displayed_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of the displayed frames of stored frames `width` x `height`."""
        return (height, width) if self.quarter_turns % 2 else (width, height)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """A stored (H, W[, C]) image as displayed, contiguous."""
        if self.is_stored:
            return image
        return np.ascontiguousarray(np.rot90(image[:, ::-1] if self.mirrored else image, self.quarter_turns))

    def apply_i420(self, planes: np.ndarray, width: int, height: int) -> np.ndarray:
        """A stored I420 frame ((height * 3/2, width): Y, then U and V at half size) as displayed, in I420."""
        if self.is_stored:
            return planes
        flat, luma = planes.ravel(), width * height
        chroma = luma // 4
        y = flat[:luma].reshape(height, width)
        u, v = (flat[luma + k * chroma : luma + (k + 1) * chroma].reshape(height // 2, width // 2) for k in (0, 1))
        shown_width, _ = self.displayed_size(width, height)
        return np.concatenate([self.apply(plane).ravel() for plane in (y, u, v)]).reshape(-1, shown_width)

    def __str__(self) -> str:
        if self.is_stored:
            return "as stored"
        turned = f"turned {90 * self.quarter_turns} degrees counterclockwise" if self.quarter_turns else ""
        return " and ".join(part for part in ("mirrored left-right" if self.mirrored else "", turned) if part)


def read_orientation(path: str | Path) -> Orientation:
    """The display orientation of a video file's first video stream, from the display matrix of its first frame.

    Parameters
    ----------
    path : str or Path
        A video file FFmpeg can read.

    Returns
    -------
    Orientation
        As stored when the file has no display matrix.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        first = next(container.decode(video=0), None)
        matrix = first.side_data.get(DISPLAY_MATRIX) if first is not None else None
        return Orientation.from_display_matrix(np.frombuffer(bytes(matrix), "<i4")) if matrix else Orientation()
