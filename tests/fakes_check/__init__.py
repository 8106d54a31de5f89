"""Checks of the fake Segmind itself, against Segmind's own SDK and the contract."""
