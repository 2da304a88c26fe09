"""The MobileNetV3 page's sentences and tables (Howard et al., "Searching for MobileNetV3",
arXiv:1905.02244v5): the V3 block and its SE branch (section 5.3), h-swish (section 5.2), the
last stage (section 5.1, Figure 5) and the search (section 4), built from ``analytic.v3_block``'s
numbers and, for timings, from the measured rows of ``runtime.v3_timing`` (plain dicts).
"""

from __future__ import annotations

from collections.abc import Sequence

from mobilenet_viz.analytic.v3_block import (
    MNAS_W,
    PAPER_SAVED_MACS,
    PAPER_SAVED_MS,
    PAPER_SAVED_SHARE,
    TABLE_NUMBERS,
    V3_SMALL_W,
    V3BlockCost,
    reward_factor,
)
from mobilenet_viz.explain import Metric, hwc

PAPER = "arXiv:1905.02244v5"
MODELS = {"v3-large": "V3-Large (Table 1)", "v3-small": "V3-Small (Table 2)"}
INTRO = (
    f"Howard et al., *Searching for MobileNetV3* (2019, {PAPER}): MobileNetV2's inverted residual "
    "plus **squeeze-and-excite**, the **h-swish** nonlinearity, a **cheaper last stage**, and a network "
    "found by **search**. Costs come from the library and equal torchvision's modules (checked in the "
    "tests); timings are measured on this server when you press a button. MACs = multiply-accumulates "
    "(the paper's MAdds); FLOPs = 2 × MACs; params include BatchNorm and biases."
)


def _m(value: float) -> str:
    return f"{value / 1e6:.2f}M"


# --- the V3 block ---------------------------------------------------------------------------------


def block_metrics(cost: V3BlockCost, fmt) -> list[Metric]:
    """Block MACs and params, SE's share of each, residual (``fmt`` writes a count: 2.36M)."""
    se = cost.squeeze_channels is not None
    return [
        Metric("Block MACs", fmt(cost.macs), f"{cost.macs:,} MACs = {cost.flops:,} FLOPs"),
        Metric(
            "Block params", fmt(cost.params), f"{cost.params:,} (conv weights + BN + SE biases)"
        ),
        Metric(
            "SE MACs",
            f"{cost.se_macs / cost.macs:.1%}" if se else "no SE",
            f"{cost.se_macs:,} of {cost.macs:,} MACs" if se else None,
        ),
        Metric(
            "SE params",
            f"{cost.se_params / cost.params:.1%}" if se else "no SE",
            f"{cost.se_params:,} of {cost.params:,} params" if se else None,
        ),
        Metric(
            "Residual",
            "yes" if cost.residual else "no",
            "x + F(x) when stride 1 and in = out channels, as in MobileNetV2",
        ),
    ]


def se_text(cost: V3BlockCost, model: str) -> str:
    """The SE branch of this block step by step (section 5.3), or that the block has none."""
    c = cost.expanded_channels
    if cost.squeeze_channels is None:
        k = cost.config.kernel
        return (
            f"This block has **no SE** (Table {TABLE_NUMBERS[model]}): expand, {k}×{k} depthwise, "
            "linear project."
        )
    s, ho = cost.squeeze_channels, cost.output_shape[1]
    return (
        f"**The SE branch** (section 5.3: squeeze to ¼ of the expansion layer): pool {ho}×{ho}×{c} → "
        f"1×1×{c} → 1×1 conv to **{s}** = make_divisible({c} // 4, 8), ReLU → 1×1 conv back to {c}, "
        f"hard-sigmoid → one scale in [0, 1] per channel → multiply the {ho}×{ho}×{c} tensor channel "
        f"by channel. The two 1×1 convs run on a 1×1 map, so SE costs **{cost.se_macs / cost.macs:.1%} "
        f"of the MACs** but **{cost.se_params / cost.params:.1%} of the parameters**; its "
        f"{cost.se_scale_multiplies:,} scaling multiplies are elementwise (not counted as MACs, like BN "
        "and activations)."
    )


def stage_rows(cost: V3BlockCost) -> list[dict]:
    """One table row per step of the block (shapes h×w×c; SE steps marked)."""
    return [
        {
            "stage": s.name,
            "operator": s.operator,
            "activation": s.activation,
            "input (h×w×c)": hwc(s.input_shape),
            "output (h×w×c)": hwc(s.output_shape),
            "MACs": s.macs,
            "params": s.params,
            "part of": "SE branch" if s.se else "main path",
        }
        for s in cost.stages
    ]


def placement_text(rows: Sequence[dict], model: str, network_params: int) -> str:
    """Where V3 puts SE and h-swish (``analytic.v3_block.placement`` rows) and what SE costs over
    all blocks at α = 1: little compute, many parameters (section 5.3)."""
    se_numbers = [r["block"] for r in rows if r["SE"]]
    hs_numbers = [r["block"] for r in rows if r["NL"] == "h-swish"]
    macs, params = sum(r["MACs"] for r in rows), sum(r["params"] for r in rows)
    se_macs, se_params = sum(r["SE MACs"] for r in rows), sum(r["SE params"] for r in rows)
    return (
        f"{MODELS[model]}: SE in blocks **{', '.join(map(str, se_numbers))}**; h-swish in blocks "
        f"**{hs_numbers[0]}–{hs_numbers[-1]}** (and the stem conv, section 5.1), ReLU before. Over "
        f"all {len(rows)} blocks at α = 1, SE does {se_macs / macs:.1%} of the blocks' MACs but holds "
        f"**{se_params / params:.1%} of their parameters** ({se_params / network_params:.0%} of the "
        f"whole network's {network_params / 1e6:.2f}M): cheap in compute, not in memory. Section 5.3 "
        "sized every SE at ¼ of the expansion layer (MnasNet had sized it from the bottleneck) and "
        'reports, against that, "a modest increase of number of parameters, and no discernible '
        'latency cost".'
    )


# --- h-swish ---------------------------------------------------------------------------------------

ACTIVATIONS_INTRO = (
    f"Section 5.2 ({PAPER}): swish(x) = x·σ(x) improves accuracy, but the sigmoid is expensive on "
    "mobile CPUs and awkward in fixed point, so V3 uses its piece-wise linear analog "
    "**hard-sigmoid = ReLU6(x + 3)/6** and **h-swish(x) = x·ReLU6(x + 3)/6**."
)


def gaps_caption(worst: dict[str, tuple[float, float]]) -> str:
    """The largest gaps between the hard and the smooth functions (``activations.max_differences``)."""
    hs, hsig = worst["h-swish vs swish"], worst["hard-sigmoid vs sigmoid"]
    return (
        f"Largest gaps: |h-swish − swish| = {hs[0]:.3f} at x = {hs[1]:.2f}; |hard-sigmoid − sigmoid| "
        f"= {hsig[0]:.3f} at x = {hsig[1]:.2f}. Both hard versions are exactly 0 below −3; "
        "h-swish is exactly x above 3 and hard-sigmoid exactly 1."
    )


def shapes_text(shapes: Sequence[tuple[int, int, int]]) -> str:
    """The timed tensors, h×w×c, joined by "and"."""
    return " and ".join(hwc(s) for s in shapes)


def timing_method(shapes: Sequence[tuple[int, int, int]]) -> str:
    return (
        f"Each function runs on a real-sized activation tensor ({shapes_text(shapes)}: V3-Large's "
        "first block and its last blocks' expanded tensor), fp32, batch 1, one thread, median of the "
        "runs after a warm-up, all functions interleaved in one measurement."
    )


def nonlinearity_elements(rows: Sequence[dict]) -> dict[str, int]:
    """Activation elements through each nonlinearity over all blocks (placement rows): the
    quantity section 5.2 says a nonlinearity's cost is proportional to."""
    out: dict[str, int] = {}
    for r in rows:
        out[r["NL"]] = out.get(r["NL"], 0) + r["nonlinearity elements"]
    return out


def elements_caption(rows: Sequence[dict]) -> str:
    e = nonlinearity_elements(rows)
    return (
        f"V3-Large: {_m(e['ReLU'])} elements through ReLU (blocks 1–6) vs {_m(e['h-swish'])} "
        "through h-swish (blocks 7–15); expand and depthwise outputs, from the library's block shapes."
    )


def timing_rows(timing: Sequence[dict]) -> list[dict]:
    """The measured table: one row per function and tensor (``ActivationTiming.as_dict()`` rows)."""
    return [
        {
            "function": t["name"],
            "tensor (h×w×c)": hwc(t["shape"]),
            "median µs": round(t["median_ms"] * 1e3, 2),
            "ns per element": round(t["ns_per_element"], 3),
        }
        for t in timing
    ]


def timing_findings(timing: Sequence[dict], runs: int, rows: Sequence[dict]) -> list[str]:
    """Two paragraphs read off the measurement: the ratios on the first (largest) tensor, and what
    the deeper half's h-swish costs at the rates measured on the last tensor (section 5.2's reason
    for using it only there). Words follow the measured ratios (faster/slower, close to/above)."""
    sizes = {tuple(t["shape"]) for t in timing}
    shapes = sorted(sizes, key=lambda s: s[0] * s[1] * s[2], reverse=True)  # largest first
    big = {t["name"]: t["ns_per_element"] for t in timing if tuple(t["shape"]) == shapes[0]}
    small = {t["name"]: t["ns_per_element"] for t in timing if tuple(t["shape"]) == shapes[-1]}
    ratio_swish = big["swish"] / big["h-swish"]
    ratio_relu = big["h-swish"] / big["ReLU6"]
    ratio_sig = big["sigmoid"] / big["hard-sigmoid"]
    swish_word = "slower" if ratio_swish > 1 else "faster"
    relu_word = (
        "close to" if abs(ratio_relu - 1) < 0.25 else ("above" if ratio_relu > 1 else "below")
    )
    e = nonlinearity_elements(rows)
    relu, hs = e["ReLU"], e["h-swish"]
    return [
        f"Measured here ({runs} runs, on the {hwc(shapes[0])} tensor): swish is "
        f"**{ratio_swish:.2f}×** {swish_word} than h-swish, sigmoid {ratio_sig:.2f}× hard-sigmoid, "
        f"and h-swish costs {ratio_relu:.2f}× ReLU6 ({relu_word} it). torch fuses each function into "
        "one pass over memory, so the cheap ones are limited by reading and writing the tensor; the "
        "paper's phones ran TFLite, where it reports h-swish as a piece-wise function saving memory "
        "accesses.",
        "**Why only the deeper half** (section 5.2): the cost of a nonlinearity is proportional to "
        "the number of activation elements, and those shrink as the resolution halves. In V3-Large "
        f"the ReLU blocks 1–6 push **{_m(relu)}** elements through their nonlinearities, the h-swish "
        f"blocks 7–15 only **{_m(hs)}**. At the measured rates, h-swish in the deeper half costs "
        f"≈{hs * small['h-swish'] / 1e3:.0f} µs here (vs ≈{hs * small['ReLU6'] / 1e3:.0f} µs for "
        f"ReLU6); swish there would cost ≈{hs * small['swish'] / 1e3:.0f} µs. The paper also found "
        '"most of the benefits of swish are realized by using them only in the deeper layers". '
        f"(Estimates: elements × ns/element measured on the {hwc(shapes[-1])} tensor.)",
    ]


# --- the last stage ------------------------------------------------------------------------------

LAST_STAGE_INTRO = (
    f"Section 5.1 and Figure 5 ({PAPER}): V2-style networks end with a bottleneck (1×1 expand to "
    "960, depthwise, 1×1 project to 320) and a 1×1 conv to 1280 **at 7×7**, then pool. V3 moves the "
    "1280-wide layer **past the average pool** (computed at 1×1) and drops the depthwise and "
    f'projection layers. The paper: it "reduces the latency by {PAPER_SAVED_MS} milliseconds which '
    f"is {PAPER_SAVED_SHARE:.0%} of the running time and reduces the number of operations by 30 "
    'millions MAdds with almost no loss of accuracy".'
)


def last_stage_metrics(saving: dict) -> list[Metric]:
    """Original vs efficient stage (``v3_block.last_stage_saving``)."""
    o, e = saving["original"], saving["efficient"]
    return [
        Metric(
            "Original stage",
            f"{o['macs'] / 1e6:.1f}M MACs",
            f"{o['macs']:,} MACs, {o['params']:,} params",
        ),
        Metric(
            "Efficient stage",
            f"{e['macs'] / 1e6:.1f}M MACs",
            f"{e['macs']:,} MACs, {e['params']:,} params",
        ),
        Metric(
            "MACs saved",
            f"{saving['macs_saved'] / 1e6:.1f}M",
            delta=f"paper: ~{PAPER_SAVED_MACS / 1e6:.0f}M",
        ),
        Metric(
            "Params",
            f"{-saving['params_saved'] / 1e6:+.2f}M",
            f"efficient − original: {e['params']:,} − {o['params']:,}",
        ),
    ]


def last_stage_text(saving: dict) -> str:
    o = saving["original"]
    return (
        f"Counted here for the layers of Figure 5: **{saving['macs_saved'] / 1e6:.1f}M MACs saved** "
        f"({saving['macs_saved'] / o['macs']:.0%} of the original stage); the paper rounds to ~30M. "
        "The redesign is not free in memory: the 960→1280 layer has more weights than the 320→1280 "
        f"one it replaces, so the efficient stage has **{-saving['params_saved']:,} more parameters**."
    )


def last_stage_rows(saving: dict) -> list[dict]:
    """The layers of both stages, one row each."""
    return [
        {
            "stage": kind,
            "layer": x["name"],
            "operator": x["operator"],
            "output (h×w×c)": hwc(x["output_shape"]),
            "MACs": x["macs"],
            "params": x["params"],
        }
        for kind in ("original", "efficient")
        for x in saving[kind]["layers"]
    ]


def last_stage_timing(t: dict, runs: int) -> tuple[list[Metric], str]:
    """Metrics and caption of a measured ``LastStageTiming.as_dict()``; the share is of the time
    the whole network would take with the original stage."""
    with_original = t["network_ms"] - t["efficient_ms"] + t["original_ms"]
    metrics = [
        Metric("Original stage", f"{t['original_ms']:.2f} ms"),
        Metric("Efficient stage", f"{t['efficient_ms']:.2f} ms"),
        Metric("Saved", f"{t['saved_ms']:.2f} ms", f"{t['speedup']:.2f}× faster"),
        Metric(
            "Share of the network",
            f"{t['saved_share']:.0%}",
            f"saved / (whole V3-Large {t['network_ms']:.1f} ms − efficient + original stage)",
        ),
    ]
    caption = (
        f"Eager PyTorch, fp32, batch 1, one thread, median of {runs} interleaved runs; random "
        "weights (time does not depend on their values). The paper's 7 ms / 11% were measured on "
        f"Pixel phones with TFLite (section 6); here the saving is {t['saved_ms']:.2f} ms, "
        f"{t['saved_share']:.0%} of the {with_original:.1f} ms the network would take with the "
        "original stage."
    )
    return metrics, caption


# --- the search ----------------------------------------------------------------------------------

SEARCH_STEPS = (
    f"V3 was not designed by hand layer by layer (section 4, {PAPER}). Two searches, then hand "
    "fixes:\n\n"
    "1. **Platform-aware NAS** (as MnasNet): an RNN controller proposes whole networks block by block "
    "from a factorized search space; each is trained, its accuracy ACC(m) measured and its latency "
    "LAT(m) **measured on a real phone**, and the controller is rewarded with "
    "ACC(m)·[LAT(m)/TAR]^w for a target latency TAR. For V3-Large the authors reused MnasNet-A1 "
    "(the same search found similar results); for V3-Small they searched again with w = −0.15 "
    "instead of −0.07, because accuracy changes faster with latency for small models.\n"
    "2. **NetAdapt**, layer by layer: starting from that seed, each step proposes changes that cut "
    "latency by at least δ = 0.01·|L| (shrink one expansion layer, or shrink a bottleneck shared by "
    "blocks with a residual), fine-tunes each proposal for T = 10000 steps and keeps the one with the "
    "largest ΔAcc / |Δlatency|, until the target latency is reached; then it retrains from scratch.\n"
    "3. **Hand changes** outside the search space: the last stage, 16 stem filters with h-swish, "
    "h-swish in the deeper half, SE at ¼ of the expansion (section 5).\n\n"
    "So the tables below are what a latency-driven search found on a Pixel phone, not a rule like "
    "V2's \"t = 6 everywhere\": expansion sizes such as 184 and 200 come from NetAdapt's trimming."
)
REWARD_LATEX = (
    r"\text{reward}(m) = \mathrm{ACC}(m)\times\left[\frac{\mathrm{LAT}(m)}{\mathrm{TAR}}\right]^{w}"
)


def reward_text() -> str:
    """What w means: the relative accuracy a model twice as slow as the target needs to tie."""
    need_mnas = 1 / reward_factor(2, MNAS_W) - 1
    need_small = 1 / reward_factor(2, V3_SMALL_W) - 1
    return (
        f"What w means: a model **twice as slow** as the target keeps 2^w of its accuracy as reward, "
        f"so to tie with an on-target model it must be **{need_mnas:.1%}** more accurate "
        f"(relatively) with w = {MNAS_W:g}, and **{need_small:.1%}** with V3-Small's "
        f"w = {V3_SMALL_W:g}: the steeper penalty keeps the small-model search from buying accuracy "
        "with latency."
    )


def table_heading(model: str) -> str:
    return (
        f"**MobileNet{MODELS[model]}**: the Architectures page's layer table, costs computed by the "
        "library"
    )


def published_caption(current_macs: int) -> str:
    return (
        "Published ImageNet top-1 against mult-adds (V1 Tables 6–7, V2 Table 4, V3 Table 3, "
        "torchvision's weights); the dashed line is V3-Large 1.0-224 as counted here "
        f"({current_macs / 1e6:.1f}M MACs). The paper's latencies (Pixel phones, TFLite) are not "
        "reproduced here: time the networks on this server on the Classify page and the other tabs."
    )


# --- SE on a photo ---------------------------------------------------------------------------------

SE_PHOTO_INTRO = (
    "The SE module looks at the whole image (global pooling) and gives every channel of the "
    "expanded tensor its own scale in [0, 1]: channels that matter for **this** image are kept, "
    "others damped. Pick a block and two photos to compare the scales a real MobileNetV3-Large "
    "computes."
)


def se_photo_metrics(summary: dict, titles: tuple[str, str]) -> list[Metric]:
    """The comparison of two photos' SE scales (``runtime.se_attention.compare``)."""
    corr = summary["correlation"]
    return [
        Metric("Channels", summary["channels"]),
        Metric("Correlation of the scales", "—" if corr != corr else f"{corr:.2f}"),  # NaN: —
        Metric("Mean |difference|", f"{summary['mean_abs_difference']:.3f}"),
        Metric(
            "Channels damped below 0.5",
            f"{summary['damped_a']} / {summary['damped_b']}",
            f"{titles[0]} / {titles[1]}",
        ),
    ]


def se_photo_caption(summary: dict) -> str:
    return (
        "Scales are the hard-sigmoid outputs of the SE module (ReLU6(x + 3)/6, so exactly 0 or 1 "
        "when saturated). Most different channels: "
        + ", ".join(map(str, summary["most_different"]))
        + "."
    )
