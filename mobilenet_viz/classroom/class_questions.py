"""Live class questions, generated from the library for one configuration, and their grading.

Every question's answer is computed by the same functions the pages use: a layer's costs by
``costs.compare`` (MobileNets, arXiv:1704.04861v1, section 3.1, eqs. 2-5), a block's by
``blocks.inverted_residual`` (MobileNetV2, arXiv:1801.04381v4, section 3.3 and Table 1) and a
network's by ``architectures.build`` (V1 Table 1-2, V2 Table 2, V3 arXiv:1905.02244v5 Tables 1-2).
The worked answer reuses the app's LaTeX (``formulas.py``) where a page shows the same formula.

A question is a plain dataclass that round-trips through JSON (:meth:`Question.to_dict`), so
the class store keeps exactly what the students saw. Answers are multiple choice or a number;
a number is accepted within the stated tolerance (relative, or in percentage points), written
as ``51380224``, ``51,380,224``, ``51.4M``, ``5.14e7`` or ``51.4 million``.
MACs = multiply-accumulates of conv and FC layers (the papers' mult-adds); FLOPs = 2 x MACs.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from mobilenet_viz.analytic import architectures, blocks, formulas
from mobilenet_viz.analytic.costs import ConvConfig, compare

TOPICS = {
    "layer": "One layer (MobileNets section 3.1)",
    "block": "One MobileNetV2 block (Table 2)",
    "network": "A whole network",
}
KINDS = {
    "layer": {
        "pointwise_macs": "MACs of the pointwise (1×1) conv",
        "depthwise_macs": "MACs of the depthwise conv",
        "standard_macs": "MACs of the standard conv",
        "saving": "How many times fewer MACs (standard ÷ separable)",
    },
    "block": {
        "expanded_channels": "What is t·k here?",
        "residual": "Does this block have a residual?",
        "block_macs": "MACs of the whole block",
    },
    "network": {
        "dominant_type": "Which layer type dominates the MACs?",
        "pointwise_share": "% of the MACs in 1×1 convs",
        "total_macs": "Total MACs of the network",
    },
}
MAX_ANSWER_CHARS = 40
_SUFFIX = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "mio": 1e6,
    "g": 1e9,
    "b": 1e9,
    "billion": 1e9,
    "%": 1.0,
}
_NUMBER = re.compile(r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*([a-z%]*)$")


@dataclass(frozen=True)
class Question:
    """One question as students see it, with its answer and worked solution."""

    kind: str
    topic: str
    setting: str  # the configuration in words, e.g. "D_F = 14, M = 512, N = 512, D_K = 3, stride 1"
    prompt: str  # Markdown (the app's own text)
    answer_type: str  # "number" or "choice"
    choices: tuple[str, ...]  # for "choice"
    correct: str  # the correct choice, or the exact number as text
    tolerance: float  # numbers: accepted error (relative, or percentage points for "points")
    tolerance_kind: str  # "relative", "points" or "exact"
    unit: str
    explanation: str  # Markdown: the worked answer in words
    latex: tuple[str, ...]  # the worked answer's formula lines

    @property
    def value(self) -> float:
        return float(self.correct)

    def tolerance_text(self) -> str:
        if self.answer_type != "number":
            return ""
        if self.tolerance_kind == "exact":
            return "exact answer"
        if self.tolerance_kind == "points":
            return f"accepted within ±{self.tolerance:g} percentage points"
        return f"accepted within ±{100 * self.tolerance:g}%"

    def answer_text(self) -> str:
        """The answer as the worked answer states it: the choice, or the number with its unit and
        tolerance ("51,380,224 MACs (accepted within ±2%)")."""
        if self.answer_type == "choice":
            return self.correct
        return f"{format_number(self.value)} {self.unit}".strip() + f" ({self.tolerance_text()})"

    def given_text(self, stored: str, correct: bool, revealed: bool) -> str:
        """A student's stored answer as their phone shows it, with the verdict once revealed."""
        shown = stored if self.answer_type == "choice" else format_number(float(stored))
        verdict = "" if not revealed else " ✓ correct" if correct else " ✗ not this time"
        return f"{shown}{verdict}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        data = dict(data)
        data["choices"] = tuple(data.get("choices") or ())
        data["latex"] = tuple(data.get("latex") or ())
        return cls(**data)


def parse_number(raw: str) -> float:
    """A student's number: digits with optional thousands separators, a decimal point, an
    exponent and a K/M/G (or thousand/million/billion) suffix. ValueError with a short reason."""
    text = str(raw).strip().lower()
    if not text:
        raise ValueError("type a number")
    if len(text) > MAX_ANSWER_CHARS:
        raise ValueError(f"an answer has at most {MAX_ANSWER_CHARS} characters")
    text = re.sub(r"(?<=\d)[,_ '\u202f\u00a0](?=\d{3}\b)", "", text)  # 51,380,224 / 51 380 224
    if text.endswith(("×", "x")):  # "8.8×" for a "how many times" question
        text = text[:-1].strip()
    match = _NUMBER.match(text.replace(" ", ""))
    if not match or match.group(2) not in ("", *_SUFFIX):
        raise ValueError(f"'{raw}' is not a number (examples: 51380224, 51.4M, 8.8)")
    value = float(match.group(1)) * _SUFFIX.get(match.group(2), 1.0)
    if not math.isfinite(value) or abs(value) > 1e15:
        raise ValueError(f"'{raw}' is out of range")
    return value


def format_number(value: float) -> str:
    """A number as the page shows it: 51,380,224 for whole numbers, else 4 significant digits."""
    if value == int(value) and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:,.4g}"


def is_correct(question: Question, value: float) -> bool:
    """Whether a number is within the question's tolerance."""
    target = question.value
    if question.tolerance_kind == "exact":
        return value == target
    if question.tolerance_kind == "points":
        return abs(value - target) <= question.tolerance + 1e-9
    return abs(value - target) <= question.tolerance * abs(target) + 1e-9


def grade(question: Question, raw: str) -> tuple[str, bool]:
    """(the answer as stored, whether it is correct). ValueError for an unusable answer."""
    if question.answer_type == "choice":
        if raw not in question.choices:
            raise ValueError("pick one of the answers")
        return raw, raw == question.correct
    value = parse_number(raw)
    return repr(value), is_correct(question, value)


# Where a wrong number lies relative to the answer: bands around the usual slips, on a log scale
# (FLOPs = 2x MACs; the input D_F instead of D_O at stride 2 = 4x; a forgotten factor ...).
_BANDS = (
    (0.0, 0.1, "< 0.1×"),
    (0.1, 0.35, "≈ ¼× (0.1–0.35×)"),
    (0.35, 0.7, "≈ ½× (0.35–0.7×)"),
    (0.7, 1.0, "0.7–1×"),
    (1.0, 1.4, "1–1.4×"),
    (1.4, 2.8, "≈ 2× (1.4–2.8×)"),
    (2.8, 5.6, "≈ 4× (2.8–5.6×)"),
    (5.6, 10.0, "5.6–10×"),
    (10.0, math.inf, "> 10×"),
)


_SHOWN = (
    "≈ ½× (0.35–0.7×)",
    "≈ 2× (1.4–2.8×)",
)  # always drawn: the common slips; other bands once used


def tally(question: Question, answers: list[tuple[str, bool]]) -> list[dict]:
    """Histogram bars for the projector: ``[{"label", "count", "correct"}]`` in display order.

    Choices: one bar per choice. Numbers: one bar for the accepted answers, then the wrong ones
    by their ratio to the answer (zero and negative answers in "< ⅒×")."""
    if question.answer_type == "choice":
        counts = dict.fromkeys(question.choices, 0)
        for answer, _ in answers:
            if answer in counts:
                counts[answer] += 1
        return [
            {"label": c, "count": n, "correct": c == question.correct} for c, n in counts.items()
        ]
    bars = {"correct": 0, **{label: 0 for _, _, label in _BANDS}}
    target = question.value
    for answer, correct in answers:
        if correct:
            bars["correct"] += 1
            continue
        ratio = float(answer) / target if target else math.inf
        for lo, hi, label in _BANDS:
            if lo <= ratio < hi or (ratio < 0 and lo == 0.0):
                bars[label] += 1
                break
    accepted = f"✓ {question.tolerance_text().replace('accepted ', '')}"
    return [
        {
            "label": accepted if k == "correct" else f"{k} the answer",
            "count": n,
            "correct": k == "correct",
        }
        for k, n in bars.items()
        if k == "correct" or n or k in _SHOWN
    ]


def share_correct(correct: list[bool]) -> str:
    """The projector's "% correct" of the answers so far ("–" before the first answer)."""
    return f"{100 * sum(correct) / len(correct):.0f}%" if correct else "–"


def _int(value: int) -> str:
    return f"{value:,}"


# -- one layer ----------------------------------------------------------------------------------


def layer_question(kind: str, config: ConvConfig) -> Question:
    """A question about one standard vs depthwise separable layer (MobileNets section 3.1)."""
    c = compare(config)
    k, m, n, o = config.kernel, c.in_channels, c.out_channels, c.output_size
    setting = (
        f"input D_F = {c.input_size}, M = {m} → N = {n} channels, D_K = {k}, stride {config.stride} "
        f"(output D_O = {o})"
    )
    layer = f"{c.input_size}×{c.input_size}×{m} → {o}×{o}×{n}, {k}×{k}, stride {config.stride}"
    common = {"topic": "layer", "setting": setting, "answer_type": "number", "choices": ()}
    if kind == "pointwise_macs":
        return Question(
            kind=kind,
            **common,
            prompt=f"Layer {layer}, made depthwise separable. How many **MACs** does its **pointwise (1×1) conv** need?",
            correct=str(c.pointwise.macs),
            tolerance=0.01,
            tolerance_kind="relative",
            unit="MACs",
            explanation=(
                f"The 1×1 conv does M·N multiply-accumulates at each of the D_O×D_O output pixels: "
                f"{m}·{n}·{o}·{o} = {_int(c.pointwise.macs)} MACs ({100 * c.pointwise_share:.1f}% of the "
                f"separable layer; FLOPs would be twice that)."
            ),
            latex=(
                *formulas.separable_latex(c),
                r"\text{pointwise} = M \cdot N \cdot D_O \cdot D_O",
                rf"= {m} \cdot {n} \cdot {o} \cdot {o} = {formulas.latex_int(c.pointwise.macs)}\ \text{{MACs}}",
            ),
        )
    if kind == "depthwise_macs":
        return Question(
            kind=kind,
            **common,
            prompt=f"Layer {layer}, made depthwise separable. How many **MACs** does its **depthwise conv** need?",
            correct=str(c.depthwise.macs),
            tolerance=0.01,
            tolerance_kind="relative",
            unit="MACs",
            explanation=(
                f"One {k}×{k} filter per input channel, at each output pixel: D_K·D_K·M·D_O·D_O = "
                f"{k}·{k}·{m}·{o}·{o} = {_int(c.depthwise.macs)} MACs (eq. 3, at the output size)."
            ),
            latex=(
                *formulas.separable_latex(c),
                r"\text{depthwise} = D_K \cdot D_K \cdot M \cdot D_O \cdot D_O",
                rf"= {k} \cdot {k} \cdot {m} \cdot {o} \cdot {o} = {formulas.latex_int(c.depthwise.macs)}\ \text{{MACs}}",
            ),
        )
    if kind == "standard_macs":
        return Question(
            kind=kind,
            **common,
            prompt=f"Layer {layer} as a **standard** convolution. How many **MACs** does it need?",
            correct=str(c.standard.macs),
            tolerance=0.01,
            tolerance_kind="relative",
            unit="MACs",
            explanation=(
                f"N filters of D_K×D_K×M, each applied at every output pixel: "
                f"{k}·{k}·{m}·{n}·{o}·{o} = {_int(c.standard.macs)} MACs (eq. 2)."
            ),
            latex=tuple(formulas.standard_latex(c)),
        )
    if kind == "saving":
        return Question(
            kind=kind,
            **common,
            prompt=(
                f"Layer {layer}. How many times **fewer MACs** does the depthwise separable version need "
                "than the standard conv (standard ÷ separable)?"
            ),
            correct=repr(c.saving),
            tolerance=0.02,
            tolerance_kind="relative",
            unit="×",
            explanation=(
                f"separable / standard = 1/N + 1/D_K² = 1/{n} + 1/{k}² = {c.paper_ratio:.5f}, so "
                f"{c.saving:.2f}× fewer MACs ({_int(c.standard.macs)} vs {_int(c.separable.macs)})."
            ),
            latex=tuple(formulas.ratio_latex(c)),
        )
    raise ValueError(f"unknown layer question '{kind}'")


# -- one MobileNetV2 block ----------------------------------------------------------------------

RESIDUAL_CHOICES = (
    "Yes: x + F(x)",
    "No: stride 2 shrinks the feature map",
    "No: the channels change (k ≠ k′)",
    "No: stride 2 and the channels change",
)


def block_question(kind: str, config: blocks.BlockConfig) -> Question:
    """A question about one inverted residual block (MobileNetV2 section 3.3, Table 1)."""
    b = blocks.inverted_residual(config)
    h, k, t, k2, s = b.input_size, b.in_channels, config.expansion, b.out_channels, config.stride
    setting = f"input {h}×{h}×{k}, expansion t = {t}, output channels k′ = {k2}, stride {s}"
    shape = f"Block: {h}×{h}×{k} input, expansion t = {t}, {k2} output channels, stride {s}"
    common = {"topic": "block", "setting": setting}
    if kind == "expanded_channels":
        return Question(
            kind=kind,
            **common,
            answer_type="number",
            choices=(),
            prompt=f"{shape}. What is **t·k**, the number of channels after the expansion?",
            correct=str(b.hidden_channels),
            tolerance=0.0,
            tolerance_kind="exact",
            unit="channels",
            explanation=(
                f"The 1×1 expansion multiplies the k = {k} input channels by t = {t}: "
                f"t·k = {b.hidden_channels} channels, on which the depthwise conv runs."
                + (" At t = 1 there is no expansion conv." if t == 1 else "")
            ),
            latex=(rf"t \cdot k = {t} \cdot {k} = {b.hidden_channels}",),
        )
    if kind == "residual":
        correct = RESIDUAL_CHOICES[
            0 if b.residual else (3 if s != 1 and k != k2 else 1 if s != 1 else 2)
        ]
        return Question(
            kind=kind,
            **common,
            answer_type="choice",
            choices=RESIDUAL_CHOICES,
            prompt=f"{shape}. Does this block have a **residual connection**?",
            correct=correct,
            tolerance=0.0,
            tolerance_kind="exact",
            unit="",
            explanation=b.residual_reason
            + " (section 4: shortcuts only when stride = 1 and k = k′.)",
            latex=(rf"s = {s},\ k = {k},\ k' = {k2}",),
        )
    if kind == "block_macs":
        steps = " + ".join(_int(st.macs) for st in b.stages)
        return Question(
            kind=kind,
            **common,
            answer_type="number",
            choices=(),
            prompt=f"{shape}. How many **MACs** does the whole block need (expand + depthwise + project)?",
            correct=str(b.macs),
            tolerance=0.02,
            tolerance_kind="relative",
            unit="MACs",
            explanation=(
                f"Stage by stage ({', '.join(st.name for st in b.stages)}): {steps} = {_int(b.macs)} MACs. "
                f"The paper's h·w·d′·t·(d′ + k² + d″) gives {_int(b.paper_formula_macs)}: "
                + b.paper_formula_note()
            ),
            latex=(
                rf"h \cdot w \cdot d' \cdot t \cdot (d' + k^2 + d'') = {h} \cdot {h} \cdot {k} \cdot {t}"
                rf" \cdot ({k} + {config.kernel}^2 + {k2}) = {formulas.latex_int(b.paper_formula_macs)}",
                rf"\text{{stages}}: {' + '.join(formulas.latex_int(st.macs) for st in b.stages)}"
                rf" = {formulas.latex_int(b.macs)}\ \text{{MACs}}",
            ),
        )
    raise ValueError(f"unknown block question '{kind}'")


# -- a whole network ----------------------------------------------------------------------------


def network_question(kind: str, model: str, alpha: float = 1.0, resolution: int = 224) -> Question:
    """A question about a whole network's cost (``architectures.build``)."""
    arch = architectures.build(model, alpha, resolution)
    shares = arch.breakdown()
    setting = f"{arch.title} (α = {alpha:g}, {resolution}×{resolution} input)"
    common = {"topic": "network", "setting": setting}
    share_text = "; ".join(f"{r['layer_type']} {100 * r['macs_share']:.2f}%" for r in shares)
    share_latex = tuple(
        rf"\text{{{r['layer_type'].replace('/', ' or ')}}}: {formulas.latex_int(r['macs'])}\ \text{{MACs}}"
        rf" = {100 * r['macs_share']:.2f}\%"
        for r in shares
    )
    if kind == "dominant_type":
        types = tuple(r["layer_type"] for r in shares)
        top = max(shares, key=lambda r: r["macs"])
        return Question(
            kind=kind,
            **common,
            answer_type="choice",
            choices=types,
            prompt=f"{setting}: which **layer type** does most of the multiply-accumulates?",
            correct=top["layer_type"],
            tolerance=0.0,
            tolerance_kind="exact",
            unit="",
            explanation=f"Shares of the {_int(arch.macs)} MACs: {share_text}.",
            latex=share_latex,
        )
    if kind == "pointwise_share":
        row = next(r for r in shares if r["layer_type"] == "pointwise/1x1")
        return Question(
            kind=kind,
            **common,
            answer_type="number",
            choices=(),
            prompt=f"{setting}: what **percentage** of its MACs is spent in **1×1 (pointwise) convs**?",
            correct=repr(100 * row["macs_share"]),
            tolerance=2.0,
            tolerance_kind="points",
            unit="%",
            explanation=(
                f"{_int(row['macs'])} of {_int(arch.macs)} MACs = {100 * row['macs_share']:.2f}% "
                f"(MobileNet's Table 2: 94.86% for V1 1.0-224). All shares: {share_text}."
            ),
            latex=share_latex,
        )
    if kind == "total_macs":
        return Question(
            kind=kind,
            **common,
            answer_type="number",
            choices=(),
            prompt=f"{setting}: how many **MACs** does one image need in total (conv + FC layers)?",
            correct=str(arch.macs),
            tolerance=0.05,
            tolerance_kind="relative",
            unit="MACs",
            explanation=(
                f"Summing every layer of the table: {_int(arch.macs)} MACs = {arch.macs / 1e6:.1f}M "
                f"({2 * arch.macs / 1e6:.1f}M FLOPs). By type: {share_text}."
            ),
            latex=(
                *share_latex,
                rf"\text{{total}} = {formulas.latex_int(arch.macs)}\ \text{{MACs}}",
            ),
        )
    raise ValueError(f"unknown network question '{kind}'")
