"""Pillow's block allocator, tuned for the app's repeated 1–4 MB images."""

from __future__ import annotations

from typing import Final

BLOCK_SIZE: Final = 1 << 20  # bytes
BLOCKS_KEPT: Final = 8       # so at most 8 MB of freed image memory is kept


def keep_image_memory() -> None:
    """Keep a few freed 1 MB blocks for the next image instead of handing them back.

    By default Pillow frees each image's memory; whether the C library then returns it
    to the system depends on what else sits on the heap, so each new image page-faulted
    its memory in afresh or not: exports of a 1024×1024 sketch took 18 or 23 ms a round,
    by luck. With a small cache they take 18 ms every time (bench/bench_client.py).
    These are the documented PILLOW_BLOCK_SIZE and PILLOW_BLOCKS_MAX, which Pillow only
    reads at import; it applies them with the same two calls."""
    from PIL import Image

    core = Image.core  # type: ignore[attr-defined]  # Pillow's C module, not re-exported
    core.set_block_size(BLOCK_SIZE)
    core.set_blocks_max(BLOCKS_KEPT)
