"""The controllers layer (see shared architecture notes)."""
