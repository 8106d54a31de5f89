"""The CLI's checks before paying, as a user runs it: a child process against the HTTP
fake and a real history. A problem is exit 2 with the reason and nothing sent;
``--no-checks`` sends; ``--dry-run`` reports them; ``--json`` prints one object."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import ImageChops

from scribble_studio.services.history import HistoryStore, State
from tests.fakes.segmind_server import FakeSegmind
from tests.fakes.sketches import SCRIBBLES, dot_sketch, filled_sketch, lines_sketch
from tests.test_cli import cli


def saved(tmp_path: Path, name: str, image: object) -> Path:
    path = tmp_path / name
    image.save(path)  # type: ignore[attr-defined]
    return path


def test_a_dot_is_refused_with_exit_2_and_sent_with_no_checks(
        fake_api: FakeSegmind, tmp_path: Path) -> None:
    dot = saved(tmp_path, "dot.png", dot_sketch())
    done = cli("generate", str(dot), "-p", "a cat", "--out", str(tmp_path), server=fake_api)
    assert done.returncode == 2, done.stderr
    assert "Almost nothing is drawn" in done.stderr and "--no-checks" in done.stderr
    assert done.stderr.count("\n") == 1  # one line
    assert fake_api.submits == [] and not list(tmp_path.glob("dot-*.png"))
    done = cli("generate", str(dot), "-p", "a cat", "--out", str(tmp_path), "--no-checks",
               server=fake_api)
    assert done.returncode == 0, done.stderr
    assert len(fake_api.submits) == 1


def test_json_prints_one_object_with_the_reasons(fake_api: FakeSegmind,
                                                 tmp_path: Path) -> None:
    filled = saved(tmp_path, "filled.png", filled_sketch())
    thin = saved(tmp_path, "thin.png", lines_sketch((1024, 1024), width=1))
    done = cli("generate", str(filled), "-p", "x", "--json", server=fake_api)
    report = json.loads(done.stdout)
    assert done.returncode == 2 and report["exit_code"] == 2
    assert "of the picture is ink" in report["error"]
    assert [c["code"] for c in report["checks"]] == ["mostly-ink"]
    done = cli("generate", str(thin), "-p", "x", "--json", server=fake_api)
    report = json.loads(done.stdout)
    assert done.returncode == 2 and [c["code"] for c in report["checks"]] == ["thin-lines"]
    assert fake_api.submits == []


def test_an_inverted_drawing_is_mostly_ink(fake_api: FakeSegmind, tmp_path: Path) -> None:
    from PIL import Image

    with Image.open(SCRIBBLES / "house_line.png") as image:
        inverted = saved(tmp_path, "inverted.png", ImageChops.invert(image.convert("L")))
    done = cli("generate", str(inverted), "-p", "x", server=fake_api)
    assert done.returncode == 2 and "ink" in done.stderr and fake_api.submits == []


def test_the_real_scribbles_are_sent_without_a_word(fake_api: FakeSegmind,
                                                    tmp_path: Path) -> None:
    for path in sorted(SCRIBBLES.glob("*.png"))[:2]:  # (two: each run is a process)
        done = cli("generate", str(path), "-p", "x", "--out", str(tmp_path), "--dry-run",
                   "--json", server=fake_api)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["dry_run"] and report["checks"] == []


def test_a_repeat_of_a_result_in_the_history_is_refused(
        fake_api: FakeSegmind, tmp_path: Path) -> None:
    sketch = SCRIBBLES / "house_line.png"
    job = ("generate", str(sketch), "-p", "a house", "--seed", "21", "--out", str(tmp_path))
    first = cli(*job, "--json", server=fake_api)
    assert first.returncode == 0, first.stderr
    history_id = json.loads(first.stdout)["history_id"]
    again = cli(*job, "--json", server=fake_api)
    assert again.returncode == 2
    report = json.loads(again.stdout)
    assert report["checks"] == [{"code": "same-as-result", "message": report["checks"][0][
        "message"], "result_id": history_id}]
    assert f"history export {history_id}" in report["action"]
    assert len(fake_api.submits) == 1
    # Another seed is another picture: sent.
    other = cli(*job[:-4], "--seed", "22", "--out", str(tmp_path), server=fake_api)
    assert other.returncode == 0, other.stderr
    assert len(fake_api.submits) == 2


def test_a_repeat_of_a_job_segmind_still_has_is_refused(
        fake_api: FakeSegmind, tmp_path: Path, isolated_environment: Path) -> None:
    """The first job's result is still to come (submitted): sending it again pays
    twice; the advice is to collect it, not to export a result not there yet."""
    sketch = SCRIBBLES / "house_line.png"
    job = ("generate", str(sketch), "-p", "a house", "--seed", "21", "--out", str(tmp_path))
    first = cli(*job, "--json", server=fake_api)
    assert first.returncode == 0, first.stderr
    history_id = json.loads(first.stdout)["history_id"]
    HistoryStore(isolated_environment).write(
        "UPDATE generations SET state=? WHERE id=?", (State.SUBMITTED.value, history_id))
    again = cli(*job, "--json", server=fake_api)
    assert again.returncode == 2
    [check] = json.loads(again.stdout)["checks"]
    assert (check["code"], check["result_id"]) == ("same-as-job", history_id)
    assert "Segmind is still working on it" in check["message"]
    assert "outbox send" in json.loads(again.stdout)["action"]
    assert len(fake_api.submits) == 1


def test_dry_run_reports_the_problems_and_exits_as_the_real_run_would(
        fake_api: FakeSegmind, tmp_path: Path) -> None:
    dot = saved(tmp_path, "dot.png", dot_sketch())
    done = cli("generate", str(dot), "-p", "x", "--dry-run", server=fake_api)
    assert done.returncode == 2
    assert "nothing was sent" in done.stdout  # the estimate, as ever
    assert "Almost nothing is drawn" in done.stderr
    done = cli("generate", str(dot), "-p", "x", "--dry-run", "--json", server=fake_api)
    report = json.loads(done.stdout)
    assert done.returncode == 2 and report["dry_run"] and report["exit_code"] == 2
    assert [c["code"] for c in report["checks"]] == ["nearly-empty"]
    done = cli("generate", str(dot), "-p", "x", "--dry-run", "--no-checks", server=fake_api)
    assert done.returncode == 0 and done.stderr == ""
    assert fake_api.submits == []
