from __future__ import annotations

from PIL import Image

from scribble_studio.services.pillow_memory import BLOCK_SIZE, BLOCKS_KEPT, keep_image_memory


def test_freed_image_memory_is_kept_for_the_next_image() -> None:
    core = Image.core  # type: ignore[attr-defined]
    before = core.get_block_size(), core.get_blocks_max()
    try:
        keep_image_memory()
        assert (core.get_block_size(), core.get_blocks_max()) == (BLOCK_SIZE, BLOCKS_KEPT)
        core.clear_cache()
        core.reset_stats()
        image = Image.new("L", (1024, 1024))
        del image
        assert core.get_stats()["blocks_cached"] == 1  # kept, not handed back
        Image.new("L", (1024, 1024))
        assert core.get_stats()["reused_blocks"] >= 1
    finally:
        core.set_block_size(before[0])
        core.set_blocks_max(before[1])
        core.clear_cache()
