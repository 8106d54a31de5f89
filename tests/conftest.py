"""Shared fixtures. Every test runs with its own data folder and no real keyring or key,
so no test can touch the user's settings, secrets or history."""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from scribble_studio.services.logs import LOGGERS
from tests.fakes.segmind_server import FakeSegmind

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SCRIBBLES = REPO.parent / "shared" / "scribbles"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "studio-home"
    monkeypatch.setenv("SCRIBBLE_STUDIO_HOME", str(home))
    monkeypatch.setenv("SCRIBBLE_STUDIO_RESCUE", str(tmp_path / "rescued"))  # not ~/Pictures
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in ("SEGMIND_API_KEY", "SCRIBBLE_STUDIO_API_BASE", "SCRIBBLE_STUDIO_HISTORY_BASE",
                 "SCRIBBLE_STUDIO_CONNECT_TIMEOUT", "SCRIBBLE_STUDIO_READ_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def aloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop (the asyncio loop *is* the Qt loop) for the whole session."""
    import qasync

    qapp.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]  # as main.py does
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()


@pytest.fixture
def fake_api() -> Iterator[FakeSegmind]:
    with FakeSegmind() as server:
        yield server


@pytest.fixture
def scribble_files() -> list[Path]:
    """The five real scribbles; a missing folder is a failure, not a skip."""
    files = sorted(SCRIBBLES.glob("*.png"))
    assert len(files) == 5, f"expected five scribbles in {SCRIBBLES}"
    return files


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def clean_loggers() -> Iterator[None]:
    """The package's loggers as they were before a test that sets up the log file."""
    yield
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
