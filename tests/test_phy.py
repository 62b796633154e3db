"""Sorted spikes from a phy / Kilosort output folder (io/spikes.py `read_phy`) as raster lanes."""

from __future__ import annotations

from types import SimpleNamespace

import av
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import build_scene, create_visualization
from napari_chronoviz.errors import LabelError
from napari_chronoviz.io.spikes import read_phy, read_spikes
from napari_chronoviz.overlays.primitives import Segments
from napari_chronoviz.sources import SourceSpec
from napari_chronoviz.testing import make_stamped_video

RATE = 30_000.0


def phy_folder(folder, *, info=True, group=True):
    """A phy folder as Kilosort and phy write it: 4 clusters (ids 0, 3, 7, 12) of different rates and depths."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    counts = {0: 40, 3: 400, 7: 120, 12: 10}
    clusters = np.concatenate([np.full(n, cluster) for cluster, n in counts.items()])
    samples = np.sort(rng.integers(0, int(10 * RATE), len(clusters))).astype(np.uint64)
    rng.shuffle(clusters)
    np.save(folder / "spike_times.npy", samples[:, None])  # Kilosort writes (n, 1)
    np.save(folder / "spike_clusters.npy", clusters.astype(np.int32))
    (folder / "params.py").write_text(
        "dat_path = 'continuous.dat'\nn_channels_dat = 385\ndtype = 'int16'\noffset = 0\n"
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
