"""The timeline: exact positions for each mode, properties over random lengths and ratios, bad input."""

from __future__ import annotations

import dataclasses
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_chronoviz.errors import AlignmentError
from napari_chronoviz.timeline import align

FPS = 30.0


def frame_times(n_frames: int) -> np.ndarray:
    return np.arange(n_frames) / FPS


@pytest.mark.parametrize("ratio", [1, 2, 3, 4, Fraction(1, 2), Fraction(1, 3), Fraction(1, 4)])
def test_auto_detects_each_ratio_exactly(ratio):
    n_frames = 120
    n_samples = int(n_frames * ratio)
    alignment = align(frame_times(n_frames), n_samples)
    assert alignment.mode == ("frame" if ratio == 1 else "ratio")
    assert alignment.ratio == pytest.approx(float(ratio))
    np.testing.assert_allclose(alignment.positions[:5], np.arange(5) * float(ratio))
    last = alignment.positions[-1]
    assert last == pytest.approx((n_frames - 1) * float(ratio))
    assert "auto" in alignment.message


def test_a_ratio_4_signal_has_4_samples_per_frame():
    alignment = align(frame_times(100), np.arange(400.0))
    assert np.all(np.diff(alignment.positions) == 4)


def test_997_samples_for_1000_frames_fit_no_ratio_and_auto_explains_both():
    with pytest.raises(AlignmentError, match=r"997 samples do not fit 1000 video frames.*stretch.*pad"):
        align(frame_times(1000), 997)


def test_stretch_spreads_997_samples_over_1000_frames():
    alignment = align(frame_times(1000), 997, mode="stretch")
    assert alignment.positions[0] == 0 and alignment.positions[-1] == pytest.approx(996)
    assert np.all(np.isfinite(alignment.positions))
    np.testing.assert_allclose(np.diff(alignment.positions), 996 / 999)


def test_pad_keeps_the_rate_and_blanks_frames_past_the_end():
    alignment = align(frame_times(1000), 997, mode="pad")
    np.testing.assert_array_equal(alignment.positions[:997], np.arange(997))
    assert np.all(np.isnan(alignment.positions[997:]))
    assert np.isnan(alignment.values(np.arange(997.0), 998))


def test_offset_in_rate_modes_is_seconds():
    alignment = align(frame_times(100), 100, mode="frame", offset=1.0)  # source starts 1 s (30 frames) later
    assert np.all(np.isnan(alignment.positions[:30]))
    assert alignment.positions[30] == pytest.approx(0)


def test_timestamps_with_offset_and_interpolations():
    source_times = np.arange(0, 10, 0.01)  # 100 Hz for 10 s
    values = np.sin(source_times)
    signal = type("Signal", (), {"times": source_times, "values": values})()
    alignment = align(frame_times(300), signal, offset=0.5)
    assert alignment.mode == "timestamps"
    np.testing.assert_allclose(alignment.positions[15:20], (frame_times(300)[15:20] - 0.5) * 100)
    assert np.all(np.isnan(alignment.positions[:15]))
    np.testing.assert_allclose(alignment.values(values, 100), np.sin(100 / FPS - 0.5), atol=1e-4)
    nearest = align(frame_times(300), signal, offset=0.5, interpolation="nearest")
    previous = align(frame_times(300), signal, offset=0.5, interpolation="previous")
    position = nearest.positions[101]
    assert nearest.values(values, 101) == values[int(np.round(position))]
    assert previous.values(values, 101) == values[int(np.floor(position))]


def test_sync_events_fit_offset_and_drift():
    rng = np.random.default_rng(0)
    source_events = np.sort(rng.uniform(0, 60, 20))
    video_events = 1.0001 * source_events + 2.5  # source clock 100 ppm slow, started 2.5 s late
    source_times = np.arange(0, 60, 0.001)
    signal = type("Signal", (), {"times": source_times, "values": source_times})()
    alignment = align(np.arange(0, 60, 1 / 30), signal, mode="timestamps", sync=(video_events, source_events))
    assert alignment.clock.slope == pytest.approx(1.0001) and alignment.clock.intercept == pytest.approx(2.5)
    assert np.abs(alignment.clock.residuals).max() < 1e-9
    frame = 900  # 30 s on the video clock
    expected_source_time = (30.0 - 2.5) / 1.0001
    assert alignment.values(source_times, frame) == pytest.approx(expected_source_time, abs=1e-6)


def test_times_in_ms_passed_as_seconds_are_diagnosed():
    signal = type("Signal", (), {"times": np.arange(0, 10_000, 10.0) + 50_000, "values": np.zeros(1000)})()
    with pytest.raises(AlignmentError, match="do not overlap.*milliseconds"):
        align(frame_times(300), signal)


def test_partial_overlap_warns_with_both_ranges():
    signal = type("Signal", (), {"times": np.arange(8, 20, 0.1), "values": np.zeros(120)})()
    with pytest.warns(
        UserWarning, match=r"covers only 20% of the video \(video 0.000..9.967 s, source 8.000..19.900 s\)"
    ):
        align(frame_times(300), signal)


def test_non_monotonic_times_name_the_first_violations():
    times = np.arange(100.0) / 10
    times[[40, 70]] = times[[39, 69]]
    signal = type("Signal", (), {"times": times, "values": np.zeros(100)})()
    with pytest.raises(AlignmentError, match=r"samples \[40, 70\] are not later"):
        align(frame_times(300), signal)


@settings(max_examples=200, deadline=None)
@given(
    n_frames=st.integers(2, 3000),
    k=st.integers(1, 8),
    inverse=st.booleans(),
)
def test_ratio_positions_are_monotonic_start_at_zero_and_round_trip(n_frames, k, inverse):
    ratio = Fraction(1, k) if inverse else Fraction(k)
    n_samples = max(1, int(np.ceil(n_frames * ratio)))
    alignment = align(frame_times(n_frames), n_samples, mode="ratio", ratio=ratio)
    finite = alignment.positions[np.isfinite(alignment.positions)]
    assert alignment.positions[0] == 0
    assert np.all(np.diff(finite) > 0)
    samples = np.arange(n_samples) * 2.0 + 1  # a known linear signal: value = 2 * sample + 1
    inside = np.flatnonzero(alignment.positions <= n_samples - 1)
    np.testing.assert_allclose(alignment.values(samples, inside), 2 * inside * float(ratio) + 1)
    holding = np.flatnonzero(alignment.positions > n_samples - 1)  # within the last sample's duration
    np.testing.assert_array_equal(alignment.values(samples, holding), samples[-1])


@settings(max_examples=100, deadline=None)
@given(n_frames=st.integers(2, 2000), n_samples=st.integers(2, 5000))
def test_stretch_maps_first_and_last_frames_to_first_and_last_samples(n_frames, n_samples):
    alignment = align(frame_times(n_frames), n_samples, mode="stretch")
    assert alignment.positions[0] == 0
    assert alignment.positions[-1] == pytest.approx(n_samples - 1)
    assert np.all(np.diff(alignment.positions) > 0)


def test_window_in_seconds_at_4_samples_per_frame():
    alignment = align(frame_times(100), 400)  # auto: 4 samples per frame, 120 Hz
    window = alignment.window(50, left=0.1, right=0.05)
    # frame 50 is at 50/30 s = sample 200; 0.1 s before = 12 samples, 0.05 s after = 6 samples
    assert (window.start, window.stop) == (188, 207)
    np.testing.assert_allclose(window.offsets, (np.arange(188, 207) - 200) / 120, atol=1e-12)


def test_window_in_samples_and_at_the_edges():
    alignment = align(frame_times(100), 50, mode="ratio", ratio=0.5)
    window = alignment.window(10, left=3, right=2, unit="samples")
    assert window.samples == slice(2, 8)
    np.testing.assert_allclose(window.offsets, np.arange(2, 8) - 5)
    start = alignment.window(0, left=1.0, right=0.1)
    assert start.start == 0 and start.offsets[0] == 0  # nothing before the data
    end = alignment.window(99, left=0.1, right=1.0)
    assert end.stop == 50


def test_window_follows_timestamps_and_an_offset():
    source_times = np.arange(0, 10, 0.01)
    alignment = align(frame_times(300), type("S", (), {"times": source_times, "values": source_times})(), offset=0.5)
    window = alignment.window(30, left=0.02, right=0.02)  # frame 30 = 1.0 s = source time 0.5 s
    np.testing.assert_allclose(source_times[window.samples], [0.48, 0.49, 0.5, 0.51, 0.52])
    np.testing.assert_allclose(window.offsets, [-0.02, -0.01, 0, 0.01, 0.02], atol=1e-9)


@pytest.mark.parametrize("n_samples", [300, 1200])  # 1 and 4 samples per frame
def test_a_window_of_n_samples_each_side_holds_2n_plus_1_samples(n_samples):
    alignment = align(frame_times(300), n_samples)
    step = 1 / (FPS * n_samples / 300)
    for frame in (37, 100, 151, 200):
        center = int(alignment.positions[frame])
        for n in (1, 2, 3, 5, 7):
            in_samples = alignment.window(frame, n, n, unit="samples")
            in_seconds = alignment.window(frame, n * step, n * step)
            assert in_samples.samples == in_seconds.samples == slice(center - n, center + n + 1), (frame, n)


def test_a_window_in_samples_on_timestamps_keeps_its_boundary_samples():
    source_times = np.arange(0, 10, 0.01)  # 100 Hz; frame 30 sits on sample 100
    alignment = align(frame_times(300), type("S", (), {"times": source_times, "values": source_times})())
    for n in (1, 3, 4, 10):
        assert alignment.window(30, n, n, unit="samples").samples == slice(100 - n, 101 + n)
        assert alignment.window(30, n * 0.01, n * 0.01).samples == slice(100 - n, 101 + n)


# --- a regular clock: times from a rate, not held per sample ---------------------------------------------

JITTERED = np.sort(np.arange(750) / 25 + np.random.default_rng(3).normal(0, 2e-4, 750))  # a camera's own times


@pytest.mark.parametrize(
    "rate, n_samples, frames, offset, sync",
    [
        (30_000.0, 30_000 * 31, JITTERED, 0.0, None),  # a probe under a jittery camera
        (1000 / 3, 9_001, frame_times(400), 0.37, None),  # a rate with no exact binary step
        (
            30_000.0,
            30_000 * 20,
            JITTERED,
            -1.2,
            ([1.5001, 8.5008, 15.5015], [1.0, 8.0, 15.0]),
        ),  # a fitted clock map and an offset
        (25.0, 750, JITTERED, 0.0, None),  # one sample per frame
    ],
)
def test_a_regular_clock_places_samples_exactly_where_their_times_would(rate, n_samples, frames, offset, sync):
    """The rate path (times computed when asked) and the array path (every sample's time) are one way: the same
    positions, windows, values and searches, to the last bit."""
    from napari_chronoviz._times import RegularTimes
    from napari_chronoviz.io.timeseries import Signal

    values = np.sin(np.arange(n_samples) / 97.0)[:, None]
    regular = RegularTimes(n_samples, rate)
    assert np.array_equal(np.asarray(regular), np.arange(n_samples) / rate)
    by_array = align(frames, Signal(values, ("x",), times=np.arange(n_samples) / rate), offset=offset, sync=sync)
    by_rate = align(frames, Signal(values, ("x",), times=regular), offset=offset, sync=sync)
    assert isinstance(by_rate.sample_times, RegularTimes)
    np.testing.assert_array_equal(by_rate.positions, by_array.positions)
    np.testing.assert_array_equal(np.asarray(by_rate.sample_times), by_array.sample_times)
    every = np.arange(len(frames))
    np.testing.assert_array_equal(by_rate.values(values, every), by_array.values(values, every))
    for side, bounds in zip(("left", "right"), by_array.window_bounds(frames, 0.3, 0.7)):
        np.testing.assert_array_equal(by_rate.window_bounds(frames, 0.3, 0.7)[side == "right"], bounds)
    for frame in range(0, len(frames), 23):
        for unit, reach in (("s", (0.5, 0.25)), ("samples", (40, 7))):
            expected, got = by_array.window(frame, *reach, unit=unit), by_rate.window(frame, *reach, unit=unit)
            assert (got.start, got.stop) == (expected.start, expected.stop)
            np.testing.assert_array_equal(got.offsets, expected.offsets)
    rng = np.random.default_rng(0)
    times = by_array.sample_times
    queries = np.r_[times[rng.integers(0, n_samples, 500)], rng.uniform(times[0] - 2, times[-1] + 2, 500), np.nan]
    for side in ("left", "right"):
        np.testing.assert_array_equal(
            by_rate.sample_times.searchsorted(queries, side), times.searchsorted(queries, side)
        )
    rows = rng.integers(-n_samples, n_samples, 50)
    np.testing.assert_array_equal(by_rate.sample_times[rows], times[rows])
    assert by_rate.sample_times[-1] == times[-1] and np.array_equal(by_rate.sample_times[5:90:3], times[5:90:3])


def test_a_signal_given_a_rate_holds_no_time_per_sample(tmp_path):
    """An hour at 30 kHz would hold 864 MB of times twice (the signal's and the alignment's): the rate is kept."""
    from napari_chronoviz._times import RegularTimes
    from napari_chronoviz.sources import SourceSpec

    np.save(tmp_path / "trace.npy", np.arange(3000.0))
    signal = SourceSpec("signals", str(tmp_path / "trace.npy"), rate=1000.0).read()
    assert isinstance(signal.times, RegularTimes) and signal.times.rate == 1000.0
    alignment = align(frame_times(90), signal, offset=0.5)
    assert isinstance(alignment.sample_times, RegularTimes)
    assert alignment.sample_rate == 1000.0
    np.testing.assert_allclose(alignment.positions[15:90], (frame_times(90)[15:90] - 0.5) * 1000)
    assert list(signal.to_dataframe()["time"][:3]) == [0.0, 0.001, 0.002]


def test_a_clock_map_that_runs_backwards_is_refused_on_a_regular_clock():
    from napari_chronoviz._times import RegularTimes
    from napari_chronoviz.io.timeseries import Signal

    signal = Signal(np.zeros((1000, 1)), ("x",), times=RegularTimes(1000, 100.0))
    with pytest.raises(AlignmentError, match="runs backwards"):
        align(frame_times(300), signal, sync=([1.0, 2.0], [2.0, 1.0]))


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 5000),
    rate=st.floats(0.01, 1e6),
    start=st.floats(-1e4, 1e4),
    scale=st.floats(0.5, 2.0),
    shift=st.floats(-100, 100),
    fractions=st.lists(st.floats(-0.2, 1.2), min_size=1, max_size=20),
)
def test_regular_times_search_and_index_as_their_array(n, rate, start, scale, shift, fractions):
    from napari_chronoviz._times import RegularTimes

    regular = RegularTimes(n, rate, start).mapped(scale, shift)
    times = np.asarray(regular)
    assert np.array_equal(times, scale * (np.arange(n) / rate + start) + shift)
    queries = np.r_[times[0] + np.array(fractions) * (times[-1] - times[0] + 1), times[:: max(n // 7, 1)]]
    for side in ("left", "right"):
        np.testing.assert_array_equal(regular.searchsorted(queries, side), times.searchsorted(queries, side))


def samples_per_frame_by_array(frame_times, n_samples: int, ratio: float, offset: float):
    """What the rate modes computed before they kept a regular clock: every sample's frame and time as arrays."""
    from napari_chronoviz._times import extrapolate, nominal_rate, snapped

    frames = np.arange(len(frame_times), dtype=float)
    sample_frames = snapped(np.arange(n_samples) / ratio + offset * nominal_rate(frame_times))
    positions = np.interp(frames, sample_frames, np.arange(n_samples, dtype=float), left=np.nan, right=np.nan)
    if n_samples > 1:
        step = sample_frames[-1] - sample_frames[-2]
        beyond = (frames > sample_frames[-1]) & (frames < sample_frames[-1] + step - 1e-9 * n_samples * step)
        positions[beyond] = n_samples - 1 + (frames[beyond] - sample_frames[-1]) / step
    else:
        positions[frames == sample_frames[0]] = 0.0
    return positions, extrapolate(sample_frames, frames, frame_times)


@settings(max_examples=150, deadline=None)
@given(
    n_frames=st.integers(2, 200),
    fps=st.sampled_from([25.0, 29.97, 30.0, 59.94, 120.0]),
    jitter=st.floats(0.0, 0.45),
    gaps=st.lists(st.integers(1, 199), max_size=3),
    ratio=st.sampled_from([1, 2, 3, 4, 1 / 2, 1 / 3, 1000 / 3, 1200]),
    extra=st.integers(-5, 5),
    offset=st.floats(-2.0, 2.0),
    mode=st.sampled_from(["ratio", "pad", "frame"]),
)
def test_samples_per_frame_keep_a_regular_clock_that_gives_the_arrays_numbers(
    n_frames, fps, jitter, gaps, ratio, extra, offset, mode
):
    """ratio, pad and frame place samples by a number per frame: their clock is computed when asked, and gives the
    positions, times, windows, values and searches the arrays gave, to the last bit, on any camera's times."""
    from napari_chronoviz._times import RegularTimes

    rng = np.random.default_rng(n_frames)
    steps = np.full(n_frames - 1, 1 / fps) * (1 + jitter * rng.uniform(-1, 1, n_frames - 1))
    steps[[gap % (n_frames - 1) for gap in gaps]] *= 3  # dropped frames
    frames = np.r_[0.0, np.cumsum(steps)] + 12.5
    ratio = 1 if mode == "frame" else ratio
    n_samples = max(int(n_frames * ratio) + extra, 1)
    values = np.cos(np.arange(n_samples) / 7.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # frame mode: lengths that differ are said
        aligned = align(frames, values, mode=mode, ratio=None if mode == "frame" else ratio, offset=offset)
    positions, times = samples_per_frame_by_array(frames, n_samples, float(ratio), offset)
    assert isinstance(aligned.sample_times, RegularTimes)
    np.testing.assert_array_equal(aligned.positions, positions)
    np.testing.assert_array_equal(np.asarray(aligned.sample_times), times)
    by_array = dataclasses.replace(aligned, sample_times=times)
    every = np.arange(n_frames)
    np.testing.assert_array_equal(aligned.values(values, every), by_array.values(values, every))
    queries = np.r_[times[rng.integers(0, n_samples, 50)], rng.uniform(frames[0] - 1, frames[-1] + 1, 50), np.nan]
    for side in ("left", "right"):
        found = aligned.sample_times.searchsorted(queries, side)
        np.testing.assert_array_equal(found, times.searchsorted(queries, side))
    for frame in range(0, n_frames, 17):
        for unit, reach in (("s", (0.2, 0.1)), ("samples", (9, 4))):
            expected, got = by_array.window(frame, *reach, unit=unit), aligned.window(frame, *reach, unit=unit)
            assert (got.start, got.stop) == (expected.start, expected.stop)
            np.testing.assert_array_equal(got.offsets, expected.offsets)


def test_an_hour_at_30_khz_placed_by_samples_per_frame_holds_no_time_per_sample():
    """1200 samples per 25 fps frame: the alignment holds one position per frame, not a time per sample (108 million
    of them, 864 MB each array, for an hour)."""
    import tracemalloc

    frames = np.arange(25 * 360) / 25.0  # 6 minutes of video
    n_samples = 30_000 * 360
    tracemalloc.start()
    aligned = align(frames, n_samples, mode="ratio", ratio=1200)
    window = aligned.window(4500, 0.5, 0.5)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20e6, f"{peak / 1e6:.0f} MB"  # a few arrays of one number per frame
    at = 4500 * 1200
    assert aligned.positions[4500] == at and (window.start, window.stop) == (at - 15_000, at + 15_001)
