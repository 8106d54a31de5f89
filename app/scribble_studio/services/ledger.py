"""The ledger: what each job cost, read from and written to the history's table.

A job's cost is the server's word (``x-cost``, ``metrics.cost``) when it gave one; else,
where the balance before and after the job are both known, their difference, marked as
an estimate. A failed job whose balance dropped is a billed failure (flagged, so that the
user can claim a refund). Totals by day and model, the CSV export and the figures of the
status bar are single queries over the table's indexed columns."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scribble_studio.domain.job_state import JobState
from scribble_studio.services.atomic_files import atomic_write

if TYPE_CHECKING:
    from scribble_studio.services.history import HistoryStore

# A balance that moved by less than this is taken as unchanged (float noise).
EPSILON: Final = 1e-6
CSV_COLUMNS: Final = ("date", "id", "request_id", "model", "samples", "steps", "cost",
                      "cost_estimated", "state", "balance_after", "billed_failure")
_BILLABLE: Final = (JobState.DONE.value, JobState.FAILED.value)
# Jobs that may be billed and are not settled: the budget counts them at their estimate.
IN_FLIGHT: Final = (JobState.SUBMITTING.value, JobState.SUBMITTED.value,
                    JobState.UNKNOWN.value)


@dataclasses.dataclass(frozen=True, slots=True)
class InFlight:
    id: int
    model: str
    steps: int
    samples: int


@dataclasses.dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    created: float
    request_id: str | None
    model: str
    samples: int | None
    steps: int | None
    cost: float | None
    cost_estimated: bool
    state: str
    balance_after: float | None
    billed_failure: bool

    @property
    def date(self) -> str:
        return dt.datetime.fromtimestamp(self.created).date().isoformat()

    def csv_row(self) -> list[Any]:
        return [dt.datetime.fromtimestamp(self.created).isoformat(timespec="seconds"), self.id,
                self.request_id or "", self.model, self.samples, self.steps,
                "" if self.cost is None else f"{self.cost:.6f}".rstrip("0").rstrip("."),
                int(self.cost_estimated), self.state,
                "" if self.balance_after is None else f"{self.balance_after:g}",
                int(self.billed_failure)]


@dataclasses.dataclass(frozen=True, slots=True)
class SpendTotal:
    day: str
    model: str
    jobs: int
    cost: float
    estimated: bool   # some of the cost is worked out from balances


def day_start(day: dt.date) -> float:
    """Local midnight of ``day``, epoch seconds."""
    return dt.datetime.combine(day, dt.time()).timestamp()


def today_start(now: float | None = None) -> float:
    return day_start(dt.datetime.fromtimestamp(time.time() if now is None else now).date())


def month_start(now: float | None = None) -> float:
    today = dt.datetime.fromtimestamp(time.time() if now is None else now).date()
    return day_start(today.replace(day=1))


class Ledger:
    """Money facts of one history. Thread-safe as the store is; call it on a worker."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    # -- writing (the outbox, around a send) -----------------------------------------
    def note_balance_before(self, gen_id: int, balance: float | None) -> None:
        self.store.write("UPDATE generations SET credits_before=? WHERE id=?",
                         (balance, gen_id))

    def last_balance(self) -> float | None:
        """The balance after the newest job that reported one."""
        rows = self.store.read("SELECT credits_after FROM generations WHERE credits_after IS"
                               " NOT NULL ORDER BY id DESC LIMIT 1")
        return float(rows[0][0]) if rows else None

    def settle(self, gen_id: int, cost: float | None, balance_after: float | None,
               failed: bool = False) -> LedgerRow | None:
        """Record what the job cost once it is done or failed: the server's ``cost``, or
        else the drop of the balance (an estimate); a failed job is flagged as billed
        when its balance dropped (a server that reports a zero cost is believed)."""
        rows = self.store.read("SELECT credits_before FROM generations WHERE id=?", (gen_id,))
        before = rows[0][0] if rows else None
        drop = before - balance_after if before is not None and balance_after is not None \
            else None
        estimated = False
        if cost is None and drop is not None:
            cost, estimated = max(drop, 0.0), True
        billed_failure = failed and (cost or 0.0) > EPSILON
        self.store.write(
            "UPDATE generations SET cost=COALESCE(?, cost), cost_estimated=?, billed_failure=?,"
            " credits_after=COALESCE(?, credits_after) WHERE id=?",
            (round(cost, 6) if cost is not None else None, int(estimated), int(billed_failure),
             balance_after, gen_id))
        return self.row(gen_id)

    # -- reading ----------------------------------------------------------------------
    _COLUMNS: Final = ("id, created, request_id, model, samples, steps, cost, cost_estimated,"
                       " state, credits_after, billed_failure")

    @staticmethod
    def _row(row: Any) -> LedgerRow:
        return LedgerRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]),
                         row[8], row[9], bool(row[10]))

    def row(self, gen_id: int) -> LedgerRow | None:
        rows = self.store.read(f"SELECT {self._COLUMNS} FROM generations WHERE id=?",
                               (gen_id,))
        return self._row(rows[0]) if rows else None

    def rows(self, since: float | None = None) -> list[LedgerRow]:
        """Every job that may have been billed (done or failed), oldest first."""
        rows = self.store.read(
            f"SELECT {self._COLUMNS} FROM generations WHERE state IN (?, ?) AND created >= ?"
            " ORDER BY created, id", (*_BILLABLE, since if since is not None else 0.0))
        return [self._row(r) for r in rows]

    def totals(self, since: float | None = None) -> list[SpendTotal]:
        """Spend by local day and model, oldest day first."""
        rows = self.store.read(
            "SELECT date(created, 'unixepoch', 'localtime') AS day, model, COUNT(*),"
            " COALESCE(SUM(cost), 0), MAX(cost_estimated) FROM generations"
            " WHERE state IN (?, ?) AND created >= ? AND cost IS NOT NULL"
            " GROUP BY day, model ORDER BY day, model",
            (*_BILLABLE, since if since is not None else 0.0))
        return [SpendTotal(r[0], r[1], r[2], float(r[3]), bool(r[4])) for r in rows]

    def billed_failures(self, since: float | None = None) -> list[LedgerRow]:
        rows = self.store.read(
            f"SELECT {self._COLUMNS} FROM generations WHERE billed_failure=1 AND created >= ?"
            " ORDER BY created, id", (since if since is not None else 0.0,))
        return [self._row(r) for r in rows]

    def spent_since(self, since: float) -> float:
        """What the jobs done or failed since ``since`` cost (billed: the figures shown)."""
        rows = self.store.read("SELECT COALESCE(SUM(cost), 0) FROM generations WHERE created"
                               " >= ? AND state IN (?, ?)", (since, *_BILLABLE))
        return float(rows[0][0])

    def in_flight_since(self, since: float, but: int | None = None) -> list[InFlight]:
        """The jobs since ``since`` that may be billed but are not settled yet (being
        sent, at the server, in doubt), except job ``but``: the budget counts them at
        their estimate, so two jobs cannot both pass a budget with room for one."""
        rows = self.store.read(
            f"SELECT id, model, steps, samples FROM generations WHERE created >= ? AND state"
            f" IN ({','.join('?' * len(IN_FLIGHT))}) AND id IS NOT ?",
            (since, *IN_FLIGHT, but))
        return [InFlight(r[0], r[1], r[2] or 0, r[3] or 1) for r in rows]

    def costs_of(self, model: str, steps: int, samples: int, last: int = 20) -> list[float]:
        """What the last done jobs of this model, steps and samples cost (the server's
        word or an estimate from balances), newest first."""
        rows = self.store.read(
            "SELECT cost FROM generations WHERE model=? AND steps=? AND samples=? AND state=?"
            " AND cost IS NOT NULL ORDER BY created DESC LIMIT ?",
            (model, steps, samples, JobState.DONE.value, last))
        return [float(r[0]) for r in rows]

    # -- export -----------------------------------------------------------------------
    def csv_text(self, since: float | None = None) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(row.csv_row() for row in self.rows(since))
        return buffer.getvalue()

    def export_csv(self, path: Path, since: float | None = None) -> int:
        """Write the ledger to ``path`` (atomically); returns the number of jobs."""
        text = self.csv_text(since)
        atomic_write(path, text.encode("utf-8"))
        return text.count("\n") - 1
