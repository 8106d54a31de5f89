"""The CLI as a user runs it: a child process against the fake server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from scribble_studio.domain.png_metadata import params_from_metadata
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.fakes.sketches import drawn_sketch


def cli(*args: str, server: FakeSegmind | None, key: str | None = API_KEY,
        **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    environ.pop("SEGMIND_API_KEY", None)
    if key:
        environ["SEGMIND_API_KEY"] = key
    if server is not None:
        environ["SCRIBBLE_STUDIO_API_BASE"] = server.base_url
        environ["SCRIBBLE_STUDIO_HISTORY_BASE"] = server.history_base
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "scribble_studio", *args], capture_output=True,
                          text=True, env=environ, timeout=60)


@pytest.fixture
def sketch(tmp_path: Path) -> Path:
    path = tmp_path / "house.png"
    drawn_sketch((512, 512)).save(path)
    return path


def test_generate_writes_pngs_with_parameters_and_prints_json(
        fake_api: FakeSegmind, sketch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = cli("generate", str(sketch), "-p", "a cosy house", "--samples", "2", "--seed", "77",
               "--steps", "25", "--negative-prompt", "blurry", "--out", str(out), "--json",
               server=fake_api)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["seed"] == 77 and report["request_id"] == fake_api.submits[0].request_id
    assert report["credits"] == fake_api.credits == 99.375
    assert [Path(p).name for p in report["images"]] == ["house-77-1.png", "house-77-2.png"]
    with Image.open(report["images"][0]) as image:
        image.load()
        assert image.format == "PNG" and image.size == (512, 512)
        text = image.text["parameters"]
        assert text.startswith("a cosy house\nNegative prompt: blurry\nSteps: 25, Sampler: UniPC")
        params = params_from_metadata(image.text["scribble-studio"])
        assert params is not None and params.seed == 77 and params.negative_prompt == "blurry"
    assert API_KEY not in text and API_KEY not in image.text["scribble-studio"]


def test_a_random_seed_is_drawn_and_reported(fake_api: FakeSegmind, sketch: Path,
                                             tmp_path: Path) -> None:
    done = cli("generate", str(sketch), "-p", "x", "--out", str(tmp_path), "--json",
               server=fake_api)
    report = json.loads(done.stdout)
    assert 0 <= report["seed"] < 2**32
    assert [job.seed for job in fake_api.submits] == [report["seed"]]


def test_results_are_never_overwritten(fake_api: FakeSegmind, sketch: Path,
                                       tmp_path: Path) -> None:
    for _ in range(2):  # the second is a repeat of the first: paid for on purpose
        done = cli("generate", str(sketch), "-p", "x", "--seed", "5", "--out", str(tmp_path),
                   "--no-checks", server=fake_api)
        assert done.returncode == 0
    assert sorted(p.name for p in tmp_path.glob("house-5-*.png")) == [
        "house-5-1-2.png", "house-5-1.png"]


def test_invert_sends_white_on_black(fake_api: FakeSegmind, sketch: Path, tmp_path: Path) -> None:
    import base64
    import io
    cli("generate", str(sketch), "-p", "x", "--invert", "--out", str(tmp_path), server=fake_api)
    (post,) = [r for r in fake_api.requests if r.method == "POST"]
    sent = Image.open(io.BytesIO(base64.b64decode(post.json()["image"])))
    assert sent.mode == "L" and sent.getpixel((5, 5)) == 0  # background black


def test_credits_prints_the_balance(fake_api: FakeSegmind) -> None:
    done = cli("credits", server=fake_api)
    assert (done.returncode, done.stdout.strip()) == (0, "100")


def test_version_and_help() -> None:
    assert cli("--version", server=None).stdout.startswith("scribble-studio 0.")
    assert "generate" in cli("--help", server=None).stdout


EXIT_CASES = [
    ("bad parameters", ["--steps", "5"], None, 2, "--steps must be between 20 and 100"),
    ("unknown scheduler", ["--scheduler", "Fast"], None, 2, "invalid choice"),
    ("bad key", [], Fault.status_code(401, {"error": "API key is invalid or may have expired"}),
     3, "API key is invalid or may have expired."),
    ("no credits", [], Fault.status_code(406, {"error": "Not enough credits"}), 4,
     "Not enough credits."),
    # v1 only: a 500 from a v2 submit means no job exists, and is tried again.
    ("server error", ["--api", "v1"],
     Fault.status_code(500, "<html><body>Oops</body></html>", "text/html"), 5, "Oops."),
    ("retired", [], Fault.status_code(410, {"error": "gone"}), 5, "Gone."),
]


@pytest.mark.parametrize(("case", "extra", "fault", "code", "says"), EXIT_CASES,
                         ids=[c[0] for c in EXIT_CASES])
def test_exit_codes_and_one_line_errors(fake_api: FakeSegmind, sketch: Path, tmp_path: Path,
                                        case: str, extra: list[str], fault: Fault | None,
                                        code: int, says: str) -> None:
    if fault:
        fake_api.script(fault)
    done = cli("generate", str(sketch), "-p", "x", "--out", str(tmp_path), *extra,
               server=fake_api)
    assert fake_api.billed == 0
    assert done.returncode == code, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    if code != 2:
        assert len(done.stderr.strip().splitlines()) == 1


def test_unreadable_sketches_exit_2(fake_api: FakeSegmind, tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnope")
    for path in (broken, tmp_path / "missing.png"):
        done = cli("generate", str(path), "-p", "x", server=fake_api)
        assert done.returncode == 2 and "Traceback" not in done.stderr
    assert fake_api.requests == []


def test_no_key_exits_3_without_sending(fake_api: FakeSegmind, sketch: Path) -> None:
    done = cli("generate", str(sketch), "-p", "x", server=fake_api, key=None)
    assert done.returncode == 3 and "No API key is set" in done.stderr
    assert fake_api.requests == []


def test_offline_and_timeout_exit_75(sketch: Path, tmp_path: Path) -> None:
    server = FakeSegmind().start()
    server.stop()
    done = cli("generate", str(sketch), "-p", "x", server=server)
    assert done.returncode == 75 and "Could not connect" in done.stderr
    assert "stamina" not in done.stderr  # retries are noted once each, in plain words
    with FakeSegmind() as slow:
        slow.script(Fault.slow(5))  # the submit never reached a job: nothing to find
        done = cli("generate", str(sketch), "-p", "x", "--out", str(tmp_path), server=slow,
                   SCRIBBLE_STUDIO_READ_TIMEOUT="0.5")
    assert done.returncode == 75 and "did not answer within 0.5 seconds" in done.stderr
    assert "Not in Segmind's request history as of" in done.stderr
    assert "kept as #2 (unknown)" in done.stderr and "--resend-unknown" in done.stderr


def test_plain_http_to_a_remote_host_is_refused(sketch: Path) -> None:
    done = cli("--api-base", "http://segmind.invalid/v1", "generate", str(sketch), "-p", "x",
               server=None)
    assert done.returncode == 2 and "plain http://" in done.stderr


def test_the_key_never_appears_in_output_logs_or_files(fake_api: FakeSegmind, sketch: Path,
                                                        tmp_path: Path) -> None:
    home = tmp_path / "home"
    # The server even echoes the key back in its error message.
    fake_api.script(Fault.status_code(401, {"error": f"key {API_KEY} is invalid"}),
                    Fault.status_code(500, f"<p>failed for {API_KEY}</p>", "text/html"))
    outputs = [cli("generate", str(sketch), "-p", "x", "--out", str(tmp_path / "o"),
                   "--api", "v1", server=fake_api, SCRIBBLE_STUDIO_HOME=str(home))
               for _ in range(3)]
    outputs.append(cli("credits", server=fake_api, SCRIBBLE_STUDIO_HOME=str(home)))
    assert [o.returncode for o in outputs] == [3, 5, 0, 0]
    assert "[api key]" in outputs[0].stderr
    for output in outputs:
        assert API_KEY not in output.stdout + output.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written) and any(p.suffix == ".png" for p in written)
    for path in written:
        assert API_KEY.encode() not in path.read_bytes(), path


def test_offline_generate_goes_to_the_outbox_and_is_sent_later(
        sketch: Path, tmp_path: Path) -> None:
    probe = FakeSegmind().start()
    port = probe.port
    probe.stop()
    server = FakeSegmind(port=port)  # not listening yet
    done = cli("generate", str(sketch), "-p", "a barn", "--seed", "7", "--json", server=server)
    assert done.returncode == 75
    assert "saved in the outbox as #1" in done.stderr
    report = json.loads(done.stdout)
    assert (report["outbox_id"], report["state"], report["exit_code"]) == (1, "waiting", 75)
    assert "saved in the outbox" in report["error"]
    listed = json.loads(cli("outbox", "list", "--json", server=server).stdout)
    assert [(i["id"], i["state"], i["seed"]) for i in listed] == [(1, "waiting", 7)]
    assert cli("outbox", "send", server=server).returncode == 75  # still offline
    with server:
        sent = cli("outbox", "send", server=server)
        assert sent.returncode == 0 and "#1 done" in sent.stderr
        assert Path(sent.stdout.strip()).is_file()  # where the image is
        again = cli("outbox", "send", server=server)
        assert again.returncode == 0 and "nothing waiting" in again.stderr
        assert server.billed == 1
    assert json.loads(cli("outbox", "list", "--json", server=None).stdout) == []
    empty = cli("outbox", "list", server=None)
    assert (empty.stdout, empty.stderr.strip()) == ("", "scribble-studio: the outbox is empty.")


def test_history_list_search_and_export(fake_api: FakeSegmind, sketch: Path,
                                        tmp_path: Path) -> None:
    for prompt in ("a red fox", "a blue whale"):
        assert cli("generate", str(sketch), "-p", prompt, "--seed", "11", "--out",
                   str(tmp_path / "o"), server=fake_api).returncode == 0
    listed = json.loads(cli("history", "list", "--json", "--search", "FOX", server=None).stdout)
    assert [(i["prompt"], i["state"], i["seed"]) for i in listed] == [("a red fox", "done", 11)]
    assert len(json.loads(cli("history", "list", "--json", server=None).stdout)) == 2
    out = tmp_path / "export"
    done = cli("history", "export", str(listed[0]["id"]), str(out), server=None)
    assert done.returncode == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["1-11-1.png", "1-scribble.png", "1.json"]
    with Image.open(out / "1-11-1.png") as image:
        assert image.text["parameters"].startswith("a red fox\nSteps: 20, Sampler: UniPC")
    assert json.loads((out / "1.json").read_text())["params"]["seed"] == 11
    assert cli("history", "export", "99", str(out), server=None).returncode == 2
    none = cli("history", "list", "--search", "zebra", server=None)
    assert none.stdout == "" and "nothing matches" in none.stderr


def test_desktop_install_and_uninstall(tmp_path: Path) -> None:
    data = tmp_path / "xdg"
    done = cli("desktop", "install", server=None, XDG_DATA_HOME=str(data))
    assert done.returncode == 0, done.stderr
    entry = data / "applications" / "io.github.scribble_studio.ScribbleStudio.desktop"
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "scribble-studio.svg"
    text = entry.read_text()
    assert "Name=Scribble Studio" in text and icon.read_bytes().startswith(b"<svg")
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" %F") and "/" in exec_line
    assert cli("desktop", "uninstall", server=None, XDG_DATA_HOME=str(data)).returncode == 0
    assert not entry.exists() and not icon.exists()


def test_generate_reports_the_api_and_the_cost_and_the_history_shows_them(
        fake_api: FakeSegmind, sketch: Path, tmp_path: Path) -> None:
    reports = [json.loads(cli("generate", str(sketch), "-p", f"try {api}", "--api", api,
                              "--out", str(tmp_path), "--json", server=fake_api).stdout)
               for api in ("auto", "v1")]
    assert [r["api"] for r in reports] == ["v2", "v1"]
    assert [r["cost"] for r in reports] == [job.cost for job in fake_api.submits]
    assert [r["request_id"] for r in reports] == [j.request_id for j in fake_api.submits]
    listed = json.loads(cli("history", "list", "--json", server=None).stdout)
    assert [(i["state"], i["api"], i["cost"], i["request_id"]) for i in listed] == [
        ("done", r["api"], r["cost"], r["request_id"]) for r in reversed(reports)]


@pytest.mark.parametrize("fault", [Fault.after_job_created("close"), Fault.drop_mid_body()],
                         ids=["closed", "dropped"])
def test_a_lost_submit_answer_is_found_in_the_request_history_and_paid_once(
        fake_api: FakeSegmind, sketch: Path, tmp_path: Path, fault: Fault) -> None:
    fake_api.script_for("submit", fault)
    done = cli("generate", str(sketch), "-p", "a lost answer", "--out", str(tmp_path),
               "--json", server=fake_api)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(fake_api.submits) == 1 and fake_api.billed == 1
    assert report["request_id"] == fake_api.submits[0].request_id
    assert Path(report["images"][0]).is_file()


def test_a_job_still_at_segmind_is_kept_and_collected_by_outbox_send(
        sketch: Path, tmp_path: Path) -> None:
    with FakeSegmind(job_seconds=600) as server:
        done = cli("generate", str(sketch), "-p", "a slow one", "--wait", "0.5", "--json",
                   "--out", str(tmp_path), server=server)
        assert done.returncode == 75, done.stderr
        assert "kept as #1 (submitted)" in done.stderr
        report = json.loads(done.stdout)
        assert (report["outbox_id"], report["state"]) == (1, "submitted")
        (job,) = server.submits
        listed = json.loads(cli("outbox", "list", "--json", server=server).stdout)
        assert [(i["id"], i["state"], i["request_id"], i["api"]) for i in listed] == [
            (1, "submitted", job.request_id, "v2")]
        job.started -= 1000  # the model finishes
        out = tmp_path / "collected"
        sent = cli("outbox", "send", "--out", str(out), server=server)
        assert sent.returncode == 0, sent.stderr
        assert "#1 done" in sent.stderr
        (path,) = sent.stdout.split()
        assert Path(path).parent == out and Path(path).is_file()
        assert len(server.submits) == 1 and server.billed == 1
    assert json.loads(cli("outbox", "list", "--json", server=None).stdout) == []


def test_an_unknown_job_is_looked_up_and_sent_again_only_when_named(
        sketch: Path, tmp_path: Path) -> None:
    with FakeSegmind() as server:
        server.script(Fault.slow(5))  # no job comes of it
        done = cli("generate", str(sketch), "-p", "lost", "--out", str(tmp_path), server=server,
                   SCRIBBLE_STUDIO_READ_TIMEOUT="0.5")
        assert done.returncode == 75 and "(unknown)" in done.stderr
        again = cli("outbox", "send", server=server)
        assert again.returncode == 75 and "Not in Segmind's request history" in again.stderr
        assert server.submits == []
        named = cli("outbox", "send", "1", "--resend-unknown", server=server)
        assert named.returncode == 0, named.stderr
        assert len(server.submits) == 1 and server.billed == 1


def test_a_blank_sketch_is_refused_as_the_app_refuses_it(fake_api: FakeSegmind,
                                                         tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (512, 512), (200, 200, 200)).save(blank)  # light grey: no ink at 127
    done = cli("generate", str(blank), "-p", "x", server=fake_api)
    assert done.returncode == 2 and "has no ink" in done.stderr
    assert fake_api.requests == []


def test_a_newline_in_a_file_name_keeps_one_path_a_line(fake_api: FakeSegmind,
                                                         tmp_path: Path) -> None:
    odd = tmp_path / "two\nlines.png"
    drawn_sketch((512, 512)).save(odd)
    out = tmp_path / "out"
    done = cli("generate", str(odd), "-p", "x", "--seed", "3", "--out", str(out),
               server=fake_api)
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert line.endswith("two\\nlines-3-1.png")
    assert (out / "two\nlines-3-1.png").is_file()


def test_two_outbox_sends_at_once_send_each_item_once_and_both_succeed(
        sketch: Path, tmp_path: Path) -> None:
    probe = FakeSegmind().start()
    port = probe.port
    probe.stop()
    offline = FakeSegmind(port=port)
    for n in range(3):
        assert cli("generate", str(sketch), "-p", f"queued {n}", server=offline).returncode == 75
    with FakeSegmind(port=port, job_seconds=0.3) as server:
        environ = {**os.environ, "SEGMIND_API_KEY": API_KEY,
                   "SCRIBBLE_STUDIO_API_BASE": server.base_url,
                   "SCRIBBLE_STUDIO_HISTORY_BASE": server.history_base}
        senders = [subprocess.Popen([sys.executable, "-m", "scribble_studio", "outbox", "send"],
                                    env=environ, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outcomes = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in senders]
        assert [code for code, _ in outcomes] == [0, 0], outcomes
        assert sorted(job.prompt for job in server.submits) == [f"queued {n}" for n in range(3)]
    listed = json.loads(cli("history", "list", "--json", server=None).stdout)
    assert [i["state"] for i in listed] == ["done"] * 3


@pytest.mark.parametrize("body", [b'{"credits": NaN}', b'{"credits": Infinity}',
                                  b'{"credits": true}', b'{"credits": "lots"}'])
def test_a_credits_answer_that_is_no_number_is_a_bad_response(fake_api: FakeSegmind,
                                                              body: bytes) -> None:
    fake_api.script_for("credits", Fault.status_code(200, body))
    done = cli("credits", server=fake_api)
    assert done.returncode == 6 and "could not be read" in done.stderr and done.stdout == ""


def test_a_redirect_with_an_image_body_is_not_a_finished_job(fake_api: FakeSegmind,
                                                            sketch: Path, tmp_path: Path) -> None:
    from tests.fakes.segmind_server import result_jpeg

    fake_api.script_for("v1", Fault.status_code(302, result_jpeg(64, 64, 1, 0), "image/jpeg",
                                                location="http://127.0.0.2:1/x"))
    done = cli("generate", str(sketch), "-p", "x", "--api", "v1", "--out", str(tmp_path),
               "--json", server=fake_api)
    assert done.returncode == 6 and "instead of an image" in done.stderr
    assert list(tmp_path.glob("*.png")) == [tmp_path / "house.png"]


def test_with_json_a_failure_is_still_one_json_object(fake_api: FakeSegmind,
                                                      sketch: Path) -> None:
    fake_api.script(Fault.status_code(401, {"error": f"key {API_KEY} is invalid"}))
    done = cli("generate", str(sketch), "-p", "x", "--json", server=fake_api)
    assert done.returncode == 3
    report = json.loads(done.stdout)
    assert report["exit_code"] == 3 and report["kind"] == "AuthenticationFailed"
    assert "is invalid" in report["error"] and report["action"]
    assert API_KEY not in done.stdout + done.stderr
    bad = cli("generate", str(sketch), "-p", "x", "--steps", "5", "--json", server=fake_api)
    assert bad.returncode == 2 and json.loads(bad.stdout)["exit_code"] == 2
    assert json.loads(bad.stdout)["error"] == (
        "Invalid option for --model sd15-scribble: --steps must be between 20 and 100.")


def test_invalid_parameters_are_named_by_their_options(fake_api: FakeSegmind,
                                                       sketch: Path) -> None:
    done = cli("generate", str(sketch), "-p", " ", "--steps", "5", "--guidance", "99",
               server=fake_api)
    assert done.returncode == 2 and fake_api.billed == 0
    assert "-p/--prompt must not be empty" in done.stderr
    assert "--steps must be between" in done.stderr and "--guidance must be" in done.stderr
    assert "marked fields" not in done.stderr
    assert "Invalid options for --model sd15-scribble:" in done.stderr


def test_a_rejected_key_is_advised_in_cli_words(fake_api: FakeSegmind, sketch: Path) -> None:
    fake_api.script(Fault.status_code(401, {"error": "API key is invalid or may have expired"}))
    done = cli("generate", str(sketch), "-p", "x", server=fake_api)
    assert done.returncode == 3
    assert "in Settings" not in done.stderr and "SEGMIND_API_KEY" in done.stderr
