"""Sources with their own reader and alignment options (`SourceSpec`), the scene options declared once
(`SceneOptions`), and sessions that keep both (issue #23). No Qt."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from napari_chronoviz import (
    ChronovizError,
    SceneOptions,
    SourceSpec,
    build_scene,
    build_tiled_scene,
    open_session,
    read_pose,
    save_session,
)
from napari_chronoviz.overlays import scene as scene_module
from napari_chronoviz.scene_options import SCENE_OPTION_NAMES

VIDEO = SimpleNamespace(frame_times=np.arange(100) / 10, shape=(100, 48, 64, 3))  # 10 s at 10 fps


@pytest.fixture
def tables(tmp_path):
    pd.DataFrame({"time": np.arange(400) * 25.0, "v": np.arange(400.0)}).to_csv(tmp_path / "ms.csv", index=False)
    pd.DataFrame({"v": np.arange(397.0)}).to_csv(tmp_path / "no_time.csv", index=False)
    pd.DataFrame({"start": [1.0], "end": [2.0], "label": ["a"]}).to_csv(tmp_path / "intervals.csv", index=False)
    return tmp_path


def test_each_source_reads_and_aligns_with_its_own_options(tables):
    scene = build_scene(
        VIDEO,
        signals=[
            SourceSpec("signals", tables / "ms.csv", time_unit="ms"),
            SourceSpec("signals", tables / "no_time.csv", rate=40.0, offset=0.5),
            {"path": str(tables / "no_time.csv"), "mode": "pad", "ratio": "8"},
        ],
        alignment={"offset": 0.25},  # the scene's, for sources without their own offset
    )
    assert scene.alignment_lines == [
        "ms.csv: timestamps + 0.250 s",
        "no_time.csv: timestamps + 0.500 s",
        "no_time.csv: pad after frame 52, +0.250 s",  # 397 samples at 1/8 per frame from frame 2.5
    ]
    assert scene.traces[0].alignment.sample_times[-1] == pytest.approx(399 * 0.025 + 0.25)
    assert scene.config["sources"]["signals"][1] == {
        "kind": "signals",
        "path": str(tables / "no_time.csv"),
        "rate": 40.0,
        "offset": 0.5,
    }


def test_a_spec_says_what_does_not_apply(tables):
    with pytest.raises(ChronovizError, match="time_column is not read for pose"):
        SourceSpec("pose", "p.h5", time_column="t")
    with pytest.raises(ChronovizError, match="unknown time unit 'sec'"):
        SourceSpec("signals", "s.csv", time_unit="sec")
    with pytest.raises(ChronovizError, match="events are on the clock `labels_clock` names"):
        SourceSpec("events", "e.csv", offset=1.0)
    with pytest.raises(ChronovizError, match="ms.csv has its own time column, so a sample rate does not apply"):
        SourceSpec("signals", tables / "ms.csv", rate=40.0).read()


def test_a_style_change_does_not_align_the_sources_again(tables, monkeypatch):
    calls = []
    real_align = scene_module.align
    monkeypatch.setattr(scene_module, "align", lambda *a, **k: calls.append(a[1]) or real_align(*a, **k))
    scene = build_scene(VIDEO, signals=[SourceSpec("signals", tables / "ms.csv", time_unit="ms"), np.zeros(100)])
    assert len(calls) == 2
    scene = scene.updated(style={"line_width": 3.0}, window=(1.0, 1.0))
    assert len(calls) == 2 and scene.alignment_lines[0] == "ms.csv: timestamps + 0.000 s"
    scene = scene.updated(alignment={"offset": 1.0})  # an alignment change aligns again
    assert len(calls) == 4 and scene.alignment_lines[0] == "ms.csv: timestamps + 1.000 s"


def test_scene_options_are_declared_once():
    assert SCENE_OPTION_NAMES == (
        "alignment",
        "pose_alignment",
        "labels_clock",
        "window",
        "layout",
        "style",
        "tiles",
        "calibration",
        "pose_speed",
    )
    assert SceneOptions.of({"window": 3}).keywords()["window"] == 3
    with pytest.raises(ChronovizError, match=r"Unknown scene option\(s\) \['colour'\] in job 3"):
        SceneOptions.of({"colour": "red"}, where="job 3")
    with pytest.raises(ChronovizError, match="pose_speed is 'centroid' or a keypoint's name"):
        SceneOptions(pose_speed=3)
    with pytest.raises(ChronovizError, match=r"Cannot update \['tiles'\]"):
        build_scene(VIDEO).updated(tiles="grid")


def test_a_session_keeps_reader_options_and_writes_sources_given_in_memory(tables, short_dlc_pose):
    (tables / "video.mp4").write_bytes(b"")  # the session names it; nothing reads it here
    scene = build_scene(
        VIDEO,
        signals=[
            SourceSpec("signals", tables / "ms.csv", time_unit="ms"),
            pd.DataFrame({"speed (cm/s)": np.ones(100)}),
        ],
        pose=read_pose(short_dlc_pose(100)),
        events=pd.DataFrame({"time": [1.0], "kind": ["tone"]}),
        intervals=tables / "intervals.csv",  # a plain path stays a plain path
        pose_alignment={"check_video": False},  # the mouse's pose on this small stand-in video
    )
    with pytest.warns(UserWarning, match="cannot be written beside the session: pose"):  # said, not silent
        written = save_session(tables / "day1.cvz", tables / "video.mp4", scene)
    saved = yaml.safe_load(written.read_text())
    assert saved["signals"] == [{"kind": "signals", "path": "ms.csv", "time_unit": "ms"}, "day1.signals-2.npy"]
    assert saved["events"] == "day1.events-1.csv" and saved["intervals"] == "intervals.csv"
    options = open_session(written).options
    reopened = build_scene(VIDEO, **{key: value for key, value in options.items() if key != "tiles"})
    assert reopened.alignment_lines[:2] == [scene.alignment_lines[0], "day1.signals-2.npy: frame"]
    assert reopened.traces[1].signal.names == ("speed (cm/s)",)
    assert reopened.sources.events.kinds == ("tone",)


def test_an_edited_source_is_the_only_one_aligned_again(tables, monkeypatch):
    aligned = []
    real_align = scene_module.align
    monkeypatch.setattr(scene_module, "align", lambda *a, **k: aligned.append(a[1]) or real_align(*a, **k))
    kept, wrong = SourceSpec("signals", tables / "no_time.csv", rate=40.0), SourceSpec("signals", tables / "ms.csv")
    with pytest.warns(UserWarning, match="milliseconds"):
        scene = build_scene(VIDEO, signals=[kept, wrong])
    corrected = SourceSpec("signals", tables / "ms.csv", time_unit="ms")
    scene = scene.updated(signals=[kept, corrected])
    assert aligned == [kept.read(), wrong.read(), corrected.read()]  # the kept one was not aligned again
    assert scene.alignment_lines == ["no_time.csv: timestamps + 0.000 s", "ms.csv: timestamps + 0.000 s"]
    assert scene.config["sources"]["signals"][1]["time_unit"] == "ms"


def test_a_session_keeps_the_ethogram_of_its_labels(tables):
    from napari_chronoviz import Behavior, Ethogram, read_ethogram

    (tables / "video.mp4").write_bytes(b"")
    ethogram = Ethogram((Behavior("groom", "g"), Behavior("rear", "r", kind="point")))
    scene = build_scene(VIDEO, intervals=tables / "intervals.csv")
    written = save_session(tables / "day2.cvz", tables / "video.mp4", scene, ethogram=ethogram)
    assert yaml.safe_load(written.read_text())["ethogram"] == "day2.ethogram.yaml"
    reopened = open_session(written)
    assert reopened.ethogram == tables / "day2.ethogram.yaml"
    assert [(b.name, b.key, b.kind) for b in read_ethogram(reopened.ethogram).behaviors] == [
        ("groom", "g", "state"),
        ("rear", "r", "point"),
    ]


def test_a_session_opened_and_saved_again_is_the_same_file(tables):
    from napari_chronoviz import VideoEntry

    for name in ("front.mp4", "side.mp4", "front_times.npy"):
        (tables / name).write_bytes(b"")  # the session names them; nothing reads them here
    videos = [VideoEntry(tables / "front.mp4", tables / "front_times.npy", upright=False), tables / "side.mp4"]
    scene = build_tiled_scene([VIDEO, VIDEO], intervals=tables / "intervals.csv")
    first = save_session(tables / "first.cvz", videos, scene)
    saved = yaml.safe_load(first.read_text())["videos"]
    assert [(video["path"], video["frame_times"], video.get("upright", True)) for video in saved] == [
        ("front.mp4", "front_times.npy", False),
        ("side.mp4", None, True),
    ]
    reopened = open_session(first)
    assert reopened.videos[0] == VideoEntry(tables / "front.mp4", tables / "front_times.npy", upright=False)
    again = save_session(tables / "again.cvz", reopened.videos, scene)  # a script's round trip: no list to rebuild
    assert again.read_text() == first.read_text()
