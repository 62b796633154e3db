"""Sync barcodes: numbers sent as bits on the sync line, read on both clocks, which name the matching pulses.

A rig that sends barcodes (as Open Ephys and the Allen Institute's Neuropixels rigs do, from an Arduino) does
not depend on the pattern of random intervals to be matched: every few seconds the line sends a start bit
(high), then the bits of a number that counts up, least significant first, high for a 1, each `bit` seconds
long, then stays low until the next. The same number read in the video (the LED's edges) and on the rig (its
TTL edges) names one moment on both clocks, whatever their offset.

Random-interval trains, the other kind of barcode, need nothing more: their intervals are matched as they are
(`fit.fit_sync`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SyncError, advice
from .edges import Edges


@dataclass(frozen=True)
class BitCodes:
    """How a rig sends its barcodes: every `interval` seconds a start bit, then `n_bits` bits of a number
    counting up (least significant first, high = 1), each `bit` seconds long.

    The video reads a bit reliably when it lasts at least two frames (e.g. `bit=0.1` at 30 fps); the rig's
    usual 30 ms bits suit its TTL line, not a camera.
    """

    bit: float = 0.1
    n_bits: int = 16
    interval: float = 5.0

    def __post_init__(self):
        if not (self.bit > 0 and self.n_bits >= 1 and self.interval > 0):
            raise SyncError(f"Barcodes need a positive bit length, bit count and interval, got {self}.")
        if self.interval <= 2 * self.span:
            raise SyncError(
                f"Barcodes of {self.n_bits} bits of {self.bit} s last {self.span:g} s: they must come more than "
                f"twice that apart (got every {self.interval:g} s) to be told from one another."
            )

    @classmethod
    def from_text(cls, text: str) -> BitCodes:
        """Barcodes typed as "bits,bit_ms,interval_s", e.g. "16,100,5" (`chronoviz sync --barcodes`, the dock)."""
        try:
            bits, bit_ms, interval = (float(part) for part in text.split(","))
        except ValueError:
            raise SyncError(
                f"Barcodes are typed as bits,bit_ms,interval_s (their bit count, each bit's length in ms and the "
                f"seconds from one to the next), e.g. 16,100,5; got {text!r}."
            ) from None
        if bits != int(bits):
            raise SyncError(f"A barcode's bit count is a whole number, got {bits:g} in {text!r}.")
        return cls(bit=bit_ms / 1000, n_bits=int(bits), interval=interval)

    @property
    def span(self) -> float:
        """Seconds from a code's start to the end of its last bit."""
        return (self.n_bits + 1) * self.bit

    def pulses(self, seconds: float, *, first: int = 0, start: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """The line's (rising, falling) edge times of the codes sent from `start` for `seconds`, numbered from
        `first` (how a rig drives it; for tests and for scripts that drive an LED)."""
        rising, falling = [], []
        for count, code_start in enumerate(np.arange(start, start + seconds - self.span, self.interval)):
            levels = [1, *((((first + count) % 2**self.n_bits) >> bit) & 1 for bit in range(self.n_bits)), 0]
            changes = np.flatnonzero(np.diff([0, *levels]))
            for position in changes:
                (rising if levels[position] else falling).append(code_start + position * self.bit)
        return np.array(rising), np.array(falling)

    def decode(self, edges: Edges) -> tuple[np.ndarray, np.ndarray]:
        """The codes in a line's `edges`: (start times, numbers), on the edges' clock.

        A code starts at a rising edge after the line was low longer than a code lasts; each bit is the line's
        state at the middle of its bit time. A code cut by the recording's end (no edge after it) is left out.
        """
        times = np.concatenate([edges.rising, edges.falling])
        order = np.argsort(times, kind="stable")
        times = times[order]
        high = np.concatenate([np.ones(len(edges.rising), bool), np.zeros(len(edges.falling), bool)])[order]
        starts = [
            index
            for index in range(1, len(times))
            if high[index] and not high[index - 1] and times[index] - times[index - 1] > self.span
        ]
        middles = (1.5 + np.arange(self.n_bits)) * self.bit
        codes, numbers = [], []
        for index in starts:
            start = times[index]
            if times[-1] < start + self.span:
                continue
            last_edge = np.searchsorted(times, start + middles, side="right") - 1
            bits = high[last_edge].astype(np.int64)
            codes.append(start)
            numbers.append(int(np.sum(bits << np.arange(self.n_bits))))
        return np.array(codes, dtype=float), np.array(numbers, dtype=np.int64)


def matching_codes(video: tuple[np.ndarray, np.ndarray], rig: tuple[np.ndarray, np.ndarray]):
    """The start times (video, rig), in the video's order, of the codes read on both sides with the same number,
    each number seen once on each side (`BitCodes.decode` of each).

    Raises
    ------
    SyncError
        When fewer than two codes are read on both sides.
    """
    video_by, rig_by = _read_once(*video), _read_once(*rig)
    common = sorted(set(video_by) & set(rig_by), key=video_by.get)
    if len(common) < 2:
        raise SyncError(
            f"Barcodes: {len(video[1])} read in the video, {len(rig[1])} on the rig, {len(common)} in common; two "
            f"are needed. Check the bit length and count ({advice('barcodes')}), and that the rig's file has both "
            f"rising and falling edges (a state column; {advice('pulses')})."
        )
    return np.array([video_by[number] for number in common]), np.array([rig_by[number] for number in common])


def _read_once(times: np.ndarray, numbers: np.ndarray) -> dict[int, float]:
    """Number -> start time of the numbers read once (a number read twice, after the count wrapped, names none)."""
    values, counts = np.unique(numbers, return_counts=True)
    once = set(values[counts == 1].tolist())
    return {number: time for number, time in zip(numbers.tolist(), times.tolist()) if number in once}
