"""Per-frame overlay geometry in canvas pixels (pure numpy): plot panel, pose, events and labels."""
