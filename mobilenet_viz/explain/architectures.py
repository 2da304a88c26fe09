"""What the Architectures page says about one network: metric values, table rows, sentences.

Every number comes from ``architectures.build`` (shapes, MACs, params counted from the papers'
tables: MobileNets arXiv:1704.04861v1 Table 1, MobileNetV2 arXiv:1801.04381v4 Table 2,
MobileNetV3 arXiv:1905.02244v5 Tables 1-2) or is quoted from ``published``. MACs are conv and
FC multiply-accumulates (the papers' mult-adds); FLOPs = 2 x MACs. Activation memory is counted
as in MobileNetV2 section 5.1 / Table 3: 16-bit values, K = 1000 bytes.
"""

from __future__ import annotations

from mobilenet_viz.analytic import published
from mobilenet_viz.analytic.architectures import MODEL_NAMES, Architecture, build
from mobilenet_viz.explain import Metric

# The paper's names for MobileNetV1 Table 2's rows, keyed by this library's layer types.
TABLE2_NAMES = {
    "pointwise/1x1": "Conv 1×1",
    "depthwise": "Conv DW 3×3",
    "standard conv": "Conv 3×3 (first layer)",
    "FC": "Fully connected",
}


def kilobytes(n_bytes: int) -> str:
    """Bytes in MobileNetV2 Table 3's unit, K = 1000 bytes: 1,605,632 -> '1,606K'."""
    return f"{n_bytes / 1000:,.0f}K"


def shape_text(shape) -> str:
    """A C×H×W shape as the tables write it: [16, 112, 112] -> '16×112×112'."""
    return "×".join(map(str, shape))


def layer_count(arch: Architecture) -> int:
    """Conv, SE and FC layers (pooling layers do no multiply-adds and are not counted)."""
    return sum(1 for r in arch.layers if r.layer_type != "pool")


def summary_metrics(arch: Architecture) -> list[Metric]:
    """The four headline numbers: MACs, params (with the paper's weights-only count beside),
    layers, and the peak tensor counted as MobileNetV2 Table 3."""
    peak = arch.activation_memory(2)["paper"]
    return [
        Metric("MACs", arch.macs, f"{arch.macs:,} MACs = {arch.flops:,} FLOPs"),
        Metric(
            "Params",
            arch.params,
            f"{arch.params:,} learnable numbers (incl. BatchNorm and biases); {arch.weights:,} "
            "conv/FC weights without BatchNorm and biases: the MobileNet paper's parameter count",
            delta=f"{arch.weights / 1e6:.2f}M weights only",
        ),
        Metric("Layers", layer_count(arch), "conv, SE and FC layers"),
        Metric(
            "Peak tensor",
            kilobytes(peak["bytes"]),
            f"16-bit: {shape_text(peak['shape'])} values × 2 bytes, counted as MobileNetV2 "
            "Table 3 (see 'Feature maps & memory').",
        ),
    ]


def published_notes(arch: Architecture) -> list[str]:
    """Markdown notes comparing ``arch`` with what was published (none, one or two).

    1. Where the paper and torchvision disagree about this model at 1.0-224: both numbers, the
       1.0-224 network computed here, and why they differ (``published.DISAGREEMENTS``).
    2. A published variant at exactly this width and resolution (1000 classes, not 1.0-224):
       its MACs and params against the computed ones (``published.setting_comparison``).
    """
    notes = []
    name = MODEL_NAMES[arch.model]
    note = published.disagreement(arch.model)
    if note is not None:
        reference = build(arch.model, 1.0, 224, 1000)
        here = (arch.alpha, arch.resolution, arch.num_classes) == (1.0, 224, 1000)
        notes.append(
            f":material/menu_book: **Published {name} 1.0-224** — paper: {note.paper}; "
            f"torchvision: {note.torchvision}; computed here at 1.0-224: "
            f"{reference.macs / 1e6:.1f}M MACs, {reference.params / 1e6:.2f}M params"
            + (
                ""
                if here
                else f" (the metrics above are for α = {arch.alpha:g}, {arch.resolution} px, "
                f"{arch.num_classes} classes)"
            )
            + f". *Why they differ:* {note.reason}"
        )
    same = published.at_setting(arch.model, arch.alpha, arch.resolution)
    if same and arch.num_classes == 1000 and (arch.alpha, arch.resolution) != (1.0, 224):
        widths = (
            ". The paper does not list its layer widths for α ≠ 1; this page follows "
            "torchvision's rule (every layer × α, rounded to a multiple of 8)."
            if arch.model.startswith("v3") and arch.alpha != 1.0
            else "."
        )
        notes.append(
            ":material/compare_arrows: **Published at exactly this setting** — "
            + "; ".join(
                published.setting_comparison(p, arch.macs, arch.params, arch.weights) for p in same
            )
            + widths
        )
    return notes


def totals_sentence(arch: Architecture) -> str:
    """Markdown under the layer table: the totals and how SE rows are counted."""
    return (
        f"**Total: {arch.macs:,} MACs** ({arch.flops:,} FLOPs), **{arch.params:,} params** "
        f"({arch.weights:,} conv/FC weights + {arch.params - arch.weights:,} BatchNorm and bias "
        "values). Click a column header to sort. SE rows: the two 1×1 convs on the pooled 1×1 map "
        "(C·S + S·C MACs); the pooling and channel rescaling are not multiply-adds of a conv/FC "
        "and count 0, as in torch's FlopCounterMode. The CSV also has each layer's type, input "
        "shape, kernel, stride, expansion t and activation."
    )


def csv_file_name(arch: Architecture) -> str:
    return f"{arch.model}_{arch.alpha:g}_{arch.resolution}.csv"


def breakdown_rows(arch: Architecture) -> list[dict]:
    """Per layer type: layers, MACs, weights, params and their shares in % (2 decimals)."""
    return [
        {
            "layer type": r["layer_type"],
            "layers": r["layers"],
            "MACs": r["macs"],
            "% of MACs": round(100 * r["macs_share"], 2),
            "weights": r["weights"],
            "% of weights": round(100 * r["weights_share"], 2),
            "params (+BN, bias)": r["params"],
            "% of params": round(100 * r["params_share"], 2),
        }
        for r in arch.breakdown()
    ]


def v1_table2_rows(v1: Architecture | None = None) -> list[dict]:
    """MobileNetV1 Table 2 (shares of mult-adds and parameters per layer type) beside the shares
    computed for MobileNet 1.0-224. The paper's parameter shares are of weights only."""
    v1 = v1 or build("v1", 1.0, 224, 1000)
    shares = {r["layer_type"]: r for r in v1.breakdown()}
    return [
        {
            "type (paper's name)": TABLE2_NAMES[kind],
            "paper: mult-adds": f"{paper_macs:.2f}%",
            "computed: mult-adds": f"{100 * shares[kind]['macs_share']:.2f}%",
            "paper: parameters": f"{paper_params:.2f}%",
            "computed: weights": f"{100 * shares[kind]['weights_share']:.2f}%",
        }
        for kind, (paper_macs, paper_params) in published.V1_TABLE2.items()
    ]


def memory_metrics(arch: Architecture) -> list[Metric]:
    """The largest tensor counted as V2 Table 3 does, and the largest layer output of all."""
    memory = arch.activation_memory(2)
    out = []
    for label, key in (
        ("Peak tensor, V2 Table 3 counting", "paper"),
        ("Largest layer output, nothing streamed", "every_layer"),
    ):
        m = memory[key]
        out.append(
            Metric(
                label,
                kilobytes(m["bytes"]),
                f"{m['layer']}: {shape_text(m['shape'])} = {m['values']:,} values × 2 bytes",
            )
        )
    return out


def memory_sentence(arch: Architecture, pair: dict) -> str:
    """How the peak tensor is counted (MobileNetV2 section 5.1, Table 3), with V1 vs V2 at this
    width and resolution (``pair`` = ``architectures.compare_v1_v2``) and the paper's numbers."""
    one, two = pair["v1"], pair["v2"]
    every = arch.activation_memory(2)["every_layer"]
    return (
        f"**How it is counted** (MobileNetV2 section 5.1 and Table 3): one image, 16-bit values "
        f"(2 bytes), K = 1000 bytes, the largest single tensor that must exist in memory at once. "
        f"MobileNetV1 materialises every layer's output. An inverted residual block only needs its "
        f"thin bottleneck input and output: the expanded tensor can be produced and consumed in "
        f"slices, so V2/V3 count block outputs only, and the stem conv's output is left out as the "
        f"table's footnote allows. Here: **V1 {kilobytes(one['largest_tensor_bytes'])}** "
        f"({shape_text(one['largest_tensor_shape'])}) vs **V2 "
        f"{kilobytes(two['largest_tensor_bytes'])}** ({shape_text(two['largest_tensor_shape'])}) "
        f"at α = {arch.alpha:g}, {arch.resolution} px; the paper's Table 3 gives "
        f"{published.V2_TABLE3_MAX_KB['v1']}K vs {published.V2_TABLE3_MAX_KB['v2']}K at 1.0-224. "
        f"Without that streaming the largest tensor of this network is {every['layer']} "
        f"({kilobytes(every['bytes'])})."
    )


def published_rows() -> list[dict]:
    """Every published variant: top-1, mult-adds and params as published, with its source."""
    return [
        {
            "variant": p.label,
            "top-1 %": p.top1,
            "mult-adds (M)": p.macs_m,
            "params (M)": p.params_m,
            "source": p.source,
        }
        for p in published.POINTS
    ]


def disagreement_lines() -> list[str]:
    """One markdown bullet per model where the paper and torchvision disagree, with the reason."""
    return [
        f"- **{MODEL_NAMES[d.model]}**: paper {d.paper}; torchvision {d.torchvision}. {d.reason}"
        for d in published.DISAGREEMENTS
    ]


def v1_v2_table(pair: dict) -> str:
    """A markdown table of V1 and V2 at the same settings (``architectures.compare_v1_v2``)."""
    one, two = pair["v1"], pair["v2"]
    rows = [
        ("MACs", f"{one['macs']:,}", f"{two['macs']:,}", f"× {pair['macs_ratio']:.2f}"),
        ("Params", f"{one['params']:,}", f"{two['params']:,}", f"× {pair['params_ratio']:.2f}"),
        (
            "Peak tensor (16-bit)",
            kilobytes(one["largest_tensor_bytes"]),
            kilobytes(two["largest_tensor_bytes"]),
            f"× {pair['memory_ratio']:.2f}",
        ),
        ("Conv layers", str(one["conv_layers"]), str(two["conv_layers"]), ""),
        (
            "1×1 convs' share of MACs",
            f"{100 * one['pointwise_macs_share']:.1f}%",
            f"{100 * two['pointwise_macs_share']:.1f}%",
            "",
        ),
        (
            "Channels into the classifier",
            str(one["final_channels"]),
            str(two["final_channels"]),
            "",
        ),
    ]
    return f"| | {one['title']} | {two['title']} | V2 / V1 |\n|---|---:|---:|---:|\n" + "\n".join(
        f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in rows
    )


def v1_v2_changes(pair: dict, alpha: float, resolution: int) -> str:
    """Markdown: what changed from V1 to V2 (MobileNetV2 sections 3-4), with this pair's numbers."""
    one, two = pair["v1"], pair["v2"]
    return (
        f"**What changed from V1 to V2** at α = {alpha:g}, {resolution} px: "
        f"MACs × {pair['macs_ratio']:.2f}, params × {pair['params_ratio']:.2f}, peak tensor "
        f"× {pair['memory_ratio']:.2f}.\n"
        "- V2 replaces each depthwise-separable pair by an inverted residual block: 1×1 expansion "
        "(t = 6), 3×3 depthwise, then a **linear** 1×1 projection to a thin bottleneck.\n"
        f"- The tensors between blocks are thin ({two['block_channels'][0]}-"
        f"{two['block_channels'][-1]} channels vs V1's {one['block_channels'][0]}-"
        f"{one['block_channels'][-1]}), so the 1×1 convs that dominate V1's cost get cheaper "
        f"even though V2 has more conv layers ({two['conv_layers']} vs {one['conv_layers']}).\n"
        "- Residual connections join the bottlenecks (dashed edges in the network graph); only "
        "the thin tensors must be kept whole, which is why the peak tensor shrinks.\n"
        f"- V2 widens the last 1×1 conv to {two['final_channels']} channels before the classifier "
        f"(V1: {one['final_channels']}), so its FC layer holds more of the weights."
    )
