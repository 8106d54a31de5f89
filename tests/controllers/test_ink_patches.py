"""Undo for the ink layer: a patch stores one rectangle exactly (also rows padded to
four bytes), a command does not draw an edit already on the canvas a second time, and
the history keeps itself under its memory budget by dropping the oldest edits only."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage, QUndoStack

from scribble_studio.controllers.ink_patches import ALPHA8, InkHistory, InkPatch, PatchCommand

pytestmark = pytest.mark.usefixtures("qapp")


def noise(width: int, height: int, seed: int) -> QImage:
    """An Alpha8 image of random levels (zlib cannot shrink it much)."""
    rng = random.Random(seed)
    image = QImage(width, height, ALPHA8)
    for y in range(height):
        for x in range(width):
            image.setPixelColor(x, y, QColor(0, 0, 0, rng.randrange(256)))
    return image


def blank(width: int, height: int) -> QImage:
    image = QImage(width, height, ALPHA8)
    image.fill(0)
    return image


def alphas(image: QImage, rect: QRect | None = None) -> list[int]:
    rect = rect or image.rect()
    return [image.pixelColor(x, y).alpha() for y in range(rect.top(), rect.bottom() + 1)
            for x in range(rect.left(), rect.right() + 1)]


def test_a_patch_puts_back_its_rectangle_exactly_and_nothing_else() -> None:
    source = noise(37, 23, seed=1)  # odd widths: rows are padded to four bytes
    rect = QRect(5, 3, 13, 9)
    patch = InkPatch.capture(source, rect)
    target = blank(37, 23)
    patch.paint_into(target)
    assert alphas(target, rect) == alphas(source, rect)
    outside = [v for y in range(23) for x in range(37) if not rect.contains(x, y)
               for v in [target.pixelColor(x, y).alpha()]]
    assert set(outside) == {0}
    assert patch.canvas == QSize(37, 23) and patch.rect == rect


def test_a_patch_is_compressed_and_independent_of_the_image_it_came_from() -> None:
    image = blank(256, 256)
    patch = InkPatch.whole(image)
    assert patch.nbytes < 256 * 256 // 50  # bare paper compresses to almost nothing
    image.fill(255)  # the layer changes after the capture: the patch does not
    pixels = patch.pixels()
    assert pixels.format() == ALPHA8 and set(alphas(pixels)) == {0}


def test_a_command_for_an_edit_already_drawn_does_not_draw_it_again() -> None:
    applied: list[InkPatch] = []
    before, after = InkPatch.whole(blank(8, 8)), InkPatch.whole(noise(8, 8, seed=2))
    stack = QUndoStack()
    stack.push(PatchCommand("Stroke", before, after, applied.append, applied=True))
    assert applied == []  # the push's redo was skipped: the stroke is on the canvas
    stack.undo()
    stack.redo()
    assert applied == [before, after]


def test_a_command_not_yet_applied_is_drawn_by_its_push() -> None:
    applied: list[InkPatch] = []
    before, after = InkPatch.whole(blank(8, 8)), InkPatch.whole(noise(8, 8, seed=3))
    stack = QUndoStack()
    stack.push(PatchCommand("Import", before, after, applied.append, applied=False))
    assert applied == [after]
    command = stack.command(0)
    assert isinstance(command, PatchCommand)
    assert command.nbytes == before.nbytes + after.nbytes and command.text() == "Import"


class Layer:
    """A layer image and its history, as the document keeps them."""

    def __init__(self, size: int, budget: int, limit: int = 256) -> None:
        self.image = blank(size, size)
        self.history = InkHistory(QUndoStack(), self.apply, limit, budget)

    def apply(self, patch: InkPatch) -> None:
        patch.paint_into(self.image)

    def edit(self, rect: QRect, seed: int) -> list[int]:
        before = InkPatch.capture(self.image, rect)
        InkPatch.capture(noise(self.image.width(), self.image.height(), seed),
                         rect).paint_into(self.image)
        self.history.push(f"edit {seed}", before, InkPatch.capture(self.image, rect),
                          applied=True)
        return alphas(self.image)


def test_over_the_budget_the_oldest_edits_go_and_the_newest_still_undo_exactly() -> None:
    one_edit = 2 * 40 * 40  # noise hardly compresses: about a byte a pixel, twice
    layer = Layer(64, budget=int(one_edit * 3.5))
    states = [alphas(layer.image)]
    for seed in range(6):
        states.append(layer.edit(QRect(seed * 4, seed * 4, 40, 40), seed))
    kept = layer.history.commands()
    assert [c.text() for c in kept] == ["edit 3", "edit 4", "edit 5"]
    assert layer.history.nbytes <= layer.history.budget_bytes
    assert alphas(layer.image) == states[-1]  # the rebuild drew nothing again
    for expected in reversed(states[3:6]):
        layer.history.stack.undo()
        assert alphas(layer.image) == expected
    assert not layer.history.stack.canUndo()
    for expected in states[4:]:
        layer.history.stack.redo()
        assert alphas(layer.image) == expected


def test_an_edit_bigger_than_the_whole_budget_is_still_kept() -> None:
    layer = Layer(64, budget=100)
    layer.edit(QRect(0, 0, 8, 8), seed=1)
    after = layer.edit(QRect(0, 0, 64, 64), seed=2)
    assert [c.text() for c in layer.history.commands()] == ["edit 2"]
    layer.history.stack.undo()
    layer.history.stack.redo()
    assert alphas(layer.image) == after


def test_the_count_limit_drops_the_oldest_edits() -> None:
    layer = Layer(16, budget=2**30, limit=3)
    for seed in range(5):
        layer.edit(QRect(0, 0, 4, 4), seed)
    assert [c.text() for c in layer.history.commands()] == ["edit 2", "edit 3", "edit 4"]
