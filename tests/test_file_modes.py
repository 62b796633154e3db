"""Files written for people (labels, the labeling autosave, calibrations) get the user's umask, as any file they
save does: labmates on a shared drive read them."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from napari_chronoviz.calibration import Calibration, write_calibration
from napari_chronoviz.io.labels import Events, Intervals, write_boris_tabular, write_events, write_intervals

INTERVALS = Intervals(np.array([0.0, 2.0]), np.array([1.0, 3.0]), ("a", "b"), ("", ""), "")
EVENTS = Events(np.array([0.5]), ("poke",), "")
WRITERS = {
    "labels": lambda path: write_intervals(INTERVALS, path),
    "events": lambda path: write_events(EVENTS, path),
    "autosave": lambda path: write_boris_tabular(path, intervals=INTERVALS, events=EVENTS, overwrite=True),
    "calibration": lambda path: write_calibration(path, Calibration.from_scale(8.0, "mm")),
}


@pytest.fixture
def umask():
    """Set a umask for the test, and give the previous one back."""
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


@pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX")
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
@pytest.mark.parametrize("kind", WRITERS)
def test_files_for_people_are_written_with_the_users_umask(kind, mask, mode, umask, tmp_path):
    umask(mask)
    written = WRITERS[kind](tmp_path / f"{kind}.{'yaml' if kind == 'calibration' else 'csv'}")
    assert stat.S_IMODE(written.stat().st_mode) == mode
    assert [path.name for path in tmp_path.iterdir()] == [written.name]  # no temporary file left beside it
