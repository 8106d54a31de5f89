"""What a job will cost before it is sent, and the budget the app enforces on the user's
side: a limit per local day and per calendar month, and an amount above which one job
needs the user's word.

The estimate of a job is its model's price hint (one image at the default steps, scaled
by samples and steps: both are priced) refined by this history: when jobs of the same
model, steps and samples have been billed here, their median cost is the estimate. The
guard sits in :meth:`Outbox.send`, the one place every send passes: the CLI, the app,
the outbox sent later, live and batch work all go through it."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable

from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.models import ModelCatalog
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.ledger import Ledger, month_start, today_start
from scribble_studio.services.settings_store import AppSettings


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    day: float | None = None
    month: float | None = None
    ask_above: float | None = None


def limits_from(settings: AppSettings) -> Limits:
    return Limits(settings.budget_day, settings.budget_month, settings.budget_ask_above)


@dataclasses.dataclass(frozen=True, slots=True)
class Estimate:
    cost: float
    samples: int
    from_history: int   # how many billed jobs like it the median is of (0: the price hint)

    def text(self) -> str:
        """e.g. "≈ $0.012 (4 images)"."""
        images = f"{self.samples} image{'s' if self.samples != 1 else ''}"
        return f"≈ {money(self.cost)} ({images})"


def money(amount: float) -> str:
    """Dollars as a person reads them: $0.012, $1.25, $12."""
    if amount >= 1 and abs(amount - round(amount)) < 1e-9:
        return f"${amount:,.0f}"
    if abs(amount * 100 - round(amount * 100)) < 1e-6:
        return f"${amount:,.2f}"
    return f"${amount:,.4f}".rstrip("0")


class OverBudget(StudioError):
    """A job whose estimate would pass a limit: not sent (exit 4, as credits)."""

    exit_code = 4
    default_action = "Send it anyway with --over-budget, or change the budget: " \
                     "scribble-studio budget --day X --month Y."

    def __init__(self, message: str, left: float | None, estimate: Estimate,
                 action: str | None = None) -> None:
        super().__init__(message, action)
        self.left = left
        self.estimate = estimate


@dataclasses.dataclass(frozen=True, slots=True)
class BudgetState:
    spent_today: float
    spent_month: float
    left_today: float | None
    left_month: float | None
    # The estimate of the jobs sent and not settled yet: counted in what is left, not in
    # what was spent (spent stays what was billed).
    in_flight_today: float = 0.0
    in_flight_month: float = 0.0

    @property
    def left(self) -> float | None:
        lefts = [x for x in (self.left_today, self.left_month) if x is not None]
        return min(lefts) if lefts else None


@dataclasses.dataclass(frozen=True, slots=True)
class Figures:
    """What the Generate button and the status bar show."""

    estimate: Estimate
    spent_today: float
    left: float | None       # of the budget (the tighter of day and month), None: no limit
    balance: float | None    # the last balance this history knows


class Budget:
    """Estimates and the guard over one history's ledger. ``limits`` is read at each
    check (the settings may change while the app runs)."""

    def __init__(self, ledger: Ledger, models: ModelCatalog,
                 limits: Callable[[], Limits] = Limits,
                 clock: Callable[[], float] = time.time) -> None:
        self.ledger = ledger
        self.models = models
        self._limits = limits
        self._clock = clock

    @property
    def limits(self) -> Limits:
        return self._limits()

    def hint(self, params: GenerationParams) -> float:
        """The spec's price for these samples and steps."""
        return self._hint(params.model, params.steps, params.samples)

    def _hint(self, model: str, steps: int, samples: int) -> float:
        spec = self.models.find(model) or self.models.default
        default_steps = spec.field("steps").default or 1
        return spec.price_hint * samples * (steps or default_steps) / default_steps

    def estimate(self, params: GenerationParams) -> Estimate:
        return self._estimate(params.model, params.steps, params.samples)

    def _estimate(self, model: str, steps: int, samples: int) -> Estimate:
        costs = self.ledger.costs_of(model, steps, samples)
        if costs:
            return Estimate(statistics.median(costs), samples, len(costs))
        return Estimate(self._hint(model, steps, samples), samples, 0)

    def in_flight(self, since: float, but: int | None = None) -> float:
        """The estimate of the jobs since ``since`` sent and not settled (but job ``but``)."""
        return sum(self._estimate(j.model, j.steps, j.samples).cost
                   for j in self.ledger.in_flight_since(since, but))

    def state(self, but: int | None = None) -> BudgetState:
        """Spent (billed) today and this month, and what is left of the limits once the
        jobs in flight (all but job ``but``) are counted at their estimate."""
        now = self._clock()
        limits = self.limits
        today = self.ledger.spent_since(today_start(now))
        month = self.ledger.spent_since(month_start(now))
        flying_today = self.in_flight(today_start(now), but)
        flying_month = self.in_flight(month_start(now), but)
        return BudgetState(today, month,
                           None if limits.day is None else limits.day - today - flying_today,
                           None if limits.month is None
                           else limits.month - month - flying_month,
                           flying_today, flying_month)

    def figures(self, params: GenerationParams) -> Figures:
        state = self.state()
        return Figures(self.estimate(params), state.spent_today, state.left,
                       self.ledger.last_balance())

    def check(self, params: GenerationParams, *, override: bool = False,
              job: int | None = None) -> Estimate:
        """The estimate, or :class:`OverBudget` when the job would pass a limit (counting
        the jobs in flight, but ``job`` itself) or is above "ask above". ``override``: the
        user's word to send this job anyway."""
        estimate = self.estimate(params)
        if override:
            return estimate
        limits = self.limits
        state = self.state(but=job)
        for left, limit, flying, period in (
                (state.left_today, limits.day, state.in_flight_today, "today"),
                (state.left_month, limits.month, state.in_flight_month, "this month")):
            if left is not None and limit is not None and estimate.cost > left + 1e-9:
                also = f"; {money(flying)} is held for jobs still running" if flying else ""
                raise OverBudget(
                    f"This job would cost {estimate.text()[2:]} and your budget has "
                    f"{money(max(left, 0.0))} left {period} (of {money(limit)}{also}); "
                    "nothing was sent.", max(left, 0.0), estimate)
        if limits.ask_above is not None and estimate.cost > limits.ask_above + 1e-9:
            raise OverBudget(
                f"This job would cost {estimate.text()[2:]}, above the "
                f"{money(limits.ask_above)} a job you asked to be asked about; nothing "
                "was sent.", state.left, estimate,
                "Send it anyway with --over-budget, or raise --ask-above.")
        return estimate
