"""The ``scribble-studio`` command: with a subcommand or option it is the CLI;
without, it opens the window. Kept apart so the CLI never imports Qt."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--smoke-test"]:
        from scribble_studio.main import smoke_test

        return smoke_test()
    if args:
        from scribble_studio.cli import main as cli_main

        return cli_main(args)
    import os

    from scribble_studio.display_check import problem

    reason = problem(os.environ)
    if reason is not None:  # Qt would abort with a page of plugin names
        print(f"scribble-studio: {reason}", file=sys.stderr)
        return 2
    # No garbage collection until the window has painted (main.settle_garbage_collection
    # freezes what the start made and turns it back on): the start builds objects that
    # all live on, and collecting while they are made is measurable start-up for nothing
    # (README, Performance).
    gc.disable()
    from scribble_studio.main import main as gui_main

    return gui_main([sys.argv[0]])
