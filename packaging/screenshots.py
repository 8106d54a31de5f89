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
at a layout; ``--hint`` with the first-run hint showing)."""

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
# What the README shows: the window at work at 1280 × 800, and a first start on a
# 1366 × 768 laptop (with the getting-started hint about the key). Name: (size, hint).
SHOTS = {"laptop-1366x768.png": ((1366, 768), True), "main-window.png": ((1280, 800), False)}
CANVAS = ("user_3.png", "a hot-air balloon over green hills at dawn, watercolour")
# The history's generations, oldest first: scribble, prompt, the tint of the stand-ins.
HISTORY = [
    ("human_line.png", "a man on a windy beach, ink drawing, dramatic light", (90, 110, 160)),
    ("bag_scribble.png", "a leather backpack on a wooden table, studio light", (180, 120, 80)),
    ("user_1.png", "a tortoise in tall grass, children's book illustration", (150, 190, 120)),
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
    for seed, (name, prompt, tint) in enumerate(HISTORY, 1):
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


async def take(shots: dict[str, tuple[tuple[int, int], bool]], out: Path) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    from scribble_studio.controllers.canvas_document import pil_to_alpha
    from scribble_studio.main import build_window, start

    with tempfile.TemporaryDirectory(prefix="studio-shots-") as folder:
        home = Path(folder)
        write_history(home)
        window = build_window(home, {"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"})
        mask = ink_mask(Image.open(scribble_path(CANVAS[0])))  # black ink on white
        document = window.view.document
        document.resize_canvas(QSize(*mask.size))
        document.load_ink(pil_to_alpha(ImageChops.invert(mask)))
        window.generate.params.prompt.setPlainText(CANVAS[1])
        window.show()
        start(window)
        gallery = window.studio.gallery
        for _ in range(500):  # the history opens and the thumbnails load on workers
            if len(window.gallery.cards) == len(HISTORY) and all(
                    item.loaded for item in gallery.items):
                break
            await asyncio.sleep(0.02)
        for name, ((width, height), hint) in shots.items():
            if window.first_run_hint is not None:  # built after the first frame
                window.first_run_hint.set_shown(hint)
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
    parser.add_argument("--hint", action="store_true", help="with the first-run hint")
    args = parser.parse_args()
    shots = SHOTS
    if args.sizes:
        shots = {f"{s}.png": ((int(s.split("x")[0]), int(s.split("x")[1])), args.hint)
                 for s in args.sizes.split(",")}
    import qasync

    from scribble_studio.main import make_app

    app = make_app(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    args.out.mkdir(parents=True, exist_ok=True)
    with loop:
        loop.run_until_complete(take(shots, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
