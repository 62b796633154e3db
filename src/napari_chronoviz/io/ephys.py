"""Raw extracellular recordings read through Neo and left on disk: SpikeGLX and Open Ephys (binary format).

Neo (`neo.rawio`) reads each format's header: its streams (a probe's AP and LF bands, a NI-DAQ), each
channel's gain and offset to physical units (µV), the sample rate, and the first sample's time on the
recording's own clock (SpikeGLX's `firstSample`, Open Ephys' first sample number). Both formats keep a stream's
samples as one interleaved binary array, which Neo describes (its buffer description): the array is memory-mapped
as a `DiskSamples`, read by rows and summarised by its pyramid like any recording on disk. The stream's channels
are shown along the probe (by shank, depth, then across: probeinterface reads the probe from SpikeGLX's `.meta` or Open
Ephys' `settings.xml`); the sync channel, a stream of its own, is left out.

Intan `.rhd` files interleave their samples with timestamps and other signals in blocks, which Neo reads by
chunks but does not describe as one array, so they are not read here (see `read_raw_ephys`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._times import RegularTimes
from ..errors import ChronovizWarning, SignalError
from .disk_samples import DiskSamples
from .formats import INTAN_SUFFIXES, OPEN_EPHYS_STRUCTURE, SPIKEGLX_SUFFIXES

SPIKEGLX_META, SPIKEGLX_BINARY = SPIKEGLX_SUFFIXES
INSTALL = 'pip install "napari-chronoviz[ephys]"'


@dataclass(frozen=True)
class RawStream:
    """A stream of a raw recording left on disk: what `read_timeseries` makes a `Signal` of."""

    samples: DiskSamples  # file values x each channel's gain + offset (µV for a probe), channels along the probe
    names: tuple[str, ...]  # "<name> (<unit>)"
    times: RegularTimes  # from the stream's rate and its first sample's time on the recording's clock
    source: str  # the file and the stream, for messages
    shanks: dict[str, tuple[int, ...]]  # "shank 1": its channels (indices as shown), for a probe of several shanks


def is_raw_ephys(path: Path) -> bool:
    """Whether `path` is a recording `read_raw_ephys` reads: a SpikeGLX `.meta` or its `.bin` (beside its
    `.meta`), an Open Ephys `structure.oebin`, or an Intan file (refused there with what to do)."""
    path = Path(path)
    return is_spikeglx(path) or path.name == OPEN_EPHYS_STRUCTURE or path.suffix.lower() in INTAN_SUFFIXES


def is_spikeglx(path) -> bool:
    """Whether `path` is a SpikeGLX recording: its `.meta`, or its `.bin` beside its `.meta`."""
    path = Path(path)
    suffix = path.suffix.lower()
    return suffix == SPIKEGLX_META or (suffix == SPIKEGLX_BINARY and path.with_suffix(SPIKEGLX_META).exists())


def spikeglx_stream(path) -> str:
    """A SpikeGLX file's stream, from its name (`run_g0_t0.imec0.ap.meta` -> "imec0.ap", `... .nidq.bin` -> "nidq")."""
    name = Path(path).name
    return name.split(".", 1)[1].rsplit(".", 1)[0] if name.count(".") >= 2 else ""


def read_raw_ephys(path, stream: str | None = None) -> RawStream:
    """A stream of a raw recording, left on disk, in physical units, on its own clock.

    Parameters
    ----------
    path
        A SpikeGLX `.meta` or `.bin` file (its stream, e.g. `imec0.ap`, is the default), or an Open Ephys
        `structure.oebin` (its first continuous stream is the default).
    stream
        The stream's name as Neo gives it (`imec0.lf`, `nidq`, or Open Ephys' `Record_Node_101#...ProbeA`; the
        part after `#` is enough).

    Returns
    -------
    RawStream
        Its samples a `DiskSamples` (file values × each channel's gain + offset, in µV for a probe), its times a
        `RegularTimes` from the stream's rate and first sample's time, channels named `<name> (<unit>)` and ordered
        along the probe when probeinterface knows it.

    Raises
    ------
    SignalError
        When Neo is not installed, the stream does not exist (the message lists those that do), or the format
        keeps its samples in a way that is not one array on disk (Intan).
    """
    path = Path(path).expanduser()
    if path.suffix.lower() in INTAN_SUFFIXES:
        raise SignalError(
            f"{path}: Intan files interleave their samples with timestamps in blocks, which chronoviz does not read "
            "from disk. Record (or convert) in Intan's one-file-per-signal format and open its amplifier.dat as "
            "headerless binary (dtype int16, the channel count and rate from info.rhd, gain 0.195 µV), or export "
            "the channels to NWB or .npy."
        )
    reader, index = _opened(path, stream)
    streams = reader.header["signal_streams"]
    chosen, buffer_id = str(streams["name"][index]), streams["buffer_id"][index]
    description = reader.get_analogsignal_buffer_description(0, 0, buffer_id)
    if description["type"] != "raw" or description["order"] != "C":
        raise SignalError(f"{path}: stream {chosen!r} is not one interleaved array on disk; Neo says {description}.")
    channels = reader.header["signal_channels"]
    in_buffer = channels[channels["buffer_id"] == buffer_id]
    mine = channels["stream_id"] == streams["id"][index]
    columns = np.flatnonzero(np.isin(in_buffer["id"], channels[mine]["id"]))  # this stream's columns of the array
    mine = channels[mine]
    order, shank_of = _probe_order(path, reader, chosen, len(mine))
    raw = np.memmap(
        description["file_path"],
        dtype=description["dtype"],
        mode="r",
        offset=description["file_offset"],
        shape=tuple(description["shape"]),
    )
    samples = DiskSamples(
        raw,
        Path(description["file_path"]),
        gain=mine["gain"][order].astype(float),
        offset=mine["offset"][order].astype(float),
        byte_offset=int(description["file_offset"]),
        columns=tuple(int(column) for column in columns[order]),
    )
    rate = float(reader.get_signal_sampling_rate(index))
    times = RegularTimes(len(raw), rate, float(reader.get_signal_t_start(0, 0, index)))
    names = tuple(f"{name} ({unit})" if unit else name for name, unit in zip(mine["name"][order], mine["units"][order]))
    shanks = {
        f"shank {shank}": tuple(int(index) for index in np.flatnonzero(shank_of == shank))
        for shank in dict.fromkeys(shank_of.tolist())
    }
    return RawStream(samples, names, times, f"{path} ({chosen})", shanks if len(shanks) > 1 else {})


def _opened(path: Path, stream: str | None):
    """Neo's reader of the recording at `path` (header parsed) and the index of the stream to show."""
    try:
        from neo.rawio import OpenEphysBinaryRawIO, SpikeGLXRawIO
    except ImportError as missing:
        raise SignalError(
            f"{path} is read with Neo, which is not installed: `{INSTALL}` (Neo and probeinterface)."
        ) from missing
    if path.name == OPEN_EPHYS_STRUCTURE:
        reader, default = OpenEphysBinaryRawIO(dirname=str(path.parent)), None
    else:
        reader = SpikeGLXRawIO(dirname=str(path.parent))
        default = spikeglx_stream(path) or None
    try:
        reader.parse_header()
    except Exception as error:  # Neo's own checks fail with any exception type (assert, KeyError, ...)
        raise SignalError(
            f"Neo could not read the recording of {path} ({type(error).__name__}: {error}). Its folder may be "
            "incomplete (a recording stopped early, a file missing or empty): check it holds every file the "
            "acquisition system wrote."
        ) from error
    names = [str(name) for name in reader.header["signal_streams"]["name"]]
    wanted = stream if stream is not None else default
    if wanted is None:
        return reader, 0
    found = [i for i, name in enumerate(names) if wanted in (name, name.split("#")[-1], name.split(".")[-1])]
    if not found:
        raise SignalError(f"{path} has no stream {wanted!r}; its streams are {names}. Pass one of these as key=.")
    return reader, found[0]


def _probe_order(path: Path, reader, stream: str, n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """The stream's channels ordered along the probe (by shank, depth, then across), or in file order when
    probeinterface is missing or does not know the probe (the channels of an NI-DAQ, a LF band's of a probe
    it reads as the AP band's); and the shank of each channel in that order ("" where unknown)."""
    in_file_order = np.arange(n_channels), np.full(n_channels, "")
    try:
        import probeinterface
    except ImportError:
        return in_file_order
    try:
        if path.name == OPEN_EPHYS_STRUCTURE:
            settings = next(folder / "settings.xml" for folder in path.parents if (folder / "settings.xml").exists())
            probe = probeinterface.read_openephys_neuropixels(settings, stream_name=stream.split(".")[-1])
        elif stream.startswith("imec"):
            probe = probeinterface.read_spikeglx(path.with_suffix(SPIKEGLX_META))
        else:
            return in_file_order
    except Exception as error:  # noqa: BLE001 - any failure to read the probe leaves the file's order
        warnings.warn(
            ChronovizWarning(f"{path}: the probe's geometry could not be read ({error}); channels in file order."),
            stacklevel=3,
        )
        return in_file_order
    device = np.asarray(probe.device_channel_indices)
    if len(device) != n_channels or sorted(device) != list(range(n_channels)):
        return in_file_order
    x, y = np.asarray(probe.contact_positions, dtype=float).T
    shanks = np.asarray(probe.shank_ids).astype(str)
    shanks = shanks if shanks.shape == x.shape else np.full(len(x), "")  # a one-shank probe may give none
    by_place = np.lexsort((x, y, shanks))  # contacts by shank, then depth, then across
    return device[by_place], shanks[by_place]
