"""Observable properties on QObject models, and two-way bindings to widgets.

A model declares a field once, ``width = Property(4.0)``, next to its signal
``width_changed = Signal(float)``; setting the field to a new value stores it and emits
the signal, setting it to the value it has does nothing. ``bind(model, "width", box)``
keeps a widget and the field in step both ways.

A binding writes the model's value into the widget inside a :class:`Blocker`, and the
widget's own change signal is ignored while it is blocked: so a model → widget update
never comes back as a widget → model write. That matters when the widget cannot show
the value exactly (11.5 px in a whole-pixel spin box): without the blocker the box's
``valueChanged(12)`` would round the model's value back to 12.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar, overload

from PySide6.QtCore import QMetaObject, QObject, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

T = TypeVar("T")


class Property(Generic[T]):
    """A field of a QObject model that emits ``<name>_changed`` when its value changes.

    ``coerce`` turns what is set into what is stored (a clamp, a type), so the model
    alone decides what a valid value is; the signal carries the stored value.
    """

    def __init__(self, default: T, coerce: Callable[[T], T] | None = None) -> None:
        self.default = default
        self.coerce = coerce
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Property[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> Property[T] | T:
        if instance is None:
            return self
        value: T = instance.__dict__.get(self.name, self.default)
        return value

    def __set__(self, instance: object, value: T) -> None:
        if self.coerce is not None:
            value = self.coerce(value)
        if instance.__dict__.get(self.name, self.default) == value:
            return
        instance.__dict__[self.name] = value
        changed_signal(instance, self.name).emit(value)


def changed_signal(model: object, name: str) -> SignalInstance:
    """The ``<name>_changed`` signal of ``model``; a model without one is a mistake in
    its class, said at once rather than found as a widget that never updates."""
    signal = getattr(model, f"{name}_changed", None)
    if not isinstance(signal, SignalInstance):
        raise TypeError(f"{type(model).__name__} has no signal {name}_changed")
    return signal


class Blocker:
    """A re-entrant "not now" for one direction of a binding (napari's emitter blocker):
    while it is held, :attr:`blocked` is true; :attr:`count` says how many calls it kept
    from going through, for tests and for a reader who wonders whether it ever does."""

    def __init__(self) -> None:
        self._depth = 0
        self.count = 0

    @property
    def blocked(self) -> bool:
        return self._depth > 0

    @contextmanager
    def hold(self) -> Iterator[Blocker]:
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1

    def guard(self, slot: Callable[..., None]) -> Callable[..., None]:
        """``slot``, except that calls made while the blocker is held are dropped."""

        def guarded(*args: Any) -> None:
            if self.blocked:
                self.count += 1
                return
            slot(*args)

        return guarded


class Binding:
    """One model field bound to one widget; :meth:`disconnect` ends it both ways."""

    def __init__(self, blocker: Blocker, connections: list[QMetaObject.Connection]) -> None:
        self.blocker = blocker
        self._connections = connections

    def disconnect(self) -> None:
        for connection in self._connections:
            QObject.disconnect(connection)
        self._connections = []


def _widget_io(widget: QObject) -> tuple[Callable[[Any], None], SignalInstance, Callable[[], Any]]:
    """How to show a value in ``widget``, its signal for the user's edits, and how to read
    the value after such an edit."""
    if isinstance(widget, QSpinBox):
        return (lambda v: widget.setValue(round(v)), widget.valueChanged, widget.value)
    if isinstance(widget, QDoubleSpinBox):
        return (widget.setValue, widget.valueChanged, widget.value)
    if isinstance(widget, QCheckBox | QAction):  # a checkable action: a menu's tick
        return (lambda v: widget.setChecked(bool(v)), widget.toggled, widget.isChecked)
    if isinstance(widget, QLineEdit):
        def show_line(text: str) -> None:
            if widget.text() != text:  # setText moves the cursor to the end, clears undo
                widget.setText(text)
        return (show_line, widget.textEdited, widget.text)
    if isinstance(widget, QPlainTextEdit):
        def show_text(text: str) -> None:
            if widget.toPlainText() != text:  # setPlainText resets the cursor and undo
                widget.setPlainText(text)
        return (show_text, widget.textChanged, widget.toPlainText)
    if isinstance(widget, QComboBox):
        def show_item(value: Any) -> None:
            index = widget.findData(value)
            if index >= 0:
                widget.setCurrentIndex(index)
        return (show_item, widget.currentIndexChanged, widget.currentData)
    raise TypeError(f"cannot bind a {type(widget).__name__}")


def bind(model: QObject, name: str, widget: QWidget | QAction) -> Binding:
    """Keep ``widget`` showing ``model.<name>`` and write the user's edits to the model.

    A QComboBox binds by item data (``addItem(text, value)``). The widget shows the model's
    value at once. Updates from the model are written with the widget's own signal
    blocked for this binding, so the widget never writes back what it was just shown —
    least of all a rounded copy of it.
    """
    show, edited, read = _widget_io(widget)
    blocker = Blocker()

    def model_to_widget(value: Any) -> None:
        with blocker.hold():
            show(value)

    def widget_to_model(*_signal_args: Any) -> None:
        setattr(model, name, read())

    model_connection = changed_signal(model, name).connect(model_to_widget)
    # A model that lives longer than its widget must not call into a deleted one.
    widget.destroyed.connect(lambda *_: QObject.disconnect(model_connection))
    widget_connection = edited.connect(blocker.guard(widget_to_model))
    model_to_widget(getattr(model, name))
    return Binding(blocker, [model_connection, widget_connection])
