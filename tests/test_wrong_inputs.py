"""Files given where another kind of file is expected, and options out of range: each refused before anything is
read or written, saying what the file is and what to choose, in the words of the interface in use."""

from __future__ import annotations

import pytest

from napari_chronoviz import read_events, read_intervals, sample_file
from napari_chronoviz.errors import FrameTimesError, LabelError, SignalError, SyncError, in_words
from napari_chronoviz.io.timeseries import read_timeseries
from napari_chronoviz.io.timestamps import read_frame_times
from napari_chronoviz.sync.pulses import read_pulses

MOUSE_VIDEO = sample_file("mouse.mp4")
MOUSE_POSE = sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")
FLIES_NWB = sample_file("flies.nwb")


@pytest.mark.parametrize(
    ("read", "error", "expected"),
    [
        (read_events, LabelError, "choose an events table"),
        (read_intervals, LabelError, "choose an intervals table"),
        (read_frame_times, FrameTimesError, "choose a frame times file"),
        (read_pulses, SyncError, "choose the rig's pulses"),
    ],
)
@pytest.mark.parametrize(("path", "kind"), [(MOUSE_VIDEO, "a video"), (MOUSE_POSE, "an HDF5 (NWB?) file")])
def test_a_binary_file_where_a_table_is_expected_says_what_it_is(tmp_path, read, error, expected, path, kind):
    """The trial: a video or an HDF5 file given as events, frame times or rig pulses said "ragged rows". A frame
    times or pulses file of any name is read as text, so the same file copied to a .csv must be recognised too."""
    for given in (path, tmp_path / f"{path.stem}.csv"):
        if given != path:
            given.write_bytes(path.read_bytes())
        elif read is read_pulses and path.suffix == ".h5":  # an HDF5 recording is a sampled sync line to read_pulses
            continue
        with pytest.raises(error) as raised:
            read(given)
        message = str(raised.value)
        assert f"{given.name} is {kind}, not a text table: {expected}" in message and "ragged" not in message


def test_an_nwb_file_added_as_events_says_it_is_hdf5(tmp_path):
    with pytest.raises(LabelError, match=r"flies\.nwb is an HDF5 \(NWB\?\) file, not a text table: choose an events"):
        read_events(FLIES_NWB)
    signal_named_csv = tmp_path / "signal.csv"
    signal_named_csv.write_bytes(FLIES_NWB.read_bytes())
    with pytest.raises(SignalError, match=r"signal\.csv is an HDF5 \(NWB\?\) file, not a text table: choose a time"):
        read_timeseries(signal_named_csv)


def test_a_signal_table_is_refused_as_events_and_intervals_naming_its_column():
    """The trial: a speed signal (time, speed; 2330 rows) added as events gave 2330 events named "event"."""
    signal = sample_file("flies_signals.csv")
    for read in (read_events, read_intervals):
        with pytest.raises(LabelError) as raised:
            read(signal)
        assert "looks like a signal, not labels" in str(raised.value)
        assert "'female speed (px/s)' over 'time'" in str(raised.value)
        assert "signals=PATH" in str(raised.value) and "--signals" in in_words(raised.value, "cli")
        assert "'add as'" in in_words(raised.value, "dock")
    assert read_events(sample_file("flies_events.csv")).kinds[0] == "male sprint"  # real events still read


def test_labels_without_label_column_are_still_read(tmp_path):
    import numpy as np
    import pandas as pd

    trials = tmp_path / "trials.csv"
    pd.DataFrame({"start": np.arange(200.0), "end": np.arange(200.0) + 0.5}).to_csv(trials, index=False)
    assert len(read_intervals(trials).starts) == 200
    pokes = tmp_path / "pokes.csv"
    pd.DataFrame({"time": np.arange(20.0), "trial": np.arange(20)}).to_csv(pokes, index=False)
    assert read_events(pokes).kinds == ("event",) * 20


def test_the_overlays_dock_gives_each_wrong_file_the_advice_of_its_cause(make_napari_viewer, tmp_path, monkeypatch):
    """The trial: every Add error ended with one tail per kind ("a binary recording (.bin, .dat) needs its
    dtype..." for a video added as a signal, "choose its alignment" for a table that is no DeepLabCut CSV, "check the
    time unit" for intervals without an end column) and a .bin's message listed the Python and CLI words too."""
    from napari_chronoviz.napari import _widget

    errors, warnings = [], []
    monkeypatch.setattr(_widget, "show_error", errors.append)
    monkeypatch.setattr(_widget, "show_warning", warnings.append)
    recording = tmp_path / "rec.bin"
    recording.write_bytes(bytes(4 * 2 * 3000))
    viewer = make_napari_viewer()
    viewer.open(MOUSE_VIDEO, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    cases = [
        ("signals", MOUSE_VIDEO, "mouse.mp4 is a video, not a time series: open it in napari (File > Open)"),
        ("pose", sample_file("flies_signals.csv"), "is not a DeepLabCut CSV"),
        ("intervals", sample_file("flies_events.csv"), "looks like events. Add it as events (choose 'events' in"),
        ("events", sample_file("flies_signals.csv"), "choose 'signal' in 'add as'"),
        ("events", FLIES_NWB, "flies.nwb is an HDF5 (NWB?) file, not a text table: choose an events table"),
        ("signals", recording, "'binary dtype', 'binary channels' and 'rate (Hz)' in the form"),
    ]
    for kind, path, expected in cases:
        dock.kind.value, dock.file.value = kind, path
        dock.add.clicked()
        message = errors[-1]
        assert expected in message, message
        for misfit in ("binary recording (.bin", "choose its alignment", "check the time unit", "SourceSpec", "--"):
            assert misfit not in message, message
        assert "*" not in message and "`" not in message
    assert dock.listed == []


def test_a_sleap_file_added_as_a_signal_says_to_add_it_as_pose(shared_data):
    slp = shared_data / "sleap_flies" / "clip.slp"
    with pytest.raises(SignalError) as raised:
        read_timeseries(slp)
    assert "clip.slp is a pose file, not a time series: pass it as pose=PATH" in str(raised.value)
    assert "give it to --pose" in in_words(raised.value, "cli")
    assert "choose 'pose' in 'add as'" in in_words(raised.value, "dock")


def test_the_ratio_advice_reads_well_in_every_interface(tmp_path):
    """The trial: the dock said "(or rows per frame N per frame)"."""
    import numpy as np
    import pandas as pd

    from napari_chronoviz import open_video
    from napari_chronoviz.errors import AlignmentError
    from napari_chronoviz.overlays.scene import build_scene

    path = tmp_path / "photometry.csv"
    pd.DataFrame({"dff": np.arange(5000.0)}).to_csv(path, index=False)
    with pytest.raises(AlignmentError) as raised:
        build_scene(open_video(MOUSE_VIDEO), signals=path)
    words = {interface: in_words(raised.value, interface) for interface in ("python", "cli", "dock")}
    assert "(or N samples per frame: ratio=N)" in words["python"]
    assert "(or N samples per frame: --ratio N)" in words["cli"]
    assert "(or N samples per frame: rows per frame N)" in words["dock"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--crop", "0", "0", "10000", "10"], "is not inside the canvas, which is 640x480 pixels"),
        (["--fps", "0"], "a positive number of frames per second, not 0.0: set --fps RATE above 0"),
        (["--window", "-1", "2"], "each side must be 0 or more"),
        (["--start", "100", "--end", "50"], "(100) must come before the end (50, the frame after the last): set --st"),
        (["--option", "tune=nonsense"], "The libx264 encoder refused its options ("),
    ],
)
def test_render_flags_out_of_range_are_refused_in_the_flags_words(tmp_path, capsys, flags, expected):
    """The trial: --crop outside the canvas wrote a 10000x10 video, --fps 0 and --window -1 2 were accepted,
    --start after --end said the range is not inside the video, and a bad --option value blamed the GPU."""
    from napari_chronoviz.cli import main

    output = tmp_path / "out.mp4"
    assert main(["render", str(MOUSE_VIDEO), "-o", str(output), "--end", "30", "--quiet", *flags]) == 2
    error = capsys.readouterr().err
    assert expected in error, error
    assert "Hardware encoders" not in error and "=(" not in error and not output.exists()


def test_the_api_refuses_the_same_options_in_its_arguments_words(tmp_path):
    from napari_chronoviz import create_visualization
    from napari_chronoviz.errors import ChronovizError, ExportError

    output = tmp_path / "out.mp4"
    refused = [
        ({"crop": (0, 0, 10000, 10)}, ExportError, r"set crop=\(x0, y0, x1, y1\)"),
        ({"fps": 0}, ExportError, "set fps=RATE above 0"),
        ({"window": (-1, 2)}, ChronovizError, r"set window=\(left, right\)"),
        ({"start": 100, "end": 50}, ExportError, "set start= and end="),
        ({"options": {"tune": "nonsense"}, "end": 5}, ExportError, r"one of tune=nonsense.*options=\{...\}"),
    ]
    for options, error, message in refused:
        with pytest.raises(error, match=message):
            create_visualization(MOUSE_VIDEO, output=output, progress=False, **options)
        assert not output.exists()


def test_the_cli_refuses_a_signal_table_given_as_events(tmp_path, capsys):
    from napari_chronoviz.cli import main

    output = tmp_path / "out.mp4"
    signal = str(sample_file("flies_signals.csv"))
    assert main(["render", str(MOUSE_VIDEO), "--events", signal, "-o", str(output), "--end", "5", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "looks like a signal, not labels" in error and "give it to --signals" in error and not output.exists()


def test_dock_messages_carry_no_code_marks():
    message = LabelError("Reading x.parquet needs pyarrow: `pip install pyarrow`.")
    assert in_words(message, "dock") == "Reading x.parquet needs pyarrow: pip install pyarrow."
    assert "`pip install pyarrow`" in in_words(message, "cli")
