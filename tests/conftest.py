"""Shared fixtures: frame-stamped videos for every timing case, the real recordings in ../shared/data, and real
pose files cut short (as SLEAP and DeepLabCut write them when tracking stops before the video ends); and the
`gui` marker on every test that needs a Qt viewer."""

from __future__ import annotations

import json
import os
import subprocess
from fractions import Fraction
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import sample_file
from napari_chronoviz.testing import make_stamped_video

# The real recordings beside the repository; CHRONOVIZ_SHARED_DATA points elsewhere (a missing path: a fresh clone).
SHARED_DATA = Path(os.environ.get("CHRONOVIZ_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
# Fixtures that start a Qt application: a test using one (directly or through another fixture) is marked `gui`.
GUI_FIXTURES = {"make_napari_viewer", "qtbot"}

# Irregular steps between 20 and 60 ms: a variable-frame-rate recording.
_VFR_PTS = np.cumsum(np.r_[0, np.random.default_rng(7).integers(1800, 5400, 89)])

# name -> (file name, make_stamped_video options)
TIMING_CASES = {
    "constant_rate": ("cfr.mp4", dict(n_frames=90)),
    "variable_rate": ("vfr.mp4", dict(n_frames=90, pts=_VFR_PTS, time_base=Fraction(1, 90000))),
    "bframes_gop250": ("gop250.mp4", dict(n_frames=600, gop=250, b_frames=3, options={"sc_threshold": "0"})),
    "mpeg4_avi": ("mpeg4.avi", dict(n_frames=90, codec="mpeg4", b_frames=2, gop=30)),
    "high_fps_250": ("hfr.mp4", dict(n_frames=500, fps=250)),
    "yuv444p": ("yuv444.mp4", dict(n_frames=60, pix_fmt="yuv444p")),
    "odd_size_641x479": ("odd.mp4", dict(n_frames=60, size=(641, 479), pix_fmt="yuv444p")),
    "grayscale": ("gray.mkv", dict(n_frames=60, codec="ffv1", pix_fmt="gray")),
    "hevc_mkv": ("hevc.mkv", dict(n_frames=60, codec="libx265", options={"x265-params": "log-level=error"})),
    "vp9_webm": ("vp9.webm", dict(n_frames=60, codec="libvpx-vp9", fps=25)),
    "mjpeg_avi": ("mjpeg.avi", dict(n_frames=60, codec="mjpeg", pix_fmt="yuvj420p")),
    "mov": ("clip.mov", dict(n_frames=60)),
    # CRA keyframes every 30 frames with RASL leading pictures that need the group before
    "hevc_open_gop": (
        "hevc_open_gop.mp4",
        dict(
            n_frames=150,
            codec="libx265",
            options={"x265-params": "log-level=error:keyint=30:min-keyint=30:open-gop=1:bframes=3:scenecut=0"},
        ),
    ),
    "yuv420p10": ("ten_bit.mp4", dict(n_frames=60, pix_fmt="yuv420p10le", gop=20)),
    "gray_ffv1_avi": ("gray_ffv1.avi", dict(n_frames=60, codec="ffv1", pix_fmt="gray", gop=20)),
    # no index: seeks search packets by decoding timestamp, which lies before a keyframe's shown time
    "h264_mpegts": ("bframes.ts", dict(n_frames=150, gop=50, b_frames=3, options={"sc_threshold": "0"})),
    # MPEG-2 in a program stream (DVD-era and EthoVision recordings): after a seek the parser resyncs
    "mpeg2_ps": ("mpeg2.mpg", dict(n_frames=150, codec="mpeg2video", gop=15, b_frames=2)),
}
EDIT_LIST_CUT = (1.5, 45)  # seconds and frame (at 30 fps) where `edit_list_video` is cut from its source


def pytest_collection_modifyitems(items):
    """Mark `gui` the tests that use a Qt viewer, so `-m "not gui"` runs the rest without a display."""
    for item in items:
        if GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True, scope="session")
def pyramid_cache(tmp_path_factory):
    """Pyramids of recordings on disk go to the session's own folder, not the user's cache directory."""
    folder = tmp_path_factory.mktemp("pyramids")
    previous = os.environ.get("CHRONOVIZ_CACHE_DIR")
    os.environ["CHRONOVIZ_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("CHRONOVIZ_CACHE_DIR", None)
    else:
        os.environ["CHRONOVIZ_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def stamped_videos(tmp_path_factory) -> dict[str, Path]:
    """Every timing case, written once per test session."""
    folder = tmp_path_factory.mktemp("stamped")
    return {name: make_stamped_video(folder / file, **options) for name, (file, options) in TIMING_CASES.items()}


@pytest.fixture(scope="session")
def edit_list_video(tmp_path_factory) -> Path:
    """A clip cut the way labs cut them, `ffmpeg -ss 1.5 -i in.mp4 -c copy out.mp4`: the mp4 keeps the
    group of pictures before the cut and an edit list that hides its first 15 frames."""
    folder = tmp_path_factory.mktemp("edit_list")
    source = make_stamped_video(folder / "source.mp4", 150, gop=30, b_frames=2, options={"sc_threshold": "0"})
    cut = folder / "cut.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(EDIT_LIST_CUT[0]), "-i", str(source), "-c", "copy", str(cut)],
        check=True,
        timeout=60,
    )
    return cut


@pytest.fixture
def notifications(monkeypatch):
    """Every notification the Overlays dock shows, by severity (a test file may define its own for another dock)."""
    shown = {"error": [], "warning": [], "info": []}
    for severity, messages in shown.items():
        monkeypatch.setattr(f"napari_chronoviz.napari._widget.show_{severity}", messages.append)
    return shown


@pytest.fixture
def shared_data() -> Path:
    """The real recordings; tests using them skip when ../shared/data is absent.

    A file bundled in `napari_chronoviz/sample_data` byte for byte (`mouse.mp4` and its DeepLabCut .h5,
    `flies.mp4`) is read from there with `sample_file` instead, so that its tests run on a fresh clone too.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real recordings not found at {SHARED_DATA} (../shared/data beside the repository, "
            "or CHRONOVIZ_SHARED_DATA)"
        )
    return SHARED_DATA


@pytest.fixture
def short_sleap_pose(tmp_path):
    """Make the bundled SLEAP analysis file (flies, 1500 frames) cut after `n_rows` frames, as SLEAP writes
    predictions only up to the last labelled frame (deepof's `.analysis.h5`: 101 rows for a 251-frame video)."""

    def make(n_rows: int) -> Path:
        path = tmp_path / f"flies_{n_rows}.analysis.h5"
        with h5py.File(sample_file("flies.analysis.h5"), "r") as source, h5py.File(path, "w") as target:
            for name, dataset in source.items():
                data = dataset[()]
                dims = json.loads(dataset.attrs.get("dims", "[]"))
                if "frame" in dims:
                    data = np.take(data, np.arange(n_rows), axis=dims.index("frame"))
                target.create_dataset(name, data=data)
                target[name].attrs.update(dataset.attrs)
        return path

    return make


@pytest.fixture
def short_dlc_pose(tmp_path):
    """Make a DeepLabCut multi-animal table of `n_rows` rows from the bundled mouse predictions: the mouse as
    `mouse1`, and a `mouse2` 100 px to its right, missing (0, 0, likelihood 0) on every other row."""

    def make(n_rows: int) -> Path:
        table = pd.read_hdf(sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")).iloc[:n_rows]
        second = table.copy()
        second.loc[:, (slice(None), slice(None), "x")] += 100
        second.iloc[::2] = 0.0
        both = pd.concat({"mouse1": table, "mouse2": second}, axis=1, names=["individuals"])
        both.columns = both.columns.reorder_levels(["scorer", "individuals", "bodyparts", "coords"])
        path = tmp_path / f"mouse_{n_rows}_maDLC.h5"
        both.to_hdf(path, key="df_with_missing")
        return path

    return make


@pytest.fixture(scope="session")
def add_pose_estimation():
    """`add(nwb, positions, times, **recorded)`: an ndx-pose `PoseEstimation` of a snout and a tail (`positions`:
    frames x 2 keypoints x 2, pixels) added to the `NWBFile` `nwb` in processing module `module` under `name`
    (DeepLabCut's NWB export writes behavior/PoseEstimation); `recorded` names the video it was made on
    (`source_video=` an ImageSeries, or `original_videos=` and `dimensions=`)."""
    ndx_pose = pytest.importorskip("ndx_pose")

    def add(nwb, positions, times, module="behavior", name="PoseEstimation", **recorded):
        skeleton = ndx_pose.Skeleton(name="mouse", nodes=["snout", "tail"], edges=np.array([[0, 1]], dtype="uint8"))
        series = [
            ndx_pose.PoseEstimationSeries(
                name=name,
                data=positions[:, index],
                unit="pixels",
                reference_frame="top left",
                timestamps=times,
                confidence=np.ones(len(times)),
            )
            for index, name in enumerate(("snout", "tail"))
        ]
        estimation = ndx_pose.PoseEstimation(
            name=name,
            pose_estimation_series=series,
            skeleton=skeleton,
            source_software="DeepLabCut",
            **recorded,
        )
        behavior = nwb.create_processing_module(name=module, description="pose")
        behavior.add(ndx_pose.Skeletons(skeletons=[skeleton]))
        behavior.add(estimation)
        return estimation

    return add


@pytest.fixture(scope="session")
def add_cameras():
    """`add(nwb, names, n_frames)`: an external-file `ImageSeries` per name (`<name>.mp4` beside the NWB file, 30
    frames/s from 0 s) added to the `NWBFile` `nwb`'s acquisition, as a lab's NWB conversion points at its videos."""
    pynwb = pytest.importorskip("pynwb")

    def add(nwb, names, n_frames: int):
        for name in names:
            nwb.add_acquisition(
                pynwb.image.ImageSeries(
                    name=name, external_file=[f"{name}.mp4"], starting_frame=[0], format="external", rate=30.0,
                    starting_time=0.0, unit="n.a.", num_samples=n_frames,
                )
            )  # fmt: skip

    return add
