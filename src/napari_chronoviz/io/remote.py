"""Files behind `http(s)://` addresses: read in place by range requests (fsspec), or downloaded once to the cache.

An NWB session on a server (DANDI, a lab's web server) is read where it lies: h5py reads the file through a
file object that asks the server for the byte ranges it needs, so only the metadata and the samples drawn
cross the network. Its videos are downloaded whole, once, into the user's cache (`cache_dir`), because decoding
seeks back and forth. A dropped connection is retried; a download that fails leaves nothing in the cache.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .._cache import cache_dir
from .._progress import progress_reporter
from ..errors import ChronovizError

ATTEMPTS = 3  # tries of each read or download before giving up
BLOCK_SIZE = 2**20  # bytes fetched per range request, and kept in fsspec's block cache
TIMEOUT = 20  # seconds without a byte from the server before a read counts as failed (and is retried)
DOWNLOAD_CHUNK = 2**20


def is_url(source) -> bool:
    """Whether `source` is an `http://` or `https://` address."""
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def url_name(url: str) -> str:
    """The file name an address ends with ("session.nwb"), without its query."""
    return Path(urlsplit(url).path).name


def beside(url: str, name: str) -> str:
    """The address of `name` (a relative path) next to `url`, as a relative path resolves next to a file."""
    return urljoin(url, name)


class RemoteFile(io.RawIOBase):
    """A read-only, seekable file object over an address: each read asks the server for its byte range.

    A read that fails (a dropped connection, a timeout) is retried `ATTEMPTS` times on a fresh connection before
    a `ChronovizError` names the address. Use it as h5py's file object: `h5py.File(RemoteFile(url), "r")`.
    """

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self._position = 0
        self._file = self._open()
        self.size = self._file.size

    def _open(self):
        try:
            return _http().open(self.url, "rb", block_size=BLOCK_SIZE, cache_type="blockcache")
        except (OSError, ValueError) as error:
            raise ChronovizError(
                f"Cannot open {self.url}: {type(error).__name__}: {error}. Check the address and the network."
            ) from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), max(self.size - self._position, 0))
        for attempt in range(ATTEMPTS):
            try:
                self._file.seek(self._position)
                data = self._file.read(wanted)
                break
            except Exception as error:  # noqa: BLE001 - aiohttp and fsspec raise many kinds for a broken read
                if attempt == ATTEMPTS - 1:
                    raise ChronovizError(
                        f"Reading {self.url} failed {ATTEMPTS} times (bytes {self._position}..."
                        f"{self._position + wanted}): {type(error).__name__}: {error}. Check the network and try "
                        "again."
                    ) from None
                self._file = self._open()  # a fresh connection
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


def cached_download(url: str, progress: bool | Callable[[int, int], object] = True) -> Path:
    """The file at `url`, downloaded into the cache once (later calls return the cached copy).

    The download goes to a temporary file beside its place in the cache and is renamed when complete, so the
    cache never holds half a file; a dropped connection restarts it, `ATTEMPTS` times in all.

    Parameters
    ----------
    url
        The file's address.
    progress
        True (default): a line on stderr as the download goes, in MB (one updating line on a terminal, a line per
        10% in a log); False: silent; or a function called with (bytes so far, total bytes).

    Returns
    -------
    Path
        The cached file.

    Raises
    ------
    ChronovizError
        When the download fails `ATTEMPTS` times (nothing is left in the cache).
    """
    folder = cache_dir("downloads") / hashlib.sha256(url.encode()).hexdigest()[:16]
    target = folder / url_name(url)
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{target.name}.{secrets.token_hex(6)}.part"
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _download(url, temporary, progress)
            break
        except Exception as error:  # noqa: BLE001 - aiohttp and fsspec raise many kinds for a broken download
            temporary.unlink(missing_ok=True)
            if attempt == ATTEMPTS:
                raise ChronovizError(
                    f"Downloading {url} failed {ATTEMPTS} times: {type(error).__name__}: {error}. Nothing was kept "
                    "in the cache; check the network and try again."
                ) from None
    os.replace(temporary, target)
    return target


def _download(url: str, destination: Path, progress) -> None:
    """Write the file at `url` to `destination`; an OSError when fewer bytes came than the server announced."""
    with _http().open(url, "rb", block_size=DOWNLOAD_CHUNK) as remote, open(destination, "wb") as local:
        total, done = remote.size, 0
        megabytes = -(-total // 2**20)
        report = progress_reporter(
            progress if not callable(progress) else False, megabytes, f"downloading {url_name(url)}", "MB"
        )
        while chunk := remote.read(DOWNLOAD_CHUNK):
            local.write(chunk)
            done += len(chunk)
            if callable(progress):
                progress(done, total)
            report(-(-done // 2**20))
    if done != total:
        raise OSError(f"got {done} of {total} bytes")


def _http():
    """The HTTP file system of fsspec, whose reads fail after `TIMEOUT` s of silence instead of waiting minutes."""
    import aiohttp
    import fsspec

    timeout = aiohttp.ClientTimeout(total=None, sock_connect=TIMEOUT, sock_read=TIMEOUT)
    return fsspec.filesystem("http", client_kwargs={"timeout": timeout}, skip_instance_cache=True)
