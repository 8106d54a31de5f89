"""The headless front end: ``scribble-studio generate`` and ``scribble-studio credits``.

Exit codes: 0 done; 2 bad input; 3 authentication (or a model not allowed); 4 not enough
credits, or over the budget (nothing sent); 5 any other API error; 6 bad response; 75
offline, timed out, or at the server but not collected yet. Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from scribble_studio import __version__, cli_args, cli_checks, cli_generate, cli_money, cli_store
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    ResultNotStored,
    StudioError,
)
from scribble_studio.domain.models import (
    ModelCatalog,
    RetiredModel,
    builtin_catalog,
)
from scribble_studio.domain.scribble_checks import SketchCheckFailed
from scribble_studio.services.backends import create_backend
from scribble_studio.services.config import (
    ApiKey,
    data_dir,
    rescue_dir,
    settings_from_env,
)
from scribble_studio.services.logs import configure_logging
from scribble_studio.services.secrets import KeyringModule, SecretStore, system_keyring

log = logging.getLogger("scribble_studio.cli")
PROG = cli_args.PROG


def build_parser(models: ModelCatalog | None = None) -> argparse.ArgumentParser:
    models = models or builtin_catalog()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Sketch a scribble, get images from Segmind's ControlNet Scribble model.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--api-base", help="API base URL (default: SCRIBBLE_STUDIO_API_BASE "
                        "or https://api.segmind.com/v1)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    cli_generate.add_parser(commands, models)
    commands.add_parser("credits", help="print the remaining credits")
    cli_store.add_commands(commands)
    cli_money.add_commands(commands)
    return parser


def _with_model(argv: Sequence[str], model_id: str) -> str:
    """The command line again, with ``--model`` set to ``model_id``."""
    words, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word == "--model":
            skip = True
        elif not word.startswith("--model="):
            words.append(word)
    return shlex.join([PROG, *words, "--model", model_id])


async def _credits(args: argparse.Namespace, key: ApiKey | None,
                   environ: Mapping[str, str]) -> dict[str, Any]:
    settings = settings_from_env(environ, args.api_base)
    if key is None:
        raise AuthenticationFailed("No API key is set.",
                                   "Set SEGMIND_API_KEY or store the key in the keyring.")
    backend = create_backend(key, settings, on_retry=cli_generate.note_retry)
    try:
        balance = await backend.credits()
    finally:
        await backend.aclose()
    return {"credits": balance.credits, "free_credits": balance.free_credits}


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    keyring: KeyringModule | None = None,
    models: ModelCatalog | None = None,
) -> int:
    """Run the CLI; returns the exit code. ``models`` is the built-in catalog unless
    given (a test passes specs of its own)."""
    env = os.environ if environ is None else environ
    # The composition root: the specs are passed on from here.
    models = models if models is not None else builtin_catalog()
    parser = build_parser(models)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    key: ApiKey | None = None
    try:
        secrets = SecretStore(data_dir(env), keyring or system_keyring(), env)
        key = secrets.load()
        redact = key.redact if key is not None else (lambda text: text)
        configure_logging(data_dir(env), redact)
        if args.command == "generate":
            return cli_generate.run(args, key, env, models)
        elif args.command == "models":
            return cli_money.models_command(args, models)
        elif args.command == "spend":
            return cli_money.spend_command(args, data_dir(env), models)
        elif args.command == "budget":
            return cli_money.budget_command(args, data_dir(env), models)
        elif args.command == "credits":
            output = asyncio.run(_credits(args, key, env))
            print(f"{output['credits']:g}")
        elif args.command == "desktop":
            return cli_store.desktop(args.action)
        else:
            return asyncio.run(cli_store.run(
                args, data_dir(env), key, lambda api: settings_from_env(env, args.api_base, api),
                cli_store.warn, rescue_dir(env)))
        return 0
    except StudioError as exc:
        exc = cli_args.cli_words(exc)  # options and variables, not fields and Settings
        if isinstance(exc, RetiredModel) and exc.alternative is not None:
            words = list(sys.argv[1:] if argv is None else argv)
            exc.action = f"Use {exc.alternative_title} instead: " \
                         f"{_with_model(words, exc.alternative)}"
        text = f"{PROG}: {exc.message} {exc.action}"
        print(key.redact(text) if key is not None else text, file=sys.stderr)
        if getattr(args, "json", False):  # scripts get one JSON object, failure or not
            failure: dict[str, Any] = {"error": exc.message, "action": exc.action,
                                       "kind": exc.kind, "exit_code": exc.exit_code}
            if isinstance(exc, cli_generate.StoredInOutbox | cli_generate.LeftAtServer):
                failure.update(outbox_id=exc.gen_id, state=exc.state)
            if isinstance(exc, SketchCheckFailed):
                failure.update(checks=cli_checks.as_json(exc.problems))
            if isinstance(exc, cli_generate.LeftAtServer | ResultNotStored) and exc.kept:
                failure["kept"] = list(exc.kept)  # the paid images, where they were written
            document = json.dumps(failure)
            print(key.redact(document) if key is not None else document)
        log.warning("%s: %s", exc.kind, exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted.", file=sys.stderr)
        return 130
