"""The key under which chronoviz keeps its facts in a napari layer's `metadata`.

A video layer's entry holds its `kind` ("video"), `path`, `fps` and `n_frames`; overlay layers carry the
scene's configuration (source paths, alignment, window, layout, style) so a writer can rebuild it.
"""

METADATA_KEY = "chronoviz"
