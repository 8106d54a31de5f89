""""More like this": how many new seeds of a result's sketch and parameters, with what
they would cost before anything is sent. The jobs go through the session, so the budget
guards them as any other."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from scribble_studio.controllers.gallery import GalleryItem
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.budget import Figures, money

DEFAULT_COUNT = 4
MAX_COUNT = 16


class VariationsDialog(QDialog):
    """Asks N; ``accepted`` means queue N jobs (``count``). Opened with ``open()``."""

    def __init__(self, item: GalleryItem,
                 figures: Callable[[GenerationParams], Awaitable[Figures]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed when closed
        self.item = item
        self._figures = figures
        self._per_job: Figures | None = None
        self._task: asyncio.Task[None] | None = None
        params = item.entry.params
        self.setWindowTitle("More like this")
        self.setMinimumWidth(380)
        self.count = QSpinBox()
        self.count.setRange(1, MAX_COUNT)
        self.count.setValue(DEFAULT_COUNT)
        self.count.setAccessibleName("New seeds")
        self.count.setSuffix(" new seeds")
        self.estimate = QLabel("Working out the cost…")
        self.estimate.setAccessibleName("Estimate")
        about = QLabel(f"The sketch of generation {item.entry.id} with its parameters "
                       f"(“{params.prompt}”, {params.steps} steps, {params.samples} "
                       f"image{'s' if params.samples != 1 else ''} a job), each job with "
                       "a new seed.")
        about.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Generate")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(about)
        form.addRow("How many:", self.count)
        form.addRow("Estimate:", self.estimate)
        form.addRow(buttons)
        self.count.valueChanged.connect(self._show_estimate)
        self.finished.connect(self._on_finished)
        self._ask()

    def _on_finished(self, _result: int) -> None:
        if self._task is not None:  # its figures would land on a freed dialog
            self._task.cancel()

    def _ask(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a bare widget): no figure to show
            self.estimate.setText("Not known")
            return
        self._task = loop.create_task(self._load())

    async def _load(self) -> None:
        self._per_job = await self._figures(self.item.entry.params)
        self._show_estimate()

    def _show_estimate(self) -> None:
        figures = self._per_job
        if figures is None:
            return
        n = self.count.value()
        images = n * figures.estimate.samples
        text = f"≈ {money(figures.estimate.cost * n)} ({n} job{'s' if n != 1 else ''}, " \
               f"{images} image{'s' if images != 1 else ''})"
        if figures.left is not None:
            text += f" · {money(figures.left)} left in the budget"
            if figures.estimate.cost * n > figures.left:
                text += " (those past it wait for your word)"
        self.estimate.setText(text)
