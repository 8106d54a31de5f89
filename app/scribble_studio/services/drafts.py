"""Drafts: the sketch, its reference picture and the parameters, saved atomically so a
crash loses at most the last autosave interval. One PNG per draft carries the sketch
and (in a text chunk) everything else; reference pictures are stored by content."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.services.atomic_files import atomic_write
from scribble_studio.services.history import sha256

if TYPE_CHECKING:  # Pillow is loaded when a draft is first read or written, not at start
    from PIL import Image

    from scribble_studio.domain.models import ModelCatalog

DRAFT_KEY: Final = "scribble-studio-draft"
_DIGEST: Final = re.compile(r"[0-9a-f]{64}")


def valid_params(raw: object, models: ModelCatalog | None = None) -> tuple[dict[str, Any],
                                                                        list[str]]:
    """The parameters of a draft that the panel can take, and the names of those it
    cannot (wrong type, or out of the range of the draft's own model: the one it names,
    or the catalog's default if it names none or one the catalog does not know). Names
    this version does not know are kept: a newer version may have written them, and the
    panel ignores them."""
    from scribble_studio.domain.models import builtin_catalog
    from scribble_studio.domain.params import GenerationParams

    if not isinstance(raw, dict):
        return {}, ([] if raw is None else ["parameters"])
    catalog = models if models is not None else builtin_catalog()
    spec = catalog.find(raw.get("model")) or catalog.default
    known = {f.name for f in dataclasses.fields(GenerationParams)}
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in raw.items():
        if not isinstance(name, str):
            continue
        if name not in known:
            kept[name] = value
            continue
        if name == "prompt":
            valid = isinstance(value, str)
        elif name == "model":
            valid = catalog.find(value) is not None
        else:
            params = GenerationParams("x", model=spec.id, **{name: value})
            valid = name not in params.validate(spec)
        if valid:
            kept[name] = value
        else:
            dropped.append(name)
    return kept, dropped


def _number(meta: dict[str, Any], name: str, default: float, low: float, high: float,
            dropped: list[str]) -> float:
    value = meta.get(name, default)
    if isinstance(value, int | float) and not isinstance(value, bool) and (
            low <= value <= high):
        return float(value)
    dropped.append(name)
    return default


@dataclasses.dataclass(frozen=True, slots=True)
class Draft:
    id: str
    darkness: Image.Image          # the sketch, dark ink on white ("L")
    params: dict[str, Any]
    reference: bytes | None
    reference_opacity: float
    updated: float
    dropped: tuple[str, ...] = ()  # settings that were unreadable, left at their defaults


@dataclasses.dataclass(frozen=True, slots=True)
class DraftInfo:
    id: str
    updated: float
    path: Path


class DraftStore:
    """Drafts in ``folder``; their parameters are checked against ``models`` (the
    built-in catalog unless the composition root passes one)."""

    def __init__(self, folder: Path, models: ModelCatalog | None = None) -> None:
        self.folder = folder / "drafts"
        self.models = models
        self.pointer = self.folder / "current"

    def new_id(self) -> str:
        return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}"

    def path(self, draft_id: str) -> Path:
        return self.folder / f"{draft_id}.png"

    def save(self, draft_id: str, darkness: Image.Image, params: dict[str, Any],
             reference: bytes | None = None, reference_opacity: float = 0.5) -> None:
        """Write the draft atomically (temp file, fsync, rename); raises OSError."""
        from PIL.PngImagePlugin import PngInfo

        ref_digest = None
        if reference is not None:
            ref_digest = sha256(reference)
            ref_path = self.folder / f"ref-{ref_digest}.png"
            if not ref_path.exists():
                atomic_write(ref_path, reference)
        meta = {"params": params, "reference": ref_digest, "opacity": reference_opacity,
                "updated": time.time()}
        info = PngInfo()
        info.add_itxt(DRAFT_KEY, json.dumps(meta))
        buffer = io.BytesIO()
        darkness.convert("L").save(buffer, format="PNG", pnginfo=info, compress_level=1)
        atomic_write(self.path(draft_id), buffer.getvalue())
        atomic_write(self.pointer, draft_id.encode())

    def load(self, draft_id: str) -> Draft:
        """The draft, with what is valid in its settings: a field of the wrong type or
        out of range is dropped and named in :attr:`Draft.dropped`. Raises
        UnreadableImage if the draft is missing, its sketch damaged, or of a size the
        canvas cannot take."""
        from scribble_studio.domain.scribble import decode_image
        from scribble_studio.domain.strokes import SIDE_RANGE, size_problem
        from scribble_studio.services.sketch_files import read_picture_file

        if not self.path(draft_id).exists():
            raise UnreadableImage(f"Draft {draft_id} is missing.")
        largest = SIDE_RANGE[1]
        try:
            image = decode_image(read_picture_file(self.path(draft_id)),
                                 max_pixels=largest * largest, max_side=largest)
        except UnreadableImage as exc:
            raise UnreadableImage(f"Draft {draft_id}: {exc.message}") from None
        problem = size_problem(image.width, image.height)
        if problem is not None:
            raise UnreadableImage(
                f"Draft {draft_id} is {image.width}×{image.height} pixels, a size the "
                f"canvas cannot take ({problem[:1].lower()}{problem[1:]})")
        try:
            meta = json.loads(image.info.get(DRAFT_KEY, ""))
        except ValueError:
            meta = None
        dropped: list[str] = []
        if not isinstance(meta, dict):
            meta, dropped = {}, ["settings"]
        params, bad = valid_params(meta.get("params"), self.models)
        dropped += bad
        opacity = _number(meta, "opacity", 0.5, 0.0, 1.0, dropped)
        updated = _number(meta, "updated", 0.0, 0.0, float("inf"), dropped)
        reference = None
        digest = meta.get("reference")
        if isinstance(digest, str) and _DIGEST.fullmatch(digest):
            try:
                reference = read_picture_file(self.folder / f"ref-{digest}.png")
            except UnreadableImage:
                reference = None
        elif digest is not None:
            dropped.append("reference")
        return Draft(draft_id, image.convert("L"), params, reference, opacity, updated,
                     tuple(dropped))

    def current_id(self) -> str | None:
        try:
            text = self.pointer.read_text().strip()
        except OSError:
            return None
        return text if text and self.path(text).exists() else None

    def set_current(self, draft_id: str) -> None:
        atomic_write(self.pointer, draft_id.encode())

    def list(self) -> list[DraftInfo]:
        """Newest first."""
        drafts = [DraftInfo(p.stem, p.stat().st_mtime, p) for p in self.folder.glob("*.png")
                  if not p.name.startswith("ref-")]
        return sorted(drafts, key=lambda d: d.updated, reverse=True)

    def _reference_of(self, draft_id: str) -> str | None:
        """The draft's reference digest, from its text chunk alone (PNG text before the
        image data is read by open(); no pixel is decoded)."""
        from PIL import Image

        try:
            with Image.open(self.path(draft_id)) as image:
                return str(json.loads(image.info[DRAFT_KEY]).get("reference") or "") or None
        except (OSError, ValueError, KeyError):
            return None

    def delete(self, draft_id: str) -> None:
        """Delete a draft, and the reference pictures no other draft uses."""
        self.path(draft_id).unlink(missing_ok=True)
        used = {self._reference_of(info.id) for info in self.list()}
        for ref in self.folder.glob("ref-*.png"):
            if ref.stem.removeprefix("ref-") not in used:
                ref.unlink(missing_ok=True)
