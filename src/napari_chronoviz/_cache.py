"""Where chronoviz keeps what it can make again (downloads, signal pyramids): the user's cache directory."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENVIRONMENT = "CHRONOVIZ_CACHE_DIR"  # set it to keep the cache elsewhere (a bigger disk, a test's folder)


def cache_dir(kind: str) -> Path:
    """The folder of one kind of cached files: `$CHRONOVIZ_CACHE_DIR/<kind>`, else the user cache directory's.

    Parameters
    ----------
    kind
        What the folder holds ("downloads", "pyramids").
    """
    given = os.environ.get(CACHE_ENVIRONMENT)
    if given:
        return Path(given).expanduser() / kind
    import platformdirs

    return Path(platformdirs.user_cache_dir("napari-chronoviz")) / kind
