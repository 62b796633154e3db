"""`chronoviz render` with each source's reader options as flags (issue #23): a signal in milliseconds, a table
without a time column, a video's frame-time file, and the export options the API has."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import create_visualization, open_video
from napari_chronoviz.cli import main as chronoviz
from napari_chronoviz.render import visualization
from napari_chronoviz.testing import make_stamped_video, read_stamp

N_FRAMES, FPS = 120, 30.0


@pytest.fixture
def files(tmp_path):
    """A 4 s video; a signal with times in ms in a column named `time`; one without a time column at 40 Hz."""
    video = make_stamped_video(tmp_path / "video.mp4", N_FRAMES, size=(160, 120), fps=FPS)
    times_ms = np.arange(4 * N_FRAMES) * 1000 / (4 * FPS)
    pd.DataFrame({"time": times_ms, "speed": times_ms / 1000}).to_csv(tmp_path / "signals_ms.csv", index=False)
    pd.DataFrame({"speed": np.arange(161.0)}).to_csv(tmp_path / "no_time.csv", index=False)
    return {"video": str(video), "ms": str(tmp_path / "signals_ms.csv"), "no_time": str(tmp_path / "no_time.csv")}


@pytest.fixture
def exported(monkeypatch):
    """The scene and options each `chronoviz render` hands to the export (nothing is encoded)."""
    calls = []

    def export(video, scene, output, **options):
        calls.append({"video": video, "scene": scene, **options})
        return output

    monkeypatch.setattr(visualization, "export_video", export)
    return calls


def render(*arguments: str) -> int:
    return chronoviz(["render", *arguments, "--quiet", "--overwrite"])


def test_time_unit_flag_reads_a_signal_in_milliseconds(files, exported, tmp_path, capsys):
    assert render(files["video"], "--signals", files["ms"], "--time-unit", "ms", "-o", str(tmp_path / "a.mp4")) == 0
    (trace,) = exported[-1]["scene"].traces
    assert trace.alignment.mode == "timestamps"
    assert trace.alignment.sample_times[-1] == pytest.approx((4 * N_FRAMES - 1) / (4 * FPS))
    assert capsys.readouterr().err == ""


def test_a_signal_in_milliseconds_without_the_flag_is_not_drawn_silently(files, exported, tmp_path, capsys):
    assert render(files["video"], "--signals", files["ms"], "-o", str(tmp_path / "a.mp4")) == 0
    err = capsys.readouterr().err
    assert "chronoviz: warning:" in err and "milliseconds" in err and "--time-unit" in err


def test_rate_flag_places_a_table_without_a_time_column(files, exported, tmp_path, capsys):
    assert render(files["video"], "--signals", files["no_time"], "-o", str(tmp_path / "a.mp4")) == 2
    assert "161 samples do not fit 120 video frames" in capsys.readouterr().err
    assert render(files["video"], "--signals", files["no_time"], "--rate", "40", "-o", str(tmp_path / "a.mp4")) == 0
    (trace,) = exported[-1]["scene"].traces
    assert trace.alignment.mode == "timestamps" and trace.alignment.sample_times[-1] == pytest.approx(4.0)


def test_binary_recording_flags_read_a_probe_file(files, exported, tmp_path, capsys):
    probe = tmp_path / "run_g0_t0.imec0.ap.bin"
    values = np.arange(4 * 3000 * 3, dtype=np.int16).reshape(-1, 3)  # 4 s of 3 channels at 3 kHz
    values.tofile(probe)
    output = ["-o", str(tmp_path / "a.mp4")]
    assert render(files["video"], "--signals", str(probe), *output) == 2
    error = capsys.readouterr().err
    assert "(--dtype int16 --n-channels N --rate HZ)" in error and "SourceSpec" not in error
    flags = ["--dtype", "int16", "--n-channels", "3", "--rate", "3000", "--gain", "0.5"]
    assert render(files["video"], "--signals", str(probe), *flags, *output) == 0
    (trace,) = exported[-1]["scene"].traces
    assert trace.signal.on_disk and trace.signal.n_channels == 3
    np.testing.assert_array_equal(trace.signal.values[7], values[7] * 0.5)
    assert trace.alignment.sample_times[-1] == pytest.approx((4 * 3000 - 1) / 3000)


def test_reader_flags_take_one_value_per_signal_file(files, exported, tmp_path, capsys):
    arguments = [files["video"], "--signals", files["ms"], files["no_time"], "-o", str(tmp_path / "a.mp4")]
    assert render(*arguments, "--time-unit", "ms", "s", "--rate", "0.001", "40") == 2
    assert "has its own time column, so a sample rate does not apply" in capsys.readouterr().err
    assert render(*arguments, "--time-unit", "ms", "s", "--rate", "1", "2", "3") == 2
    assert "--rate takes one value for every --signals file or one per file" in capsys.readouterr().err
    assert render(files["video"], "--time-unit", "ms", "-o", str(tmp_path / "a.mp4")) == 2
    assert "--time-unit read --signals files" in capsys.readouterr().err


def test_frame_times_flag_replaces_the_containers_times(files, exported, tmp_path):
    times = np.arange(N_FRAMES) / 28.9
    np.save(tmp_path / "frame_times.npy", times)
    arguments = ["--frame-times", str(tmp_path / "frame_times.npy"), "-o", str(tmp_path / "a.mp4")]
    assert render(files["video"], *arguments) == 0
    np.testing.assert_allclose(exported[-1]["scene"].frame_times, times)


def test_crop_plot_only_and_alpha_reach_the_export(files, exported, tmp_path):
    arguments = [files["video"], "--signals", files["ms"], "--time-unit", "ms", "-o", str(tmp_path / "a.webm")]
    assert render(*arguments, "--crop", "0", "0", "80", "60") == 0
    assert exported[-1]["crop"] == [0, 0, 80, 60] and not exported[-1]["plot_only"]
    assert render(*arguments, "--plot-only", "--alpha") == 0
    assert exported[-1]["plot_only"] and exported[-1]["alpha"]


def test_the_rendered_file_matches_the_api_with_the_same_options(files, tmp_path):
    """End to end: the flags alone give the picture the API gives with the signal's times in seconds."""
    output = tmp_path / "cli.mp4"
    flags = ["--signals", files["no_time"], "--rate", "40", "--end", "12", "--crf", "0", "--preset", "ultrafast"]
    assert render(files["video"], *flags, "-o", str(output)) == 0
    seconds = pd.DataFrame({"time": np.arange(161) / 40, "speed": np.arange(161.0)})
    expected = create_visualization(
        files["video"], seconds, tmp_path / "api.mp4", end=12, crf=0, preset="ultrafast", progress=False
    )
    with open_video(output) as ours, open_video(expected) as theirs:
        assert len(ours) == len(theirs) == 12 and read_stamp(ours[11][:120]) == 11
        np.testing.assert_array_equal(ours[11], theirs[11])


def test_view_takes_the_same_flags(files, tmp_path, monkeypatch, make_napari_viewer):
    """`chronoviz view` opens the video timed by its frame-time file, with the signal read in ms, in napari."""
    import napari

    from napari_chronoviz.napari._layers import Session

    times = np.arange(N_FRAMES) / 28.9
    np.save(tmp_path / "frame_times.npy", times)
    viewers = []
    monkeypatch.setattr(napari, "Viewer", lambda: viewers.append(make_napari_viewer()) or viewers[-1])
    monkeypatch.setattr(napari, "run", lambda *args, **kwargs: None)
    flags = ["--frame-times", str(tmp_path / "frame_times.npy"), "--signals", files["ms"], "--time-unit", "ms"]
    assert chronoviz(["view", files["video"], *flags]) == 0
    (layer,) = [layer for layer in viewers[0].layers if "frame_times" in layer.metadata]
    assert layer.metadata["chronoviz"]["frame_times_file"] == str(tmp_path / "frame_times.npy")
    scene = Session.of(layer).scene
    np.testing.assert_allclose(scene.frame_times, times)
    assert scene.config["sources"]["signals"][0]["time_unit"] == "ms"


def test_style_flag_draws_a_probe_as_a_dense_lane(files, exported, tmp_path, capsys):
    probe = tmp_path / "run_g0_t0.imec0.ap.bin"
    np.random.default_rng(0).integers(-200, 200, (4 * 3000, 16), dtype=np.int16).tofile(probe)
    flags = ["--dtype", "int16", "--n-channels", "16", "--rate", "3000", "-o", str(tmp_path / "a.mp4")]
    style = ["--style", "dense=run_g0_t0.imec0.ap", "dense_scale=40"]
    assert render(files["video"], "--signals", str(probe), *flags, *style) == 0
    plot = exported[-1]["scene"].plot
    assert [lane.kind for lane in plot.lanes] == ["dense"] and plot.dense[0].spread == 40
    assert render(files["video"], "--signals", str(probe), *flags, "--style", "dense=lfp") == 2
    assert "--style dense=...: 'lfp' names no signal" in capsys.readouterr().err


def test_quiet_silences_the_pyramid_built_for_a_recording_on_disk(files, exported, tmp_path, monkeypatch, capsys):
    """--quiet: no progress line at all, including the one of a pyramid built while the scene is."""
    from napari_chronoviz._cache import CACHE_ENVIRONMENT
    from napari_chronoviz.io import timeseries

    monkeypatch.setattr(timeseries, "LAZY_BYTES", 0)  # the table stays on disk: its lane reads a pyramid
    monkeypatch.setenv(CACHE_ENVIRONMENT, str(tmp_path / "cache"))
    np.save(tmp_path / "probe.npy", np.random.default_rng(0).integers(-500, 500, (400_000, 4)).astype(np.int16))
    assert render(files["video"], "--signals", str(tmp_path / "probe.npy"), "--rate", "30000", "-o", "x.mp4") == 0
    assert list((tmp_path / "cache").rglob("*")), "no pyramid was built: the test tests nothing"
    assert "pyramid" not in capsys.readouterr().err


def test_view_without_a_display_says_what_to_do_instead(files, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert chronoviz(["view", files["video"]]) != 0
    error = capsys.readouterr().err
    assert "no display" in error and "chronoviz render" in error and "xvfb-run" in error
