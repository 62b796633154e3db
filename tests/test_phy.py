"""Sorted spikes from a phy / Kilosort output folder (io/spikes.py `read_phy`) as raster lanes."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import build_scene, create_visualization
from napari_chronoviz.cli import main as chronoviz
from napari_chronoviz.errors import ChronovizWarning, LabelError, in_words
from napari_chronoviz.io.spikes import read_phy, read_spikes
from napari_chronoviz.io.timeseries import read_timeseries
from napari_chronoviz.napari._reader import get_reader
from napari_chronoviz.overlays.primitives import Segments
from napari_chronoviz.render import visualization
from napari_chronoviz.sources import SourceSpec
from napari_chronoviz.testing import make_stamped_video

RATE = 30_000.0
PROBEINTERFACE = Path(__file__).parent / "data" / "probeinterface"
META = "NP2_2013_subset_channels.imec0.ap.meta"  # a real SpikeGLX header: firstSample 920506 at 30 kHz


def phy_folder(folder, *, info=True, group=True, dat_path="continuous.dat"):
    """A phy folder as Kilosort and phy write it: 4 clusters (ids 0, 3, 7, 12) of different rates and depths."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    counts = {0: 40, 3: 400, 7: 120, 12: 10}
    clusters = np.concatenate([np.full(n, cluster) for cluster, n in counts.items()])
    samples = np.sort(rng.integers(0, int(10 * RATE), len(clusters))).astype(np.uint64)
    rng.shuffle(clusters)
    np.save(folder / "spike_times.npy", samples[:, None])  # Kilosort writes (n, 1)
    np.save(folder / "spike_clusters.npy", clusters.astype(np.int32))
    if "/" not in dat_path and "\\" not in dat_path:  # the sorted file beside the results, as Kilosort leaves it
        np.zeros((10, 385), np.int16).tofile(folder / dat_path)
    (folder / "params.py").write_text(
        f"dat_path = {dat_path!r}\nn_channels_dat = 385\ndtype = 'int16'\noffset = 0\n"
        "sample_rate = 30000.\nhp_filtered = False\nraise SystemExit('params.py must never be run')\n"
    )
    if group:
        pd.DataFrame({"cluster_id": [0, 3, 7, 12], "group": ["good", "mua", "good", "noise"]}).to_csv(
            folder / "cluster_group.tsv", sep="\t", index=False
        )
    if info:
        pd.DataFrame(
            {"cluster_id": [0, 3, 7, 12], "depth": [200.0, 3000.0, 1200.0, 40.0], "fr": [4.0, 40.0, 12.0, 1.0]}
        ).to_csv(folder / "cluster_info.tsv", sep="\t", index=False)
    return folder, samples, clusters


def test_phy_folder_times_in_seconds_and_rows_by_id(tmp_path):
    folder, samples, clusters = phy_folder(tmp_path / "sorting")
    spikes = read_spikes(folder)
    assert spikes.names == ("cluster 0", "cluster 3", "cluster 7", "cluster 12")
    np.testing.assert_allclose(spikes.times, samples / RATE)
    np.testing.assert_array_equal(np.array([0, 3, 7, 12])[spikes.units], clusters)


def test_a_page_of_the_units_in_their_order(tmp_path):
    folder, samples, clusters = phy_folder(tmp_path / "sorting")
    page = read_phy(folder, order="rate", rows=(1, 3))
    assert page.names == ("cluster 7", "cluster 0")  # the second and third busiest
    np.testing.assert_allclose(page.times, samples[np.isin(clusters, [0, 7])] / RATE)
    assert read_phy(folder, order="depth", rows=(3, 100)).names == ("cluster 12",)  # stop past the last: to it
    with pytest.raises(LabelError, match=r"units 4 to 8 of its 4 are none of them") as refused:
        read_phy(folder, rows=(4, 8))
    assert "--spikes-rows FIRST STOP" in in_words(refused.value, "cli")  # each interface's words
    assert "'units shown' (FIRST:STOP)" in in_words(refused.value, "dock")


def test_phy_good_units_only_ordered_by_depth_or_rate(tmp_path):
    folder, _, clusters = phy_folder(tmp_path / "sorting")
    assert read_phy(folder, order="depth").names == ("cluster 3", "cluster 7", "cluster 0", "cluster 12")
    assert read_phy(folder, order="rate").names == ("cluster 3", "cluster 7", "cluster 0", "cluster 12")
    good = read_phy(folder, good_only=True, order="depth")
    assert good.names == ("cluster 7", "cluster 0")
    assert len(good.times) == np.isin(clusters, [0, 7]).sum()
    spec = SourceSpec("spikes", str(folder), good_only=True, order="rate")
    assert spec.read().names == ("cluster 7", "cluster 0")


def test_kilosort_labels_and_template_depths_without_phy(tmp_path):
    folder, _, _ = phy_folder(tmp_path / "kilosort", info=False, group=False)
    pd.DataFrame({"cluster_id": [0, 3, 7, 12], "KSLabel": ["good", "good", "mua", "good"]}).to_csv(
        folder / "cluster_KSLabel.tsv", sep="\t", index=False
    )
    templates = np.zeros((13, 61, 4), np.float32)
    for cluster, channel in ((0, 2), (3, 0), (7, 3), (12, 1)):
        templates[cluster, 30, channel] = -50
    np.save(folder / "templates.npy", templates)
    np.save(folder / "channel_positions.npy", np.array([[0, 20.0], [0, 40.0], [0, 60.0], [0, 80.0]]))
    spikes = read_phy(folder, good_only=True, order="depth")
    assert spikes.names == ("cluster 0", "cluster 12", "cluster 3")  # y 60, 40, 20: as on the probe, its tip last


def test_phy_folder_errors_say_what_is_missing(tmp_path):
    folder, _, _ = phy_folder(tmp_path / "sorting", info=False, group=False)
    with pytest.raises(LabelError, match="no cluster labels"):
        read_phy(folder, good_only=True)
    with pytest.raises(LabelError, match="gives no depth"):
        read_phy(folder, order="depth")
    (folder / "params.py").write_text("sample_rate = None\n")
    with pytest.raises(LabelError, match="sample_rate must be a positive number"):
        read_phy(folder)
    np.save(folder / "spike_clusters.npy", np.zeros(3, np.int32))
    (folder / "params.py").write_text("sample_rate = 30000.0\n")
    with pytest.raises(LabelError, match="holds 570 spikes but spike_clusters.npy 3"):
        read_phy(folder)


def test_phy_units_as_a_sorted_raster_in_the_panel_and_the_export(tmp_path):
    folder, _, _ = phy_folder(tmp_path / "sorting")
    video = SimpleNamespace(frame_times=np.arange(300) / 30.0, shape=(300, 120, 160, 3))
    spec = SourceSpec("spikes", str(folder), order="depth")
    scene = build_scene(video, spikes=spec, window=(1, 1))
    lane = scene.plot.placement(scene.layout.panel_box).lanes[-1]
    assert scene.plot.lanes[-1].kind == "raster"
    ticks = [item for item in scene.panel_geometry(150).of_type(Segments) if len(item) > 20]
    rows = np.unique(((ticks[0].starts[:, 1] - lane[1]) // ((lane[3] - lane[1]) / 4)).astype(int))
    assert set(rows) <= {0, 1, 2, 3} and 0 in rows  # the busiest unit (cluster 3) is the top row by depth
    source = make_stamped_video(tmp_path / "clip.mp4", 60, fps=30)
    output = create_visualization(source, spikes=spec, output=tmp_path / "out.mp4", window=(1, 1), progress=False)
    with av.open(str(output)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(frames) == 60 and frames[0].shape[0] > 120  # the video with the raster panel below it


def spikeglx_recording(folder) -> Path:
    """SpikeGLX's real `.meta` with its `.bin` written at the header's layout (121 saved channels, int16)."""
    folder.mkdir(exist_ok=True)
    shutil.copy(PROBEINTERFACE / "spikeglx" / META, folder / META)
    np.zeros((6000, 121), np.int16).tofile(folder / META.replace(".meta", ".bin"))
    return folder / META.replace(".meta", ".bin")


@pytest.mark.parametrize("where", ["relative", "absolute", "moved"])
def test_kilosort_spikes_are_on_the_clock_of_the_spikeglx_recording_they_were_sorted_from(tmp_path, where):
    pytest.importorskip("neo")
    binary = spikeglx_recording(tmp_path / "run_g0")
    dat_path = {
        "relative": f"../{binary.name}",
        "absolute": str(binary),
        "moved": f"D:\\rig\\run_g0\\{binary.name}",  # written on the sorting computer: found beside the folder
    }[where]
    folder, samples, _ = phy_folder(tmp_path / "run_g0" / "kilosort4", dat_path=dat_path)
    spikes = read_spikes(folder)
    recording = read_timeseries(binary.with_suffix(".meta"))
    assert recording.times[0] == pytest.approx(920_506 / RATE)  # 30.68 s: the probe's own clock
    np.testing.assert_allclose(spikes.times, recording.times[0] + samples / recording.times.rate)
    assert binary.name in spikes.clock


def test_kilosort_spikes_follow_an_open_ephys_recordings_first_sample_number(tmp_path):
    pytest.importorskip("neo")
    shutil.copytree(PROBEINTERFACE / "openephys", tmp_path / "session")
    recording = tmp_path / "session" / "Record_Node_101" / "experiment1" / "recording1"
    stream = recording / "continuous" / "Neuropix-PXI-100.ProbeA"
    stream.mkdir(parents=True)
    np.zeros((4500, 384), np.int16).tofile(stream / "continuous.dat")
    np.save(stream / "sample_numbers.npy", np.arange(4500, dtype=np.int64) + 90_000)
    np.save(stream / "timestamps.npy", (np.arange(4500) + 90_000) / RATE)
    folder, samples, _ = phy_folder(tmp_path / "sorting", dat_path=str(stream / "continuous.dat"))
    np.testing.assert_allclose(read_phy(folder).times, 3.0 + samples / RATE)  # sample number 90000 at 30 kHz


def test_spikes_of_a_missing_recording_start_at_0_with_a_warning_or_where_start_puts_them(tmp_path):
    folder, samples, _ = phy_folder(tmp_path / "sorting", dat_path="../gone.imec0.ap.bin")
    with pytest.warns(ChronovizWarning, match=r"placed from 0 s.*gone.imec0.ap.bin.*start=SECONDS"):
        spikes = read_phy(folder)
    np.testing.assert_allclose(spikes.times, samples / RATE)
    spec = SourceSpec("spikes", str(folder), start=30.5)
    np.testing.assert_allclose(spec.read().times, 30.5 + samples / RATE)
    plain, samples, _ = phy_folder(tmp_path / "plain", dat_path="temp_wh.dat")  # a plain binary: sample 0 at 0 s
    np.testing.assert_allclose(read_phy(plain).times, samples / RATE)
    with pytest.raises(LabelError, match="apply to a phy / Kilosort folder"):
        read_spikes(tmp_path / "units.csv", start=1.0)


def test_the_command_line_reads_a_kilosort_folder_with_good_units_by_depth_from_a_start(tmp_path, monkeypatch, capsys):
    scenes = []
    monkeypatch.setattr(visualization, "export_video", lambda video, scene, output, **_: scenes.append(scene) or output)
    folder, samples, clusters = phy_folder(tmp_path / "sorting")
    video = str(make_stamped_video(tmp_path / "clip.mp4", 30, fps=30))
    flags = ["--spikes-good-only", "--spikes-order", "depth", "--spikes-start", "2.5", "--spikes-rows", "0", "9"]
    assert chronoviz(["render", video, "--spikes", str(folder), *flags, "-o", str(tmp_path / "a.mp4"), "--quiet"]) == 0
    (spikes,) = scenes[-1].sources.spikes
    assert spikes.names == ("cluster 7", "cluster 0")
    np.testing.assert_allclose(spikes.times, 2.5 + samples[np.isin(clusters, [0, 7])] / RATE)
    pd.DataFrame({"unit": [1, 2], "time": [0.1, 0.2]}).to_csv(tmp_path / "units.csv", index=False)
    assert chronoviz(["render", video, "--spikes", str(tmp_path / "units.csv"), "--spikes-order", "rate"]) == 2
    assert "--spikes-order read phy / Kilosort folders; give one with --spikes FOLDER" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        chronoviz(["render", "--help"])
    assert "phy / Kilosort output folder" in " ".join(capsys.readouterr().out.split())


def test_a_kilosort_folder_is_added_in_the_dock_edited_and_kept_by_the_session(
    make_napari_viewer, notifications, tmp_path
):
    """The dock's 'add as spikes' with its folder chooser, good units only, by depth, sample 0 given; the form shows
    a listed folder again to edit it; a saved session reopens it with its options in another viewer."""
    folder, samples, clusters = phy_folder(tmp_path / "sorting")
    video = make_stamped_video(tmp_path / "clip.mp4", 60, fps=30)
    viewer = make_napari_viewer()
    viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.kind.value = "spikes"
    assert not dock.phy_folder.native.isHidden() and dock.phy_folder.mode.value == "d" and dock.key.native.isHidden()
    dock.kind.value, dock.file.value = "signals", folder  # a folder given as a signal, as the trial did
    dock.add.clicked()
    assert "sorting is a phy / Kilosort output folder: choose 'spikes' in 'add as'" in notifications["error"][-1]
    dock.kind.value, dock.file.value = "spikes", tmp_path
    dock.add.clicked()
    assert "Choose a file (or a phy / Kilosort folder) to add as spikes" in notifications["error"][-1]
    dock.file.value, dock.phy_folder.value = "", folder
    dock.good_only.value, dock.unit_order.value, dock.spikes_start.value = True, "depth", "1.5"
    dock.unit_rows.value = "0-2"
    dock.add.clicked()
    assert "'units shown' is first:stop" in notifications["error"][-1]
    notifications["error"].clear()
    dock.unit_rows.value = "0:2"
    dock.add.clicked()
    assert not notifications["error"], notifications["error"]
    (spikes,) = dock.session.scene.sources.spikes
    assert spikes.names == ("cluster 7", "cluster 0")
    np.testing.assert_allclose(spikes.times, 1.5 + samples[np.isin(clusters, [0, 7])] / RATE)
    assert "sorting: 2 units, sample 0 at 1.5 s (given)" in notifications["info"][-1]
    assert dock.session.scene.plot.lanes[-1].kind == "raster"

    dock.phy_folder.value, dock.good_only.value, dock.unit_order.value = "", False, "id"
    dock.sources.native.clearSelection()
    dock.sources.value = 0  # select it: the form shows its folder and options
    assert (Path(dock.phy_folder.value), dock.good_only.value, dock.unit_order.value) == (folder, True, "depth")
    assert (dock.spikes_start.value, dock.unit_rows.value) == ("1.5", "0:2")
    dock.unit_order.value, dock.unit_rows.value = "rate", "1:5"
    dock.apply_to_selected.clicked()
    assert dock.session.scene.sources.spikes[0].names == ("cluster 0",)  # the second busiest: 120 spikes, then 40

    dock.session_file.value = tmp_path / "sorted.cvz"
    dock.save_session()
    again = make_napari_viewer()
    again.open(tmp_path / "sorted.cvz", plugin="napari-chronoviz")
    _, reopened = again.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    (spec,) = reopened.listed
    assert (spec.kind, Path(spec.path), spec.good_only, spec.order, spec.start) == ("spikes", folder, True, "rate", 1.5)
    assert spec.rows == (1, 5) and reopened.session.scene.sources.spikes[0].names == ("cluster 0",)


def test_file_open_of_a_kilosort_folder_gives_a_layer_the_dock_adds_as_spikes(
    make_napari_viewer, notifications, tmp_path, monkeypatch
):
    """File > Open of a folder Kilosort wrote beside its SpikeGLX recording (dat_path '../<run>.imec0.ap.bin'), with a
    video open: a hidden layer naming it, which *Add opened layers* turns into a raster lane on the probe's clock."""
    pytest.importorskip("neo")
    binary = spikeglx_recording(tmp_path / "run_g0")
    folder, samples, _ = phy_folder(tmp_path / "run_g0" / "kilosort4", dat_path=f"../{binary.name}")
    viewer = make_napari_viewer()
    viewer.open(make_stamped_video(tmp_path / "clip.mp4", 60, fps=30), plugin="napari-chronoviz")
    (layer,) = viewer.open(folder, plugin="napari-chronoviz")
    assert layer.name == "kilosort4 (4 units)" and not layer.visible
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(folder / "spike_times.npy", half)
    declined = []
    monkeypatch.setattr("napari_chronoviz.napari._reader._notify", lambda *notice: declined.append(notice))
    assert get_reader(str(half)) is None
    assert declined[0][0] == "warning" and "holds spike_times.npy but no params.py" in declined[0][1]
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.add_layers.clicked()
    assert not notifications["error"], notifications["error"]
    (spec,) = dock.listed
    assert spec.kind == "spikes" and Path(spec.path) == folder
    np.testing.assert_allclose(dock.session.scene.sources.spikes[0].times, 920_506 / RATE + samples / RATE)
    assert f"on the clock of {binary.name}, from 30.683533 s" in notifications["info"][-1]
    assert dock.sources.native.item(0).text() == f"spikes: kilosort4 (on the clock of {binary.name}, from 30.683533 s)"
