"""``scribble-studio outbox …`` and ``scribble-studio history …``: the stored side of
the CLI. Like cli.py, no Qt."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scribble_studio import cli_args
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    InvalidInput,
    NotSendable,
    Offline,
    StudioError,
)
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.results import GenerationResult
from scribble_studio.services import desktop_entry
from scribble_studio.services.atomic_files import atomic_write
from scribble_studio.services.backends import Backend, create_backend
from scribble_studio.services.config import ApiChoice, ApiKey, ClientSettings
from scribble_studio.services.history import Entry, HistoryStore
from scribble_studio.services.outbox import NotInHistory, Outbox
from scribble_studio.services.result_files import save_pngs


def add_commands(commands: Any) -> None:
    box = commands.add_parser("outbox", help="jobs waiting to be sent").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    listing = box.add_parser("list", help="every job not finished: waiting, at the server, "
                             "or whose outcome is unknown")
    listing.add_argument("--json", action="store_true")
    send = box.add_parser("send", help="collect what the server has, look up what is in "
                          "doubt, send what waits")
    send.add_argument("ids", nargs="*", type=cli_args.history_id, metavar="ID",
                      help="only these items")
    send.add_argument("--resend-unknown", action="store_true",
                      help="send the given items again if Segmind's request history does not "
                           "know them (they may have been billed already)")
    send.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="also write the collected images here")
    send.add_argument("--api", type=ApiChoice, default=ApiChoice.AUTO, choices=list(ApiChoice),
                      help="for what is sent: auto (v2, v1 where needed), v2 or v1")
    history = commands.add_parser("history", help="past generations").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    hlist = history.add_parser("list", help="newest first")
    hlist.add_argument("--json", action="store_true")
    hlist.add_argument("--search", default="", metavar="TEXT", type=cli_args.text,
                       help="in the prompt")
    hlist.add_argument("--limit", type=cli_args.history_limit, default=50)
    hlist.add_argument("--live", action="store_true",
                       help="include live-mode images that were not kept")
    trash = history.add_parser("trash", help="what is in the trash (recently deleted), "
                               "newest first; it is emptied after 30 days")
    trash.add_argument("--json", action="store_true")
    restore = history.add_parser("restore", help="take an entry (all of it) out of the trash")
    restore.add_argument("id", type=cli_args.history_id, metavar="ID")
    history.add_parser("empty-trash", help="remove what is in the trash for good (its "
                       "files too, unless another entry uses them); spend figures keep it")
    show = history.add_parser("show", help="one entry: its state, parameters, images and "
                              "where a result the history could not store was saved")
    show.add_argument("id", type=cli_args.history_id, metavar="ID")
    show.add_argument("--json", action="store_true")
    export = history.add_parser("export", help="write an entry's images and parameters")
    export.add_argument("id", type=cli_args.history_id, metavar="ID")
    export.add_argument("folder", type=Path, metavar="DIR")
    desktop = commands.add_parser("desktop", help="add to (or remove from) the desktop's "
                                  "launcher, for this user").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    desktop.add_parser("install", help="write the launcher entry and icon")
    desktop.add_parser("uninstall", help="remove them")


def describe(entry: Entry, busy: bool = False) -> dict[str, Any]:
    return {
        "id": entry.id, "state": entry.state.value, "source": entry.source,
        "created": dt.datetime.fromtimestamp(entry.created, dt.UTC).isoformat(),
        "prompt": entry.params.prompt, "seed": entry.params.seed,
        "params": entry.params.to_dict(), "images": [i.sha256 for i in entry.images],
        "credits_after": entry.credits_after, "request_id": entry.request_id,
        "api": entry.api, "cost": entry.cost, "timings": entry.timings,
        "error": entry.error, "starred": entry.starred, "live": entry.live, "kept": entry.kept,
        "saved_to": list(entry.saved_to),
        "in_progress_elsewhere": busy,
    }


def _line(entry: Entry, busy: bool = False) -> str:
    when = dt.datetime.fromtimestamp(entry.created).strftime("%Y-%m-%d %H:%M")
    request = f"  request {entry.request_id} ({entry.api})" if entry.request_id else ""
    cost = f"  ${entry.cost:g}" if entry.cost is not None else ""
    note = "  (another process is working on it)" if busy else \
        (f"  ({entry.error})" if entry.error else "")
    saved = f"  saved to {', '.join(entry.saved_to)}" if entry.saved_to else ""
    return cli_args.one_line(f"#{entry.id:<5} {entry.state.value:<10} {when}  seed "
                             f"{entry.params.seed}  {entry.params.prompt[:50]}{request}{cost}"
                             f"{note}{saved}")


def _print(entries: list[tuple[Entry, bool]], as_json: bool, empty: str) -> None:
    if as_json:
        print(json.dumps([describe(e, busy) for e, busy in entries]))
    elif entries:
        print("\n".join(_line(e, busy) for e, busy in entries))
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
    print("\n".join(cli_args.one_line(p) for p in paths))
    return 0


async def run(args: argparse.Namespace, home: Path, key: ApiKey | None,
              settings: Callable[[ApiChoice], ClientSettings],
              note: Callable[[str], None], rescue: Path | None = None) -> int:
    store = HistoryStore(home)
    # A paid result the history cannot store goes to --out (if given), else ``rescue``.
    outbox = Outbox(store, keep_in=[p for p in (getattr(args, "out", None), rescue) if p])
    try:
        if store.recovered_from is not None:
            note(f"the history database was damaged; it was moved to {store.recovered_from}"
                 " and a new one started.")
        # Every command that reads jobs first settles those whose process is gone, so
        # what it shows is true now (a job a killed CLI left is "unknown", not "sending").
        await asyncio.to_thread(outbox.recover)
        if args.command == "outbox" and args.action == "list":
            _print(await asyncio.to_thread(outbox.pending), args.json, "the outbox is empty.")
            return 0
        if args.command == "outbox":
            return await _send(outbox, args, key, settings(args.api), note)
        if args.action == "list":
            _print([(e, False) for e in store.page(0, args.limit, args.search, live=args.live)],
                   args.json,
                   "nothing matches." if args.search else "the history is empty.")
            return 0
        if args.action in ("trash", "restore", "empty-trash"):
            return _trash(store, args, note)
        if args.action == "show":
            return _show(store, args.id, args.json)
        return _export(store, args.id, args.folder, note)
    finally:
        outbox.lock.release()
        store.close()


async def _send(outbox: Outbox, args: argparse.Namespace, key: ApiKey | None,
                settings: ClientSettings, note: Callable[[str], None]) -> int:
    """Collect what the server has (free), look up what is in doubt (free), then send
    what waits. Only a named item in doubt that the history does not know is sent again,
    and only with --resend-unknown."""
    store = outbox.store
    pending = await asyncio.to_thread(outbox.pending)
    if args.ids:
        known = {e.id: (e, busy) for e, busy in pending}
        missing = [i for i in args.ids if i not in known and store.get(i) is None]
        if missing:
            raise InvalidInput(f"There is no item {', '.join(f'#{i}' for i in missing)}.",
                               "See: scribble-studio outbox list")
        items = [known.get(i) or (store.get(i), False) for i in args.ids]
    else:
        items = list(pending)
    work = [(e, busy) for e, busy in items if e is not None]
    if not work:
        note("the outbox has nothing waiting.")
        return 0
    if key is None:
        raise AuthenticationFailed("No API key is set.",
                                   "Set SEGMIND_API_KEY or store the key in the keyring.")
    worst = 0
    backend = create_backend(key, settings)
    try:
        for entry, busy in work:
            if busy:
                note(f"#{entry.id} is being worked on by another Scribble Studio process.")
                continue
            try:
                result = await _one(outbox, backend, entry, args)
            except Offline as exc:
                note(f"#{entry.id} still waits: {exc.message}")
                worst = worst or exc.exit_code
                continue
            except NotSendable as exc:
                if _taken_by_another(outbox, entry.id):  # two senders at once: not an error
                    note(f"#{entry.id} is being worked on by another Scribble Studio process.")
                    continue
                said = cli_args.cli_words(exc)
                note(f"#{entry.id}: {said.message} {said.action}")
                worst = worst or exc.exit_code
                continue
            except StudioError as exc:
                exc = cli_args.cli_words(exc)
                note(f"#{entry.id}: {exc.message} {exc.action}")
                worst = worst or exc.exit_code
                continue
            if result is not None:
                _report(store, entry.id, result, args.out, note)
    finally:
        await backend.aclose()
    return worst


def _taken_by_another(outbox: Outbox, gen_id: int) -> bool:
    """Whether another living process has the job now, or has finished it meanwhile."""
    entry = outbox.store.get(gen_id)
    if entry is None:
        return False
    if entry.state is JobState.DONE:
        return True
    return entry.owner not in (None, outbox.lock.name) and outbox.lock.alive(entry.owner)


async def _one(outbox: Outbox, backend: Backend, entry: Entry,
               args: argparse.Namespace) -> GenerationResult | None:
    if entry.state in (JobState.SUBMITTED, JobState.SUBMITTING):
        return await outbox.collect(backend, entry.id)
    if entry.state is JobState.UNKNOWN:
        try:
            return await outbox.collect(backend, entry.id)
        except NotInHistory:
            # Only when the history answered that it does not know the job: a history
            # that could not be read, or several matching requests, is no such answer.
            if not (args.ids and args.resend_unknown):
                raise
        return await outbox.send(backend, entry.id, force=True)
    if entry.state.safe_to_send:
        return await outbox.send(backend, entry.id)
    if args.ids and args.resend_unknown:
        return await outbox.send(backend, entry.id, force=True)
    raise StudioError(f"Item {entry.id} is {entry.state}; it was not sent again.",
                      "Name it with --resend-unknown to send it again.")


def _report(store: HistoryStore, gen_id: int, result: GenerationResult, out: Path | None,
            note: Callable[[str], None]) -> None:
    """Say where each collected image is: in the data folder, and in ``out`` if given."""
    entry = store.get(gen_id)
    if entry is None:
        return
    paths = [store.image_path(i.sha256) for i in entry.images]
    if out is not None:
        data = [store.read_file(i.sha256) or b"" for i in entry.images]
        try:
            paths = save_pngs(data, f"outbox-{gen_id}", entry.params.seed, out)
        except OSError as exc:
            note(f"cannot write to {out} ({exc.strerror or exc}); the images are in the "
                 "data folder.")
    cost = f", ${result.cost:g}" if result.cost is not None else ""
    count = len(entry.images)
    note(f"#{gen_id} done: {count} image{'' if count == 1 else 's'}, seed "
         f"{entry.params.seed}{cost}")
    print("\n".join(cli_args.one_line(p) for p in paths))


def _trash(store: HistoryStore, args: argparse.Namespace,
           note: Callable[[str], None]) -> int:
    """``history trash | restore ID | empty-trash``."""
    if args.action == "trash":
        items = store.trash()
        if args.json:
            print(json.dumps([{**describe(t.entry), "whole": t.whole,
                               "deleted": dt.datetime.fromtimestamp(t.deleted_at,
                                                                    dt.UTC).isoformat(),
                               "positions": [i.position for i in t.entry.images]}
                              for t in items]))
        elif items:
            for t in items:
                count = len(t.entry.images)
                what = "all" if t.whole else f"{count} image{'' if count == 1 else 's'}"
                day = dt.datetime.fromtimestamp(t.deleted_at).strftime("%Y-%m-%d")
                print(f"{_line(t.entry)}  [{what}, deleted {day}]")
        else:
            warn("the trash is empty.")
        return 0
    if args.action == "restore":
        if not any(t.entry.id == args.id for t in store.trash()):
            raise InvalidInput(f"#{args.id} is not in the trash.",
                               "See: scribble-studio history trash")
        store.restore(args.id)
        note(f"#{args.id} is back in the history.")
        return 0
    removed = store.empty_trash()
    note(f"the trash is empty: {len(removed)} file{'' if len(removed) == 1 else 's'} removed.")
    return 0


def _show(store: HistoryStore, gen_id: int, as_json: bool) -> int:
    entry = store.get(gen_id)
    if entry is None:
        raise InvalidInput(f"There is no history entry #{gen_id}.",
                           "See: scribble-studio history list")
    if as_json:
        print(json.dumps(describe(entry)))
        return 0
    lines = [_line(entry), f"parameters: {json.dumps(entry.params.to_dict())}"]
    lines += [f"image: {store.image_path(i.sha256)}" for i in entry.images]
    lines += [f"saved to: {path}" for path in entry.saved_to]
    print("\n".join(cli_args.one_line(line) for line in lines))
    return 0


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
    print("\n".join(cli_args.one_line(p) for p in written))
    return 0


def warn(message: str) -> None:
    print(f"scribble-studio: {message}", file=sys.stderr)
