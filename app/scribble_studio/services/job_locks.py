"""Who is working on a job: each process that sends or collects jobs holds an OS file
lock for its whole life, and every job it owns names that lock. The kernel releases the
lock the moment the process dies (kill -9 included), so a job whose owner's lock can be
taken has no sender any more: it is settled at once instead of after a timeout, and a
job another process is still working on is never taken for one in doubt."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from filelock import FileLock, Timeout

from scribble_studio.domain.errors import HistoryLocked

LOCKS_DIR: Final = "locks"
SEND_LOCK: Final = "send.lock"
SEND_LOCK_WAIT: Final = 60.0


def _lock(path: Path) -> FileLock:
    # No soft fallback: a lock the kernel does not release on death would leave jobs
    # looking owned forever. Not thread-local: one process, one owner.
    return FileLock(path, thread_local=False, fallback_to_soft=False)


class SenderLock:
    """This process's lock, taken on first use and held until :meth:`release` or exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / LOCKS_DIR
        self.name = f"{os.getpid()}-{os.urandom(4).hex()}"
        self._lock: FileLock | None = None
        self._guard = threading.Lock()

    def hold(self) -> str:
        """Take the lock (once) and return the name jobs record as their owner."""
        with self._guard:
            if self._lock is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                lock = _lock(self.folder / f"{self.name}.lock")
                lock.acquire(timeout=0)
                self._lock = lock
        return self.name

    def alive(self, owner: str | None) -> bool:
        """Whether the process named ``owner`` still holds its lock (this one does)."""
        if owner is None:
            return False
        if owner == self.name:
            return self._lock is not None
        return owner_alive(self.folder, owner)

    def release(self) -> None:
        with self._guard:
            if self._lock is not None:
                path = Path(self._lock.lock_file)
                path.unlink(missing_ok=True)
                self._lock.release()
                self._lock = None


def owner_alive(folder: Path, owner: str) -> bool:
    """Try the owner's lock: taken means its process is gone (the file is then removed)."""
    if not owner or "/" in owner or owner.startswith("."):
        return False
    path = folder / f"{owner}.lock"
    if not path.exists():
        return False
    probe = _lock(path)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:  # unreadable lock folder: treat as alive, never as in doubt
        return True
    try:
        path.unlink(missing_ok=True)
    finally:
        probe.release()
    return False


@contextlib.contextmanager
def send_gate(folder: Path) -> Iterator[None]:
    """Held while a sender checks the budget and claims a job (two quick queries), by
    every process and thread of one history: two senders cannot both pass a budget with
    room for one. A fresh lock each time (flock is per open file, so threads of one
    process exclude each other too); the kernel drops it if the holder dies."""
    locks = folder / LOCKS_DIR
    locks.mkdir(parents=True, exist_ok=True)
    lock = _lock(locks / SEND_LOCK)
    try:
        lock.acquire(timeout=SEND_LOCK_WAIT)
    except Timeout:
        raise HistoryLocked("Another Scribble Studio process kept the history's send lock "
                            f"for {SEND_LOCK_WAIT:g} seconds; nothing was sent.") from None
    try:
        yield
    finally:
        lock.release()
