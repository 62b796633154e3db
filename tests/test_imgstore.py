"""imgstore stores: the real video store, and synthetic directory stores (npy and png frames)."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest
import yaml

from napari_chronoviz import open_video, read_frame_times, read_imgstore_index
from napari_chronoviz.testing import read_stamp, stamp_frame


def store_bars(frame: np.ndarray) -> int:
    """imgstore's test pattern: 16 vertical bars of 32 pixels, most significant bit on the left."""
    bars = frame[:, :, 0].mean(axis=0).reshape(16, 32).mean(axis=1) > 127
    return int("".join("1" if bar else "0" for bar in bars), 2)


def test_real_video_store_frames_carry_their_numbers(shared_data):
    store = shared_data / "imgstore_mp4"
    with open_video(store / "metadata.yaml") as video:
        assert len(video) == 179 and video.shape == (179, 512, 512, 3)
        np.testing.assert_array_equal(video.frame_numbers, np.arange(179))
        np.testing.assert_array_equal(video.frame_times, np.arange(1.0, 180.0))
        assert [store_bars(video[k]) for k in range(179)] == list(range(179))
        wanted = np.random.default_rng(0).integers(0, 179, 60)
        assert [store_bars(video[int(k)]) for k in wanted] == wanted.tolist()


def test_real_store_opens_from_its_folder_and_times_read_alone(shared_data):
    store = shared_data / "imgstore_mp4"
    with open_video(store) as video:
        assert video.fps == pytest.approx(1.0)
    np.testing.assert_array_equal(read_frame_times(store), np.arange(1.0, 180.0))
    np.testing.assert_array_equal(read_frame_times(store / "000001.npz"), np.arange(101.0, 180.0))
    assert read_imgstore_index(store)["frame_number"][-1] == 178


def write_directory_store(folder, image_format, chunks=((0, 5), (5, 9)), first_number=1000):
    folder.mkdir()
    metadata = {
        "__store": {
            "class": "DirectoryImgStore",
            "format": image_format,
            "chunksize": 5,
            "imgshape": [48, 64, 3],
            "imgdtype": "uint8",
            "version": 2,
            "encoding": None,
        }
    }
    (folder / "metadata.yaml").write_text(yaml.safe_dump(metadata))
    for chunk, (start, stop) in enumerate(chunks):
        chunk_dir = folder / f"{chunk:06d}"
        chunk_dir.mkdir()
        for local, index in enumerate(range(start, stop)):
            image = stamp_frame(index, 48, 64)
            if image_format == "npy":
                np.save(chunk_dir / f"{local:06d}.npy", image)
            else:
                iio.imwrite(chunk_dir / f"{local:06d}.{image_format}", image)
        numbers = np.arange(start, stop) + first_number
        # Real stores also save their metadata in each index; some members need pickle to load.
        np.savez(
            chunk_dir / "index.npz",
            frame_number=numbers,
            frame_time=0.5 + numbers * 0.01,
            extra=np.array([{"not": "loaded"}], dtype=object),
        )
    return folder


@pytest.mark.parametrize("image_format", ["npy", "png"])
def test_directory_store(tmp_path, image_format):
    store = write_directory_store(tmp_path / "store", image_format)
    with open_video(store) as video:
        assert video.shape == (9, 48, 64, 3)
        assert [read_stamp(video[k]) for k in range(9)] == list(range(9))
        np.testing.assert_array_equal(video.frame_numbers, np.arange(1000, 1009))
        np.testing.assert_allclose(video.frame_times, 0.5 + np.arange(1000, 1009) * 0.01)


def test_store_without_chunk_index_is_reported(tmp_path):
    store = write_directory_store(tmp_path / "store", "npy")
    (store / "000001" / "index.npz").unlink()
    with pytest.raises(ValueError, match=r"chunk index .*000001.*index.npz \(or .yaml\) is missing"):
        open_video(store)
