"""Bytes that are not UTF-8 (issue 17, item 7): in a prompt or a search on the command
line (Python hands them on as lone surrogates), in a sketch's file name or ``--out``.
Words that could not be stored are refused before anything is sent; a file name only
has to be kept, and its images are; a job stored with such words by an earlier version
is collected and its paid images kept, their metadata escaped."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.png_metadata import PARAMETERS_KEY, STUDIO_KEY
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.outbox import Outbox
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.services.test_paid_jobs_stay_collectable import SCRIBBLE, send


def cli(server: FakeSegmind, home: Path, *args: bytes,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The CLI with ``args`` as raw bytes in its argv, as a shell passes them."""
    environ = {**os.environ, "SEGMIND_API_KEY": API_KEY, "SCRIBBLE_STUDIO_HOME": str(home),
               "SCRIBBLE_STUDIO_API_BASE": server.base_url,
               "SCRIBBLE_STUDIO_HISTORY_BASE": server.history_base, **(env or {})}
    return subprocess.run([os.fsencode(sys.executable), b"-m", b"scribble_studio", *args],
                          capture_output=True, env=environ, timeout=60)


def sketch_at(path: bytes) -> bytes:
    with open(path, "wb") as out:
        out.write(SCRIBBLE.png)
    return path


def test_a_prompt_that_is_not_utf8_is_refused_before_anything_is_sent(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    sketch = sketch_at(os.fsencode(tmp_path / "sketch.png"))
    for option in (b"-p", b"--negative-prompt"):
        words = [b"-p", b"caf\xe9"] if option == b"-p" else [b"-p", b"cafe", option, b"\xff\xfe"]
        done = cli(fake_api, tmp_path / "home", b"generate", sketch, *words)
        assert done.returncode == 2, done.stderr
        assert b"not valid UTF-8 text" in done.stderr and b"Traceback" not in done.stderr
    assert fake_api.requests == [] and fake_api.billed == 0
    listed = cli(fake_api, tmp_path / "home", b"history", b"list")
    assert listed.returncode == 0 and listed.stdout == b"", listed.stderr  # nothing stored


def test_a_search_that_is_not_utf8_is_a_message(tmp_path: Path, fake_api: FakeSegmind) -> None:
    done = cli(fake_api, tmp_path / "home", b"history", b"list", b"--search", b"caf\xe9")
    assert done.returncode == 2 and b"not valid UTF-8 text" in done.stderr, done.stderr
    assert b"Traceback" not in done.stderr


def test_file_names_that_are_not_utf8_keep_the_paid_images_and_print_one_line_each(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    """(A guard: this held before.)"""
    base = os.fsencode(tmp_path)
    sketch = sketch_at(base + b"/sk\xe9tch.png")
    out = base + b"/out\xe9"
    done = cli(fake_api, tmp_path / "home", b"generate", sketch, b"-p", b"cafe", b"--seed",
               b"7", b"--out", out)
    assert done.returncode == 0, done.stderr
    [written] = os.listdir(out)
    assert written == b"sk\xe9tch-7-1.png"
    # one line, each byte that is not UTF-8 written as its escape
    assert done.stdout.splitlines() == [base + b"/out\\udce9/sk\\udce9tch-7-1.png"]
    as_json = cli(fake_api, tmp_path / "home", b"generate", sketch, b"-p", b"cafe", b"--seed",
                  b"7", b"--out", out, b"--json", b"--no-checks")  # the same job again
    assert as_json.returncode == 0, as_json.stderr
    [image] = json.loads(as_json.stdout)["images"]
    assert os.path.isfile(os.fsencode(image))  # the JSON's path is the real file's
    exported = cli(fake_api, tmp_path / "home", b"history", b"export", b"1", base + b"/exp\xe9")
    assert exported.returncode == 0, exported.stderr
    assert sorted(os.listdir(base + b"/exp\xe9")) == [b"1-7-1.png", b"1-scribble.png", b"1.json"]
    assert all(line.startswith(base + b"/exp\\udce9/") for line in exported.stdout.splitlines())
    waiting = cli(fake_api, tmp_path / "home", b"generate", sketch, b"-p", b"cafe", b"--out",
                  out, env={"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:1/v1"})
    assert waiting.returncode == 75, waiting.stderr  # kept in the outbox, sent below
    sent = cli(fake_api, tmp_path / "home", b"outbox", b"send", b"--out", base + b"/ob\xe9")
    assert sent.returncode == 0, sent.stderr
    assert len(os.listdir(base + b"/ob\xe9")) == 1 and b"Traceback" not in sent.stderr
    assert fake_api.billed == 3


def test_a_stored_job_whose_words_are_not_utf8_is_collected_and_its_images_kept(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    """An earlier version stored a negative prompt from bytes that were not UTF-8 (its
    params JSON escapes them) and sent it: the paid images were then refused by the PNG
    writer, the job left sending."""
    store = HistoryStore(tmp_path)
    params = GenerationParams("a lighthouse", negative_prompt="\udcff\udcfe blur", seed=7)
    gen_id = store.record(params, SCRIBBLE.png, (512, 512), State.WAITING)
    asyncio.run(send(Outbox(store), fake_api, gen_id))
    entry = store.get(gen_id)
    assert entry is not None and entry.state is State.DONE and len(entry.images) == 1
    with Image.open(store.image_path(entry.images[0].sha256)) as image:
        assert "Negative prompt: \\udcff\\udcfe blur" in image.text[PARAMETERS_KEY]
        studio = json.loads(image.text[STUDIO_KEY])
    assert studio["params"]["negative_prompt"] == params.negative_prompt  # (JSON's escape)
    assert fake_api.billed == 1
