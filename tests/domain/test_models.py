"""Model specs: the two built-in models, each field's wire name, default and range, and
parameters moving from one model to the other."""

from __future__ import annotations

import pytest

from scribble_studio.domain.models import (
    SD15_SCRIBBLE,
    SDXL_SCRIBBLE,
    ModelCatalog,
    UnknownModel,
    builtin_catalog,
)
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.png_metadata import (
    a1111_parameters,
    params_from_metadata,
    studio_metadata,
)


def test_the_catalog_offers_sd15_first_and_sdxl_beside_it() -> None:
    models = builtin_catalog()
    assert models.ids == ("sd15-scribble", "sdxl-scribble")
    assert models.default is SD15_SCRIBBLE
    assert models.get("sdxl-scribble").slug == "sdxl-controlnet"
    assert dict(SDXL_SCRIBBLE.fixed) == {"cn_model": "sdxl_scribble"}
    assert models.other_than("sdxl-scribble") is SD15_SCRIBBLE
    assert models.by_slug("sd1.5-controlnet-scribble") is SD15_SCRIBBLE
    with pytest.raises(UnknownModel):
        models.get("flux")
    with pytest.raises(ValueError):
        ModelCatalog((SD15_SCRIBBLE, SD15_SCRIBBLE))


def test_each_spec_owns_its_wire_names_defaults_and_ranges() -> None:
    strength = SDXL_SCRIBBLE.field("strength")
    assert (strength.wire, strength.default, strength.low, strength.high) == (
        "controlnet_scale", 0.9, 0.0, 1.0)
    assert SD15_SCRIBBLE.field("strength").wire == "strength"
    guidance = SDXL_SCRIBBLE.field("guidance")
    assert (guidance.default, guidance.low, guidance.high) == (6.0, 1.0, 25.0)
    assert SDXL_SCRIBBLE.defaults() == {"steps": 30, "guidance": 6.0, "strength": 0.9,
                                        "samples": 1, "scheduler": "UniPC"}
    assert (SD15_SCRIBBLE.price_hint, SDXL_SCRIBBLE.price_hint) == (0.003, 0.012)
    assert (SD15_SCRIBBLE.usual_seconds, SDXL_SCRIBBLE.usual_seconds) == (3.8, 10.9)
    # GenerationParams' own defaults are the default model's, not a second copy.
    plain = GenerationParams("x")
    assert (plain.model, plain.steps, plain.guidance, plain.strength) == (
        "sd15-scribble", 20, 7.5, 1.0)


def test_validation_uses_the_models_ranges() -> None:
    sdxl = GenerationParams.for_model(SDXL_SCRIBBLE, "a fox")
    assert sdxl.validate() == {} and sdxl.steps == 30
    # 0.05 is a fine ControlNet scale for SDXL, below SD 1.5's 0.1; guidance 0.5 the reverse.
    assert GenerationParams("a", model="sdxl-scribble", strength=0.05).validate() == {}
    assert set(GenerationParams("a", strength=0.05).validate()) == {"strength"}
    assert set(GenerationParams("a", model="sdxl-scribble", guidance=0.5).validate()) == {
        "guidance"}
    assert set(GenerationParams("a", model="flux").validate()) == {"model"}
    assert set(GenerationParams("a", model="sdxl-scribble").validate(SD15_SCRIBBLE)) == {
        "model"}


def test_switching_models_keeps_the_prompt_seed_and_what_both_share() -> None:
    job = GenerationParams("a fox", "blurry", "Euler a", steps=40, guidance=0.5,
                           strength=0.3, samples=3, seed=77)
    sdxl = job.switched_to(SDXL_SCRIBBLE)
    assert (sdxl.model, sdxl.prompt, sdxl.negative_prompt, sdxl.seed, sdxl.samples) == (
        "sdxl-scribble", "a fox", "blurry", 77, 3)
    assert (sdxl.scheduler, sdxl.steps, sdxl.strength) == ("Euler a", 40, 0.3)
    assert sdxl.guidance == 6.0  # 0.5 is below SDXL's range: its default instead
    assert sdxl.validate() == {}
    # Values left at SD 1.5's defaults become SDXL's (the user did not choose them).
    plain = GenerationParams("a fox", seed=1).switched_to(SDXL_SCRIBBLE)
    assert (plain.steps, plain.guidance, plain.strength) == (30, 6.0, 0.9)
    assert plain.switched_to(SD15_SCRIBBLE) == GenerationParams("a fox", seed=1)


def test_old_parameters_without_a_model_are_sd15() -> None:
    old = {"prompt": "a", "steps": 25, "seed": 3}
    assert GenerationParams.from_dict(old).model == "sd15-scribble"


def test_png_metadata_names_the_model_and_round_trips_it() -> None:
    sdxl = GenerationParams.for_model(SDXL_SCRIBBLE, "a fox", seed=5)
    text = a1111_parameters(sdxl, 1024, 1024)
    assert "Model: sdxl-controlnet sdxl_scribble" in text
    assert "ControlNet scale: 0.9" in text
    assert "Model: sd1.5-controlnet-scribble" in a1111_parameters(GenerationParams("a"), 1, 1)
    assert params_from_metadata(studio_metadata(sdxl)) == sdxl

