"""Keeping a paid result the history could not store (a full disk, a lock, a failed
write): each image goes to the first place that takes it — the history's images folder,
then the CLI's ``--out``, then the rescue folder — and the job notes where. Loaded only
when that happens (the outbox imports it then)."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from scribble_studio.domain.errors import HistoryLocked, StudioError
from scribble_studio.domain.png_metadata import STUDIO_KEY
from scribble_studio.services.atomic_files import atomic_write
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.result_files import free_path

log = logging.getLogger(__name__)

# A place a paid PNG can be written to: takes the bytes and the image's number (from 1),
# returns where it went, or raises (OSError, or the history's DiskFull).
Place = Callable[[bytes, int], Path]


def folder_place(folder: Path, stem: str, request_id: str | None = None) -> Place:
    """``folder/<stem>-<n>.png``, never overwriting a file already there. An image of
    the same request kept there before (a job rescued at each try to collect it, while
    the disk stays full) is not written again: only its metadata (the balance after it)
    could differ."""

    def write(data: bytes, number: int) -> Path:
        same = folder / f"{stem}-{number}.png"
        if _kept_before(same, data, request_id):
            return same
        path = free_path(folder, f"{stem}-{number}")
        atomic_write(path, data)
        return path

    return write


def _kept_before(path: Path, data: bytes, request_id: str | None) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        if not path.is_file():
            return False
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return True
        if request_id is None:
            return False
        with Image.open(path) as image:  # (its text chunks come before the pixels)
            kept = json.loads(image.info.get(STUDIO_KEY, "{}"))
    except (OSError, ValueError, UnidentifiedImageError):
        return False
    return isinstance(kept, dict) and kept.get("request_id") == request_id


def history_place(store: HistoryStore) -> Place:
    """The history's images folder, under the names it stores them by (SHA-256): the
    later collection that stores the job finds them already there."""

    def write(data: bytes, number: int) -> Path:
        return store.image_path(store.put_file(data))

    return write


def keep_pngs(pngs: Sequence[bytes], places: Sequence[Place]) -> list[Path | None]:
    """Write each PNG to the first of ``places`` that takes it (a full disk, a folder
    that cannot be made or written: the next one is tried). Returns where each went,
    ``None`` for one no place took: a paid image is dropped only when nowhere is left."""
    kept: list[Path | None] = []
    for number, data in enumerate(pngs, start=1):
        where: Path | None = None
        for place in places:
            try:
                where = place(data, number)
                break
            except (OSError, StudioError) as exc:
                log.warning("could not keep image %d there: %s", number, exc)
        kept.append(where)
    return kept


def keep_result(store: HistoryStore, gen_id: int, pngs: Sequence[bytes], seed: int | None,
                folders: Sequence[Path], request_id: str | None = None
                ) -> tuple[list[Path | None], bool]:
    """Keep job ``gen_id``'s PNGs (see :func:`keep_pngs`) and note where in the history.
    Returns where each went and whether the history noted it (it cannot when the
    database itself cannot be written)."""
    places = [history_place(store)]
    places += [folder_place(folder, f"rescued-{gen_id}-{seed}", request_id)
               for folder in folders]
    kept = keep_pngs(pngs, places)
    paths = [str(p) for p in kept if p is not None]
    if not paths:
        return kept, False
    try:
        store.note_saved_to(gen_id, paths)
    except Exception:  # locked, full: the job is collected again later and stored then
        log.warning("job %d: kept in %s, not noted in the history", gen_id, paths,
                    exc_info=True)
        return kept, False
    return kept, True


def why_not_stored(store: HistoryStore, cause: Exception,
                   pngs: Sequence[bytes]) -> tuple[str, str]:
    """The cause in the user's words (checked against the disk itself), and what has
    to change before the job can be stored."""
    if isinstance(cause, HistoryLocked):
        return "the history is locked by another program", "the history is free"
    free = min(_free(store.folder), _free(store.images_dir))  # (may be two disks)
    if free < sum(len(data) for data in pngs) + (1 << 20):
        return "the history's disk is full", "there is room"
    reason = cause.message if isinstance(cause, StudioError) else type(cause).__name__
    return f"the history could not store them: {reason.rstrip('.')}", "it can"


def _free(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62  # (a folder not made yet says nothing)


def kept_message(kept: Sequence[Path | None], cause: tuple[str, str], collectable: bool,
                 settled: bool = False) -> str:
    """"2 images kept in /path (the history's disk is full); the job will be stored when
    there is room" — for images spread over places, or kept nowhere, too. ``settled``: a
    job that cannot be collected again was recorded as paid and done."""
    why, until = cause
    folders: dict[Path, int] = {}
    for path in kept:
        if path is not None:
            folders[path.parent] = folders.get(path.parent, 0) + 1
    later = f"the job will be stored when {until}" if collectable else \
        "the job is paid and recorded as done; its images are only there (not in the " \
        "gallery), so do not send it again" if settled else \
        "the job could not be stored in the history"
    if not folders:
        return (f"The {_images(len(kept))} paid for could not be written anywhere ({why}); "
                + (f"they stay at Segmind and are collected again once {until}."
                   if collectable else "the job could not be stored in the history."))
    parts = [f"{_images(n)} kept in {folder}" if i == 0 else f"{n} in {folder}"
             for i, (folder, n) in enumerate(folders.items())]
    lost = sum(1 for path in kept if path is None)
    missing = f"; {lost} could not be written anywhere" if lost else ""
    return f"{' and '.join(parts)}{missing} ({why}); {later}."


def _images(count: int) -> str:
    return f"{count} image{'' if count == 1 else 's'}"
