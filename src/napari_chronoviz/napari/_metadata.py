"""The key under which chronoviz keeps its facts in a napari layer's `metadata`.

A video layer's entry holds its `kind` ("video"), `path`, `fps` and `n_frames`; overlay layers carry the
scene's configuration (source paths, alignment, window, layout, style) so a writer can rebuild it.
A sample's video layer also carries, under `OVERLAYS_KEY`, the overlays the dock widget attaches, and a session's
under `ETHOGRAM_KEY` the ethogram file its labels were made with (the Label behaviors dock shows it).
"""

METADATA_KEY = "chronoviz"
OVERLAYS_KEY = "overlays"  # in a video layer's chronoviz metadata: sources for the dock widget to attach
CLOCK_RATE_KEY = "clock_rate"  # in a video layer's chronoviz metadata: steps per second of the clock it was put on
ETHOGRAM_KEY = "ethogram"  # in a video layer's chronoviz metadata: the ethogram file of a session's labels
