from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.services.drafts import DraftStore


def sketch() -> Image.Image:
    image = Image.new("L", (512, 512), 255)
    ImageDraw.Draw(image).line((10, 10, 400, 300), fill=0, width=5)
    return image


def test_a_draft_round_trips_exactly(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    draft_id = store.new_id()
    reference = (tmp_path / "ref.png")
    Image.new("RGB", (64, 64), "red").save(reference)
    store.save(draft_id, sketch(), {"prompt": "owl", "steps": 30}, reference.read_bytes(), 0.3)
    loaded = store.load(draft_id)
    assert loaded.darkness.tobytes() == sketch().tobytes()
    assert loaded.params == {"prompt": "owl", "steps": 30}
    assert loaded.reference == reference.read_bytes() and loaded.reference_opacity == 0.3
    assert store.current_id() == draft_id


def test_drafts_are_listed_newest_first_and_deleted(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    ids = [store.new_id() for _ in range(3)]
    for n, draft_id in enumerate(ids):
        store.save(draft_id, sketch(), {"n": n}, None)
    assert {d.id for d in store.list()} == set(ids)
    store.delete(ids[0])
    assert ids[0] not in {d.id for d in store.list()}
    with pytest.raises(UnreadableImage):
        store.load(ids[0])


def test_a_damaged_draft_is_refused_plainly(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    store.folder.mkdir(parents=True)
    store.path("broken").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with pytest.raises(UnreadableImage):
        store.load("broken")


def test_deleting_a_draft_removes_only_references_no_other_draft_uses(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    red, blue = (tmp_path / "red.png"), (tmp_path / "blue.png")
    Image.new("RGB", (8, 8), "red").save(red)
    Image.new("RGB", (8, 8), "blue").save(blue)
    store.save("a", sketch(), {}, red.read_bytes())
    store.save("b", sketch(), {}, red.read_bytes())
    store.save("c", sketch(), {}, blue.read_bytes())
    assert len(list(store.folder.glob("ref-*.png"))) == 2
    store.delete("c")
    assert len(list(store.folder.glob("ref-*.png"))) == 1  # blue went with c
    store.delete("a")
    assert store.load("b").reference == red.read_bytes()  # red is still b's
    store.delete("b")
    assert list(store.folder.glob("ref-*.png")) == []


@pytest.mark.parametrize(("params", "kept", "dropped"), [
    # The draft's own model's ranges: SDXL takes no guidance under 1, SD 1.5 does.
    ({"model": "sdxl-scribble", "guidance": 0.5, "steps": 30}, {"steps": 30}, ["guidance"]),
    ({"model": "sd15-scribble", "guidance": 0.5}, {"guidance": 0.5}, []),
    # No model named, or one this build does not know: the default model's ranges.
    ({"guidance": 0.5}, {"guidance": 0.5}, []),
    ({"model": "gone-model", "guidance": 0.5}, {"guidance": 0.5}, ["model"]),
])
def test_a_drafts_parameters_are_checked_against_its_own_model(
        tmp_path: Path, params: dict[str, object], kept: dict[str, object],
        dropped: list[str]) -> None:
    store = DraftStore(tmp_path)
    store.save("d", sketch(), {"prompt": "owl", **params})
    loaded = store.load("d")
    assert {k: v for k, v in loaded.params.items() if k not in ("prompt", "model")} == kept
    assert list(loaded.dropped) == dropped


def test_a_draft_is_checked_by_the_ranges_of_the_catalog_it_is_given(tmp_path: Path) -> None:
    from tests.fakes.model_specs import NARROW, narrow_catalog

    for model, expected in (("narrow-scribble", ("steps",)), ("sd15-scribble", ())):
        store = DraftStore(tmp_path / model, narrow_catalog())
        store.save("d", sketch(), {"prompt": "owl", "model": model, "steps": 30})
        assert store.load("d").dropped == expected
    # A draft that names no model is checked by the catalog's default.
    store = DraftStore(tmp_path / "default", narrow_catalog(default=NARROW))
    store.save("d", sketch(), {"prompt": "owl", "steps": 30, "guidance": 2.5})
    assert store.load("d").params == {"prompt": "owl", "guidance": 2.5}
    assert store.load("d").dropped == ("steps",)
