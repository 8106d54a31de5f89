"""Hostile files named as pictures: a FIFO that never ends (or never opens), a device,
a folder, a huge sparse file, a file past the limit. Each is a message, at once."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.services.drafts import DraftStore

# In a child: today's code blocks on a FIFO or reads /dev/zero until memory runs out,
# so the child has a memory limit and the parent a deadline (a hang is a failure).
_READ = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
    from scribble_studio.domain.errors import UnreadableImage
    from scribble_studio.services.sketch_files import read_image
    try:
        read_image(Path(sys.argv[1]))
    except UnreadableImage as exc:
        print(exc.message)
        sys.exit(0)
    sys.exit(1)
""")


def read_in_child(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True,
                          text=True, timeout=60)


def test_a_fifo_as_a_sketch_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "sketch.png"
    os.mkfifo(fifo)  # no writer: opening it for reading would block forever
    done = read_in_child(fifo)
    assert done.returncode == 0, done.stderr
    assert "not a regular file" in done.stdout


def test_dev_zero_as_a_sketch_is_refused_without_reading_it() -> None:
    done = read_in_child(Path("/dev/zero"))
    assert done.returncode == 0, done.stderr
    assert "not a regular file" in done.stdout


def test_a_folder_as_a_sketch_is_a_message(tmp_path: Path) -> None:
    from scribble_studio.services.sketch_files import read_image

    with pytest.raises(UnreadableImage, match="is a folder"):
        read_image(tmp_path)


def test_a_3_gb_file_is_refused_from_its_size(tmp_path: Path) -> None:
    from scribble_studio.services.sketch_files import read_picture_file

    huge = tmp_path / "huge.png"
    with open(huge, "wb") as out:
        out.truncate(3 * 2**30)  # sparse: costs no disk
    resource_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(UnreadableImage, match="too large"):
        read_picture_file(huge)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - resource_before < 100_000


def test_a_file_past_the_limit_is_refused_and_the_read_is_bounded(tmp_path: Path) -> None:
    from scribble_studio.services.sketch_files import read_picture_file

    path = tmp_path / "big.png"
    path.write_bytes(bytes(5000))
    with pytest.raises(UnreadableImage, match="too large"):
        read_picture_file(path, max_bytes=4096)
    assert read_picture_file(path, max_bytes=5000) == bytes(5000)


def test_a_missing_file_is_a_message(tmp_path: Path) -> None:
    from scribble_studio.services.sketch_files import read_picture_file

    with pytest.raises(UnreadableImage, match=r"Cannot read gone\.png"):
        read_picture_file(tmp_path / "gone.png")


def test_a_draft_whose_reference_became_a_fifo_still_opens(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    reference = tmp_path / "ref.png"
    Image.new("RGB", (8, 8), "red").save(reference)
    store.save("d1", Image.new("L", (512, 512), 255), {"prompt": "x"}, reference.read_bytes())
    (ref,) = store.folder.glob("ref-*.png")
    ref.unlink()
    os.mkfifo(ref)
    draft = store.load("d1")  # (today this blocks forever: pytest's timeout fails it)
    assert draft.reference is None and draft.params == {"prompt": "x"}
