"""Export from napari: the writer contribution rebuilds the composite from the layers' metadata, and the
dock widget's Export button writes it in the background."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import attach, open_video
from napari_chronoviz.napari._layers import Session
from napari_chronoviz.napari._widget import ChronovizWidget
from napari_chronoviz.testing import read_stamp


@pytest.fixture
def video_with_signal(make_napari_viewer, stamped_videos, tmp_path):
    viewer = make_napari_viewer()
    (layer,) = viewer.open(stamped_videos["constant_rate"], plugin="napari-chronoviz")
    pd.DataFrame({"signal": np.sin(np.arange(90) / 5)}).to_csv(tmp_path / "signal.csv", index=False)
    return viewer, layer, tmp_path / "signal.csv"


def test_writer_draws_what_create_visualization_draws(video_with_signal, stamped_videos, tmp_path, monkeypatch):
    """Same configuration, same geometry on every frame; and the file it writes is the full video."""
    import napari

    from napari_chronoviz import build_scene
    from napari_chronoviz.napari import _writer
    from napari_chronoviz.overlays.primitives import Polylines

    viewer, layer, signal = video_with_signal
    options = dict(window=(1.0, 1.0), layout="below", style={"plot_layout": "overlay"})
    session = attach(viewer, layer, signals=str(signal), **options)
    scenes = []
    real_export = _writer.export_video
    monkeypatch.setattr(
        _writer,
        "export_video",
        lambda video, scene, *a, **k: scenes.append(scene) or real_export(video, scene, *a, **k),
    )
    saved = napari.save_layers(
        str(tmp_path / "from_writer.mp4"), [layer, session.layers["overlay"]], plugin="napari-chronoviz"
    )
    assert saved == [str(tmp_path / "from_writer.mp4")]
    with open_video(stamped_videos["constant_rate"]) as video:
        expected = build_scene(video, signals=str(signal), **options)
    for frame in (0, 45, 89):
        ours, theirs = scenes[0].geometry(frame).of_type(Polylines), expected.geometry(frame).of_type(Polylines)
        for drawn, wanted in zip(ours[0].paths, theirs[0].paths, strict=True):
            np.testing.assert_array_equal(drawn, wanted)
    assert scenes[0].config == expected.config
    with open_video(saved[0]) as from_writer:
        x0, y0, x1, y1 = expected.layout.canvas_box  # the 120-row video and its panel, grown to hold its lane
        assert len(from_writer) == 90 and from_writer.shape[1:3] == (even(y1 - y0), x1 - x0) and y1 - y0 > 160
        assert read_stamp(from_writer[45][:120]) == 45


def test_writer_replaces_a_file_napari_asked_about_but_never_the_video(video_with_signal, stamped_videos, monkeypatch):
    """napari's save dialog asks before replacing a file, then calls the writer: it replaces it (as napari's own
    writers do). Saving over the video itself is refused, in the window's words, and the video is kept."""
    import napari

    shown = []
    monkeypatch.setattr("napari_chronoviz.napari._writer.show_error", shown.append)
    viewer, layer, signal = video_with_signal
    session = attach(viewer, layer, signals=str(signal))
    chosen = signal.with_name("chosen.mp4")
    chosen.write_bytes(b"an older export")
    saved = napari.save_layers(str(chosen), [layer, session.layers["overlay"]], plugin="napari-chronoviz")
    assert saved == [str(chosen)]
    with open_video(chosen) as written:
        assert len(written) == 90
    video = stamped_videos["constant_rate"]
    before = video.read_bytes()
    with pytest.warns(UserWarning, match="not a valid writer"):
        assert napari.save_layers(str(video), [layer, session.layers["overlay"]], plugin="napari-chronoviz") == []
    assert video.read_bytes() == before and "overwrite=True" not in shown[-1] and str(video.name) in shown[-1]


def test_writer_explains_in_memory_sources(video_with_signal, tmp_path, monkeypatch):
    import napari

    shown = []
    monkeypatch.setattr("napari_chronoviz.napari._writer.show_error", shown.append)
    viewer, layer, _ = video_with_signal
    session = attach(viewer, layer, signals=np.zeros(90))
    with pytest.warns(UserWarning, match="not a valid writer"):  # napari's words for any writer ValueError
        saved = napari.save_layers(
            str(tmp_path / "x.mp4"), [layer, session.layers["overlay"]], plugin="napari-chronoviz"
        )
    assert saved == [] and not list(tmp_path.glob("*.mp4"))
    assert "given in memory" in shown[-1] and "Export button" in shown[-1]
    assert not (tmp_path / "x.mp4").exists()


def test_widget_export_button(video_with_signal, tmp_path, qtbot):
    viewer, layer, signal = video_with_signal
    widget = ChronovizWidget(viewer)
    widget.kind.value, widget.file.value = "signals", signal
    widget.add.clicked()
    widget.export_file.value = tmp_path / "widget.mp4"
    worker = widget.start_export()
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        pass
    x0, y0, x1, y1 = Session.of(layer).scene.layout.canvas_box  # the video and the panel that holds its lane
    with open_video(tmp_path / "widget.mp4") as exported:
        assert len(exported) == 90 and exported.shape[1] == even(y1 - y0)


def even(pixels: float) -> int:
    """`pixels` rounded up to even: H.264 in 4:2:0 writes even sizes."""
    return int(pixels) + int(pixels) % 2


@pytest.fixture
def export_widget(video_with_signal):
    """The dock widget with the signal added to the video."""
    viewer, _, signal = video_with_signal
    widget = ChronovizWidget(viewer)
    widget.kind.value, widget.file.value = "signals", signal
    widget.add.clicked()
    return widget


def notified_export(widget, output, qtbot, cancel: bool = False) -> list:
    """Run the widget's Export (and its Cancel) to the end; the napari notifications it made."""
    from napari.utils.notifications import notification_manager

    widget.export_file.value = output
    shown = []
    notification_manager.notification_ready.connect(shown.append)
    try:
        worker = widget.start_export()
        if cancel:
            widget.cancel.clicked()  # before the first frame is written: the worker is still opening the video
        with qtbot.waitSignal(worker.finished, timeout=60_000):
            pass
    finally:
        notification_manager.notification_ready.disconnect(shown.append)
    return [(note.severity, note.message) for note in shown]


def test_cancelled_widget_export_is_an_info_and_leaves_nothing(export_widget, tmp_path, qtbot):
    """A cancel is the user's choice: no error notification, no exception in a Qt slot, no partial file."""
    from napari.utils.notifications import NotificationSeverity

    shown = notified_export(export_widget, tmp_path / "cancelled.mp4", qtbot, cancel=True)
    assert shown == [(NotificationSeverity.INFO, "Export cancelled; nothing was written.")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["signal.csv"]
    assert not export_widget.cancel.enabled


def test_an_export_the_dock_refuses_says_what_to_change_in_the_dock(export_widget, tmp_path, monkeypatch):
    """Words of the dock, not of the API or the command line (overwrite=True, --make-dirs); nothing written."""
    from napari_chronoviz.napari import _widget

    errors = []
    monkeypatch.setattr(_widget, "show_error", errors.append)
    (tmp_path / "taken.mp4").write_bytes(b"keep me")
    export_widget.export_file.value = tmp_path / "taken.mp4"
    assert export_widget.start_export() is None
    export_widget.export_file.value = tmp_path / "no folder" / "out.mp4"
    assert export_widget.start_export() is None
    assert errors == [
        f"{tmp_path / 'taken.mp4'} exists: tick 'overwrite' to replace it, or choose another name in 'export to'.",
        f"The folder {tmp_path / 'no folder'} does not exist: choose a file in an existing folder in 'export to'.",
    ]
    assert (tmp_path / "taken.mp4").read_bytes() == b"keep me" and not (tmp_path / "no folder").exists()


CANCEL_IN_A_QT_LOOP = """
import sys
from pathlib import Path

import napari
from napari.utils.notifications import notification_manager
from napari_chronoviz.napari._widget import ChronovizWidget

video, signal, output = map(Path, sys.argv[1:])
viewer = napari.Viewer(show=False)
viewer.open(video, plugin="napari-chronoviz")
widget = ChronovizWidget(viewer)
widget.kind.value, widget.file.value, widget.export_file.value = "signals", signal, output
widget.add.clicked()
app = napari.qt.get_qapp()
worker = widget.start_export()
worker.finished.connect(app.quit)
widget.cancel.clicked()
app.exec()
print([str(note.severity) for note in notification_manager.records])
"""


@pytest.mark.gui  # a viewer and a Qt loop in a subprocess
def test_cancelled_widget_export_in_a_qt_loop_without_napari_run(video_with_signal, stamped_videos, tmp_path):
    """Without `napari.run` no excepthook turns an exception escaping a Qt slot into a notification: Qt aborts."""
    _, _, signal = video_with_signal
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            CANCEL_IN_A_QT_LOOP,
            str(stamped_videos["constant_rate"]),
            str(signal),
            str(tmp_path / "cancelled.mp4"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stdout and "Traceback" not in run.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["signal.csv"]


def test_the_dock_saves_a_session_and_opens_it_again(video_with_signal, make_napari_viewer, tmp_path, monkeypatch):
    """Save session writes the video with its overlays' files and settings; Open session in a new viewer
    brings the same video and overlays back. Without a file chosen, each button says what to do."""
    from napari_chronoviz.napari import _widget

    errors = []
    monkeypatch.setattr(_widget, "show_error", errors.append)
    viewer, layer, signal = video_with_signal
    widget = ChronovizWidget(viewer)
    assert widget.save_session() is None and "Add signals" in errors[-1]
    attach(viewer, layer, signals=str(signal), window=(1.5, 0.5), style={"trail_length": 7})
    widget.video.value = layer.name
    assert widget.save_session() is None and "Choose the session file" in errors[-1]
    widget.session_file.value = tmp_path / "experiment.cvz"
    written = widget.save_session()
    assert written == tmp_path / "experiment.cvz" and written.is_file()
    saved_config = widget.session.scene.config

    fresh = make_napari_viewer()
    dock = ChronovizWidget(fresh)
    assert dock.open_session() is None and "existing session file" in errors[-1]
    dock.session_file.value = written
    (reopened,) = dock.open_session()
    session = dock.session
    assert session is not None and session.video_layer is reopened
    assert session.scene.config["window"] == saved_config["window"]
    assert session.scene.config["style"]["trail_length"] == 7
    assert session.scene.config["sources"]["signals"] == saved_config["sources"]["signals"]


def test_open_session_opens_sessions_only(video_with_signal, monkeypatch):
    """A table or a video chosen as the session file is not opened as a layer: the dock says what to choose."""
    errors = []
    monkeypatch.setattr("napari_chronoviz.napari._widget.show_error", errors.append)
    viewer, _, signal = video_with_signal
    widget = ChronovizWidget(viewer)
    widget.session_file.value = signal
    assert widget.open_session() is None and len(viewer.layers) == 1
    assert errors[-1] == "Choose an existing session file (.cvz, or an NWB session .nwb) to open."
