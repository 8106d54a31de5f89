"""Icons, desktop files and styles shipped inside the package (importlib.resources)."""
