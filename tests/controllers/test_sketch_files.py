"""Opening, importing, pasting and saving sketches through a real document and a real
worker: a saved sketch opens back exactly (at its own size, as one undo step), any other
picture goes to an import, a result's parameters come with it, and a failure says why
and leaves the canvas as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw
from PIL.PngImagePlugin import PngInfo
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.qt_images import alpha_to_pil, pil_to_qimage
from scribble_studio.controllers.scribble_importer import ScribbleImporter
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.domain.errors import StudioError, UnreadableImage
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.png_metadata import STUDIO_KEY, studio_metadata
from tests.fakes.sketches import drawn_sketch

WAIT = 10_000  # ms: a bound on a worker's decode, never a pause


@pytest.fixture
def runner(qapp: object) -> Iterator[BackgroundRunner]:
    made = BackgroundRunner()
    yield made
    made.shutdown(wait=True)


def drawn(size: QSize) -> CanvasDocument:
    doc = CanvasDocument(size)
    doc.begin_stroke(QPointF(10, 10), 5)
    doc.extend_stroke(QPointF(size.width() - 20, size.height() / 2), 9)
    doc.end_stroke()
    return doc


def ink(doc: CanvasDocument) -> Image.Image:
    return alpha_to_pil(doc.image)


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def test_a_saved_sketch_opens_back_exactly_at_its_size_as_one_undo_step(
        qtbot: QtBot, runner: BackgroundRunner, tmp_path: Path) -> None:
    source = drawn(QSize(384, 320))  # (a size the canvas takes: sides of 64 px steps)
    saver = SketchFiles(source, runner)
    with qtbot.waitSignal(saver.saved, timeout=WAIT) as saved:
        saver.save(tmp_path / "lighthouse")  # the suffix is added
    assert saved.args == [tmp_path / "lighthouse.png"]
    target = CanvasDocument(QSize(512, 512))
    files = SketchFiles(target, runner)
    imports: list[object] = []
    files.import_ready.connect(imports.append)
    with qtbot.waitSignal(files.opened, timeout=WAIT) as opened:
        files.open_path(tmp_path / "lighthouse.png")
    assert opened.args == [tmp_path / "lighthouse.png"] and imports == []
    assert target.size() == QSize(384, 320) and same(ink(target), ink(source))
    assert target.undo_stack.count() == 1 and target.undo_stack.text(0) == "Open sketch"
    target.undo()
    assert target.size() == QSize(512, 512) and not target.has_ink(any_alpha=True)


def test_another_suffix_is_saved_as_png(qtbot: QtBot, runner: BackgroundRunner,
                                        tmp_path: Path) -> None:
    files = SketchFiles(drawn(QSize(256, 256)), runner)
    with qtbot.waitSignal(files.saved, timeout=WAIT) as saved:
        files.save(tmp_path / "sketch.jpg")
    assert saved.args == [tmp_path / "sketch.png"]
    assert Image.open(tmp_path / "sketch.png").format == "PNG"


def test_a_selection_being_moved_is_saved_where_it_is_shown(
        qtbot: QtBot, runner: BackgroundRunner, tmp_path: Path) -> None:
    doc = drawn(QSize(256, 256))
    doc.selection.select_all()
    doc.selection.move_by(0, 40)
    files = SketchFiles(doc, runner)
    with qtbot.waitSignal(files.saved, timeout=WAIT):
        files.save(tmp_path / "moved.png")
    saved = ImageChops.invert(Image.open(tmp_path / "moved.png").convert("L"))
    assert same(saved, alpha_to_pil(doc.composed_ink()))
    assert doc.selection.is_floating  # saving did not put the selection down


def test_any_other_picture_goes_to_an_import_and_the_canvas_waits(
        qtbot: QtBot, runner: BackgroundRunner, tmp_path: Path) -> None:
    drawn_sketch((400, 300)).save(tmp_path / "photo.png")  # RGB, no marker: not ours
    doc = drawn(QSize(256, 256))
    before = ink(doc)
    files = SketchFiles(doc, runner)
    with qtbot.waitSignal(files.import_ready, timeout=WAIT) as ready:
        files.open_path(tmp_path / "photo.png")
    importer = ready.args[0]
    assert isinstance(importer, ScribbleImporter) and importer.document is doc
    assert importer.source.size == (400, 300)
    assert same(ink(doc), before) and doc.undo_stack.count() == 1
    importer.discard()


def test_a_saved_sketch_opened_as_an_import_is_imported(
        qtbot: QtBot, runner: BackgroundRunner, tmp_path: Path) -> None:
    files = SketchFiles(drawn(QSize(256, 256)), runner)
    with qtbot.waitSignal(files.saved, timeout=WAIT):
        files.save(tmp_path / "mine.png")
    opened: list[object] = []
    files.opened.connect(opened.append)
    with qtbot.waitSignal(files.import_ready, timeout=WAIT) as ready:
        files.open_path(tmp_path / "mine.png", as_import=True)
    assert opened == []
    ready.args[0].discard()


def test_a_result_picture_brings_its_parameters(qtbot: QtBot, runner: BackgroundRunner,
                                                tmp_path: Path) -> None:
    params = GenerationParams("a lighthouse at dusk", seed=1234, steps=31)
    info = PngInfo()
    info.add_text(STUDIO_KEY, studio_metadata(params, {"request_id": "req-1"}))
    drawn_sketch((320, 320)).save(tmp_path / "result.png", pnginfo=info)
    files = SketchFiles(CanvasDocument(QSize(256, 256)), runner)
    found: list[object] = []
    files.params_found.connect(found.append)
    with qtbot.waitSignal(files.import_ready, timeout=WAIT) as ready:
        files.open_path(tmp_path / "result.png")
    assert found == [params]  # (told before the import's dialog asks for its settings)
    ready.args[0].discard()


@pytest.mark.parametrize("name", ["missing.png", "not-a-picture.png"])
def test_a_file_that_cannot_be_read_is_said_so_and_changes_nothing(
        qtbot: QtBot, runner: BackgroundRunner, tmp_path: Path, name: str) -> None:
    (tmp_path / "not-a-picture.png").write_text("just words")
    doc = drawn(QSize(256, 256))
    before = ink(doc)
    files = SketchFiles(doc, runner)
    with qtbot.waitSignal(files.notices.error, timeout=WAIT) as failed:
        files.open_path(tmp_path / name)
    error = failed.args[0]
    assert isinstance(error, UnreadableImage) and name in error.message
    assert same(ink(doc), before) and doc.undo_stack.count() == 1


def test_saving_where_it_cannot_be_written_is_said_so(qtbot: QtBot, runner: BackgroundRunner,
                                                      tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    files = SketchFiles(drawn(QSize(256, 256)), runner)
    saved: list[object] = []
    files.saved.connect(saved.append)
    with qtbot.waitSignal(files.notices.error, timeout=WAIT) as failed:
        files.save(tmp_path / "a-file" / "sketch.png")
    assert isinstance(failed.args[0], StudioError) and "Cannot save sketch.png" in \
        failed.args[0].message
    assert saved == []


def test_an_empty_clipboard_is_said_so_and_a_picture_is_imported(
        qtbot: QtBot, runner: BackgroundRunner) -> None:
    files = SketchFiles(CanvasDocument(QSize(256, 256)), runner)
    with qtbot.waitSignal(files.notices.error, timeout=WAIT) as failed:
        files.import_qimage(QImage())
    assert "clipboard has no picture" in failed.args[0].message
    picture = Image.new("RGB", (64, 48), "white")
    ImageDraw.Draw(picture).line((0, 0, 63, 47), fill="black", width=3)
    with qtbot.waitSignal(files.import_ready, timeout=WAIT) as ready:
        files.import_qimage(pil_to_qimage(picture))
    assert ready.args[0].source.size == (64, 48)
    ready.args[0].discard()


def test_a_reference_picture_is_laid_under_the_drawing_and_not_into_it(
        qtbot: QtBot, runner: BackgroundRunner, tmp_path: Path) -> None:
    Image.new("RGB", (200, 100), (200, 30, 30)).save(tmp_path / "reference.png")
    doc = drawn(QSize(256, 256))
    before = ink(doc)
    files = SketchFiles(doc, runner)
    with qtbot.waitSignal(doc.reference_changed, timeout=WAIT):
        files.load_reference(tmp_path / "reference.png")
    assert doc.reference is not None and doc.reference.size() == QSize(200, 100)
    assert doc.reference_rect.width() == 256  # fitted to the canvas, as an import is
    assert same(ink(doc), before) and doc.undo_stack.count() == 1


def test_a_saved_sketch_of_a_size_the_canvas_cannot_take_is_imported(
        qtbot: QtBot, runner: BackgroundRunner, tmp_path: Path) -> None:
    files = SketchFiles(drawn(QSize(384, 288)), runner)  # 288: not a multiple of 64
    with qtbot.waitSignal(files.saved, timeout=WAIT):
        files.save(tmp_path / "odd.png")
    opened: list[object] = []
    files.opened.connect(opened.append)
    with qtbot.waitSignal(files.import_ready, timeout=WAIT) as ready:
        files.open_path(tmp_path / "odd.png")
    assert opened == [] and ready.args[0].source.size == (384, 288)
    ready.args[0].discard()
