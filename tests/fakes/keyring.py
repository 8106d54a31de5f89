"""A keyring module's shape (get/set/delete a password, the backend's priority), holding
passwords in a dict."""

from __future__ import annotations


class Backend:
    def __init__(self, priority: float) -> None:
        self.priority = priority


class MemoryKeyring:
    def __init__(self, stored: dict[tuple[str, str], str] | None = None,
                 priority: float = 5) -> None:
        self.stored = stored if stored is not None else {}
        self.backend = Backend(priority)

    def get_keyring(self) -> object:
        return self.backend

    def get_password(self, service_name: str, username: str) -> str | None:
        return self.stored.get((service_name, username))

    def set_password(self, service_name: str, username: str, password: str) -> None:
        self.stored[service_name, username] = password

    def delete_password(self, service_name: str, username: str) -> None:
        del self.stored[service_name, username]
