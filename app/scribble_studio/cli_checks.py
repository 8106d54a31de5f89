"""The checks before paying, for ``scribble-studio generate``: the same as the app's
Generate (``domain.scribble_checks`` and the history's repeat lookup), skipped with
``--no-checks``. A problem stops the job with exit code 2 and the reason; ``--dry-run``
lists the problems with its estimate."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from PIL import Image

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble_checks import (
    SAME_AS_JOB,
    SketchCheckFailed,
    SketchProblem,
    check_sketch,
    same_as_result,
)
from scribble_studio.services.history import HistoryStore, sha256


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-checks", action="store_true",
                        help="send without the checks before paying (almost nothing drawn, "
                             "mostly ink, lines too thin for the model, or the same job as "
                             "a result already in the history)")


def problems(image: Image.Image, scribble_png: bytes, params: GenerationParams,
             store: HistoryStore) -> list[SketchProblem]:
    """What the app's Generate would name: a repeat first (a random seed, drawn later,
    never repeats a result), then the sketch's own problems."""
    found = check_sketch(image)
    if params.seed is not None:
        same = store.same_result(sha256(scribble_png), params)
        if same is not None:
            found.insert(0, same_as_result(same.id, same.state))
    return found


def refusal(found: list[SketchProblem]) -> SketchCheckFailed:
    """The error that stops the job (exit 2): every reason, and how to go on."""
    action = "Nothing was sent. To send it as it is, add --no-checks."
    repeat = next((p for p in found if p.result_id is not None), None)
    if repeat is not None and repeat.code == SAME_AS_JOB:
        action = (f"Nothing was sent. Collect it with: scribble-studio outbox send, then "
                  f"scribble-studio history export {repeat.result_id} DIR; or pay for it "
                  f"again with --no-checks.")
    elif repeat is not None:
        action = (f"Nothing was sent. Get that result with: scribble-studio history export "
                  f"{repeat.result_id} DIR; or pay for it again with --no-checks.")
    return SketchCheckFailed(found, action)


def as_json(found: list[SketchProblem]) -> list[dict[str, Any]]:
    return [{"code": p.code, "message": p.message,
             **({"result_id": p.result_id} if p.result_id is not None else {})}
            for p in found]


def dry_run_report(report: dict[str, Any], found: list[SketchProblem]) -> dict[str, Any]:
    """The dry run's report with the checks' problems (``checks``; with any, also the
    ``error`` and ``exit_code`` the real run would give)."""
    report = {**report, "checks": as_json(found)}
    if found:
        error = refusal(found)
        report.update(error=error.message, action=error.action, exit_code=error.exit_code)
    return report


def dry_run_refused(output: dict[str, Any]) -> int:
    """After a dry run's report is printed: its problems on stderr, as the real run
    would state them, and the real run's exit code."""
    print(f"scribble-studio: {output['error']} {output['action']}", file=sys.stderr)
    return int(output["exit_code"])
