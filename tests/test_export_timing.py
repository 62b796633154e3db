"""Exports keep time (GIF, fps=) and fail fast: measured with ffprobe and plain PyAV, never with our reader.

Every failure case runs in a subprocess with a timeout, so an export that hangs fails the test instead
of hanging the suite.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings

import av
import numpy as np
import pytest

from napari_chronoviz import ChronovizError, create_visualization, sample_file
from napari_chronoviz.cli import main as chronoviz
from napari_chronoviz.testing import make_stamped_video, read_stamp

FAST = {"layout": "none", "progress": False}


def probed_duration(path) -> float:
    """The container's duration as ffprobe reports it."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(json.loads(result.stdout)["format"]["duration"])


def stamps(path) -> list[int]:
    """The stamp of every frame of `path`, decoded sequentially by plain PyAV."""
    with av.open(str(path)) as container:
        return [read_stamp(frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]


@pytest.fixture(scope="module")
def stamped_30fps(tmp_path_factory):
    return make_stamped_video(tmp_path_factory.mktemp("timing") / "in30.mp4", 60, size=(64, 48), fps=30)


# --- GIF -----------------------------------------------------------------------------------------------


def test_a_gif_plays_as_long_as_its_input(tmp_path):
    """The fly sample at 25 fps: 30 frames last 1.2 s (they used to last 1044 s: 1/90000 ticks read as 1/100)."""
    output = create_visualization(sample_file("flies.mp4"), output=tmp_path / "flies.gif", end=30, scale=0.1, **FAST)
    assert probed_duration(output) == pytest.approx(1.2, abs=0.011)
    with av.open(str(output)) as container:
        steps = np.diff([frame.pts for frame in container.decode(video=0)])
    assert set(steps.tolist()) == {4}  # 40 ms in centiseconds


def test_a_30_fps_gif_keeps_its_length_and_warns_that_gif_rounds(stamped_30fps, tmp_path):
    with pytest.warns(UserWarning, match=r"GIF stores frame delays in 1/100 s"):
        output = create_visualization(stamped_30fps, output=tmp_path / "out.gif", **FAST)
    assert probed_duration(output) == pytest.approx(2.0, abs=0.011)
    assert stamps(output) == list(range(60))


def test_a_gif_cannot_show_frames_closer_than_10_ms(stamped_videos, tmp_path):
    with pytest.raises(ChronovizError, match=r"pass fps=50 or lower"):
        create_visualization(stamped_videos["high_fps_250"], output=tmp_path / "fast.gif", end=20, **FAST)
    assert list(tmp_path.iterdir()) == []


# --- fps= ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fps, suffix", [(25, ".mp4"), (60, ".mp4"), (25, ".mkv"), (20, ".webm"), (15, ".avi")])
def test_fps_writes_a_constant_rate_showing_the_input_frame_of_each_tick(stamped_30fps, tmp_path, fps, suffix):
    output = create_visualization(stamped_30fps, output=tmp_path / f"out{suffix}", fps=fps, **FAST)
    ticks = np.arange(2.0 * fps) / fps  # the input's 60 frames at 30 fps are on screen for 2 s
    expected = np.floor(ticks * 30 + 1e-9).astype(int).tolist()  # the input frame shown at each tick
    assert stamps(output) == expected
    assert probed_duration(output) == pytest.approx(2.0, abs=1.5 / fps)
    with av.open(str(output)) as container:
        times = [float(frame.pts * frame.time_base) for frame in container.decode(video=0)]
    np.testing.assert_allclose(np.diff(times), 1 / fps, atol=1e-3)


def test_fps_from_the_command_line(stamped_30fps, tmp_path):
    output = tmp_path / "cli.mkv"
    assert (
        chronoviz(["render", str(stamped_30fps), "--fps", "25", "-o", str(output), "--layout", "none", "--quiet"]) == 0
    )
    assert len(stamps(output)) == 50


def test_fps_of_the_mouse_sample_in_mp4_and_mkv(tmp_path):
    """The case that raised `Invalid argument` (mp4) and hung at 0 % CPU (mkv)."""
    for suffix in (".mp4", ".mkv"):
        output = create_visualization(sample_file("mouse.mp4"), output=tmp_path / f"m{suffix}", end=90, fps=25, **FAST)
        assert probed_duration(output) == pytest.approx(3.0, abs=0.05)


# --- failures: each stage ends the export within seconds, nothing left ---------------------------------

INJECT = r"""
import sys, time
from pathlib import Path
import napari_chronoviz.render.export as export
from napari_chronoviz import create_visualization
from napari_chronoviz.errors import ExportError
from napari_chronoviz.render.encode import EncoderSettings

stage, source, output = sys.argv[1], sys.argv[2], Path(sys.argv[3])


class Wrapped:
    '''Delegates to `inner`, failing (or dropping a packet) where the stage under test happens.'''

    def __init__(self, inner):
        self._inner, self._calls = inner, 0

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def encode(self, frame=None):
        self._calls += 1
        if stage == "encode" and self._calls == 10:
            raise RuntimeError("encoder crashed (injected)")
        if stage == "flush" and frame is None:
            raise RuntimeError("flush failed (injected)")
        return self._inner.encode(frame)

    def mux(self, packets):
        packets = packets if isinstance(packets, list) else [packets]
        self._calls += len(packets)
        if stage == "mux" and self._calls > 10:
            raise OSError(28, "No space left on device (injected)")
        if stage == "verify" and self._calls == 5 and packets:
            packets = packets[1:]  # a muxer that silently loses a frame
        return self._inner.mux(packets)


real_open = export.av.open
def opening(path, mode="r", **kwargs):
    if mode == "w" and stage == "open":
        raise PermissionError(13, "Permission denied (injected)")
    container = real_open(path, mode, **kwargs)
    return Wrapped(container) if mode == "w" and stage in ("mux", "verify") else container
export.av.open = opening

real_stream = EncoderSettings.open_stream
EncoderSettings.open_stream = lambda self, *args: Wrapped(real_stream(self, *args)) if stage in ("encode", "flush") \
    else real_stream(self, *args)

real_read = export._Compositor.read
def read(self, video, index):
    if stage == "decode" and index == 12:
        raise ValueError("corrupt packet (injected)")
    return real_read(self, video, index)
export._Compositor.read = read

real_frame = export._Compositor.frame
def frame(self, index, pixels):
    if stage == "draw":
        raise MemoryError("cannot allocate (injected)")
    return real_frame(self, index, pixels)
export._Compositor.frame = frame

def copy_audio(*args):
    raise OSError("audio stream unreadable (injected)")
if stage == "audio":
    export.copy_audio = copy_audio

started = time.perf_counter()
try:
    create_visualization(source, [0.0] * 60, output, preset="ultrafast", progress=False)
except ExportError as error:
    print(f"{error.stage}|{time.perf_counter() - started:.2f}|{error}")
else:
    print("no error")
"""


@pytest.mark.parametrize("stage", ["open", "decode", "draw", "encode", "flush", "mux", "audio", "verify"])
def test_a_failure_at_each_stage_ends_the_export_with_its_name_and_leaves_nothing(stamped_30fps, tmp_path, stage):
    output = tmp_path / "out" / "composite.mp4"
    output.parent.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", INJECT, stage, str(stamped_30fps), str(output)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    reported, seconds, message = result.stdout.strip().split("|", 2)
    assert reported == stage, message
    assert float(seconds) < 20
    assert f"failed at the {stage} stage" in message and f"Nothing was written to {output}" in message
    assert "injected" in message or stage == "verify"
    assert list(output.parent.iterdir()) == []  # no output, no hidden partial file


# --- partial files of killed exports -------------------------------------------------------------------

SLOW_EXPORT = r"""
import sys
from napari_chronoviz import create_visualization
create_visualization(sys.argv[1], output=sys.argv[2], preset="veryslow", layout="none", progress=False)
"""


def test_a_killed_exports_partial_file_is_removed_by_the_next_export(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, str(sample_file("flies.mp4")), str(folder / "slow.mp4")]
    )
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob(".slow.partial-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    stale = list(folder.glob(".slow.partial-*"))
    assert stale, "the killed export left no partial file: nothing to test"
    live = folder / f".other.partial-{os.getpid()}.mp4"  # an export of a running process: left alone
    live.write_bytes(b"in progress")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        create_visualization(sample_file("flies.mp4"), output=folder / "next.mp4", end=5, **FAST)
    assert sorted(path.name for path in folder.iterdir()) == sorted([live.name, "next.mp4"])


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_render_stopped_by_kill_or_ctrl_c_says_so_and_leaves_nothing(tmp_path, stop):
    folder = tmp_path / "exports"
    folder.mkdir()
    output = folder / "slow.mp4"
    command = [sys.executable, "-m", "napari_chronoviz.cli", "render", str(sample_file("flies.mp4"))]
    command += ["-o", str(output), "--preset", "veryslow", "--quiet"]
    # Ctrl+C as in a terminal: a shell running the suite in the background hands its children SIGINT ignored
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    deadline = time.monotonic() + 60
    while not list(folder.glob(".slow.partial-*")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert list(folder.glob(".slow.partial-*")), "the export never started writing: nothing to test"
    process.send_signal(stop)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and time.monotonic() - started < 10
    assert f"chronoviz: interrupted; {output} was not written." in stderr and "Traceback" not in stderr
    assert list(folder.iterdir()) == []
