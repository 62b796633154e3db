"""The bundled sample recordings (see sample_data/README.md), by file name."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sample_file(name: str) -> Path:
    """Path of a bundled sample file.

    Parameters
    ----------
    name
        The file's name in `sample_data/`, e.g. "mouse.mp4" or "flies_photometry.csv".

    Returns
    -------
    Path
        Where the installed package keeps it.

    Raises
    ------
    FileNotFoundError
        When there is no such sample; the message lists the samples there are.
    """
    folder = Path(str(files("napari_chronoviz") / "sample_data"))
    path = folder / name
    if not path.is_file():
        available = sorted(p.name for p in folder.iterdir() if p.suffix != ".md")
        raise FileNotFoundError(f"No sample file {name!r}; the samples are {available}.")
    return path
