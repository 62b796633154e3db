"""Exports of the real samples, checked against an independent decode of the input (plain PyAV)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from napari_chronoviz import create_visualization, sample_file
from napari_chronoviz.testing import read_stamp

# crf 0 keeps the luma exact; yuv420p output halves the mouse's 4:4:4 chroma, which costs a few levels.
# A frame decoded without its stream's history is garbage: mean error above 100.
ALLOWED_MEAN_ERROR = 3.0
FAITHFUL = {"layout": "none", "crf": 0, "preset": "ultrafast", "progress": False}


def decoded(path, frames: range) -> list[np.ndarray]:
    """Frames `frames` of `path` (counted from its first frame) from a plain sequential PyAV decode."""
    with av.open(str(path)) as container:
        return [
            frame.to_ndarray(format="rgb24") for index, frame in enumerate(container.decode(video=0)) if index in frames
        ]


def assert_pictures_equal(output, source, frames: range) -> None:
    written, expected = decoded(output, range(len(frames))), decoded(source, frames)
    assert len(written) == len(expected) == len(frames)
    errors = [np.abs(a.astype(int) - b).mean() for a, b in zip(written, expected)]
    worst = int(np.argmax(errors))
    assert errors[worst] < ALLOWED_MEAN_ERROR, (
        f"output frame {worst} (input {frames[worst]}): mean error {errors[worst]:.1f}"
    )


def test_mouse_export_from_frame_600_shows_the_input_frames(tmp_path):
    mouse = sample_file("mouse.mp4")
    output = create_visualization(mouse, output=tmp_path / "from600.mp4", start=600, end=680, **FAITHFUL)
    assert_pictures_equal(output, mouse, range(600, 680))


@pytest.mark.slow
def test_mouse_export_in_chunks_on_two_workers_shows_the_input_frames(tmp_path):
    pytest.importorskip("dask.distributed")
    mouse = sample_file("mouse.mp4")
    output = create_visualization(mouse, output=tmp_path / "chunked.mp4", start=150, end=750, workers=2, **FAITHFUL)
    assert_pictures_equal(output, mouse, range(150, 750))


@pytest.mark.parametrize("case", ["hevc_open_gop", "yuv420p10", "gray_ffv1_avi", "edit_list"])
def test_exports_of_quirky_inputs_start_at_the_asked_frame(stamped_videos, edit_list_video, case, tmp_path):
    """Each export starts past the first group of pictures, where a decoder has no history."""
    source = edit_list_video if case == "edit_list" else stamped_videos[case]
    shown = decoded(source, range(10_000))
    output = create_visualization(source, output=tmp_path / "out.mp4", start=25, end=45, **FAITHFUL)
    assert [read_stamp(frame) for frame in decoded(output, range(20))] == [read_stamp(frame) for frame in shown[25:45]]
