"""The checks before paying, for every sender (Generate, and later live mode): the
sketch's own problems (``domain.scribble_checks``, fast enough to run on the GUI thread)
and a repeat of a result already in the history (a database read and the exported
scribble's hash: on a worker, never on the GUI thread).

No widgets: a sender asks, and shows the problems its own way."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history import Entry, HistoryStore
from scribble_studio.services.settings_store import AppSettings

if TYPE_CHECKING:  # Pillow loads after the window shows
    from PIL import Image

    from scribble_studio.domain.scribble_checks import SketchProblem

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class CheckedJob:
    """A job as it was when checked (the snapshot a "send anyway" sends), its problems
    (empty: send it) and, for a repeat, the history's result it would repeat."""

    sketch: Image.Image
    params: GenerationParams
    problems: tuple[SketchProblem, ...]
    same_as: Entry | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        """The problems in one line: the repeat first (it has its own action)."""
        return " ".join(problem.message for problem in self.problems)


class SendChecks(QObject):
    """``check`` (image only, synchronous) and ``check_async`` (image and history, on the
    runner; the answer comes on the GUI thread). ``checked`` announces every async
    answer, for whoever shows them."""

    checked = Signal(object)  # CheckedJob

    def __init__(self, store: HistoryStore, runner: BackgroundRunner,
                 settings: Callable[[], AppSettings], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store, self.runner, self._settings = store, runner, settings

    def check(self, image: Image.Image, params: GenerationParams) -> CheckedJob:
        """The sketch's own problems, now (a few milliseconds at 1024²)."""
        from scribble_studio.domain.scribble_checks import check_sketch

        return CheckedJob(image, params, tuple(check_sketch(image)))

    @staticmethod
    def may_repeat(params: GenerationParams) -> bool:
        """Whether the job could repeat a result (its seed is fixed): only then is the
        history worth asking."""
        return params.seed is not None

    def check_all(self, image: Image.Image, params: GenerationParams) -> CheckedJob:
        """All the checks, the history's too: blocking, for a worker thread (live mode's
        sender calls it there; :meth:`check_async` runs it on the runner). A history that
        cannot be read does not stop the job: it is only not a repeat."""
        from scribble_studio.domain.scribble import export_scribble
        from scribble_studio.domain.scribble_checks import check_sketch, same_as_result
        from scribble_studio.services.history import sha256

        settings = self._settings()
        problems = check_sketch(image)
        same: Entry | None = None
        if self.may_repeat(params):
            # The history keys a result by the exact bytes sent, so hash those.
            png = export_scribble(image, invert=settings.invert,
                                  encoding=settings.encoding()).png
            try:
                same = self.store.same_result(sha256(png), params)
            except StudioError as exc:
                log.warning("duplicate check skipped: %s", exc.message)
        if same is not None:
            problems = [same_as_result(same.id, same.state), *problems]
            if same.state is not JobState.DONE:
                same = None   # (no result to show yet: it is still at Segmind)
        return CheckedJob(image, params, tuple(problems), same)

    def line(self, image: Image.Image, params: GenerationParams) -> str | None:
        """Live mode's hook: the one line that stops a send, or None (on a worker)."""
        checked = self.check_all(image, params)
        return None if checked.ok else checked.message

    def check_async(self, image: Image.Image, params: GenerationParams,
                    done: Callable[[CheckedJob], None]) -> None:
        """All the checks on a worker; ``done`` gets the answer on the GUI thread."""

        def finished(job: CheckedJob) -> None:
            self.checked.emit(job)
            done(job)

        def failed(error: StudioError) -> None:
            # The history is advice: if it cannot be read, the sketch's own checks stand.
            log.warning("checks before sending failed: %s", error.message)
            finished(self.check(image, params))

        self.runner.run(lambda: self.check_all(image, params), finished, failed)
