"""Several video layers side by side on one clock, and the overlays of them all.

The clock ticks at the fastest video's mean frame step from the first frame time: step k is the time
`first + k * step` exactly, so the slider's position (the frame axis scaled by the step) is in seconds from the
clock's start, and every frame of each video at a constant rate shows on at least one step. Each video layer's
frames are re-indexed on that clock (a lazy view, `FramesOnClock`: step k shows the layer's frame at or before the
clock's time k), the play button runs at the clock's rate (real time), and the axis label next to the slider reads
the time of the step: seconds from the recording's start, or on the videos' own clock (epoch seconds of a
DataLogger log) when the style's `timestamp` shows the clock, as the timestamp burned into the video does. The
layers are placed side by side in world coordinates (translate and scale of y and x) by the same `Tiling` the
export uses, so the viewer's canvas and an export's frame line up pixel for pixel.
`frames_shown` tells which frame of its own video each layer shows now, for the dock's readout.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..errors import ChronovizError
from ..overlays.tiles import TiledScene, Tiling
from ..timeline import frames_at_or_before, shared_clock
from ._layers import LayerPlacement, Session
from ._metadata import CLOCK_RATE_KEY, METADATA_KEY
from ._qt_dims_0_6_to_0_9 import set_slider_rate

_CLOCK_READOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # viewer -> its readout callback


class FramesOnClock:
    """A video layer's frames at the steps of a clock: item k is frame `source_frames[k]` of `source`, whose own
    frame times (seconds) are `frame_times`."""

    def __init__(self, source, source_frames: np.ndarray, frame_times: np.ndarray):
        self.source, self.source_frames = source, np.asarray(source_frames, dtype=int)
        self.frame_times = np.asarray(frame_times, dtype=float)
        self.shape = (len(self.source_frames), *source.shape[1:])
        self.dtype, self.ndim = source.dtype, len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key):
        steps, pixels = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        frames = self.source_frames[steps]
        if np.ndim(frames) == 0:
            return np.asarray(self.source[(int(frames), *pixels)])
        return np.stack([np.asarray(self.source[(int(frame), *pixels)]) for frame in frames])

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self[:], dtype=dtype)


def source_data(layer):
    """A video layer's own frames (its data before it was put on a clock)."""
    return layer.data.source if isinstance(layer.data, FramesOnClock) else layer.data


def put_on_one_clock(viewer, layers: list, frame_times: list[np.ndarray], tiles=None) -> np.ndarray:
    """Re-index `layers` (with their own `frame_times`) on one clock, place them as `tiles`, start at the first
    step, play at the clock's rate and make the frame axis' label read the time; return the clock (seconds)."""
    clock = shared_clock(frame_times, [layer.name for layer in layers])
    step = float(clock[1] - clock[0]) if len(clock) > 1 else 1.0
    frames = [source_data(layer) for layer in layers]
    tiling = Tiling.of(tiles, [(data.shape[2], data.shape[1]) for data in frames])
    for layer, data, times, box, scale in zip(layers, frames, frame_times, tiling.boxes, tiling.scales):
        layer.data = FramesOnClock(data, frames_at_or_before(times, clock), times)
        layer.scale = (step, *layer.scale[1:-2], scale, scale)
        # the frame axis in seconds from the clock's start: epoch seconds there would make napari's slider count
        # more steps than its integers hold while the layers are moved one by one
        layer.translate = (0.0, *layer.translate[1:-2], box[1], box[0])
        layer.metadata.setdefault(METADATA_KEY, {})[CLOCK_RATE_KEY] = 1 / step
    viewer.dims.set_current_step(0, 0)  # napari would keep the old step's index, far into the new clock
    set_slider_rate(viewer, 0, 1 / step)
    _show_time(viewer, clock)
    return clock


def clock_step(viewer, layer) -> int:
    """The step of its clock that a video layer put on one shows now.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer showing the layer.
    layer : napari.layers.Image
        A video layer put on a clock by `put_on_one_clock` (its data a `FramesOnClock`).

    Returns
    -------
    int
        The index into the layer's clock, within its steps.
    """
    step = LayerPlacement.of(layer).frame_of(viewer.dims.point)
    return int(np.clip(step, 0, len(layer.data) - 1))


def frames_shown(viewer) -> list[tuple[str, int, float]]:
    """Each video layer of `viewer` that is on a clock, in layer order: its name, the frame of its own video it
    shows now and that frame's time (seconds, on its own clock).

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose video layers were put on one clock (`sync_by_time`, or `attach` to several layers).

    Returns
    -------
    list of (str, int, float)
        One `(layer name, frame, seconds)` per layer on a clock; empty when none is.
    """
    shown = []
    for layer in viewer.layers:
        if isinstance(layer.data, FramesOnClock):
            frame = int(layer.data.source_frames[clock_step(viewer, layer)])
            shown.append((layer.name, frame, float(layer.data.frame_times[frame])))
    return shown


def set_time(viewer, seconds: float) -> None:
    """Move the frame slider of videos put on one clock to the step at or before `seconds`."""
    clock = _CLOCK_READOUTS[viewer].clock
    viewer.dims.set_current_step(0, int(frames_at_or_before(clock, [seconds])[0]))


class _Readout:
    """Writes the time of the current step into the frame axis' label: from the clock's start, or `absolute`."""

    def __init__(self, viewer, clock: np.ndarray):
        self.viewer, self.clock, self.absolute = viewer, clock, False

    def __call__(self, event=None) -> None:
        step = int(np.clip(self.viewer.dims.current_step[0], 0, len(self.clock) - 1))
        seconds = self.clock[step] - (0.0 if self.absolute else self.clock[0])
        self.viewer.dims.axis_labels = (f"{seconds:.3f} s", *self.viewer.dims.axis_labels[1:])


def show_clock_time(viewer, absolute: bool) -> None:
    """Make the frame axis' label of videos on one clock read times on that clock (`absolute`), or from its
    start."""
    readout = _CLOCK_READOUTS.get(viewer)
    if readout is not None and readout.absolute != absolute:
        readout.absolute = absolute
        readout()


def _show_time(viewer, clock: np.ndarray) -> None:
    previous = _CLOCK_READOUTS.get(viewer)
    if previous is not None:
        viewer.dims.events.current_step.disconnect(previous)
        viewer.dims.events.axis_labels.disconnect(previous)
    readout = _CLOCK_READOUTS[viewer] = _Readout(viewer, clock)
    viewer.dims.events.current_step.connect(readout)
    viewer.dims.events.axis_labels.connect(readout)  # napari resets the labels when layers are added
    readout()


class CamerasSession(Session):
    """The overlays of several video layers on one clock: one raster of the `TiledScene` over the whole canvas
    (each camera's pose on its tile, the plot panel), redrawn at each step. Kept under the first video layer."""

    def __init__(self, viewer, video_layers: list, scene: TiledScene):
        self.video_layers = list(video_layers)
        super().__init__(viewer, video_layers[0], scene, "raster")

    @property
    def frame(self) -> int:
        """The step of the clock napari shows now (the output frame of an export on the same clock)."""
        return min(clock_step(self.viewer, self.video_layer), self.scene.n_frames - 1)

    @property
    def tile_frames(self) -> list[int]:
        """The frame each video layer shows now."""
        return [int(frames[self.frame]) for frames in self.scene.tile_frames]

    def update(self, display: str | None = None, **changes) -> None:
        if display not in (None, "raster"):
            raise ChronovizError(
                "Several cameras are drawn as one raster image; display='layers' is for one video: "
                "attach to one video layer to use it."
            )
        super().update(**changes)

    def _build_layers(self) -> None:
        self._add_raster(
            "overlay", self.scene.layout.canvas_box, {"scale": np.ones(2), "translate": np.zeros(2)}, "overlay"
        )
        show_clock_time(self.viewer, absolute=self.scene.style.timestamp.startswith("clock"))
