"""The rescue folder's place and the words of what was kept where (the fault tests in
tests/faults/test_paid_result_faults.py fill real disks; these are the cases between)."""

from __future__ import annotations

from pathlib import Path

from scribble_studio.services.config import data_dir, rescue_dir
from scribble_studio.services.rescue import folder_place, keep_pngs, kept_message

FULL = ("the history's disk is full", "there is room")


def test_the_rescue_folder_is_configurable_and_not_in_the_data_folder(tmp_path: Path) -> None:
    assert rescue_dir({"SCRIBBLE_STUDIO_RESCUE": str(tmp_path)}) == tmp_path
    default = rescue_dir({})
    assert default.name == "Scribble Studio rescued"
    assert data_dir({}) not in default.parents and default != data_dir({})


def test_images_spread_over_two_places_and_one_lost_are_all_said(tmp_path: Path) -> None:
    a, b = tmp_path / "out", tmp_path / "rescued"
    kept = [a / "1.png", b / "2.png", None, b / "4.png"]
    assert kept_message(kept, FULL, True) == (
        f"1 image kept in {a} and 2 in {b}; 1 could not be written anywhere (the "
        "history's disk is full); the job will be stored when there is room.")


def test_a_job_that_cannot_be_collected_again_does_not_promise_it(tmp_path: Path) -> None:
    assert kept_message([tmp_path / "1.png"], FULL, False) == (
        f"1 image kept in {tmp_path} (the history's disk is full); the job could not be "
        "stored in the history.")


def test_each_image_goes_to_the_first_place_that_takes_it(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file where a folder should be")
    places = [folder_place(blocked, "x"), folder_place(tmp_path / "ok", "x")]
    kept = keep_pngs([b"one", b"two"], places)
    assert kept == [tmp_path / "ok" / "x-1.png", tmp_path / "ok" / "x-2.png"]
    assert [p.read_bytes() for p in kept if p] == [b"one", b"two"]
    assert keep_pngs([b"one"], [folder_place(blocked, "x")]) == [None]
