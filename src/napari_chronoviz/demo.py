"""The demo (`make demo`): the bundled two-fly recording with its poses, signals, events and intervals.

It exports the composited video to `demo_output/flies_chronoviz.mp4`, then opens the same sample in
napari (File ▸ Open Sample ▸ chronoviz ▸ Two courting flies) and docks the overlays widget
(Plugins ▸ chronoviz ▸ Overlays), which attaches the sample's overlays. With `--screenshot PATH` (what
`make demo` uses when there is no display, under Xvfb) the viewer is moved to a frame, its view fitted, saved as
a PNG and closed; otherwise it stays open.
"""

from __future__ import annotations

import argparse
from pathlib import Path

SCREENSHOT_FRAME = 1150  # the flies meet and part again around here


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--export",
        type=Path,
        default=Path("demo_output/flies_chronoviz.mp4"),
        help="where to write the composited video",
    )
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the viewer here and exit")
    args = parser.parse_args(argv)

    from .napari._sample_data import flies_sources, sample_path
    from .render.visualization import create_visualization

    args.export.parent.mkdir(parents=True, exist_ok=True)
    sources = flies_sources()
    written = create_visualization(
        sample_path("flies.mp4"),
        sources.pop("signals"),
        args.export,
        overwrite=True,
        crf=20,
        preset="veryfast",
        **sources,
    )
    print(f"Wrote the composited video to {written.resolve()}")

    import napari

    from .napari._layers import fit_view_when_settled
    from .napari._widget import ChronovizWidget

    viewer = napari.Viewer(title="napari-chronoviz demo")
    viewer.window.resize(1600, 1100)
    viewer.open_sample("napari-chronoviz", "flies")
    viewer.window.add_dock_widget(ChronovizWidget(viewer), name="chronoviz", area="right")  # attaches the overlays
    viewer.dims.set_current_step(0, SCREENSHOT_FRAME)
    fit_view_when_settled(viewer)
    if args.screenshot is None:
        napari.run()
        return 0
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(args.screenshot), canvas_only=False, flash=False)
    viewer.close()
    print(f"Saved a screenshot of the viewer with its overlays to {args.screenshot.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
