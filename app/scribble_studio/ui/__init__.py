"""The ui layer (see shared architecture notes)."""
