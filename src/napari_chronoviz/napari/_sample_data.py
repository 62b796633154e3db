"""napari sample-data contributions: real recordings bundled in the package (see sample_data/README.md)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ..io.video import open_video
from ._reader import video_layer_data


def sample_path(name: str) -> Path:
    """Path of a bundled sample file."""
    return Path(str(files("napari_chronoviz") / "sample_data" / name))


def flies_video() -> list[tuple]:
    """The SLEAP two-fly clip (1024x1024, 25 fps, 1500 frames) as a lazy video layer."""
    return [video_layer_data(open_video(sample_path("flies.mp4")))]
