"""A damaged or half-wrong settings file: kept aside and said, never silently reset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scribble_studio.domain.errors import SettingsDamaged
from scribble_studio.services.settings_store import AppSettings, SettingsStore


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe\x00garbage", b""])
def test_a_damaged_settings_file_is_kept_aside_and_said(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "settings.json").write_bytes(content)
    store = SettingsStore(tmp_path)
    assert store.load() == AppSettings()
    (kept,) = tmp_path.glob("settings.json.corrupt-*")
    assert kept.read_bytes() == content
    assert isinstance(store.problem, SettingsDamaged) and kept.name in store.problem.message
    assert store.problem.action


def test_two_damaged_settings_files_keep_both_copies(tmp_path: Path) -> None:
    for content in (b"{first", b"{second"):
        (tmp_path / "settings.json").write_bytes(content)
        SettingsStore(tmp_path).load()
    kept = {p.read_bytes() for p in tmp_path.glob("settings.json.corrupt-*")}
    assert kept == {b"{first", b"{second"}


def test_bad_fields_go_back_to_defaults_and_the_rest_is_kept(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({
        "api_base": "http://evil.example/v1", "concurrency": 99, "invert": True,
        "read_timeout": "soon", "connect_timeout": 20, "upload_encoding": "rgb",
        "future_field": 1}))
    store = SettingsStore(tmp_path)
    settings = store.load()
    assert settings == AppSettings(invert=True, connect_timeout=20, upload_encoding="rgb")
    assert store.problem is not None
    for name in ("api_base", "concurrency", "read_timeout"):
        assert name in store.problem.message
    assert (tmp_path / "settings.json").exists()  # readable: nothing to keep aside


def test_a_sound_file_is_no_problem(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.save(AppSettings(concurrency=3))
    assert store.load().concurrency == 3 and store.problem is None
