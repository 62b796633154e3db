"""The napari adapter: reader, writer, sample data, dock widget and layers. The only code that imports napari/Qt."""
