"""The observable-property helper: fields that signal, bindings that never echo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot
from shiboken6 import Shiboken

from scribble_studio.controllers.properties import Blocker, Property, bind


class Model(QObject):
    width_changed = Signal(float)
    name_changed = Signal(str)
    notes_changed = Signal(str)
    on_changed = Signal(bool)
    mode_changed = Signal(object)

    width = Property(4.0, coerce=lambda w: max(1.0, min(64.0, w)))
    name = Property("")
    notes = Property("")
    on = Property(False)
    mode = Property("fast")

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, object]] = []
        for field in ("width", "name", "notes", "on", "mode"):
            getattr(self, f"{field}_changed").connect(
                lambda v, f=field: self.writes.append((f, v)))


class NoSignal(QObject):
    width = Property(1.0)


def test_a_property_signals_a_new_value_once_and_an_old_one_never(qtbot: QtBot) -> None:
    model = Model()
    assert model.width == 4.0 and Model.width.default == 4.0
    with qtbot.waitSignal(model.width_changed) as blocker:
        model.width = 11.5
    assert blocker.args == [11.5]
    model.width = 11.5
    model.width = 500  # the model says what a valid width is
    assert model.width == 64.0
    assert model.writes == [("width", 11.5), ("width", 64.0)]
    assert Model().width == 4.0  # each instance its own value


def test_a_property_without_its_signal_says_so() -> None:
    with pytest.raises(TypeError, match="width_changed"):
        NoSignal().width = 2.0


def test_the_blocker_drops_calls_while_held_and_counts_them() -> None:
    seen: list[int] = []
    blocker = Blocker()
    slot = blocker.guard(seen.append)
    slot(1)
    with blocker.hold(), blocker.hold():  # re-entrant
        slot(2)
        slot(3)
    assert blocker.count == 2 and not blocker.blocked
    slot(4)
    assert seen == [1, 4]


def test_a_value_a_spin_box_cannot_show_is_not_rounded_back(qtbot: QtBot) -> None:
    model, box = Model(), QSpinBox()
    qtbot.addWidget(box)
    box.setRange(1, 64)
    binding = bind(model, "width", box)
    assert box.value() == 4 and model.writes == []
    dropped = binding.blocker.count
    model.width = 11.5
    assert box.value() == 12 and model.width == 11.5  # shown rounded, kept exact
    assert model.writes == [("width", 11.5)]
    assert binding.blocker.count == dropped + 1  # the box's valueChanged(12), dropped
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)  # the user's own edit reaches the model
    assert model.width == 13


def test_a_double_spin_box_with_fewer_decimals_keeps_the_models_value(qtbot: QtBot) -> None:
    model, box = Model(), QDoubleSpinBox()
    qtbot.addWidget(box)
    box.setDecimals(1)
    bind(model, "width", box)
    model.width = 2.25
    assert box.value() == pytest.approx(2.25, abs=0.051) and model.width == 2.25


def test_text_boxes_checkboxes_and_combos_bind_both_ways_without_echo(
        qtbot: QtBot) -> None:
    model = Model()
    line, text, check, combo = QLineEdit(), QPlainTextEdit(), QCheckBox(), QComboBox()
    for widget in (line, text, check, combo):
        qtbot.addWidget(widget)
    combo.addItem("Fast", "fast")
    combo.addItem("Careful", "careful")
    bind(model, "name", line)
    bind(model, "notes", text)
    bind(model, "on", check)
    bind(model, "mode", combo)
    model.name, model.notes, model.on, model.mode = "cat", "a note", True, "careful"
    assert (line.text(), text.toPlainText(), check.isChecked(), combo.currentText()) == \
        ("cat", "a note", True, "Careful")
    assert len(model.writes) == 4  # one write each: none came back from a widget
    qtbot.keyClicks(line, "s")
    qtbot.keyClick(text, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(text, "!")
    check.click()
    combo.setCurrentIndex(0)
    assert (model.name, model.notes, model.on, model.mode) == \
        ("cats", "a note!", False, "fast")


def test_a_binding_ends_when_disconnected_or_when_its_widget_is_gone(qtbot: QtBot) -> None:
    model, box, other = Model(), QSpinBox(), QSpinBox()
    qtbot.addWidget(box)
    binding = bind(model, "width", box)
    binding.disconnect()
    model.width = 9
    box.setValue(20)
    assert box.value() == 20 and model.width == 9
    holder = QWidget()
    other.setParent(holder)
    bind(model, "width", other)
    Shiboken.delete(holder)  # the widget goes now, the model stays
    assert not Shiboken.isValid(other)
    model.width = 30  # would raise on a deleted widget if still connected
    assert model.width == 30


def test_typing_inside_a_bound_line_edit_keeps_the_cursor_where_it_is(qtbot: QtBot) -> None:
    model = Model()
    line = QLineEdit()
    qtbot.addWidget(line)
    bind(model, "name", line)
    model.name = "cat"
    line.setCursorPosition(1)
    qtbot.keyClicks(line, "h")  # the model takes "chat" and tells the box again
    assert (model.name, line.text(), line.cursorPosition()) == ("chat", "chat", 2)
    qtbot.keyClick(line, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.name == "cat"  # the box's own undo still works: nothing reset it
