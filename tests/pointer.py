"""Real pointer events for widget tests, sent with QApplication.sendEvent."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QInputDevice, QMouseEvent, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QWidget

LEFT = Qt.MouseButton.LeftButton
NO_BUTTON = Qt.MouseButton.NoButton
NO_MODS = Qt.KeyboardModifier.NoModifier

_devices: dict[QPointingDevice.PointerType, QPointingDevice] = {}


def mouse(widget: QWidget, kind: QEvent.Type, x: float, y: float,
          button: Qt.MouseButton = LEFT, modifiers: Qt.KeyboardModifier = NO_MODS) -> bool:
    held = button if kind != QEvent.Type.MouseButtonRelease else NO_BUTTON
    pressed = button if kind != QEvent.Type.MouseMove else NO_BUTTON
    if kind == QEvent.Type.MouseMove:
        held = button
    point = QPointF(x, y)
    event = QMouseEvent(kind, point, widget.mapToGlobal(point), pressed, held, modifiers)
    return QApplication.sendEvent(widget, event)


def drag(widget: QWidget, points: list[tuple[float, float]], button: Qt.MouseButton = LEFT,
         modifiers: Qt.KeyboardModifier = NO_MODS) -> None:
    (x0, y0), rest = points[0], points[1:]
    mouse(widget, QEvent.Type.MouseButtonPress, x0, y0, button, modifiers)
    for x, y in rest:
        mouse(widget, QEvent.Type.MouseMove, x, y, button, modifiers)
    x1, y1 = points[-1]
    mouse(widget, QEvent.Type.MouseButtonRelease, x1, y1, button, modifiers)


def stylus(kind: QPointingDevice.PointerType) -> QPointingDevice:
    if kind not in _devices:
        _devices[kind] = QPointingDevice(
            f"test {kind.name}", 1000 + len(_devices), QInputDevice.DeviceType.Stylus, kind,
            QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 2)
    return _devices[kind]


def tablet(widget: QWidget, kind: QEvent.Type, x: float, y: float, pressure: float,
           pointer: QPointingDevice.PointerType = QPointingDevice.PointerType.Pen
           ) -> QTabletEvent:
    point = QPointF(x, y)
    button = LEFT if kind != QEvent.Type.TabletMove else NO_BUTTON
    held = NO_BUTTON if kind == QEvent.Type.TabletRelease else LEFT
    event = QTabletEvent(kind, stylus(pointer), point, widget.mapToGlobal(point), pressure,
                         0.0, 0.0, 0.0, 0.0, 0.0, NO_MODS, button, held)
    event.setAccepted(False)
    QApplication.sendEvent(widget, event)
    return event


def tablet_stroke(widget: QWidget, points: list[tuple[float, float, float]],
                  pointer: QPointingDevice.PointerType = QPointingDevice.PointerType.Pen
                  ) -> list[QTabletEvent]:
    events = [tablet(widget, QEvent.Type.TabletPress, *points[0], pointer=pointer)]
    events += [tablet(widget, QEvent.Type.TabletMove, *p, pointer=pointer) for p in points[1:]]
    events.append(tablet(widget, QEvent.Type.TabletRelease, *points[-1], pointer=pointer))
    return events
