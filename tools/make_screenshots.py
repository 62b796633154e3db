"""Make the docs' pictures from the bundled samples: `make screenshots` (runs under Xvfb without a display).

napari screenshots with the overlays and the dock widget, at napari's default window (as a new user sees it, with
settings of its own so that a window size napari remembered is not used) and the docks opened as the Plugins menu
opens them; a short GIF exported by chronoviz itself, and one picture per alignment mode drawn by chronoviz's
rasterizer from real `align` results.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
SHOTS = {"flies": ("overlays.png", 1150), "mouse": ("mouse.png", 600)}  # sample -> (file, frame)


def main() -> int:
    # napari's settings of a fresh install: its default window, not the size napari remembered on this machine
    os.environ["NAPARI_CONFIG"] = str(Path(tempfile.mkdtemp()) / "settings.yaml")
    import napari

    IMAGES.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["labeling"]:  # only the labeling pictures
        make_labeling_screenshots()
        return 0
    if sys.argv[1:] == ["calibration"]:  # only the calibration picture
        make_calibration_screenshot()
        return 0
    if sys.argv[1:] == ["sync"]:  # only the sync dock's pictures
        make_sync_screenshots()
        return 0
    if sys.argv[1:] == ["nwb"]:  # only the NWB session's picture
        print(f"wrote {make_nwb_screenshot()}")
        return 0
    if sys.argv[1:] == ["layers"]:  # only the layers display's picture
        print(f"wrote {make_layers_screenshot()}")
        return 0
    if sys.argv[1:] == ["dense"]:  # only the dense lane's picture
        print(f"wrote {make_dense_screenshot()}")
        return 0
    for sample, (name, frame) in SHOTS.items():
        viewer = napari.Viewer()
        viewer.open_sample("napari-chronoviz", sample)
        viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")  # attaches the sample's overlays
        viewer.dims.set_current_step(0, frame)
        fit_view_when_settled(viewer)
        viewer.screenshot(IMAGES / name, canvas_only=False, flash=False)
        viewer.close()
        print(f"wrote {IMAGES / name}")
    make_gif()
    print(f"wrote {make_lanes_figure()}")
    print(f"wrote {make_cameras_figure()}")
    make_labeling_screenshots()
    make_calibration_screenshot()
    make_sync_screenshots()
    print(f"wrote {make_nwb_screenshot()}")
    print(f"wrote {make_layers_screenshot()}")
    print(f"wrote {make_dense_screenshot()}")
    from alignment_figures import make_alignment_figures

    for path in make_alignment_figures(IMAGES):
        print(f"wrote {path}")
    return 0


def fit_view_when_settled(viewer) -> None:
    """`napari_chronoviz.napari._layers.fit_view_when_settled`, imported once napari's settings are set (`main`)."""
    from napari_chronoviz.napari._layers import fit_view_when_settled as fit

    fit(viewer)


def make_gif() -> None:
    """30 frames (1.2 s) of the fly sample with its overlays, small, as exported by `create_visualization`."""
    from napari_chronoviz import create_visualization
    from napari_chronoviz.napari._sample_data import flies_sources, sample_path

    sources = flies_sources()
    written = create_visualization(
        sample_path("flies.mp4"),
        sources.pop("signals"),
        IMAGES / "flies.gif",
        start=1110,
        end=1140,
        scale=0.3,
        overwrite=True,
        progress=False,
        **sources,
    )
    print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB)")


def make_lanes_figure() -> Path:
    """The plot panel with line, heatmap and raster lanes and the overview, as the export draws it (frame 600)."""
    import imageio.v3 as iio
    import numpy as np

    from napari_chronoviz import build_scene, open_video, sample_file
    from napari_chronoviz.render.raster import draw

    with open_video(sample_file("flies.mp4")) as video:
        seconds = video.frame_times
        rois = np.sin(seconds[:, None] * np.arange(1, 33) / 4) + np.random.default_rng(0).normal(
            0, 0.2, (len(seconds), 32)
        )
        units = {f"unit {i}": np.sort(np.random.default_rng(i).uniform(0, seconds[-1], 300)) for i in range(12)}
        scene = build_scene(
            video,
            signals=[sample_file("flies_signals.csv"), rois],
            spikes=units,
            window=(2, 2),
            events=sample_file("flies_events.csv"),
            intervals=sample_file("flies_intervals.csv"),
            layout={"position": "below", "size": 640},
            style={"heatmaps": [1], "colormap": "cividis", "overview": True},
        )
    box = scene.layout.panel_box
    panel = np.zeros((int(box[3] - box[1]), int(box[2] - box[0]), 3), np.uint8)
    draw(panel, scene.panel_geometry(1150), origin=box[:2])
    path = IMAGES / "panel_lanes.png"
    iio.imwrite(path, panel)
    return path


def make_cameras_figure() -> Path:
    """Two samples as two cameras in one export (each with its pose, scaled to one height, the flies' signals
    below): frame 300 of the exported file, read back."""
    import imageio.v3 as iio

    from napari_chronoviz import create_visualization, open_video, sample_file

    with tempfile.TemporaryDirectory() as folder:
        written = create_visualization(
            [sample_file("flies.mp4"), sample_file("mouse.mp4")],
            sample_file("flies_signals.csv"),
            Path(folder) / "cameras.mp4",
            pose=[sample_file("flies.analysis.h5"), sample_file("mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")],
            tiles={"height": 360},
            style={"timestamp": "time"},
            start=300,
            end=301,
            progress=False,
        )
        with open_video(written) as video:
            path = IMAGES / "cameras.png"
            iio.imwrite(path, video[0])
    return path


def make_layers_screenshot() -> Path:
    """The fly sample in the "layers" display, zoomed on the plot panel, the pointer on a trace's value at the
    cursor: napari's status bar shows its frame, time, channel, value and unit."""
    import napari
    import numpy as np
    from qtpy.QtWidgets import QApplication

    from napari_chronoviz.napari._layers import Session

    viewer = napari.Viewer()
    (video,) = viewer.open_sample("napari-chronoviz", "flies")
    overlays, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")  # attaches the sample's
    dock.display.value = "layers"
    overlays.hide()  # the canvas gets the room
    viewer.dims.set_current_step(0, 1150)
    session = Session.of(video)
    x0, y0, x1, y1 = session.scene.layout.panel_box
    QApplication.processEvents()
    camera = viewer.scene.camera
    camera.center, camera.zoom = ((y0 + y1) / 2, (x0 + x1) / 2), viewer.canvas.size[-1] / (x1 - x0) * 0.98
    values = session.layers["values"]
    viewer.layers.selection.active = values
    shown = values.data[values.data[:, 0] == 1150]  # the points shown at this frame
    viewer.mouse_over_canvas = True
    viewer.cursor.position = shown[np.argsort(shown[:, 1])[1]]  # on the second lane's value
    QApplication.processEvents()
    viewer.update_status_from_cursor()  # as a mouse move over the canvas would: the status bar shows the value
    QApplication.processEvents()
    path = IMAGES / "layers_display.png"
    viewer.screenshot(path, canvas_only=False, flash=False)
    viewer.close()
    return path


def make_labeling_screenshots() -> None:
    """The fly sample labeled with the keyboard in the "Label behaviors" dock: the window, and the dock alone."""
    import napari
    from qtpy.QtCore import Qt
    from qtpy.QtTest import QTest

    from napari_chronoviz.napari._qt_dims_0_6_to_0_9 import qt_viewer_of

    viewer = napari.Viewer()
    viewer.open_sample("napari-chronoviz", "flies")
    overlays, _ = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")  # attaches the sample's
    viewer.window.remove_dock_widget(overlays)  # the overlays stay; the picture shows the labeling dock
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Label behaviors")
    canvas = qt_viewer_of(viewer).canvas.native
    with tempfile.TemporaryDirectory() as folder:
        dock.autosave_file.value = Path(folder) / "flies.chronoviz-labels.tsv"  # not beside the package's sample
        labeler = dock.start_labeling()
        for frame, key in ((1102, Qt.Key_C), (1118, Qt.Key_W), (1131, Qt.Key_A), (1150, Qt.Key_A)):
            labeler.go_to(frame)
            QTest.keyClick(canvas, key)  # as the user presses it over the video
        labeler.go_to(1160)
        QTest.keyClick(canvas, Qt.Key_C)  # a bout still open: it runs to the frame shown
        labeler.go_to(1172)
        courting = next(i for i, bout in enumerate(labeler.labeling.bouts) if bout.label == "courting")
        dock.bout_list.setCurrentRow(courting)
        dock.note.value = "male follows, wing out"
        dock.note.native.editingFinished.emit()
        labeler.go_to(1172)
        fit_view_when_settled(viewer)
        viewer.screenshot(IMAGES / "labeling.png", canvas_only=False, flash=False)
        dock.native.widget().grab().save(str(IMAGES / "labeling-dock.png"))  # all of it, not the part scrolled to
        labeler.stop()
    viewer.close()
    print(f"wrote {IMAGES / 'labeling.png'} and {IMAGES / 'labeling-dock.png'}")


def make_calibration_screenshot() -> None:
    """The mouse sample calibrated in the Overlays dock from the open field's four corners (taken as 50 x 35 cm):
    the clicked corners, the scale bar and the snout's speed in cm/s."""
    import napari
    import numpy as np

    from napari_chronoviz import sample_file
    from napari_chronoviz.napari._calibration import POINTS_LAYER
    from napari_chronoviz.napari._sample_data import MOUSE_POSE

    viewer = napari.Viewer()
    viewer.open(sample_file("mouse.mp4"), plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.cutoff.value, dock.trail_length.value = 0.6, 30
    dock.kind.value, dock.file.value = "pose", sample_file(MOUSE_POSE)
    dock.add.clicked()
    controls = dock.calibrate
    controls.method.value = "four corners"
    controls.place.clicked()  # as the user presses Calibrate… and clicks the corners
    viewer.layers[POINTS_LAYER].add(np.array([[55, 20], [58, 612], [458, 606], [455, 18]], dtype=float))
    controls.arena_width.value, controls.arena_height.value = 50.0, 35.0
    controls.apply_button.clicked()
    controls.pose_speed.value = "snout"
    viewer.layers.selection.active = viewer.layers[POINTS_LAYER]
    viewer.layers[POINTS_LAYER].mode = "pan_zoom"
    viewer.dims.set_current_step(0, 600)
    fit_view_when_settled(viewer)
    viewer.screenshot(IMAGES / "calibration.png", canvas_only=False, flash=False)
    viewer.close()
    print(f"wrote {IMAGES / 'calibration.png'}")


def make_sync_screenshots() -> None:
    """The "Sync to rig" dock on the mouse sample with a painted sync LED (random pulses 0.5-1.5 s apart, the
    rig's clock 12.5 s ahead and 95 ppm fast, three frames lost, 5% of the pulses missing on the rig): the
    window at a lost frame, at napari's default size (the dock scrolled to the fit, as it does), and the dock alone."""
    import tempfile

    import napari
    import numpy as np
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    from napari_chronoviz import sample_file
    from napari_chronoviz.testing import make_sync_video

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        recording = make_sync_video(
            folder / "openfield_led.mp4",
            source=sample_file("mouse.mp4"),
            n_frames=2327,
            offset=12.5,
            drift_ppm=95,
            dropped=(400, 1234, 2000),
            led=(600, 20, 24, 24),
            seed=5,
        )
        onsets = np.delete(recording.rig_onsets, np.random.default_rng(2).choice(len(recording.rig_onsets), 4))
        (folder / "ttl_onsets.csv").write_text("time\n" + "\n".join(f"{time:.6f}" for time in onsets))
        viewer = napari.Viewer()
        (video,) = viewer.open(recording.path, plugin="napari-chronoviz")
        _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Sync to rig")
        region = dock.add_region_layer()  # as the user presses "Draw the LED region" and drags over the LED
        region.add_rectangles(np.array([[20, 600], [43, 623]], dtype=float))
        region.mode = "pan_zoom"
        viewer.layers.selection.active = video
        dock.pulses.value = folder / "ttl_onsets.csv"
        dock.match_and_fit()
        dock.drop_list.setCurrentRow(1)  # goes to the frame after the second lost one
        dock.clock_file.value = folder / "clock.json"
        QApplication.processEvents()
        viewer.reset_view()
        QApplication.processEvents()
        viewer.screenshot(IMAGES / "sync.png", canvas_only=False, flash=False)
        dock.options_group.expand(animate=False)  # the dock alone shows every control
        QTest.qWait(200)  # the dock lays its controls out again
        dock.native.widget().grab().save(str(IMAGES / "sync-dock.png"))
        viewer.close()
    print(f"wrote {IMAGES / 'sync.png'} and {IMAGES / 'sync-dock.png'}")


def make_nwb_screenshot() -> Path:
    """The fly sample's NWB session opened with File > Open, the Overlays dock from the Plugins menu listing the
    session's parts, at napari's default window."""
    import napari

    from napari_chronoviz import sample_file

    viewer = napari.Viewer()
    viewer.open(sample_file("flies.nwb"), plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")  # attaches the session
    dock.kind.value, dock.file.value = "signals", sample_file("flies.nwb")  # the session's series to choose from
    return _screenshot(viewer, 1150, "nwb_session.png")


def _screenshot(viewer, frame: int, name: str) -> Path:
    """The whole window at `frame`, the view fitted once the docks took their width, written to docs/images/`name`;
    the viewer is closed."""
    viewer.dims.set_current_step(0, frame)
    fit_view_when_settled(viewer)
    path = IMAGES / name
    viewer.screenshot(path, canvas_only=False, flash=False)
    viewer.close()
    return path


def make_dense_screenshot() -> Path:
    """A 32-channel probe recording (synthetic: waves travelling down the probe, noise and a few sharp events, 2 kHz
    int16, kept on disk) under the mouse sample, added with the Overlays dock from the Plugins menu and drawn as a
    dense lane through the dock's 'dense signals', at napari's default window."""
    import napari
    import numpy as np

    from napari_chronoviz import open_video, sample_file

    video = sample_file("mouse.mp4")
    with open_video(video) as source:
        seconds = float(source.frame_times[-1]) + 1
    rate, channels = 2000, 32
    times = np.arange(int(seconds * rate))[:, None] / rate
    rng = np.random.default_rng(7)
    depth = np.arange(channels)[None, :] / channels
    waves = 120 * np.sin(2 * np.pi * (4 * times - 1.5 * depth)) * (0.6 + 0.4 * np.sin(2 * np.pi * times / 9))
    events = np.zeros_like(times[:, 0])
    events[rng.integers(0, len(times), int(seconds / 3))] = 1
    sharp = (
        np.convolve(events, np.exp(-np.arange(120) / 25), mode="same")[:, None]
        * -400
        * np.exp(-((depth - 0.6) ** 2) / 0.02)
    )
    values = waves + sharp + rng.normal(0, 8, (len(times), channels))
    folder = Path(tempfile.mkdtemp())
    np.save(folder / "probe.npy", np.round(values).astype(np.int16))
    viewer = napari.Viewer()
    viewer.open(video, plugin="napari-chronoviz")
    _, dock = viewer.window.add_plugin_dock_widget("napari-chronoviz", "Overlays")
    dock.collapsibles["Add or edit a source"].collapse(animate=False)  # the picture's controls in sight
    dock.kind.value, dock.file.value, dock.rate.value = "signals", folder / "probe.npy", float(rate)
    dock.add.clicked()
    dock.collapsibles["Plot window and panel"].expand(animate=False)
    dock.dense_signals.value = "probe"
    dock.dense_signals.native.editingFinished.emit()
    dock.panel_size.value = 400
    dock.left.value = dock.right.value = 0.5
    return _screenshot(viewer, 600, "dense_lane.png")


if __name__ == "__main__":
    sys.exit(main())
