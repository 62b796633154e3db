"""NWB sessions built with pynwb itself: videos as external files on the session clock (one split into two files),
a 1 kHz series, photometry, a 32-channel ElectricalSeries, units, trials and an ndx-pose estimation; opened in
Python, napari and the CLI, and exported."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest

from napari_chronoviz import read_intervals, read_pose, read_timeseries
from napari_chronoviz.errors import ChronovizError, SignalError, VideoReadError
from napari_chronoviz.io.nwb import NwbVideo, nwb_parts
from napari_chronoviz.testing import make_stamped_video, plain_decode, read_stamp

pynwb = pytest.importorskip("pynwb")

START = 100.0  # the session clock's time of the front camera's first frame
FRONT_FRAMES, FRONT_SPLIT, SIDE_FRAMES = 90, 50, 60
SIZE = (160, 120)


def front_times() -> np.ndarray:
    """The front camera's frame times: 30 frames/s with the jitter of a real camera (±2 ms)."""
    return START + np.arange(FRONT_FRAMES) / 30 + np.random.default_rng(1).uniform(-0.002, 0.002, FRONT_FRAMES)


def write_session(folder, add_pose_estimation, *, front_files=("front_a.mp4", "front_b.mp4")) -> dict:
    """Write a session's videos beside an NWB file that points at them; return what was written."""
    make_stamped_video(folder / "front_a.mp4", FRONT_SPLIT, size=SIZE)
    make_stamped_video(folder / "front_b.mp4", FRONT_FRAMES - FRONT_SPLIT, size=SIZE, first_stamp=FRONT_SPLIT)
    make_stamped_video(folder / "side.mp4", SIDE_FRAMES, size=SIZE, fps=20)
    nwb = pynwb.NWBFile("a session", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    front = pynwb.image.ImageSeries(
        name="front", external_file=list(front_files), starting_frame=[0, FRONT_SPLIT], format="external",
        timestamps=front_times(), unit="n.a.",
    )  # fmt: skip
    side = pynwb.image.ImageSeries(
        name="side", external_file=["side.mp4"], starting_frame=[0], format="external", rate=20.0,
        starting_time=START + 0.5, unit="n.a.", num_samples=SIDE_FRAMES,
    )  # fmt: skip
    nwb.add_acquisition(front)
    nwb.add_acquisition(side)
    lick = np.sin(np.arange(4000) / 100)
    nwb.add_acquisition(
        pynwb.TimeSeries(name="lick", data=lick, unit="V", rate=1000.0, starting_time=START - 0.5, conversion=2.0)
    )
    ophys = nwb.create_processing_module("ophys", "fiber photometry")
    ophys.add(
        pynwb.TimeSeries(name="dff", data=np.linspace(0, 1, 80), unit="dF/F", timestamps=START + np.arange(80) / 20)
    )
    device = nwb.create_device("probe")
    group = nwb.create_electrode_group("shank", "a shank", "CA1", device)
    for _ in range(32):
        nwb.add_electrode(group=group, location="CA1")
    electrodes = nwb.create_electrode_table_region(list(range(32)), "all")
    nwb.add_acquisition(
        pynwb.ecephys.ElectricalSeries(
            name="ephys", data=np.zeros((3000, 32), dtype=np.int16), electrodes=electrodes, rate=1000.0,
            starting_time=START,
        )
    )  # fmt: skip
    for first in (0.1, 0.2, 0.3):
        nwb.add_unit(spike_times=START + first + np.arange(10) * 0.25)
    nwb.add_trial_column("condition", "the tone played")
    for trial, condition in enumerate(("low", "high", "low")):
        nwb.add_trial(start_time=START + trial, stop_time=START + trial + 0.5, condition=condition)
    positions = np.random.default_rng(0).uniform(10, 100, (FRONT_FRAMES, 2, 2))
    add_pose_estimation(nwb, positions, front_times(), source_video=front)
    path = folder / "session.nwb"
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return {"nwb": path, "lick": lick * 2.0, "positions": positions}


@pytest.fixture(scope="module")
def session(tmp_path_factory, add_pose_estimation) -> dict:
    return write_session(tmp_path_factory.mktemp("nwb"), add_pose_estimation)


def test_the_parts_of_a_session_are_listed_with_their_keys(session):
    parts = {part.key: part for part in nwb_parts(session["nwb"])}
    assert [part.kind for part in parts.values()][:2] == ["video", "video"]
    assert {key: part.kind for key, part in parts.items()} == {
        "acquisition/front": "video",
        "acquisition/side": "video",
        "acquisition/ephys": "signals",
        "acquisition/lick": "signals",
        "processing/ophys/dff": "signals",
        "processing/behavior/PoseEstimation": "pose",
        "intervals/trials": "intervals",
        "units": "spikes",
    }
    assert parts["acquisition/lick"].summary == "1 channel at 1000 Hz, V"
    assert parts["acquisition/front"].summary == "2 files, 90 frames"
    assert not parts["acquisition/ephys"].shown and parts["acquisition/lick"].shown  # 32 channels: listed only


def test_a_video_split_in_two_files_reads_as_one_on_the_session_clock(session):
    with NwbVideo(session["nwb"], "acquisition/front") as front:
        assert len(front) == FRONT_FRAMES and front.shape[1:3] == (SIZE[1], SIZE[0])
        assert [read_stamp(front[k]) for k in (0, 49, 50, 89, 10)] == [0, 49, 50, 89, 10]
        np.testing.assert_array_equal(front.frame_times, front_times())
    with NwbVideo(session["nwb"], "acquisition/side") as side:
        assert len(side) == SIDE_FRAMES and side.fps == 20
        np.testing.assert_allclose(side.frame_times, START + 0.5 + np.arange(SIDE_FRAMES) / 20)


def test_series_and_trials_are_read_in_their_units_on_the_session_clock(session):
    lick = read_timeseries(session["nwb"], key="acquisition/lick")
    assert lick.names == ("lick (V)",)
    np.testing.assert_allclose(lick.values[:, 0], session["lick"])  # conversion applied
    np.testing.assert_allclose(lick.times[[0, -1]], [START - 0.5, START - 0.5 + 3.999])
    ephys = read_timeseries(session["nwb"], key="acquisition/ephys")
    assert ephys.values.shape == (3000, 32) and ephys.names[3] == "ephys 3 (volts)"
    trials = read_intervals(session["nwb"], key="intervals/trials")
    assert trials.labels == ("low", "high", "low") and trials.starts.tolist() == [START, START + 1, START + 2]


def test_a_missing_part_or_video_file_says_what_the_session_holds(session, tmp_path, add_pose_estimation):
    with pytest.raises(SignalError, match=r"no time series at 'acquisition/speed'.*acquisition/lick"):
        read_timeseries(session["nwb"], key="acquisition/speed")
    listed = r"holds 3 time series \(acquisition/ephys, acquisition/lick, processing/ophys/dff\): name one as its key"
    with pytest.raises(SignalError, match=listed):
        read_timeseries(session["nwb"])
    moved = write_session(tmp_path, add_pose_estimation, front_files=("front_a.mp4", "elsewhere/front_b.mp4"))
    with pytest.raises(VideoReadError, match=r"video files of acquisition/front are missing: .*elsewhere/front_b.mp4"):
        NwbVideo(moved["nwb"], "acquisition/front")


def test_a_file_pynwb_cannot_read_is_named(tmp_path):
    broken = tmp_path / "broken.nwb"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(ChronovizError, match="pynwb cannot read .*broken.nwb"):
        nwb_parts(broken)


def test_an_nwb_session_opens_with_its_cameras_and_sources_and_exports(session, tmp_path):
    from napari_chronoviz import create_visualization
    from napari_chronoviz.session import open_session

    opened = open_session(session["nwb"])
    assert [video.key for video in opened.videos] == ["acquisition/front", "acquisition/side"]
    assert [spec["key"] for spec in opened.options["signals"]] == ["acquisition/lick", "processing/ophys/dff"]
    assert opened.options["intervals"]["key"] == "intervals/trials" and opened.options["spikes"]
    pose = {"kind": "pose", "path": str(session["nwb"].resolve()), "key": "processing/behavior/PoseEstimation"}
    assert opened.options["pose"] == [pose, None]  # on the video it was made on
    videos = opened.open_videos()
    output = create_visualization(videos, output=tmp_path / "session.mp4", **opened.options)
    frames, times = plain_decode(output)  # checked by a plain decode, not our reader
    assert len(frames) == FRONT_FRAMES  # the first camera's frames, at their own times on the session clock
    np.testing.assert_allclose(times, front_times() - START, atol=0.001)
    assert read_stamp(frames[60][: SIZE[1], : SIZE[0]]) == 60


def test_napari_and_the_command_line_open_an_nwb_session(session, tmp_path, make_napari_viewer, qtbot, capsys):
    from napari_chronoviz.cli import main
    from napari_chronoviz.io.video_factory import open_video
    from napari_chronoviz.napari._attach import Session
    from napari_chronoviz.napari._widget import ChronovizWidget

    output = tmp_path / "from_cli.mp4"
    assert main(["render", str(session["nwb"]), "-o", str(output), "--quiet"]) == 0
    with open_video(output) as written:
        assert len(written) == FRONT_FRAMES and written.width == 2 * SIZE[0]  # the two cameras side by side
        assert written.height > SIZE[1]  # and the panel
    # the scene's flags apply over the session's own; flags adding sources are refused, not ignored
    bare = tmp_path / "bare.mp4"
    assert main(["render", str(session["nwb"]), "-o", str(bare), "--layout", "none", "--quiet"]) == 0
    with open_video(bare) as written:
        assert (written.width, written.height) == (2 * SIZE[0], SIZE[1])
    assert main(["render", str(session["nwb"]), "--signals", str(bare), "--key", "acquisition/x", "-o", "x.mp4"]) == 2
    assert "its videos and sources come from it, so --signals, --key cannot be added" in capsys.readouterr().err
    viewer = make_napari_viewer()
    layers = viewer.open(session["nwb"], plugin="napari-chronoviz")
    assert [layer.name for layer in layers] == ["front (camera 1)", "side (camera 2)"]
    assert [layer.metadata["chronoviz"]["key"] for layer in layers] == ["acquisition/front", "acquisition/side"]
    widget = ChronovizWidget(viewer)
    widget.attach_requested_overlays()
    scene = widget.session.scene
    assert [source.kind for source in widget.listed] == ["signals", "signals", "intervals", "spikes"]
    first = widget.sources.native.item(0)  # the list shortens long lines; the whole line is its tooltip
    assert first.toolTip() == first.text() and first.text().startswith("signal: session.nwb")
    assert [len(camera.pose_overlays) for camera in scene.cameras] == [1, 0]  # the pose on its video
    # the series a session does not show at once (32 channels) is listed in the dock, with its unit and rate
    widget.kind.value, widget.file.value = "signals", session["nwb"]
    assert not widget.nwb_part.native.isHidden() and widget.nwb_part.choices == (
        "acquisition/ephys",
        "acquisition/lick",
        "processing/ophys/dff",
    )
    assert widget.nwb_part.native.itemText(0) == "acquisition/ephys (32 channels at 1000 Hz, volts)"
    widget.nwb_part.value = "acquisition/ephys"
    widget.add.clicked()
    assert [spec.key for spec in widget.listed if spec.kind == "signals"] == [
        "acquisition/lick",
        "processing/ophys/dff",
        "acquisition/ephys",
    ]
    assert len(widget.session.scene.traces) == 3
    widget.file.value = tmp_path / "from_cli.mp4"  # not an NWB file: no parts to choose from
    assert widget.nwb_part.native.isHidden()
    widget.session_file.value = tmp_path / "saved.cvz"
    saved = widget.save_session()
    reopened = make_napari_viewer()
    again = reopened.open(saved, plugin="napari-chronoviz")
    assert [layer.metadata["chronoviz"]["key"] for layer in again] == ["acquisition/front", "acquisition/side"]
    ChronovizWidget(reopened)  # attaches what the session asks for
    assert len(scene.traces) == 2 and len(Session.of(again[0]).scene.traces) == 3


def test_a_session_reads_its_nwb_file_once(session, tmp_path, make_napari_viewer, monkeypatch):
    """pynwb reads a file's whole layout on each open (range requests over the network for a streamed session):
    napari's sniff, the session's parts, each video, source and the pose (movement reads it from the open file)
    read from one open. A file changed on disk since is read again."""
    from napari_chronoviz.io.nwb import close_nwb_files
    from napari_chronoviz.napari._widget import ChronovizWidget

    close_nwb_files()
    reads = []
    real_read = pynwb.NWBHDF5IO.read
    monkeypatch.setattr(pynwb.NWBHDF5IO, "read", lambda io, *args, **kw: reads.append(io) or real_read(io, *args, **kw))
    viewer = make_napari_viewer()
    layers = viewer.open(session["nwb"], plugin="napari-chronoviz")
    ChronovizWidget(viewer).attach_requested_overlays()
    assert len(layers) == 2 and len(reads) == 1
    changed = tmp_path / "changed.nwb"
    changed.write_bytes(session["nwb"].read_bytes())
    before = {part.key for part in nwb_parts(changed)}
    nwb = pynwb.NWBFile("changed", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    nwb.add_acquisition(pynwb.TimeSeries(name="only", data=np.ones(10), unit="V", rate=10.0))
    with pynwb.NWBHDF5IO(str(changed), "w") as io:
        io.write(nwb)
    assert "acquisition/lick" in before and [part.key for part in nwb_parts(changed)] == ["acquisition/only"]


def test_a_pose_is_read_wherever_the_file_keeps_it_with_its_skeleton(tmp_path, add_pose_estimation):
    """movement alone reads processing/behavior/PoseEstimation; labs name their module and estimation. The
    ndx-pose skeleton's edges (node indices) become the pose's edges."""
    nwb = pynwb.NWBFile("a session", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    positions = np.random.default_rng(2).uniform(0, 50, (30, 2, 2))
    add_pose_estimation(nwb, positions, np.arange(30) / 30, module="dlc", name="front_dlc_resnet50")
    with pynwb.NWBHDF5IO(str(tmp_path / "named.nwb"), "w") as io:
        io.write(nwb)
    pose = read_pose(tmp_path / "named.nwb")
    assert pose.keypoints == ("snout", "tail") and pose.edges == (("snout", "tail"),)
    np.testing.assert_allclose(pose.xy[:, 0], positions)


def test_each_pose_goes_on_the_camera_it_was_made_on(
    tmp_path, add_pose_estimation, add_cameras, make_napari_viewer, monkeypatch
):
    """A pose naming its video by `original_videos` (a file name) goes on the camera whose files include it; a
    second estimation of the same camera is named in a warning; each can be read by its key."""
    from napari_chronoviz.session import open_session

    make_stamped_video(tmp_path / "front.mp4", 30, size=SIZE)
    make_stamped_video(tmp_path / "side.mp4", 30, size=SIZE)
    nwb = pynwb.NWBFile("two cameras", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    add_cameras(nwb, ("front", "side"), 30)
    times, rng = np.arange(30) / 30, np.random.default_rng(3)
    for module, animal in (("mouse1", "side_mouse1"), ("mouse2", "side_mouse2")):
        add_pose_estimation(
            nwb, rng.uniform(0, 100, (30, 2, 2)), times, module=module, name=animal, original_videos=["side.mp4"]
        )
    with pynwb.NWBHDF5IO(str(tmp_path / "two.nwb"), "w") as io:
        io.write(nwb)
    with pytest.warns(UserWarning, match=r"processing/mouse2/side_mouse2 are not shown \(one pose per video\)") as said:
        opened = open_session(tmp_path / "two.nwb")
    assert "key='processing/mouse2/side_mouse2'" in str(said[0].message)
    assert opened.options["pose"][0] is None and opened.options["pose"][1]["key"] == "processing/mouse1/side_mouse1"
    with pytest.raises(ChronovizError, match="holds 2 pose estimations"):
        read_pose(tmp_path / "two.nwb")
    assert read_pose(tmp_path / "two.nwb", key="processing/mouse2/side_mouse2").video.path == "side.mp4"
    shown = []  # in napari, the warning is a notification in the dock's words
    monkeypatch.setattr("napari.utils.notifications.show_warning", shown.append)
    make_napari_viewer().open(tmp_path / "two.nwb", plugin="napari-chronoviz")
    assert shown == [
        "two.nwb: its pose estimations processing/mouse2/side_mouse2 are not shown (one pose per video). To show one "
        "in place of the one shown, add it as pose in the Overlays dock, choosing the part "
        "processing/mouse2/side_mouse2."
    ]


def test_a_refused_pose_leaves_the_rest_of_the_session_shown(
    tmp_path, add_pose_estimation, add_cameras, make_napari_viewer, monkeypatch
):
    """A session's pose made on another video is refused by the provenance check; its signals and trials stay."""
    from napari_chronoviz.napari import _widget

    errors = []
    monkeypatch.setattr(_widget, "show_error", errors.append)
    make_stamped_video(tmp_path / "front.mp4", 30, size=SIZE)
    nwb = pynwb.NWBFile("a session", "id", datetime.datetime(2026, 1, 21, tzinfo=datetime.timezone.utc))
    add_cameras(nwb, ("front",), 30)
    nwb.add_acquisition(pynwb.TimeSeries(name="lick", data=np.ones(100), unit="V", rate=100.0, starting_time=0.0))
    nwb.add_trial(start_time=0.2, stop_time=0.5)
    made_on = {"original_videos": ["other_rig.mp4"], "dimensions": np.array([[640, 480]], dtype="uint16")}
    add_pose_estimation(nwb, np.full((30, 2, 2), 300.0), np.arange(30) / 30, **made_on)
    with pynwb.NWBHDF5IO(str(tmp_path / "s.nwb"), "w") as io:
        io.write(nwb)
    viewer = make_napari_viewer()
    (layer,) = viewer.open(tmp_path / "s.nwb", plugin="napari-chronoviz")
    widget = _widget.ChronovizWidget(viewer)
    widget.attach_requested_overlays()
    assert [source.kind for source in widget.listed] == ["signals", "intervals"]
    assert "The pose of 'front' was left out, the rest is shown" in errors[-1] and "other_rig.mp4" in errors[-1]
    assert "untick 'refuse a pose made on another video'" in errors[-1]


BACK_COMPAT = sorted((Path(__file__).parent / "data" / "pynwb_back_compat").glob("*.nwb"))


@pytest.mark.parametrize("path", BACK_COMPAT, ids=[path.name for path in BACK_COMPAT])
def test_pynwbs_back_compatibility_files_open_or_say_why_not(path, tmp_path):
    """pynwb's own files of NWB 1.0.2 to 2.2.0: each part reads, or fails with a message naming it (a video whose
    file is not there, a series without data); napari's reader claims them without raising."""
    from napari_chronoviz.napari._reader import get_reader

    for part in nwb_parts(path):
        try:
            if part.kind == "signals":
                assert read_timeseries(path, key=part.key).n_samples > 0
            else:
                NwbVideo(path, part.key).close()
        except ChronovizError as error:
            assert part.key in str(error) and path.name in str(error)
    get_reader(str(path))


def test_labels_go_to_an_nwb_labels_file_of_the_session_and_come_back(session, tmp_path, make_napari_viewer):
    from napari_chronoviz.io.ethogram import Behavior, Ethogram
    from napari_chronoviz.napari._labeling import Labeler

    viewer = make_napari_viewer()
    front = viewer.open(session["nwb"], plugin="napari-chronoviz")[0]
    labeler = Labeler(viewer, front, Ethogram((Behavior("groom", "g"), Behavior("rear", "r", kind="point"))))
    before = session["nwb"].read_bytes()
    labeler.go_to(10)
    labeler.labeling.press("groom", 10)
    labeler.labeling.press("groom", 40)
    labeler.labeling.press("rear", 20)
    with pytest.raises(ChronovizError, match="never into the session file itself"):
        labeler.save(session["nwb"], format="nwb")
    written = labeler.save(tmp_path / "labelled.nwb", format="nwb")
    assert session["nwb"].read_bytes() == before  # the user's file is not touched
    # a small file of the session (nothing of it copied), on its clock
    assert [part.key for part in nwb_parts(written[0])] == ["intervals/chronoviz_events", "intervals/chronoviz_labels"]
    with pynwb.NWBHDF5IO(str(written[0]), "r") as labels_io, pynwb.NWBHDF5IO(str(session["nwb"]), "r") as session_io:
        labels_file, session_file = labels_io.read(), session_io.read()
        assert labels_file.session_start_time == session_file.session_start_time
        assert labels_file.identifier == f"{session_file.identifier}-chronoviz-labels"
        assert "session.nwb" in labels_file.notes
    bouts = read_intervals(written[0], key="intervals/chronoviz_labels")
    times = front_times()
    assert bouts.labels == ("groom",) and bouts.starts.tolist() == [times[10]] and bouts.ends.tolist() == [times[40]]
    labeler.labeling.load(None, None)  # cleared, then loaded back from the copy
    labeler.load(written[0])
    assert labeler.labeling.intervals().labels == ("groom",) and labeler.labeling.events().kinds == ("rear",)
    # a video that is no NWB session's: the nwb format says which formats to use
    plain = viewer.open(session["nwb"].parent / "side.mp4", plugin="napari-chronoviz")[0]
    with pytest.raises(ChronovizError, match="was not opened from an NWB file: choose the loupe or boris"):
        Labeler(viewer, plain, Ethogram((Behavior("groom", "g"),))).save(tmp_path / "x.nwb", format="nwb")


class RangeServer:
    """A local HTTP server of a folder that answers range requests, as DANDI's S3 storage does; `drops` maps a file
    name to how many of its next responses break off halfway (the connection closed mid-read)."""

    def __init__(self, folder):
        import http.server
        import threading

        served, drops, self.ranges = Path(folder), {}, []
        self.drops = drops
        ranges = self.ranges

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self.answer(body=False)

            def do_GET(self):
                self.answer(body=True)

            def answer(self, body: bool):
                path = served / self.path.lstrip("/").split("?")[0]
                if not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                start, end = 0, len(data) - 1
                given = self.headers.get("Range")
                if given:
                    first, last = given.removeprefix("bytes=").split("-")
                    start, end = int(first), min(int(last) if last else len(data) - 1, len(data) - 1)
                    ranges.append((path.name, start, end))
                self.send_response(206 if given else 200)
                self.send_header("Content-Length", str(end - start + 1))
                self.send_header("Accept-Ranges", "bytes")
                if given:
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
                self.end_headers()
                if not body:
                    return
                if drops.get(path.name, 0) > 0 and end - start > 1:
                    drops[path.name] -= 1
                    self.wfile.write(data[start : start + (end - start) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(data[start : end + 1])

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served(session, tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONOVIZ_CACHE_DIR", str(tmp_path / "cache"))
    server = RangeServer(session["nwb"].parent)
    yield server
    server.close()


def test_a_streamed_session_reads_by_range_and_exports(served, session, tmp_path, monkeypatch, make_napari_viewer):
    from napari_chronoviz import create_visualization
    from napari_chronoviz.cli import main
    from napari_chronoviz.io import remote
    from napari_chronoviz.io.video_factory import open_video
    from napari_chronoviz.session import open_session

    monkeypatch.setattr(remote, "BLOCK_SIZE", 2**14)  # blocks small beside this 0.5 MB file, as 1 MiB is beside GBs
    url = served.url + "session.nwb"
    lick = read_timeseries(url, key="acquisition/lick")
    np.testing.assert_allclose(lick.values[:, 0], session["lick"])
    size = session["nwb"].stat().st_size
    read = sum(end - start + 1 for name, start, end in served.ranges if name == "session.nwb")
    assert read < size  # read in place: the 32-channel series' samples never crossed the network
    opened = open_session(url)
    assert opened.videos[0].path == url and opened.options["signals"][0]["path"] == url
    assert opened.options["pose"][0]["path"] == url  # read by movement from the file held open, on its video
    np.testing.assert_allclose(read_pose(url).xy[:, 0], session["positions"])
    videos = opened.open_videos()
    assert [read_stamp(videos[0][k]) for k in (0, 50, 89)] == [0, 50, 89]  # the split video, from the cache
    cached = sorted(path.name for path in (tmp_path / "cache" / "downloads").rglob("*") if path.is_file())
    assert cached == ["front_a.mp4", "front_b.mp4", "side.mp4"]
    output = create_visualization(videos, output=tmp_path / "streamed.mp4", **opened.options)
    with open_video(output) as exported:
        assert len(exported) == FRONT_FRAMES
    assert main(["render", url, "-o", str(tmp_path / "cli.mp4"), "--quiet"]) == 0
    assert (tmp_path / "cli.mp4").read_bytes() == output.read_bytes()
    layers = make_napari_viewer().open(url, plugin="napari-chronoviz")
    assert [layer.metadata["chronoviz"]["path"] for layer in layers] == [url, url]


def test_a_dropped_connection_is_retried_and_a_failed_download_leaves_nothing(served, session, tmp_path):
    from napari_chronoviz.io.remote import ATTEMPTS, cached_download

    served.drops["session.nwb"] = 1  # one read breaks off: retried on a fresh connection
    assert read_timeseries(served.url + "session.nwb", key="acquisition/lick").n_samples == 4000
    served.drops["side.mp4"] = 1  # one broken download: done again, its progress reported
    side = session["nwb"].parent / "side.mp4"
    reported = []
    downloaded = cached_download(served.url + "side.mp4", progress=lambda done, total: reported.append((done, total)))
    assert downloaded.read_bytes() == side.read_bytes() and reported[-1] == (side.stat().st_size,) * 2
    served.drops["front_a.mp4"] = ATTEMPTS  # every try breaks off: a clear error, and nothing in the cache
    with pytest.raises(ChronovizError, match=f"Downloading .*front_a.mp4 failed {ATTEMPTS} times"):
        cached_download(served.url + "front_a.mp4")
    assert not [path for path in (tmp_path / "cache").rglob("*front_a*")]
