"""The plot panel's axes, labels, lanes and overview: geometry checked against the data, and drawn pixels."""

import datetime
import string
from types import SimpleNamespace

import cv2
import numpy as np
import pandas as pd
import pytest

from napari_chronoviz import ChronovizError, build_scene
from napari_chronoviz.io.spikes import read_spikes
from napari_chronoviz.overlays.primitives import (
    Clip,
    Geometry,
    Image,
    Points,
    Polylines,
    Rectangles,
    Segments,
    Texts,
    text_thickness,
    text_width,
)
from napari_chronoviz.overlays.style import colormap_table, palette
from napari_chronoviz.render.raster import FONT, FONT_PIXELS_AT_SCALE_1, draw


def fake_video(n_frames, fps=30.0, width=640, height=480):
    return SimpleNamespace(frame_times=np.arange(n_frames) / fps, shape=(n_frames, height, width, 3))


def texts_of(geometry) -> list[tuple[str, np.ndarray, float, str]]:
    """(string, anchor position, size, anchor) of every text drawn."""
    return [
        (string_, position, item.size, item.anchor)
        for item in geometry.of_type(Texts)
        for string_, position in zip(item.strings, item.positions)
    ]


def drawn_box(text: str, position, size: float, anchor: str) -> np.ndarray:
    """The pixels (x0, y0, x1, y1) the rasterizer covers with `text`, measured by OpenCV itself."""
    scale = size / FONT_PIXELS_AT_SCALE_1
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, text_thickness(size))
    x = position[0] - {"left": 0, "right": width, "center": width / 2}[anchor]
    return np.array([x, position[1] - height, x + width, position[1] + baseline])


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_text_width_is_never_less_than_drawn_and_close_to_it():
    rng = np.random.default_rng(3)
    characters = np.array(list(string.printable[:95]))
    for size in np.arange(7, 48, 0.5):
        for _ in range(40):
            text = "".join(rng.choice(characters, rng.integers(1, 30)))
            drawn = cv2.getTextSize(text, FONT, size / FONT_PIXELS_AT_SCALE_1, text_thickness(size))[0][0]
            assert drawn <= text_width(text, size) <= drawn * 1.4 + 5


@pytest.mark.parametrize(
    ("window", "ticks", "labels"),
    [
        ((2, 2), [-2, -1, 0, 1, 2], ["-2", "-1", "0", "1", "2 s"]),
        ((1.5, 0.5), [-1.5, -1, -0.5, 0, 0.5], ["-1.5", "-1.0", "-0.5", "0.0", "0.5 s"]),
        ((30, 30), [-30, -20, -10, 0, 10, 20, 30], ["-30", "-20", "-10", "0", "10", "20", "30 s"]),
    ],
)
def test_time_ticks_sit_at_round_seconds_from_now(window, ticks, labels):
    scene = build_scene(fake_video(3000), signals=np.zeros(3000), window=window)
    plot, box = scene.plot, scene.layout.panel_box
    lane = plot.lane_boxes(box)[0]
    offsets, written = plot.time_ticks(50.0, lane[2] - lane[0])
    np.testing.assert_allclose(offsets, ticks)
    assert written == labels
    geometry = scene.panel_geometry(1500)
    expected_x = lane[0] + (np.array(ticks) + window[0]) / sum(window) * (lane[2] - lane[0])
    axes = [
        item
        for item in geometry.of_type(Segments)
        if np.allclose(item.starts[0], lane[[0, 3]]) and np.allclose(item.ends[0], lane[[2, 3]])
    ]
    assert len(axes) == 1  # the baseline under the lane, then a tick per round second, then the y scale
    marks = slice(1, 1 + len(ticks))
    # ticks ride the scrolled strip, whose whole-pixel steps put them within half a pixel of the exact time
    np.testing.assert_allclose(axes[0].starts[marks, 0], expected_x, atol=0.5)
    assert (axes[0].starts[marks, 1] == lane[3]).all() and (axes[0].ends[marks, 1] == lane[3] + 4).all()
    drawn = {text: (position, size) for text, position, size, anchor in texts_of(geometry) if anchor == "center"}
    assert set(drawn) == set(labels)
    for text, x in zip(labels[1:-1], expected_x[1:-1]):  # inner labels centred on their tick
        assert drawn[text][0][0] == pytest.approx(x, abs=0.5)
    (x, _), size = drawn[labels[-1]]
    assert x + text_width(labels[-1], size) / 2 <= box[2]  # the last one kept inside the panel


def test_an_absolute_time_axis_counts_on_the_videos_clock():
    scene = build_scene(fake_video(3000), signals=np.zeros(3000), window=(2, 2), style={"time_axis": "absolute"})
    lane = scene.plot.lane_boxes(scene.layout.panel_box)[0]
    offsets, labels = scene.plot.time_ticks(45.5, lane[2] - lane[0])
    np.testing.assert_allclose(offsets, [-1.5, -0.5, 0.5, 1.5])
    assert labels == ["44", "45", "46", "47 s"]
    offsets, labels = scene.plot.time_ticks(75.0, lane[2] - lane[0])
    assert labels == ["1:13", "1:14", "1:15", "1:16", "1:17"]


LAYOUTS = ["stacked", "overlay", "dense", "grid"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ratio", [1, 4])
def test_the_cursor_sits_on_the_aligned_sample_in_every_layout(layout, ratio):
    n = 300
    values = np.arange(n * ratio)[:, None] * [1.0, -2.0, 0.5] + [0, 0, 1000]  # each channel: a line in its sample
    scene = build_scene(fake_video(n), signals=values, window=(1.0, 0.5), style={"plot_layout": layout})
    plot, box = scene.plot, scene.layout.panel_box
    lanes = plot.lane_boxes(box)
    for frame in (0, 7, 150, n - 1):
        geometry = scene.panel_geometry(frame)
        sample, time = scene.traces[0].alignment.positions[frame], scene.frame_times[frame]
        cursor = geometry.of_type(Segments)[-1]
        xs = plot.cursor_x(lanes, time)
        assert set(np.round(cursor.starts[:, 0], 6)) == set(np.round(xs, 6))
        nominal = lanes[:, 0] + 1.0 / 1.5 * (lanes[:, 2] - lanes[:, 0])  # 1 s of the 1.5 s window from the left
        assert np.abs(xs - nominal).max() <= 0.5  # the scroll moves whole pixels: the cursor is within 1/2 of it
        dots = geometry.of_type(Points)[0]
        paths = [path for lines in geometry.of_type(Polylines) for path in lines.paths]  # grid: one per column
        for index, (channel, lane) in enumerate(zip(plot.channels, lanes)):
            expected = values[int(sample), index]
            y = plot.y_of(channel, expected, lane, frame)
            assert dots.positions[index] == pytest.approx([plot.cursor_x(lane, time), y])
            path = paths[index]
            assert np.interp(plot.cursor_x(lane, time), path[:, 0], path[:, 1]) == pytest.approx(y, abs=1e-6)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_text_is_drawn_over_the_traces(layout):
    rng = np.random.default_rng(0)
    signals = pd.DataFrame(rng.random((300, 4)), columns=["speed (cm/s)", "dF/F", "heading [deg]", "x"])
    events = pd.DataFrame({"time": np.linspace(4, 6, 12), "kind": ["lick", "reward", "tone"] * 4})
    intervals = pd.DataFrame({"start": [3.0, 5.5], "end": [5.5, 8.0], "label": ["rest", "run"]})
    scene = build_scene(
        fake_video(300),
        signals=signals,
        events=events,
        intervals=intervals,
        window=(1, 1),
        style={"plot_layout": layout, "overview": True},
    )
    geometry = scene.panel_geometry(150)
    texts = Geometry([item for item in geometry.items if isinstance(item, Texts)])
    x0, y0, x1, y1 = scene.layout.canvas_box
    canvas = np.zeros((int(y1 - y0), int(x1 - x0)), np.uint8)
    draw(canvas, texts, origin=(x0, y0), plane="y")  # luma 16 where nothing is written
    written = canvas > 16
    for lane in scene.plot.placement(scene.layout.panel_box).lanes:
        a, b, c, d = (lane - [x0, y0, x0, y0]).astype(int)
        assert not written[b:d, a:c].any(), f"text over the lane {lane}"
    strings = [text for text, *_ in texts_of(geometry)]
    names = ["speed", "dF/F", "heading", "x"]
    assert all(any(text.startswith(name) for text in strings) for name in names)  # in the gutter
    assert any("cm/s" in text for text in strings) and any("deg" in text for text in strings)  # with the units


def test_event_labels_never_overlap():
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0, 10, 80))
    kinds = list(rng.choice(["male sprint", "lick", "female turn", "x"], len(times)))
    scene = build_scene(
        fake_video(300), signals=np.zeros(300), events=pd.DataFrame({"time": times, "kind": kinds}), window=(2, 2)
    )
    strip = scene.plot.placement(scene.layout.panel_box).event_strip
    for frame in range(0, 300, 7):
        labels = [
            (text, position, size, anchor)
            for text, position, size, anchor in texts_of(scene.panel_geometry(frame))
            if strip[1] <= position[1] <= strip[3] and text in kinds
        ]
        clips = scene.panel_geometry(frame).of_type(Clip)  # labels scroll out of sight, cut at the clip's edges
        boxes = [drawn_box(*label) for label in labels]
        boxes = [box for box in boxes if any(clip.box[0] < box[2] and box[0] < clip.box[2] for clip in clips)]
        assert boxes, frame
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not overlaps(a, b), (frame, labels)


def test_window_ylimits_follow_a_step_smoothly():
    n = 900  # 30 s at 30 fps; the signal steps from 0 to 100 at 15 s
    t = np.arange(n) / 30
    values = np.where(t < 15, 0.0, 100.0) + np.sin(t * 7)
    scene = build_scene(fake_video(n), signals=values, window=(1, 1), style={"ylim": "window"})
    channel = scene.plot.channels[0]
    low, high = channel.limits(np.arange(n))
    assert high[300] < 5 and low[300] > -5  # at 10 s: only the low level, scaled to its wiggle
    assert low[600] > 95 and high[600] < 105  # at 20 s: only the high level
    assert low[450] < 1 and high[450] > 99  # at the step: both
    starts, stops = scene.traces[0].alignment.window_bounds(scene.frame_times, 1, 1)
    for frame in range(n):  # every sample of every window stays inside the lane
        window = values[starts[frame] : stops[frame]]
        assert low[frame] <= window.min() and window.max() <= high[frame]
    assert np.abs(np.diff(high)).max() < 30 and np.abs(np.diff(low)).max() < 30  # glides, does not jump by 100
    lane = scene.plot.lane_boxes(scene.layout.panel_box)[0]
    path = scene.panel_geometry(600).of_type(Polylines)[0].paths[0]
    assert np.ptp(path[:, 1]) > 0.5 * (lane[3] - lane[1])  # the wiggle fills the lane


def test_the_grid_lanes_each_get_a_cursor_and_a_time_axis():
    scene = build_scene(
        fake_video(300),
        signals=np.random.default_rng(0).random((300, 4)),
        window=(1.5, 0.5),
        style={"plot_layout": "grid"},
    )
    place = scene.plot.placement(scene.layout.panel_box)
    assert len(place.columns) == 2
    labels = [text for text, *_ in texts_of(scene.panel_geometry(150))]
    assert labels.count("0.5 s") == 2 and labels.count("-1.0") == 2  # each column its own time axis


def test_a_timestamp_is_burned_into_the_video_corner():
    scene = build_scene(fake_video(300), signals=np.zeros(300), style={"timestamp": "time+frame"})
    texts = scene.video_geometry(45).of_type(Texts)
    assert texts[0].strings == ["1.500 s  frame 45"]
    assert (texts[0].positions[0] < [320, 60]).all()  # top-left of the 640 x 480 video
    corner = build_scene(fake_video(300), signals=np.zeros(300), layout="top-left", style={"timestamp": "frame"})
    assert corner.video_geometry(45).of_type(Texts)[0].positions[0, 0] > 320  # out of the panel's way
    assert not build_scene(fake_video(300), signals=np.zeros(300)).video_geometry(45).items


def test_a_timestamp_counts_from_the_first_frame_and_shows_the_clock_on_request():
    epoch = SimpleNamespace(frame_times=1_769_000_000.0 + np.arange(300) / 30, shape=(300, 480, 640, 3))
    shown = {
        kind: build_scene(epoch, style={"timestamp": kind}).video_geometry(45).of_type(Texts)[0].strings[0]
        for kind in ("time", "clock+frame")
    }
    assert shown == {"time": "1.500 s", "clock+frame": "1769000001.500 s  frame 45"}


def test_the_palette_is_okabe_ito():
    np.testing.assert_allclose(palette(3)[:, :3] * 255, [[86, 180, 233], [230, 159, 0], [0, 158, 115]])


# --- heatmap and raster lanes, overview ---------------------------------------------------------------------


def test_a_heatmap_cell_has_the_colormap_color_of_its_value():
    n, channels = 300, 16
    rng = np.random.default_rng(2)
    values = rng.random((n, channels))
    scene = build_scene(
        fake_video(n),
        signals=[np.sin(np.arange(n) / 9), values],
        window=(1, 1),
        style={"heatmaps": [1], "colormap": "magma"},
    )
    plot = scene.plot
    place = plot.placement(scene.layout.panel_box)
    lane = place.lanes[[lane.kind for lane in plot.lanes].index("heatmap")]
    frame = 150
    geometry = scene.panel_geometry(frame)
    image = [item for item in geometry.of_type(Image) if item.pixels.shape[0] == channels][0]
    table = colormap_table("magma")
    low, high = values.min(), values.max()
    column = int(plot.cursor_x(lane, frame / 30) - lane[0])  # the cursor's pixel column: the current sample
    expected = table[np.round((values[frame] - low) / (high - low) * 255).astype(int)]
    np.testing.assert_array_equal(image.pixels[:, column], expected)
    x0, y0, x1, y1 = scene.layout.canvas_box
    canvas = np.zeros((int(y1 - y0), int(x1 - x0), 3), np.uint8)
    draw(canvas, Geometry([image]), origin=(x0, y0))
    rows = image.box[1] + (np.arange(channels) + 0.5) * (image.box[3] - image.box[1]) / channels
    np.testing.assert_array_equal(canvas[(rows - y0).astype(int), int(lane[0] + column - x0)], expected[:, :3])
    colorbars = [item for item in geometry.of_type(Image) if item.pixels.shape[0] == 1]
    assert len(colorbars) == 1 and any(text == f"{low:.3g}" for text, *_ in texts_of(geometry))


def test_heatmaps_must_name_a_signal():
    with pytest.raises(ChronovizError, match=r"'rois' names no signal; give signals by position \(0..0\)"):
        build_scene(fake_video(30), signals=np.zeros(30), style={"heatmaps": ["rois"]})


def test_a_dense_lane_stacks_each_channel_on_its_row_at_one_scale():
    n, channels, scale = 600, 48, 10.0
    rng = np.random.default_rng(4)
    offsets = rng.uniform(-500, 500, channels)  # each channel's own level: drawn on its row's centre
    values = offsets + rng.uniform(-1, 1, (n, channels))
    values[450:, 5] += scale  # one channel steps up by the scale at 15 s: one row higher
    names = [f"ch{i} (uV)" for i in range(channels)]
    scene = build_scene(
        fake_video(n),
        signals=pd.DataFrame(values, columns=names),
        window=(2, 2),
        style={"dense": [0], "dense_scale": scale},
    )
    plot = scene.plot
    assert [lane.kind for lane in plot.lanes] == ["dense"] and plot.channels == []
    lane = plot.placement(scene.layout.panel_box).lanes[0]
    paths = [path for item in scene.panel_geometry(450).of_type(Polylines) for path in item.paths]
    assert len(paths) == channels
    spacing = (lane[3] - lane[1] - 2 * 4) / channels
    centers = lane[1] + 4 + (np.arange(channels) + 0.5) * spacing
    for channel, path in enumerate(paths):  # first channel on top; a value of its baseline on its row's centre
        before = path[path[:, 0] < plot.cursor_x(lane, 15.0) - 2]
        np.testing.assert_allclose(np.median(before[:, 1]), centers[channel], atol=spacing * 0.2)
    after = paths[5][paths[5][:, 0] > plot.cursor_x(lane, 15.0) + 2]
    np.testing.assert_allclose(np.median(after[:, 1]), centers[4], atol=spacing * 0.2)  # up by one row
    written = [text for text, *_ in texts_of(scene.panel_geometry(450))]
    assert "10 uV/row" in written and f"{channels} channels" in written


def test_a_dense_lane_names_its_rows_in_order_thinned_to_what_fits():
    channels = 384
    names = [f"site{i}" for i in range(channels)]
    signal = pd.DataFrame(np.random.default_rng(1).normal(size=(600, channels)), columns=names)
    scene = build_scene(fake_video(600), signals=signal, window=(1, 1), style={"dense": 0})
    lane = scene.plot.placement(scene.layout.panel_box).lanes[0]
    shown = [str(i) for i in range(channels)]  # without the start every name shares
    labels = [item for item in texts_of(scene.panel_geometry(150)) if item[0] in shown]
    rows = [shown.index(text) for text, *_ in labels]
    assert rows[0] == 0 and rows == sorted(rows) and 3 <= len(rows) < channels
    boxes = [drawn_box(*label) for label in labels]
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert all(lane[1] - 3 <= box[1] and box[3] <= lane[3] + 4 for box in boxes)  # beside the lane, in its gaps


def test_a_heatmap_names_its_rows_in_channel_order():
    channels = 64
    names = [f"depth {i * 20} um" for i in range(channels)]
    rois = pd.DataFrame(np.random.default_rng(0).random((300, channels)), columns=names)
    scene = build_scene(fake_video(300), signals=rois, window=(1, 1), style={"heatmaps": [0]}, layout={"size": 300})
    shown = [f"{i * 20} um" for i in range(channels)]  # without the start every name shares
    rows = [shown.index(text) for text, *_ in texts_of(scene.panel_geometry(150)) if text in shown]
    assert rows[0] == 0 and rows == sorted(rows) and len(rows) > 2  # more than the first and last channel


def test_a_signal_is_drawn_one_way_and_a_dense_scale_is_a_positive_span():
    rois = np.zeros((30, 4))
    with pytest.raises(ChronovizError, match=r"listed in both heatmaps=\[...\] \(a style option\) and dense="):
        build_scene(fake_video(30), signals=rois, style={"heatmaps": [0], "dense": [0]})
    with pytest.raises(ChronovizError, match=r"dense=\[...\] \(a style option\): 'probe' names no signal"):
        build_scene(fake_video(30), signals=rois, style={"dense": ["probe"]})
    with pytest.raises(ChronovizError, match="dense_scale must be a positive value span"):
        build_scene(fake_video(30), signals=rois, style={"dense": [0], "dense_scale": -5})


def test_a_raster_tick_at_each_spike_time(tmp_path):
    spikes = pd.DataFrame({"unit": ["b", "a", "b", "c", "a"], "time": [4.2, 4.5, 5.0, 5.9, 7.5]})
    spikes.to_csv(tmp_path / "units.csv", index=False)
    scene = build_scene(fake_video(300), signals=np.zeros(300), spikes=tmp_path / "units.csv", window=(1, 1))
    plot = scene.plot
    lane = plot.placement(scene.layout.panel_box).lanes[-1]
    assert plot.lanes[-1].kind == "raster"
    ticks = [
        item
        for item in scene.panel_geometry(150).of_type(Segments)
        if len(item) == 4 and (item.starts[:, 1] > lane[1]).all() and (item.ends[:, 1] < lane[3]).all()
    ]
    assert len(ticks) == 1  # the spikes at 4.2, 4.5, 5.0, 5.9 s lie in the window 4..6 s; 7.5 s does not
    expected_x = lane[0] + (np.array([4.2, 4.5, 5.0, 5.9]) - 4) / 2 * (lane[2] - lane[0])
    np.testing.assert_allclose(ticks[0].starts[:, 0], expected_x, atol=0.5)  # on the strip's whole pixels
    rows = (ticks[0].starts[:, 1] - lane[1]) // ((lane[3] - lane[1]) / 3)
    np.testing.assert_array_equal(rows, [1, 0, 1, 2])  # b, a, b, c: a row per unit, in name order
    assert scene.sources.paths["spikes"] == [str(tmp_path / "units.csv")]


def test_spikes_from_a_table_a_pair_an_nwb_file_and_a_dict(tmp_path):
    np.save(tmp_path / "cells_t.npy", np.array([0.3, 0.1, 0.2]))
    np.save(tmp_path / "cells_y.npy", np.array([10, 2, 10]))
    pair = read_spikes(tmp_path / "cells_y.npy")
    np.testing.assert_array_equal(pair.times, [0.1, 0.2, 0.3])
    assert pair.names == ("2", "10") and pair.units.tolist() == [0, 1, 1]
    pynwb = pytest.importorskip("pynwb")
    session = pynwb.NWBFile("units", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    session.add_unit(spike_times=[0.5, 1.5], id=7)
    session.add_unit(spike_times=[0.25], id=9)
    with pynwb.NWBHDF5IO(str(tmp_path / "session.nwb"), "w") as io:
        io.write(session)
    nwb = read_spikes(tmp_path / "session.nwb")
    assert nwb.names == ("7", "9") and nwb.times.tolist() == [0.25, 0.5, 1.5] and nwb.units.tolist() == [1, 0, 0]
    table = read_spikes(pd.DataFrame({"cluster": [1, 1], "spike_time_ms": [1500, 500]}))
    np.testing.assert_allclose(table.times, [0.5, 1.5])
    assert read_spikes({"a": [1.0], "b": [0.5]}).names == ("a", "b")
    assert read_spikes({"unit 10": [1.0], "unit 2": [0.5]}).names == ("unit 2", "unit 10")  # numbers by value
    with pytest.raises(Exception, match="has no unit column"):
        read_spikes(pd.DataFrame({"time": [1.0]}))


def test_the_overview_marks_the_current_window_and_the_labels():
    intervals = pd.DataFrame({"start": [2.0], "end": [4.0], "label": ["run"]})
    scene = build_scene(
        fake_video(300), signals=np.zeros(300), intervals=intervals, window=(1, 1), style={"overview": True}
    )
    place = scene.plot.placement(scene.layout.panel_box)
    strip = place.overview
    left, right = place.columns[0, 0], place.columns[-1, 2]

    def x_of(seconds):
        return left + seconds / (299 / 30) * (right - left)

    for frame in (30, 150, 280):
        boxes = np.concatenate(
            [
                item.boxes
                for item in scene.panel_geometry(frame).of_type(Rectangles)
                if (item.boxes[:, 1] >= strip[1] - 1).all() and (item.boxes[:, 3] <= strip[3] + 1).all()
            ]
        )
        time = frame / 30
        np.testing.assert_allclose(boxes[1, [0, 2]], [x_of(2.0), x_of(4.0)])  # the interval
        window = boxes[-1]
        np.testing.assert_allclose(window[[0, 2]], [x_of(max(time - 1, 0)), x_of(min(time + 1, 299 / 30))])


def test_an_image_is_drawn_cell_for_cell_on_rgb_rgba_and_a_luma_plane():
    pixels = np.array([[[255, 0, 0, 255], [0, 0, 0, 0]], [[0, 255, 0, 255], [0, 0, 255, 255]]], np.uint8)
    image = Geometry([Image(np.array([10.0, 20.0, 30.0, 40.0]), pixels)])  # 2 x 2 cells of 10 x 10 pixels
    rgb = draw(np.full((50, 50, 3), 7, np.uint8), image)
    assert rgb[25, 15].tolist() == [255, 0, 0] and rgb[25, 25].tolist() == [7, 7, 7]  # a transparent cell
    assert (
        rgb[35, 15].tolist() == [0, 255, 0] and rgb[39, 29].tolist() == [0, 0, 255] and rgb[40, 30].tolist() == [7] * 3
    )
    rgba = draw(np.zeros((50, 50, 4), np.uint8), image)
    assert rgba[35, 25].tolist() == [0, 0, 255, 255] and rgba[25, 25].tolist() == [0, 0, 0, 0]
    luma = draw(np.full((50, 50), 16, np.uint8), image, plane="y")
    assert luma[25, 15] == round(16 + 65.481) and luma[35, 15] == round(16 + 128.553) and luma[25, 25] == 16


def test_without_anything_to_plot_there_is_no_empty_panel_until_labels_come():
    scene = build_scene(fake_video(300), pose=None, layout="below")
    np.testing.assert_array_equal(scene.layout.canvas_box, [0, 0, 640, 480])  # no black band under the video
    labelled = scene.updated(intervals=pd.DataFrame({"start": [1.0], "end": [2.0], "label": ["rest"]}))
    assert labelled.plot is not None and labelled.layout.canvas_box[3] > 480  # labelling brings the panel


@pytest.mark.parametrize(
    ("style", "layout", "message"),
    [
        ({"ylim": 5}, None, r"ylim must be one of .* or \(low, high\)"),
        (None, {"position": "bottom-right", "size": 200}, r"'bottom-right' takes a size of \(width, height\)"),
        (None, {"position": "below", "size": [100, 50]}, r"'below' takes a size of one number"),
    ],
)
def test_options_of_the_wrong_shape_say_what_they_take(style, layout, message):
    with pytest.raises(ChronovizError, match=message):
        build_scene(fake_video(300), signals=np.zeros(300), style=style, layout=layout)


def test_one_heatmap_given_alone_is_a_list_of_one():
    rois = np.random.default_rng(0).random((300, 8))
    for given in (1, [1]):
        scene = build_scene(fake_video(300), signals=[np.zeros(300), rois], style={"heatmaps": given})
        assert [lane.kind for lane in scene.plot.lanes] == ["lines", "heatmap"]


def test_a_y_scale_number_is_written_shorter_never_cut():
    values = np.linspace(0.0684, 0.615, 300)  # limits "0.615" and "0.0684": wider than a narrow panel's scale
    scene = build_scene(fake_video(300), signals=values, layout={"position": "left", "size": 150})
    written = [text for text, *_ in texts_of(scene.panel_geometry(150))]
    assert not any(text.endswith(".") and text[:-1].replace(".", "").isdigit() for text in written)
    assert any(text in ("0.068", "0.07") for text in written) or not any("0.0" in text for text in written)


def test_a_long_name_in_a_narrow_side_panel_is_wrapped_between_words_not_cut():
    signals = pd.DataFrame({"female speed (px/s)": np.linspace(0, 5, 300), "x": np.zeros(300)})
    scene = build_scene(fake_video(300), signals=signals, layout={"position": "right", "size": 200})
    written = texts_of(scene.panel_geometry(150))
    gutter = scene.plot.placement(scene.layout.panel_box).gutters[0]
    female, speed = (next(t for t in written if t[0] == word) for word in ("female", "speed"))
    assert female[1][0] == speed[1][0] == gutter[0] + 4 and speed[1][1] > female[1][1]  # one under the other
    assert not any(text.startswith("female") and text.endswith(".") for text, *_ in written)
    below = [t for t in written if t[1][0] == gutter[0] + 4 and speed[1][1] < t[1][1] <= gutter[3] + 1]
    assert [t[0] for t in below] == ["2.5 px/s"]  # the value under the name, shortened to keep its unit
