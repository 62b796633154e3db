"""imgstore stores (loopbio): chunked recordings with a per-frame number and time, read without imgstore.

Two layouts exist. A video store has `metadata.yaml` and chunk videos `000000.mp4` (or `.avi`, `.mkv`)
each beside an index `000000.npz` (or `.yaml`) holding `frame_number` and `frame_time`. A directory
store has chunk folders `000000/` holding frames `000000.npy` (or `.png`, `.jpg`, `.tif`, ...) and an
`index.npz`. Frame index 0 is the first stored frame; `frame_numbers` are the camera's numbers; frame
times come from the indexes, not from the chunk videos' nominal rate (which imgstore hard-codes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from .._times import nominal_rate
from ..errors import VideoReadError
from .chunked_video import VideoChunks
from .video import VideoSource

METADATA_FILE = "metadata.yaml"
IMAGE_FORMATS = {"npy", "png", "jpg", "jpeg", "tif", "tiff", "bmp", "ppm", "pgm"}


def is_imgstore(path: str | Path) -> bool:
    """True for an imgstore's `metadata.yaml` or a folder holding one."""
    path = Path(path)
    return (path.name == METADATA_FILE and path.is_file()) or (path.is_dir() and (path / METADATA_FILE).is_file())


def _store_dir(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def read_store_metadata(path: str | Path) -> dict:
    """Return the `__store` section of a store's metadata.yaml."""
    metadata_path = _store_dir(Path(path)) / METADATA_FILE
    with open(metadata_path, encoding="utf-8") as handle:
        metadata = yaml.safe_load(handle) or {}
    store = metadata.get("__store")
    if not isinstance(store, dict) or "class" not in store:
        raise VideoReadError(f"{metadata_path} has no '__store' section with a 'class': is it an imgstore?")
    return store


def _chunks(store_dir: Path, store: dict) -> list[tuple[Path, Path]]:
    """(frames, index file) of each chunk, in chunk order."""
    kind = store["class"]
    chunks = []
    if kind == "DirectoryImgStore":
        for folder in sorted(p for p in store_dir.iterdir() if p.is_dir() and p.name.isdigit()):
            chunks.append((folder, _index_file(folder / "index")))
    elif kind in ("VideoImgStore", "VideoImgStoreFFMPEG"):
        extension = store.get("extension") or (".avi" if str(store.get("format", "")).startswith("mjpeg") else ".mp4")
        for video in sorted(store_dir.glob(f"[0-9]*{extension}")):
            if video.stem.isdigit():
                chunks.append((video, _index_file(video.with_suffix(""))))
    else:
        raise VideoReadError(
            f"{store_dir}: imgstore class {kind!r} is not supported (VideoImgStore, DirectoryImgStore)."
        )
    if not chunks:
        raise VideoReadError(f"{store_dir} is an imgstore ({kind}) but holds no chunks.")
    return chunks


def _index_file(stem: Path) -> Path:
    for suffix in (".npz", ".yaml"):
        candidate = stem.with_name(stem.name + suffix)
        if candidate.is_file():
            return candidate
    raise VideoReadError(f"imgstore chunk index {stem}.npz (or .yaml) is missing: the store is incomplete.")


def _load_chunk_index(index_path: Path) -> dict[str, np.ndarray]:
    keys = ("frame_number", "frame_time")
    if index_path.suffix == ".npz":
        # Only these two arrays: the archive's other members (store metadata) may need pickle.
        with np.load(index_path, allow_pickle=False) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise VideoReadError(f"{index_path} lacks {missing}; it holds {archive.files}.")
            return {key: np.asarray(archive[key]) for key in keys}
    with open(index_path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {key: np.asarray(data.get(key, [])) for key in keys}


def _joined(indexes: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {
        "frame_number": np.concatenate([index["frame_number"] for index in indexes]).astype(np.int64),
        "frame_time": np.concatenate([index["frame_time"] for index in indexes]).astype(float),
    }


def read_imgstore_index(path: str | Path) -> dict[str, np.ndarray]:
    """The frame numbers and times of every frame of an imgstore, across its chunks.

    Parameters
    ----------
    path
        The store's `metadata.yaml` or its folder.

    Returns
    -------
    dict
        `frame_number` (int64, the camera's count) and `frame_time` (float seconds), one per stored frame.

    Raises
    ------
    VideoReadError
        When the folder is not an imgstore or its metadata or chunk indexes cannot be read.
    """
    store_dir = _store_dir(Path(path))
    return _joined([_load_chunk_index(index) for _, index in _chunks(store_dir, read_store_metadata(store_dir))])


def open_imgstore(path: str | Path) -> ImgStoreVideo:
    """Open an imgstore (its metadata.yaml or folder) as a `VideoSource`."""
    return ImgStoreVideo(path)


class ImgStoreVideo(VideoSource):
    """The frames of an imgstore, indexed 0..n-1 across chunks, with the store's times and numbers."""

    def __init__(self, path: str | Path):
        self.store_dir = _store_dir(Path(path))
        self.path = self.store_dir / METADATA_FILE
        self.store = read_store_metadata(self.store_dir)
        self._chunk_files = _chunks(self.store_dir, self.store)
        indexes = [_load_chunk_index(index) for _, index in self._chunk_files]
        self._chunk_lengths = np.array([len(index["frame_number"]) for index in indexes])
        self._chunk_starts = np.concatenate([[0], np.cumsum(self._chunk_lengths)])
        joined = _joined(indexes)
        self.frame_numbers, self.frame_times = joined["frame_number"], joined["frame_time"]
        self.n_frames = int(self._chunk_starts[-1])
        if self.n_frames == 0:
            raise VideoReadError(f"{self.store_dir}: the imgstore's indexes list no frames.")
        self.fps = nominal_rate(self.frame_times)
        self._is_directory_store = self.store["class"] == "DirectoryImgStore"
        self._videos = VideoChunks(
            [frames for frames, _ in self._chunk_files],
            self._chunk_starts,
            lambda video, decoded, listed: (
                f"imgstore chunk {video} decodes to {decoded} frames but its index lists {listed}: the store is "
                "damaged."
            ),
        )
        first = self.read_frame(0)
        self.height, self.width = first.shape[:2]

    def _locate(self, index: int) -> tuple[int, int]:
        chunk = int(np.searchsorted(self._chunk_starts, index, side="right") - 1)
        return chunk, index - int(self._chunk_starts[chunk])

    def read_frame(self, index: int) -> np.ndarray:
        """Return stored frame `index` (counting from the store's first frame) as RGB uint8."""
        if self._is_directory_store:
            chunk, local = self._locate(index)
            return _read_image_file(self._chunk_files[chunk][0], local, self.store.get("format", "npy"))
        return self._videos.read_frame(index)

    def close(self) -> None:
        """Close the open chunk videos."""
        self._videos.close()


def _read_image_file(folder: Path, local: int, image_format: str) -> np.ndarray:
    path = folder / f"{local:06d}.{image_format}"
    if not path.is_file():
        raise VideoReadError(f"imgstore frame file {path} is missing.")
    if image_format == "npy":
        image = np.load(path, allow_pickle=False)
        if image.ndim == 3:
            image = image[..., 2::-1]  # imgstore records through OpenCV: colour arrays are BGR
    else:
        import imageio.v3 as iio

        image = iio.imread(path)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.dtype != np.uint8:
        raise VideoReadError(f"{path}: frames of dtype {image.dtype} are not supported yet (uint8 only).")
    return np.ascontiguousarray(image[..., :3])
