"""Every input checked against the video it belongs to (issue 24): clocks that cannot meet, epoch clocks in
exports, time columns and units, frame-time files, pose provenance, phone videos upright."""

from __future__ import annotations

import av
import numpy as np
import pytest

from napari_chronoviz import create_visualization, open_video
from napari_chronoviz.errors import AlignmentError
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
