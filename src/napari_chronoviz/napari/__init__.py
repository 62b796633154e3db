"""The napari adapter: reader, sample data and (later) widgets. The only code that imports napari/Qt."""
