"""Small checks on time arrays shared by the readers and the timeline."""

from __future__ import annotations

import numpy as np


def not_later_than_previous(times: np.ndarray, limit: int = 5) -> list[int]:
    """Indices of the first `limit` entries that are not later than the entry before (empty: increasing)."""
    return (np.flatnonzero(np.diff(times) <= 0)[:limit] + 1).tolist()
