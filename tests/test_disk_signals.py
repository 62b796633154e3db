"""Recordings that stay on disk (io/disk_samples.py) and their min/max pyramid (io/pyramid.py): read by rows, never
whole; the panel draws from the pyramid exactly the pixels it draws from every sample."""

from __future__ import annotations

import dataclasses
import os
import pickle
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from napari_chronoviz import build_scene
from napari_chronoviz._cache import CACHE_ENVIRONMENT
from napari_chronoviz.errors import SignalError
from napari_chronoviz.io import pyramid as pyramid_module
from napari_chronoviz.io import timeseries
from napari_chronoviz.io.disk_samples import DiskSamples
from napari_chronoviz.io.pyramid import PyramidCancelled, pyramid_of
from napari_chronoviz.io.timeseries import Signal, read_timeseries
from napari_chronoviz.overlays.primitives import Image, Polylines
from napari_chronoviz.render.panel import PanelPainter
from napari_chronoviz.render.raster import draw
from napari_chronoviz.sources import SourceSpec
from napari_chronoviz.timeline import align

RATE = 30_000.0


@pytest.fixture(autouse=True)
def on_disk(tmp_path, monkeypatch):
    """Every array file stays on disk, and pyramids go to a folder of the test's own."""
    monkeypatch.setattr(timeseries, "LAZY_BYTES", 0)
    monkeypatch.setenv(CACHE_ENVIRONMENT, str(tmp_path / "cache"))


def recording(n_samples=600_000, n_channels=3, seed=0) -> np.ndarray:
    """Noisy int16 traces with spikes, flat stretches (ties) and values past any y-limits."""
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.integers(-40, 41, (n_samples, n_channels)), axis=0) // 4
    values[rng.integers(0, n_samples, 300)] += rng.integers(-3000, 3000, (300, n_channels))
    flat = slice(n_samples // 6, n_samples // 6 + n_samples // 15)
    values[flat] = values[flat.start]  # flat: every sample of a pixel column ties
    return np.clip(values, -32768, 32767).astype(np.int16)


class Counting:
    """Wraps a DiskSamples' array and counts the rows read from it."""

    def __init__(self, raw):
        self.raw, self.rows = raw, 0
        self.shape, self.dtype, self.ndim = raw.shape, raw.dtype, raw.ndim

    def __getitem__(self, key):
        block = self.raw[key]
        self.rows += len(block)
        return block


def fake_video(seconds: float, fps=25.0, width=800, height=200):
    n_frames = int(seconds * fps)
    return SimpleNamespace(frame_times=np.arange(n_frames) / fps, shape=(n_frames, height, width, 3))


def test_a_large_npy_stays_on_disk_and_reads_only_the_rows_asked(tmp_path):
    values = recording(50_000)
    np.save(tmp_path / "probe.npy", values)
    signal = read_timeseries(tmp_path / "probe.npy", gain=0.195)
    assert signal.on_disk and isinstance(signal.values.raw, np.memmap)
    np.testing.assert_array_equal(signal.values[1000:1010, 1], values[1000:1010, 1] * 0.195)
    with pytest.raises(TypeError, match="stays on disk"):
        np.asarray(signal.values)
    with pytest.raises(SignalError, match="stays on disk"):
        signal.to_dataframe()


def test_rows_far_apart_and_close_together_read_as_they_are(tmp_path, monkeypatch):
    """Rows a few apart are read in one go through the gap between them (fewer reads); each row is still its own."""
    values = recording(50_000)
    np.save(tmp_path / "probe.npy", values)
    samples = read_timeseries(tmp_path / "probe.npy").values
    reads = []
    read_runs = DiskSamples._read_runs
    monkeypatch.setattr(
        DiskSamples, "_read_runs", lambda self, starts, ends: reads.append(len(starts)) or read_runs(self, starts, ends)
    )
    rows = np.r_[3, 5, 6, 900, 40_000, 40_002, 49_999, 100, 5]
    np.testing.assert_array_equal(samples.take(rows, [2, 0]), values[rows][:, [2, 0]])
    assert reads == [3]  # 3..6..900 one read (gaps of a few kB), 40_000..40_002 another, 49_999 a third


def test_raw_binary_reads_with_its_dtype_channels_gain_and_rate(tmp_path):
    values = recording(40_000, 4)
    values.tofile(tmp_path / "run_g0_t0.imec0.ap.bin")
    spec = SourceSpec(
        "signals", str(tmp_path / "run_g0_t0.imec0.ap.bin"), dtype="int16", n_channels=4, gain=2.34, rate=RATE
    )
    signal = spec.read()
    assert signal.on_disk and signal.n_channels == 4
    np.testing.assert_allclose(signal.values[123], values[123] * 2.34)
    np.testing.assert_allclose(signal.times[[0, 30_000]], [0.0, 1.0])
    with pytest.raises(SignalError, match="not a whole number of samples of 3 channels"):
        read_timeseries(tmp_path / "run_g0_t0.imec0.ap.bin", dtype="int16", n_channels=3)
    with pytest.raises(SignalError, match="need their dtype and channel count"):
        read_timeseries(tmp_path / "run_g0_t0.imec0.ap.bin")


def test_a_large_hdf5_dataset_stays_on_disk(tmp_path):
    values = recording(20_000, 3).astype(np.float32)
    with h5py.File(tmp_path / "lfp.h5", "w") as file:
        file["data"] = values
        file["timestamps"] = np.arange(20_000) / 1000.0
    signal = read_timeseries(tmp_path / "lfp.h5")
    assert signal.on_disk and signal.values.member == "/data"
    np.testing.assert_array_equal(signal.values[5:7], values[5:7])
    np.testing.assert_allclose(signal.times[-1], 19.999)


def in_dtype(values: np.ndarray, dtype: str) -> np.ndarray:
    """`values` spread over the whole range of an integer `dtype` (its least and greatest values included), or as
    floats with NaN runs."""
    if np.dtype(dtype).kind == "f":
        floats = values.astype(dtype) / 7
        floats[1000:1100, 0] = np.nan  # a run of NaN inside bins and across one's edge
        return floats
    info = np.iinfo(dtype)
    scaled = (values.astype(float) - values.min()) / np.ptp(values) * (float(info.max) - info.min) + info.min
    return np.clip(np.round(scaled), info.min, info.max).astype(dtype)


@pytest.mark.parametrize("dtype", ["int16", "uint16", "uint8", "int8", "int32", "float32"])
def test_pyramid_extremes_and_sums_are_those_of_the_samples(tmp_path, dtype):
    values = in_dtype(recording(300_001, 2), dtype)
    np.save(tmp_path / "x.npy", values)
    pyramid = pyramid_of(read_timeseries(tmp_path / "x.npy").values, progress=False)
    rng = np.random.default_rng(1)
    starts = rng.integers(0, 300_000, 400)
    stops = np.minimum(starts + rng.integers(1, 90_000, 400), 300_001)
    low, low_at, high, high_at = pyramid.extremes(starts, stops)
    sums = pyramid.sums_of(starts, stops)
    assert pyramid.finite == (dtype != "float32")
    for i, (start, stop) in enumerate(zip(starts, stops)):
        piece = values[start:stop]
        np.testing.assert_array_equal(low[i], np.nanmin(piece, axis=0))
        np.testing.assert_array_equal(high[i], np.nanmax(piece, axis=0))
        np.testing.assert_array_equal(low_at[i], start + np.nanargmin(piece, axis=0))  # the first occurrence
        np.testing.assert_array_equal(high_at[i], start + np.nanargmax(piece, axis=0))
        if pyramid.finite:  # sums are asked of finite recordings only
            np.testing.assert_array_equal(sums[i], piece.sum(axis=0, dtype=float))


def test_pyramid_is_cached_and_rebuilt_when_the_file_changes(tmp_path, monkeypatch):
    path = tmp_path / "x.npy"
    np.save(path, recording(70_000, 2))
    pyramid_of(read_timeseries(path).values, progress=False)
    built = []
    original = pyramid_module._build
    monkeypatch.setattr(pyramid_module, "_build", lambda *args: built.append(1) or original(*args))
    pyramid_of(read_timeseries(path).values, progress=False)
    assert built == []  # from the cache
    changed = recording(70_000, 2, seed=5)
    np.save(path, changed)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    pyramid = pyramid_of(read_timeseries(path).values, progress=False)
    assert built == [1]
    np.testing.assert_array_equal(pyramid.channel_ranges()[1], changed.max(axis=0))


def test_a_cancelled_build_leaves_nothing_in_the_cache(tmp_path):
    np.save(tmp_path / "x.npy", recording(200_000, 2))
    samples = read_timeseries(tmp_path / "x.npy").values
    with pytest.raises(PyramidCancelled):
        pyramid_of(samples, progress=lambda done, total: True)
    assert list(pyramid_module.cache_dir().iterdir()) == []


@pytest.mark.parametrize("ylim", ["channel", (-200.0, 200.0), "window"])
def test_the_panel_from_the_pyramid_is_pixel_identical_to_every_sample_thinned(tmp_path, ylim):
    video, disk_scene, memory_scene = on_disk_and_in_memory(tmp_path, recording(), {"ylim": ylim}, window=6.0)
    box = disk_scene.layout.panel_box
    for frame in (0, 3, 90, 251, len(video.frame_times) - 1):
        assert_drawn_alike(disk_scene, memory_scene, frame)
        paths = [
            traces(scene.plot.strip_geometry(0, 0, 2000, box, frame=frame)) for scene in (disk_scene, memory_scene)
        ]
        assert sum(len(path) for path in paths[0]) > 1000
        assert len(paths[0]) == len(paths[1])
        for a, b in zip(*paths):
            np.testing.assert_array_equal(a, b)


def on_disk_and_in_memory(tmp_path, values: np.ndarray, style: dict, window: float):
    """A video as long as `values` (at `RATE`), and the scenes of `values` x 0.5 drawn with `style` from a file on disk
    (through its pyramid) and from memory (every sample)."""
    np.save(tmp_path / "probe.npy", values)
    on_disk = read_timeseries(tmp_path / "probe.npy", gain=0.5)
    in_memory = Signal(values * 0.5, on_disk.names, source=str(tmp_path / "probe.npy"))
    video = fake_video(len(values) / RATE)
    options = {"window": window, "alignment": {"mode": "stretch"}, "style": style}
    disk_scene, memory_scene = (build_scene(video, signals=signal, **options) for signal in (on_disk, in_memory))
    assert disk_scene.plot.slicers[0].exact_from_pyramid and memory_scene.plot.slicers[0].pyramid is None
    return video, disk_scene, memory_scene


def assert_drawn_alike(disk_scene, memory_scene, frame: int) -> None:
    box = disk_scene.layout.panel_box
    drawn = [
        draw(np.zeros((1200, 800, 3), np.uint8), scene.plot.geometry(frame, box))
        for scene in (disk_scene, memory_scene)
    ]
    np.testing.assert_array_equal(drawn[0], drawn[1])


def traces(geometry) -> list[np.ndarray]:
    return next(item for item in geometry.items if isinstance(item, Polylines)).paths


def test_the_panel_reads_a_few_rows_per_pixel_not_the_window(tmp_path):
    values = recording()
    np.save(tmp_path / "probe.npy", values)
    signal = read_timeseries(tmp_path / "probe.npy")
    scene = build_scene(fake_video(len(values) / RATE), signals=signal, window=6.0, alignment={"mode": "stretch"})
    counting = Counting(signal.values.raw)
    object.__setattr__(signal.values, "raw", counting)
    painter = PanelPainter(scene)
    painter.paint(150)
    window_samples = 12 * RATE
    assert 0 < counting.rows < 0.25 * window_samples  # edges of pixel columns only, not the window


def test_heatmap_of_a_recording_on_disk_matches_the_same_in_memory(tmp_path):
    values = recording(400_000, 16)
    np.save(tmp_path / "probe.npy", values)
    on_disk = read_timeseries(tmp_path / "probe.npy")
    in_memory = Signal(values.astype(float), on_disk.names, source=str(tmp_path / "probe.npy"))
    video = fake_video(len(values) / RATE)
    options = {"window": 5.0, "alignment": {"mode": "stretch"}, "style": {"heatmaps": [0]}}
    scenes = [build_scene(video, signals=signal, **options) for signal in (on_disk, in_memory)]
    box = scenes[0].layout.panel_box
    images = [
        next(item for item in scene.plot.strip_geometry(0, 0, 1500, box, frame=10).items if isinstance(item, Image))
        for scene in scenes
    ]
    np.testing.assert_array_equal(images[0].pixels, images[1].pixels)


def test_values_at_a_frame_read_only_the_rows_around_it(tmp_path):
    values = recording(100_000, 2)
    np.save(tmp_path / "x.npy", values)
    signal = read_timeseries(tmp_path / "x.npy")
    alignment = align(np.arange(40) / 10.0, signal, mode="stretch")
    counting = Counting(signal.values.raw)
    samples = DiskSamples(counting, signal.values.path)
    np.testing.assert_allclose(alignment.values(samples, 7), alignment.values(values, 7))
    assert counting.rows <= 2


def test_a_recording_on_disk_pickles_as_its_place_not_its_contents(tmp_path):
    values = recording(200_000, 3)
    np.save(tmp_path / "x.npy", values)
    samples = read_timeseries(tmp_path / "x.npy", gain=0.5).values
    sent = pickle.dumps(samples)  # how a chunked export hands scenes to its worker processes
    assert len(sent) < 2000
    np.testing.assert_array_equal(pickle.loads(sent)[1234:1240], values[1234:1240] * 0.5)
    pyramid = pickle.dumps(pyramid_of(samples, progress=False))
    assert len(pyramid) < 2000
    np.testing.assert_array_equal(pickle.loads(pyramid).channel_ranges()[1], values.max(axis=0) * 0.5)


def test_the_dock_summarises_a_recording_on_disk_with_a_napari_progress_bar(make_napari_viewer, tmp_path, monkeypatch):
    import napari.utils

    from napari_chronoviz.io.pyramid import cache_dir
    from napari_chronoviz.testing import make_stamped_video

    shown = []
    progress = napari.utils.cancelable_progress

    def watched(*args, **kwargs):
        bar = progress(*args, **kwargs)
        shown.append(bar)
        return bar

    monkeypatch.setattr(napari.utils, "cancelable_progress", watched)
    video = make_stamped_video(tmp_path / "clip.mp4", 60, fps=30)
    np.save(tmp_path / "probe.npy", recording(150_000, 4))
    viewer = make_napari_viewer()
    viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.kind.value, dock.file.value, dock.rate.value = "signals", tmp_path / "probe.npy", RATE
    dock.add.clicked()
    assert [item.kind for item in dock.listed] == ["signals"]
    assert dock.session.scene.plot.slicers[0].exact_from_pyramid
    assert [bar.desc for bar in shown] == ["chronoviz: summarising probe.npy"] and shown[0].n == 150_000
    assert len(list(cache_dir().iterdir())) == 1


def test_a_zarr_recording_stays_on_disk(tmp_path):
    zarr = pytest.importorskip("zarr")
    values = recording(50_000, 3)
    group = zarr.open_group(str(tmp_path / "session.zarr"), mode="w")
    group.create_array("ap", shape=values.shape, chunks=(8192, 3), dtype="int16")[:] = values
    group.create_array("sync", shape=(10, 2), dtype="int16")[:] = 0
    with pytest.raises(SignalError, match="holds 2 arrays"):
        read_timeseries(tmp_path / "session.zarr")
    signal = read_timeseries(tmp_path / "session.zarr", key="ap", gain=0.5)
    assert signal.on_disk
    np.testing.assert_array_equal(signal.values.take(np.array([7, 3])), values[[7, 3]] * 0.5)
    low, _, high, _ = pyramid_of(signal.values, progress=False).extremes([100], [40_000])
    np.testing.assert_array_equal(high[0], values[100:40_000].max(axis=0) * 0.5)


def test_the_dock_adds_a_binary_recording_given_its_dtype_channels_rate_and_gain(
    make_napari_viewer, tmp_path, monkeypatch
):
    from napari_chronoviz.testing import make_stamped_video

    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._widget.show_error", errors.append)
    video = make_stamped_video(tmp_path / "clip.mp4", 60, fps=30)
    values = recording(90_000, 6)
    values.tofile(tmp_path / "run_g0_t0.imec0.ap.bin")
    viewer = make_napari_viewer()
    viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.kind.value, dock.file.value = "signals", tmp_path / "run_g0_t0.imec0.ap.bin"
    assert not any(field.native.isHidden() for field in (dock.dtype, dock.n_channels, dock.gain))
    dock.add.clicked()
    assert dock.listed == [] and "need their dtype and channel count" in errors[-1]
    assert "'binary dtype', 'binary channels' and 'rate (Hz)' in the form" in errors[-1]
    assert "SourceSpec" not in errors[-1]
    dock.dtype.value, dock.n_channels.value, dock.rate.value, dock.gain.value = "int16", 6, RATE, 0.195
    dock.add.clicked()
    (spec,) = dock.listed
    assert (spec.dtype, spec.n_channels, spec.rate, spec.gain) == ("int16", 6, RATE, 0.195)
    signal = dock.session.scene.traces[0].signal
    np.testing.assert_allclose(signal.values[100], values[100] * 0.195)
    dock.kind.value = "events"
    assert dock.dtype.native.isHidden()


def test_a_subset_of_columns_in_another_order_reads_and_summarises_as_those_columns(tmp_path):
    """A recording shown as some of its file's columns, reordered (a probe's channels by depth, its sync column
    left out): rows, extremes and sums are those columns', through the file's one pyramid."""
    values = recording(200_000, 4)
    np.save(tmp_path / "x.npy", values)
    whole = read_timeseries(tmp_path / "x.npy").values
    shown = dataclasses.replace(whole, columns=(3, 0, 2), gain=np.array([1.0, 2.0, 0.5]))
    assert shown.shape == (200_000, 3)
    np.testing.assert_array_equal(shown[10:20], values[10:20][:, [3, 0, 2]] * [1.0, 2.0, 0.5])
    np.testing.assert_array_equal(shown.take(np.array([7, 3, 7]), [1, 2]), values[[7, 3, 7]][:, [0, 2]] * [2.0, 0.5])
    pyramid = pyramid_of(shown, progress=False)
    starts = np.array([0, 17, 5_000, 123_457])
    stops = np.array([200_000, 18, 70_001, 199_999])
    low, low_at, high, high_at = pyramid.extremes(starts, stops, [2, 0])
    sums = pyramid.sums_of(starts, stops)
    for i, (start, stop) in enumerate(zip(starts, stops)):
        piece = values[start:stop][:, [2, 3]]
        np.testing.assert_array_equal(low[i], piece.min(axis=0) * [0.5, 1.0])
        np.testing.assert_array_equal(high_at[i], start + piece.argmax(axis=0))
        np.testing.assert_array_equal(sums[i], values[start:stop][:, [3, 0, 2]].sum(axis=0) * [1.0, 2.0, 0.5])
    again = pickle.loads(pickle.dumps(shown))
    assert again.columns == (3, 0, 2) and np.array_equal(again[5:9], shown[5:9])


def test_a_zoomed_out_heatmap_reads_no_sample_of_the_file(tmp_path):
    """Columns of 128 samples or more take their edges on the pyramid's bins: their means come from the pyramid's
    running sums alone (a jump on a cold disk read hundreds of scattered pieces of the file)."""
    values = recording(400_000, 16)
    np.save(tmp_path / "probe.npy", values)
    signal = read_timeseries(tmp_path / "probe.npy")
    video = fake_video(len(values) / RATE)
    scene = build_scene(video, signals=signal, window=5.0, alignment={"mode": "stretch"}, style={"heatmaps": [0]})
    counting = Counting(signal.values.raw)
    object.__setattr__(signal.values, "raw", counting)
    box = scene.layout.panel_box
    image = next(item for item in scene.plot.strip_geometry(0, 0, 1500, box, frame=10).items if isinstance(item, Image))
    assert counting.rows <= 2 and image.pixels.shape[1] == 1500  # columns past the data's ends: their nearest sample


@pytest.mark.parametrize("window", [6.0, 0.05])  # zoomed out: from the pyramid; zoomed in: the samples themselves
def test_a_dense_lane_from_the_pyramid_is_pixel_identical_to_every_sample_thinned(tmp_path, window):
    video, disk_scene, memory_scene = on_disk_and_in_memory(tmp_path, recording(400_000, 24), {"dense": [0]}, window)
    for name in ("baselines", "spread"):  # from exact bin extremes on disk, from every sample in memory
        np.testing.assert_array_equal(
            getattr(disk_scene.plot.dense[0], name), getattr(memory_scene.plot.dense[0], name)
        )
    box = disk_scene.layout.panel_box
    for frame in (0, 3, 90, 251, len(video.frame_times) - 1):
        assert_drawn_alike(disk_scene, memory_scene, frame)
    paths = [traces(scene.plot.strip_geometry(0, 0, 2000, box, frame=90)) for scene in (disk_scene, memory_scene)]
    assert len(paths[0]) == len(paths[1]) >= 24
    for a, b in zip(*paths):
        np.testing.assert_array_equal(a, b)


def test_a_zoomed_out_dense_lane_reads_no_sample_of_the_file(tmp_path):
    values = recording(600_000, 64)
    np.save(tmp_path / "probe.npy", values)
    signal = read_timeseries(tmp_path / "probe.npy")
    scene = build_scene(
        fake_video(len(values) / RATE), signals=signal, window=6.0, alignment={"mode": "stretch"}, style={"dense": 0}
    )
    counting = Counting(signal.values.raw)
    object.__setattr__(signal.values, "raw", counting)
    geometry = scene.plot.geometry(150, scene.layout.panel_box)
    paths = [path for item in geometry.of_type(Polylines) for path in item.paths]
    lane = scene.plot.placement(scene.layout.panel_box).lanes[0]
    pixel_columns = lane[2] - lane[0] + 2 * 8 + 2  # the strip drawn reaches 8 pixels past each end
    assert len(paths) == 64 and max(len(path) for path in paths) <= 2 * pixel_columns
    assert counting.rows == 0  # every pixel column's extremes from whole bins of the pyramid


def test_the_dock_draws_a_probe_as_a_dense_lane_and_names_a_wrong_signal_in_its_words(
    make_napari_viewer, tmp_path, monkeypatch
):
    from napari_chronoviz.napari._layers import Session
    from napari_chronoviz.testing import make_stamped_video

    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._widget.show_error", errors.append)
    video = make_stamped_video(tmp_path / "clip.mp4", 60, fps=30)
    np.save(tmp_path / "probe.npy", recording(90_000, 32))
    viewer = make_napari_viewer()
    (video_layer,) = viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.kind.value, dock.file.value, dock.rate.value = "signals", tmp_path / "probe.npy", RATE
    dock.add.clicked()  # 32 channels: more than lines show apart, a heatmap lane until the user chooses
    assert dock.heatmap_signals.value == "probe.npy"
    dock.dense_signals.native.setText("prob")  # typing: nothing applied yet
    assert [lane.kind for lane in dock.session.scene.plot.lanes] == ["heatmap"] and not errors
    dock.dense_signals.native.editingFinished.emit()
    assert "'dense signals': 'prob' names no signal" in errors[-1] and "style" not in errors[-1]
    dock.dense_signals.native.setText("probe")
    dock.dense_signals.native.editingFinished.emit()
    dock.dense_scale.value = 50.0
    plot = dock.session.scene.plot
    assert [lane.kind for lane in plot.lanes] == ["dense"] and plot.dense[0].spread == 50.0
    shown = dock.session.layers["overlay"].data  # the raster display: the panel as drawn in an export
    assert np.asarray(shown).any()
    with dock.dense_scale.changed.blocked():
        dock.dense_signals.value, dock.dense_scale.value = "", 0.0
    dock.show_session()  # the dock shows what the session holds again
    assert (dock.dense_signals.value, dock.dense_scale.value) == ("probe", 50.0)
    assert Session.of(video_layer).scene.style.dense == ("probe",)
