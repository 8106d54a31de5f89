from __future__ import annotations

import json
import random

from scribble_studio.domain.params import (
    RANDOM_SEED_MAX,
    SCHEDULERS,
    SEED_MAX,
    GenerationParams,
)


def test_defaults_are_the_contracts() -> None:
    p = GenerationParams(prompt="a cat")
    assert (p.scheduler, p.steps, p.guidance, p.strength, p.samples, p.seed) == (
        "UniPC", 20, 7.5, 1.0, 1, None)
    assert len(SCHEDULERS) == 12
    assert p.validate() == {}


def test_every_problem_is_reported_at_once_by_field() -> None:
    p = GenerationParams(prompt="", scheduler="Fast", steps=19, guidance=0.0, strength=1.5,
                         samples=5, seed=2**53)
    assert set(p.validate()) == {"prompt", "scheduler", "steps", "guidance", "strength",
                                 "samples", "seed"}


def test_bounds_are_inclusive() -> None:
    low = GenerationParams("x", steps=20, guidance=0.1, strength=0.1, samples=1, seed=0)
    high = GenerationParams("x", steps=100, guidance=25, strength=1, samples=4, seed=SEED_MAX)
    assert low.validate() == {} and high.validate() == {}


def test_wrong_types_are_problems_not_crashes() -> None:
    p = GenerationParams("x", steps=True, guidance=float("nan"), samples="2",  # type: ignore[arg-type]
                         seed=1.5)  # type: ignore[arg-type]
    assert set(p.validate()) == {"steps", "guidance", "samples", "seed"}


def test_a_random_seed_is_drawn_on_the_client_in_32_bits() -> None:
    rng = random.Random(7)
    drawn = {GenerationParams("x").with_seed_drawn(rng).seed for _ in range(200)}
    assert all(seed is not None and 0 <= seed <= RANDOM_SEED_MAX for seed in drawn)
    assert len(drawn) > 190
    fixed = GenerationParams("x", seed=85497675147333)
    assert fixed.with_seed_drawn(rng) is fixed


def test_round_trip_through_a_dict() -> None:
    p = GenerationParams("x", negative_prompt="blur", seed=3, samples=2)
    assert GenerationParams.from_dict(json.loads(json.dumps(p.to_dict()))) == p
