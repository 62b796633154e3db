"""The plot panel's text: sizes, numbers and times written for its labels, and text fitted to the room it has."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..primitives import Texts, rgba, text_width
from ._constants import MIN_TEXT, SCALE_TEXT, SMALL_TEXT, UNIT_SUFFIX


class TextBatch:
    """Texts gathered by size and anchor, so a frame draws a few `Texts` rather than one per string."""

    def __init__(self):
        self.groups: dict[tuple, tuple[list, list, list]] = {}

    def add(self, x: float, y: float, text: str, color, size: float, anchor: str = "left") -> None:
        if not text:
            return
        positions, strings, colors = self.groups.setdefault((float(size), anchor), ([], [], []))
        positions.append((float(x), float(y)))
        strings.append(text)
        colors.append(np.asarray(color, dtype=float))

    def items(self) -> list[Texts]:
        return [
            Texts(np.array(positions), strings, rgba(colors), size, anchor)
            for (size, anchor), (positions, strings, colors) in self.groups.items()
        ]


def small_text(font: float) -> float:
    """The size of the values, ticks and labels beside names of size `font`."""
    return max(MIN_TEXT, round(font * SMALL_TEXT))


def smallest_text(font: float) -> float:
    """The size of the panel's smallest text (its y scales' labels) with names of size `font`.

    Parameters
    ----------
    font : float
        The style's font size, pixels.

    Returns
    -------
    float
        Pixels.
    """
    return small_text(font) * SCALE_TEXT


def file_stem(source: str) -> str:
    """The file name without its suffix of a source read from a file, else ""."""
    path = Path(source)
    return path.stem if path.suffix else ""


def split_unit(name: str) -> tuple[str, str]:
    """A column name and the unit it carries in brackets: "speed (px/s)" -> ("speed", "px/s")."""
    found = UNIT_SUFFIX.match(str(name))
    return (found.group(1), found.group(2)) if found and found.group(1) else (str(name), "")


def format_value(value: float) -> str:
    """At most 8 characters: 4 significant digits, or a mantissa and exponent."""
    if not np.isfinite(value):
        return "-"
    text = f"{value:.4g}"
    return text if len(text) <= 7 else f"{value:.1e}"


def format_tick(value: float) -> str:
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


def format_time(seconds: float, step: float, clock: bool) -> str:
    """A tick label: seconds with the decimals `step` needs, or with `clock` and a minute or more, m:ss."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if clock and abs(seconds) >= 60:
        minutes, rest = divmod(abs(seconds), 60)
        hours, minutes = divmod(int(minutes), 60)
        rest_text = f"{rest:0{3 + decimals if decimals else 2}.{decimals}f}"
        text = f"{hours}:{minutes:02d}:{rest_text}" if hours else f"{minutes}:{rest_text}"
        return ("-" if seconds < 0 else "") + text
    text = f"{seconds:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def fit_number(text: str, width: float, size: float) -> str:
    """A number written as `text`, with fewer digits when it is wider than `width` pixels at `size`, or left out:
    never cut (0.0684 is not "0.068.")."""
    if text_width(text, size) <= width:
        return text
    shorter = (f"{float(text):.{digits}g}" for digits in (2, 1))
    return next((short for short in shorter if text_width(short, size) <= width), "")


def fit_value(text: str, width: float, size: float) -> str:
    """A current value and its unit ("0.342 mV") in `width` pixels at `size`: with fewer digits and its unit, else
    the number alone: neither the number nor the unit is ever cut. A text that is not a number is `fit`."""
    number, _, unit = text.partition(" ")
    try:
        float(number)
    except ValueError:
        return fit(text, width, size)
    if text_width(text, size) <= width:
        return text
    shorter = fit_number(number, width - text_width(f" {unit}", size), size) if unit else ""
    return f"{shorter} {unit}" if shorter else fit_number(number, width, size)


def fit_line(name: str, value: str, width: float, size: float) -> str:
    """A name and a current value on one line of `width` pixels at `size`: the value fitted first (`fit_value`),
    the name cut short to the room left ("running_sp. 6.5 cm/s"), so a value's unit is never what is cut."""
    value = fit_value(value, width, size)
    name = fit(name, width - text_width(f" {value}", size), size) if name else ""
    return f"{name} {value}" if name else value


def wrapped(text: str, width: float, size: float, rows: int) -> list[str]:
    """`text` on at most `rows` lines of `width` pixels at `size`, broken between words; what does not fit the
    last line is cut there (`fit`)."""
    lines, words = [], text.split(" ")
    while words and len(lines) < rows - 1:
        taken = 1
        while taken < len(words) and text_width(" ".join(words[: taken + 1]), size) <= width:
            taken += 1
        if taken == len(words) and text_width(" ".join(words), size) <= width:
            break
        lines.append(" ".join(words[:taken]))
        words = words[taken:]
    return lines + [" ".join(words)] if words else lines


def fit(text: str, width: float, size: float) -> str:
    """`text`, cut short with a trailing "." when it is wider than `width` pixels at `size`."""
    if text_width(text, size) <= width:
        return text
    while len(text) > 1 and text_width(text + ".", size) > width:
        text = text[:-1]
    return text + "." if width > text_width(text + ".", size) else ""


def row_names(names) -> list[str]:
    """Channels' names for the rows of a heatmap or dense lane: without their unit and without the start they all
    share ("channel 12", "imec0.ap#AP12" -> "12"), which leaves a narrow y axis only that start to show."""
    names = [split_unit(name)[0] for name in names]
    shared = len(os.path.commonprefix(names))
    while shared and names[0][shared - 1].isdigit():  # "site10", "site11": the shared start ends before a number
        shared -= 1
    return [name[shared:] for name in names] if all(name[shared:] for name in names) else names
