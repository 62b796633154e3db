"""Readers: video (PyAV, imgstore, OpenCV), frame timestamps."""
