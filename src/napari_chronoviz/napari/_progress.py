"""The export's progress shown as a napari progress bar: one adapter for the writer and the dock widget."""

from __future__ import annotations

from collections.abc import Callable


def progress_callback(bar) -> Callable[[int, int], bool]:
    """An export `progress` callback that moves `bar` (a `napari.utils.progress`) to the frames done.

    Returns True, which cancels the export, once a `cancelable_progress` bar was cancelled in napari.
    """

    def report(done: int, total: int) -> bool:
        bar.update(done - bar.n)
        return bool(getattr(bar, "is_canceled", False))

    return report
