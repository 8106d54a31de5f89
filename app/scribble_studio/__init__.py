"""Scribble Studio: sketch a scribble, get images from Segmind's ControlNet Scribble model."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scribble-studio")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

APP_NAME = "Scribble Studio"
APP_ID = "scribble-studio"
