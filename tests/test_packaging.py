"""Packaging: one version, the command line's `--version`, the licenses shipped, and data objects that compare
by identity (frozen dataclasses holding arrays would raise on `==` and `hash`)."""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

import napari_chronoviz
from napari_chronoviz import Calibration, Events, Intervals, Pose, Signal, align, build_scene, sample_file
from napari_chronoviz.cli import main
from napari_chronoviz.overlays.primitives import Clip, Geometry, Points, Polylines, Rectangles, Segments, Texts
from napari_chronoviz.timeline import fit_clock

ROOT = Path(__file__).resolve().parents[1]
# Where a copy of the version could hide: everything but pyproject.toml, where it is written.
TEXT_FILES = [
    *ROOT.glob("*.md"),
    *ROOT.glob("*.yml"),
    ROOT / "Makefile",
    *(
        path
        for folder in ("src", "docs", "tools", "benchmarks", "tests")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".md", ".yaml", ".yml", ".txt", ".cfg"}
    ),
]


def test_the_version_is_written_in_pyproject_only():
    written = version("napari-chronoviz")
    assert napari_chronoviz.__version__ == written
    assert re.search(rf'^version = "{re.escape(written)}"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    pattern = re.compile(rf"version\W+{re.escape(written)}\b", re.IGNORECASE)
    assert [path for path in TEXT_FILES if path.is_file() and pattern.search(path.read_text(errors="ignore"))] == []


def test_command_line_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"chronoviz {version('napari-chronoviz')}"


def test_license_names_every_bundled_sample_file_and_the_license_texts_it_points_to():
    bundled = (ROOT / "LICENSE").read_text().split("Bundled sample data", 1)[1]
    samples = [path.name for path in Path(sample_file("mouse.mp4")).parent.iterdir() if path.name != "README.md"]
    assert samples and [name for name in samples if name not in bundled] == []
    texts = re.findall(r"LICENSES/[\w.-]+\.txt", bundled)
    assert texts and all((ROOT / text).is_file() for text in texts)


DLC_H5 = "DLC_resnet50_openfieldAug20shuffle1_30000.h5"
# bundled file -> the real recording in ../shared/data it is a copy of (tests read the bundled one)
BUNDLED_COPIES = {
    "mouse.mp4": "dlc_openfield/m3v1mp4.mp4",
    f"mouse{DLC_H5}": f"dlc_openfield/m3v1mp4{DLC_H5}",
    "flies.mp4": "sleap_flies/clip.mp4",
}


@pytest.mark.parametrize("bundled", BUNDLED_COPIES)
def test_bundled_samples_are_the_shared_recordings_byte_for_byte(shared_data, bundled):
    def digest(path):
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    assert digest(sample_file(bundled)) == digest(shared_data / BUNDLED_COPIES[bundled])


# --- data objects compare by identity ------------------------------------------------------------------------


def _pose() -> Pose:
    xy = np.arange(3 * 1 * 2 * 2, dtype=float).reshape(3, 1, 2, 2)
    return Pose(xy, np.ones((3, 1, 2)), ("nose", "tail"), ("mouse",))


def _signal() -> Signal:
    return Signal(np.arange(6.0).reshape(3, 2), ("a", "b"), times=np.arange(3) / 30)


def _alignment():
    return align(np.arange(3) / 30, _signal(), mode="timestamps", sync=([0.0, 1.0, 2.0], [0.0, 1.0, 2.0]))


class _Video:
    frame_times = np.arange(3) / 30
    shape = (3, 48, 64, 3)


DATA_OBJECTS = {
    "Pose": _pose,
    "Signal": _signal,
    "Events": lambda: Events(np.array([0.1, 0.2]), ("a", "b")),
    "Intervals": lambda: Intervals(np.array([0.0]), np.array([0.1]), ("x",), ("",)),
    "Alignment": _alignment,
    "ClockFit": lambda: fit_clock(([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])),
    "SampleWindow": lambda: _alignment().window(1, 0.04, 0.04),
    "Scene": lambda: build_scene(_Video(), signals=_signal(), pose=_pose()),
    "Calibration": lambda: Calibration.from_points((0, 0), (10, 0), 1.0),
    "Points": lambda: Points(np.zeros((2, 2)), np.ones((2, 4))),
    "Segments": lambda: Segments(np.zeros((1, 2)), np.ones((1, 2)), np.ones((1, 4))),
    "Polylines": lambda: Polylines([np.zeros((3, 2))], np.ones((1, 4))),
    "Rectangles": lambda: Rectangles(np.zeros((1, 4)), np.ones((1, 4))),
    "Texts": lambda: Texts(np.zeros((1, 2)), ["a"], np.ones((1, 4))),
    "Geometry": lambda: Geometry([Points(np.zeros((2, 2)), np.ones((2, 4)))]),
    "Clip": lambda: Clip(np.zeros(4), np.ones(4), Geometry()),
}


@pytest.mark.parametrize("make", DATA_OBJECTS.values(), ids=DATA_OBJECTS)
def test_data_objects_compare_and_hash_by_identity(make):
    first, second = make(), make()
    assert first == first and not first != first
    assert first != second and not first == second  # equal arrays, yet two objects
    assert hash(first) == hash(first) and isinstance(hash(second), int)
    assert {first, second, first} == {first, second} and len({first, second}) == 2


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command):
    """`make lint` passes: ruff's lint rules and formatting as configured in pyproject.toml."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "src", "tests", "benchmarks", "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
