"""How the app looks: the system's light or dark scheme, theme icons with bundled SVG
fallbacks, the app icon."""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

# Fusion everywhere: palettes (our dark one) apply fully there. Asked for on the command
# line the application is built with, so that Qt creates it as the first style; choosing
# it later (app.setStyle) means asking for the current style first, and handing Qt's
# QStyle to Python costs ~6 ms of start-up (its ~570 enum members are built then).
STYLE_ARGS = ("-style", "Fusion")


@functools.cache
def _resources() -> Path:
    # The folder of the (regular) package, from a checkout, a wheel or the bundle alike;
    # importlib.resources would cost ~1.5 ms of start-up to say the same.
    import scribble_studio.resources

    return Path(scribble_studio.resources.__file__).parent


def resource(*parts: str) -> str:
    return str(_resources().joinpath(*parts))


def icon(name: str) -> QIcon:
    """The icon theme's ``name`` where the desktop has one, else our bundled SVG (parsed
    only then)."""
    themed = QIcon.fromTheme(name)
    return themed if not themed.isNull() else QIcon(resource("icons", f"{name}.svg"))


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
