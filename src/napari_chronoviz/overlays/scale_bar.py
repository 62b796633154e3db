"""The scale bar of a calibrated video: a round length of the calibration's unit, drawn over the video's bottom-left
corner as primitives, so the export and napari's overlay image show the same pixels.

napari's own scale bar reads the layers' world units; chronoviz keeps world = canvas pixels (so an export and a
screenshot line up), so the bar is drawn here instead.
"""

from __future__ import annotations

import numpy as np

from ..calibration import Calibration
from ..errors import ChronovizError
from .layout import MARGIN
from .primitives import Geometry, Rectangles, Texts, rgba, text_width
from .style import Style

AUTO_FRACTION = 0.175  # of the video's width: an automatic bar is the round length nearest to this
ROUND_STEPS = (1.0, 2.0, 5.0)  # an automatic length is one of these times a power of ten
PADDING = 6.0  # pixels between the plate's edge and the bar or its label


def bar_length(calibration: Calibration, video_width: int, length: float | str = "auto") -> tuple[float, float]:
    """The bar's length in units and in pixels, at the calibration's reference point (the arena's middle).

    Parameters
    ----------
    calibration
        The video's calibration.
    video_width
        Pixels.
    length
        A length in the calibration's unit, or "auto": the length of 1, 2 or 5 times a power of ten whose bar is
        nearest (in ratio) to `AUTO_FRACTION` of the video's width.

    Returns
    -------
    tuple of float
        (units, pixels).
    """
    px_per_unit = calibration.px_per_unit()
    if length != "auto":
        return float(length), float(length) * px_per_unit
    target = AUTO_FRACTION * video_width / px_per_unit
    exponent = np.floor(np.log10(target))
    candidates = np.array(
        [step * 10**power for power in (exponent - 1, exponent, exponent + 1) for step in ROUND_STEPS]
    )
    units = float(candidates[np.argmin(np.abs(np.log(candidates / target)))])
    return units, units * px_per_unit


def scale_bar_geometry(calibration: Calibration, video_size: tuple[int, int], style: Style, corner: str) -> Geometry:
    """The bar, its label ("10 cm") above it and a dark plate under both, in a bottom corner of the video.

    Parameters
    ----------
    calibration
        The video's calibration.
    video_size
        (width, height) in pixels.
    style
        `scale_bar` ("auto", "none" or a length), `font_size` (set), `text_color` (bar and label) and `panel_color`.
    corner
        "bottom-left" or "bottom-right".

    Returns
    -------
    Geometry
        Empty with `scale_bar="none"`.

    Raises
    ------
    ChronovizError
        When the bar would not fit in the video's width.
    """
    geometry = Geometry()
    if style.scale_bar == "none":
        return geometry
    width, height = video_size
    units, pixels = bar_length(calibration, width, style.scale_bar)
    label = f"{units:g} {calibration.unit}"
    size = float(style.font_size)
    plate_width = max(pixels, text_width(label, size)) + 2 * PADDING
    if plate_width > width - 2 * MARGIN:
        raise ChronovizError(
            f"A scale bar of {label} is {pixels:.0f} px long, wider than the video ({width} px): choose a shorter "
            f"scale_bar (in {calibration.unit}), or 'auto'."
        )
    thickness = max(3.0, round(size / 4))
    x0 = MARGIN if corner == "bottom-left" else width - MARGIN - plate_width
    y1 = height - MARGIN
    y0 = y1 - (2 * PADDING + size * 1.6 + thickness)
    middle = x0 + plate_width / 2
    geometry.add(Rectangles(np.array([[x0, y0, x0 + plate_width, y1]]), rgba([style.panel_color], 0.6)))
    bar = [middle - pixels / 2, y1 - PADDING - thickness, middle + pixels / 2, y1 - PADDING]
    geometry.add(Rectangles(np.array([bar]), rgba([style.text_color], 1.0)))
    geometry.add(
        Texts(np.array([[middle, y0 + PADDING + size * 1.25]]), [label], rgba([style.text_color]), size, "center")
    )
    return geometry
