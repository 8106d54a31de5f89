"""Where the API is, where data lives, and the API key: from the environment or keyring."""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol
from urllib.parse import urlsplit

import platformdirs

from scribble_studio.domain.errors import InsecureEndpoint, InvalidInput

if TYPE_CHECKING:  # (loaded when something is first redacted: json, base64 stay off start-up)
    from scribble_studio.services.redaction import SecretForms

DEFAULT_API_BASE: Final = "https://api.segmind.com/v1"
# Segmind's request history (what became of any request) lives on a host of its own.
DEFAULT_HISTORY_BASE: Final = "https://api.spotprod.segmind.com"
KEYRING_SERVICE: Final = "scribble-studio"
KEYRING_USERNAME: Final = "api-key"

ENV_API_KEY: Final = "SEGMIND_API_KEY"
ENV_API_BASE: Final = "SCRIBBLE_STUDIO_API_BASE"
ENV_HISTORY_BASE: Final = "SCRIBBLE_STUDIO_HISTORY_BASE"
ENV_HOME: Final = "SCRIBBLE_STUDIO_HOME"
ENV_RESCUE: Final = "SCRIBBLE_STUDIO_RESCUE"
RESCUE_FOLDER: Final = "Scribble Studio rescued"
ENV_CONNECT_TIMEOUT: Final = "SCRIBBLE_STUDIO_CONNECT_TIMEOUT"
ENV_READ_TIMEOUT: Final = "SCRIBBLE_STUDIO_READ_TIMEOUT"

log = logging.getLogger(__name__)


class ApiKey:
    """The secret. Its ``repr`` and ``str`` never show it; only :meth:`reveal` does,
    and only the HTTP client calls that."""

    __slots__ = ("_forms", "_value")

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValueError("an API key cannot be empty")
        for position, char in enumerate(value, start=1):
            # An HTTP header carries ASCII only: anything else fails deep in the client.
            if not (char.isascii() and char.isprintable()) or char.isspace():
                raise InvalidInput(
                    f"The API key has a character that cannot be sent (character "
                    f"{position} of {len(value)}): keys are plain letters, digits and "
                    "punctuation.",
                    "Copy the key again from your Segmind account, without spaces or "
                    "typographic quotes.")
        self._value = value
        self._forms: SecretForms | None = None

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with the key replaced in every form a server could echo it in:
        plain, URL-encoded, JSON-escaped, inside base64, or cut off (see
        :mod:`services.redaction`)."""
        return self._secret_forms().redact(text)

    def redact_mapping(self, mapping: Mapping[str, str] | Iterable[tuple[str, str]]
                       ) -> dict[str, str]:
        """Headers (or any name/value pairs) safe to log: values redacted, and the
        secret headers (``x-api-key``, ``authorization``, cookies) hidden."""
        return self._secret_forms().redact_mapping(mapping)

    redact_headers = redact_mapping

    def _secret_forms(self) -> SecretForms:
        if self._forms is None:
            from scribble_studio.services.redaction import SecretForms

            self._forms = SecretForms(self._value)
        return self._forms

    def __repr__(self) -> str:
        return "ApiKey(<hidden>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class KeyringLike(Protocol):
    """The part of the ``keyring`` module we use (so tests can pass a backend)."""

    def get_password(self, service_name: str, username: str) -> str | None: ...


class ApiChoice(enum.StrEnum):
    """Which of Segmind's APIs a job goes through: the v2 job API (submit, poll, fetch)
    with v1 where a model is not served on v2 (``auto``), or one of them only."""

    AUTO = "auto"
    V2 = "v2"
    V1 = "v1"


def v2_base(api_base: str) -> str:
    """The v2 root for a v1 base URL, as Segmind's SDK derives it: the last ``/vN``
    segment replaced by ``/v2`` (``https://api.segmind.com/v1`` → ``…/v2``)."""
    base = api_base.rstrip("/")
    head, _, last = base.rpartition("/")
    if head and last[:1] == "v" and last[1:].isdigit():
        base = head
    return base + "/v2"


@dataclasses.dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to reach the API. Timeouts in seconds."""

    api_base: str = DEFAULT_API_BASE
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    history_base: str = DEFAULT_HISTORY_BASE
    api: ApiChoice = ApiChoice.AUTO

    def __post_init__(self) -> None:
        check_endpoint(self.api_base)
        check_endpoint(self.history_base)
        if not isinstance(self.api, ApiChoice):
            raise InvalidInput(f"The API must be one of {', '.join(ApiChoice)}.")
        for name in ("connect_timeout", "read_timeout"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 < value <= 3600):
                raise InvalidInput(f"The {name.replace('_', ' ')} must be 0–3600 seconds.")

    def url(self, path: str) -> str:
        return self.api_base.rstrip("/") + "/" + path.lstrip("/")

    def v2_url(self, path: str) -> str:
        return v2_base(self.api_base) + "/" + path.lstrip("/")

    def history_url(self, path: str) -> str:
        return self.history_base.rstrip("/") + "/" + path.lstrip("/")


def _is_loopback(host: str) -> bool:
    """A literal loopback address (127.0.0.0/8, ::1, ::ffff:127.x.x.x) or ``localhost``
    itself. Not ``*.localhost``: RFC 6761 asks resolvers to keep those on this machine,
    but many (glibc without systemd-resolved, most stub resolvers) send them to DNS,
    which may answer with any address, and the key would then cross it in clear.
    ``localhost`` is in every hosts file, which is read before DNS."""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def check_endpoint(url: str) -> None:
    """Raise :class:`InsecureEndpoint` unless ``url`` is https, or plain http to a
    loopback host (the key must never cross a network in clear text)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInput(f"The API base URL is not a web address: {url!r}.",
                           "Use an address like https://api.segmind.com/v1.")
    if parts.scheme == "http" and not _is_loopback(host):
        raise InsecureEndpoint(
            f"Refusing to send the API key over plain http:// to {host}."
        )


def _float_env(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a number of seconds, not {raw!r}.") from None


def settings_from_env(
    environ: Mapping[str, str], api_base: str | None = None,
    api: ApiChoice = ApiChoice.AUTO,
) -> ClientSettings:
    """Settings from the environment; ``api_base`` (a command-line flag) wins."""
    return ClientSettings(
        api_base=api_base or environ.get(ENV_API_BASE, "").strip() or DEFAULT_API_BASE,
        connect_timeout=_float_env(environ, ENV_CONNECT_TIMEOUT, 10.0),
        read_timeout=_float_env(environ, ENV_READ_TIMEOUT, 300.0),
        history_base=environ.get(ENV_HISTORY_BASE, "").strip() or DEFAULT_HISTORY_BASE,
        api=api,
    )


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The data folder: ``SCRIBBLE_STUDIO_HOME`` or the platform's user data folder."""
    home = environ.get(ENV_HOME, "").strip()
    return Path(home) if home else Path(platformdirs.user_data_dir(KEYRING_SERVICE, False))


def rescue_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where a paid result goes when neither the history nor ``--out`` takes it:
    ``SCRIBBLE_STUDIO_RESCUE``, or a folder in the user's Pictures. Not in the data
    folder: what fills that disk (or locks that folder) must not take this one too."""
    rescue = environ.get(ENV_RESCUE, "").strip()
    return Path(rescue) if rescue else Path(platformdirs.user_pictures_dir()) / RESCUE_FOLDER


def load_api_key(environ: Mapping[str, str], keyring: KeyringLike | None) -> ApiKey | None:
    """The key from ``SEGMIND_API_KEY``, else from the OS keyring; ``None`` if neither
    has one. A missing or broken keyring backend is not an error: it just has no key."""
    from_env = environ.get(ENV_API_KEY, "").strip()
    if from_env:
        return ApiKey(from_env)
    if keyring is None:
        return None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
    except Exception as exc:  # any backend failure means "no key here"
        log.warning("keyring unavailable: %s", type(exc).__name__)
        return None
    return ApiKey(stored) if stored and stored.strip() else None
