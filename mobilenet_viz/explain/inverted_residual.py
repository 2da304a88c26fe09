"""What the "Inverted residual block" page says about one block: metrics, LaTeX, sentences, tables.

Costs come from ``analytic.blocks.inverted_residual`` (MobileNetV2, arXiv:1801.04381v4, Table 1:
1×1 expansion to t·k channels with ReLU6, D_K×D_K depthwise with ReLU6, linear 1×1 projection to
k′; a shortcut when s = 1 and k = k′). Section 3.3 writes the block's cost as
h·w·d′·t·(d′ + k² + d″) (d′ = k, d″ = k′, k² the depthwise kernel); section 5.1 streams the
expanded tensor in groups to lower the peak memory. MACs are the paper's mult-adds; FLOPs = 2 x
MACs; params are conv weights + BatchNorm's weight and bias.
"""

from __future__ import annotations

from mobilenet_viz.analytic.blocks import BlockConfig, BlockCost, Preset
from mobilenet_viz.analytic.formulas import latex_int
from mobilenet_viz.explain import Metric

INTRO = (
    "MobileNetV2's building block (Sandler et al., 2018, arXiv:1801.04381v4, Table 1): a **1×1 "
    "expansion** to t× more channels with ReLU6, a **3×3 depthwise** convolution with ReLU6, and "
    "a **linear 1×1 projection** back to a thin bottleneck; a shortcut joins the thin bottlenecks "
    "when shapes allow. MACs = multiply-accumulates (the paper's mult-adds); FLOPs = 2 × MACs; "
    "params = conv weights + BatchNorm's weight and bias."
)


def byte_size(value: int) -> str:
    """Bytes in KB or MB (1 KB = 1000 bytes, as MobileNetV2's Table 3 counts), 3 digits."""
    return f"{value / 1e6:.3g} MB" if value >= 1e5 else f"{value / 1e3:.3g} KB"


def preset_values(preset: Preset) -> dict:
    """The page's settings for one of MobileNetV2's 17 blocks (Table 2): its h, k, t, k′, s, and
    the depthwise kernel and α as the page's choices ("3", "1.0"); ``block_config`` inverts it."""
    c = preset.config
    return {
        "input_size": c.input_size,
        "in_channels": c.in_channels,
        "expansion": c.expansion,
        "out_channels": c.out_channels,
        "stride": c.stride,
        "kernel": str(c.kernel),
        "alpha": str(c.alpha),
    }


def block_config(values: dict) -> BlockConfig:
    """The block the page's settings describe (kernel and α arrive as the page's choice strings)."""
    return BlockConfig(
        values["input_size"],
        values["in_channels"],
        values["expansion"],
        values["out_channels"],
        values["stride"],
        int(values["kernel"]),
        float(values["alpha"]),
    )


def which_block(presets: list[Preset], config: BlockConfig) -> str:
    """Which of MobileNetV2's 17 bottleneck blocks (Table 2, 224 px, α = 1) ``config`` is."""
    matches = [p for p in presets if p.config == config]
    if not matches:
        return "A custom block (not one of MobileNetV2's 17 at α = 1)."
    numbers = ", ".join(str(p.number) for p in matches)
    if len(matches) == 1:
        return f"This is **block {numbers}** of MobileNetV2 (Table 2, row {matches[0].row})."
    return (
        f"This is **blocks {numbers}** of MobileNetV2 (identical repeats, Table 2 row "
        f"{matches[0].row})."
    )


def headline_metrics(cost: BlockCost, splits: int) -> list[Metric]:
    """MACs, params and the peak activation memory (naive, and section 5.1's streaming schedule
    with ``splits`` groups; fp32, batch 1). Whether the shortcut applies is said in words next to
    the controls (``cost.residual_reason``) and drawn in the diagram."""
    naive, streaming = cost.naive_peak_bytes("fp32"), cost.streaming_peak_bytes("fp32", splits)
    return [
        Metric("MACs", cost.macs, help=f"{cost.macs:,} MACs = {cost.flops:,} FLOPs"),
        Metric(
            "Params",
            cost.params,
            help=f"{cost.params:,} learnable parameters: conv weights + BatchNorm weight and bias",
        ),
        Metric(
            "Peak memory",
            byte_size(naive),
            help=f"fp32, naive schedule, activations only: {naive:,} bytes; fp16: "
            f"{cost.naive_peak_bytes('fp16'):,} bytes",
        ),
        Metric(
            "Streaming peak",
            byte_size(streaming),
            help=f"fp32, section 5.1's memory-efficient schedule: {streaming:,} bytes with "
            f"{splits} splits of the {cost.hidden_channels} expanded channels (section 5.1's t "
            "counts splits, not the expansion; the paper suggests 2 to 5; set it under "
            "'Activation memory')",
        ),
    ]


DIAGRAM_NOTE = (
    "Slab thickness grows with channels and face size with h×w (both √-scaled). Solid slabs come "
    "out of ReLU6; **hatched** slabs are linear, with no activation (the paper's convention). The "
    "red shortcut is drawn only when s = 1 and k = k′."
)
# The stage table's columns on screen: six fit at 1280 px (ten hid the memory columns off the
# right edge); the CSV has them all.
STAGE_COLUMNS = (
    "stage",
    "operator",
    "output (h x w x c)",
    "MACs",
    "params (conv + BN)",
    "live fp32 bytes (naive)",
)
COUNT_COLUMNS = (
    "MACs",
    "params (conv + BN)",
    "output fp32 bytes",
    "output fp16 bytes",
    "live fp32 bytes (naive)",
    "widest tensor (elements)",
    "peak fp32 bytes (naive)",
)
FORMULA_INTRO = (
    "**The paper's cost formula** (section 3.3, with d′ = k input channels, d″ = k′ output "
    "channels and k × k the depthwise kernel):"
)


def formula_latex(cost: BlockCost, config: BlockConfig) -> list[str]:
    """Section 3.3's h·w·d′·t·(d′ + k² + d″) with the block's numbers, then the three stages'
    MACs (at the output size h/s after the depthwise conv) adding up to the block's total."""
    h, k, t, k2, dk = (
        cost.input_size,
        cost.in_channels,
        config.expansion,
        cost.out_channels,
        config.kernel,
    )
    ho = cost.output_size
    paper = (
        rf"h\cdot w\cdot d'\cdot t\,(d' + k^2 + d'') = {h}\cdot{h}\cdot{k}\cdot{t}\,({k} + {dk}^2 + {k2})"
        rf" = {latex_int(cost.paper_formula_macs)}"
    )
    terms = []
    if t != 1:  # t = 1 (block 1): no expansion conv
        terms.append(rf"\underbrace{{{h}\cdot{h}\cdot{k}\cdot{t * k}}}_{{\text{{expand}}}}")
    terms.append(rf"\underbrace{{{ho}\cdot{ho}\cdot{t * k}\cdot{dk}^2}}_{{\text{{depthwise}}}}")
    terms.append(rf"\underbrace{{{ho}\cdot{ho}\cdot{t * k}\cdot{k2}}}_{{\text{{project}}}}")
    stages = r"\text{stages: }" + " + ".join(terms) + rf" = {latex_int(cost.macs)}\ \text{{MACs}}"
    return [paper, stages]


SPLITS_LABEL = (
    "Streaming splits (section 5.1's t: how many channel groups, not the expansion factor)"
)
SPLITS_HELP = (
    "The paper splits the expanded tensor into t groups and finds a small t, 2 to 5, best: more, "
    "smaller matrix products cost cache misses."
)


def memory_metrics(cost: BlockCost, splits: int) -> list[Metric]:
    """Peak activation bytes: the naive schedule in fp32 and fp16, section 5.1's streaming one
    with ``splits`` groups and with one channel per group (its lower limit), fp16."""
    return [
        Metric("Naive peak, fp32", byte_size(cost.naive_peak_bytes("fp32"))),
        Metric("Naive peak, fp16", byte_size(cost.naive_peak_bytes("fp16"))),
        Metric(
            f"Streaming, {splits} splits, fp16",
            byte_size(cost.streaming_peak_bytes("fp16", splits=splits)),
        ),
        Metric(
            "Streaming, 1 channel, fp16",
            byte_size(cost.streaming_peak_bytes("fp16", splits=cost.hidden_channels)),
        ),
    ]


MEMORY_NOTE = (
    "Batch size 1, activations only. **Naive**: each stage materialises its whole output; while it "
    "runs its input and output are alive, plus the block input when the shortcut needs it later. "
    "**Streaming** (section 5.1): the t·k expanded channels are computed in groups and the "
    "projection is accumulated, so only |x| + |y| + one group of the expanded and depthwise "
    "tensors is alive; the big expanded tensor never exists whole. The MACs do not change with "
    "the number of splits; the paper finds 2 to 5 splits best in practice (section 5.1 calls this "
    "number t too, but it is not the expansion factor)."
)

COMPARISON_TEXT = (
    "Same input and output channels, three blocks. A **ResNet bottleneck** squeezes wide tensors "
    "through a narrow 3×3 conv (wide → narrow → wide, shortcut between the wide ends). "
    "**MobileNetV1** has no expansion and no shortcut. MobileNetV2 **inverts** ResNet: the "
    "shortcut joins the thin bottlenecks and the wide tensor lives only inside the block."
)
COMPARISON_NOTE = (
    "ResNet bottleneck: 1×1 to k′/4, 3×3 conv, 1×1 to k′ (torchvision's Bottleneck), with a 1×1 "
    "projection shortcut when the shape changes. All three share stride and kernel."
)


def comparison_table(rows: list[dict]) -> dict[str, dict[str, str]]:
    """``analytic.blocks.comparison_rows`` turned on its side: one column per block, one row per
    measure (nine measures as columns did not fit 1280 px), counts with thousands separators."""
    return {
        row["block"]: {
            name: f"{value:,}" if isinstance(value, int) else value
            for name, value in row.items()
            if name != "block"
        }
        for row in rows
    }


def figure2_note(in_channels: int, expansion: int) -> str:
    """The caption of the paper's Figure 2 (c)/(d) drawn for k channels expanded t times."""
    return (
        f"Two stacked blocks, k = {in_channels} → t·k = {in_channels * expansion} channels (bar "
        "height ~ √channels). Hatched = linear, no activation; the lightly coloured tensor is the "
        "next block's first, as in the paper's Figure 2. **(c)** cuts at the wide tensors: 3×3 "
        "dwise, linear 1×1 to the bottleneck, then the next expansion. **(d)** cuts at the thin "
        "bottlenecks: 1×1 expansion, 3×3 dwise, linear 1×1. Stacked, they are the same layers "
        '("2d and 2c are equivalent blocks when stacked"); MobileNetV2 uses (d), so the shortcut '
        "joins the thin tensors."
    )


def sweep_rows(points) -> list[dict]:
    """The expansion sweep (``analytic.blocks.expansion_sweep``) as CSV rows, one per t."""
    return [
        {
            "t": p.expansion,
            "MACs": p.macs,
            "params": p.params,
            "peak fp32 bytes (naive)": p.naive_peak_bytes,
            "peak fp32 bytes (streaming)": p.streaming_peak_bytes,
        }
        for p in points
    ]


SWEEP_NOTE = (
    "MACs and params grow linearly in t; the naive peak grows with the expanded tensor, while "
    "streaming keeps it close to |x| + |y|."
)
SPIRAL_TEXT = (
    "The paper's Figure 1: a 2D spiral is embedded into **n** dimensions by a random matrix T, "
    "passed through ReLU, and mapped back to 2D with T's pseudo-inverse T⁺."
)


def spiral_metrics(demo) -> list[Metric]:
    """Reconstruction errors of Figure 1's spiral (``analytic.spiral.linear_bottleneck_demo``)."""
    return [
        Metric("Error without ReLU", f"{demo.error_linear:.1%}", help="‖T⁺Tx − x‖ / ‖x‖"),
        Metric("Error with ReLU, T⁺", f"{demo.error_relu:.1%}", help="‖T⁺ReLU(Tx) − x‖ / ‖x‖"),
        Metric(
            "Error of best linear read-out",
            f"{demo.error_readout:.1%}",
            help="least-squares W·ReLU(Tx) + b: what a trained linear 1×1 layer could recover",
        ),
        Metric("Points recovered (within 5%)", f"{demo.recovered_fraction:.0%}"),
    ]


WHY_LINEAR = (
    "**Why the projection is linear.** ReLU zeroes every negative coordinate, so in a narrow layer "
    "it throws away part of the manifold for good: with n = 2 or 3 the spiral cannot be recovered. "
    "In a wide layer the same information is spread over many coordinates and survives (n = 15, "
    "30), which is why ReLU6 is used only inside the expanded layer. The thin bottleneck that "
    "carries the information between blocks is therefore produced by a linear 1×1 projection, "
    "with no ReLU to destroy it."
)
FEATURE_MAPS_TEXT = (
    "The activations of a real MobileNetV2 inside one bottleneck block: the **16 strongest "
    "channels** (largest mean |activation|) after each stage, each scaled to its own range."
)


def feature_map_heading(stage: str, shape: tuple[int, int, int], zeros: float) -> str:
    """``after expand — 56×56×144, ReLU6, 61% exact zeros``: a stage's output, C×H×W ``shape``
    written h×w×c; the projection is linear (no activation, so few exact zeros)."""
    act = "linear, no activation" if stage == "project" else "ReLU6"
    return f"**after {stage}** — {shape[1]}×{shape[2]}×{shape[0]}, {act}, {zeros:.0%} exact zeros"


def untrained_warning(model_name: str, message: str | None) -> str:
    """Why maps of a network with random weights still teach something, and what they do not."""
    return (
        f"**Untrained network** ({model_name}): random weights, so these maps show the block's "
        "mechanics (shapes, ReLU6 sparsity, linear projection), not learned features."
        + (f" {message}" if message else "")
    )


NO_EXPANSION_NOTE = (
    "Block 1 has t = 1: there is no expansion conv, the depthwise conv runs on the input."
)
