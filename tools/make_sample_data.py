"""Build the bundled sample data from the real recordings in ../shared/data (run once; the output is
committed in src/napari_chronoviz/sample_data/). Needs the pose extra (sleap-io) for the fly labels.

Derived signals are computed from the real poses; the photometry-like trace is synthetic (its formula
is below) and says so in the README.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "napari_chronoviz" / "sample_data"


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last + 1) of each run of True."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    return list(zip(edges[::2], edges[1::2]))


def flies() -> None:
    import sleap_io

    from napari_chronoviz import read_pose

    shutil.copy(SHARED / "sleap_flies" / "clip.mp4", OUT / "flies.mp4")
    labels = sleap_io.load_slp(str(SHARED / "sleap_flies" / "clip.slp"))
    labels.video.replace_filename("flies.mp4", open=False)  # the bundled copy: the pose check compares names
    sleap_io.save_analysis_h5(labels, str(OUT / "flies.analysis.h5"))
    pose = read_pose(OUT / "flies.analysis.h5")
    fps = 25.0
    time = np.arange(pose.n_frames) / fps
    thorax, head = pose.xy[:, :, pose.keypoint_index("thorax")], pose.xy[:, :, pose.keypoint_index("head")]
    speed = np.linalg.norm(np.diff(thorax, axis=0, prepend=thorax[:1]), axis=-1) * fps  # pixels per second
    distance = np.linalg.norm(thorax[:, 0] - thorax[:, 1], axis=-1)
    heading = np.degrees(np.arctan2(*(head - thorax)[..., ::-1].transpose(2, 0, 1)))
    pd.DataFrame(
        {
            "time": time,
            "female speed (px/s)": speed[:, 0],
            "male speed (px/s)": speed[:, 1],
            "distance (px)": distance,
            "male heading (deg)": heading[:, 1],
        }
    ).round(3).to_csv(OUT / "flies_signals.csv", index=False)
    # A photometry-like trace at 4x the frame rate (100 Hz), time in ms: a slow response to the flies'
    # closeness plus noise. Synthetic: only its timing is meaningful.
    fine = np.arange(len(time) * 4) / (4 * fps)
    closeness = np.interp(fine, time, np.clip(1 - (distance - 60) / 200, 0, 1))
    kernel = np.exp(-np.arange(200) / 50.0)
    response = np.convolve(closeness, kernel / kernel.sum())[: len(fine)]
    noise = np.random.default_rng(0).normal(0, 0.02, len(fine))
    pd.DataFrame({"time_ms": (fine * 1000).round(3), "dF/F": (0.1 + 0.5 * response + noise).round(4)}).to_csv(
        OUT / "flies_photometry.csv", index=False
    )
    intervals = [
        (time[a], time[min(b, len(time) - 1)], label)
        for label, mask in (("touching", distance < 95), ("apart", distance > 150))
        for a, b in runs(mask)
        if b - a >= 10
    ]
    intervals.sort()
    pd.DataFrame(intervals, columns=["start", "end", "label"]).round(3).to_csv(OUT / "flies_intervals.csv", index=False)
    male_fast = speed[:, 1] > np.nanpercentile(speed[:, 1], 99)
    events = [(time[a], "male sprint") for a, b in runs(male_fast)]
    pd.DataFrame(events, columns=["time", "kind"]).round(3).to_csv(OUT / "flies_events.csv", index=False)


def mouse() -> None:
    from napari_chronoviz import read_pose

    shutil.copy(SHARED / "dlc_openfield" / "m3v1mp4.mp4", OUT / "mouse.mp4")
    shutil.copy(
        SHARED / "dlc_openfield" / "m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5",
        OUT / "mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5",
    )
    pose = read_pose(OUT / "mouseDLC_resnet50_openfieldAug20shuffle1_30000.h5")
    fps = 30.0
    snout, tail = pose.xy[:, 0, pose.keypoint_index("snout")], pose.xy[:, 0, pose.keypoint_index("tailbase")]
    speed = np.linalg.norm(np.diff(snout, axis=0, prepend=snout[:1]), axis=-1) * fps
    pd.DataFrame(
        {
            "frame": np.arange(pose.n_frames),
            "snout speed (px/s)": speed,
            "body length (px)": np.linalg.norm(snout - tail, axis=-1),
        }
    ).round(3).to_csv(OUT / "mouse_signals.csv", index=False)


def flies_nwb() -> None:
    """The fly sample as an NWB session (pynwb): the video by its file, the signals, photometry and intervals on
    the session clock (the video's frame times)."""
    import datetime

    import pynwb
    from pynwb.epoch import TimeIntervals

    from napari_chronoviz import open_video

    with open_video(OUT / "flies.mp4") as video:
        frame_times = video.frame_times
    signals = pd.read_csv(OUT / "flies_signals.csv")
    photometry = pd.read_csv(OUT / "flies_photometry.csv")
    intervals = pd.read_csv(OUT / "flies_intervals.csv")
    nwb = pynwb.NWBFile(
        session_description="two courting flies (SLEAP's clip.mp4) with signals derived from their poses",
        identifier="napari-chronoviz-flies-sample",
        session_start_time=datetime.datetime(2019, 1, 28, 11, 34, 21, tzinfo=datetime.timezone.utc),
    )
    nwb.add_acquisition(
        pynwb.image.ImageSeries(
            name="flies", external_file=["flies.mp4"], starting_frame=[0], format="external",
            timestamps=frame_times, unit="n.a.", description="the courtship clip, 25 frames/s",
        )
    )  # fmt: skip
    behavior = nwb.create_processing_module("behavior", "signals derived from the proofread SLEAP poses")
    behavior.add(
        pynwb.TimeSeries(
            name="speed", data=signals[["female speed (px/s)", "male speed (px/s)"]].to_numpy(), unit="px/s",
            timestamps=signals["time"].to_numpy(), description="thorax speed of the female and the male",
        )
    )  # fmt: skip
    behavior.add(
        pynwb.TimeSeries(
            name="distance", data=signals["distance (px)"].to_numpy(), unit="px", timestamps=behavior["speed"],
            description="distance between the flies' thoraxes",
        )
    )  # fmt: skip
    ophys = nwb.create_processing_module("ophys", "a synthetic photometry-like trace (see README.md)")
    ophys.add(
        pynwb.TimeSeries(
            name="dff", data=photometry["dF/F"].to_numpy(), unit="dF/F", starting_time=0.0, rate=100.0,
            description="synthetic: a slow response to the flies' closeness plus noise",
        )
    )  # fmt: skip
    bouts = TimeIntervals(name="behavior", description="runs of touching or apart of at least 10 frames")
    bouts.add_column("label", "touching or apart")
    for row in intervals.itertuples():
        bouts.add_row(start_time=row.start, stop_time=row.end, label=row.label)
    nwb.add_time_intervals(bouts)
    with pynwb.NWBHDF5IO(str(OUT / "flies.nwb"), "w") as io:
        io.write(nwb)


def main() -> int:
    if not SHARED.exists():
        print(f"needs {SHARED}")
        return 1
    flies()
    flies_nwb()
    mouse()
    for file in sorted(OUT.iterdir()):
        print(f"{file.name:55s} {file.stat().st_size / 1e6:6.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
