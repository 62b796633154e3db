"""Put a video on its rig's clock from the data itself: a sync LED seen by the camera and the same pulses
recorded by the acquisition system.

`sync_video` reads the LED's region in every frame (`region_signals`), finds its on/off edges
(`detect_edges`), matches them to the rig's pulses and fits the clock map (`fit_sync`): offset, drift, lost
and repeated frames. The map (`ClockMap`) goes wherever a frame-time file goes (`open_video(...,
frame_times=clock)`, a session's video, `chronoviz --frame-times`), turning the video's frame times into rig
times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import SyncError
from ..io.clock_map import ClockMap, read_clock_map
from ..io.timeseries import Signal
from .barcodes import BitCodes, matching_codes
from .edges import Edges, detect_edges, otsu_threshold
from .fit import DroppedFrames, SyncFit, fit_sync
from .pulses import read_pulses
from .regions import CHANNELS, Region, region_signals

EDGE_KINDS = ("rising", "falling", "both")
BRIGHTNESS = "brightness"  # the mean of the red, green and blue channels

__all__ = [
    "BRIGHTNESS",
    "CHANNELS",
    "BitCodes",
    "EDGE_KINDS",
    "ClockMap",
    "DroppedFrames",
    "Edges",
    "Region",
    "SyncFit",
    "SyncResult",
    "detect_edges",
    "fit_sync",
    "led_values",
    "otsu_threshold",
    "read_clock_map",
    "read_pulses",
    "region_signals",
    "sync_video",
]


@dataclass(frozen=True, eq=False)
class SyncResult:
    """Everything `sync_video` found: the region's signal, the LED's edges, the rig's, and the fit."""

    signal: Signal  # the region's channels, one sample per frame
    led: np.ndarray  # the values the edges were found in
    video_edges: Edges
    rig_edges: Edges
    fit: SyncFit
    edge: str

    @property
    def clock(self) -> ClockMap:
        return self.fit.clock

    def nudged(self, seconds: float) -> SyncResult:
        """The result with the clock map's offset moved by `seconds` (the rig times of the frames later by that
        much), its residuals as they then are: a check by eye, or a correction the pulses cannot give (an LED
        that lights a known delay after its pulse)."""
        fit = replace(self.fit, clock=self.fit.clock.shifted(seconds), residuals=self.fit.residuals - seconds)
        return replace(self, fit=fit)

    def report(self) -> str:
        """The fit's report, with the edges found on each side."""
        video, rig = self.video_edges.times(self.edge), self.rig_edges.times(self.edge)
        threshold = self.video_edges.threshold
        return (
            f"LED: {len(video)} {self.edge} edges in the video (threshold {threshold:.1f}, levels "
            f"{self.video_edges.low:.1f} / {self.video_edges.high:.1f}); rig: {len(rig)}\n{self.fit.report()}"
        )


def led_values(signal: Signal, channel: str = BRIGHTNESS) -> np.ndarray:
    """The values of a region's `channel` (one of `CHANNELS` or "brightness", the mean of red, green, blue)."""
    if channel == BRIGHTNESS:
        return signal.values[:, :3].mean(axis=1)
    if channel not in signal.names:
        raise SyncError(f"Unknown LED channel {channel!r}: use {BRIGHTNESS} or one of {', '.join(signal.names)}.")
    return signal.values[:, signal.names.index(channel)]


def sync_video(
    video,
    region: Region,
    pulses,
    *,
    edge: str = "rising",
    threshold: float | None = None,
    channel: str = BRIGHTNESS,
    signal: Signal | None = None,
    barcodes: BitCodes | None = None,
    progress=None,
    workers: int | None = None,
    client=None,
) -> SyncResult:
    """Sync `video` to its rig from the LED in `region` and the rig's `pulses`.

    Parameters
    ----------
    video
        A `VideoSource` (`open_video`) on its own clock (its container's frame times).
    region
        The LED's `Region` (pixels of the frames as displayed).
    pulses
        The rig's pulses: `Edges` (`read_pulses`), or an array of edge times in seconds (of the kind `edge`).
    edge
        Which edges to match: "rising" (LED on), "falling" or "both".
    threshold
        The LED's level between off and on (default: Otsu's).
    channel
        The region's channel the LED is read in: "brightness" (mean of red, green, blue), "red", "green" or
        "blue" (a coloured LED).
    signal
        The region's signal when already read (`region_signals` of this region): the video is not read again.
    barcodes
        How the rig sends barcodes (`BitCodes`), when it does: the codes read on both sides (the rig's pulses
        then need both edges) name the matching pulses, in place of the pattern of intervals.
    progress
        Called as `progress(done, total)` while the video is read; returning True cancels.
    workers, client
        Read the video on dask worker processes (`region_signals`).

    Returns
    -------
    SyncResult
        With `clock`, the `ClockMap` to open the video with (`open_video(path, frame_times=result.clock)`).

    Raises
    ------
    SyncError
        When the LED does not switch, or its edges match no pattern of the pulses.
    """
    if edge not in EDGE_KINDS:
        raise SyncError(f"Unknown edge {edge!r}: use one of {', '.join(EDGE_KINDS)}.")
    if signal is None:
        signal = region_signals(video, region, progress=progress, workers=workers, client=client)
    values = led_values(signal, channel)
    video_edges = detect_edges(values, signal.times, threshold=threshold, name=f"The region's {channel}")
    if isinstance(pulses, Edges):
        rig_edges, rig_times = pulses, pulses.times(edge)
    else:
        rig_times = np.sort(np.asarray(pulses, dtype=float))
        rig_edges = Edges(rig_times, np.empty(0))
    kinds = ("rising", "falling") if edge == "both" else (edge,)
    video_times = np.concatenate([getattr(video_edges, kind) for kind in kinds])
    frames = np.concatenate([getattr(video_edges, f"{kind}_frames") for kind in kinds])
    coarse = None
    if barcodes is not None:
        coarse = matching_codes(barcodes.decode(video_edges), barcodes.decode(rig_edges))
    fit = fit_sync(
        video_times,
        rig_times,
        video.frame_times,
        video_frames=frames,
        frame_motion=signal.values[:, CHANNELS.index("frame motion")],
        video_name=getattr(getattr(video, "path", None), "name", ""),
        coarse=coarse,
    )
    return SyncResult(signal, values, video_edges, rig_edges, fit, edge)
