"""Driving the gallery's list view with real events: clicks and context menus at the
rectangles its delegate draws (the delegate's own geometry), and what it shows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.gallery import GalleryItem
from scribble_studio.controllers.gallery_list import header_text
from scribble_studio.ui.gallery_view import GalleryView
from tests.pointer import NO_MODS, mouse

__all__ = ["click_star", "click_thumb", "header_text", "menu_at", "rows", "shown_loaded",
           "thumb_menu"]


def rows(gallery: GalleryView) -> dict[int, GalleryItem]:
    """The list's rows by generation id (in order)."""
    return {item.entry.id: item for item in gallery.rows.rows}


def shown_loaded(gallery: GalleryView) -> bool:
    """Every row in view has its thumbnails drawn (or known missing)."""
    shown = gallery.list.shown_rows()
    return bool(shown) and all(
        image.sha256 in gallery.thumbs or image.sha256 in gallery.thumbs.missing
        for n in shown for image in gallery.rows.item(n).entry.images)


def _point(gallery: GalleryView, gen_id: int, image: int | None) -> QPoint:
    gallery.list.scroll_to(gen_id)
    geometry = gallery.list.geometry_of(gen_id)
    assert geometry is not None, f"generation {gen_id} is not in the list"
    rect = geometry.star if image is None else geometry.thumbs[image]
    return rect.center()


def click_thumb(gallery: GalleryView, gen_id: int, image: int,
                modifiers: Qt.KeyboardModifier = NO_MODS) -> None:
    point = _point(gallery, gen_id, image)
    viewport = gallery.list.viewport()
    mouse(viewport, QEvent.Type.MouseButtonPress, point.x(), point.y(), modifiers=modifiers)
    mouse(viewport, QEvent.Type.MouseButtonRelease, point.x(), point.y(), modifiers=modifiers)


def click_star(gallery: GalleryView, gen_id: int) -> None:
    point = _point(gallery, gen_id, None)
    viewport = gallery.list.viewport()
    mouse(viewport, QEvent.Type.MouseButtonPress, point.x(), point.y())
    mouse(viewport, QEvent.Type.MouseButtonRelease, point.x(), point.y())


def menu_at(qtbot: QtBot, gallery: GalleryView, point: QPoint) -> QMenu:
    """Right-click the list's viewport at ``point`` (a real context-menu event) and
    return the menu shown."""
    before = set(QApplication.topLevelWidgets())
    viewport = gallery.list.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    menus: list[QMenu] = []
    qtbot.waitUntil(lambda: bool(menus.extend(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()
        and w not in before) or menus), timeout=3000)
    return menus[-1]


def thumb_menu(qtbot: QtBot, gallery: GalleryView, gen_id: int, image: int) -> QMenu:
    return menu_at(qtbot, gallery, _point(gallery, gen_id, image))


def header_menu(qtbot: QtBot, gallery: GalleryView, gen_id: int) -> QMenu:
    gallery.list.scroll_to(gen_id)
    geometry = gallery.list.geometry_of(gen_id)
    assert geometry is not None
    return menu_at(qtbot, gallery, geometry.header.center())
