"""Undo for the ink layer: each command stores only the changed rectangle, before and
after, zlib-compressed, and the history keeps itself under a memory budget."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QPainter, QUndoCommand, QUndoStack

ALPHA8 = QImage.Format.Format_Alpha8


@dataclasses.dataclass(frozen=True, slots=True)
class InkPatch:
    """A rectangle of the ink layer (Alpha8), compressed. ``canvas`` is the size of the
    whole layer the patch belongs to, so that a patch can also undo a resize."""

    rect: QRect
    canvas: QSize
    stride: int
    data: bytes

    @classmethod
    def capture(cls, image: QImage, rect: QRect) -> InkPatch:
        part = image.copy(rect)
        raw = bytes(part.constBits())
        return cls(QRect(rect), image.size(), part.bytesPerLine(), zlib.compress(raw, 1))

    @classmethod
    def whole(cls, image: QImage) -> InkPatch:
        return cls.capture(image, image.rect())

    @property
    def nbytes(self) -> int:
        return len(self.data)

    def pixels(self) -> QImage:
        raw = zlib.decompress(self.data)
        view = QImage(raw, self.rect.width(), self.rect.height(), self.stride, ALPHA8)
        return view.copy()  # detach from the Python buffer

    def paint_into(self, image: QImage) -> None:
        painter = QPainter(image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(self.rect.topLeft(), self.pixels())
        painter.end()


class PatchCommand(QUndoCommand):
    """One undoable edit. ``applied=True`` means the edit is already on the canvas (a
    stroke drawn live), so the push does not draw it a second time."""

    def __init__(self, text: str, before: InkPatch, after: InkPatch,
                 apply: Callable[[InkPatch], None], applied: bool) -> None:
        super().__init__(text)
        self.before = before
        self.after = after
        self._apply = apply
        self._skip_redo = applied

    @property
    def nbytes(self) -> int:
        return self.before.nbytes + self.after.nbytes

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)


class InkHistory:
    """A QUndoStack of :class:`PatchCommand` with a count limit and a memory budget.

    QUndoStack cannot drop its oldest command, so when a push goes over the budget the
    stack is rebuilt with the newest commands that fit (the redo side is always empty
    right after a push, so nothing the user could redo is lost).
    """

    def __init__(self, stack: QUndoStack, apply: Callable[[InkPatch], None],
                 limit: int = 256, budget_bytes: int = 64 * 2**20) -> None:
        self.stack = stack
        self.stack.setUndoLimit(limit)
        self.budget_bytes = budget_bytes
        self._apply = apply

    def push(self, text: str, before: InkPatch, after: InkPatch, applied: bool) -> None:
        self.stack.push(PatchCommand(text, before, after, self._apply, applied))
        if self.nbytes > self.budget_bytes:
            self._trim()

    def commands(self) -> list[PatchCommand]:
        found = [self.stack.command(i) for i in range(self.stack.count())]
        return [c for c in found if isinstance(c, PatchCommand)]

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.commands())

    def _trim(self) -> None:
        kept: list[tuple[str, InkPatch, InkPatch]] = []
        total = 0
        for command in reversed(self.commands()):
            if kept and total + command.nbytes > self.budget_bytes:
                break
            total += command.nbytes
            kept.append((command.text(), command.before, command.after))
        self.stack.clear()
        for text, before, after in reversed(kept):
            self.stack.push(PatchCommand(text, before, after, self._apply, applied=True))
