"""napari writer contribution: save a video layer with its overlays as a video, in any export container of
the format registry (`io/formats.py`, `EXPORT_CONTAINERS`).

napari writers see only `(data, attributes, layer_type)` tuples, so the picture is rebuilt from the
layers' metadata: the video layer's path and frame times, and the scene configuration that every
chronoviz overlay layer carries (source paths, alignment, window, layout, style, calibration).
"""

from __future__ import annotations

from pathlib import Path

from napari.utils import progress
from napari.utils.notifications import show_error

from ..errors import ChronovizError, in_words
from ..io.video_factory import VideoEntry
from ..overlays.scene import build_scene
from ..overlays.tiles import scene_of
from ..render.visualization import export_video
from ..scene_options import SCENE_OPTION_NAMES, SceneOptions
from ..sources import SOURCE_KINDS
from ._metadata import METADATA_KEY
from ._progress import progress_callback


def write_composite(path: str, layer_data: list[tuple]) -> list[str]:
    """Write the selected video layer, with the overlays its chronoviz layers describe, to `path`.

    An existing `path` is replaced, as napari's own writers do: napari's save dialog has asked first (the
    video itself is never written over). A problem is also shown as a notification, in the words of napari's
    window: napari reports a writer's ValueError only as "not a valid writer", which would hide the reason.
    """
    try:
        video_info, config = _video_and_config(layer_data)
        with VideoEntry.of(video_info).open() as video:
            scene = scene_from_config(video, config)
            with progress(total=scene.n_frames, desc="chronoviz export") as bar:
                written = export_video(video, scene, Path(path), progress=progress_callback(bar), overwrite=True)
    except ChronovizError as error:
        show_error(in_words(error, "dock"))
        raise
    return [str(written)]


def scene_from_config(video, config: dict | None):
    """Rebuild a scene from the JSON configuration in overlay layers' metadata (None: the video alone)."""
    if not config:
        return build_scene(video, layout="none")
    sources = config.get("sources", {})
    in_memory = [
        kind
        for kind, paths in sources.items()
        if paths is None or (isinstance(paths, list) and any(path is None for path in paths))
    ]
    if in_memory:
        raise ChronovizError(
            f"The overlays' {', '.join(in_memory)} were given in memory, not as files, so a napari writer cannot "
            "rebuild them. Use the dock widget's Export button, or create_visualization(...) in your script."
        )
    options = SceneOptions.of({name: config[name] for name in SCENE_OPTION_NAMES if name in config})
    scene = scene_of([video], **{kind: sources.get(kind) for kind in SOURCE_KINDS}, **options.keywords())
    # the text as napari's view drew it (raised for the view, not part of the saved style)
    return scene.updated(readable_font=config["readable_font"]) if config.get("readable_font") else scene


def _video_and_config(layer_data: list[tuple]) -> tuple[dict, dict | None]:
    videos, configs = [], []
    for _, attributes, _ in layer_data:
        metadata = attributes.get("metadata", {})
        info = metadata.get(METADATA_KEY, {})
        if info.get("kind") == "video":
            videos.append({**info, "name": attributes.get("name")})
        elif info.get("kind") == "overlay":
            configs.append(info)
    if len(videos) != 1:
        raise ChronovizError(
            f"Select exactly one video layer opened by napari-chronoviz (and its overlay layers) to save a composite; "
            f"the selection holds {len(videos)} such video layers."
        )
    configs = [config for config in configs if config.get("video") == videos[0]["name"]] or configs
    return videos[0], configs[0] if configs else None
