from __future__ import annotations

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.png_metadata import (
    a1111_parameters,
    params_from_metadata,
    studio_metadata,
)


def test_a1111_text_has_the_exact_layout() -> None:
    p = GenerationParams("a red barn, watercolor", negative_prompt="blurry, text",
                         scheduler="Euler a", steps=30, guidance=7.5, strength=0.8, seed=42)
    assert a1111_parameters(p, 512, 768) == (
        "a red barn, watercolor\n"
        "Negative prompt: blurry, text\n"
        "Steps: 30, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x768, "
        "Model: sd1.5-controlnet-scribble, ControlNet strength: 0.8"
    )


def test_no_negative_prompt_line_when_there_is_none() -> None:
    text = a1111_parameters(GenerationParams("cat", seed=1, guidance=7), 64, 64)
    assert text.splitlines() == ["cat", "Steps: 20, Sampler: UniPC, CFG scale: 7, Seed: 1, "
                                 "Size: 64x64, Model: sd1.5-controlnet-scribble, "
                                 "ControlNet strength: 1"]


def test_our_json_chunk_round_trips_exactly() -> None:
    p = GenerationParams("cat", negative_prompt="dog", seed=2**53 - 1, guidance=0.1, samples=3)
    assert params_from_metadata(studio_metadata(p, {"request_id": "r1"})) == p
    assert params_from_metadata("not json") is None
    assert params_from_metadata('{"params": {"prompt": ""}}') is None
