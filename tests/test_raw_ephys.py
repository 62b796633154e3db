"""Raw SpikeGLX and Open Ephys recordings through Neo: real headers (tests/data/probeinterface, written by SpikeGLX
and the Open Ephys GUI), their samples written here at the layout the headers declare."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

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


@pytest.fixture
def open_ephys(tmp_path) -> Path:
    """The Open Ephys GUI's structure.oebin and settings.xml, its Neuropixels stream's samples written here."""
    shutil.copytree(DATA / "openephys", tmp_path / "session")
    recording = tmp_path / "session" / "Record_Node_101" / "experiment1" / "recording1"
    stream = recording / "continuous" / "Neuropix-PXI-100.ProbeA"
    stream.mkdir(parents=True)
    patterned(4500, 384).tofile(stream / "continuous.dat")
    np.save(stream / "sample_numbers.npy", np.arange(4500, dtype=np.int64) + 90_000)
    np.save(stream / "timestamps.npy", (np.arange(4500) + 90_000) / 30_000)
    return recording / "structure.oebin"


def test_an_open_ephys_folder_neo_cannot_read_is_an_error_naming_it_not_a_traceback(open_ephys):
    """An interrupted recording can leave its events/MessageCenter folder empty: Neo's parser then fails an assert."""
    from napari_chronoviz.errors import ChronovizError
    from napari_chronoviz.sources import SourceSpec

    (open_ephys.parent / "events" / "MessageCenter").mkdir(parents=True)
    with pytest.raises(ChronovizError, match=r"Neo could not read the recording of .*structure\.oebin .*incomplete"):
        SourceSpec("signals", str(open_ephys)).read()


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


def test_an_open_ephys_recording_opens_in_microvolts_on_its_sample_numbers(open_ephys):
    signal = read_timeseries(open_ephys)
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


# --- choosing channels, the rate of a recording with its own clock ------------------------------------------------


def test_channels_are_chosen_by_index_range_or_name_and_stay_on_disk(spikeglx):
    whole = read_timeseries(spikeglx)
    name = whole.names[50].split(" ")[0]  # e.g. "AP77 (uV)" named without its unit
    chosen = read_timeseries(spikeglx, channels=f"0-3, 10, {name}, 2")  # in the order given, each once
    expected = [0, 1, 2, 3, 10, 50]
    assert chosen.on_disk and chosen.names == tuple(whole.names[index] for index in expected)
    assert chosen.values.columns == tuple(whole.values.columns[index] for index in expected)
    np.testing.assert_array_equal(chosen.values[50:60], whole.values[50:60][:, expected])
    assert chosen.values.identity == whole.values.identity  # the file's one pyramid serves both
    assert read_timeseries(spikeglx, channels=range(64)).names == whole.names[:64]


@pytest.mark.parametrize(
    ("channels", "words"),
    [
        ("0-120", "has no channel 120. It has 120 channels, 0-119 in the order shown"),
        ("AP999", "has no channel 'AP999'. It has 120 channels, 0-119"),
        ("9-3", "runs backwards; write it from low to high (3-9)"),
        ([-1], "has no channel -1"),
    ],
)
def test_a_channel_that_is_not_there_names_the_valid_range_in_each_interfaces_words(spikeglx, channels, words):
    from napari_chronoviz.errors import in_words

    with pytest.raises(SignalError, match=re.escape(words)) as refused:
        read_timeseries(spikeglx, channels=channels)
    assert "channels='0-63'" in str(refused.value)
    assert "--channels 0-63" in in_words(refused.value, "cli")
    assert "'channels' of the source (e.g. 0-63)" in in_words(refused.value, "dock")


def test_a_rate_given_to_a_recording_with_its_own_clock_names_that_clock(spikeglx):
    from napari_chronoviz.errors import ChronovizError, in_words
    from napari_chronoviz.sources import SourceSpec

    with pytest.raises(ChronovizError, match=r"carries its own clock: 30000 Hz, its first sample at 30\.68") as refused:
        SourceSpec("signals", str(spikeglx), rate=1000.0).read()
    assert "time column" not in str(refused.value) and "leave rate= out" in str(refused.value)
    assert "leave --rate out" in in_words(refused.value, "cli")
    assert "set 'rate (Hz)' to 0" in in_words(refused.value, "dock")


def test_a_spikeglx_bin_and_its_meta_are_one_source(spikeglx):
    """Added as its .bin then as its .meta, one recording was listed (and drawn) twice, both lines alike."""
    from napari_chronoviz.sources import SourceSpec

    assert SourceSpec("signals", str(spikeglx.with_suffix(".bin"))).is_same_file(SourceSpec("signals", str(spikeglx)))


def test_a_channel_count_given_to_a_spikeglx_bin_is_refused_not_read_askew(spikeglx):
    """Its .meta says 121 channels (120 + sync): 120 given by hand read every sample in the wrong channel."""
    from napari_chronoviz.errors import ChronovizError, in_words
    from napari_chronoviz.sources import SourceSpec

    binary = spikeglx.with_suffix(".bin")
    with pytest.raises(ChronovizError, match=r"is a raw recording: its header \(NP2_2013") as refused:
        SourceSpec("signals", str(binary), dtype="int16", n_channels=120, rate=30000.0).read()
    assert "Leave out --dtype int16 --n-channels N --rate HZ" in in_words(refused.value, "cli")


def test_the_channels_travel_with_the_spec_the_cli_and_the_session(spikeglx, tmp_path):
    from napari_chronoviz.cli import _parser, _signal_specs
    from napari_chronoviz.io.video_factory import open_video
    from napari_chronoviz.overlays.scene import build_scene
    from napari_chronoviz.session import open_session, save_session
    from napari_chronoviz.sources import SourceSpec
    from napari_chronoviz.testing import make_stamped_video

    args = _parser().parse_args(["render", "clip.mp4", "--signals", str(spikeglx), "--channels", "0-7,AP2"])
    (spec,) = _signal_specs(args)
    assert spec == SourceSpec("signals", str(spikeglx), channels="0-7,AP2")
    path = make_stamped_video(tmp_path / "clip.mp4", 6, fps=30)
    as_list = SourceSpec("signals", str(spikeglx), channels=[3, "AP2"], mode="ratio", ratio=1000)
    with open_video(path) as video:
        scene = build_scene(video, signals=[as_list])
        written = save_session(tmp_path / "probe.cvz", path, scene)
        reopened = open_session(written)
        (saved,) = reopened.options["signals"]
        assert SourceSpec.from_dict(saved, "signals") == as_list and saved["channels"] == [3, "AP2"]
        again = build_scene(video, **reopened.options)
    assert [trace.signal.names for trace in again.traces] == [scene.traces[0].signal.names]
    assert len(scene.traces[0].signal.names) == 2


# --- in napari: File > Open, the Overlays dock -----------------------------------------------------------------------


def texts_drawn(scene, frame: int) -> list[str]:
    from napari_chronoviz.overlays.primitives import Texts

    return [text for item in scene.geometry(frame).of_type(Texts) for text in item.strings]


def test_a_raw_recording_opens_in_napari_and_shows_the_chosen_channels_under_its_video(
    make_napari_viewer, spikeglx, tmp_path, monkeypatch
):
    from napari.utils.notifications import notification_manager

    from napari_chronoviz.testing import make_stamped_video

    patterned(60_000, 121).tofile(spikeglx.with_suffix(".bin"))  # 2 s at 30 kHz
    video = make_stamped_video(tmp_path / "clip.mp4", 60, fps=30)
    caught = []
    monkeypatch.setattr(notification_manager, "dispatch", caught.append)
    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._widget.show_error", errors.append)
    viewer = make_napari_viewer()

    # File > Open of the .meta alone: a hidden layer naming the file, without its samples, and what to do next
    (layer,) = viewer.open(spikeglx, plugin=None)  # as File > Open: the readers that take the file
    assert layer.metadata["chronoviz"] == {
        "kind": "signal",
        "path": str(spikeglx),
        "n_samples": 60_000,
        "n_channels": 120,
    }
    assert len(layer.data) == 0 and list(layer.features.columns)[:2] == ["AP0 (uV)", "AP1 (uV)"]
    (note,) = [note.message for note in caught]
    assert "no video is open" in note and "Add opened signal/pose layers" in note

    # its video, then the Overlays dock as the Plugins menu opens it: the opened layer is read from its file, and
    # placed on the probe's clock, which starts 30.68 s into the recording: the error says to set the offset
    viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.add_layers.clicked()
    assert dock.listed == [] and "do not overlap" in errors[-1] and "offset (s) -30.684 of the source" in errors[-1]

    # the form: the signal file dialog offers raw recordings; 8 channels and the offset: the lane shows those 8
    dock.kind.value = "signals"
    assert "*.meta" in dock.file.filter and "*structure.oebin" in dock.file.filter
    dock.file.value, dock.channels.value, dock.offset.value = spikeglx, "0-7", -920_506 / 30_000
    dock.add.clicked()
    (trace,) = dock.session.scene.traces
    whole = read_timeseries(spikeglx)
    assert trace.signal.names == whole.names[:8] and trace.signal.on_disk
    drawn = texts_drawn(dock.session.scene, 30)
    assert [name for name in whole.names if any(name.split(" ")[0] in text for text in drawn)] == list(whole.names[:8])

    # an index past the probe's channels: not added, the error names the range in the dock's words
    dock.channels.value = "0-500"
    dock.add.clicked()
    assert "has no channel 500. It has 120 channels, 0-119" in errors[-1] and "'channels' of the source" in errors[-1]
    assert dock.session.scene.traces[0].signal.names == whole.names[:8]

    # the session keeps the channels, and the dock shows them when the source is selected
    dock.session_file.value = tmp_path / "probe.cvz"
    dock.save_session()
    (saved,) = yaml.safe_load((tmp_path / "probe.cvz").read_text())["signals"]
    assert saved["channels"] == "0-7"
    dock.channels.value = ""
    dock.sources.changed.emit(dock.sources.value)  # the user clicks the selected source
    assert dock.channels.value == "0-7"

    # the whole probe: its 120 channels as lines would share the panel unreadably; it becomes a heatmap lane
    dock.channels.value = ""
    dock.add.clicked()
    assert dock.heatmap_signals.value == spikeglx.name  # its file's name, as the user would write it
    assert [lane.kind for lane in dock.session.scene.plot.lanes] == ["heatmap"]
    assert "120 channels are drawn as one heatmap lane" in caught[-1].message


@pytest.fixture
def notifications(monkeypatch):
    from napari.utils.notifications import notification_manager

    caught = []
    monkeypatch.setattr(notification_manager, "dispatch", caught.append)
    return lambda: [(str(note.severity), note.message) for note in caught]


def test_napari_opens_each_raw_format_as_a_layer_without_its_samples(spikeglx, open_ephys, tmp_path, notifications):
    from napari_chronoviz.napari._reader import get_reader

    for path, name, shape in (
        (spikeglx, "NP2_2013_subset_channels.imec0.ap", (6000, 120)),
        (spikeglx.with_suffix(".bin"), "NP2_2013_subset_channels.imec0.ap", (6000, 120)),
        (open_ephys, "recording1", (4500, 384)),
    ):
        ((data, attributes, layer_type),) = get_reader(str(path))(str(path))
        info = attributes["metadata"]["chronoviz"]
        assert (layer_type, data.shape, attributes["name"]) == ("points", (0, 2), name)
        assert (info["path"], (info["n_samples"], info["n_channels"])) == (str(path), shape)
    assert notifications() == []  # no viewer: nothing to say


def test_other_meta_and_bin_files_are_left_to_other_readers_and_intan_files_say_what_to_do(tmp_path, notifications):
    from napari_chronoviz.napari._reader import get_reader

    (tmp_path / "camera.meta").write_text("exposure=10\n")
    (tmp_path / "headerless.bin").write_bytes(b"\x00" * 64)
    assert get_reader(str(tmp_path / "camera.meta")) is None and get_reader(str(tmp_path / "headerless.bin")) is None
    (tmp_path / "other.rhd").write_bytes(b"\x00" * 64)
    assert get_reader(str(tmp_path / "other.rhd")) is None
    assert notifications() == []
    (tmp_path / "run.rhd").write_bytes((0xC6912702).to_bytes(4, "little") + b"\x00" * 60)
    assert get_reader(str(tmp_path / "run.rhd"))(str(tmp_path / "run.rhd")) == []
    ((severity, message),) = notifications()
    assert severity == "error" and "open its amplifier.dat as headerless binary" in message
    (tmp_path / "structure.oebin").write_text("{}")
    assert get_reader(str(tmp_path / "structure.oebin")) is None
    ((severity, message),) = notifications()[1:]
    assert severity == "warning" and "lists no continuous streams" in message


def test_a_recording_layer_whose_file_is_gone_says_so_in_the_dock(make_napari_viewer, tmp_path, monkeypatch):
    from napari_chronoviz.testing import make_stamped_video

    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._widget.show_error", errors.append)
    monkeypatch.setattr("napari_chronoviz.io.timeseries.LAZY_BYTES", 1000)  # this .npy stays on disk
    np.save(tmp_path / "probe.npy", np.zeros((3000, 4), np.int16))
    viewer = make_napari_viewer()
    viewer.open(make_stamped_video(tmp_path / "clip.mp4", 30, fps=30), plugin="napari-chronoviz")
    (layer,) = viewer.open(tmp_path / "probe.npy", plugin="napari-chronoviz")
    assert len(layer.data) == 0 and layer.metadata["chronoviz"]["n_channels"] == 4
    (tmp_path / "probe.npy").unlink()
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.add_layers.clicked()
    assert dock.listed == [] and errors == [
        f"signal layer 'probe' was not added: its file {tmp_path / 'probe.npy'} is gone. Open the recording again "
        "(File > Open)."
    ]


def test_chronoviz_render_takes_channels_and_says_what_is_wrong_in_flags(spikeglx, tmp_path, monkeypatch, capsys):
    from napari_chronoviz.cli import main as chronoviz
    from napari_chronoviz.render import visualization
    from napari_chronoviz.testing import make_stamped_video

    scenes = []
    monkeypatch.setattr(visualization, "export_video", lambda video, scene, output, **_: scenes.append(scene) or output)
    video = str(make_stamped_video(tmp_path / "clip.mp4", 6, fps=30))
    arguments = ["render", video, "--signals", str(spikeglx), "-o", str(tmp_path / "out.mp4"), "--quiet"]
    assert chronoviz([*arguments, "--channels", "0-500"]) == 2
    error = capsys.readouterr().err
    assert "has no channel 500. It has 120 channels, 0-119" in error and "--channels 0-63" in error
    assert "channels=" not in error
    assert chronoviz([*arguments, "--rate", "30000"]) == 2
    error = capsys.readouterr().err
    assert "carries its own clock: 30000 Hz" in error and "leave --rate out" in error and "time column" not in error
    assert chronoviz([*arguments, "--channels", "0-7", "--align", "ratio", "--ratio", "1000"]) == 0
    (scene,) = scenes
    assert scene.traces[0].signal.names == read_timeseries(spikeglx).names[:8]


def test_a_shank_of_a_four_shank_probe_is_chosen_by_its_name(spikeglx):
    whole = read_timeseries(spikeglx)
    probe = probeinterface.read_spikeglx(spikeglx)
    shank_of = dict(zip(probe.device_channel_indices.tolist(), probe.shank_ids.tolist()))
    for shank in ("0", "1", "2", "3"):
        chosen = read_timeseries(spikeglx, channels=f"shank {shank}")
        columns = [column for column in whole.values.columns if shank_of[column] == shank]
        assert chosen.values.columns == tuple(columns) and chosen.channel_groups == {
            f"shank {shank}": tuple(range(len(columns)))
        }
    both = read_timeseries(spikeglx, channels="shank 3, shank 1")
    assert (
        both.names
        == read_timeseries(spikeglx, channels="shank 3").names + read_timeseries(spikeglx, channels="shank 1").names
    )
    with pytest.raises(SignalError, match=re.escape("or group (shank 0, shank 1, shank 2, shank 3)")):
        read_timeseries(spikeglx, channels="shank 4")
