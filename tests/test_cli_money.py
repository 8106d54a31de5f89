"""Models and money through the CLI as a user runs it (a child process, the HTTP fake):
--model, models, reuse, 410 and 403, the recorded cost (the server's, or estimated from
the balance), billed failures, spend and its CSV, the estimate, the budget."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.fakes.segmind_server import FakeSegmind
from tests.fakes.sketches import drawn_sketch
from tests.test_cli import cli


@pytest.fixture
def sketch(tmp_path: Path) -> Path:
    path = tmp_path / "house.png"
    drawn_sketch((512, 512)).save(path)
    return path


def generate(server: FakeSegmind, sketch: Path, *args: str) -> dict:
    done = cli("generate", str(sketch), "--out", str(sketch.parent), "--json", *args,
               server=server)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_models_lists_both_with_fields_ranges_and_prices() -> None:
    done = cli("models", "--json", server=None)
    assert done.returncode == 0, done.stderr
    sd15, sdxl = json.loads(done.stdout)
    assert (sd15["id"], sd15["price_hint"], sdxl["id"], sdxl["price_hint"]) == (
        "sd15-scribble", 0.003, "sdxl-scribble", 0.012)
    scale = {f["name"]: f for f in sdxl["fields"]}["strength"]
    assert (scale["wire"], scale["min"], scale["max"], scale["default"]) == (
        "controlnet_scale", 0.0, 1.0, 0.9)
    text = cli("models", server=None).stdout
    assert "sdxl-controlnet with cn_model=sdxl_scribble" in text and "$0.012" in text
    helped = cli("generate", "--help", server=None).stdout
    assert "sdxl-scribble: 1-25, default 6" in " ".join(helped.split())


def test_an_sdxl_job_is_sent_recorded_and_reused_with_its_model(
        fake_api: FakeSegmind, sketch: Path) -> None:
    report = generate(fake_api, sketch, "-p", "a fox", "--model", "sdxl-scribble",
                      "--seed", "9")
    (job,) = fake_api.submits
    assert job.slug == "sdxl-controlnet" and job.body["num_inference_steps"] == 30
    assert job.body["controlnet_scale"] == 0.9 and job.body["cn_model"] == "sdxl_scribble"
    assert report["model"] == "sdxl-scribble" and report["cost"] == 1.0
    assert report["cost_estimated"] is False
    listed = json.loads(cli("history", "list", "--json", server=None).stdout)
    assert listed[0]["params"]["model"] == "sdxl-scribble"
    # Reuse restores the model and the seed; an option given changes only itself.
    again = generate(fake_api, sketch, "--reuse", str(report["history_id"]), "--steps", "40")
    assert again["model"] == "sdxl-scribble" and again["seed"] == 9
    assert fake_api.submits[1].slug == "sdxl-controlnet"
    assert fake_api.submits[1].body["num_inference_steps"] == 40


def test_a_retired_model_names_it_and_offers_the_command_to_run(
        fake_api: FakeSegmind, sketch: Path) -> None:
    fake_api.retired.add("sdxl-controlnet")
    done = cli("generate", str(sketch), "-p", "a fox", "--model", "sdxl-scribble",
               "--out", str(sketch.parent), server=fake_api)
    assert done.returncode == 5 and fake_api.billed == 0
    assert "retired SDXL ControlNet Scribble (sdxl-controlnet)" in done.stderr
    assert "--model sd15-scribble" in done.stderr and "scribble-studio generate" in done.stderr
    fake_api.retired.clear()
    fake_api.forbidden.add("sdxl-controlnet")
    done = cli("generate", str(sketch), "-p", "a fox", "--model", "sdxl-scribble",
               "--out", str(sketch.parent), server=fake_api)
    assert done.returncode == 3
    assert "not allowed for your Segmind account or team" in done.stderr


def test_without_cost_headers_the_cost_is_estimated_from_the_balance(sketch: Path) -> None:
    with FakeSegmind(cost_headers=False) as server:
        first = generate(server, sketch, "-p", "a", "--seed", "1")
        assert first["cost"] is None  # no balance before it was known
        second = generate(server, sketch, "-p", "a", "--seed", "2", "--samples", "2")
        assert second["cost"] == 0.5 and second["cost_estimated"] is True


def test_a_failed_job_that_was_billed_is_flagged(fake_api: FakeSegmind, sketch: Path,
                                                 tmp_path: Path) -> None:
    generate(fake_api, sketch, "-p", "a", "--seed", "1")     # the balance is known now
    fake_api.fail_job(billed=True)
    done = cli("generate", str(sketch), "-p", "b", "--seed", "2", "--out", str(sketch.parent),
               server=fake_api)
    assert done.returncode == 5 and fake_api.billed == 2
    fake_api.fail_job(billed=False)
    assert cli("generate", str(sketch), "-p", "c", "--seed", "3", "--out",
               str(sketch.parent), server=fake_api).returncode == 5
    report = json.loads(cli("spend", "--json", server=None).stdout)
    (failure,) = report["billed_failures"]
    assert failure["state"] == "failed" and failure["cost"] == 0.25
    assert failure["cost_estimated"] is True and failure["request_id"]
    assert report["total"] == 0.5
    text = cli("spend", server=None).stdout
    assert "billed failure: #2" in text and "refund" in text
    # The ledger as CSV: every job that may have been billed, with its columns.
    path = tmp_path / "ledger.csv"
    assert cli("spend", "--csv", str(path), server=None).returncode == 0
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0]) == ["date", "id", "request_id", "model", "samples", "steps", "cost",
                             "cost_estimated", "state", "balance_after", "billed_failure"]
    assert [(r["state"], r["cost"], r["billed_failure"]) for r in rows] == [
        ("done", "0.25", "0"), ("failed", "0.25", "1"), ("failed", "0", "0")]
    assert rows[0]["model"] == "sd15-scribble" and rows[0]["balance_after"] == "99.75"


def test_spend_totals_by_day_and_model_since_a_date(fake_api: FakeSegmind,
                                                    sketch: Path) -> None:
    generate(fake_api, sketch, "-p", "a", "--seed", "1")
    generate(fake_api, sketch, "-p", "a", "--seed", "2", "--model", "sdxl-scribble")
    totals = json.loads(cli("spend", "--json", server=None).stdout)["totals"]
    today = dt.date.today().isoformat()
    assert [(t["day"], t["model"], t["jobs"], t["cost"]) for t in totals] == [
        (today, "sd15-scribble", 1, 0.25), (today, "sdxl-scribble", 1, 1.0)]
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert json.loads(cli("spend", "--since", tomorrow, "--json",
                          server=None).stdout)["totals"] == []


def test_dry_run_prints_the_estimate_and_sends_nothing(fake_api: FakeSegmind,
                                                       sketch: Path) -> None:
    done = cli("generate", str(sketch), "-p", "a", "--model", "sdxl-scribble", "--samples",
               "4", "--dry-run", server=fake_api, key="")
    assert done.returncode == 0, done.stderr
    assert "≈ $0.048 (4 images) with sdxl-scribble, 30 steps (the model's price hint)" \
        in done.stdout
    # Refined by what the same model, steps and samples cost here: the fake's price.
    generate(fake_api, sketch, "-p", "a", "--seed", "1", "--samples", "4")
    estimate = json.loads(cli("generate", str(sketch), "-p", "a", "--samples", "4",
                              "--dry-run", "--json", server=fake_api).stdout)
    assert estimate["estimate"] == 1.0 and "median of 1" in estimate["basis"]
    assert len(fake_api.submits) == 1


def test_the_budget_refuses_a_job_with_exit_4_unless_over_budget(
        fake_api: FakeSegmind, sketch: Path) -> None:
    assert cli("budget", "--day", "0.3", "--month", "10", server=None).returncode == 0
    shown = json.loads(cli("budget", "--json", server=None).stdout)
    assert (shown["day"], shown["month"], shown["ask_above"]) == (0.3, 10, None)
    generate(fake_api, sketch, "-p", "a", "--seed", "1")  # $0.25 of $0.30 spent today
    done = cli("generate", str(sketch), "-p", "a", "--seed", "2", "--out", str(sketch.parent),
               server=fake_api)
    assert done.returncode == 4 and len(fake_api.submits) == 1
    assert "$0.05 left today" in done.stderr and "nothing was sent" in done.stderr
    assert json.loads(cli("outbox", "list", "--json", server=None).stdout) == []
    generate(fake_api, sketch, "-p", "a", "--seed", "2", "--over-budget")
    assert len(fake_api.submits) == 2
    # Ask above: a job estimated above it is not sent without the user's word.
    cli("budget", "--day", "off", "--ask-above", "0.01", server=None)
    done = cli("generate", str(sketch), "-p", "a", "--out", str(sketch.parent),
               server=fake_api)
    assert done.returncode == 4 and "above the $0.01" in done.stderr
    assert "day:       no limit (spent $0.50)" in cli("budget", server=None).stdout
