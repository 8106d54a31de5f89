"""Where a result came from, read back from a real history store: the stored scribble as
ink (plain or inverted map alike), as a sketch that sent again is the same bytes, as a
coloured overlay at the result's size, and how two results' parameters differ."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw
from PySide6.QtCore import QSize

from scribble_studio.controllers.lineage import (
    OVERLAY_INKS,
    fresh_seed,
    overlay_ink,
    overlay_layer,
    param_differences,
    scribble_ink,
    scribble_sketch,
)
from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import UploadEncoding, export_scribble
from scribble_studio.services.history import Entry, HistoryStore, State
from tests.conftest import png_bytes
from tests.fakes.sketches import drawn_sketch

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history")


def recorded(store: HistoryStore, sketch: Image.Image, invert: bool = False,
             encoding: UploadEncoding = UploadEncoding.GRAY,
             params: GenerationParams | None = None) -> tuple[Entry, bytes]:
    scribble = export_scribble(sketch, invert=invert, encoding=encoding)
    gen_id = store.record(params or GenerationParams("a lighthouse", seed=7), scribble.png,
                          (scribble.width, scribble.height), State.DONE)
    entry = store.get(gen_id)
    assert entry is not None
    return entry, scribble.png


def dark_is_ink(sketch: Image.Image) -> Image.Image:
    """The sketch's ink as a mask (255 = ink): what was drawn darker than the threshold."""
    return sketch.convert("L").point([255 if v < 127 else 0 for v in range(256)])


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("encoding", list(UploadEncoding))
def test_the_stored_scribble_comes_back_as_the_ink_that_was_drawn(
        store: HistoryStore, invert: bool, encoding: UploadEncoding) -> None:
    sketch = drawn_sketch((512, 512))
    entry, _png = recorded(store, sketch, invert, encoding)
    ink = scribble_ink(store, entry)
    assert ink.mode == "L" and same(ink, dark_is_ink(sketch))


@pytest.mark.parametrize("invert", [False, True])
def test_the_sketch_sent_again_with_the_same_settings_is_the_same_bytes(
        store: HistoryStore, invert: bool) -> None:
    entry, png = recorded(store, drawn_sketch((512, 384)), invert)
    again = export_scribble(scribble_sketch(store, entry), invert=invert)
    assert again.png == png


def test_a_scribble_missing_from_the_data_folder_is_said_so(store: HistoryStore) -> None:
    entry, _png = recorded(store, drawn_sketch())
    store.image_path(entry.scribble).unlink()
    with pytest.raises(UnreadableImage, match="sketch of this result is missing"):
        scribble_ink(store, entry)


def result_png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 8, size[1] // 8), fill="white")
    return png_bytes(image)


def test_the_overlay_is_the_ink_at_the_results_size_in_a_colour_that_stands_out(
        store: HistoryStore) -> None:
    sketch = Image.new("RGB", (512, 512), "white")
    ImageDraw.Draw(sketch).rectangle((256, 0, 300, 511), fill="black")  # a wide bar
    entry, _png = recorded(store, sketch)
    digest = store.put_file(result_png((1024, 1024), (135, 206, 235)))  # a blue sky
    layer = overlay_layer(store, entry, digest)
    assert layer.size() == QSize(1024, 1024)  # scaled up with the result: lies on it
    on_bar, off_bar = layer.pixelColor(556, 500), layer.pixelColor(100, 500)
    assert on_bar.alpha() == 255 and off_bar.alpha() == 0
    assert (on_bar.red(), on_bar.green(), on_bar.blue()) == OVERLAY_INKS[0]  # magenta


def test_the_overlay_ink_is_the_one_farthest_from_the_results_colour() -> None:
    assert overlay_ink(Image.new("RGB", (8, 8), (135, 206, 235))) == (236, 0, 140)
    assert overlay_ink(Image.new("RGB", (8, 8), (200, 20, 30))) == (0, 190, 255)
    assert overlay_ink(Image.new("RGB", (8, 8), (230, 0, 230))) == (40, 220, 40)


def test_an_overlay_of_a_missing_result_file_is_said_so(store: HistoryStore) -> None:
    entry, _png = recorded(store, drawn_sketch())
    with pytest.raises(UnreadableImage, match="file is missing"):
        overlay_layer(store, entry, "0" * 64)


def test_the_differences_name_the_sketch_size_and_each_changed_parameter(
        store: HistoryStore) -> None:
    base = GenerationParams("a lighthouse", seed=7, steps=20, guidance=7.5)
    first, _ = recorded(store, drawn_sketch((512, 512)), params=base)
    other = dataclasses.replace(base, seed=None, steps=30, guidance=8.25,
                                negative_prompt="fog")
    second, _ = recorded(store, drawn_sketch((768, 512)), params=other)
    found = {d.label: (d.first, d.second) for d in param_differences(first, second)}
    assert found == {
        "Sketch": (f"of generation {first.id}", f"of generation {second.id}"),
        "Size": ("512 × 512", "768 × 512"),
        "Negative prompt": ("—", "fog"),
        "Seed": ("7", "random"),
        "Steps": ("20", "30"),
        "Guidance": ("7.5", "8.25"),
    }
    assert [d.label for d in param_differences(first, second)][:2] == ["Sketch", "Size"]


def test_two_results_of_the_same_sketch_and_parameters_differ_in_nothing(
        store: HistoryStore) -> None:
    first, _ = recorded(store, drawn_sketch())
    second, _ = recorded(store, drawn_sketch())
    assert first.scribble == second.scribble  # stored once, by its hash
    assert param_differences(first, second) == []


def test_a_fresh_seed_keeps_everything_but_the_seed() -> None:
    params = GenerationParams("a lighthouse", seed=7, steps=31, negative_prompt="fog")
    fresh = fresh_seed(params)
    assert fresh.seed is None
    assert dataclasses.replace(fresh, seed=7) == params


def test_the_stored_scribble_is_the_exact_bytes_that_were_sent(store: HistoryStore) -> None:
    entry, png = recorded(store, drawn_sketch())
    assert store.read_file(entry.scribble) == png
    assert Image.open(io.BytesIO(png)).size == (entry.width, entry.height)
