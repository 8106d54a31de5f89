"""Takes the README's screenshots of the real window (run by hand; the PNGs are committed):

    Xvfb :86 -screen 0 1600x1000x24 &
    DISPLAY=:86 QT_QPA_PLATFORM=xcb PYTHONPATH=app .venv/bin/python packaging/screenshots.py

The app is built as ``scribble-studio`` builds it, in a temporary data folder with no key
and no network (the API is a closed local port). A real history is written first, through
the history store, with a few finished generations (their "results" are drawn here from
the scribble: no machine that takes these reaches Segmind); then one of the real
scribbles of /work/shared/scribbles (or an example sketch) is put on the canvas, the
window is sized and each size is saved as a PNG in ``packaging/screenshots``.

``--sizes 1024x640,1280x800`` and ``--out DIR`` take other sizes, elsewhere (for looking
at a layout: ``--keep-hint`` leaves the first-run hint showing)."""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageOps

from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult, ResultImage
from scribble_studio.domain.scribble import export_scribble, ink_mask
from scribble_studio.services.history import HistoryStore

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "packaging" / "screenshots"
SCRIBBLES = [REPO.parent / "shared" / "scribbles", REPO / "assets" / "examples"]
# What the README shows: the window as a first start opens it, and on a 1366×768 laptop
# (the window maximised there: the screen less a panel of about 40 px).
SHOTS = {"main-window.png": (1280, 800), "laptop-1366x768.png": (1366, 728)}
PROMPTS = [
    ("a cosy cottage in a birch forest, watercolour", (218, 196, 160)),
    ("a leather bag on a wooden table, studio light", (180, 120, 80)),
    ("a dancer on a stage, ink drawing, dramatic light", (90, 110, 160)),
]


def scribble_path(name: str) -> Path:
    for folder in SCRIBBLES:
        if (folder / name).exists():
            return folder / name
    found = [p for folder in SCRIBBLES for p in sorted(folder.glob("*.png"))]
    if not found:
        sys.exit("no scribble to draw: /work/shared/scribbles and assets/examples are empty")
    return found[0]


def stand_in_result(scribble: Image.Image, tint: tuple[int, int, int], n: int) -> bytes:
    """A picture standing in for a result: the scribble's lines over a tinted paper."""
    size = (512, 512)
    lines = ImageOps.fit(scribble.convert("L"), size)
    shade = tuple(max(0, min(255, c + (n - 1) * 18)) for c in tint)
    paper = Image.new("RGB", size, shade)  # type: ignore[arg-type]
    ImageDraw.Draw(paper).ellipse((40 + n * 30, 300, 480, 560 - n * 20),
                                  fill=tuple(int(c * 0.8) for c in shade))
    picture = ImageChops.multiply(paper, Image.merge("RGB", [lines] * 3))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def write_history(home: Path) -> None:
    """A few finished generations, through the store the app reads its gallery from."""
    store = HistoryStore(home)
    store.open()
    names = ["house_line.png", "bag_scribble.png", "human_line.png"]
    for seed, ((prompt, tint), name) in enumerate(zip(PROMPTS, names, strict=True), 1):
        scribble = Image.open(scribble_path(name))
        params = GenerationParams(prompt, seed=seed * 104729, samples=4)
        scribble_png = export_scribble(scribble).png
        gen = store.record(params, scribble_png, scribble.size, JobState.SUBMITTING)
        images = [(stand_in_result(scribble, tint, n), 512, 512) for n in range(4)]
        result = GenerationResult(
            tuple(ResultImage(data, "jpeg", w, h) for data, w, h in images), params,
            credits=9.87, request_id=None, elapsed_s=4.1, api="v2", cost=0.012)
        store.finish(gen, images, result, 4.1)
    store.close()


async def take(sizes: dict[str, tuple[int, int]], out: Path, keep_hint: bool) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    from scribble_studio.controllers.canvas_document import pil_to_alpha
    from scribble_studio.main import build_window, start

    with tempfile.TemporaryDirectory(prefix="studio-shots-") as folder:
        home = Path(folder)
        write_history(home)
        window = build_window(home, {"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"})
        mask = ink_mask(Image.open(scribble_path("house_line.png")))  # black on white
        document = window.view.document
        document.resize_canvas(QSize(*mask.size))
        document.load_ink(pil_to_alpha(ImageChops.invert(mask)))
        window.generate.params.prompt.setPlainText(PROMPTS[0][0])
        window.show()
        start(window)
        gallery = window.studio.gallery
        for _ in range(500):  # the history opens and the thumbnails load on workers
            if len(window.gallery.cards) == len(PROMPTS) and all(
                    item.loaded for item in gallery.items):
                break
            await asyncio.sleep(0.02)
        hint = getattr(window, "first_run_hint", None)
        if hint is not None and not keep_hint:
            hint.hide()  # the README shows the app at work; the hint has its own words
        for name, (width, height) in sizes.items():
            window.resize(width, height)
            window.view.zoom_fit()
            for _ in range(20):  # layout, paint
                QApplication.processEvents()
                await asyncio.sleep(0.01)
            shot = window.grab()
            assert shot.save(str(out / name)), name
            print(f"{out / name}: {shot.width()}×{shot.height()} "
                  f"(asked {width}×{height}, minimum {window.minimumSizeHint().width()}×"
                  f"{window.minimumSizeHint().height()})")
        window.close()
        await window.studio.session.shutdown()
        window.studio.runner.shutdown(wait=True)
        window.studio.session.store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="e.g. 1024x640,1366x728 (named WxH.png)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--keep-hint", action="store_true")
    args = parser.parse_args()
    sizes = SHOTS
    if args.sizes:
        sizes = {f"{s}.png": (int(s.split("x")[0]), int(s.split("x")[1]))
                 for s in args.sizes.split(",")}
    import qasync

    from scribble_studio.main import make_app

    app = make_app(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    args.out.mkdir(parents=True, exist_ok=True)
    with loop:
        loop.run_until_complete(take(sizes, args.out, args.keep_hint))
    return 0


if __name__ == "__main__":
    sys.exit(main())
