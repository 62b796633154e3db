"""Export: frames that know who they are come out in order with their times, overlays on the right frame,
encoder options reach the file, and no fault leaves anything at the destination."""

from __future__ import annotations

import re

import av
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import ChronovizError, Pose, create_visualization, open_video, read_pose, sample_file
from napari_chronoviz.cli import main as chronoviz
from napari_chronoviz.errors import in_words
from napari_chronoviz.render.panel import PanelPainter
from napari_chronoviz.testing import make_stamped_video, read_stamp

EXACT = {"crf": 0, "preset": "ultrafast", "progress": False}


def leftovers(folder, name):
    """Files in `folder` other than the inputs: partial exports must not survive."""
    return sorted(path.name for path in folder.iterdir() if path.name != name and "partial" in path.name)


@pytest.mark.parametrize("case", ["constant_rate", "variable_rate", "bframes_gop250", "mpeg4_avi"])
def test_every_frame_in_order_with_its_time(stamped_videos, tmp_path, case):
    source = stamped_videos[case]
    output = create_visualization(source, output=tmp_path / "out.mp4", layout="none", **EXACT)
    with open_video(source) as original, open_video(output) as exported:
        assert len(exported) == len(original)
        np.testing.assert_allclose(exported.frame_times, original.frame_times - original.frame_times[0], atol=1e-9)
        for frame in range(0, len(exported), max(1, len(exported) // 30)):
            assert read_stamp(exported[frame]) == frame


def test_a_range_keeps_its_frames_and_spacing(stamped_videos, tmp_path):
    output = create_visualization(
        stamped_videos["variable_rate"], output=tmp_path / "part.mp4", layout="none", start=20, end=50, **EXACT
    )
    with open_video(stamped_videos["variable_rate"]) as original, open_video(output) as exported:
        assert len(exported) == 30
        np.testing.assert_allclose(
            exported.frame_times, original.frame_times[20:50] - original.frame_times[20], atol=1e-9
        )
        assert [read_stamp(exported[k]) for k in (0, 29)] == [20, 49]


def one_point_pose(n_frames, frame, xy):
    """A pose whose only keypoint exists at `frame`, at `xy`."""
    positions = np.full((n_frames, 1, 1, 2), np.nan)
    positions[frame, 0, 0] = xy
    return Pose(positions, np.ones((n_frames, 1, 1)), ("dot",), ("animal",))


def test_a_keypoint_is_drawn_on_its_frame_and_no_earlier(stamped_videos, tmp_path):
    x, y, frame = 120, 90, 40  # below the stamp rows, in a plain area of the frame
    output = create_visualization(
        stamped_videos["constant_rate"],
        output=tmp_path / "dot.mp4",
        layout="none",
        pose=one_point_pose(90, frame, (x, y)),
        style={"point_size": 12},
        pix_fmt="yuv444p",
        **EXACT,
    )
    blue = np.array([86, 180, 233])  # the first keypoint color (Okabe-Ito sky blue)
    with open_video(output) as exported:
        assert np.abs(exported[frame][y, x].astype(int) - blue).max() <= 6
        for earlier in (0, frame - 1):
            assert np.abs(exported[earlier][y, x].astype(int) - blue).max() > 40


@pytest.mark.parametrize("kind", ["dataframe", "list", "array", "path"])
def test_signals_as_dataframe_list_array_or_path(stamped_videos, tmp_path, kind):
    values = np.sin(np.arange(90) / 5)
    given = {
        "dataframe": pd.DataFrame({"signal": values}),
        "list": values.tolist(),
        "array": values,
        "path": tmp_path / "signal.csv",
    }[kind]
    pd.DataFrame({"signal": values}).to_csv(tmp_path / "signal.csv", index=False)
    output = create_visualization(stamped_videos["constant_rate"], given, tmp_path / "plot.mp4", end=10, **EXACT)
    with open_video(output) as exported:
        # 120 rows of video + a 51-row panel below (its lane's name, value and scale; a third, 40, was too low),
        # written 172 rows high: H.264 in 4:2:0 takes even sizes
        assert exported.shape == (10, 172, 160, 3)
        assert exported[5][125:, :].mean() > 5  # the panel is drawn


def test_encoder_options_reach_the_file(stamped_videos, tmp_path):
    output = create_visualization(
        stamped_videos["constant_rate"],
        output=tmp_path / "enc.mp4",
        layout="none",
        codec="libx264",
        crf=23,
        preset="veryfast",
        pix_fmt="yuv444p",
        end=5,
        progress=False,
    )
    with av.open(str(output)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv444p"
    settings = output.read_bytes()
    assert b"crf=23.0" in settings and b"subme=2" in settings  # x264 writes its settings; veryfast = subme 2


def test_a_crf_beyond_the_encoders_scale_is_refused_and_an_rgb_encoder_gets_an_rgb_format(stamped_videos, tmp_path):
    source = stamped_videos["constant_rate"]
    with pytest.raises(
        ChronovizError, match=r"crf=99 is not a quality libx264 takes: its crf runs from 0 \(best\) to 51"
    ):
        create_visualization(source, output=tmp_path / "a.mp4", crf=99, progress=False)
    with pytest.raises(ChronovizError, match=r"crf=high is not a quality libvpx-vp9 takes: .* from 0 \(best\) to 63"):
        create_visualization(source, output=tmp_path / "a.webm", crf="high", progress=False)
    assert list(tmp_path.iterdir()) == []
    output = create_visualization(
        source, output=tmp_path / "rgb.mkv", codec="libx264rgb", crf=0, end=3, layout="none", progress=False
    )
    with av.open(str(output)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "gbrp"  # H.264 stores RGB as planar G, B, R
        decoded = next(container.decode(video=0)).to_ndarray(format="rgb24")
    with av.open(str(source)) as container:
        original = next(container.decode(video=0)).to_ndarray(format="rgb24")
    np.testing.assert_array_equal(decoded, original)  # crf 0 in RGB: lossless


@pytest.mark.parametrize("suffix, codec", [(".webm", "vp9"), (".gif", "gif")])
@pytest.mark.filterwarnings("ignore:out.gif. GIF stores frame delays")  # 30 fps in centiseconds: tested elsewhere
def test_webm_and_gif(stamped_videos, tmp_path, suffix, codec):
    output = create_visualization(
        stamped_videos["constant_rate"], output=tmp_path / f"out{suffix}", layout="none", end=6, progress=False
    )
    with av.open(str(output)) as container:
        assert container.streams.video[0].codec_context.name == codec
        assert sum(1 for _ in container.decode(video=0)) == 6


def test_command_line_render(stamped_videos, tmp_path, capsys):
    output = tmp_path / "cli.mp4"
    status = chronoviz(
        [
            "render",
            str(stamped_videos["constant_rate"]),
            "-o",
            str(output),
            "--layout",
            "none",
            "--end",
            "12",
            "--crf",
            "0",
            "--preset",
            "ultrafast",
            "--quiet",
        ]
    )
    assert status == 0
    with open_video(output) as exported:
        assert len(exported) == 12 and read_stamp(exported[11]) == 11
    assert chronoviz(["render", str(stamped_videos["constant_rate"]), "-o", str(output), "--quiet"]) == 2
    assert "exists; add --overwrite to replace it" in capsys.readouterr().err  # the command's flag, not Python's


# --- faults: nothing is left at the destination --------------------------------------------------------


def test_existing_output_is_not_overwritten_unless_asked(stamped_videos, tmp_path):
    output = tmp_path / "keep.mp4"
    output.write_bytes(b"precious")
    with pytest.raises(ChronovizError, match=r"keep.mp4 exists; pass overwrite=True"):
        create_visualization(stamped_videos["constant_rate"], output=output, progress=False)
    assert output.read_bytes() == b"precious"
    create_visualization(stamped_videos["constant_rate"], output=output, overwrite=True, end=3, progress=False)
    assert output.read_bytes() != b"precious"


def test_the_input_is_never_the_output(stamped_videos, tmp_path):
    source = tmp_path / "in.mp4"
    source.write_bytes(stamped_videos["constant_rate"].read_bytes())
    before = source.read_bytes()
    with pytest.raises(ChronovizError, match="is the input video"):
        create_visualization(source, output=source, overwrite=True, progress=False)
    assert source.read_bytes() == before


def test_missing_folder_unknown_codec_and_option(stamped_videos, tmp_path):
    source = stamped_videos["constant_rate"]
    with pytest.raises(ChronovizError, match=r"folder .*missing does not exist; create it, or pass make_dirs=True\.$"):
        create_visualization(source, output=tmp_path / "missing" / "out.mp4", progress=False)
    assert create_visualization(
        source, output=tmp_path / "made" / "out.mp4", make_dirs=True, end=2, progress=False
    ).exists()
    with pytest.raises(ChronovizError, match=r"Unknown video encoder 'libx999'. Available here: .*libx264"):
        create_visualization(source, output=tmp_path / "a.mp4", codec="libx999", progress=False)
    with pytest.raises(ChronovizError, match=r"libx264 encoder has no option\(s\) \['crff'\]. Its options: .*crf"):
        create_visualization(source, output=tmp_path / "a.mp4", options={"crff": 1}, progress=False)
    with pytest.raises(ChronovizError, match=r"Unknown export option\(s\) \['quality'\]"):
        create_visualization(source, output=tmp_path / "a.mp4", quality=3, progress=False)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["made"]


def test_a_failure_midway_leaves_nothing(stamped_videos, tmp_path, monkeypatch):
    calls = []
    real_paint = PanelPainter.paint

    def failing_paint(*args, **kwargs):
        calls.append(1)
        if len(calls) == 20:
            raise RuntimeError("disk full (simulated)")
        return real_paint(*args, **kwargs)

    monkeypatch.setattr(PanelPainter, "paint", failing_paint)
    with pytest.raises(ChronovizError, match=r"failed at the draw stage .*frame 19\): disk full") as raised:
        create_visualization(stamped_videos["constant_rate"], np.zeros(90), tmp_path / "fail.mp4", progress=False)
    assert raised.value.stage == "draw" and isinstance(raised.value.__cause__, RuntimeError)
    assert list(tmp_path.iterdir()) == []


def test_cancelling_leaves_nothing(stamped_videos, tmp_path):
    from napari_chronoviz.errors import ExportCancelled

    with pytest.raises(ExportCancelled, match="cancelled after 30 of 90 frames"):
        create_visualization(
            stamped_videos["constant_rate"], output=tmp_path / "cancel.mp4", progress=lambda done, total: done >= 30
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("layout", ["below", "top-right", "above"])
def test_yuv_and_rgb_compositing_agree(stamped_videos, tmp_path, layout):
    """yuv420p output composites on the decoded planes; yuv444p goes through RGB: same picture."""
    pose = one_point_pose(90, 30, (60, 80))
    options = dict(
        signals=np.sin(np.arange(90) / 5),
        pose=pose,
        layout=layout,
        end=40,
        style={"point_size": 10},
        crf=0,
        preset="ultrafast",
        progress=False,
    )
    planes = create_visualization(stamped_videos["constant_rate"], output=tmp_path / "yuv.mp4", **options)
    rgb = create_visualization(
        stamped_videos["constant_rate"], output=tmp_path / "rgb.mp4", pix_fmt="yuv444p", **options
    )
    with open_video(planes) as from_planes, open_video(rgb) as from_rgb:
        assert from_planes.shape == from_rgb.shape
        for frame in (0, 30, 39):
            difference = np.abs(from_planes[frame].astype(int) - from_rgb[frame])
            assert difference.mean() < 2.5, (frame, difference.mean())  # 4:2:0 chroma at colored edges


def test_plot_only_with_a_transparent_background(stamped_videos, tmp_path):
    output = create_visualization(
        stamped_videos["constant_rate"],
        np.sin(np.arange(90) / 5),
        tmp_path / "plot.webm",
        layout={"position": "below", "size": 60},
        plot_only=True,
        alpha=True,
        end=5,
        progress=False,
    )
    with av.open(str(output)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (160, 60)
        decoder = av.CodecContext.create("libvpx-vp9", "r")  # FFmpeg's own vp9 decoder drops the alpha plane
        packets = [packet for packet in container.demux(stream) if packet.size]
        rgba = [frame.to_ndarray(format="rgba") for packet in packets for frame in decoder.decode(packet)]
    alpha_plane = rgba[2][..., 3]
    assert len(rgba) == 5 and alpha_plane.min() == 0 and alpha_plane.max() == 255  # transparent, with opaque lines
    with pytest.raises(ChronovizError, match="needs WebM"):
        create_visualization(
            stamped_videos["constant_rate"],
            np.zeros(90),
            tmp_path / "plot.mp4",
            plot_only=True,
            alpha=True,
            progress=False,
        )
    with pytest.raises(ChronovizError, match="pass plot_only=True"):
        create_visualization(
            stamped_videos["constant_rate"], np.zeros(90), tmp_path / "plot.webm", layout="plot-only", progress=False
        )


def test_audio_is_copied_for_the_exported_span(tmp_path):
    source = make_stamped_video(tmp_path / "with_audio.mp4", 90, audio=True)
    output = create_visualization(source, output=tmp_path / "out.mp4", layout="none", start=30, end=60, **EXACT)
    with av.open(str(output)) as container:
        audio = container.streams.audio[0]
        seconds = sum(frame.samples for frame in container.decode(audio)) / audio.sample_rate
    assert audio.codec_context.name == "aac" and 0.9 <= seconds <= 1.1  # frames 30..59: one second


def test_an_encoder_that_cannot_start_says_so(stamped_videos, tmp_path):
    if "h264_nvenc" not in av.codecs_available:
        pytest.skip("this FFmpeg has no h264_nvenc")
    try:
        create_visualization(
            stamped_videos["constant_rate"],
            output=tmp_path / "gpu.mp4",
            layout="none",
            codec="h264_nvenc",
            end=3,
            progress=False,
        )
    except ChronovizError as error:
        assert "h264_nvenc encoder could not start" in str(error) and "libx264" in str(error)
        assert list(tmp_path.iterdir()) == []
    else:
        assert (tmp_path / "gpu.mp4").exists()  # a machine with an NVIDIA GPU


def test_a_frame_too_large_for_the_encoder_is_named_with_the_control_to_change(stamped_videos, tmp_path):
    with pytest.raises(ChronovizError, match=r"x 17\d\d\d pixels.*at most 16384") as refused:
        create_visualization(
            stamped_videos["constant_rate"],
            signals=np.zeros((5, 1)),
            alignment={"mode": "stretch"},
            output=tmp_path / "tall.mp4",
            layout={"position": "below", "size": 17000},
            end=3,
            progress=False,
        )
    assert "'panel size (px, 0 = auto)'" in in_words(refused.value, "dock")
    assert list(tmp_path.iterdir()) == []


def test_an_imgstore_exports_with_its_stored_frame_times(shared_data, tmp_path):
    output = create_visualization(shared_data / "imgstore_mp4", np.arange(179.0), tmp_path / "store.mp4", **EXACT)
    with open_video(shared_data / "imgstore_mp4") as store, open_video(output) as exported:
        assert len(exported) == 179
        np.testing.assert_allclose(exported.frame_times, store.frame_times - store.frame_times[0], atol=1e-9)


@pytest.mark.parametrize("suffix", [".avi", ".webm", ".mkv", ".mov"])
def test_every_container_plays_for_as_long_as_the_input(stamped_videos, tmp_path, suffix):
    output = create_visualization(
        stamped_videos["constant_rate"], output=tmp_path / f"out{suffix}", layout="none", progress=False
    )
    with av.open(str(output)) as container:
        assert container.duration / 1e6 == pytest.approx(3.0, abs=0.05)  # 90 frames at 30 fps
    with open_video(output) as exported:
        assert len(exported) == 90 and read_stamp(exported[89]) == 89


def test_avi_of_a_variable_rate_video_warns(stamped_videos, tmp_path):
    with pytest.warns(UserWarning, match="stores one frame rate"):
        create_visualization(
            stamped_videos["variable_rate"], output=tmp_path / "vfr.avi", layout="none", progress=False
        )


def snout_is_drawn(exported, index: int, snout_xy) -> bool:
    """Whether the exported frame `index` shows a keypoint color (not the gray open field) at `snout_xy`."""
    x, y = np.round(snout_xy).astype(int)
    pixel = exported[index][y, x].astype(int)
    return pixel.max() - pixel.min() > 40


def test_a_short_pose_is_exported_on_its_frames_and_nothing_after(short_dlc_pose, tmp_path):
    path = short_dlc_pose(100)  # 100 rows for the 2330 frames of the mouse video
    snout = read_pose(path).xy[:, 0, 0]
    with pytest.warns(UserWarning, match=r"frames 100-2329 \(2230 frames\) have no pose"):
        output = create_visualization(
            sample_file("mouse.mp4"),
            output=tmp_path / "short.mp4",
            pose=path,
            layout="none",
            start=97,
            end=103,
            pix_fmt="yuv444p",
            **EXACT,
        )
    with open_video(output) as exported:
        assert [snout_is_drawn(exported, k, snout[min(frame, 99)]) for k, frame in enumerate(range(97, 103))] == [
            True,
            True,
            True,
            False,
            False,
            False,
        ]


def test_command_line_pose_alignment(short_dlc_pose, stamped_videos, tmp_path, capsys):
    path = short_dlc_pose(100)
    snout = read_pose(path).xy[:, 0, 0]
    output = tmp_path / "offset.mp4"
    status = chronoviz(
        [
            "render",
            str(sample_file("mouse.mp4")),
            "--pose",
            str(path),
            "--pose-align",
            "pad",
            "--pose-offset",
            "1.02",
            "-o",
            str(output),
            "--layout",
            "none",
            "--start",
            "29",
            "--end",
            "33",
            "--crf",
            "0",
            "--preset",
            "ultrafast",
            "--pix-fmt",
            "yuv444p",
            "--quiet",
        ]
    )
    assert status == 0  # row k at frame 30.6 + k (1.02 s at 30 fps): frame 31 shows row 0, frame 32 row 1
    with open_video(output) as exported:
        assert [snout_is_drawn(exported, k, snout[max(frame - 31, 0)]) for k, frame in enumerate(range(29, 33))] == [
            False,
            False,
            True,
            True,
        ]
    too_long = [
        "render",
        str(stamped_videos["constant_rate"]),
        "--pose",
        str(short_dlc_pose(120)),
        "--quiet",
        "-o",
        str(tmp_path / "long.mp4"),
    ]
    assert chronoviz(too_long) == 2  # the mouse's 640x480 pose on a 160x120 clip: refused before its length
    assert re.search(r"mouse_120_maDLC.h5 does not fit cfr.mp4.*--no-pose-video-check", capsys.readouterr().err)
    assert chronoviz([*too_long, "--no-pose-video-check"]) == 2
    said = capsys.readouterr().err  # the CLI prints chronoviz's warnings as "chronoviz: warning:" lines
    assert "chronoviz: warning:" in said and "Drawn anyway: the check is turned off" in said
    assert re.search(r"120 rows but the video has 90 frames.*--pose-align", said)


def test_command_line_labels_clock_reaches_the_scene(stamped_videos, tmp_path, capsys):
    pd.DataFrame({"time": np.arange(90) / 30, "dff": np.zeros(90)}).to_csv(tmp_path / "dff.csv", index=False)
    (tmp_path / "events.csv").write_text("time,kind\n1.0,lick\n")
    command = [
        "render",
        str(stamped_videos["constant_rate"]),
        "--signals",
        str(tmp_path / "dff.csv"),
        "--events",
        str(tmp_path / "events.csv"),
        "-o",
        str(tmp_path / "labels.mp4"),
        "--quiet",
        "--end",
        "2",
    ]
    assert chronoviz([*command, "--labels-clock", "photometry.csv"]) == 2
    assert "labels_clock='photometry.csv' names no signal" in capsys.readouterr().err
    assert chronoviz([*command, "--labels-clock", "0", "--offset", "0.5"]) == 0


@pytest.mark.parametrize("scale", [0, -1])
def test_a_scale_that_is_not_positive_is_refused_before_anything_is_written(stamped_videos, tmp_path, scale):
    with pytest.raises(ChronovizError, match=r"scale is the factor of the output's size .* got"):
        create_visualization(
            stamped_videos["constant_rate"], np.zeros(90), tmp_path / "s.mp4", scale=scale, progress=False
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "problem"), [("out", "has no file extension"), ("out.xyz", "is not a video file")])
def test_an_output_that_is_not_a_video_file_is_refused_by_name(stamped_videos, tmp_path, name, problem):
    with pytest.raises(ChronovizError, match=rf"{name} {problem} chronoviz writes|{name} {problem};.*\.mp4, \.mov"):
        create_visualization(stamped_videos["constant_rate"], np.zeros(90), tmp_path / name, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_an_export_logs_the_time_of_each_stage(stamped_videos, tmp_path, caplog):
    """The stage times `make bench-export` prints: every stage of the pipeline worked, the overlays drawn
    and converted, and how long the encoder waited for frames."""
    pose = Pose(np.full((90, 1, 1, 2), 40.0), np.ones((90, 1, 1)), ("nose",), ("mouse",), ())
    with caplog.at_level("DEBUG", logger="napari_chronoviz.render.export"):
        create_visualization(stamped_videos["constant_rate"], output=tmp_path / "out.mp4", pose=pose, **EXACT)
    (record,) = [record for record in caplog.records if record.msg.startswith("exported")]
    seconds = record.stage_seconds
    assert {"decode", "draw", "convert", "encode", "mux", "encoder waiting for frames"} <= set(seconds)
    assert all(value > 0 for value in seconds.values())
    cpu = record.stage_cpu_seconds  # what each stage's thread used, whatever else shares the cores
    assert set(cpu) == set(seconds) and cpu["draw"] > 0 and cpu["decode"] > 0
    assert "exported 90 frames in" in record.getMessage()
