"""A video with all its overlays: the sources, how they align, the window, layout and style.

`build_scene(video, signals=..., pose=..., spikes=..., ...)` accepts what users have (paths, tables, arrays, loaded
objects) and gives a `Scene` whose `geometry(frame)` is everything drawn on frame k, and whose `config`
is the JSON-able description (source paths and options) that napari layer metadata carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..calibration import Calibration, calibration_of
from ..errors import AlignmentError, ChronovizError, advice, marked
from ..io.labels import Events, Intervals, read_events, read_intervals
from ..io.pose import Pose, read_pose
from ..io.spikes import Spikes, read_spikes
from ..io.timeseries import Signal, read_timeseries
from ..kinematics import pose_speed as speed_of_pose
from ..scene_options import SCENE_OPTION_NAMES
from ..sources import CHECK_VIDEO, SOURCE_KINDS, check_pose_on_video, how_aligned, spec_of
from ..timeline import align
from .layout import MARGIN, Layout
from .plot import PlotPanel, Trace
from .pose import PoseOverlay
from .primitives import Geometry, Rectangles, Texts, rgba, text_width
from .readable import grown_layout, readable_font_size, seen_in_export
from .scale_bar import scale_bar_geometry
from .style import Style

LABELS = {"events", "intervals"}
SPATIAL = {"calibration", "pose_speed"}  # options of the calibrated scene: the scale bar and the speed lanes
ALIGN_OPTIONS = ("mode", "ratio", "offset", "interpolation", "sync")
# A pose is drawn from its nearest row: no interpolation. `check_video` False draws a pose whose file says it was
# made on another video (see `check_pose_video`).
POSE_ALIGN_OPTIONS = ("mode", "ratio", "offset", "sync", "check_video")


@dataclass(frozen=True, eq=False)
class Sources:
    """The loaded data, and the paths they came from (None for data given in memory)."""

    signals: tuple[Signal, ...] = ()
    poses: tuple[Pose, ...] = ()
    events: Events | None = None
    intervals: Intervals | None = None
    paths: dict = field(default_factory=dict)
    spikes: tuple[Spikes, ...] = ()
    signal_alignments: tuple[dict, ...] = ()  # each signal's own alignment options (from its `SourceSpec`)
    pose_alignments: tuple[dict, ...] = ()

    def own_alignment(self, keyword: str, index: int) -> dict:
        """The `index`-th signal's ("alignment") or pose's ("pose_alignment") own options; {} when none."""
        own = self.signal_alignments if keyword == "alignment" else self.pose_alignments
        return own[index] if index < len(own) else {}


@dataclass(frozen=True)
class Window:
    """How much of the signals the plot shows around the current frame: `left` before, `right` after."""

    left: float = 2.0
    right: float = 2.0
    unit: str = "s"  # "s" or "samples" (of the first signal)

    @classmethod
    def of(cls, window) -> Window:
        """From None (2 s each side), a number (each side), a pair, a dict or a `Window`."""
        if window is None or isinstance(window, Window):
            return window or cls()
        if isinstance(window, dict):
            return cls(**window)
        left, right = (window, window) if np.ndim(window) == 0 else window
        return cls(float(left), float(right))

    def __post_init__(self):
        if self.unit not in ("s", "samples"):
            raise ChronovizError(f"Unknown window unit {self.unit!r}: use 's' or 'samples'.")
        if not (self.left >= 0 and self.right >= 0 and 0 < self.left + self.right < np.inf):
            raise ChronovizError(
                f"The plot window is {self.left:g} {self.unit} before and {self.right:g} {self.unit} after the frame: "
                f"each side must be 0 or more, and both together more than 0 (e.g. 2 and 2): set {advice('window')}."
            )

    def seconds(self, traces: list[Trace]) -> tuple[float, float]:
        """(left, right) in seconds; a window in samples counts samples of the first signal."""
        if self.unit == "s":
            return self.left, self.right
        if not traces or traces[0].alignment.n_samples < 2:
            raise ChronovizError("A window in samples needs a signal with at least 2 samples; give it in seconds.")
        step = 1 / traces[0].alignment.sample_rate
        return self.left * step, self.right * step

    def to_dict(self) -> dict:
        return {"left": self.left, "right": self.right, "unit": self.unit}


class Scene:
    """Everything drawn over one video; `geometry(frame)` gives frame k's primitives in canvas pixels."""

    def __init__(
        self,
        frame_times,
        video_size: tuple[int, int],
        sources: Sources,
        *,
        alignment: dict,
        pose_alignment: dict,
        labels_clock: str | int,
        window: Window,
        layout: Layout,
        style: Style,
        calibration: Calibration | None = None,
        pose_speed: str | None = None,
        aligned: dict | None = None,
        video_path=None,
        readable_font: float | None = None,
    ):
        self.frame_times = np.asarray(frame_times, dtype=float)
        self.video_path = video_path  # the video's file (None: in memory), which a pose must have been made on
        self.video_size = tuple(int(v) for v in video_size)
        self.sources, self.window, self.labels_clock = sources, window, labels_clock
        # (keyword, id(source)) -> (options, Alignment): what `updated` hands on, so that a change of style or
        # window, or of one source's options, does not align the other sources again
        self._aligned: dict = {}
        previously_aligned = aligned or {}
        self.alignment_options = _alignment_options(alignment, ALIGN_OPTIONS, "alignment")
        self.pose_alignment_options = _alignment_options(pose_alignment, POSE_ALIGN_OPTIONS, "pose_alignment")
        # the style asked for (what a session saves), and the one drawn: sizes set for the video, the font raised to
        # `readable_font` (what the text needs where it is seen, e.g. napari's view) and below for a tall panel
        self.requested_style, self.readable_font = style, readable_font
        self.layout, self.style = layout, style.for_video(self.video_size[1])
        if readable_font is not None and readable_font > self.style.font_size:
            self.style = replace(self.style, font_size=float(readable_font))
        style = self.style
        self.traces = [
            Trace(signal, self._align(signal, "alignment", index, previously_aligned))
            for index, signal in enumerate(sources.signals)
        ]
        self.pose_overlays = [
            PoseOverlay(pose, self._align(pose, "pose_alignment", index, previously_aligned), style)
            for index, pose in enumerate(sources.poses)
        ]
        self.calibration, self.pose_speed = calibration, pose_speed
        if calibration is not None:
            calibration.check_video(*self.video_size)
        if pose_speed is not None and (not isinstance(pose_speed, str) or not pose_speed):
            raise ChronovizError(f"pose_speed is 'centroid' or a keypoint's name, not {pose_speed!r}.")
        if pose_speed is not None and not sources.poses:
            raise ChronovizError(
                f"pose_speed={pose_speed!r} plots the speed of a pose, but no pose was given: add one (pose= in a "
                "script, --pose on the command line, Add pose in the dock) or leave pose_speed out."
            )
        self.traces += self._speed_traces()
        has_panel_content = self.traces or sources.spikes or sources.events is not None or sources.intervals is not None
        self.requested_layout = layout  # where a panel goes once there is something to plot (labels added later)
        if not has_panel_content:  # no empty panel: the canvas is the video
            self.layout = replace(layout, position="none", size=None)
        self.plot = None
        if has_panel_content and layout.panel_box is not None:
            self.plot = self._plot_panel(style)
            font = readable_font_size(self.plot, layout, style.font_size, seen_in_export())
            if font > style.font_size:  # a panel taller than the video: its text grows with the output
                self.style = style = replace(style, font_size=font)
                self.plot = self._plot_panel(style)
            self.layout = grown_layout(layout, self.plot)
        corner = "bottom-right" if layout.position == "bottom-left" else "bottom-left"
        self._scale_bar = scale_bar_geometry(calibration, self.video_size, style, corner) if calibration else Geometry()

    def _plot_panel(self, style: Style) -> PlotPanel:
        """The plot panel of the traces, spikes and labels (on the video's clock) drawn in `style`."""
        left, right = self.window.seconds(self.traces)
        events, intervals, spikes = self.sources.events, self.sources.intervals, self.sources.spikes
        to_video = self._labels_time_map()
        if to_video is not None:
            events, intervals = (None if labels is None else labels.retimed(to_video) for labels in (events, intervals))
            spikes = tuple(source.retimed(to_video) for source in spikes)
        return PlotPanel(
            self.frame_times,
            self.traces,
            left=left,
            right=right,
            style=style,
            events=events,
            intervals=intervals,
            spikes=spikes,
        )

    @property
    def n_frames(self) -> int:
        return len(self.frame_times)

    def _align(self, source, keyword: str, index: int, previously_aligned: dict):
        """`source` (the `index`-th of its kind) aligned with the options of `keyword` and its own (the alignment
        of a scene it is updated from when those are the same); an error names the source and where to set them."""
        options = self.alignment_options if keyword == "alignment" else self.pose_alignment_options
        options = {**options, **self.sources.own_alignment(keyword, index)}
        key = (keyword, id(source))
        previous = previously_aligned.get(key)
        if previous is not None and _same_options(previous[0], options):
            self._aligned[key] = previous
            return previous[1]
        try:
            aligned = align(
                self.frame_times, source, **{name: options[name] for name in options if name != CHECK_VIDEO}
            )
            self._aligned[key] = (options, aligned)
            return aligned
        except AlignmentError as error:
            raise AlignmentError(
                f"{_source_name(source)}: {marked(error)} Set these options with {advice(keyword)}."
            ) from None

    def _speed_traces(self) -> list[Trace]:
        """Each pose's speed (`pose_speed`: "centroid" or a keypoint), on the pose's own alignment: its rows'
        times on the video's clock, the points the style hides left out."""
        if self.pose_speed is None:
            return []
        return [
            Trace(
                speed_of_pose(
                    overlay.pose,
                    self.calibration,
                    keypoint=self.pose_speed,
                    times=overlay.alignment.sample_times,
                    min_confidence=self.style.confidence_cutoff,
                ),
                overlay.alignment,
            )
            for overlay in self.pose_overlays
        ]

    def _labels_time_map(self):
        """Seconds on the labels' clock -> the video's: None for the video's clock, else the chosen signal's map."""
        if self.labels_clock == "video":
            return None
        names = [_source_name(trace.signal) for trace in self.traces]
        if isinstance(self.labels_clock, (int, np.integer)) and 0 <= self.labels_clock < len(self.traces):
            return self.traces[self.labels_clock].alignment.video_times
        if self.labels_clock in names:
            return self.traces[names.index(self.labels_clock)].alignment.video_times
        positions = f"0..{len(names) - 1}" if len(names) > 1 else "0" if names else "none: no signals"
        raise ChronovizError(
            f"labels_clock={self.labels_clock!r} names no signal: the events and intervals are on the video's clock "
            f"('video', the default), or on the clock of a signal given by its position ({positions}) or name "
            f"({names}). Set it with labels_clock= in a script or --labels-clock on the command line."
        )

    @property
    def aligned_sources(self) -> list[tuple]:
        """Each signal and pose with its `Alignment`, signals first (the speed lanes share their pose's)."""
        signals = self.traces[: len(self.sources.signals)]
        aligned = [(trace.signal, trace.alignment) for trace in signals]
        return aligned + [(overlay.pose, overlay.alignment) for overlay in self.pose_overlays]

    @property
    def messages(self) -> list[str]:
        """What each alignment decided, for the user."""
        return [f"{_source_name(source)}: {alignment.message}" for source, alignment in self.aligned_sources]

    @property
    def alignment_lines(self) -> list[str]:
        """A short line per signal and pose saying how it sits on the video, e.g. "speed.csv: ratio 4"."""
        return [f"{_source_name(source)}: {how_aligned(alignment)}" for source, alignment in self.aligned_sources]

    def panel_geometry(self, frame: int) -> Geometry:
        """The plot panel at `frame` (empty without a panel)."""
        if self.plot is None:
            return Geometry()
        return self.plot.geometry(self.panel_frame(frame), self.layout.panel_box, inset=self.layout.is_inset)

    def panel_frame(self, frame: int) -> int:
        """The frame of `plot` shown on frame `frame`: the same one (a tiled scene's differ)."""
        return frame

    def video_geometry(self, frame: int) -> Geometry:
        """What is drawn over the video at `frame`: every pose source's trails, skeleton, arrows and keypoints,
        the scale bar of a calibrated video (`Style.scale_bar`) and the burned-in time or frame number
        (`Style.timestamp`)."""
        geometry = Geometry()
        for overlay in self.pose_overlays:
            geometry.extend(overlay.geometry(frame))
        geometry.extend(self._scale_bar)
        geometry.extend(self._timestamp(frame))
        return geometry

    def _timestamp(self, frame: int) -> Geometry:
        """The time and/or frame number on a dark plate in the video's top-left corner (top-right when a
        panel sits in the top-left one)."""
        shown = self.style.timestamp
        geometry = Geometry()
        if shown == "none":
            return geometry
        parts = {
            "time": f"{self.frame_times[frame] - self.frame_times[0]:.3f} s",
            "clock": f"{self.frame_times[frame]:.3f} s",
            "frame": f"frame {frame}",
        }
        text = "  ".join(parts[part] for part in shown.split("+"))
        size = float(self.style.font_size)
        width, height = text_width(text, size) + 8, size * 1.6
        x0 = self.video_size[0] - MARGIN - width if self.layout.position == "top-left" else MARGIN
        plate = np.array([[x0, MARGIN, x0 + width, MARGIN + height]])
        geometry.add(Rectangles(plate, rgba([self.style.panel_color], 0.6)))
        geometry.add(Texts(np.array([[x0 + 4, MARGIN + size * 1.25]]), [text], rgba([self.style.text_color]), size))
        return geometry

    def geometry(self, frame: int) -> Geometry:
        """Everything drawn on `frame`: what lies over the video, then the panel (over it when in a corner)."""
        if not 0 <= frame < self.n_frames:
            raise IndexError(f"Frame {frame} is outside the video (0..{self.n_frames - 1}).")
        geometry = self.video_geometry(frame)
        geometry.extend(self.panel_geometry(frame))
        return geometry

    def updated(self, **changes) -> Scene:
        """A new scene with changed `window`, `layout`, `style`, `alignment` or `pose_alignment` (dicts merge into
        the current ones), `labels_clock`, sources (`signals`, `pose`, `events`, `intervals`, `spikes`),
        `calibration` or `pose_speed` (as `build_scene` takes them, None for none), or the video's `frame_times`
        (the same frames on another clock, e.g. a clock map's rig times), or `readable_font` (the least font size
        its text is drawn at, not saved with the style: what napari's view or a scaled export needs). Only the
        sources that are new or whose alignment options changed are aligned again; every source when the frame
        times changed."""
        allowed = (set(SCENE_OPTION_NAMES) - {"tiles"}) | set(SOURCE_KINDS) | {"frame_times", "readable_font"}
        unknown = set(changes) - allowed
        if unknown:
            raise ChronovizError(f"Cannot update {sorted(unknown)}: use {', '.join(sorted(allowed))}.")
        style = (
            self.requested_style.updated(**changes["style"])
            if isinstance(changes.get("style"), dict)
            else changes.get("style", self.requested_style)
        )
        layout = self.requested_layout
        if "layout" in changes:
            layout = _layout(changes["layout"], *self.video_size, base=self.requested_layout)
        window = Window.of(changes["window"]) if "window" in changes else self.window
        alignment = {**self.alignment_options, **changes.get("alignment", {})}
        pose_alignment = {**self.pose_alignment_options, **changes.get("pose_alignment", {})}
        sources = self._sources_with(changes)
        if sources.poses != self.sources.poses:  # the check build_scene makes, of the poses added
            added = [pose for pose in sources.poses if not any(pose is kept for kept in self.sources.poses)]
            _check_poses(added, self.video_path, self.video_size, self.n_frames, pose_alignment)
        frame_times = np.asarray(changes.get("frame_times", self.frame_times), dtype=float)
        if frame_times.shape != self.frame_times.shape:
            raise ChronovizError(
                f"New frame times are for the same {self.n_frames} frames, got {frame_times.shape[0]} times."
            )
        retimed = not np.array_equal(frame_times, self.frame_times)
        return Scene(
            frame_times,
            self.video_size,
            sources,
            alignment=alignment,
            pose_alignment=pose_alignment,
            labels_clock=changes.get("labels_clock", self.labels_clock),
            window=window,
            layout=layout,
            style=style,
            calibration=calibration_of(changes["calibration"]) if "calibration" in changes else self.calibration,
            pose_speed=changes.get("pose_speed", self.pose_speed),
            aligned=None if retimed else self._aligned,
            video_path=self.video_path,
            readable_font=changes.get("readable_font", self.readable_font),
        )

    def _sources_with(self, changes: dict) -> Sources:
        """The sources with those `changes` gives (signals, pose, events, intervals, spikes, as `build_scene`
        takes them); the others, and their paths, stay as they are."""
        given = {name: changes[name] for name in SOURCE_KINDS if name in changes}
        if not given:
            return self.sources
        paths = {name: path for name, path in self.sources.paths.items() if name not in given}
        return replace(self.sources, paths=paths, **_loaded_sources(given, paths))

    @property
    def config(self) -> dict:
        """JSON-able: source paths, alignment, window, layout and style, and the calibration and pose speed when
        set: enough to rebuild the picture."""
        config = {
            "sources": self.sources.paths,
            "alignment": _json_options(self.alignment_options),
            "pose_alignment": _json_options(self.pose_alignment_options),
            "labels_clock": self.labels_clock,
            "window": self.window.to_dict(),
            "layout": self.requested_layout.to_dict(),
            "style": self.requested_style.to_dict(),
        }
        if self.calibration is not None:
            config["calibration"] = self.calibration.to_dict()
        if self.pose_speed is not None:
            config["pose_speed"] = self.pose_speed
        return config


def build_scene(
    video,
    *,
    signals=None,
    pose=None,
    events=None,
    intervals=None,
    spikes=None,
    alignment=None,
    pose_alignment=None,
    labels_clock="video",
    window=None,
    layout=None,
    style=None,
    calibration=None,
    pose_speed=None,
) -> Scene:
    """A `Scene` over `video` (a `VideoSource`) from paths, tables, arrays or loaded objects.

    Parameters
    ----------
    video
        A `VideoSource`, or anything with `frame_times` and `shape`.
    signals
        One or a list of paths / DataFrames / arrays / `Signal`s.
    pose
        One or a list of pose paths or `Pose`s.
    events, intervals
        A path, DataFrame or loaded `Events` / `Intervals`, in seconds on the clock that `labels_clock` names.
    spikes
        One or a list of spike sources (paths, DataFrames or `read_spikes` results; see `read_spikes`), each
        drawn as a raster lane with a row per unit, in seconds on the clock that `labels_clock` names.
    alignment
        `align` options for the signals: mode, ratio, offset, interpolation, sync.
    pose_alignment
        `align` options for the poses: mode, ratio, offset, sync. By default ("auto") a pose is read frame for
        frame: one shorter than the video shows nothing after its end, with a warning naming those frames (pass
        `{"mode": "pad"}` to say it stops early on purpose); one longer than the video is an error. A pose whose
        file says it was made on another video is refused (see `check_pose_video`) unless `check_video` is False.
    labels_clock
        The clock of the events' and intervals' times: "video" (the default: the video's frame times), or a
        signal, by its position in `signals` or its file name: the labels then follow that signal's `offset`
        and `sync` clock map (see `Alignment.video_times`), e.g. events logged by the DAQ that recorded it.
    window
        Seconds on each side, `(left, right)` or `{"left", "right", "unit": "s" | "samples"}`.
    layout
        A panel position ("below", "top-right", ...) or `{"position", "size"}`.
    style
        A dict of `Style` options or a `Style`.
    calibration
        The video's spatial calibration: a `Calibration`, its dict (`Calibration.to_dict`) or a calibration
        file (YAML or JSON, from `chronoviz calibrate` or `write_calibration`). It draws a scale bar over the
        video (`Style.scale_bar`) and gives `pose_speed` in its unit per second.
    pose_speed
        "centroid" or a keypoint name: a lane of each pose's speed per individual, of that keypoint or of the
        centroid of the visible keypoints, in the calibration's unit per second ("cm/s"; "px/s" without a
        calibration); see `pose_speed`. Points hidden by the style's `confidence_cutoff` count as missing.

    Returns
    -------
    Scene
        The video's frame times, layout, style, plot panel and pose overlays; `geometry(frame)` gives what
        to draw on a frame, and `messages` what was decided about each source's alignment.

    Raises
    ------
    ChronovizError
        When a source cannot be read (`SignalError`, `PoseError`, `LabelError`) or placed on the video's
        timeline (`AlignmentError`), an option is unknown, or the calibration is invalid or of another video size.
    """
    paths: dict = {}
    loaded = _loaded_sources(
        {"signals": signals, "pose": pose, "events": events, "intervals": intervals, "spikes": spikes}, paths
    )
    height, width = video.shape[1:3]
    video_path = getattr(video, "recorded_file", None)
    _check_poses(loaded["poses"], video_path, (width, height), len(video.frame_times), pose_alignment or {})
    sources = Sources(paths=paths, **loaded)
    style = style if isinstance(style, Style) else Style.from_dict(style)
    return Scene(
        video.frame_times,
        (width, height),
        sources,
        alignment=alignment or {},
        pose_alignment=pose_alignment or {},
        labels_clock=labels_clock,
        window=Window.of(window),
        layout=_layout(layout, width, height),
        style=style,
        calibration=calibration_of(calibration),
        pose_speed=pose_speed,
        video_path=video_path,
    )


def _check_poses(poses, video_path, video_size: tuple[int, int], n_frames: int, pose_alignment: dict) -> None:
    for pose in poses:
        check_pose_on_video(pose, video_path, video_size, n_frames, pose_alignment)


def _alignment_options(given: dict, allowed: tuple[str, ...], keyword: str) -> dict:
    unknown = set(given) - set(allowed)
    if unknown:
        raise ChronovizError(
            f"Unknown {keyword.replace('_', ' ')} option(s) {sorted(unknown)}: use "
            f"{', '.join(allowed)}. Set them with {advice(keyword)}."
        )
    return dict(given)


def _same_options(first: dict, second: dict) -> bool:
    """Whether two sets of `align` options are the same (`sync` compared as arrays)."""
    return first.keys() == second.keys() and all(
        np.array_equal(np.asarray(first[key], dtype=float), np.asarray(second[key], dtype=float))
        if key == "sync"
        else first[key] == second[key]
        for key in first
    )


def _json_options(options: dict) -> dict:
    return {
        key: (np.asarray(value).tolist() if key == "sync" else value)
        for key, value in options.items()
        if value is not None
    }


def _source_name(source) -> str:
    return Path(source.source).name or type(source).__name__.lower()


# each kind of source: the class it loads into, its reader, and the `Sources` field it fills
LOADERS = {
    "signals": (Signal, read_timeseries, "signals"),
    "pose": (Pose, read_pose, "poses"),
    "events": (Events, read_events, "events"),
    "intervals": (Intervals, read_intervals, "intervals"),
    "spikes": (Spikes, read_spikes, "spikes"),
}


OWN_ALIGNMENTS = {"signals": "signal_alignments", "pose": "pose_alignments"}  # the `Sources` fields


def _loaded_sources(given: dict, paths: dict) -> dict:
    """The `Sources` fields of the kinds in `given` (by `build_scene`'s keyword names): each loaded, its path or
    spec noted in `paths`, and the signals' and poses' own alignment options."""
    fields: dict = {}
    for name, value in given.items():
        kind, reader, field_name = LOADERS[name]
        if name in LABELS:
            fields[field_name] = _load_one(value, kind, reader, paths, name)
            continue
        own: list[dict] = []
        fields[field_name] = tuple(_load_each(value, kind, reader, paths, name, own))
        if name in OWN_ALIGNMENTS:
            fields[OWN_ALIGNMENTS[name]] = tuple(own)
    return fields


def _load_each(given, kind, reader, paths: dict, name: str, alignments: list | None = None) -> list:
    """Each of `given` (one or a list) loaded; `paths[name]` gets each one's path or spec (None: in memory) and
    `alignments` each one's own alignment options."""
    if given is None:
        return []
    items = given if isinstance(given, (list, tuple)) and not _is_plain_sequence(given) else [given]
    loaded, paths[name] = [], []
    for item in items:
        found: dict = {}
        loaded.append(_load_one(item, kind, reader, found, name))
        paths[name].append(found.get(name))
        if alignments is not None:
            alignments.append(_own_alignment(item, name))
    return loaded


def _is_plain_sequence(given) -> bool:
    """A list of numbers is one signal, not a list of signals."""
    return len(given) > 0 and all(isinstance(item, (int, float, np.number)) for item in given)


def _load_one(given, kind, reader, paths: dict, name: str):
    """`given` loaded: as it is when already loaded; a path or `SourceSpec` (or its dict) read, and noted in
    `paths[name]` (a plain path as text, a spec with options as its dict); anything else through `reader`."""
    if given is None or isinstance(given, kind):
        return given
    spec = spec_of(given, name)
    if spec is None:
        return reader(given)
    written = spec.to_dict()
    paths[name] = written if set(written) - {"kind", "path"} else spec.path  # a plain path stays one
    return spec.read()


def _own_alignment(given, name: str) -> dict:
    spec = spec_of(given, name)
    return spec.alignment if spec is not None else {}


def _layout(layout, width: int, height: int, base: Layout | None = None) -> Layout:
    if isinstance(layout, Layout):
        return layout
    base = base or Layout(width, height)
    if layout is None:
        return base
    if isinstance(layout, str):
        return replace(base, position=layout, size=None if layout != base.position else base.size)
    size = layout.get("size", base.size)
    return replace(
        base, position=layout.get("position", base.position), size=tuple(size) if isinstance(size, list) else size
    )
