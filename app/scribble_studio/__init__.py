"""Scribble Studio: sketch a scribble, get images from Segmind's ControlNet Scribble model."""

# The single source of the version (pyproject.toml reads it). A literal rather than
# importlib.metadata, whose import alone costs ~20 ms of start-up.
__version__ = "0.1.0"

APP_NAME = "Scribble Studio"
APP_ID = "scribble-studio"
