"""Rasterize overlay geometry onto frames (OpenCV), encode, export."""
