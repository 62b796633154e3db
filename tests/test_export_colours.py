"""Colours through an export: a video whose frames are not BT.601 limited-range 4:2:0 (BT.709 or BT.2020 matrix,
full range, 4:2:2, 4:4:4, 10-bit) comes out showing the colours the reader shows for the input, and the output
says which matrix and range it holds, so that players do not guess."""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.reformatter import ColorRange, Colorspace

from napari_chronoviz import create_visualization, open_video

# (pix_fmt, matrix, range) of the input, and the largest difference allowed: an 8-bit 4:2:0 frame goes through
# RGB and back (a level or two of rounding); 4:2:2, 4:4:4 and 10-bit frames also have their chroma resampled
# (swscale shows 10-bit ones with interpolated chroma, 8-bit 4:2:0 ones with each chroma sample repeated).
CASES = {
    "bt709": ("yuv420p", Colorspace.ITU709, ColorRange.MPEG, 4),
    "bt2020": ("yuv420p", Colorspace.BT2020, ColorRange.MPEG, 4),
    "full_range": ("yuvj420p", Colorspace.ITU601, ColorRange.JPEG, 4),
    "yuv422": ("yuv422p", Colorspace.ITU601, ColorRange.MPEG, 10),
    "yuv444_bt709": ("yuv444p", Colorspace.ITU709, ColorRange.MPEG, 10),
    "10bit_bt709": ("yuv420p10le", Colorspace.ITU709, ColorRange.MPEG, 10),
    "bt601": ("yuv420p", Colorspace.ITU601, ColorRange.MPEG, 4),
}
SIZE = (96, 64)


def colour_ramps(n_frames: int) -> np.ndarray:
    """Smooth, saturated RGB frames: red along x, green along y, blue moving with the frame."""
    width, height = SIZE
    x, y = np.meshgrid(np.linspace(20, 235, width), np.linspace(235, 20, height))
    return np.stack([np.stack([x, y, np.full_like(x, 40 + 40 * k)], axis=2) for k in range(n_frames)]).astype(np.uint8)


def make_tagged_video(path, pix_fmt: str, matrix: Colorspace, color_range: ColorRange):
    """A nearly lossless H.264 file whose pixels are in `matrix` and `color_range`, and which says so."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10, options={"qp": "0"})
        stream.width, stream.height, stream.pix_fmt = *SIZE, pix_fmt
        stream.codec_context.colorspace, stream.codec_context.color_range = matrix, color_range
        for picture in colour_ramps(4):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(
                format=pix_fmt, dst_colorspace=matrix, dst_color_range=color_range
            )
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_export_shows_the_colours_the_input_shows(tmp_path, case):
    pix_fmt, matrix, color_range, largest = CASES[case]
    source = make_tagged_video(tmp_path / f"{case}.mp4", pix_fmt, matrix, color_range)
    with av.open(str(source)) as container:  # the encoder wrote what the case says
        first = next(container.decode(video=0))
        assert (first.format.name, first.colorspace, first.color_range) == (pix_fmt, matrix, color_range)
    output = create_visualization(source, output=tmp_path / "out.mp4", layout="none", crf=0, progress=False)
    with open_video(source) as original, open_video(output) as exported:
        for index in range(len(original)):
            error = np.abs(exported[index].astype(int) - original[index].astype(int))
            assert error.mean() < 2 and error.max() <= largest, (
                f"frame {index}: mean {error.mean():.2f}, max {error.max()}"
            )
    with av.open(str(output)) as container:
        written = next(container.decode(video=0))
    assert written.colorspace == Colorspace.ITU601 and written.color_range == ColorRange.MPEG
