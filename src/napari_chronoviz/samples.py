"""The bundled sample recordings (see sample_data/README.md), by file name."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sample_file(name: str) -> Path:
    """Path of a bundled sample file, e.g. `sample_file("mouse.mp4")`; the error lists the files there are."""
    folder = Path(str(files("napari_chronoviz") / "sample_data"))
    path = folder / name
    if not path.is_file():
        available = sorted(p.name for p in folder.iterdir() if p.suffix != ".md")
        raise FileNotFoundError(f"No sample file {name!r}; the samples are {available}.")
    return path
