"""The CLI checks each parameter against the range of the model the job is for, as its
spec gives it: a value one model takes and another refuses is refused only for that
one, with that model's range in the message."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scribble_studio import cli
from tests.fakes.keyring import MemoryKeyring
from tests.fakes.model_specs import narrow_catalog
from tests.fakes.sketches import drawn_sketch
from tests.test_cli import cli as run_cli


@pytest.fixture
def sketch(tmp_path: Path) -> Path:
    path = tmp_path / "house.png"
    drawn_sketch((512, 512)).save(path)
    return path


def dry_run(sketch: Path, capsys: pytest.CaptureFixture[str],
            *options: str) -> tuple[int, dict[str, object]]:
    code = cli.main(["generate", str(sketch), "-p", "a house", "--dry-run", "--no-checks",
                     "--json", *options], dict(os.environ), MemoryKeyring(),
                    models=narrow_catalog())
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.usefixtures("clean_loggers")
def test_steps_are_checked_by_the_range_of_the_model_given(
        sketch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = dry_run(sketch, capsys, "--steps", "30")
    assert code == 0 and report["steps"] == 30 and report["model"] == "sd15-scribble"
    code, report = dry_run(sketch, capsys, "--steps", "30", "--model", "narrow-scribble")
    assert code == 2 and report["kind"] == "InvalidParameters"
    assert report["error"] == ("Invalid option for --model narrow-scribble: --steps must be "
                               "between 4 and 12.")
    code, report = dry_run(sketch, capsys, "--steps", "8", "--model", "narrow-scribble")
    assert code == 0 and report["steps"] == 8
    code, report = dry_run(sketch, capsys, "--steps", "8")
    assert code == 2 and "--steps must be between 20 and 100" in report["error"]


def test_the_help_gives_each_models_range_and_default_from_its_spec(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["generate", "--help"], {}, MemoryKeyring(), models=narrow_catalog())
    helped = " ".join(capsys.readouterr().out.split())
    assert "sd15-scribble: 20-100, default 20; narrow-scribble: 4-12, default 8" in helped
    assert "narrow-scribble: 1-3, default 2" in helped


def test_builtin_models_guidance_is_refused_only_where_it_is_out_of_range(
        sketch: Path) -> None:
    ok = run_cli("generate", str(sketch), "-p", "x", "--guidance", "0.5", "--dry-run",
                 "--no-checks", "--json", server=None)
    assert ok.returncode == 0, ok.stderr
    refused = run_cli("generate", str(sketch), "-p", "x", "--guidance", "0.5", "--model",
                      "sdxl-scribble", "--dry-run", "--json", server=None)
    assert refused.returncode == 2
    assert json.loads(refused.stdout)["error"] == (
        "Invalid option for --model sdxl-scribble: --guidance must be between 1 and 25.")
