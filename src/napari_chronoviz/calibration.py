"""Spatial calibration: video pixels -> lengths in the arena (cm, mm, ...), and the small file that keeps it.

Three ways to make one, as behavior labs measure their arenas:

- `Calibration.from_points(p1, p2, distance)`: two points a known distance apart (a ruler, the arena's wall):
  one scale for the whole image, for a camera looking straight down.
- `Calibration.from_corners(corners, width, height)`: the four corners of a rectangular arena, for a camera at
  an angle: a homography (`cv2.getPerspectiveTransform`) puts the arena's floor back into a rectangle.
- `Calibration.from_scale(px_per_unit)`: a scale known from the rig (SimBA's "pixels per mm").

Coordinates follow the video (and DeepLabCut, SLEAP, movement): (x, y) = (column, row) in pixels, y down.
The world coordinates keep that orientation: from two points or a scale, `(x, y) / px_per_unit` (origin at
the video's top-left corner); from corners, the first corner is (0, 0), the second (width, 0), the third
(width, height) and the fourth (0, height).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .errors import ChronovizError
from .io.tables import write_text_atomically

FILE_KEY = "chronoviz_calibration"  # marks a calibration file, with its format version
FILE_VERSION = 1
CORNER_ORDER = "top-left, top-right, bottom-right, bottom-left (clockwise as the video shows the arena)"
MIN_PIXELS_APART = 1.0


@dataclass(frozen=True, eq=False)
class Calibration:
    """A map from video pixels to lengths in `unit`; make one with `from_points`, `from_corners` or `from_scale`.

    Attributes
    ----------
    matrix : numpy.ndarray
        (3, 3): homogeneous pixel (x, y, 1) -> world (X, Y, W); the world point is (X / W, Y / W).
    unit : str
        The world's unit of length, e.g. "cm".
    definition : dict
        What it was made from, JSON-able: `{"points", "distance"}`, `{"corners", "width", "height"}` or
        `{"px_per_unit"}` (written by `to_dict`).
    video_size : tuple of int or None
        (width, height) of the video it was made on, when known: a scene refuses a video of another size.
    """

    matrix: np.ndarray
    unit: str
    definition: dict = field(default_factory=dict)
    video_size: tuple[int, int] | None = None

    @classmethod
    def from_points(cls, p1, p2, distance: float, unit: str = "cm", *, video_size=None) -> Calibration:
        """One scale for the whole image, from two points `distance` units apart.

        Parameters
        ----------
        p1, p2
            (x, y) pixels of the two ends of a known length, e.g. a ruler's marks or the arena's width.
        distance
            Their distance in `unit`.
        unit
            The unit of length: "cm" (default), "mm", "m", "in", ...
        video_size
            (width, height) of the video the points were taken on, if known.

        Returns
        -------
        Calibration
            World = pixels / px_per_unit, origin at the video's top-left corner.

        Raises
        ------
        ChronovizError
            For points that are not two numbers each, less than a pixel apart, or a distance that is not positive.
        """
        points = _points([p1, p2], 2, "from_points takes two points p1, p2")
        distance = _positive(distance, "The distance between the two points")
        apart = float(np.linalg.norm(points[1] - points[0]))
        if apart < MIN_PIXELS_APART:
            raise ChronovizError(
                f"The two calibration points {points.tolist()} are {apart:.2g} px apart: click the two ends of a "
                "known length (a ruler, a wall of the arena), as far apart as the video shows them."
            )
        definition = {"points": points.tolist(), "distance": distance}
        return cls(_uniform(distance / apart), _unit(unit), definition, _size(video_size, points))

    @classmethod
    def from_corners(cls, corners, width: float, height: float, unit: str = "cm", *, video_size=None) -> Calibration:
        """A homography from the four corners of a rectangular arena, `width` by `height` units.

        Parameters
        ----------
        corners
            (4, 2) pixels (x, y) of the arena's corners in the order top-left, top-right, bottom-right,
            bottom-left as the video shows them (clockwise on screen). They map to (0, 0), (width, 0),
            (width, height) and (0, height).
        width, height
            The arena's size in `unit`: `width` along the first edge (first to second corner), `height` along
            the second (second to third corner).
        unit
            The unit of length: "cm" (default), "mm", ...
        video_size
            (width, height) of the video the corners were taken on, if known.

        Returns
        -------
        Calibration
            The perspective map of the arena's floor; lengths are exact on that plane (not above it).

        Raises
        ------
        ChronovizError
            For anything but 4 points, a size that is not positive, or corners that are not the corners of a
            convex quadrilateral in that order (points repeated or on one line, edges that cross, or
            counter-clockwise).
        """
        corners = _points(corners, 4, f"from_corners takes the 4 corners of the arena, {CORNER_ORDER}")
        width = _positive(width, "The arena's width")
        height = _positive(height, "The arena's height")
        _require_convex_clockwise(corners)
        import cv2

        world = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), world)
        definition = {"corners": corners.tolist(), "width": width, "height": height}
        return cls(np.asarray(matrix, dtype=float), _unit(unit), definition, _size(video_size, corners))

    @classmethod
    def from_scale(cls, px_per_unit: float, unit: str = "cm", *, video_size=None) -> Calibration:
        """One scale for the whole image, known from the rig: `px_per_unit` pixels per `unit`.

        Parameters
        ----------
        px_per_unit
            Pixels per unit of length, e.g. 8.4 pixels per mm.
        unit
            The unit of length.
        video_size
            (width, height) of the video the scale belongs to, if known.

        Returns
        -------
        Calibration
            World = pixels / px_per_unit.

        Raises
        ------
        ChronovizError
            When `px_per_unit` is not a positive number.
        """
        scale = _positive(px_per_unit, "px_per_unit (pixels per unit of length)")
        return cls(_uniform(1 / scale), _unit(unit), {"px_per_unit": scale}, _size(video_size))

    def to_world(self, points_px) -> np.ndarray:
        """Pixels (x, y) -> world coordinates in `unit`.

        Parameters
        ----------
        points_px
            An array whose last axis holds (x, y): (2,), (n, 2), or e.g. a pose's (frames, individuals,
            keypoints, 2).

        Returns
        -------
        numpy.ndarray
            The same shape, in `unit`. NaN where the input is NaN, and, with a homography, for points beyond
            the horizon of the arena's plane (they have no place on it).

        Raises
        ------
        ChronovizError
            When the last axis does not hold 2 values.
        """
        return _apply(self.matrix, _xy(points_px, "to_world"), self.reference_point)

    def to_pixels(self, points_world) -> np.ndarray:
        """World coordinates in `unit` -> pixels (x, y): the inverse of `to_world`.

        Parameters
        ----------
        points_world
            An array whose last axis holds (x, y) in `unit`.

        Returns
        -------
        numpy.ndarray
            The same shape, in pixels; NaN where the input is NaN.
        """
        return _apply(np.linalg.inv(self.matrix), _xy(points_world, "to_pixels"), self.to_world(self.reference_point))

    def px_per_unit(self, at=None) -> float:
        """Pixels per unit of length along the image's x axis at a pixel: the local scale a scale bar shows there.

        Parameters
        ----------
        at
            The pixel (x, y); default `reference_point` (the middle of the arena for corners). From two points
            or a scale the result is the same everywhere; with a homography it changes across the image.

        Returns
        -------
        float
            Pixels per `unit`.
        """
        at = self.reference_point if at is None else np.asarray(at, dtype=float)
        x, y = at
        numerator = self.matrix[:2] @ [x, y, 1.0]
        w = self.matrix[2] @ [x, y, 1.0]
        column = (self.matrix[:2, 0] * w - numerator * self.matrix[2, 0]) / w**2  # d(world) / dx
        return float(1 / np.linalg.norm(column))

    @property
    def reference_point(self) -> np.ndarray:
        """The pixel (x, y) where the scale is read by default: the mean of the clicked points (the middle of the
        arena for corners), or the origin for a scale."""
        landmarks = self.definition.get("corners", self.definition.get("points", [[0.0, 0.0]]))
        return np.mean(np.asarray(landmarks, dtype=float), axis=0)

    @property
    def summary(self) -> str:
        """One line for people: the scale and what it was made from."""
        scale = f"{self.px_per_unit():.4g} px/{self.unit}"
        if "corners" in self.definition:
            size = f"{self.definition['width']:g} x {self.definition['height']:g} {self.unit}"
            return f"{scale} at the arena's middle (corners of a {size} arena)"
        if "points" in self.definition:
            return f"{scale} (two points {self.definition['distance']:g} {self.unit} apart)"
        return scale

    def to_dict(self) -> dict:
        """JSON-able: the unit, what it was made from and the video's size (when known); `from_dict` reads it."""
        written = {"unit": self.unit, **self.definition}
        if self.video_size is not None:
            written["video_size"] = list(self.video_size)
        return written

    @classmethod
    def from_dict(cls, given: dict) -> Calibration:
        """A calibration from `to_dict`'s keys: `unit` with `points` + `distance`, `corners` + `width` + `height`,
        or `px_per_unit`; optionally `video_size`.

        Raises
        ------
        ChronovizError
            When the keys are not exactly one of those sets, or their values are invalid.
        """
        if not isinstance(given, dict):
            raise ChronovizError(f"A calibration is a mapping (unit, points, distance, ...), not {given!r}.")
        options = {key: value for key, value in given.items() if key != FILE_KEY}
        unit, video_size = options.pop("unit", "cm"), options.pop("video_size", None)
        if set(options) == {"points", "distance"}:
            p1, p2 = _points(options["points"], 2, "points holds the two points")
            return cls.from_points(p1, p2, options["distance"], unit, video_size=video_size)
        if set(options) == {"corners", "width", "height"}:
            return cls.from_corners(
                options["corners"], options["width"], options["height"], unit, video_size=video_size
            )
        if set(options) == {"px_per_unit"}:
            return cls.from_scale(options["px_per_unit"], unit, video_size=video_size)
        raise ChronovizError(
            f"A calibration needs one of: points + distance (two points a known distance apart), corners + width + "
            f"height (the arena's corners, {CORNER_ORDER}), or px_per_unit; plus unit (default cm) and "
            f"optionally video_size. Got the keys {sorted(given)}."
        )

    def check_video(self, width: int, height: int) -> None:
        """Raise a `ChronovizError` when the calibration was made on a video of another size than `width` x `height`."""
        if self.video_size is not None and tuple(self.video_size) != (int(width), int(height)):
            made_on = "x".join(map(str, self.video_size))
            raise ChronovizError(
                f"The calibration was made on a {made_on} video, but this video is {width}x{height}: its pixels "
                "are other lengths. Calibrate this video (chronoviz calibrate, or Calibrate in the dock)."
            )


def calibration_of(given) -> Calibration | None:
    """A `Calibration` from None, a `Calibration`, a dict (`Calibration.from_dict`) or a file (`read_calibration`).

    Parameters
    ----------
    given
        What the user passed as `calibration=`.

    Returns
    -------
    Calibration or None
        None for None.

    Raises
    ------
    ChronovizError
        For anything else, or an invalid calibration.
    """
    if given is None or isinstance(given, Calibration):
        return given
    if isinstance(given, dict):
        return Calibration.from_dict(given)
    if isinstance(given, (str, Path)):
        return read_calibration(given)
    raise ChronovizError(
        f"calibration= takes a Calibration, a dict or a calibration file (YAML or JSON), not {type(given).__name__}."
    )


def read_calibration(path) -> Calibration:
    """Read a calibration file written by `write_calibration` or `chronoviz calibrate` (YAML or JSON).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Calibration
        The calibration it holds.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ChronovizError
        When it is not a calibration file, or its calibration is invalid (the message names the file).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"Calibration file not found: {path}")
    try:
        given = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML
    except yaml.YAMLError as error:
        raise ChronovizError(f"{path} is not a calibration file (YAML or JSON): {error}") from None
    if not isinstance(given, dict) or FILE_KEY not in given:
        raise ChronovizError(
            f"{path} is not a chronoviz calibration file: it has no `{FILE_KEY}` entry. Make one with "
            "`chronoviz calibrate VIDEO ... -o FILE` or write_calibration."
        )
    try:
        return Calibration.from_dict(given)
    except ChronovizError as error:
        raise ChronovizError(f"{path}: {error}") from None


def write_calibration(path, calibration: Calibration, *, overwrite: bool = False) -> Path:
    """Write `calibration` to `path`: JSON for a `.json` file, else YAML.

    Parameters
    ----------
    path
        The file to write.
    calibration
        The calibration.
    overwrite
        Replace an existing file.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    FileExistsError
        When the file exists and `overwrite` is False.
    """
    path = Path(path).expanduser()
    content = {FILE_KEY: FILE_VERSION, **calibration.to_dict()}
    if path.suffix.lower() == ".json":
        text = json.dumps(content, indent=2) + "\n"
    else:
        text = yaml.safe_dump(content, sort_keys=False, default_flow_style=None)
    return write_text_atomically(path, text, overwrite=overwrite)


def _uniform(units_per_pixel: float) -> np.ndarray:
    return np.diag([units_per_pixel, units_per_pixel, 1.0])


def _apply(matrix: np.ndarray, xy: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`matrix` applied to points (last axis x, y); NaN for points beyond the horizon: on the other side of the
    line W = 0 from `reference`, a point of the arena."""
    homogeneous = xy @ matrix[:, :2].T + matrix[:, 2]
    w = homogeneous[..., 2:]
    on_plane = w * np.sign(matrix[2] @ [*reference, 1.0]) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(on_plane, homogeneous[..., :2] / w, np.nan)


def _xy(points, method: str) -> np.ndarray:
    array = np.asarray(points, dtype=float)
    if array.ndim == 0 or array.shape[-1] != 2:
        raise ChronovizError(f"{method} takes points with (x, y) on the last axis, e.g. (n, 2); got {array.shape}.")
    return array


def _points(points, count: int, what: str) -> np.ndarray:
    """`count` finite (x, y) points as a (count, 2) array; an error saying `what` was expected otherwise."""
    try:
        array = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise ChronovizError(f"{what}, each (x, y) in pixels; got {points!r}.") from None
    if array.shape != (count, 2):
        raise ChronovizError(f"{what}, each (x, y) in pixels: a ({count}, 2) array; got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ChronovizError(f"{what}, each (x, y) in pixels; got missing or infinite values: {array.tolist()}.")
    return array


def _positive(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ChronovizError(f"{what} must be a positive number, not {value!r}.") from None
    if not np.isfinite(number) or number <= 0:
        raise ChronovizError(f"{what} must be a positive number (in the calibration's unit), not {value!r}.")
    return number


def _unit(unit) -> str:
    if not isinstance(unit, str) or not unit.strip() or set(unit) & set("()[]/"):
        raise ChronovizError(f"The unit of length must be a name such as 'cm' or 'mm', not {unit!r}.")
    return unit.strip()


def _size(video_size, points=None) -> tuple[int, int] | None:
    """`video_size` as (width, height), checked to hold the `points` taken on it."""
    if video_size is None:
        return None
    try:
        width, height = (int(value) for value in video_size)
    except (TypeError, ValueError):
        raise ChronovizError(f"video_size is the video's (width, height) in pixels, not {video_size!r}.") from None
    if points is not None and not ((points >= 0).all() and (points <= [width, height]).all()):
        raise ChronovizError(
            f"The calibration points {points.tolist()} are not all inside the {width}x{height} video: each is "
            "(x, y) = (column, row) in pixels, from its top-left corner. Check the order of x and y and the video."
        )
    return width, height


def _require_convex_clockwise(corners: np.ndarray) -> None:
    """Raise unless the corners, in order, go around a convex quadrilateral clockwise on screen (y down)."""
    edges = np.roll(corners, -1, axis=0) - corners
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    size = max(float(np.ptp(corners, axis=0).max()), MIN_PIXELS_APART)
    flat = np.abs(turns) < 1e-6 * size**2
    given = f"Got {corners.tolist()}."
    if flat.any() or size <= MIN_PIXELS_APART:
        raise ChronovizError(
            f"Three of the arena's corners lie on one line (or two are the same point), so they are not the "
            f"corners of a quadrilateral. Click the 4 corners of the arena's floor, {CORNER_ORDER}. {given}"
        )
    if (turns < 0).all():
        raise ChronovizError(
            "The arena's corners go around it counter-clockwise on screen; give them clockwise: "
            f"{CORNER_ORDER}. {given}"
        )
    if not (turns > 0).all():
        raise ChronovizError(
            "The arena's corners are not a convex quadrilateral in this order: two of its edges cross (corners out "
            f"of order) or one corner lies inside the others' triangle. Give them {CORNER_ORDER}. {given}"
        )
