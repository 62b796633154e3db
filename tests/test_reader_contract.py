"""The napari reader keeps npe2's contract: `get_reader` claims only what it can tell cheaply and never raises,
the function it returns does the heavy work and never raises either, problems become notifications; the
manifest lists exactly the registry's suffixes; importing the reader loads nothing heavy."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

import napari_chronoviz
from napari_chronoviz.io.formats import EXPORT_SUFFIXES, FILE_KINDS, napari_reader_patterns, suffixes_of
from napari_chronoviz.napari._reader import SNIFFERS, get_reader
from napari_chronoviz.samples import sample_file

PACKAGE = Path(napari_chronoviz.__file__).parent
REPOSITORY = PACKAGE.parents[1]
HEAVY_MODULES = ("av", "cv2", "pandas", "h5py", "dask")


@pytest.fixture
def notifications(monkeypatch):
    """The napari notifications shown during the test, as (severity, message), caught where napari
    dispatches them (no Qt toast is made on the windows earlier tests left)."""
    from napari.utils.notifications import notification_manager

    caught = []
    monkeypatch.setattr(notification_manager, "dispatch", caught.append)
    return lambda: [(str(note.severity), note.message) for note in caught]


def test_importing_the_reader_loads_no_heavy_module():
    code = (
        "import sys, napari_chronoviz.napari._reader, napari_chronoviz.io.formats; "
        f"print(sorted(set({HEAVY_MODULES!r}) & set(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_manifest_lists_exactly_the_registrys_suffixes():
    manifest = yaml.safe_load((PACKAGE / "napari.yaml").read_text())
    (reader,) = manifest["contributions"]["readers"]
    (writer,) = manifest["contributions"]["writers"]
    registry = set(napari_reader_patterns())
    assert sorted(set(reader["filename_patterns"]) - registry) == []  # the manifest claims nothing the registry lacks
    assert sorted(registry - set(reader["filename_patterns"])) == []  # and misses nothing the reader opens
    assert len(reader["filename_patterns"]) == len(registry)
    assert set(writer["filename_extensions"]) == set(EXPORT_SUFFIXES)
    assert len(writer["filename_extensions"]) == len(EXPORT_SUFFIXES)


def test_there_is_one_manifest_in_the_package():
    """The wheel ships the package's manifest; the one at the repository top (where the design card wants it)
    is a link to it, never a copy that could drift."""
    manifest = PACKAGE / "napari.yaml"
    assert manifest.is_file() and not manifest.is_symlink()
    top = REPOSITORY / "napari.yaml"
    assert top.is_symlink() and top.resolve() == manifest.resolve()


def test_every_suffix_napari_opens_is_sniffed():
    napari_kinds = [name for name, kind in FILE_KINDS.items() if kind.opened_in_napari]
    assert set(SNIFFERS) == set(suffixes_of(*napari_kinds))


def pickled_npy(path: Path) -> Path:
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    return path


def truncated_npz(path: Path) -> Path:
    np.savez(path, t=np.arange(100.0), x=np.arange(100.0))
    path.write_bytes(path.read_bytes()[:150])
    return path


def random_bytes(path: Path) -> Path:
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def unrelated_table(path: Path) -> Path:
    path.write_text("name,age,height\nada,36,1.65\nalan,41,1.78\n")
    return path


def headerless_numbers(path: Path) -> Path:
    path.write_text("1,2\n3,4\n")
    return path


def image_stack(path: Path) -> Path:
    np.save(path, np.zeros((4, 32, 32), dtype=np.uint8))
    return path


def square_image(path: Path) -> Path:
    np.save(path, np.zeros((64, 64), dtype=np.uint8))
    return path


# name -> (file, what is shown: None, or the notification's severity and words it contains)
DECLINED = {
    "pickled.npy": (pickled_npy, ("warning", "pickled")),
    "truncated.npz": (truncated_npz, ("warning", "not a valid .npz")),
    "random.mp4": (random_bytes, ("warning", "Cannot read")),
    "random.avi": (random_bytes, ("warning", "Cannot read")),
    "garbage.h5": (random_bytes, ("warning", "not an HDF5 file")),
    "garbage.slp": (random_bytes, ("warning", "not an HDF5 file")),
    "garbage.parquet": (random_bytes, ("warning", "not a Parquet file")),
    "garbage.npy": (random_bytes, ("warning", "not a valid .npy")),
    "empty.csv": (empty, ("warning", "is empty (0 bytes)")),
    "empty.mp4": (empty, ("warning", "is empty (0 bytes)")),
    "unrelated.csv": (unrelated_table, None),
    "numbers.txt": (headerless_numbers, None),
    "random.csv": (random_bytes, None),
    "stack.npy": (image_stack, None),
    "image.npy": (square_image, None),
    "notes.md": (unrelated_table, None),
}


@pytest.mark.parametrize("name", DECLINED)
def test_files_it_cannot_use_are_declined_without_raising(name, tmp_path, notifications):
    make, shown = DECLINED[name]
    path = make(tmp_path / name)
    assert get_reader(str(path)) is None
    assert get_reader([str(path)]) is None
    if shown is None:
        assert notifications() == []  # a file that is fine but not chronoviz's: other readers may open it
    else:
        severity, words = shown
        assert notifications() and all(note == severity for note, _ in notifications())
        assert all(words in message and name in message for _, message in notifications())


def truncated_hdf5(path: Path) -> Path:
    with h5py.File(path, "w") as handle:
        handle.create_dataset("time", data=np.arange(1000.0))
        handle.create_dataset("values", data=np.arange(1000.0))
    path.write_bytes(path.read_bytes()[:700])
    return path


def ragged_table(path: Path) -> Path:
    path.write_text("time,x\n0,1\n1,2,3\n")
    return path


def mp4_without_index(path: Path) -> Path:
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(2000))
    return path


def several_arrays_npz(path: Path) -> Path:
    np.savez(path, a=np.arange(10.0), b=np.arange(20.0))
    return path


# files that look like chronoviz's but fail when read: the returned function notifies and gives no layers
FAILING = {
    "truncated.h5": (truncated_hdf5, "truncated.h5"),
    "ragged.csv": (ragged_table, "ragged rows"),
    "no_index.mp4": (mp4_without_index, "Cannot read"),
    "several.npz": (several_arrays_npz, "Pass key="),
}


@pytest.mark.parametrize("name", FAILING)
def test_a_claimed_file_that_fails_gives_an_error_notification_and_no_layers(name, tmp_path, notifications):
    make, words = FAILING[name]
    path = make(tmp_path / name)
    read = get_reader(str(path))
    assert callable(read) and notifications() == []
    assert read(str(path)) == []  # napari may then try another reader
    ((severity, message),) = notifications()
    assert severity == "error" and words in message and name in message


def test_the_heavy_work_is_done_by_the_returned_function(monkeypatch, notifications):
    """get_reader only looks at the first bytes: the video is opened (indexed) when the function is called."""
    opened = []

    def open_video(path, *args, **kwargs):
        opened.append(path)
        raise napari_chronoviz.VideoReadError(f"{path} could not be indexed (test).")

    monkeypatch.setattr("napari_chronoviz.io.video_factory.open_video", open_video)
    path = sample_file("mouse.mp4")
    read = get_reader(str(path))
    assert callable(read) and opened == []
    assert read(str(path)) == [] and opened == [path]
    assert notifications() == [("error", f"{path} could not be indexed (test).")]


def test_one_failing_file_of_several_keeps_the_others(tmp_path, notifications):
    good = tmp_path / "good.csv"
    pd.DataFrame({"time": [0.0, 0.1], "x": [1.0, 2.0]}).to_csv(good, index=False)
    bad = ragged_table(tmp_path / "bad.csv")
    layers = get_reader([str(good), str(bad)])([str(good), str(bad)])
    assert [attributes["name"] for _, attributes, _ in layers] == ["good"]
    assert len(notifications()) == 1 and "bad.csv" in notifications()[0][1]


def a_zip_that_is_not_numpys(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return path


def test_a_zip_that_is_not_numpys_is_left_to_others(tmp_path, notifications):
    assert get_reader(str(a_zip_that_is_not_numpys(tmp_path / "other.npz"))) is None
    assert notifications() == []


@pytest.fixture
def closing_videos(monkeypatch):
    """Close the videos the reader opens in the test when it ends, as no viewer's layers hold them. Left
    open until the test process exited, they made it crash in PyQt's exit clean-up after every test passed."""
    from napari_chronoviz.io import video_factory

    opened = []
    open_video = video_factory.open_video

    def open_and_keep(*args, **kwargs):
        opened.append(open_video(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(video_factory, "open_video", open_and_keep)
    yield
    for video in opened:
        video.close()


def layers_of(path) -> list[tuple]:
    """(layer type, data shape, name, chronoviz kind, first feature columns) of what the reader opens."""
    read = get_reader(str(path))
    assert callable(read), f"the reader declined {path}"
    return [
        (
            layer_type,
            tuple(data.shape),
            attributes["name"],
            attributes["metadata"]["chronoviz"]["kind"],
            list(attributes.get("features", {}))[:3],
        )
        for data, attributes, layer_type in read(str(path))
    ]


# what the reader opened from these files before its contract was kept, and still opens
BUNDLED = {
    "flies.mp4": [("image", (1500, 1024, 1024, 3), "flies", "video", [])],
    "mouse.mp4": [("image", (2330, 480, 640, 3), "mouse", "video", [])],
    "flies.analysis.h5": [("points", (38363, 3), "flies.analysis", "pose", ["individual", "keypoint", "confidence"])],
    "mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5": [
        (
            "points",
            (9320, 3),
            "mouseDLC_resnet50_openfieldAug20shuffle1_30000",
            "pose",
            ["individual", "keypoint", "confidence"],
        )
    ],
    "flies_photometry.csv": [("points", (6000, 2), "flies_photometry", "signal", ["time", "dF/F"])],
    "flies_signals.csv": [
        ("points", (1500, 2), "flies_signals", "signal", ["time", "female speed (px/s)", "male speed (px/s)"])
    ],
    "mouse_signals.csv": [
        ("points", (2330, 2), "mouse_signals", "signal", ["frame", "snout speed (px/s)", "body length (px)"])
    ],
}
SHARED = {
    "dlc_openfield/m3v1mp4.mp4": [("image", (2330, 480, 640, 3), "m3v1mp4", "video", [])],
    "dlc_openfield/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5": [
        (
            "points",
            (9320, 3),
            "m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000",
            "pose",
            ["individual", "keypoint", "confidence"],
        )
    ],
    "sleap_flies/clip.mp4": [("image", (1500, 1024, 1024, 3), "clip", "video", [])],
    "sleap_flies/clip.slp": [("points", (38363, 3), "clip", "pose", ["individual", "keypoint", "confidence"])],
    "sleap_flies/clip.predictions.slp": [
        ("points", (5754, 3), "clip.predictions", "pose", ["individual", "keypoint", "confidence"])
    ],
    "sleap_centered_pair/centered_pair_low_quality.mp4": [
        ("image", (1100, 384, 384, 3), "centered_pair_low_quality", "video", [])
    ],
    "sleap_centered_pair/centered_pair_standard.analysis.h5": [
        ("points", (48620, 3), "centered_pair_standard.analysis", "pose", ["individual", "keypoint", "confidence"])
    ],
    "sleap_centered_pair/centered_pair_matlab.analysis.h5": [
        ("points", (48620, 3), "centered_pair_matlab.analysis", "pose", ["individual", "keypoint", "confidence"])
    ],
    "imgstore_mp4": [("image", (179, 512, 512, 3), "imgstore_mp4", "video", [])],
    "imgstore_mp4/metadata.yaml": [("image", (179, 512, 512, 3), "imgstore_mp4", "video", [])],
    "imgstore_mp4/000001.mp4": [("image", (79, 512, 512, 3), "000001", "video", [])],
}


@pytest.mark.parametrize("name", BUNDLED)
def test_the_bundled_samples_open_to_the_same_layers(name, notifications, closing_videos):
    assert layers_of(sample_file(name)) == BUNDLED[name]
    assert notifications() == []


@pytest.mark.parametrize("name", SHARED)
def test_real_recordings_open_to_the_same_layers(name, shared_data, notifications, closing_videos):
    assert layers_of(shared_data / name) == SHARED[name]
    assert notifications() == []


@pytest.mark.parametrize("path", ["events", "intervals", "timestamps", "chunk index"])
def test_files_that_are_not_layers_are_left_to_others(path, shared_data, notifications):
    """Events, intervals and frame times belong to the dock widget and `open_video`, not to napari layers
    (the intervals and the camera log used to open as meaningless signal layers)."""
    path = {
        "events": sample_file("flies_events.csv"),
        "intervals": sample_file("flies_intervals.csv"),
        "timestamps": shared_data / "timestamps" / "_iblrig_bodyCamera.timestamps.ssv",
        "chunk index": shared_data / "imgstore_mp4" / "000000.npz",
    }[path]
    assert get_reader(str(path)) is None
    assert notifications() == []


def test_time_series_in_numpy_files_and_dlc_csv_still_open(tmp_path, notifications):
    np.save(tmp_path / "trace.npy", np.arange(10.0))
    np.save(tmp_path / "two.npy", np.ones((100, 2)))
    np.savez(tmp_path / "trace.npz", t=np.arange(5) / 10, dff=np.arange(5.0))
    table = pd.read_hdf(sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5"))
    table.iloc[:50].to_csv(tmp_path / "mouseDLC.csv")
    assert layers_of(tmp_path / "trace.npy") == [("points", (10, 2), "trace", "signal", ["channel 0"])]
    assert layers_of(tmp_path / "two.npy") == [("points", (100, 2), "two", "signal", ["channel 0", "channel 1"])]
    assert layers_of(tmp_path / "trace.npz") == [("points", (5, 2), "trace", "signal", ["time", "dff"])]
    assert layers_of(tmp_path / "mouseDLC.csv") == [
        ("points", (200, 3), "mouseDLC", "pose", ["individual", "keypoint", "confidence"])
    ]
    assert notifications() == []


def test_the_registry_names_real_readers_and_tells_kinds_by_name():
    from napari_chronoviz.io.formats import kinds_of, reader_of

    assert {kind: reader_of(kind).__name__ for kind in FILE_KINDS} == {
        "video": "open_video",
        "imgstore": "open_video",
        "pose": "read_pose",
        "timeseries": "read_timeseries",
        "frame_times": "read_frame_times",
        "events": "read_events",
        "intervals": "read_intervals",
        "session": "open_session",
        "ethogram": "read_ethogram",
    }
    assert kinds_of("rig/CLIP.MP4") == ("video",)
    assert kinds_of("store/metadata.yaml") == ("imgstore", "frame_times", "ethogram")
    assert kinds_of("poses.h5") == ("pose", "timeseries")
    assert kinds_of("labels.csv") == ("pose", "timeseries", "frame_times", "events", "intervals", "ethogram")
    assert kinds_of("project.boris") == ("ethogram",)
    assert kinds_of("notes.md") == ()


def test_every_hdf5_suffix_of_the_registry_reads_a_pose(tmp_path):
    from napari_chronoviz import read_pose

    source = sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")
    for suffix in [".h5", ".hdf5", ".hdf"]:
        copy = tmp_path / f"mouseDLC{suffix}"
        copy.write_bytes(source.read_bytes())
        assert read_pose(copy).xy.shape == (2330, 1, 4, 2)
