from __future__ import annotations

import importlib.resources
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_package_under_app_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(REPO / "app").parts)
             for p in (REPO / "app").rglob("__init__.py")}
    data = {f"scribble_studio.{top}" for top in ("resources", "assets")} | {
        f"scribble_studio.{top}." + ".".join(p.relative_to(REPO / top).parts)
        for top in ("resources", "assets")
        for p in (REPO / top).rglob("*") if p.is_dir() and p.name != "__pycache__"}
    assert found | data == listed


def test_resources_are_found_through_importlib() -> None:
    icon = importlib.resources.files("scribble_studio.resources") / "icons" / "scribble-studio.svg"
    assert icon.is_file() and b"<svg" in icon.read_bytes()
