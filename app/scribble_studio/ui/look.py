"""How the app looks: the system's light or dark scheme, theme icons with bundled SVG
fallbacks, the app icon."""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImageReader,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QApplication

# The stroke colour the bundled icons are drawn in: in a light scheme they keep it, in a
# dark one it becomes the text colour (grey on dark grey would be hard to see).
ICON_INK = "#555555"

# Fusion everywhere: palettes (our dark one) apply fully there. Asked for on the command
# line the application is built with, so that Qt creates it as the first style; choosing
# it later (app.setStyle) means asking for the current style first, and handing Qt's
# QStyle to Python builds its ~570 enum members on the start's path (README, Performance).
STYLE_ARGS = ("-style", "Fusion")


@functools.cache
def _resources() -> Path:
    # The folder of the (regular) package, from a checkout, a wheel or the bundle alike;
    # importlib.resources would be one more import on the start's path to say the same.
    import scribble_studio.resources

    return Path(scribble_studio.resources.__file__).parent


def resource(*parts: str) -> str:
    return str(_resources().joinpath(*parts))


def icon(name: str) -> QIcon:
    """The icon theme's ``name`` where the desktop has one, else our bundled SVG (parsed
    only when drawn), in the colours of the current scheme."""
    themed = QIcon.fromTheme(name)
    if not themed.isNull():
        return themed
    with open(resource("icons", f"{name}.svg"), "rb") as svg:
        return QIcon(SchemeIcon(svg.read()))


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def icon_ink(palette: QPalette, mode: QIcon.Mode) -> str:
    """The colour a bundled icon is drawn in: the text's in a dark scheme (dimmed when
    disabled), its own grey in a light one."""
    group = QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled \
        else QPalette.ColorGroup.Active
    if is_dark(palette) or mode == QIcon.Mode.Disabled:
        return palette.color(group, QPalette.ColorRole.ButtonText).name()
    return ICON_INK


class SchemeIcon(QIconEngine):
    """A bundled SVG drawn with the current palette's ink at each request, so a switch
    between light and dark repaints it in the new colour without rebuilding actions."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._drawn: dict[tuple[int, int, str], QPixmap] = {}  # by size and ink

    def clone(self) -> QIconEngine:
        return SchemeIcon(self._svg)

    def image_for(self, size: QSize, mode: QIcon.Mode) -> QPixmap:
        ink = icon_ink(QGuiApplication.palette(), mode)
        key = (size.width(), size.height(), ink)
        if key in self._drawn:
            return self._drawn[key]
        data = QByteArray(self._svg.replace(ICON_INK.encode(), ink.encode()))
        buffer = QBuffer(data)
        reader = QImageReader(buffer, b"svg")
        reader.setScaledSize(size)
        self._drawn[key] = pixmap = QPixmap.fromImage(reader.read())
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.image_for(size, mode)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = self.image_for(rect.size() * ratio, mode)
        pixmap.setDevicePixelRatio(ratio)
        painter.drawPixmap(rect, pixmap)


def app_icon() -> QIcon:
    return QIcon(resource("icons", "scribble-studio.svg"))


def _dark_palette() -> QPalette:
    palette = QPalette()
    base, window, text = QColor(37, 37, 38), QColor(49, 49, 51), QColor(230, 230, 230)
    for role, color in ((QPalette.ColorRole.Window, window), (QPalette.ColorRole.Base, base),
                        (QPalette.ColorRole.AlternateBase, window),
                        (QPalette.ColorRole.Button, window),
                        (QPalette.ColorRole.WindowText, text), (QPalette.ColorRole.Text, text),
                        (QPalette.ColorRole.ButtonText, text),
                        (QPalette.ColorRole.ToolTipBase, base),
                        (QPalette.ColorRole.ToolTipText, text),
                        (QPalette.ColorRole.Highlight, QColor(61, 122, 204)),
                        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
                        (QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150))):
        palette.setColor(role, color)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(120, 120, 120))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText,
                     QColor(120, 120, 120))
    return palette


def follow_color_scheme(app: QApplication) -> None:
    """Use the system's light or dark scheme now and whenever it changes. A light start
    keeps the palette the style began with (its standard one)."""
    hints = QGuiApplication.styleHints()

    def apply(scheme: Qt.ColorScheme) -> None:
        dark = scheme == Qt.ColorScheme.Dark
        app.setPalette(_dark_palette() if dark else app.style().standardPalette())

    if hints.colorScheme() == Qt.ColorScheme.Dark:
        apply(Qt.ColorScheme.Dark)
    hints.colorSchemeChanged.connect(apply)
