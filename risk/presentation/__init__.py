"""Renderers of an Assessment: terminal tables here; dashboard and reports elsewhere. None computes risk."""
