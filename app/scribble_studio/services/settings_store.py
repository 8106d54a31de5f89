"""The app's settings, as JSON in the data folder. The parameters the user was working
with live in the current draft (:mod:`drafts`); the API key in :mod:`secrets`."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from pathlib import Path
from typing import Final

from scribble_studio.domain.scribble_spec import UploadEncoding
from scribble_studio.services.atomic_files import atomic_write
from scribble_studio.services.config import DEFAULT_API_BASE, ApiChoice, ClientSettings

SETTINGS_FILE: Final = "settings.json"
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class AppSettings:
    api_base: str = DEFAULT_API_BASE
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    concurrency: int = 2
    invert: bool = False
    upload_encoding: str = UploadEncoding.GRAY.value
    api: str = ApiChoice.AUTO.value   # auto (v2, v1 where a model is not on v2), v2, v1
    history_base: str = ""            # "" is Segmind's request-history host

    def client_settings(self) -> ClientSettings:
        """Raises a StudioError if the base URL, the API or a timeout is unusable."""
        from scribble_studio.domain.errors import InvalidInput

        try:
            api = ApiChoice(self.api)
        except ValueError:
            raise InvalidInput(f"The API must be one of {', '.join(ApiChoice)}.") from None
        if self.history_base:
            return ClientSettings(self.api_base, self.connect_timeout, self.read_timeout,
                                  self.history_base, api)
        return ClientSettings(self.api_base, self.connect_timeout, self.read_timeout, api=api)

    def encoding(self) -> UploadEncoding:
        try:
            return UploadEncoding(self.upload_encoding)
        except ValueError:
            return UploadEncoding.GRAY


class SettingsStore:
    """Loads and saves :class:`AppSettings`. A missing or broken file gives defaults
    (a broken one is kept aside as ``settings.json.broken`` rather than lost)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / SETTINGS_FILE

    def load(self) -> AppSettings:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            names = {f.name for f in dataclasses.fields(AppSettings)}
            settings = AppSettings(**{k: v for k, v in document.items() if k in names})
            settings.client_settings()
            if not (isinstance(settings.concurrency, int) and 1 <= settings.concurrency <= 8):
                settings = dataclasses.replace(settings, concurrency=2)
            return settings
        except FileNotFoundError:
            return AppSettings()
        except Exception as exc:  # unreadable, not JSON, wrong types, bad URL
            log.warning("settings file unusable (%s); using defaults", type(exc).__name__)
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_name(SETTINGS_FILE + ".broken"))
            return AppSettings()

    def save(self, settings: AppSettings) -> None:
        text = json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True)
        atomic_write(self.path, text.encode("utf-8"))
