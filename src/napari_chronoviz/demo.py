"""The demo (`make demo`): open the bundled sample video in napari through the plugin.

With a display, the viewer opens and stays open. With `--screenshot PATH` (what `make demo` uses when
there is no display, under Xvfb) the viewer is shown off-screen, moved to a middle frame, saved as a
PNG and closed.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the viewer here and exit")
    args = parser.parse_args(argv)

    import napari

    from .napari._sample_data import sample_path

    video_path = sample_path("flies.mp4")
    viewer = napari.Viewer(title="napari-chronoviz demo", show=args.screenshot is None)
    (layer,) = viewer.open(video_path, plugin="napari-chronoviz")
    middle = layer.data.shape[0] // 2
    viewer.dims.set_current_step(0, middle)
    print(f"Opened {video_path} ({layer.data.shape[0]} frames, lazy) at frame {middle}.")
    if args.screenshot is None:
        napari.run()
        return 0
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    viewer.window._qt_window.resize(1200, 1000)
    viewer.screenshot(str(args.screenshot), canvas_only=False, flash=False)
    viewer.close()
    print(f"Saved a screenshot of the viewer to {args.screenshot.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
