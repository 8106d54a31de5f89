"""The window's dock layout: a first start's size and proportions, the layout kept
between runs, "Reset layout", and the parameters' height as the window's height changes.
Given the window and its docks, not the window's class (nothing under ui imports it)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStatusBar, QToolBar

# A first start's layout, in logical pixels: the gallery's dock holds its search field and
# one generation (header and a row of 128 px thumbnails); the Jobs dock three rows.
GALLERY_HEIGHT = 250
JOBS_HEIGHT = 130
TOOL_BAR = 40
TITLE_BAR = 32  # what a window manager's frame usually takes above the window


class DockLayout:
    def __init__(self, window: QMainWindow, params: QDockWidget, jobs: QDockWidget,
                 gallery: QDockWidget, status: QStatusBar, saved: QSettings) -> None:
        self.window, self.saved, self.status = window, saved, status
        self.params_dock, self.jobs_dock, self.gallery_dock = params, jobs, gallery
        self.default = window.saveState()

    def reset(self) -> None:
        """Every panel and the tool bar back where a first start puts them."""
        window = self.window
        window.restoreState(self.default)
        for dock in window.findChildren(QDockWidget):
            dock.setFloating(False)
            dock.show()
        for bar in window.findChildren(QToolBar):
            bar.show()
        self.size_docks()

    def size_docks(self) -> None:
        """A first start's proportions: a row of thumbnails under their header in the
        gallery, the Jobs list a few rows high, the parameters the rest."""
        window = self.window
        window.resizeDocks([self.gallery_dock], [GALLERY_HEIGHT], Qt.Orientation.Vertical)
        # The parameters as tall as their form (less on a short screen, where they
        # scroll), the Jobs list at least a few rows and the rest of a tall window.
        column = window.height() - window.menuBar().sizeHint().height() \
            - self.status.sizeHint().height() - TOOL_BAR
        form = min(self.params_dock.sizeHint().height(), column - JOBS_HEIGHT)
        window.resizeDocks([self.params_dock, self.jobs_dock],
                           [max(1, form), max(JOBS_HEIGHT, column - form)],
                           Qt.Orientation.Vertical)

    def favour_parameters(self) -> None:
        """As the window's height changes, the parameters keep the height of their form
        as long as the Jobs list keeps a few rows: a shorter window takes from the Jobs
        list first (the form scrolls only when it must), a taller one gives it the room."""
        window, params, jobs_dock = self.window, self.params_dock, self.jobs_dock
        if not params.isVisible() or not jobs_dock.isVisible() \
                or params.isFloating() or jobs_dock.isFloating() \
                or window.dockWidgetArea(jobs_dock) != window.dockWidgetArea(params):
            return
        have, jobs = params.height(), jobs_dock.height()
        missing = params.sizeHint().height() - have  # < 0: room to spare
        give = missing if missing < 0 else min(missing, max(0, jobs - JOBS_HEIGHT))
        if give:
            window.resizeDocks([params, jobs_dock], [have + give, jobs - give],
                               Qt.Orientation.Vertical)

    def first_size(self) -> QSize:
        """1280 × 900, or the screen's free area (less a title bar) where that is smaller."""
        screen = self.window.screen().availableGeometry()
        return QSize(min(1280, screen.width()), min(900, screen.height() - TITLE_BAR))

    def restore(self) -> None:
        """The geometry and the docks of the last run, or a first start's."""
        geometry = self.saved.value("window/geometry")
        state = self.saved.value("window/state")
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        else:
            self.window.resize(self.first_size())
            self.size_docks()
        if state is not None:
            self.window.restoreState(state)

    def save(self) -> None:
        self.saved.setValue("window/geometry", self.window.saveGeometry())
        self.saved.setValue("window/state", self.window.saveState())
