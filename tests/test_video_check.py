"""check_video / `chronoviz check`: the report on a user's own file, and a verdict that can say no."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EDIT_LIST_CUT
from napari_chronoviz import VideoReadError, check_video, sample_file
from napari_chronoviz.cli import main
from napari_chronoviz.io import pyav_video


def test_the_mouse_sample_is_exact_because_its_x264_build_is_learned():
    report = check_video(sample_file("mouse.mp4"), seeks=6)
    assert report.exact, str(report)
    assert (report.n_frames, report.decoded_frames, report.width, report.height) == (2330, 2330, 640, 480)
    assert report.decoder_options == {"x264_build": "148"} and report.priming_needed
    assert report.constant_rate and report.fps == pytest.approx(30, rel=1e-3)
    assert report.reorder_depth > 0  # B-frames
    assert "EXACT" in str(report) and "x264_build=148" in str(report)


def test_the_verdict_fails_when_decoders_are_not_primed(monkeypatch):
    monkeypatch.setattr(pyav_video, "learned_decoder_options", lambda path, stream: {})
    report = check_video(sample_file("mouse.mp4"), seeks=6)
    assert not report.exact
    assert report.wrong  # fresh seeks past the first group of pictures decode to garbage
    assert str(report).startswith(f"{report.path}: NOT EXACT")


def test_the_flies_sample_is_exact_with_nothing_to_prime():
    report = check_video(sample_file("flies.mp4"), seeks=4)
    assert report.exact and report.n_frames == 1500 and report.priming_needed is False
    assert report.keyframe_interval == (250, 250)


def test_variable_rate_and_open_gop_and_edit_list_are_reported(stamped_videos, edit_list_video):
    variable = check_video(stamped_videos["variable_rate"], seeks=5)
    assert variable.exact and not variable.constant_rate and "variable: steps" in str(variable)
    open_gop = check_video(stamped_videos["hevc_open_gop"], seeks=5)
    assert open_gop.exact and open_gop.leading_frames > 0 and "open GOP: yes" in str(open_gop)
    cut = check_video(edit_list_video, seeks=5)
    assert cut.exact and cut.hidden_frames == 15 and cut.n_frames == 150 - EDIT_LIST_CUT[1]
    assert "edit list     hides 15" in str(cut)


def test_imgstores_are_checked_chunk_by_chunk(shared_data):
    with pytest.raises(VideoReadError, match=r"imgstore: check its chunk video files"):
        check_video(shared_data / "imgstore_mp4")


def test_chronoviz_check_prints_the_report_and_exits_1_when_not_exact(capsys, monkeypatch):
    assert main(["check", str(sample_file("flies.mp4")), "--seeks", "3"]) == 0
    assert "flies.mp4: EXACT" in capsys.readouterr().out
    monkeypatch.setattr(pyav_video, "learned_decoder_options", lambda path, stream: {})
    assert main(["check", str(sample_file("mouse.mp4")), "--seeks", "4", "--seed", "1"]) == 1
    assert "NOT EXACT" in capsys.readouterr().out


def test_the_report_in_the_docs_is_what_check_prints(capsys):
    """docs/formats.md shows `chronoviz check` on both bundled samples: it must stay what the code prints."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text()
    shown = page.split("```text\n$ chronoviz check ")[1].split("```")[0]
    command, printed = shown.split("\n", 1)
    root = Path(__file__).resolve().parents[1]
    assert main(["check", *(str(root / path) for path in command.split())]) == 0
    assert capsys.readouterr().out.replace(f"{root}/", "") == printed


def test_an_nwb_session_is_checked_file_by_file(capsys):
    assert main(["check", str(sample_file("flies.nwb")), "--seeks", "3"]) == 0
    assert "flies.mp4: EXACT" in capsys.readouterr().out  # the file its video points at
    assert main(["check", str(sample_file("flies.nwb")), "--frame-times", "times.npy"]) == 2
    assert "times its videos itself" in capsys.readouterr().err


def test_frame_times_in_another_unit_are_doubted_as_render_doubts_them(tmp_path, capsys):
    import numpy as np

    video = sample_file("flies.mp4")
    np.save(tmp_path / "camera_times.npy", np.arange(1500) * 40.0)  # milliseconds, saved without saying so
    assert main(["check", str(video), "--frame-times", str(tmp_path / "camera_times.npy"), "--seeks", "2"]) == 0
    assert "chronoviz: warning: camera_times.npy steps 40 s between frames" in capsys.readouterr().err
