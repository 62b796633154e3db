"""read_pose: DeepLabCut and SLEAP files (real ones, bundled or from ../shared/data), movement netCDF, skeleton
checks."""

import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import AlignmentError, PoseError, align, read_pose, sample_file
from napari_chronoviz.io import pose as pose_module

# the bundled copy of ../shared/data/dlc_openfield/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5
DLC_H5 = sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")
SLEAP_STANDARD = "sleap_centered_pair/centered_pair_standard.analysis.h5"
SLEAP_MATLAB = "sleap_centered_pair/centered_pair_matlab.analysis.h5"


def test_dlc_h5_has_every_frame_and_the_files_values():
    pose = read_pose(DLC_H5)
    assert pose.xy.shape == (2330, 1, 4, 2)
    assert pose.keypoints == ("snout", "leftear", "rightear", "tailbase")
    table = pd.read_hdf(DLC_H5)
    scorer = table.columns.get_level_values("scorer")[0]
    assert pose.xy[0, 0, 0, 0] == table[(scorer, "snout", "x")].iloc[0]
    assert pose.xy[0, 0, 0, 1] == table[(scorer, "snout", "y")].iloc[0]
    assert pose.confidence[0, 0, 0] == table[(scorer, "snout", "likelihood")].iloc[0]
    np.testing.assert_allclose(pose.xy[:, 0, 3, 0], table[(scorer, "tailbase", "x")])


def test_dlc_csv_matches_the_h5_and_header_cells_are_not_mangled(tmp_path):
    table = pd.read_hdf(DLC_H5)
    table.to_csv(tmp_path / "openfield.csv")
    from_csv = read_pose(tmp_path / "openfield.csv")
    from_h5 = read_pose(DLC_H5)
    assert from_csv.keypoints == from_h5.keypoints
    np.testing.assert_allclose(from_csv.xy, from_h5.xy)
    np.testing.assert_allclose(from_csv.confidence, from_h5.confidence)


def multi_animal_csv(path):
    """A maDLC CSV: two mice, a point missing as 0.0 with likelihood 0, as DeepLabCut writes them."""
    rows = [
        "scorer,DLC,DLC,DLC,DLC,DLC,DLC,DLC,DLC,DLC,DLC,DLC,DLC",
        "individuals,mouse1,mouse1,mouse1,mouse1,mouse1,mouse1,mouse2,mouse2,mouse2,mouse2,mouse2,mouse2",
        "bodyparts,nose,nose,nose,tail,tail,tail,nose,nose,nose,tail,tail,tail",
        "coords,x,y,likelihood,x,y,likelihood,x,y,likelihood,x,y,likelihood",
        "0,10,11,0.9,20,21,0.8,30,31,0.95,0.0,0.0,0.0",
        "1,12,13,0.9,22,23,0.8,32,33,0.95,42,43,0.7",
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_multi_animal_dlc_missing_points_become_nan(tmp_path):
    pose = read_pose(multi_animal_csv(tmp_path / "ma.csv"))
    assert pose.individuals == ("mouse1", "mouse2") and pose.keypoints == ("nose", "tail")
    assert np.isnan(pose.xy[0, 1, 1]).all()
    np.testing.assert_array_equal(pose.xy[1, 1, 1], [42, 43])
    np.testing.assert_array_equal(pose.xy[0, 0, 0], [10, 11])


def test_dlc_skeleton_comes_from_the_project_config(tmp_path):
    (tmp_path / "videos").mkdir()
    multi_animal_csv(tmp_path / "videos" / "ma.csv")
    (tmp_path / "config.yaml").write_text("bodyparts: [nose, tail]\nskeleton:\n- [nose, tail]\n")
    assert read_pose(tmp_path / "videos" / "ma.csv").edges == (("nose", "tail"),)


def test_sleap_analysis_layouts_give_identical_arrays(shared_data):
    standard = read_pose(shared_data / SLEAP_STANDARD)
    matlab = read_pose(shared_data / SLEAP_MATLAB)
    assert standard.xy.shape == (1100, 27, 24, 2)
    np.testing.assert_array_equal(standard.xy, matlab.xy)
    np.testing.assert_array_equal(standard.confidence, matlab.confidence)
    assert standard.keypoints == matlab.keypoints and len(standard.keypoints) == 24
    assert standard.edges == matlab.edges and len(standard.edges) == 23
    assert np.isnan(standard.xy).mean() > 0.5  # 27 fragmented tracks: mostly missing


@pytest.mark.parametrize("name", [SLEAP_STANDARD, SLEAP_MATLAB])
def test_sleap_analysis_without_dims_attributes(shared_data, tmp_path, name):
    copy = tmp_path / "nodims.analysis.h5"
    shutil.copy(shared_data / name, copy)
    with h5py.File(copy, "r+") as handle:
        for dataset in handle.values():
            dataset.attrs.pop("dims", None)
    np.testing.assert_array_equal(read_pose(copy).xy, read_pose(shared_data / SLEAP_STANDARD).xy)


def test_slp_through_sleap_io(shared_data):
    pytest.importorskip("sleap_io")
    pose = read_pose(shared_data / "sleap_flies" / "clip.slp")
    assert pose.xy.shape == (1500, 2, 13, 2)
    assert pose.individuals == ("female", "male") and pose.keypoints[:3] == ("head", "thorax", "abdomen")
    assert ("head", "eyeL") in pose.edges
    assert np.isfinite(pose.xy).any(axis=(2, 3)).all()  # proofread: both flies in every frame


def test_slp_without_the_extra_names_it(shared_data, monkeypatch):
    real_import = pose_module.importlib.import_module

    def without_sleap_io(name):
        if name == "sleap_io":
            raise ImportError(name)
        return real_import(name)

    monkeypatch.setattr(pose_module.importlib, "import_module", without_sleap_io)
    with pytest.raises(PoseError, match=r"needs sleap_io.*pip install \"napari-chronoviz\[pose\]\""):
        read_pose(shared_data / "sleap_flies" / "clip.slp")


@pytest.mark.parametrize("plural", [True, False])
def test_movement_netcdf_with_singular_or_plural_dimension_names(tmp_path, plural):
    xarray = pytest.importorskip("xarray")
    keypoints, individuals = ("keypoints", "individuals") if plural else ("keypoint", "individual")
    position = np.random.default_rng(0).random((5, 2, 3, 1))
    dataset = xarray.Dataset(
        {
            "position": (("time", "space", keypoints, individuals), position),
            "confidence": (("time", keypoints, individuals), np.ones((5, 3, 1))),
        },
        coords={"time": np.arange(5) / 10, "space": ["x", "y"], keypoints: ["a", "b", "c"], individuals: ["m"]},
        attrs={"time_unit": "seconds"},
    )
    dataset.to_netcdf(tmp_path / "poses.nc")
    pose = read_pose(tmp_path / "poses.nc")
    assert pose.keypoints == ("a", "b", "c") and pose.individuals == ("m",)
    np.testing.assert_allclose(pose.xy[:, 0, :, :], position[..., 0].transpose(0, 2, 1))
    np.testing.assert_allclose(pose.times, np.arange(5) / 10)


# --- bad input -------------------------------------------------------------------------------------------


def test_skeleton_edges_naming_absent_keypoints_suggest_close_names(tmp_path):
    with pytest.raises(PoseError, match=r"\['noze'\].*did you mean \['nose'\].*keypoints are \['nose', 'tail'\]"):
        read_pose(multi_animal_csv(tmp_path / "ma.csv"), edges=[("noze", "tail")])
    assert read_pose(tmp_path / "ma.csv", edges=[(0, 1)]).edge_indices.tolist() == [[0, 1]]


def test_a_pose_longer_than_its_video_is_an_error_with_both_counts_and_advice():
    pose = read_pose(DLC_H5)
    with pytest.raises(
        AlignmentError,
        match=r"pose has 2330 rows but the video has 2329 frames.*tracked on this "
        r"video.*'mode': 'ratio', 'ratio': k.*'mode': 'frame'",
    ):
        align(np.arange(2329) / 30, pose)
    assert align(np.arange(2330) / 30, pose).positions[-1] == 2329


def test_a_sleap_pose_shorter_than_its_video_shows_nan_after_its_end_and_warns(short_sleap_pose):
    pose = read_pose(short_sleap_pose(101))
    with pytest.warns(
        UserWarning,
        match=r"pose has 101 rows but the video has 251 frames: frames 101-250 "
        r"\(150 frames\) have no pose",
    ):
        alignment = align(np.arange(251) / 25, pose)
    np.testing.assert_array_equal(alignment.positions[:101], np.arange(101))
    assert np.isnan(alignment.positions[101:]).all()


@pytest.mark.parametrize("n_rows", [100, 260])
def test_an_explicit_frame_for_frame_alignment_of_another_length_warns(short_dlc_pose, n_rows):
    pose = read_pose(short_dlc_pose(n_rows))
    missing = "frames 100-250 \\(151 frames\\) have no pose" if n_rows < 251 else "rows 251-259 \\(9 rows\\) are past"
    with pytest.warns(UserWarning, match=rf"pose has {n_rows} rows but the video has 251 frames: {missing}"):
        alignment = align(np.arange(251) / 25, pose, mode="frame")
    assert np.isfinite(alignment.positions).sum() == min(n_rows, 251)


def test_padding_a_short_pose_is_asked_for_and_quiet(short_sleap_pose, recwarn):
    alignment = align(np.arange(251) / 25, read_pose(short_sleap_pose(101)), mode="pad")
    assert np.isfinite(alignment.positions).sum() == 101 and not recwarn.list


def test_not_a_pose_file(tmp_path):
    (tmp_path / "table.csv").write_text("time,x\n0,1\n")
    with pytest.raises(PoseError, match=r"not a DeepLabCut CSV.*'scorer'"):
        read_pose(tmp_path / "table.csv")
    with h5py.File(tmp_path / "other.h5", "w") as handle:
        handle["signals"] = np.zeros(3)
    with pytest.raises(PoseError, match=r"neither a DeepLabCut table nor a SLEAP analysis file.*\['signals'\]"):
        read_pose(tmp_path / "other.h5")
    (tmp_path / "pose.json").touch()
    with pytest.raises(PoseError, match=r"unknown pose format '.json'"):
        read_pose(tmp_path / "pose.json")
