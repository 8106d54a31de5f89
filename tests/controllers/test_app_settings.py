from __future__ import annotations

import json
from pathlib import Path

import pytest

from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.services.secrets import SecretStore
from scribble_studio.services.settings_store import SettingsStore

pytestmark = pytest.mark.usefixtures("qapp")


def test_the_environments_base_url_is_used_but_never_saved(tmp_path: Path) -> None:
    runner = BackgroundRunner()
    controller = SettingsController(SettingsStore(tmp_path), SecretStore(tmp_path, None, {}),
                                    runner)
    controller.override_base("http://127.0.0.1:9/v1")
    controller.update(concurrency=3)
    runner.shutdown(wait=True)
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert controller.current().api_base == "http://127.0.0.1:9/v1"
    assert saved["api_base"] == "https://api.segmind.com/v1" and saved["concurrency"] == 3


def test_a_broken_settings_file_gives_defaults_and_is_kept_aside(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    settings = SettingsStore(tmp_path).load()
    assert settings.concurrency == 2 and (tmp_path / "settings.json.broken").exists()
