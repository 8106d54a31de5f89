"""Installing it like a user: the wheel into a fresh virtual environment, and the
desktop files validated by the freedesktop tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINUX = REPO / "resources" / "linux"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(out), str(REPO)], check=True, timeout=600)
    (built,) = out.glob("scribble_studio-*.whl")
    return built


def test_the_wheel_carries_resources_and_examples(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("scribble_studio/resources/icons/scribble-studio.svg",
                   "scribble_studio/resources/icons/draw-freehand.svg",
                   "scribble_studio/resources/linux/"
                   "io.github.scribble_studio.ScribbleStudio.desktop",
                   "scribble_studio/assets/examples/house.png",
                   "scribble_studio/cli.py"):
        assert needed in names, needed
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_the_wheel_installs_and_runs_from_a_fresh_environment(
        wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   timeout=900)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "SCRIBBLE_STUDIO_HOME": str(tmp_path / "home")}
    command = venv / "bin" / "scribble-studio"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True,
                             env=env, timeout=120, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("scribble-studio 0.")
    smoke = subprocess.run([str(command), "--smoke-test"], capture_output=True, text=True,
                           env=env, timeout=180, cwd=tmp_path)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "smoke test: ok" in smoke.stdout
    assert str(REPO) not in smoke.stderr  # nothing was found through the source tree


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it (packaging/linux-deps.sh)")
        pytest.skip(f"{name} is not installed (packaging/linux-deps.sh installs it)")
    return found


def test_the_desktop_entry_validates() -> None:
    (entry,) = LINUX.glob("*.desktop")
    done = subprocess.run([_tool("desktop-file-validate"), str(entry)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_appstream_metainfo_validates() -> None:
    (info,) = LINUX.glob("*.metainfo.xml")
    done = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(info)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_packaging_links_to_the_shipped_desktop_files() -> None:
    for link in (REPO / "packaging" / "linux").iterdir():
        assert link.resolve().parent == LINUX.resolve(), link
