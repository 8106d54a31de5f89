"""The system keyring, used from a short-lived child process.

Finding the keyring's backend imports its Secret Service support, whose cryptography
bindings stay resident for the life of a process (~12 MB) to read one secret once. The
app runs each keyring call in a child (``scribble-studio --keyring-helper``) that answers
and exits. The request, with any password, goes over the child's stdin, never its
command line; the answer comes back on stdout as one JSON object. A keyring that hangs
(D-Bus gone, an unlock prompt never answered) is killed after ``timeout`` seconds.

The CLI, a short-lived process itself, keeps using the keyring module directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Final

from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME

HELPER_FLAG: Final = "--keyring-helper"
TIMEOUT_S: Final = 120.0


class KeyringError(RuntimeError):
    """The helper failed; the message names the failure, never a secret."""


class Backend:
    """What the helper reported of the keyring's backend."""

    def __init__(self, name: str, priority: float) -> None:
        self.name, self.priority = name, priority

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, priority={self.priority})"


def helper_command() -> list[str]:
    """How to start the helper: the bundle is its own interpreter."""
    if getattr(sys, "frozen", False):
        return [sys.executable, HELPER_FLAG]
    return [sys.executable, "-m", "scribble_studio", HELPER_FLAG]


class KeyringProcess:
    """The part of the ``keyring`` module that :class:`SecretStore` uses, each call
    answered by a helper process. The first call reads the backend and the password in
    one go; :meth:`get_keyring` and the next :meth:`get_password` share it."""

    def __init__(self, command: Sequence[str] | None = None,
                 env: Mapping[str, str] | None = None, timeout: float = TIMEOUT_S) -> None:
        self.command = list(command) if command is not None else helper_command()
        self._env = dict(env) if env is not None else None
        self._timeout = timeout
        self._lock = threading.Lock()
        self._backend: Backend | None = None
        self._fresh: tuple[tuple[str, str], str | None] | None = None  # one read, unused

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console flash on Windows
        try:
            done = subprocess.run(self.command, input=json.dumps(request), text=True,
                                  capture_output=True, timeout=self._timeout, env=self._env,
                                  creationflags=flags, check=False)
        except subprocess.TimeoutExpired:
            raise KeyringError(f"the keyring did not answer within {self._timeout:g} s") \
                from None
        except OSError as exc:
            raise KeyringError(f"the keyring helper could not start ({exc.strerror})") \
                from None
        try:
            answer = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise KeyringError(f"the keyring helper failed (exit status {done.returncode})") \
                from None
        if not isinstance(answer, dict):
            raise KeyringError("the keyring helper answered nonsense")
        if isinstance(answer.get("priority"), (int, float)):
            self._backend = Backend(str(answer.get("backend", "?")), float(answer["priority"]))
        if not answer.get("ok"):
            raise KeyringError(f"the keyring refused: {answer.get('error') or 'unknown error'}")
        return answer

    def _read(self, service_name: str, username: str) -> str | None:
        answer = self._call({"op": "get", "service": service_name, "username": username})
        password = answer.get("password")
        return password if isinstance(password, str) else None

    def get_keyring(self) -> Backend:
        with self._lock:
            if self._backend is None:
                where = (KEYRING_SERVICE, KEYRING_USERNAME)
                try:
                    self._fresh = (where, self._read(*where))
                except KeyringError:
                    if self._backend is None:  # not even the backend is known
                        raise
            assert self._backend is not None
            return self._backend

    def get_password(self, service_name: str, username: str) -> str | None:
        with self._lock:
            fresh, self._fresh = self._fresh, None
            if fresh is not None and fresh[0] == (service_name, username):
                return fresh[1]
            return self._read(service_name, username)

    def set_password(self, service_name: str, username: str, password: str) -> None:
        with self._lock:
            self._fresh = None
            self._call({"op": "set", "service": service_name, "username": username,
                        "password": password})

    def delete_password(self, service_name: str, username: str) -> None:
        with self._lock:
            self._fresh = None
            self._call({"op": "delete", "service": service_name, "username": username})


def serve(stdin: Any = None, stdout: Any = None) -> int:
    """The helper's side: one request from stdin, one answer to stdout. Errors are
    reported by their type's name only (a backend's message might quote the secret)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    # Whatever happens to the keyring (a hung D-Bus call), the helper does not outlive
    # its purpose; a daemon timer does not keep a finished helper alive.
    watchdog = threading.Timer(TIMEOUT_S + 5, os._exit, args=(3,))
    watchdog.daemon = True
    watchdog.start()
    answer: dict[str, Any] = {"ok": False}
    try:
        request = json.loads(stdin.read())
        import keyring

        backend = keyring.get_keyring()
        kind = type(backend)
        answer.update(backend=f"{kind.__module__}.{kind.__qualname__}",
                      priority=float(getattr(backend, "priority", 0)))
        op, service, username = request["op"], request["service"], request["username"]
        if op == "get":
            answer["password"] = keyring.get_password(service, username)
        elif op == "set":
            keyring.set_password(service, username, request["password"])
        elif op == "delete":
            keyring.delete_password(service, username)
        else:
            raise ValueError(op)
        answer["ok"] = True
    except Exception as exc:
        answer["error"] = type(exc).__name__
    stdout.write(json.dumps(answer) + "\n")
    stdout.flush()
    return 0 if answer["ok"] else 1
