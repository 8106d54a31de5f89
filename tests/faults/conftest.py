"""Real faults for the fault tests: a small filesystem that fills up, a read-only folder,
a database another process holds locked, and the CLI run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history import HistoryStore, State
from tests.fakes.segmind_server import FakeSegmind


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount ({done.stderr.strip()}): the fault tests need root")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], check=True)


def mount_small_disk(folder: Path) -> Path:
    """A 2 MB tmpfs on ``folder`` (made first); ``unmount(folder)`` when done."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder))
    return folder


unmount = _umount


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs: a disk that really fills up."""
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk))
    yield disk
    _umount(disk)


@pytest.fixture
def small_disks() -> Iterator[Callable[[Path], Path]]:
    """``small_disks(folder)`` mounts a 2 MB tmpfs on ``folder`` (made first): to fill one
    part of the data (the images, say) and not the rest, or another folder too."""
    mounted: list[Path] = []

    def mount(folder: Path) -> Path:
        mounted.append(mount_small_disk(folder))
        return folder

    yield mount
    for folder in reversed(mounted):
        _umount(folder)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte; returns the filler file (delete it to free it)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 16, 512, 1):  # down to the last byte
            try:
                while os.write(fd, bytes(size)):
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def make_read_only(tmp_path: Path) -> Iterator[object]:
    """``make_read_only(folder)`` bind-mounts ``folder`` read-only over itself."""
    mounted: list[Path] = []

    def read_only(folder: Path) -> None:
        _mount("--bind", str(folder), str(folder))
        mounted.append(folder)
        _mount("-o", "remount,ro,bind", str(folder))

    yield read_only
    for folder in reversed(mounted):
        _umount(folder)


class LockHolder:
    """A child process that holds an exclusive lock on a SQLite file until closed; with
    ``writer``, only the write lock (a write transaction left open), which a database
    open elsewhere in WAL mode lets it take."""

    def __init__(self, path: Path, writer: bool = False) -> None:
        code = textwrap.dedent("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            if sys.argv[2] == "writer":
                db.execute("BEGIN IMMEDIATE")
            else:
                db.execute("PRAGMA locking_mode=EXCLUSIVE")
                db.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.read()
        """)
        self.child = subprocess.Popen([sys.executable, "-c", code, str(path),
                                       "writer" if writer else "exclusive"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.child.stdout is not None
        assert self.child.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.child.stdin is not None
        self.child.stdin.close()
        self.child.wait(timeout=30)


@pytest.fixture
def lock_database() -> Iterator[object]:
    holders: list[LockHolder] = []

    def lock(path: Path, writer: bool = False) -> LockHolder:
        holders.append(LockHolder(path, writer))
        return holders[-1]

    yield lock
    for holder in holders:
        if holder.child.poll() is None:
            holder.release()


class FillsAtFirstPoll(FakeSegmind):
    """The fake, with ``then`` run as the first status poll arrives: the job is billed and
    its request id stored, its images not fetched yet (they come right after)."""

    def __init__(self, then: Callable[[], object], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._then: Callable[[], object] | None = then

    def note_poll(self, request_id: str) -> None:
        super().note_poll(request_id)
        then, self._then = self._then, None
        if then is not None:
            then()


def history_with(folder: Path, n: int) -> None:
    store = HistoryStore(folder)
    for i in range(n):
        store.record(GenerationParams(f"prompt {i}", seed=i), b"scribble %d" % i, (512, 512),
                     State.WAITING)
    store.close()


def cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    environ.pop("SEGMIND_API_KEY", None)
    environ.update(SCRIBBLE_STUDIO_HOME=str(home), **env)
    return subprocess.run([sys.executable, "-m", "scribble_studio", *args], capture_output=True,
                          text=True, env=environ, timeout=60)


def snapshot(folder: Path) -> dict[str, bytes]:
    """The history's files in ``folder`` with their bytes: to show nothing was touched."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("history.sqlite3*"))}
