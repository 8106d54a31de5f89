"""``scribble-studio models``, ``spend`` and ``budget``: the models this build offers,
what the jobs cost, and the budget the app and the CLI enforce. Like cli.py, no Qt."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from scribble_studio import cli_args
from scribble_studio.domain.errors import InvalidInput
from scribble_studio.domain.models import ModelCatalog, ModelSpec
from scribble_studio.services.budget import Budget, limits_from, money
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.ledger import Ledger, day_start
from scribble_studio.services.settings_store import SettingsStore


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text[:40]!r}") from None


def _dollars(text: str) -> float | None:
    if text.strip().lower() in ("none", "off", ""):
        return None
    try:
        value = float(text.strip().lstrip("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an amount of dollars: {text[:40]!r}") from None
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("must be between 0 and 1000000 (or 'off')")
    return value


def add_commands(commands: Any) -> None:
    models = commands.add_parser("models", help="the models, their fields, ranges and prices")
    models.add_argument("--json", action="store_true")
    spend = commands.add_parser("spend", help="what the jobs cost: totals by day and model, "
                                "billed failures, or the whole ledger as CSV")
    spend.add_argument("--since", type=_date, metavar="DATE", help="from this day (YYYY-MM-DD)")
    spend.add_argument("--json", action="store_true")
    spend.add_argument("--csv", type=Path, metavar="FILE",
                       help="write the ledger (date, id, request id, model, samples, steps, "
                            "cost, state, balance after) to FILE")
    budget = commands.add_parser("budget", help="show or set the budget (dollars; 'off' for "
                                 "no limit)")
    budget.add_argument("--day", type=_dollars, default=argparse.SUPPRESS, metavar="X",
                        help="the most to spend in a day")
    budget.add_argument("--month", type=_dollars, default=argparse.SUPPRESS, metavar="Y",
                        help="the most to spend in a calendar month")
    budget.add_argument("--ask-above", type=_dollars, default=argparse.SUPPRESS, metavar="Z",
                        help="a job estimated above this is not sent without --over-budget")
    budget.add_argument("--json", action="store_true")


limits_of = limits_from


def field_help(models: ModelCatalog, name: str) -> str:
    """Each model's range and default of one field, for the CLI help."""
    parts = []
    for spec in models:
        field = spec.field(name)
        parts.append(f"{spec.id}: {field.low:g}-{field.high:g}, default {field.default:g}")
    return "; ".join(parts)


def _model_lines(spec: ModelSpec, default: bool) -> list[str]:
    fixed = ", ".join(f"{k}={v}" for k, v in spec.fixed.items())
    lines = [f"{spec.id}{' (default)' if default else ''}: {spec.title}",
             f"  slug {spec.slug}{f' with {fixed}' if fixed else ''}; about "
             f"{money(spec.price_hint)} an image at {spec.field('steps').default:g} steps and "
             f"{spec.usual_seconds:g} s a call ({spec.source})"]
    for field in spec.fields:
        lines.append(f"  --{field.name:<9} {field.low:g}-{field.high:g} (default "
                     f"{field.default:g}; sent as {field.wire}){' priced' if field.priced else ''}")
    lines.append(f"  --scheduler  {', '.join(spec.schedulers)} (default {spec.default_scheduler})")
    return lines


def models_command(args: argparse.Namespace, models: ModelCatalog) -> int:
    if args.json:
        print(json.dumps([spec.describe() for spec in models]))
    else:
        for n, spec in enumerate(models):
            print("\n".join(_model_lines(spec, n == 0)))
    return 0


def spend_command(args: argparse.Namespace, home: Path, models: ModelCatalog) -> int:
    store = HistoryStore(home)
    try:
        ledger = Ledger(store)
        since = day_start(args.since) if args.since is not None else None
        if args.csv is not None:
            try:
                count = ledger.export_csv(args.csv, since)
            except OSError as exc:
                raise InvalidInput(f"Cannot write {cli_args.one_line(args.csv)} "
                                   f"({exc.strerror or exc}).",
                                   "Choose another file or folder.") from None
            print(f"{count} jobs written to {cli_args.one_line(args.csv)}")
            return 0
        totals = ledger.totals(since)
        failures = ledger.billed_failures(since)
        if args.json:
            print(json.dumps({
                "totals": [dataclasses.asdict(t) for t in totals],
                "total": round(sum(t.cost for t in totals), 6),
                "billed_failures": [dataclasses.asdict(r) for r in failures]}))
            return 0
        if not totals:
            print("Nothing was spent" + (f" since {args.since}." if args.since else "."))
        for total in totals:
            title = models.find(total.model)
            name = title.id if title is not None else total.model
            note = " (partly estimated from the balance)" if total.estimated else ""
            print(f"{total.day}  {name:<14} {total.jobs:>5} jobs  {money(total.cost):>9}{note}")
        if totals:
            print(f"total: {money(sum(t.cost for t in totals))}")
        for row in failures:
            print(f"billed failure: #{row.id} on {row.date} ({row.model}, request "
                  f"{row.request_id or 'unknown'}) cost {money(row.cost or 0.0)}: claim a "
                  "refund from Segmind with its request id")
        return 0
    finally:
        store.close()


def budget_command(args: argparse.Namespace, home: Path, models: ModelCatalog) -> int:
    settings_store = SettingsStore(home)
    settings = settings_store.load()
    changes = {name: getattr(args, arg) for arg, name in (
        ("day", "budget_day"), ("month", "budget_month"), ("ask_above", "budget_ask_above"))
        if hasattr(args, arg)}
    if changes:
        settings = dataclasses.replace(settings, **changes)
        settings_store.save(settings)
    store = HistoryStore(home)
    try:
        state = Budget(Ledger(store), models, lambda: limits_of(settings)).state()
    finally:
        store.close()
    limits = limits_of(settings)
    if args.json:
        print(json.dumps({"day": limits.day, "month": limits.month,
                          "ask_above": limits.ask_above, **dataclasses.asdict(state)}))
        return 0

    def shown(limit: float | None, spent: float, left: float | None) -> str:
        if limit is None:
            return f"no limit (spent {money(spent)})"
        return f"{money(limit)} (spent {money(spent)}, {money(max(left or 0.0, 0.0))} left)"

    print(f"day:       {shown(limits.day, state.spent_today, state.left_today)}")
    print(f"month:     {shown(limits.month, state.spent_month, state.left_month)}")
    print("ask above: " + ("never" if limits.ask_above is None else money(limits.ask_above)))
    return 0
