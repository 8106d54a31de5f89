"""One import of a picture as scribble, with a real document and real workers: its
guesses (line drawing or photo, dark on light or light on dark), a preview of the
canvas's shape where the newest request wins, settings kept in range, and the edit: one
undo step that replaces the drawing or is added to it."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest
from PIL import Image, ImageChops, ImageDraw
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.controllers.scribble_importer import (
    DEFAULT_CLOSE_GAPS,
    DEFAULT_THICKNESS,
    PREVIEW_SIDE,
    ScribbleImporter,
    make_ink,
)
from scribble_studio.domain.scribble import THRESHOLD
from scribble_studio.domain.scribble_import import ImportMode
from tests.fakes.sketches import drawn_sketch

WAIT = 10_000  # ms: a bound on a worker's image work, never a pause


@pytest.fixture
def runner(qapp: object) -> Iterator[BackgroundRunner]:
    made = BackgroundRunner(workers=1)  # one worker: work is done in the order asked
    yield made
    made.shutdown(wait=True)


def light_on_dark(size: tuple[int, int] = (400, 300)) -> Image.Image:
    image = Image.new("RGB", size, "black")
    ImageDraw.Draw(image).line((20, 20, size[0] - 20, size[1] - 20), fill="white", width=6)
    return image


def photo(size: tuple[int, int] = (320, 240)) -> Image.Image:
    """Many middle tones: a soft gradient with noise, and a darker disc."""
    rng = random.Random(4)
    image = Image.new("L", size)
    image.putdata([60 + (x * 120) // size[0] + rng.randrange(30)
                   for y in range(size[1]) for x in range(size[0])])
    ImageDraw.Draw(image).ellipse((100, 60, 220, 180), fill=70)
    return image.convert("RGB")


def guessed(qtbot: QtBot, doc: CanvasDocument, runner: BackgroundRunner,
            source: Image.Image) -> ScribbleImporter:
    """An importer once it has looked at the picture. (Its look may finish before the
    constructor returns: the runner calls back at once for work already done.)"""
    importer = ScribbleImporter(doc, runner, source)
    qtbot.waitUntil(lambda: importer.ready, timeout=WAIT)
    return importer


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def test_a_dark_line_drawing_is_guessed_as_such(qtbot: QtBot,
                                                runner: BackgroundRunner) -> None:
    importer = guessed(qtbot, CanvasDocument(QSize(512, 512)), runner, drawn_sketch((400, 300)))
    assert importer.ready and importer.mode is ImportMode.LINE_DRAWING and not importer.invert


def test_light_strokes_on_dark_are_guessed_inverted(qtbot: QtBot,
                                                    runner: BackgroundRunner) -> None:
    importer = guessed(qtbot, CanvasDocument(QSize(512, 512)), runner, light_on_dark())
    assert importer.mode is ImportMode.LINE_DRAWING and importer.invert


def test_a_photo_is_guessed_as_a_photo(qtbot: QtBot, runner: BackgroundRunner) -> None:
    importer = guessed(qtbot, CanvasDocument(QSize(512, 512)), runner, photo())
    assert importer.mode is ImportMode.PHOTO


def test_no_preview_is_made_before_the_picture_is_looked_at(
        qtbot: QtBot, runner: BackgroundRunner) -> None:
    gate = threading.Event()
    runner.run(lambda: gate.wait(WAIT / 1000), lambda _: None, lambda _: None)
    importer = ScribbleImporter(CanvasDocument(QSize(512, 512)), runner, drawn_sketch())
    previews: list[QImage] = []
    importer.preview_ready.connect(previews.append)
    importer.set_threshold(100)  # the worker is busy: the picture is not looked at yet
    assert not importer.ready
    with qtbot.waitSignal(importer.guessed, timeout=WAIT):
        gate.set()
    assert previews == []  # (whoever shows the preview asks for it once guessed)


def test_the_preview_has_the_canvas_shape_and_the_newest_request_wins(
        qtbot: QtBot, runner: BackgroundRunner) -> None:
    importer = guessed(qtbot, CanvasDocument(QSize(768, 512)), runner, drawn_sketch())
    previews: list[QImage] = []
    importer.preview_ready.connect(previews.append)
    gate = threading.Event()
    runner.run(lambda: gate.wait(WAIT / 1000), lambda _: None, lambda _: None)
    importer.set_threshold(40)  # waits behind the busy worker ...
    importer.set_threshold(250)  # ... and is replaced before it starts
    with qtbot.waitSignal(importer.preview_ready, timeout=WAIT) as ready:
        gate.set()
    shown: QImage = ready.args[0]
    assert previews == [shown]
    assert (shown.width(), shown.height()) == (PREVIEW_SIDE, PREVIEW_SIDE * 2 // 3)
    assert shown.format() == QImage.Format.Format_Grayscale8
    # Threshold 250 takes nearly every non-white pixel as ink: the drawn lines are dark.
    assert min(shown.pixelColor(x, y).red() for x in range(shown.width())
               for y in range(shown.height())) == 0


def test_the_settings_are_kept_in_their_ranges(qtbot: QtBot,
                                               runner: BackgroundRunner) -> None:
    importer = ScribbleImporter(CanvasDocument(QSize(512, 512)), runner, drawn_sketch())
    importer.set_threshold(0)
    importer.set_strength(3.0)
    importer.set_thickness(99)
    importer.set_close_gaps(-4)
    assert (importer.threshold, importer.strength, importer.thickness,
            importer.close_gaps) == (1, 1.0, 15, 0)
    importer.set_threshold(999)
    importer.set_strength(-1)
    importer.set_thickness(0)
    importer.set_close_gaps(99)
    assert (importer.threshold, importer.strength, importer.thickness,
            importer.close_gaps) == (254, 0.0, 1, 6)
    importer.discard()


def test_applied_it_replaces_the_drawing_with_the_fitted_ink_as_one_undo_step(
        qtbot: QtBot, runner: BackgroundRunner) -> None:
    doc = CanvasDocument(QSize(512, 512))
    doc.begin_stroke(QPointF(500, 10), 8)
    doc.end_stroke()
    before = alpha_to_pil(doc.image)
    source = drawn_sketch((400, 300))
    importer = guessed(qtbot, doc, runner, source)
    with qtbot.waitSignal(importer.applied, timeout=WAIT):
        importer.apply()
    expected = make_ink(source, ImportMode.LINE_DRAWING, THRESHOLD, False, 0.7,
                        QSize(512, 512), DEFAULT_THICKNESS, DEFAULT_CLOSE_GAPS)
    assert same(alpha_to_pil(doc.image), expected)
    assert doc.undo_stack.text(doc.undo_stack.count() - 1) == "Import scribble"
    doc.undo()
    assert same(alpha_to_pil(doc.image), before)


def test_added_to_the_drawing_both_inks_stay_as_one_edit(qtbot: QtBot,
                                                        runner: BackgroundRunner) -> None:
    doc = CanvasDocument(QSize(512, 512))
    doc.begin_stroke(QPointF(500, 10), 8)  # a dot the picture does not cover
    doc.end_stroke()
    mine = alpha_to_pil(doc.image)
    importer = guessed(qtbot, doc, runner, drawn_sketch((400, 300)))
    importer.set_add_to_drawing(True)
    with qtbot.waitSignal(importer.applied, timeout=WAIT):
        importer.apply()
    now = alpha_to_pil(doc.image)
    assert same(ImageChops.lighter(now, mine), now)  # all of my ink is still there
    assert now.histogram()[255] > mine.histogram()[255] * 5  # and the picture's too
    assert doc.undo_stack.count() == 2
    assert doc.undo_stack.text(1) == "Import scribble (added)"


def test_an_inverted_import_takes_the_light_strokes_as_ink(qtbot: QtBot,
                                                           runner: BackgroundRunner) -> None:
    doc = CanvasDocument(QSize(512, 512))
    importer = guessed(qtbot, doc, runner, light_on_dark((512, 512)))
    with qtbot.waitSignal(importer.applied, timeout=WAIT):
        importer.apply()
    ink = alpha_to_pil(doc.image)
    assert ink.getpixel((256, 256)) == 255 and ink.getpixel((400, 50)) == 0
    assert ink.histogram()[255] < 512 * 512 // 20  # the lines, not the dark paper


def test_a_discarded_import_says_nothing_more(qtbot: QtBot,
                                              runner: BackgroundRunner) -> None:
    gate = threading.Event()
    runner.run(lambda: gate.wait(WAIT / 1000), lambda _: None, lambda _: None)
    doc = CanvasDocument(QSize(512, 512))
    importer = ScribbleImporter(doc, runner, drawn_sketch())
    heard: list[str] = []
    importer.guessed.connect(lambda: heard.append("guessed"))
    importer.discard()  # the dialog was cancelled while the picture was being looked at
    finished: list[bool] = []
    runner.run(lambda: True, finished.append, lambda _: None)  # behind the importer's work
    gate.set()
    qtbot.waitUntil(lambda: finished == [True], timeout=WAIT)
    assert heard == [] and doc.undo_stack.count() == 0
