"""The class question bank: answers are the library's numbers (and torch's), grading is fair."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from mobilenet_viz.analytic import architectures, blocks
from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.classroom import class_questions
from mobilenet_viz.classroom.class_questions import (
    Question,
    grade,
    layer_question,
    parse_number,
    tally,
)


def torch_macs(module: torch.nn.Module, shape: tuple[int, ...]) -> int:
    with FlopCounterMode(display=False) as counter:
        module(torch.zeros(shape))
    return counter.get_total_flops() // 2


@settings(max_examples=15, deadline=None)
@given(
    d_f=st.integers(3, 20),
    m=st.integers(1, 24),
    n=st.integers(1, 24),
    k=st.sampled_from([1, 3, 5]),
    s=st.sampled_from([1, 2]),
)
def test_layer_answers_are_the_library_numbers_and_torch_agrees(d_f, m, n, k, s):
    config = ConvConfig(d_f, m, n, k, s)
    c = compare(config)
    assert layer_question("pointwise_macs", config).value == c.pointwise.macs
    assert layer_question("depthwise_macs", config).value == c.depthwise.macs
    assert layer_question("standard_macs", config).value == c.standard.macs
    assert layer_question("saving", config).value == pytest.approx(c.saving)
    pad = k // 2
    depthwise = torch.nn.Conv2d(m, m, k, s, pad, groups=m, bias=False)
    pointwise = torch.nn.Conv2d(m, n, 1, bias=False)
    standard = torch.nn.Conv2d(m, n, k, s, pad, bias=False)
    assert torch_macs(depthwise, (1, m, d_f, d_f)) == layer_question("depthwise_macs", config).value
    o = c.output_size
    assert torch_macs(pointwise, (1, m, o, o)) == layer_question("pointwise_macs", config).value
    assert torch_macs(standard, (1, m, d_f, d_f)) == layer_question("standard_macs", config).value


@pytest.mark.parametrize("preset", blocks.mobilenet_v2_presets(), ids=lambda p: f"block{p.number}")
def test_block_answers_match_the_library_and_torchvision(preset):
    from torchvision.models.mobilenetv2 import InvertedResidual

    cost = blocks.inverted_residual(preset.config)
    c = preset.config
    assert (
        class_questions.block_question("expanded_channels", c).value == c.expansion * c.in_channels
    )
    assert class_questions.block_question("block_macs", c).value == cost.macs
    residual = class_questions.block_question("residual", c)
    assert (residual.correct == class_questions.RESIDUAL_CHOICES[0]) == cost.residual
    real = InvertedResidual(c.in_channels, c.out_channels, c.stride, c.expansion)
    assert real.use_res_connect == cost.residual
    assert torch_macs(real, (1, c.in_channels, c.input_size, c.input_size)) == cost.macs


def test_residual_reasons():
    q = class_questions.block_question("residual", blocks.BlockConfig(56, 24, 6, 32, stride=2))
    assert q.correct == "No: stride 2 and the channels change"
    q = class_questions.block_question("residual", blocks.BlockConfig(56, 24, 6, 24, stride=2))
    assert q.correct == "No: stride 2 shrinks the feature map"
    q = class_questions.block_question("residual", blocks.BlockConfig(56, 24, 6, 32, stride=1))
    assert q.correct == "No: the channels change (k ≠ k′)"


@pytest.mark.parametrize("model", architectures.MODELS)
def test_network_answers_match_the_architecture_tables(model):
    arch = architectures.build(model)
    assert class_questions.network_question("total_macs", model).value == arch.macs
    dominant = class_questions.network_question("dominant_type", model)
    shares = {r["layer_type"]: r["macs"] for r in arch.breakdown()}
    assert dominant.correct == max(shares, key=shares.get) == "pointwise/1x1"
    assert set(dominant.choices) == set(shares)
    pw = class_questions.network_question("pointwise_share", model)
    assert pw.value == pytest.approx(100 * shares["pointwise/1x1"] / arch.macs)


def test_v1_pointwise_share_is_table_2s():
    q = class_questions.network_question("pointwise_share", "v1")
    assert round(q.value, 2) == 94.86  # MobileNets Table 2
    assert grade(q, "95")[1] and grade(q, "94.86%")[1] and not grade(q, "90")[1]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("51380224", 51380224),
        ("51,380,224", 51380224),
        ("51 380 224", 51380224),
        ("51.4M", 51.4e6),
        ("51.4 million", 51.4e6),
        ("5.138e7", 5.138e7),
        ("0.9G", 0.9e9),
        ("8.8×", 8.8),
        ("8.8x", 8.8),
        ("12k", 12000),
        (" 144 ", 144),
        ("94.9%", 94.9),
    ],
)
def test_numbers_students_type(raw, value):
    assert parse_number(raw) == pytest.approx(value)


@pytest.mark.parametrize("raw", ["", "abc", "1,5", "12 apples", "1e400", "9" * 60, "nan", "--3"])
def test_unusable_numbers_get_a_one_line_reason(raw):
    with pytest.raises(ValueError) as info:
        parse_number(raw)
    assert "\n" not in str(info.value)


def test_tolerance_is_applied_as_stated():
    q = layer_question("pointwise_macs", ConvConfig(14, 512, 512, 3))
    assert q.tolerance_text() == "accepted within ±1%"
    assert grade(q, "51.4M") == (repr(51.4e6), True)
    assert grade(q, "52M")[1] is False  # 1.2% off
    assert grade(q, "102760448")[1] is False  # FLOPs, not MACs
    t = class_questions.block_question("expanded_channels", blocks.BlockConfig(56, 24, 6, 24))
    assert t.tolerance_text() == "exact answer"
    assert grade(t, "144")[1] and not grade(t, "145")[1]


def test_choices_must_be_one_of_the_answers():
    q = class_questions.block_question("residual", blocks.BlockConfig(56, 24, 6, 24))
    assert grade(q, "Yes: x + F(x)") == ("Yes: x + F(x)", True)
    with pytest.raises(ValueError):
        grade(q, "Maybe")


def test_question_round_trips_through_json():
    q = class_questions.network_question("dominant_type", "v3-small", 0.75, 160)
    assert Question.from_dict(json.loads(json.dumps(q.to_dict()))) == q


def test_tally_puts_the_usual_slips_in_their_bands():
    q = layer_question("pointwise_macs", ConvConfig(14, 512, 512, 3))
    answers = [grade(q, a) for a in ("51380224", "51.4M", "102760448", "12845056", "0", "1e12")]
    bars = {b["label"]: b["count"] for b in tally(q, answers)}
    assert bars["✓ within ±1%"] == 2
    assert bars["≈ 2× (1.4–2.8×) the answer"] == 1  # FLOPs, not MACs
    assert bars["≈ ¼× (0.1–0.35×) the answer"] == 1  # a quarter
    assert bars["< 0.1× the answer"] == 1
    assert bars["> 10× the answer"] == 1
    assert bars["≈ ½× (0.35–0.7×) the answer"] == 0  # a common slip: always drawn
    assert "5.6–10× the answer" not in bars  # unused bands are left out
    assert sum(bars.values()) == len(answers)


def test_what_the_worked_answer_and_a_students_phone_say():
    config = ConvConfig(14, 512, 512, 3, 1)
    q = layer_question("pointwise_macs", config)
    macs = 14 * 14 * 512 * 512
    assert q.answer_text() == f"{macs:,} MACs ({q.tolerance_text()})"
    stored, correct = grade(q, "51.4M")
    assert q.given_text(stored, correct, revealed=False) == "51,400,000"
    assert q.given_text(stored, correct, revealed=True) == "51,400,000 ✓ correct"
    stored, correct = grade(q, f"{2 * macs}")  # FLOPs instead of MACs
    assert q.given_text(stored, correct, revealed=True).endswith("✗ not this time")
    residual = class_questions.block_question("residual", blocks.mobilenet_v2_presets()[2].config)
    assert residual.answer_text() == residual.correct
    assert (
        residual.given_text(residual.correct, True, revealed=True)
        == f"{residual.correct} ✓ correct"
    )


def test_share_correct_rounds_and_has_a_dash_before_the_first_answer():
    assert class_questions.share_correct([]) == "–"
    assert class_questions.share_correct([True, False, False]) == "33%"
    assert class_questions.share_correct([True, True]) == "100%"
