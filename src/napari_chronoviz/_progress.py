"""Progress of a long pass (an export, a pyramid build): a line on stderr, or a caller's callback."""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time
from collections.abc import Callable

Progress = bool | Callable[[int, int], bool | None]
# set inside `silenced()`: `progress=True` then prints nothing (passes started deep inside, e.g. a pyramid built
# while a scene is, cannot be handed the command's --quiet)
_SILENCED = contextvars.ContextVar("chronoviz_progress_silenced", default=False)


@contextlib.contextmanager
def silenced():
    """No progress line on stderr inside this context (a command's `--quiet`); callbacks still get theirs."""
    token = _SILENCED.set(True)
    try:
        yield
    finally:
        _SILENCED.reset(token)


def progress_reporter(
    progress: Progress, total: int, what: str = "export", unit: str = "frames"
) -> Callable[[int], bool]:
    """A function of items done that reports progress and returns True when asked to cancel.

    Parameters
    ----------
    progress
        True (a line on stderr: one updating line on a terminal, a line per 10% in a log; none inside
        `silenced()`), False (silent), or a callable `(done, total)` whose true return asks to cancel.
    total
        How many items the pass does.
    what, unit
        What the line names: "export: 10/250 frames, ...".

    Returns
    -------
    callable
        `report(done)`, returning True when the caller should stop.
    """
    if callable(progress):
        return lambda done: bool(progress(done, total))
    if not progress or _SILENCED.get():
        return lambda done: False
    started = time.perf_counter()
    terminal = sys.stderr.isatty()
    every = 25 if terminal else max(total // 10, 1)

    printed = [0]

    def report(done: int) -> bool:
        if done == total or done - printed[0] >= every:
            printed[0] = done
            elapsed = time.perf_counter() - started
            rate = done / elapsed if elapsed > 0 else 0.0
            left = (total - done) / rate if rate else 0.0
            line = f"{what}: {done}/{total} {unit}, {rate:.0f} {unit}/s, {left:.0f} s left"
            sys.stderr.write(f"\r{line} " if terminal else f"{line}\n")
            if terminal and done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return False

    return report
