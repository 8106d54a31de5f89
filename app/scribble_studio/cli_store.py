"""``scribble-studio outbox …`` and ``scribble-studio history …``: the stored side of
the CLI. Like cli.py, no Qt."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scribble_studio import cli_args
from scribble_studio.domain.errors import InvalidInput, Offline, StudioError
from scribble_studio.services import desktop_entry, outbox
from scribble_studio.services.api_client import SegmindClient
from scribble_studio.services.atomic_files import atomic_write
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.history import Entry, HistoryStore, State


def add_commands(commands: Any) -> None:
    box = commands.add_parser("outbox", help="jobs waiting to be sent").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    listing = box.add_parser("list", help="waiting items, and those whose outcome is unknown")
    listing.add_argument("--json", action="store_true")
    send = box.add_parser("send", help="send waiting items now")
    send.add_argument("ids", nargs="*", type=int, metavar="ID", help="only these items")
    send.add_argument("--resend-unknown", action="store_true",
                      help="also send the given items whose outcome is unknown (they may "
                           "have been billed already)")
    history = commands.add_parser("history", help="past generations").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    hlist = history.add_parser("list", help="newest first")
    hlist.add_argument("--json", action="store_true")
    hlist.add_argument("--search", default="", metavar="TEXT", help="in the prompt")
    hlist.add_argument("--limit", type=cli_args.history_limit, default=50)
    export = history.add_parser("export", help="write an entry's images and parameters")
    export.add_argument("id", type=cli_args.history_id, metavar="ID")
    export.add_argument("folder", type=Path, metavar="DIR")
    desktop = commands.add_parser("desktop", help="add to (or remove from) the desktop's "
                                  "launcher, for this user").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    desktop.add_parser("install", help="write the launcher entry and icon")
    desktop.add_parser("uninstall", help="remove them")


def describe(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id, "state": entry.state.value, "source": entry.source,
        "created": dt.datetime.fromtimestamp(entry.created, dt.UTC).isoformat(),
        "prompt": entry.params.prompt, "seed": entry.params.seed,
        "params": entry.params.to_dict(), "images": [i.sha256 for i in entry.images],
        "credits_after": entry.credits_after, "request_id": entry.request_id,
        "error": entry.error, "starred": entry.starred,
    }


def _line(entry: Entry) -> str:
    when = dt.datetime.fromtimestamp(entry.created).strftime("%Y-%m-%d %H:%M")
    note = f"  ({entry.error})" if entry.error else ""
    return (f"#{entry.id:<5} {entry.state.value:<9} {when}  seed {entry.params.seed}  "
            f"{entry.params.prompt[:50]}{note}")


def _print(entries: list[Entry], as_json: bool, empty: str) -> None:
    if as_json:
        print(json.dumps([describe(e) for e in entries]))
    elif entries:
        print("\n".join(_line(e) for e in entries))
    else:
        warn(empty)  # on stderr: stdout stays empty for scripts


def desktop(action: str) -> int:
    """``scribble-studio desktop install|uninstall``."""
    executable = Path(shutil.which("scribble-studio") or sys.argv[0]).resolve()
    try:
        paths = desktop_entry.install(executable) if action == "install" \
            else desktop_entry.uninstall()
    except OSError as exc:
        raise InvalidInput(f"Cannot write the launcher entry: {exc.strerror or exc}.") \
            from None
    print("\n".join(str(p) for p in paths))
    return 0


async def run(args: argparse.Namespace, home: Path, key: ApiKey | None,
              settings: Callable[[], ClientSettings], note: Callable[[str], None]) -> int:
    store = HistoryStore(home)
    try:
        if store.recovered_from is not None:
            note(f"the history database was damaged; it was moved to {store.recovered_from}"
                 " and a new one started.")
        if args.command == "outbox" and args.action == "list":
            _print(store.outbox(), args.json, "the outbox is empty.")
            return 0
        if args.command == "outbox":
            return await _send(store, args, key, settings(), note)
        if args.action == "list":
            _print(store.page(0, args.limit, args.search), args.json,
                   "nothing matches." if args.search else "the history is empty.")
            return 0
        return _export(store, args.id, args.folder, note)
    finally:
        store.close()


async def _send(store: HistoryStore, args: argparse.Namespace, key: ApiKey | None,
                settings: ClientSettings, note: Callable[[str], None]) -> int:
    items = [e for e in store.outbox() if e.state is State.WAITING] if not args.ids \
        else [e for e in (store.get(i) for i in args.ids) if e is not None]
    if args.ids and len(items) != len(args.ids):
        raise InvalidInput("Some of those items do not exist.", "See: scribble-studio outbox list")
    if not items:
        note("the outbox has nothing waiting.")
        return 0
    worst = 0
    async with SegmindClient(key, settings) as client:
        for entry in items:
            try:
                result = await outbox.send(store, client, entry.id, force=args.resend_unknown)
            except Offline as exc:
                note(f"#{entry.id} still waits: {exc.message}")
                return exc.exit_code
            except StudioError as exc:
                note(f"#{entry.id}: {exc.message} {exc.action}")
                worst = worst or exc.exit_code
                continue
            print(f"#{entry.id} done: {len(result.images)} image(s), seed {entry.params.seed}")
    return worst


def _export(store: HistoryStore, gen_id: int, folder: Path, note: Callable[[str], None]) -> int:
    entry = store.get(gen_id)
    if entry is None:
        raise InvalidInput(f"There is no history entry #{gen_id}.",
                           "See: scribble-studio history list")
    written = []
    try:
        for n, image in enumerate(entry.images, start=1):
            data = store.read_file(image.sha256)
            if data is None:
                note(f"image {n} of #{gen_id} is missing from the data folder.")
                continue
            written.append(folder / f"{gen_id}-{entry.params.seed}-{n}.png")
            atomic_write(written[-1], data)
        scribble = store.read_file(entry.scribble)
        if scribble is not None:
            written.append(folder / f"{gen_id}-scribble.png")
            atomic_write(written[-1], scribble)
        written.append(folder / f"{gen_id}.json")
        atomic_write(written[-1], json.dumps(describe(entry), indent=2).encode())
    except OSError as exc:
        raise InvalidInput(f"Cannot write to {folder}: {exc.strerror or exc}.") from None
    print("\n".join(str(p) for p in written))
    return 0


def warn(message: str) -> None:
    print(f"scribble-studio: {message}", file=sys.stderr)
