"""Video files through PyAV: frames found by presentation timestamp, decoded exactly, read ahead.

Random access seeks to the keyframe the index names for the target and decodes forward until the
frame with the target's timestamp comes out; a target a little ahead of the decoder is reached by
decoding on, without a seek. Requests in small steps (a slider drag) keep the frames decoded just
before the target, unconverted, since the next requests will likely ask for them. A background thread
reads a few frames ahead of the last request so that playback does not wait on the decoder. One lock
guards the decoder, so napari's slicing threads and dask may share a video. The decoder's threading
is chosen per file by timing a short decode in each mode; files whose pictures have a slice per core
seek with slice threads and play on with frame threads (two decoders, handing over at a keyframe).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, VideoReformatter

from .._times import nominal_rate
from ..errors import VideoReadError
from .frame_cache import FrameCache
from .frame_index import FrameIndex, index_from_decoding, index_from_packets
from .orientation import Orientation, read_orientation
from .video import VideoSource, i420_of_rgb, raise_unreadable

DEFAULT_CACHE_BYTES = 128 * 2**20
DEFAULT_READAHEAD = 12
# Requests at most this many frames apart count as one slider drag: the frames decoded between them,
# or up to this many before a target stepped back to, are kept for the next requests.
SCRUB_WINDOW = 24
# Decoder thread types the probe tries; the first, FFmpeg's own choice (frame threads where the codec
# has them, else slice threads), is kept unless another decodes the probe in at most
# `CLEARLY_FASTER` of its time: a short probe on a busy machine is noisy.
THREAD_TYPES = ("AUTO", "NONE", "SLICE")
CLEARLY_FASTER = 0.75
_X264_VERSION_SEI = re.compile(rb"x264 - core (\d+)")
_H264_NON_IDR_SLICE, _H264_ACCESS_UNIT_DELIMITER = 1, 9
# Containers whose demuxer, after a seek, hands over the first frames of the group it lands in with wrong
# timestamps (MPEG program streams: the video parser picks the stream up mid-frame). Decoding starts a group
# earlier there, and that group's frames are only passed through.
RESYNCING_FORMATS = ("mpeg",)
# FFmpeg's YUV matrices (AVColorSpace) that swscale reads as BT.601: unspecified (2) and reserved (3) too,
# as it shows such frames.
BT601_MATRICES = (2, 3, int(Colorspace.ITU601), int(Colorspace.SMPTE170M))


@dataclass(frozen=True, eq=False)
class _StreamFacts:
    """What opening a file learned about its video stream, shared by every source reopened on it."""

    index: FrameIndex
    width: int  # stored, before `orientation`
    height: int
    fps: float
    codec: str
    pix_fmt: str
    decoder_options: dict
    thread_mode: tuple[str, int]
    seek_thread_mode: tuple[str, int]
    upright: bool  # asked to show the frames as the display matrix says
    orientation: Orientation  # what that turns and mirrors (none when not `upright`)


class PyAVVideo(VideoSource):
    """A video file decoded with PyAV; see `open_video`.

    Parameters
    ----------
    path
        The video file.
    cache_bytes
        Upper bound of decoded frames kept in memory.
    readahead
        How many frames past the last requested one a background thread decodes in advance
        (0 disables it).
    upright
        Show frames as the file's display matrix says (a phone video's rotation), as players and OpenCV
        do; False keeps the stored orientation.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        readahead: int = DEFAULT_READAHEAD,
        upright: bool = True,
    ):
        path = Path(path)
        container = _open_container(path)
        try:
            stream = _video_stream(container, path)
            decoder_options = learned_decoder_options(path, stream)
            thread_mode = probed_thread_mode(path, decoder_options)
            seek_mode = seek_thread_mode(path, thread_mode)
            _configure_decoder(stream, decoder_options, seek_mode)
            index = self._build_index(container, stream, path)
            index = _drop_undecodable_tail(container, stream, index, path)
        except Exception:
            container.close()
            raise
        codec_context = stream.codec_context
        self._start(
            path,
            container,
            _StreamFacts(
                index,
                codec_context.width,
                codec_context.height,
                _nominal_fps(stream, index.times),
                codec_context.name,
                codec_context.pix_fmt,
                decoder_options,
                thread_mode,
                seek_mode,
                upright,
                read_orientation(path) if upright else Orientation(),
            ),
            cache_bytes,
            readahead,
        )

    def _start(self, path: Path, container, facts: _StreamFacts, cache_bytes: int, readahead: int) -> None:
        self.path = path
        self._facts = facts
        self._index = facts.index
        self.n_frames = len(facts.index)
        self.upright, self.orientation = facts.upright, facts.orientation
        self.width, self.height = facts.orientation.displayed_size(facts.width, facts.height)
        self.frame_times = facts.index.times
        self.fps = facts.fps
        self.codec, self.pix_fmt = facts.codec, facts.pix_fmt
        self._cache_bytes = cache_bytes
        lanes = [(container, container.streams.video[0])]
        if facts.thread_mode != facts.seek_thread_mode:
            playing = _open_container(path)
            try:
                _configure_decoder(playing.streams.video[0], facts.decoder_options, facts.thread_mode)
            except Exception:
                playing.close()
                raise
            lanes.append((playing, playing.streams.video[0]))
        self._decoder = _Decoder(lanes, facts.index, path)
        self._decoder_lock = threading.Lock()
        # One converter for every frame (under the decoder lock): a frame's own would set up a new
        # swscale context each time, costing about as much as the conversion.
        self._converter = VideoReformatter()
        self._cache = FrameCache(cache_bytes)
        self._previous_request = -1
        self._readahead = _ReadAhead(self, readahead) if readahead > 0 else None

    def reopened(self, *, readahead: int = DEFAULT_READAHEAD, threads: tuple[str, int] | None = None) -> PyAVVideo:
        """A new source on the same file with its own decoder and cache, reusing this one's index (no re-demux).

        Its decoder starts with no history: what it decodes right must not depend on what this one read.
        `threads` (thread type, count) replaces the threading probed at open, for seeks and playing on alike."""
        facts = self._facts if threads is None else replace(self._facts, thread_mode=threads, seek_thread_mode=threads)
        container = _open_container(self.path)
        try:
            stream = _video_stream(container, self.path)
            _configure_decoder(stream, facts.decoder_options, facts.seek_thread_mode)
        except Exception:
            container.close()
            raise
        video = object.__new__(type(self))
        video._start(self.path, container, facts, self._cache_bytes, readahead)
        video.frame_times = self.frame_times
        return video

    @property
    def decoder_options(self) -> dict[str, str]:
        """Options every decoder of this file starts with, learned at open from the stream's first packet."""
        return dict(self._facts.decoder_options)

    @property
    def decoder_threads(self) -> tuple[str, int]:
        """The decoder's thread type ("AUTO", "NONE" or "SLICE") and thread count, probed at open: the
        threading for decoding on (playback); seeks may use other threads (`seek_threads`)."""
        return self._facts.thread_mode

    @property
    def seek_threads(self) -> tuple[str, int]:
        """The thread type and count of the decoder that seeks; see `seek_thread_mode`."""
        return self._facts.seek_thread_mode

    @property
    def hidden_frames(self) -> int:
        """Frames stored in the stream that the container hides (an mp4 edit list's pre-roll): never numbered."""
        return self._index.hidden

    @property
    def leading_frames(self) -> int:
        """Frames shown before the keyframe that starts their group (open GOP), decoded from the group before."""
        return self._index.leading

    @staticmethod
    def _build_index(container, stream, path: Path) -> FrameIndex:
        if container.format.name == "avi" and stream.codec_context.has_b_frames:
            # AVI has no presentation timestamps of its own: with B-frames (possibly packed, one
            # packet holding two frames) only the decoder knows where each frame is.
            return index_from_decoding(container, stream, path)
        return index_from_packets(container, stream, path)

    @property
    def frame_index(self) -> FrameIndex:
        """Where each frame is in the stream and where decoding it starts (read-only)."""
        return self._index

    @property
    def pts(self) -> np.ndarray:
        """Presentation timestamps in the stream's time base, one per frame."""
        return self._index.pts

    @property
    def time_base(self):
        """Seconds per presentation-timestamp tick of the video stream (a Fraction)."""
        return self._index.time_base

    @property
    def keyframes(self) -> np.ndarray:
        """Indices of the frames that are keyframes: decoding can start at them."""
        return self._index.keyframes

    def read_frame(self, index: int) -> np.ndarray:
        """Return frame `index` as an (H, W, 3) RGB uint8 array (cached, read ahead)."""
        cached = self._cache.get(index)
        frame = cached if isinstance(cached, np.ndarray) else self._convert_or_decode(index)
        self._previous_request = index
        if self._readahead is not None:
            self._readahead.served(index)
        return frame

    def read_yuv420(self, index: int) -> np.ndarray:
        """Frame `index` as an (H * 3/2, W) I420 array, BT.601 limited range (not cached, no read-ahead).

        Straight from the decoder when it decodes to that; other frames (BT.709 or BT.2020, full range, 4:2:2,
        4:4:4, 10-bit) are converted from the RGB `read_frame` shows (swscale reads the matrix and range they
        carry), so that an encoder that takes these planes keeps the colours."""
        index = self._checked_index(index)
        with self._decoder_lock:
            frame, _ = self._decoder.decode(index)
            full_range = frame.color_range == ColorRange.JPEG
            if frame.format.name == "yuv420p" and frame.colorspace in BT601_MATRICES and not full_range:
                planes = frame.to_ndarray()
                return self.orientation.apply_i420(planes, self._facts.width, self._facts.height)
            return i420_of_rgb(self._rgb(frame))

    def decoded_in_order(self, start: int = 0, stop: int | None = None):
        """Yield `(index, av.VideoFrame)` for frames `start` to `stop` (default: the end) in order, as decoded.

        A decoder of its own (this source's index, no re-demux) decodes the range once, so a scan of the whole
        video neither disturbs nor waits for the frames napari is showing. It decodes with FFmpeg's own threading
        (frame threads where the codec has them), as a plain decode of the file does, whatever the probe at open
        chose for seeks and playback: a scan decodes every frame in order, where frame threads pay most. The
        frames are as stored: a caller that needs them as displayed checks `orientation.is_stored`.
        """
        stop = self.n_frames if stop is None else min(stop, self.n_frames)
        scan = self.reopened(readahead=0, threads=("AUTO", 0))
        try:
            for index in range(start, stop):
                with scan._decoder_lock:
                    frame = scan._decoder.decode_next(index)
                yield index, frame
        finally:
            scan.close()

    def _convert_or_decode(self, index: int) -> np.ndarray:
        """Frame `index` as RGB, converted from the cache if it was kept as decoded, else decoded now.

        Conversions hold the decoder lock too: two threads must not convert one frame at once."""
        with self._decoder_lock:
            cached = self._cache.get(index)  # the read-ahead thread may have decoded it meanwhile
            if isinstance(cached, np.ndarray):
                return cached
            if cached is None:
                return self._decode_and_cache(index, self._first_kept(index))
            frame = self._rgb(cached)
            self._cache.put(index, frame)
            return frame

    def _rgb(self, frame: av.VideoFrame) -> np.ndarray:
        """The decoded `frame` as an RGB array, as displayed; the caller holds the decoder lock."""
        return self.orientation.apply(self._converter.reformat(frame, format="rgb24").to_ndarray())

    def _first_kept(self, target: int) -> int:
        """The first frame to keep on the way to `target`, judging from the previous request.

        A step back keeps the window before the target, where the next steps back land; a step forward
        over frames keeps those frames, where a reversal lands. A jump keeps only the target, so that
        random access decodes no more than the frames the target depends on.
        """
        step = target - self._previous_request
        if -SCRUB_WINDOW <= step < 0:
            return max(0, target - SCRUB_WINDOW)
        if 0 < step <= SCRUB_WINDOW:
            return self._previous_request + 1
        return target

    def _decode_and_cache(self, index: int, first_kept: int) -> np.ndarray:
        """Decode frame `index` and cache it as RGB, and the frames from `first_kept` decoded on the way
        unconverted (converted when asked for); the caller holds the decoder lock."""
        target, passed = self._decoder.decode(index, first_kept)
        for position, frame in passed:
            if position not in self._cache:
                self._cache.put(position, frame, sum(plane.buffer_size for plane in frame.planes))
        frame = self._rgb(target)
        self._cache.put(index, frame)
        return frame

    def _decode_next_if_wanted(self, until: int) -> bool:
        """Decode the frame after the decoder's position into the cache if it is before `until`.

        Returns False when there is nothing (more) to read ahead."""
        with self._decoder_lock:
            following = self._decoder.position + 1
            if not (self._decoder.can_continue and following < min(until, self.n_frames)):
                return False
            if following in self._cache:
                self._decoder.decode(following)  # keep the decoder moving past cached frames
            else:
                self._decode_and_cache(following, following)
            return True

    def close(self) -> None:
        """Stop reading ahead and close the file."""
        if self._readahead is not None:
            self._readahead.stop()
        with self._decoder_lock:
            self._decoder.close()
        self._cache.clear()


class _Decoder:
    """Decodes frames of one stream by index; not thread-safe (the video holds the lock).

    It reads the file through one or two lanes, (container, stream) pairs whose decoders differ only in
    threading: the first seeks, the last decodes on into the next group of pictures (playback). With
    two, decoding on hands over to the second at the keyframe starting a group, where it starts afresh.
    """

    def __init__(self, lanes: list[tuple], index: FrameIndex, path: Path):
        self._lanes = lanes
        self._container, self._stream = lanes[0]
        self._index = index
        self._path = path
        self._frames = None  # iterator of decoded frames since the last seek
        self._groups_before = 1 if self._container.format.name in RESYNCING_FORMATS else 0
        self._trusted_from = 0  # frames decoded before this one since the last seek may be mislabelled
        self._wanted_from_pts = 0  # non-reference frames shown before this timestamp are not decoded
        self.position = -1  # index of the frame decoded last
        self._previous = -1  # index of the frame decoded before that

    @property
    def can_continue(self) -> bool:
        """Whether decoding can go on from `position` without a seek."""
        return self._frames is not None

    def decode(
        self, target: int, first_kept: int | None = None
    ) -> tuple[av.VideoFrame, list[tuple[int, av.VideoFrame]]]:
        """Decode up to frame `target`, seeking only when decoding on would be slower.

        Parameters
        ----------
        target
            Index of the frame wanted.
        first_kept
            Index of the first frame wanted on the way (at most `target`; default: none but the target).
            Frames before it that no other frame refers to are not decoded at all.

        Returns
        -------
        The decoded frame `target`, and the (index, frame) pairs decoded from `first_kept` on before
        it, in presentation order (frames of an earlier group than the target's may be missing).
        """
        first_kept = target if first_kept is None else first_kept
        self._wanted_from_pts = int(self._index.pts[first_kept])
        point = int(self._index.seek_point[target])
        if not self._reaches_by_decoding_on(target, point, first_kept):
            self._seek(point, self._lanes[0])
        elif self._stream is not self._lanes[-1][1] and self._starts_group(point):
            self._seek(point, self._lanes[-1])
        passed = []
        while True:
            frame = self._next_frame(target)
            if self.position == target:
                return frame, passed
            if self.position > target:
                if point == 0:
                    raise VideoReadError(
                        f"Frame {target} of {self._path} (pts {self._index.pts[target]}) could not be decoded: "
                        f"the decoder went from frame {self._previous} to {self.position}. "
                        "The file may be damaged there; re-encode it with ffmpeg to repair it."
                    )
                point -= 1  # landed too late: start one group earlier
                self._seek(point, self._lanes[0])
                passed = []
            elif self.position >= max(first_kept, self._trusted_from):
                passed.append((self.position, frame))

    def decode_next(self, target: int) -> av.VideoFrame:
        """Frame `target`, the one after the frame decoded last in a scan in order: taken as it comes, without
        `decode`'s planning, when it is the next frame to come; else as `decode` finds it."""
        if self._frames is not None and self.position == target - 1:
            frame = self._next_frame(target)
            if self.position == target:
                return frame
        return self.decode(target)[0]

    def _reaches_by_decoding_on(self, target: int, point: int, first_kept: int) -> bool:
        """Whether to reach `target` by decoding on from `position` rather than by a seek to `point`: when
        the target's group is the one being decoded, or every frame up to the target is wanted anyway."""
        if self._frames is None or self.position >= target:
            return False
        return self.position + 1 >= first_kept or self._index.seek_pts[point] <= self._index.pts[self.position + 1]

    def _starts_group(self, point: int) -> bool:
        """Whether the next frame to come is the keyframe at seek point `point`."""
        return self._index.first_frame_at_or_after(int(self._index.seek_pts[point])) == self.position + 1

    def _seek(self, point: int, lane: tuple) -> None:
        self._container, self._stream = lane
        start = max(point - self._groups_before, 0)
        seek_to(self._container, self._stream, self._index, start)
        self._frames = self._decode_packets()
        self.position = self._index.first_frame_at_or_after(int(self._index.seek_pts[start])) - 1
        self._trusted_from = self._index.first_frame_at_or_after(int(self._index.seek_pts[point]))

    def _decode_packets(self):
        """Decode the stream from the current demuxer position, yielding frames in presentation order.

        Non-reference frames shown before the first wanted frame are never needed (no other frame
        refers to them), so the decoder discards them: on B-frame streams this halves the work of a
        random seek. H.264 packets that hold nothing but such a frame are not even sent: with frame
        threads each packet sent takes a turn in the threads' pipeline, skipped or not.
        """
        codec_context = self._stream.codec_context
        extradata = (codec_context.extradata or b"") if codec_context.name == "h264" else None
        for packet in self._container.demux(self._stream):
            unwanted = packet.pts is not None and packet.pts < self._wanted_from_pts
            if unwanted and extradata is not None and _h264_non_reference(bytes(packet), extradata):
                continue
            codec_context.skip_frame = "NONREF" if unwanted else "DEFAULT"
            yield from codec_context.decode(packet)

    def _next_frame(self, target: int) -> av.VideoFrame:
        try:
            frame = next(self._frames)
        except StopIteration:
            self._frames = None
            raise VideoReadError(
                f"{self._path} ended before frame {target} (the decoder stopped after frame {self.position})."
            ) from None
        except av.error.FFmpegError as error:
            self._frames = None
            raise VideoReadError(f"Decoding frame {target} of {self._path} failed: {error}") from error
        self._previous = self.position
        self.position = self._index.identify(frame.pts, self.position)
        return frame

    def close(self) -> None:
        self._frames = None
        for container, _ in self._lanes:
            container.close()


class _ReadAhead:
    """A daemon thread that keeps decoding up to `depth` frames past the latest request, once requests
    come in order (playback); random jumps do not trigger it, so they never wait behind it."""

    def __init__(self, video: PyAVVideo, depth: int):
        self._video = video
        self._depth = depth
        self._until = 0
        self._last_served = -2
        self._wake = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def served(self, index: int) -> None:
        """Note that frame `index` was served; read ahead from it when it follows the previous one."""
        with self._wake:
            in_order = index == self._last_served + 1
            self._last_served = index
            if not in_order:
                return
            self._until = index + 1 + self._depth
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chronoviz-readahead", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopped:
                    return
                until = self._until
            try:
                busy = self._video._decode_next_if_wanted(until)
            except Exception:  # a bad frame surfaces to whoever asks for it, not here
                busy = False
            if not busy:
                with self._wake:
                    if self._stopped:
                        return
                    if self._until == until:
                        self._wake.wait(timeout=1.0)

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        with self._wake:
            self._stopped = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _open_container(path: Path):
    if path.is_dir():
        raise VideoReadError(f"{path} is a folder, not a video file (imgstore folders need a metadata.yaml).")
    if path.stat().st_size == 0:
        raise_unreadable(path, "empty file")
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as error:
        raise_unreadable(path, f"FFmpeg says '{error.strerror or error}'")


def _video_stream(container, path: Path):
    if not container.streams.video:
        kinds = ", ".join(sorted({stream.type for stream in container.streams})) or "none"
        raise VideoReadError(f"{path} holds no video stream (streams found: {kinds}).")
    stream = container.streams.video[0]
    codec_context = stream.codec_context
    if codec_context is None or not codec_context.width or not codec_context.height:
        raise VideoReadError(
            f"{path}: its video codec is not supported by the FFmpeg in PyAV (codec tag "
            f"{getattr(stream, 'codec_tag', '?')!r}). Convert it, e.g. `ffmpeg -i in -c:v libx264 out.mp4`."
        )
    return stream


def _configure_decoder(stream, decoder_options: dict[str, str], thread_mode: tuple[str, int]) -> None:
    """Give `stream`'s decoder its options and threading; before the first decode, which opens it."""
    stream.codec_context.options = dict(decoder_options)
    stream.thread_type, stream.codec_context.thread_count = thread_mode


def probed_thread_mode(path: Path, decoder_options: dict[str, str]) -> tuple[str, int]:
    """The decoder threading for `path`, as (thread type, thread count), from a short decode in each mode.

    Whether threads pay depends on the file (codec, slices per frame, frame size) and on the machine
    (cores, load): tiny frames decode faster without them, streams of many slices with slice threads. A
    decoder in each of `THREAD_TYPES` (threaded ones with a thread per core plus one, as FFmpeg counts
    them itself) decodes the file's first frames from the start, then as many again, the modes taking
    turns in alternating order. Every mode decodes the same pixels; only the speed differs.
    """
    cores = os.cpu_count() or 1
    if cores == 1:
        return ("NONE", 1)
    # Frame threads hold a frame back per thread before the first comes out: decode well past that.
    n_frames = max(8, 2 * cores)
    modes = [(thread_type, 1 if thread_type == "NONE" else cores + 1) for thread_type in THREAD_TYPES]
    seconds = dict.fromkeys(modes, 0.0)
    with contextlib.ExitStack() as open_files:
        decoded = {}
        for mode in modes:
            container = open_files.enter_context(av.open(str(path), metadata_errors="ignore"))
            stream = container.streams.video[0]
            _configure_decoder(stream, decoder_options, mode)
            decoded[mode] = container.decode(stream)
        for mode in modes + modes[::-1]:
            start = time.perf_counter()
            try:
                for _ in itertools.islice(decoded[mode], n_frames):
                    pass
            except av.error.FFmpegError:
                return modes[0]  # a damaged start: reading it will say so, threads or not
            seconds[mode] += time.perf_counter() - start
    fastest = min(modes, key=seconds.__getitem__)
    return fastest if seconds[fastest] <= CLEARLY_FASTER * seconds[modes[0]] else modes[0]


def seek_thread_mode(path: Path, thread_mode: tuple[str, int]) -> tuple[str, int]:
    """The decoder threading for seeks in `path`, given the probed `thread_mode`.

    Slice threads when the probe chose frame threads and each picture has at least a slice per core
    (`slices_per_picture`), else the probed mode. Frame threads decode several pictures at once, but
    a seek empties them, they hold a picture back per thread before the first comes out, and the chain
    of reference pictures a seek decodes (the others are skipped) leaves them little to overlap. Slice
    threads keep every core on the one picture being decoded; playing on, frame threads are faster.
    """
    if thread_mode[0] != "AUTO" or slices_per_picture(path) < (os.cpu_count() or 1):
        return thread_mode
    return ("SLICE", thread_mode[1])


def slices_per_picture(path: Path) -> int:
    """How many slices each picture of `path`'s video stream has, read from its first packet.

    Counted for H.264 only (1 for other codecs): the slices of the packet's slice NAL units, per picture.
    A picture (or field) starts with the slice whose first macroblock is 0, the only slice header whose
    first bit, `first_mb_in_slice` coded as ue(v), is 1.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        if stream.codec_context.name != "h264":
            return 1
        extradata = stream.codec_context.extradata or b""
        first = next((packet for packet in container.demux(stream) if packet.size), None)
    if first is None:
        return 1
    slices = [unit for unit in _h264_nal_units(bytes(first), extradata) if len(unit) > 1 and unit[0] & 0x1F in (1, 5)]
    pictures = sum(1 for unit in slices if unit[1] & 0x80)
    return len(slices) // pictures if pictures else 1


def _h264_non_reference(data: bytes, extradata: bytes) -> bool:
    """Whether an H.264 packet holds only slices of a picture no other picture refers to (nal_ref_idc 0),
    and access unit delimiters: nothing a later picture's decoding depends on (no parameter set, no SEI)."""
    units = _h264_nal_units(data, extradata)
    kinds = {unit[0] & 0x1F for unit in units} - {_H264_ACCESS_UNIT_DELIMITER}
    return kinds == {_H264_NON_IDR_SLICE} and all(unit[0] & 0x60 == 0 for unit in units)


def _h264_nal_units(data: bytes, extradata: bytes) -> list[bytes]:
    """The NAL units of an H.264 packet: length-prefixed when the stream has an avcC record (mp4, mkv),
    else separated by start codes (Annex B: avi, ts, raw .h264; the zero bytes before a start code are
    dropped)."""
    if extradata[:1] != b"\x01" or len(extradata) < 5:
        return [unit for unit in (unit.rstrip(b"\x00") for unit in re.split(b"\x00\x00\x01", data)) if unit]
    length_size = (extradata[4] & 3) + 1
    units, position = [], 0
    while position + length_size <= len(data):
        length = int.from_bytes(data[position : position + length_size], "big")
        position += length_size
        units.append(data[position : position + length])
        position += length
    return units


def learned_decoder_options(path: Path, stream) -> dict[str, str]:
    """Decoder options that stand for what FFmpeg learns from the first packets of `path`'s video stream.

    FFmpeg's H.264 decoder reads the x264 build from an SEI message in the first frame and works around
    that build's bugs (x264 before core 151 wrote 4:4:4 streams that decode to garbage without it). A
    decoder that starts at a later keyframe never sees that SEI, so the build is passed as the
    decoder's `x264_build` option to every decoder of the file.
    """
    if stream.codec_context.name != "h264":
        return {}
    with av.open(str(path), metadata_errors="ignore") as container:
        first = next((packet for packet in container.demux(container.streams.video[0]) if packet.size), None)
        found = _X264_VERSION_SEI.search(bytes(first)) if first is not None else None
    if found is None:
        return {}
    build = int(found.group(1))
    if found.group(1) == b"0000":
        build = 67  # as FFmpeg reads x264's placeholder version
    return {"x264_build": str(build)} if build > 0 else {}


def seek_to(container, stream, index: FrameIndex, point: int) -> None:
    """Seek `container` so that decoding `stream` on starts at the keyframe `point` of `index` (or before it)."""
    container.seek(int(index.seek_targets[point]), stream=stream, backward=True, any_frame=False)


def _drop_undecodable_tail(container, stream, index: FrameIndex, path: Path) -> FrameIndex:
    """Decode the last group of pictures; drop indexed frames that do not decode (a cut-off file).

    A seek in a file without an index (MPEG-PS) may land just past the keyframe; decoding then yields
    nothing before the next one, so an empty result is tried again from the group before."""
    if len(index) == 0:
        raise VideoReadError(f"{path} holds no decodable video frames.")
    last_point = int(index.seek_point[-1])
    last_keyframe = index.first_frame_at_or_after(int(index.seek_pts[last_point]))
    decoded = last_keyframe - 1
    for point in range(last_point, max(last_point - 2, -1), -1):
        try:
            seek_to(container, stream, index, point)
            for frame in container.decode(stream):
                decoded = max(decoded, index.identify(frame.pts, decoded))
        except av.error.FFmpegError:
            pass
        if decoded >= last_keyframe:
            break
    usable = decoded + 1 if decoded >= last_keyframe else last_keyframe
    if usable <= 0:
        raise VideoReadError(f"{path} holds no decodable video frames.")
    expected = max(_expected_frame_count(container, stream, index), len(index))
    if usable < len(index) or expected > usable + max(2, usable // 100):
        warnings.warn(
            f"{path} looks truncated: it should hold {expected} frames but only {usable} can be decoded; "
            f"opening those {usable}.",
            stacklevel=4,
        )
    container.seek(0, stream=stream)
    return index.truncated(usable)


def _expected_frame_count(container, stream, index: FrameIndex) -> int:
    """How many frames the container's header promises (0 when it does not say)."""
    if container.format.name.startswith("mov"):
        # mp4/mov count their samples exactly (AVI headers also count dropped frames), edit-list pre-roll included
        return stream.frames - index.hidden
    duration = float(stream.duration * stream.time_base) if stream.duration else (container.duration or 0) / 1e6
    rate = stream.average_rate or stream.guessed_rate
    return round(duration * float(rate)) if duration and rate else 0


def _nominal_fps(stream, frame_times: np.ndarray) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if rate:
        return float(rate)
    return nominal_rate(frame_times)
