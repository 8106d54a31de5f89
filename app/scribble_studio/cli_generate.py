"""``scribble-studio generate``: its options, the job from them, the checks and the dry
run before paying, sending through the outbox, and saving (and printing) the images."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scribble_studio import cli_args, cli_checks, cli_money
from scribble_studio.cli_args import PROG
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    InvalidInput,
    InvalidParameters,
    Offline,
    StudioError,
)
from scribble_studio.domain.models import NUMERIC_FIELDS, ModelCatalog
from scribble_studio.domain.params import SEED_MAX, GenerationParams
from scribble_studio.domain.scribble import UploadEncoding, decode_image, export_scribble
from scribble_studio.services.backends import create_backend
from scribble_studio.services.budget import Budget
from scribble_studio.services.config import (
    ApiChoice,
    ApiKey,
    data_dir,
    rescue_dir,
    settings_from_env,
)
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.ledger import Ledger
from scribble_studio.services.outbox import Outbox
from scribble_studio.services.result_files import save_pngs
from scribble_studio.services.settings_store import SettingsStore
from scribble_studio.services.sketch_files import read_picture_file


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 86400 seconds")
    return value


def _seed(text: str) -> int | None:
    if text.strip().lower() in ("random", "-1"):
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number or 'random': {text!r}") from None


def add_parser(commands: Any, models: ModelCatalog) -> None:
    """The ``generate`` subcommand and its options (one per numeric field of the
    model specs)."""
    schedulers = sorted({s for spec in models for s in spec.schedulers},
                        key=models.default.schedulers.index)
    gen = commands.add_parser("generate", help="send a sketch and save the images")
    gen.add_argument("sketch", type=Path, metavar="SKETCH", help="image file of the scribble")
    gen.add_argument("-p", "--prompt", default=None, type=cli_args.text,
                     help="what the picture shows (required unless --reuse)")
    gen.add_argument("--negative-prompt", default=None, type=cli_args.text)
    gen.add_argument("--model", choices=models.ids, default=None, metavar="ID",
                     help=f"one of: {', '.join(models.ids)} (default: {models.default.id}, "
                          "or the reused job's); see 'scribble-studio models'")
    gen.add_argument("--scheduler", default=None, choices=schedulers, metavar="S",
                     help="one of: " + ", ".join(schedulers) + " (default: the model's)")
    for field in models.default.fields:  # each numeric field of the spec is an option
        priced = any(spec.field(field.name).priced for spec in models)
        labels = dict.fromkeys(spec.field(field.name).label for spec in models)
        named = "" if list(labels) == [field.name.capitalize()] else " / ".join(labels) + " — "
        gen.add_argument("--" + field.name.replace("_", "-"), type=field.kind, default=None,
                         help=named + cli_money.field_help(models, field.name)
                         + (" (priced)" if priced else ""))
    gen.add_argument("--reuse", type=cli_args.history_id, default=None, metavar="ID",
                     help="start from the parameters of history item ID (its model, seed "
                          "and all); the options given here change them")
    gen.add_argument("--dry-run", action="store_true",
                     help="print what the job would cost and whether the budget allows it; "
                          "send nothing")
    gen.add_argument("--over-budget", action="store_true",
                     help="send even if the estimate passes the budget (this job only)")
    cli_checks.add_option(gen)
    gen.add_argument("--seed", type=_seed, default=None,
                     help=f"0-{SEED_MAX} or 'random' (default: random, drawn here)")
    gen.add_argument("--invert", action="store_true",
                     help="send white strokes on black (the model's training polarity)")
    gen.add_argument("--upload-encoding", type=UploadEncoding, default=UploadEncoding.GRAY,
                     choices=list(UploadEncoding), help="gray (compact, default) or rgb")
    gen.add_argument("--out", type=Path, default=Path("."), help="folder for the results")
    gen.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    gen.add_argument("--wait", type=_seconds, default=600.0, metavar="SECONDS",
                     help="how long to wait for the result (default 600); a job still at "
                          "Segmind then is kept and collected later by 'outbox send'")
    add_api_option(gen)



def add_api_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", type=ApiChoice, default=ApiChoice.AUTO, choices=list(ApiChoice),
                        help="Segmind's v2 job API with v1 where a model is not served on v2 "
                             "(auto, the default), or only one of them")


class StoredInOutbox(Offline):
    """Could not reach the API: the job is kept in the outbox (nothing was sent)."""

    def __init__(self, message: str, gen_id: int, state: str = "waiting") -> None:
        super().__init__(f"{message} The job is saved in the outbox as #{gen_id}.",
                         "Send it later with: scribble-studio outbox send")
        self.gen_id = gen_id
        self.state = state


class LeftAtServer(StudioError):
    """The job is at the server (or may be), and its result is not here yet: it is
    kept, collected later, never paid for again. The exit code is the cause's."""

    def __init__(self, error: StudioError, gen_id: int, state: str) -> None:
        action = ("Look it up again later with: scribble-studio outbox send; send it again "
                  f"only if it never ran: scribble-studio outbox send {gen_id} --resend-unknown"
                  if state == "unknown" else
                  "Collect it later with: scribble-studio outbox send")
        super().__init__(f"{error.message} It is kept as #{gen_id} ({state}).", action)
        self.exit_code = error.exit_code
        self.gen_id = gen_id
        self.state = state
        self.kept: tuple[str, ...] = getattr(error, "kept", ())  # paid images written


def note_retry(attempt: int, error: StudioError) -> None:
    print(f"{PROG}: {error.message} Trying again (attempt {attempt}).", file=sys.stderr)


def _save(pngs: list[bytes], stem: str, seed: int | None, out: Path,
          rescue: Path) -> list[Path]:
    """Save into ``out``; if that fails, the paid-for images go to the rescue folder
    (they are in the history in any case)."""
    try:
        return save_pngs(pngs, stem, seed, out)
    except OSError as exc:
        print(f"{PROG}: cannot write to {out} ({exc.strerror or exc}); "
              f"saving to {rescue} instead.", file=sys.stderr)
    try:
        return save_pngs(pngs, stem, seed, rescue)
    except OSError as exc:
        raise InvalidInput(f"Cannot save the images anywhere ({exc.strerror or exc}).",
                           "Free some disk space or choose another --out folder.") from None


_OPTIONS = ("prompt", "negative_prompt", "scheduler", *NUMERIC_FIELDS)


def _params(args: argparse.Namespace, models: ModelCatalog,
            store: HistoryStore) -> GenerationParams:
    """The job from the options: the model's defaults (or the reused job's parameters,
    model and seed included), with every option given on top."""
    if args.reuse is not None:
        entry = store.get(args.reuse)
        if entry is None:
            raise InvalidInput(f"History item {args.reuse} does not exist.",
                               "See the items with: scribble-studio history list")
        base = entry.params
        spec = models.find(args.model or base.model) or models.default
        base = base.switched_to(spec) if spec.id != base.model else base
    else:
        if args.prompt is None:
            raise InvalidInput("A prompt is needed (-p TEXT), or --reuse ID.")
        spec = models.get(args.model) if args.model else models.default
        base = GenerationParams.for_model(spec, "")
    given = {name: getattr(args, name) for name in _OPTIONS if getattr(args, name) is not None}
    if args.seed is not None or args.reuse is None:
        given["seed"] = args.seed
    params = dataclasses.replace(base, **given)
    problems = params.validate(spec)
    if problems:
        raise InvalidParameters(problems, model=spec.id)
    return params


def _dry_run(params: GenerationParams, budget: Budget) -> dict[str, Any]:
    estimate = budget.estimate(params)
    state = budget.state()
    try:
        budget.check(params)
        verdict = None
    except StudioError as exc:
        verdict = exc.message
    basis = (f"median of {estimate.from_history} such jobs here" if estimate.from_history
             else "the model's price hint")
    return {"dry_run": True, "model": params.model, "samples": params.samples,
            "steps": params.steps, "estimate": round(estimate.cost, 6),
            "estimate_text": estimate.text(), "basis": basis,
            "budget_left": state.left, "over_budget": verdict}


async def _generate(args: argparse.Namespace, key: ApiKey | None,
                    environ: Mapping[str, str], models: ModelCatalog) -> dict[str, Any]:
    home = data_dir(environ)
    limits = cli_money.limits_of(SettingsStore(home).load())
    store = HistoryStore(home)
    budget = Budget(Ledger(store), models, lambda: limits)
    try:
        params = _params(args, models, store)
        image = decode_image(read_picture_file(args.sketch))
        scribble = export_scribble(image, invert=args.invert, encoding=args.upload_encoding)
    except BaseException:
        store.close()
        raise
    if not scribble.has_ink:  # as the app's Generate, which is disabled on a blank canvas
        store.close()
        raise InvalidInput(f"{cli_args.one_line(args.sketch)} has no ink once thresholded: "
                           "there is nothing for the model to follow; nothing was sent.",
                           "Draw darker or thicker lines (a pixel is ink below 127).")
    try:
        found = [] if args.no_checks else await asyncio.to_thread(
            cli_checks.problems, image, scribble.png, params, store)
        report = await asyncio.to_thread(_dry_run, params, budget) if args.dry_run else None
    except BaseException:
        store.close()
        raise
    if report is not None or found:
        store.close()
    if report is not None:
        return cli_checks.dry_run_report(report, found)
    if found:
        raise cli_checks.refusal(found)
    params = params.with_seed_drawn(random.SystemRandom())
    settings = settings_from_env(environ, args.api_base, args.api)
    if key is None:
        store.close()
        raise AuthenticationFailed("No API key is set.",
                                   "Set SEGMIND_API_KEY or store the key in the keyring.")
    # A paid result the history cannot store goes to --out, else the rescue folder.
    outbox = Outbox(store, budget=budget, keep_in=(args.out, rescue_dir(environ)))
    try:
        # Refused before it is even recorded: nothing is left behind (the outbox checks
        # again as it sends, as it does for every item).
        await asyncio.to_thread(budget.check, params, override=args.over_budget)
        await asyncio.to_thread(outbox.recover)
        gen_id = await outbox.record(params, scribble, "cli")
        backend = create_backend(key, settings, on_retry=note_retry,
                                 follow_deadline=args.wait, models=models)
        try:
            result = await outbox.send(backend, gen_id, over_budget=args.over_budget)
        except Offline as exc:
            raise StoredInOutbox(exc.message, gen_id) from None
        except StudioError as exc:
            try:
                entry = store.get(gen_id)
            except StudioError:  # (the history cannot even be read: the cause says why)
                raise exc from None
            if entry is None or not entry.state.at_server:
                raise
            raise LeftAtServer(exc, gen_id, entry.state.value) from None
        finally:
            await backend.aclose()
        entry = store.get(gen_id)
        assert entry is not None
        pngs = [store.read_file(image.sha256) or b"" for image in entry.images]
        money = outbox.ledger.row(gen_id)
    finally:
        outbox.lock.release()
        store.close()
    paths = _save(pngs, args.sketch.stem, params.seed, args.out, rescue_dir(environ))
    if result.missing:
        print(f"{PROG}: only {len(result.images)} of {params.samples} images arrived.",
              file=sys.stderr)
    return {
        "images": [str(p) for p in paths],
        "seed": params.seed,
        "credits": result.credits,
        "request_id": result.request_id,
        "history_id": gen_id,
        "api": result.api,
        "model": params.model,
        "cost": money.cost if money is not None else result.cost,
        "cost_estimated": money.cost_estimated if money is not None else False,
    }


def run(args: argparse.Namespace, key: ApiKey | None, environ: Mapping[str, str],
        models: ModelCatalog) -> int:
    """Run ``generate`` and print its outcome; returns the exit code."""
    output = asyncio.run(_generate(args, key, environ, models))
    if args.json:
        print(json.dumps(output))
    elif output.get("dry_run"):
        print(f"{output['estimate_text']} with {output['model']}, "
              f"{output['steps']} steps ({output['basis']}); nothing was sent.")
        if output["over_budget"]:
            print(output["over_budget"].replace("nothing was sent.", "it would not "
                  "be sent without --over-budget."))
    else:
        print("\n".join(cli_args.one_line(p) for p in output["images"]))
        credits = output["credits"]
        left = "unknown" if credits is None else f"{credits:g}"
        cost = "unknown" if output["cost"] is None else \
            f"{output['cost']:g}" + (" (estimated)" if output["cost_estimated"] else "")
        print(f"seed {output['seed']}, cost: {cost}, credits left: {left}",
              file=sys.stderr)
    if output.get("checks"):  # the dry run's answer to "would it be sent?": no
        return cli_checks.dry_run_refused(output)
    return 0
