"""The parameters model: ranges and defaults from the chosen model's spec, a model change
that re-applies them, params()/set_params() for reuse, one "changed" per edit."""

from __future__ import annotations

import dataclasses

import pytest
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.domain.models import (
    SD15_SCRIBBLE,
    SDXL_SCRIBBLE,
    FieldSpec,
    ModelCatalog,
    ModelSpec,
)
from scribble_studio.domain.params import SEED_MAX, GenerationParams

# A model of this test's own: ranges no built-in spec has, so a clamp can only come from
# the spec given.
TINY = dataclasses.replace(
    SD15_SCRIBBLE, id="tiny", title="Tiny", slug="tiny",
    fields=(FieldSpec("steps", "steps", "Steps", int, 5, 2, 8),
            FieldSpec("guidance", "cfg", "Guidance", float, 3.0, 1.5, 4.5),
            FieldSpec("strength", "strength", "Strength", float, 0.5, 0.25, 0.75),
            FieldSpec("samples", "samples", "Samples", int, 2, 1, 3)),
    schedulers=("Euler", "DDIM"), default_scheduler="DDIM")


def field(spec: ModelSpec, name: str) -> FieldSpec:
    return spec.field(name)


def test_it_starts_at_the_first_models_defaults() -> None:
    model = ParametersModel(ModelCatalog((TINY, SD15_SCRIBBLE)))
    assert model.spec is TINY and model.model == "tiny"
    assert model.params() == GenerationParams.for_model(TINY, "")
    assert model.random_seed and model.last_seed is None


@pytest.mark.parametrize("name", ["steps", "guidance", "strength", "samples"])
def test_values_are_clamped_to_the_chosen_models_range(name: str) -> None:
    model = ParametersModel(ModelCatalog((TINY,)))
    spec = field(TINY, name)
    setattr(model, name, 1000)
    assert getattr(model, name) == spec.high
    setattr(model, name, -5)
    assert getattr(model, name) == spec.low
    setattr(model, name, "not a number")  # (from a damaged draft, say)
    assert getattr(model, name) == spec.default


def test_whole_number_fields_hold_whole_numbers_and_schedulers_come_from_the_spec() -> None:
    model = ParametersModel(ModelCatalog((TINY,)))
    model.steps = 6.6  # type: ignore[assignment]
    assert model.steps == 7 and isinstance(model.steps, int)
    model.scheduler = "Euler"
    assert model.scheduler == "Euler"
    model.scheduler = "UniPC"  # SD 1.5 has it; this model does not
    assert model.scheduler == TINY.default_scheduler


def test_changing_the_model_reapplies_the_new_specs_ranges(qtbot: QtBot) -> None:
    model = ParametersModel(ModelCatalog((SD15_SCRIBBLE, SDXL_SCRIBBLE, TINY)))
    model.prompt, model.seed_text, model.random_seed = "an owl", "42", False
    model.steps = 90  # changed by the user: kept where the next model takes it
    with qtbot.waitSignal(model.spec_changed) as spec_signal:
        model.model = "tiny"
    assert spec_signal.args == [TINY]
    p = model.params()
    assert (p.model, p.prompt, p.seed) == ("tiny", "an owl", 42)
    assert p.steps == TINY.field("steps").default  # 90 is past this model's 8
    assert p.guidance == TINY.field("guidance").default  # SD 1.5's default: the new one
    assert p.scheduler == "DDIM"
    model.steps = 100
    assert model.steps == 8  # the new spec's range holds from now on
    model.use_model("sdxl-scribble")
    # 8 steps is below SDXL's range: its default, not a clamp (switched_to decides)
    assert model.spec is SDXL_SCRIBBLE and model.steps == 30
    model.use_model("no-such-model")  # ignored
    assert model.model == "sdxl-scribble"


def test_params_and_set_params_round_trip_for_reuse() -> None:
    model = ParametersModel(ModelCatalog((SD15_SCRIBBLE, SDXL_SCRIBBLE)))
    wanted = GenerationParams(prompt="a red fox", negative_prompt="blurry",
                              scheduler="Euler a", steps=33, guidance=9.25, strength=0.65,
                              samples=3, seed=SEED_MAX, model="sdxl-scribble")
    model.set_params(wanted)
    assert model.params() == wanted
    assert model.seed_text == str(SEED_MAX) and not model.random_seed
    model.set_params(dataclasses.replace(wanted, seed=None))
    assert model.random_seed and model.params().seed is None
    assert model.seed_text == str(SEED_MAX)  # kept for when "Random" is turned off again


def test_set_params_of_a_model_not_offered_moves_to_the_first() -> None:
    model = ParametersModel(ModelCatalog((TINY,)))
    model.set_params(GenerationParams(prompt="a boat", steps=50, model="sdxl-scribble"))
    assert model.model == "tiny" and model.prompt == "a boat" and model.steps == 5


def test_a_value_no_widget_shows_exactly_is_kept_exactly() -> None:
    model = ParametersModel()
    model.guidance = 7.123456
    model.strength = 0.333
    p = model.params()
    assert (p.guidance, p.strength) == (7.123456, 0.333)  # no rounding to a box's decimals


def test_the_seed_is_held_as_typed_and_named_when_it_is_not_a_number() -> None:
    model = ParametersModel()
    model.prompt = "  a cat  "
    model.random_seed = False
    model.seed_text = "12x"
    assert model.params().prompt == "a cat"
    assert model.seed_text == "12x" and "seed" in model.problems()
    model.seed_text = str(SEED_MAX + 1)
    assert "seed" in model.problems()
    model.seed_text = " 123 "
    assert model.params().seed == 123 and model.problems() == {}
    model.prompt = "   "
    assert set(model.problems()) == {"prompt"}


def test_use_last_seed_fixes_the_last_jobs_seed() -> None:
    model = ParametersModel()
    model.use_last_seed()  # nothing sent yet: nothing happens
    assert model.random_seed
    model.last_seed = 987654321
    model.use_last_seed()
    assert not model.random_seed and model.params().seed == 987654321


def test_one_changed_per_edit_and_per_set_params(qtbot: QtBot) -> None:
    model = ParametersModel()
    seen: list[None] = []
    model.changed.connect(lambda: seen.append(None))
    model.steps = 30
    model.steps = 30  # the same value: nothing changed
    assert len(seen) == 1
    model.set_params(GenerationParams(prompt="x", steps=40, guidance=3.0, seed=5,
                                      model="sdxl-scribble"))
    assert len(seen) == 2
    model.set_params(model.params())  # nothing new
    assert len(seen) == 2


def test_set_models_offers_another_catalog() -> None:
    model = ParametersModel(ModelCatalog((SD15_SCRIBBLE, SDXL_SCRIBBLE)))
    model.model = "sdxl-scribble"
    model.prompt = "a tower"
    offered: list[ModelCatalog] = []
    model.models_changed.connect(offered.append)
    catalog = ModelCatalog((TINY, SD15_SCRIBBLE))
    model.set_models(catalog)
    assert offered == [catalog] and model.models is catalog
    assert model.model == "tiny" and model.prompt == "a tower"
