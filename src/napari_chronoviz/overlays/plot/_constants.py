"""The plot panel's sizes and proportions, in pixels or as parts of a text size or of the panel."""

from __future__ import annotations

import re

PADDING = 4.0  # pixels between a lane's edge and its trace
TICK = 4.0  # length of the axes' ticks, pixels
EVENT_ROWS = 2  # rows of event labels above the lanes; a label that fits in none is left out
EVENT_ROW_HEIGHT = 1.6  # of the small text's size: room for the descenders of the row above
SMOOTHING = 0.25  # of the window's span: how far "window" y-limits look around each frame, so they glide
GRID_ALPHA = 0.18  # of the faint vertical lines at the time ticks
MIN_TEXT = 8.0  # pixels: smaller text is not drawn legibly by the rasterizer
SMALL_TEXT = 0.8  # of the names' size: values, ticks, labels
SCALE_TEXT = 1.0  # of the small text: the y scales' labels, as readable as the ticks
NAME_AND_VALUE = 1.9  # of the name's size: a one-channel lane's name line and its value line below it
SCALE_ROWS = 2.5  # of the y scale's text size: the least lane height whose scale shows its two labels
GUTTER_SHARE, SCALE_SHARE = 0.35, 0.2  # at most these parts of a column's width go to names and y scales
LANE_GAP = 3.0  # pixels between lanes, so one lane's lower label does not touch the next one's upper label
UNIT_SUFFIX = re.compile(r"^(.*?)\s*[(\[]([^()\[\]]+)[)\]]\s*$")  # "speed (px/s)", "dF/F [%]"
VALUE_RESERVE = "-8.8e+88"  # as wide as any value `format_value` writes
MAX_TICKS = 7
DENSE_ROWS_HEIGHT = 12  # of the small text's size: the most a dense lane asks for its rows (2 pixels each)
ROWS_PER_SWING = 2.0  # a dense lane's automatic scale: its rows this many times a channel's typical peak-to-peak
SCROLL_MARGIN = 8  # pixels of the strip drawn past each end of a range: line ends and cuts fall outside it
NICE_STEPS = [m * 10.0**e for e in range(-3, 3) for m in (1, 2, 5)] + [300, 600, 900, 1800, 3600, 7200]
