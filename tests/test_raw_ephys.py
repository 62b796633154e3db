"""Raw SpikeGLX and Open Ephys recordings through Neo: real headers (tests/data/probeinterface, written by SpikeGLX
and the Open Ephys GUI), their samples written here at the layout the headers declare."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from napari_chronoviz._times import RegularTimes
from napari_chronoviz.errors import SignalError
from napari_chronoviz.io.timeseries import read_timeseries

pytest.importorskip("neo")
probeinterface = pytest.importorskip("probeinterface")

DATA = Path(__file__).parent / "data" / "probeinterface"
META = "NP2_2013_subset_channels.imec0.ap.meta"


def patterned(n_samples: int, n_columns: int) -> np.ndarray:
    """Each file column its own value plus a ramp: which column a channel reads is plain from its values."""
    return (np.arange(n_columns)[None, :] * 50 + np.arange(n_samples)[:, None] % 13).astype(np.int16)


@pytest.fixture
def spikeglx(tmp_path) -> Path:
    shutil.copy(DATA / "spikeglx" / META, tmp_path / META)
    patterned(6000, 121).tofile(tmp_path / META.replace(".meta", ".bin"))  # nSavedChans=121: 120 AP + sync
    return tmp_path / META


def test_a_spikeglx_probe_opens_in_microvolts_on_its_clock_along_the_probe(spikeglx):
    signal = read_timeseries(spikeglx)
    samples = signal.values
    assert signal.on_disk and samples.shape == (6000, 120) and 120 not in samples.columns  # the sync column left out
    # SpikeGLX's µV per bit: imAiRangeMax (0.62 V) / imMaxInt (2048) / the NP 2.0 gain (100)
    np.testing.assert_allclose(samples.gain, 0.62 / 2048 / 100 * 1e6)
    assert isinstance(signal.times, RegularTimes) and signal.times.rate == 30_000.0
    assert signal.times[0] == pytest.approx(920_506 / 30_000)  # firstSample: the probe's own clock
    file = patterned(6000, 121)
    columns = np.array(samples.columns)
    np.testing.assert_allclose(samples[100:110], file[100:110][:, columns] * samples.gain)
    probe = probeinterface.read_spikeglx(spikeglx)
    contacts = zip(probe.device_channel_indices, probe.shank_ids, probe.contact_positions)
    place = {int(device): (shank, y, x) for device, shank, (x, y) in contacts}
    along = [place[column] for column in columns]
    assert along == sorted(along) and list(columns) != sorted(columns)  # by shank, depth, across: not file order
    chan_map = next(line for line in spikeglx.read_text().splitlines() if line.startswith("~snsChanMap="))
    file_names = [entry.split(";")[0] for entry in chan_map.split(")(")[1:]]  # (AP216;216:216) ... in file order
    assert [name.split(" ")[0] for name in signal.names] == [file_names[column] for column in columns]


def test_the_lf_band_or_another_stream_is_chosen_by_name(spikeglx):
    with pytest.raises(SignalError, match=r"no stream 'imec0.lf'.*imec0.ap"):
        read_timeseries(spikeglx, key="imec0.lf")
    assert read_timeseries(spikeglx.with_suffix(".bin"), key="imec0.ap").values.shape == (6000, 120)


def test_an_open_ephys_recording_opens_in_microvolts_on_its_sample_numbers(tmp_path):
    shutil.copytree(DATA / "openephys", tmp_path / "session")
    recording = tmp_path / "session" / "Record_Node_101" / "experiment1" / "recording1"
    stream = recording / "continuous" / "Neuropix-PXI-100.ProbeA"
    stream.mkdir(parents=True)
    patterned(4500, 384).tofile(stream / "continuous.dat")
    np.save(stream / "sample_numbers.npy", np.arange(4500, dtype=np.int64) + 90_000)
    np.save(stream / "timestamps.npy", (np.arange(4500) + 90_000) / 30_000)
    signal = read_timeseries(recording / "structure.oebin")
    samples = signal.values
    assert samples.shape == (4500, 384) and signal.names[0].endswith("(uV)")
    np.testing.assert_allclose(samples.gain, 0.1949999928)  # bit_volts
    assert signal.times[0] == pytest.approx(3.0) and signal.times.rate == 30_000.0
    columns = np.array(samples.columns)
    np.testing.assert_allclose(samples[7], patterned(4500, 384)[7, columns] * samples.gain)


def test_an_intan_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "run.rhd").write_bytes(b"\x00" * 64)
    with pytest.raises(SignalError, match="one-file-per-signal format and open its amplifier.dat"):
        read_timeseries(tmp_path / "run.rhd")


def test_the_sync_pulses_of_a_spikeglx_probe_are_read_from_its_sync_word(spikeglx):
    """Bit 6 of the imec stream's sync word (its last saved channel) carries the rig's sync pulses; other bits of the
    word (here bit 2, always on) are not pulses. Edges lie between samples, on the probe's own clock."""
    from napari_chronoviz.errors import SyncError
    from napari_chronoviz.sync import read_pulses

    data = patterned(90_000, 121)
    rises, width = np.array([3000, 21_000, 50_000, 71_000]), 3000
    data[:, 120] = 1 << 2
    for rise in rises:
        data[rise : rise + width, 120] |= 1 << 6
    data.tofile(spikeglx.with_suffix(".bin"))
    first = 920_506  # the .meta's firstSample: the probe's clock
    for given in (spikeglx, spikeglx.with_suffix(".bin")):
        edges = read_pulses(given)
        np.testing.assert_allclose(edges.rising * 30_000, first + rises - 0.5)
        np.testing.assert_allclose(edges.falling * 30_000, first + rises + width - 0.5)
    with pytest.raises(SyncError, match=r"Bit 2 of .* is always high: the sync pulses are on another bit"):
        read_pulses(spikeglx, line=2)
    with pytest.raises(SyncError, match=r"Bit 5 of .* is always low"):
        read_pulses(spikeglx, line=5)
    with pytest.raises(SyncError, match="has bits 0..15, not 16"):
        read_pulses(spikeglx, line=16)
