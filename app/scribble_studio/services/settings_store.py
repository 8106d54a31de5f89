"""The app's settings, as JSON in the data folder. The parameters the user was working
with live in the current draft (:mod:`drafts`); the API key in :mod:`secrets`."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Final

from scribble_studio.domain.errors import SettingsDamaged, StudioError
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
    # The budget (dollars; None: no limit): per local day, per calendar month, and the
    # estimate of one job above which the app asks first.
    budget_day: float | None = None
    budget_month: float | None = None
    budget_ask_above: float | None = None
    # The window's getting-started hint about the key: dismissed, or a key was set.
    first_run_hint_dismissed: bool = False
    # The folder each kind of file dialog last used ("" : the user's Pictures folder).
    folder_open_sketch: str = ""
    folder_save_sketch: str = ""
    folder_export_image: str = ""
    # Live mode's cap per live session (from turning it on): jobs, and dollars (0: none).
    live_cap_jobs: int = 20
    live_cap_dollars: float = 0.10

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

    def for_backend(self) -> AppSettings:
        """These settings less what no backend uses (the file dialogs' folders): a new
        folder is no reason for a new HTTP client."""
        return dataclasses.replace(self, folder_open_sketch="", folder_save_sketch="",
                                   folder_export_image="")

    def encoding(self) -> UploadEncoding:
        try:
            return UploadEncoding(self.upload_encoding)
        except ValueError:
            return UploadEncoding.GRAY


class SettingsStore:
    """Loads and saves :class:`AppSettings`. A missing file gives defaults. A damaged one
    (not JSON, not an object) is kept aside as ``settings.json.corrupt-<time>``; a field
    of the wrong type or value is put back to its default. Either way :attr:`problem`
    says so (a :class:`SettingsDamaged` for the window to show; ``None`` otherwise)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / SETTINGS_FILE
        self.problem: SettingsDamaged | None = None

    def load(self) -> AppSettings:
        self.problem = None
        try:
            document = json.loads(self.path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return AppSettings()
        except OSError as exc:  # unreadable: left alone, maybe the user can fix it
            log.warning("settings file unreadable (%s); using defaults", type(exc).__name__)
            self.problem = SettingsDamaged(
                f"The settings file {self.path} cannot be read ({exc.strerror or exc}); "
                "the defaults are used for now.",
                "Check the file's permissions, or change the settings again.")
            return AppSettings()
        except ValueError:  # not UTF-8, not JSON
            document = None
        if not isinstance(document, dict):
            kept = self._keep_aside()
            where = f"it was kept as {kept.name}" if kept else "it could not be kept"
            log.warning("settings file damaged; %s; using defaults", where)
            self.problem = SettingsDamaged(
                f"The settings file was damaged; {where} and the defaults are used.",
                "Check your choices in Settings (the kept file shows the old ones).")
            return AppSettings()
        settings, reset = _valid(document)
        if reset:
            log.warning("settings reset to defaults: %s", ", ".join(reset))
            self.problem = SettingsDamaged(
                "Some settings could not be used and are back to their defaults: "
                f"{', '.join(reset)}.")
        return settings

    def _keep_aside(self) -> Path | None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1, 100):
            kept = self.path.with_name(f"{SETTINGS_FILE}.corrupt-{stamp}"
                                       + (f"-{n}" if n > 1 else ""))
            if kept.exists():
                continue
            try:
                self.path.replace(kept)
            except OSError:
                return None
            return kept
        return None

    def save(self, settings: AppSettings) -> None:
        text = json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True)
        atomic_write(self.path, text.encode("utf-8"))


def _field_ok(name: str, value: object) -> bool:
    if name == "api_base":
        try:
            return isinstance(value, str) and ClientSettings(value).api_base == value
        except StudioError:
            return False
    if name in ("connect_timeout", "read_timeout"):
        return isinstance(value, int | float) and not isinstance(value, bool) and (
            0 < value <= 3600)
    if name == "concurrency":
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8
    if name in ("invert", "first_run_hint_dismissed"):
        return isinstance(value, bool)
    if name == "upload_encoding":
        return value in {e.value for e in UploadEncoding}
    if name == "api":
        return value in {a.value for a in ApiChoice}
    if name in ("budget_day", "budget_month", "budget_ask_above"):
        return value is None or (isinstance(value, int | float) and not isinstance(value, bool)
                                 and 0 <= value <= 1_000_000)
    if name in ("folder_open_sketch", "folder_save_sketch", "folder_export_image"):
        return isinstance(value, str) and "\0" not in value
    if name == "live_cap_jobs":
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000
    if name == "live_cap_dollars":
        return isinstance(value, int | float) and not isinstance(value, bool) and (
            0 <= value <= 1_000_000)
    if name == "history_base":
        try:
            return isinstance(value, str) and (
                value == "" or ClientSettings(history_base=value).history_base == value)
        except StudioError:
            return False
    return False


def _valid(document: dict[str, object]) -> tuple[AppSettings, list[str]]:
    """The settings from the fields that are usable, and the names of those that are not
    (unknown names are ignored: a newer version may have written them)."""
    names = [f.name for f in dataclasses.fields(AppSettings)]
    good = {k: v for k, v in document.items() if k in names and _field_ok(k, v)}
    reset = [k for k in names if k in document and k not in good]
    return AppSettings(**good), reset  # type: ignore[arg-type]
