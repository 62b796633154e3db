"""Encoder settings: ffmpeg-style options checked against what PyAV's FFmpeg offers, and output timing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from .._times import nominal_rate
from ..errors import ExportError, advice
from ..io.formats import EXPORT_CONTAINERS

DEFAULT_CODEC = {suffix: container.codec for suffix, container in EXPORT_CONTAINERS.items()}
DEFAULT_PIX_FMT = {"gif": "rgb8", "libvpx-vp9": "yuv420p"}
EVEN_SIZE_PIX_FMTS = ("yuv420p", "yuva420p", "yuvj420p", "nv12", "yuv420p10le")
SIXTEEN_BIT_TIME_BASE = ("mpeg4", "msmpeg4", "msmpeg4v2", "h263", "h263p", "flv")  # denominators <= 65535
TIME_BASES = (Fraction(1, 90000), Fraction(1, 1_000_000))
LARGEST_SIDE = 16384  # pixels: libx264 opens a 640 x 16384 frame, not 640 x 16400 (FFmpeg 8.1)
YUV_PIX_FMT_PREFIXES = ("yuv", "nv12", "nv21", "p010")


@dataclass(frozen=True)
class EncoderSettings:
    """What the encoder gets: codec, pixel format, rate control and any other codec option."""

    codec: str
    pix_fmt: str
    options: dict = field(default_factory=dict)  # passed to the codec, e.g. {"crf": "18", "preset": "veryfast"}
    bitrate: int | None = None
    gop: int | None = None

    @classmethod
    def from_kwargs(
        cls,
        suffix: str,
        *,
        codec=None,
        crf=None,
        qp=None,
        preset=None,
        pix_fmt=None,
        bitrate=None,
        gop=None,
        options=None,
        **unknown,
    ) -> EncoderSettings:
        """Settings from ffmpeg-style keywords; unknown keywords and codec options raise with the valid ones."""
        if unknown:
            raise ExportError(
                f"Unknown export option(s) {sorted(unknown)}: use codec, crf, qp, preset, pix_fmt, bitrate, gop, fps, "
                "or options={...} for any other option of the encoder."
            )
        codec = codec or DEFAULT_CODEC.get(suffix, "libx264")
        _check_codec(codec)
        settings = {key: str(value) for key, value in (options or {}).items()}
        for key, value in (("crf", crf), ("qp", qp), ("preset", preset)):
            if value is not None:
                settings[key] = str(value)
        _check_options(codec, settings)
        supported = _pixel_formats(codec)
        if pix_fmt is None:  # the usual 4:2:0 unless the codec has its own default or cannot write it
            usual = "yuv420p" if not supported or "yuv420p" in supported else supported[0]
            pix_fmt = DEFAULT_PIX_FMT.get(codec, usual)
        if supported and pix_fmt not in supported:
            raise ExportError(f"The {codec} encoder cannot write pix_fmt={pix_fmt!r}; it supports {sorted(supported)}.")
        return cls(codec, pix_fmt, settings, None if bitrate is None else int(_bits(bitrate)), gop)

    def _refused(self, error, width: int, height: int) -> str:
        """Why the encoder did not open: a value of the options given (FFmpeg's "invalid argument", with its log
        line when FFmpeg kept one), a frame larger than the encoder takes, else a hardware encoder without its
        GPU."""
        if isinstance(error, av.error.ArgumentError) and self.options:
            last_log = str(error).partition("last error log: ")[2]  # kept when PyAV's logging is on
            given = ", ".join(f"{key}={value}" for key, value in self.options.items())
            refused = f"FFmpeg says: {last_log.strip()}" if last_log else f"one of {given} is not a value it takes"
            return (
                f"The {self.codec} encoder refused its options ({refused}). Change or remove that value "
                f"({advice('encoder_options')}); ffmpeg -h encoder={self.codec} lists each option's values."
            )
        if max(width, height) > LARGEST_SIDE:
            return (
                f"The {self.codec} encoder could not open a frame of {width} x {height} pixels ({error}): libx264 "
                f"and most encoders take at most {LARGEST_SIDE} pixels a side. Make the plot panel smaller "
                f"({advice('panel_size')}), then export again."
            )
        return (
            f"The {self.codec} encoder could not start here ({error}). Hardware encoders need their GPU and "
            "driver; the software encoders libx264, libx265, libvpx-vp9 and libsvtav1 always work."
        )

    @property
    def max_time_base_denominator(self) -> int | None:
        """The largest time-base denominator the encoder accepts (None: no limit that matters here)."""
        return 65535 if self.codec in SIXTEEN_BIT_TIME_BASE else None

    def even_size(self, width: int, height: int) -> tuple[int, int]:
        """The frame size the pixel format allows: 4:2:0 formats need even sides (rounded up: padded)."""
        if self.pix_fmt in EVEN_SIZE_PIX_FMTS or self.codec in ("libx264", "libx265", "h264_nvenc", "hevc_nvenc"):
            return width + width % 2, height + height % 2
        return width, height

    def open_stream(self, container, width: int, height: int, time_base: Fraction, rate: Fraction):
        """Add and configure the video stream: every core, frame threads, the options given."""
        stream = container.add_stream(self.codec, rate=rate, options=dict(self.options))
        stream.width, stream.height, stream.pix_fmt = width, height, self.pix_fmt
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if self.bitrate:
            stream.codec_context.bit_rate = self.bitrate
        if self.gop:
            stream.codec_context.gop_size = int(self.gop)
        if self.pix_fmt.startswith(YUV_PIX_FMT_PREFIXES):
            # Every frame is BT.601 (the YUV planes of the video, converted when they were not, and the overlays
            # converted from RGB alike): say so, or players guess BT.709 for HD sizes and show other colours.
            stream.codec_context.colorspace = Colorspace.SMPTE170M
            stream.codec_context.color_range = ColorRange.JPEG if self.pix_fmt.startswith("yuvj") else ColorRange.MPEG
        stream.codec_context.thread_count = os.cpu_count() or 1
        stream.codec_context.thread_type = "AUTO"
        try:  # open now, so that an encoder that cannot run here fails before any frame is decoded
            stream.codec_context.open()
        except (av.error.FFmpegError, OSError) as error:
            raise ExportError(self._refused(error, width, height)) from error
        return stream


def output_timing(
    frame_times: np.ndarray, time_base=None, max_denominator: int | None = None
) -> tuple[Fraction, np.ndarray]:
    """A time base and integer timestamps that reproduce `frame_times` (from the first) exactly when possible.

    Tries 1/90000 s (fine enough for encoders to place B-frames, exact for the usual rates), the input's
    own time base, 1/1000000 s, then the frame rate's own tick; takes the first in which every frame
    time is a whole number of ticks, else rounds to the finest allowed tick. `max_denominator` excludes
    time bases an encoder cannot take (MPEG-4 part 2 stores them in 16 bits). Times far from zero (epoch
    seconds, ~1.8e9) are only known to float64's spacing there (~2.4e-7 s), so a tick counts as whole within
    that: else 30 fps from epoch times fell through to a 1/30 s time base, in which the H.264 encoder's
    reordered frames get equal decoding timestamps and the muxer refuses them.
    """
    frame_times = np.asarray(frame_times, dtype=float)
    relative = frame_times - frame_times[0]
    rounding = 8 * float(np.spacing(np.abs(frame_times).max()))
    rate_tick = [Fraction(1, max(1, round(nominal_rate(relative))))] if len(relative) > 1 else []
    candidates = [TIME_BASES[0]] + ([Fraction(time_base)] if time_base else []) + [TIME_BASES[1]] + rate_tick
    allowed = [c for c in candidates if max_denominator is None or c.denominator <= max_denominator]
    for candidate in allowed:
        ticks = relative / float(candidate)
        if np.all(np.abs(ticks - np.round(ticks)) < max(1e-3, rounding / float(candidate))):
            return candidate, np.round(ticks).astype(np.int64)
    finest = TIME_BASES[1] if max_denominator is None else Fraction(1, max_denominator)
    return finest, np.round(relative / float(finest)).astype(np.int64)


def _check_codec(codec: str) -> None:
    try:
        found = av.codec.Codec(codec, "w")
    except Exception:
        found = None
    if found is None or found.type != "video":
        raise ExportError(f"Unknown video encoder {codec!r}. Available here: {', '.join(video_encoders())}.")


def video_encoders() -> list[str]:
    """Names of the video encoders in PyAV's FFmpeg."""
    names = []
    for name in sorted(av.codecs_available):
        try:
            codec = av.codec.Codec(name, "w")
        except Exception:
            continue
        if codec.type == "video":
            names.append(name)
    return names


def _codec_option_names(codec: str) -> set[str]:
    """Every option the encoder takes: its own (crf, preset, ...) and libavcodec's generic ones (g, b, ...)."""
    supported = av.codec.context.CodecContext.create(codec, "w").supported_options
    return {option.name for option in (*supported.generic, *supported.private)}


# The quality scales of the usual encoders: FFmpeg declares crf open-ended and the encoder clamps what is
# beyond, so a crf of 99 would silently be the worst quality.
CRF_RANGES = {
    "libx264": (0, 51),
    "libx264rgb": (0, 51),
    "libx265": (0, 51),
    "libvpx-vp9": (0, 63),
    "libsvtav1": (1, 63),
    "libaom-av1": (0, 63),
}


def _check_options(codec: str, settings: dict) -> None:
    known = _codec_option_names(codec)
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ExportError(f"The {codec} encoder has no option(s) {unknown}. Its options: {', '.join(sorted(known))}.")
    if "crf" in settings and codec in CRF_RANGES:
        low, high = CRF_RANGES[codec]
        try:
            crf = float(settings["crf"])
        except ValueError:
            crf = None
        if crf is None or not low <= crf <= high:
            raise ExportError(
                f"crf={settings['crf']} is not a quality {codec} takes: its crf runs from {low} (best) to {high} "
                "(smallest file); 18-28 is the usual choice."
            )


def _pixel_formats(codec: str) -> list[str]:
    """The pixel formats the encoder writes, in its order of preference."""
    formats = av.codec.Codec(codec, "w").video_formats or ()
    return [video_format.name for video_format in formats]


def _bits(bitrate) -> float:
    """'2M', '800k' or a number of bits per second."""
    text = str(bitrate).strip().lower()
    factor = {"k": 1e3, "m": 1e6, "g": 1e9}.get(text[-1:], 1)
    try:
        return float(text[:-1] if factor != 1 else text) * factor
    except ValueError:
        raise ExportError(f"bitrate must be bits per second like 2000000, '2M' or '800k'; got {bitrate!r}.") from None
