"""Every input checked against the video it belongs to (issue 24): clocks that cannot meet, epoch clocks in
exports, time columns and units, frame-time files, pose provenance, phone videos upright."""

from __future__ import annotations

import re
import subprocess
import warnings
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import create_visualization, open_video
from napari_chronoviz.errors import AlignmentError, FrameTimesError, PoseError
from napari_chronoviz.io.formats import kinds_of
from napari_chronoviz.io.timestamps import read_frame_times
from napari_chronoviz.overlays.scene import build_scene
from napari_chronoviz.overlays.tiles import build_tiled_scene
from napari_chronoviz.testing import make_stamped_video, read_stamp
from napari_chronoviz.timeline import shared_clock

EPOCH = 1_769_000_000.123456  # a DataLogger onset: seconds since 1970


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Two 30 fps stamped clips: `epoch.mp4` (frame times to give as epoch seconds) and `zero.mp4`."""
    folder = tmp_path_factory.mktemp("clocks")
    return {name: make_stamped_video(folder / f"{name}.mp4", 90) for name in ("epoch", "zero")}


def epoch_times(n_frames: int) -> np.ndarray:
    """A DataLogger camera's frame times: onset plus whole microseconds, about 30 fps with jitter."""
    steps_us = 33_333 + np.random.default_rng(3).integers(-40, 40, n_frames - 1)
    return EPOCH + np.cumsum(np.r_[0, steps_us]) / 1e6


def test_clocks_that_cannot_meet_are_named_before_the_export(clips, tmp_path):
    epoch = open_video(clips["epoch"], frame_times=epoch_times(90))
    zero = open_video(clips["zero"])
    with pytest.raises(AlignmentError) as raised:
        build_tiled_scene([epoch, zero])
    message = str(raised.value)
    assert "epoch.mp4 (1769000000.123..1769000003.090 s)" in message and "zero.mp4 (0.000..2.967 s)" in message
    assert "do not overlap" in message and "times - times[0]" in message
    output = tmp_path / "pair.mp4"
    with pytest.raises(AlignmentError, match="do not overlap"):
        create_visualization([epoch, zero], output=output)
    assert not output.exists() and not list(tmp_path.iterdir())


def test_a_shared_clock_is_bounded_by_the_frames_not_the_time_span():
    fast = np.arange(1000) / 1000  # 1 s at 1000 fps
    slow = np.arange(36_000) * 1.0  # 10 hours at 1 fps
    clock = shared_clock([fast, slow], ["fast", "slow"])
    assert len(clock) <= 37_001 and clock[0] == 0 and clock[-1] >= slow[-1]
    with pytest.raises(AlignmentError, match=r"fast \(0\.000\.\.0\.999 s\) and late \(1769000000\.123"):
        shared_clock([fast, EPOCH + fast], ["fast", "late"])


@pytest.mark.parametrize("fps", [30, 25, 29.97])
def test_an_epoch_clock_exports_at_a_constant_rate(clips, tmp_path, fps):
    video = open_video(clips["epoch"], frame_times=epoch_times(90))
    output = create_visualization(video, output=tmp_path / "epoch.mp4", fps=fps)
    with av.open(str(output)) as container:
        frames = list(container.decode(video=0))
    times = np.array([frame.time for frame in frames])
    assert np.allclose(np.diff(times), 1 / fps, atol=1e-4)
    ticks = EPOCH + np.arange(len(frames)) / fps
    expected = np.searchsorted(video.frame_times, ticks + 1e-9, side="right") - 1
    assert [read_stamp(frame.to_ndarray(format="rgb24")) for frame in frames] == expected.tolist()


def test_attach_refuses_clocks_that_cannot_meet_and_leaves_the_layers(clips, make_napari_viewer):
    from napari_chronoviz import attach

    viewer = make_napari_viewer()
    layers = [viewer.open(clips[name], plugin="napari-chronoviz")[0] for name in ("epoch", "zero")]
    layers[0].metadata["frame_times"] = epoch_times(90)
    before = [(type(layer.data), tuple(layer.translate), tuple(layer.scale)) for layer in layers]
    with pytest.raises(AlignmentError, match="epoch.*zero.*do not overlap"):
        attach(viewer, layers)
    assert [(type(layer.data), tuple(layer.translate), tuple(layer.scale)) for layer in layers] == before


# Pose provenance: what the pose file records about its video, against the video it is drawn on.

# Real recordings, relative to the `shared_data` fixture's folder.
FLIES, FLIES_SLP = Path("sleap_flies/clip.mp4"), Path("sleap_flies/clip.slp")
CENTERED = Path("sleap_centered_pair/centered_pair_low_quality.mp4")
CENTERED_H5 = Path("sleap_centered_pair/centered_pair_standard.analysis.h5")
OPENFIELD, OPENFIELD_H5 = (
    Path("dlc_openfield/m3v1mp4.mp4"),
    Path("dlc_openfield/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5"),
)


@pytest.fixture
def centered_pair_slp(shared_data, tmp_path) -> Path:
    """The issue's `centered_pair_predictions.slp`: the real centered-pair predictions (27 tracks) saved as a .slp
    by sleap-io, recording their video's path and shape (1100 frames of 384x384 px) as SLEAP does."""
    sleap_io = pytest.importorskip("sleap_io")
    labels = sleap_io.load_file(str(shared_data / CENTERED_H5))
    labels.video.backend_metadata["shape"] = [1100, 384, 384, 1]
    path = tmp_path / "centered_pair_predictions.slp"
    sleap_io.save_slp(labels, str(path), embed=False)
    return path


def test_a_slp_of_another_video_is_refused_with_both_names_and_sizes(shared_data, centered_pair_slp, tmp_path, capsys):
    from napari_chronoviz.cli import main

    with pytest.raises(PoseError) as raised:
        build_scene(open_video(shared_data / FLIES), pose=centered_pair_slp)
    message = str(raised.value)
    assert "centered_pair_predictions.slp was made on tests/data/videos/centered_pair_low_quality.mp4" in message
    assert "not on clip.mp4" in message and "384x384 px" in message and "1024x1024 px" in message
    assert "1100 frames, this one has 1500" in message and "check_video" in message
    output = tmp_path / "out.mp4"
    assert main(["render", str(shared_data / FLIES), "--pose", str(centered_pair_slp), "-o", str(output)]) != 0
    assert "--no-pose-video-check" in capsys.readouterr().err and not output.exists()


@pytest.mark.parametrize(
    ("video", "pose", "found"),
    [
        (FLIES, CENTERED_H5, "1100 rows (frames) for this video's 1500 frames"),  # only the name and length say so
        (CENTERED, FLIES_SLP, "95% of its keypoints lie outside this video's 384x384 px frame"),
        (FLIES, OPENFIELD_H5, "made on m3v1mp4 (its DeepLabCut file name"),
        (CENTERED, OPENFIELD_H5, "keypoints lie outside"),
    ],
)
def test_real_poses_on_the_wrong_real_video_are_refused(shared_data, video, pose, found):
    with pytest.raises(PoseError, match=re.escape(found)):
        build_scene(open_video(shared_data / video), pose=shared_data / pose)


def test_a_renamed_video_only_warns_and_the_override_draws_another_videos_pose(shared_data, tmp_path):
    renamed = tmp_path / "flies_2019.mp4"
    renamed.symlink_to(shared_data / FLIES)
    with pytest.warns(UserWarning, match="clip.slp was made on .*clip.mp4 .*not on flies_2019.mp4.*renamed"):
        scene = build_scene(open_video(renamed), pose=shared_data / FLIES_SLP)
    assert scene.pose_overlays[0].pose.n_frames == 1500
    with pytest.warns(UserWarning, match="centered_pair_standard.analysis.h5 was made on"):
        scene = build_scene(
            open_video(shared_data / FLIES),
            pose=shared_data / CENTERED_H5,
            pose_alignment={"check_video": False, "mode": "pad"},
        )
    assert scene.config["pose_alignment"]["check_video"] is False  # saved with the session's options
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_scene(open_video(shared_data / FLIES), pose=shared_data / FLIES_SLP)  # its own video: no word
        build_scene(open_video(shared_data / OPENFIELD), pose=shared_data / OPENFIELD_H5)


# Phone videos: a display matrix turns (and may mirror) the stored frames; players and OpenCV show them turned.


@pytest.fixture(scope="module")
def phone_video(clips, tmp_path_factory) -> Path:
    """A stamped 160x120 clip with a phone's `rotate=90` display matrix, written by ffmpeg's stream copy."""
    path = tmp_path_factory.mktemp("phone") / "phone.mp4"
    command = ["ffmpeg", "-v", "error", "-i", str(clips["zero"]), "-c", "copy", "-metadata:s:v", "rotate=90", str(path)]
    subprocess.run(command, check=True)
    return path


def ffmpeg_frames(path: Path, width: int, height: int) -> np.ndarray:
    """Every frame as ffmpeg's command line shows it (display matrix applied), RGB."""
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(command, check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def test_a_phone_video_opens_upright_frame_exact(phone_video):
    video = open_video(phone_video)
    assert video.shape == (90, 160, 120, 3)  # stored 160x120, shown 120x160
    shown = ffmpeg_frames(phone_video, 120, 160)
    for index in (0, 1, 47, 89, 3):
        with open_video(phone_video) as fresh:
            frame = fresh[index]
        assert np.abs(frame.astype(int) - shown[index]).max() <= 2
        assert read_stamp(np.rot90(frame, -1)) == index
    with open_video(phone_video, backend="opencv") as opencv:  # what DeepLabCut's poses were made on
        assert opencv.shape == video.shape and np.array_equal(opencv[20], video[20])
    stored = open_video(phone_video, upright=False)
    assert stored.shape == (90, 120, 160, 3) and read_stamp(stored[5]) == 5


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
@pytest.mark.parametrize("mirrored", [False, True], ids=["turned", "mirrored"])
def test_every_display_matrix_is_shown_as_ffmpeg_shows_it(tmp_path, degrees, mirrored):
    path = tmp_path / "oriented.mp4"
    pictures = np.random.default_rng(degrees).integers(0, 256, (3, 48, 64, 3), dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264rgb", rate=10, options={"qp": "0"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "rgb24"
        stream.set_display_rotation(degrees, hflip=mirrored)
        for picture in pictures:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode())
    video = open_video(path)
    np.testing.assert_array_equal(video[:], ffmpeg_frames(path, video.width, video.height))


def test_a_phone_video_exports_upright(phone_video, tmp_path):
    for pix_fmt in ("yuv420p", "yuv444p"):  # the encoder reads I420 planes, or RGB
        output = create_visualization(phone_video, output=tmp_path / f"{pix_fmt}.mp4", pix_fmt=pix_fmt, crf=0)
        with av.open(str(output)) as container:
            frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
            assert not container.streams.video[0].codec_context.width == 160
        assert frames[0].shape == (160, 120, 3)
        assert [read_stamp(np.rot90(frame, -1)) for frame in frames] == list(range(90))


def test_chronoviz_check_reports_the_display_rotation(phone_video, capsys):
    from napari_chronoviz.cli import main

    assert main(["check", str(phone_video)]) == 0
    report = capsys.readouterr().out
    assert "EXACT" in report and "120x160 h264" in report
    assert "display matrix shows the stored 160x120 frames turned 90 degrees counterclockwise" in report
    assert "--no-upright keeps them as stored" in report and "upright=False" not in report


def test_the_stored_orientation_is_kept_on_request_in_render_view_and_check(phone_video, tmp_path, capsys):
    """`--no-upright`, `open_video`'s `upright=False` on the command line: frames as the camera stored them."""
    from napari_chronoviz.cli import _parser, main

    assert main(["check", str(phone_video), "--no-upright"]) == 0
    report = capsys.readouterr().out
    assert "160x120 h264" in report and "kept as stored (160x120), as asked" in report
    output = tmp_path / "stored.mp4"
    assert main(["render", str(phone_video), "--no-upright", "-o", str(output), "--quiet"]) == 0
    with open_video(output) as exported, open_video(phone_video, upright=False) as stored:
        assert exported.shape[1:3] == (120, 160) == stored.shape[1:3]
        assert read_stamp(exported[30]) == 30
    assert _parser().parse_args(["view", str(phone_video), "--no-upright"]).upright is False


def test_the_stored_orientation_stays_with_the_layer_its_session_and_its_export(
    phone_video, make_napari_viewer, qtbot, tmp_path
):
    """A phone video opened as stored (`chronoviz view --no-upright`): the dock's session and export keep it so."""
    import yaml

    from napari_chronoviz.napari._reader import video_layer_data

    viewer = make_napari_viewer()
    data, attributes, _ = video_layer_data(open_video(phone_video, upright=False))
    layer = viewer.add_image(data, **attributes)
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.video.value = layer.name
    dock.kind.value, dock.file.value = "signals", tmp_path / "speed.csv"
    pd.DataFrame({"speed": np.arange(90.0)}).to_csv(tmp_path / "speed.csv", index=False)
    assert dock.add_source()
    dock.session_file.value = tmp_path / "stored.cvz"
    assert yaml.safe_load(dock.save_session().read_text())["videos"][0]["upright"] is False
    reopened = make_napari_viewer()
    (again,) = reopened.open(tmp_path / "stored.cvz", plugin="napari-chronoviz")
    assert again.data.shape[1:3] == (120, 160)
    dock.export_file.value = tmp_path / "stored.mp4"
    with qtbot.waitSignal(dock.start_export().finished, timeout=60_000):
        pass
    with open_video(tmp_path / "stored.mp4") as exported:
        assert exported.shape[2] == 160 and read_stamp(exported[30][:120]) == 30


def test_chronoviz_check_describes_the_given_frame_times(clips, tmp_path, capsys):
    """`chronoviz check --frame-times`: the rate, steps and gaps of the camera's own times, not the container's."""
    from napari_chronoviz.cli import main

    times = epoch_times(90)
    times[50:] += 0.1  # a gap of three frames
    np.save(tmp_path / "frame_times.npy", times)
    assert main(["check", str(clips["epoch"]), "--frame-times", str(tmp_path / "frame_times.npy")]) == 0
    report = capsys.readouterr().out
    assert "1 gap(s)" in report and "(from " in report and "frame_times.npy)" in report
    expected = 89 / (times[-1] - times[0])
    assert f"{1000 * np.median(np.diff(times)):.3f}" in report and "constant 30.000 fps" not in report
    assert main(["check", str(clips["epoch"]), "--frame-times", str(tmp_path / "frame_times.npy"), "x.npy"]) == 2
    assert "one file per video" in capsys.readouterr().err
    from napari_chronoviz import check_video

    assert check_video(clips["epoch"], frame_times=tmp_path / "frame_times.npy").fps == pytest.approx(expected)


# Frame-time files: units in names, DataLogger folders, Arrow tables; a table without a time column.


@pytest.mark.parametrize(("unit", "factor"), [("us", 1e-6), ("ms", 1e-3), ("ns", 1e-9), ("s", 1.0)])
def test_a_unit_suffix_in_a_frame_time_file_name_is_honoured(tmp_path, unit, factor):
    seconds = epoch_times(90) - EPOCH
    path = tmp_path / f"frame_times_{unit}.npy"
    np.save(path, np.round(seconds / factor))
    np.testing.assert_allclose(read_frame_times(path), np.round(seconds / factor) * factor)
    table = tmp_path / f"cam0_timestamps_{unit}.csv"
    pd.DataFrame({"frame": np.arange(90), "time": np.round(seconds / factor)}).to_csv(table, index=False)
    np.testing.assert_allclose(read_frame_times(table), np.round(seconds / factor) * factor)
    np.testing.assert_allclose(read_frame_times(path, time_unit="s"), np.round(seconds / factor))  # given wins


def test_frame_times_in_another_unit_than_the_name_says_warn_with_the_fix(clips, tmp_path):
    path = tmp_path / "frame_times.npy"
    np.save(path, np.round((epoch_times(90) - EPOCH) * 1e6))
    with pytest.warns(
        UserWarning,
        match=r"are its times microseconds\? Read them in that unit: read_frame_times\(\.\.\., time_unit='us'\)",
    ):
        open_video(clips["zero"], frame_times=path)
    np.save(tmp_path / "frame_times_us.npy", np.load(path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        video = open_video(clips["zero"], frame_times=tmp_path / "frame_times_us.npy")
    assert 0.0332 < np.median(np.diff(video.frame_times)) < 0.0335


def test_a_datalogger_folder_resolves_to_its_archive(clips, tmp_path):
    from test_timestamps import write_ataraxis_log

    folder = tmp_path / "camera_data_log"
    folder.mkdir()
    onset = 1_769_000_000_123_456
    elapsed = np.cumsum(np.r_[1000, np.full(89, 33_333)]).tolist()
    write_ataraxis_log(folder / "051_log.npz", {51: (onset, elapsed)})
    expected = (onset + np.array(elapsed)) / 1e6
    np.testing.assert_allclose(read_frame_times(folder), expected)
    video = open_video(clips["epoch"], frame_times=folder)
    np.testing.assert_allclose(video.frame_times, expected)
    assert video.fps == pytest.approx(1e6 / 33_333)  # the slider plays at the logged rate
    write_ataraxis_log(folder / "052_log.npz", {52: (onset, elapsed[:10])})
    with pytest.raises(FrameTimesError, match=r"several archives \(051_log.npz, 052_log.npz\).*source_id="):
        read_frame_times(folder)
    np.testing.assert_allclose(read_frame_times(folder, source_id=51), expected)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FrameTimesError, match=r"empty is a folder without frame times.*<id>_log.npz"):
        read_frame_times(empty)


def test_a_feather_frame_time_table_is_read(tmp_path):
    pytest.importorskip("pyarrow")
    stamps_us = np.round(epoch_times(90) * 1e6).astype(np.int64)
    path = tmp_path / "camera_timestamps.feather"
    pd.DataFrame({"frame": np.arange(90), "time_us": stamps_us}).to_feather(path)
    np.testing.assert_allclose(read_frame_times(path), stamps_us / 1e6)
    assert "frame_times" in kinds_of(path)


def test_a_table_without_a_time_column_says_so_and_lists_its_columns(clips, tmp_path):
    path = tmp_path / "photometry.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"dff": rng.normal(size=10_000), "isosbestic": rng.normal(size=10_000)}).to_csv(path, index=False)
    with pytest.raises(AlignmentError) as raised:
        build_scene(open_video(clips["zero"]), signals=path)
    message = str(raised.value)
    assert "photometry.csv: No time column was found among its columns ['dff', 'isosbestic']" in message
    assert "sample rate in Hz (rate=HZ)" in message and "time_column=" in message


def test_the_advice_is_in_the_words_of_the_interface(clips, tmp_path, capsys):
    """The same message advises Python's arguments in a script and the command's flags on the command line."""
    from napari_chronoviz.cli import main

    path = tmp_path / "photometry.csv"
    pd.DataFrame({"dff": np.arange(10_000.0)}).to_csv(path, index=False)
    with pytest.raises(AlignmentError) as raised:
        build_scene(open_video(clips["zero"]), signals=path)
    assert "(rate=HZ)" in str(raised.value) and "mode='stretch'" in str(raised.value)
    output = tmp_path / "out.mp4"
    assert main(["render", str(clips["zero"]), "--signals", str(path), "-o", str(output), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "(--rate HZ)" in error and "--align stretch spreads" in error and "Set these options with --align" in error
    assert "rate=" not in error and "mode=" not in error and "alignment={" not in error
    output.write_bytes(b"mine")
    assert main(["render", str(clips["zero"]), "-o", str(output), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "--overwrite to replace it" in error and "overwrite=True" not in error and output.read_bytes() == b"mine"


@pytest.mark.parametrize("reference", ["source_video", "original_videos"])
def test_an_nwb_pose_names_the_video_it_was_made_on(clips, tmp_path, reference, add_pose_estimation):
    pynwb = pytest.importorskip("pynwb")
    pytest.importorskip("movement")
    import datetime

    nwb = pynwb.NWBFile("session", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    if reference == "source_video":
        video = pynwb.image.ImageSeries(
            name="front", external_file=["cam_front.mp4"], format="external", dimension=[640, 480], rate=30.0,
            starting_frame=[0], num_samples=90,
        )  # fmt: skip
        nwb.add_acquisition(video)
        recorded = {"source_video": video}
    else:
        recorded = {"original_videos": ["cam_front.mp4"], "dimensions": np.array([[640, 480]], dtype="uint16")}
    add_pose_estimation(nwb, np.random.default_rng(0).uniform(0, 100, (90, 2, 2)), np.arange(90) / 30, **recorded)
    path = tmp_path / "front_pose.nwb"
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    with pytest.raises(PoseError, match=r"made on cam_front.mp4 \(its NWB .*640x480 px, this video's are 160x120"):
        build_scene(open_video(clips["zero"]), pose=path)


def test_a_signal_on_an_epoch_clock_names_both_ranges_and_the_offset(clips):
    signal = pd.DataFrame({"time": epoch_times(90), "speed": np.arange(90.0)})
    with pytest.raises(AlignmentError) as raised:
        build_scene(open_video(clips["zero"]), signals=signal)
    message = str(raised.value)
    assert "video 0.000..2.967 s, source 1769000000.123..1769000003.090 s" in message
    assert "offset=-1769000000.123 starts them together" in message
    scene = build_scene(open_video(clips["zero"]), signals=signal, alignment={"offset": -EPOCH})
    assert scene.traces[0].alignment.sample_at(0) == 0


def test_a_pose_added_to_a_scene_is_checked_like_the_first_ones(clips, short_dlc_pose):
    """A pose added later (the dock adding to open sources, `Session.update`) meets the check `build_scene` makes."""
    small = open_video(clips["zero"])  # 160x120 px: the mouse pose was tracked on 640x480 frames
    scene = build_scene(small, signals=pd.DataFrame({"speed": np.arange(90.0)}))
    with pytest.raises(PoseError, match=r"keypoints lie outside this video's"):
        scene.updated(pose=short_dlc_pose(90))
    with pytest.warns(UserWarning, match="Drawn anyway"):
        anyway = scene.updated(pose=short_dlc_pose(90), pose_alignment={"check_video": False})
    assert len(anyway.pose_overlays) == 1


def test_attach_checks_a_pose_against_the_video_layers_file(shared_data, make_napari_viewer):
    from napari_chronoviz import attach

    viewer = make_napari_viewer()
    layer = viewer.open(shared_data / FLIES, plugin="napari-chronoviz")[0]
    with pytest.raises(PoseError, match=r"was made on tests/data/videos/centered_pair_low_quality.mp4 .*not on clip"):
        attach(viewer, layer, pose=shared_data / CENTERED_H5)
    session = attach(viewer, layer, pose=shared_data / FLIES_SLP)
    assert session.scene.pose_overlays[0].pose.n_frames == 1500


def test_a_slp_package_is_checked_against_the_video_its_frames_came_from(shared_data, tmp_path):
    sleap_io = pytest.importorskip("sleap_io")
    labels = sleap_io.load_slp(str(shared_data / FLIES_SLP))
    labels.labeled_frames = labels.labeled_frames[:3]
    package = tmp_path / "clip.pkg.slp"
    labels.save(str(package), embed=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the package's own name and 3 frames are not its video's
        build_scene(open_video(shared_data / FLIES), pose=package, pose_alignment={"mode": "pad"})
    with pytest.raises(PoseError, match=r"clip.pkg.slp was made on .*clip.mp4 .*not on centered_pair_low_quality"):
        build_scene(open_video(shared_data / CENTERED), pose=package)


def test_a_video_made_from_the_recorded_one_keeps_its_name_but_another_take_does_not():
    from napari_chronoviz import Pose, VideoRecord, check_pose_video

    pose = Pose(np.full((10, 1, 1, 2), 5.0), np.ones((10, 1, 1)), ("nose",), ("mouse",), source="clipDLC_x.h5")
    pose = replace(pose, video=VideoRecord("C:\\rig\\clip.avi", "its DeepLabCut file name"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("clip.mp4", "CLIP_compressed.mp4", "clipDLC_resnet50_labeled.mp4"):
            check_pose_video(pose, name, (64, 48), 10)
    with pytest.warns(UserWarning, match=r"clipDLC_x.h5 was made on C:\\rig\\clip.avi .*not on clip2.mp4"):
        check_pose_video(pose, "clip2.mp4", (64, 48), 10)
