"""What the "Standard vs depthwise separable" page says about one layer: metrics, notes, tables.

Costs come from ``analytic.costs.compare`` (MobileNets, arXiv:1704.04861v1, section 3.1: a
standard conv costs D_K·D_K·M·N·D_O·D_O MACs (eq. 2), depthwise + pointwise
D_K·D_K·M·D_O·D_O + M·N·D_O·D_O (eq. 5), their ratio is 1/N + 1/D_K² (eq. 6)). MACs are the
paper's mult-adds; FLOPs = 2 x MACs; params are conv weights (no bias, no BatchNorm).
"""

from __future__ import annotations

from mobilenet_viz.analytic import formulas
from mobilenet_viz.analytic.costs import ConvComparison, grouped_conv_cost
from mobilenet_viz.explain import Metric


def shape_note(c: ConvComparison) -> str:
    """The layer's input and output tensors, C×H×W, after α and ρ."""
    return (
        f"Input {c.in_channels}×{c.input_size}×{c.input_size} → output "
        f"{c.out_channels}×{c.output_size}×{c.output_size} (C×H×W)"
    )


def layer_notes(c: ConvComparison) -> list[str]:
    """The captions under the controls: the shapes, why the costs use D_O (when D_O ≠ D_F) and
    what padding D_K // 2 does to an even kernel (when it applies)."""
    size_note = formulas.output_size_note(c)
    notes = [shape_note(c) + (f". {size_note}." if size_note else ".")]
    if (even := formulas.padding_note(c)) is not None:
        notes.append(even)
    return notes


def mac_metrics(c: ConvComparison) -> list[Metric]:
    """The stage's headline: standard vs separable MACs (eq. 2 vs eq. 5) and the saving."""
    return [
        Metric(
            "Standard conv MACs",
            c.standard.macs,
            help=f"{c.standard.macs:,} MACs = {c.standard.flops:,} FLOPs",
        ),
        Metric(
            "Separable MACs",
            c.separable.macs,
            help=f"{c.separable.macs:,} MACs = {c.separable.flops:,} FLOPs",
            delta=f"-{(1 - c.ratio) * 100:.1f}%",
        ),
        Metric(
            "Saving", f"{c.saving:.1f}×", help="How many times fewer MACs: standard / separable"
        ),
    ]


def param_metrics(c: ConvComparison) -> list[Metric]:
    """Weights of both layers (no bias, no BatchNorm) and the 1×1 conv's share of the MACs."""
    return [
        Metric("Standard conv params", c.standard.params, help=f"{c.standard.params:,} weights"),
        Metric("Separable params", c.separable.params, help=f"{c.separable.params:,} weights"),
        Metric(
            "Pointwise share of separable MACs",
            f"{c.pointwise_share * 100:.1f}%",
            help="The 1×1 conv dominates: with many channels it is almost all of the cost.",
        ),
    ]


INTRO = (
    "A standard convolution filters and combines channels in one step. MobileNets split it into a "
    "**depthwise** convolution (one D_K×D_K filter per input channel) and a **pointwise** 1×1 "
    "convolution that mixes channels (Howard et al., 2017, arXiv:1704.04861v1, section 3.1). "
    "MACs = multiply-accumulates (the paper's mult-adds); FLOPs = 2 × MACs; params = weights (no "
    "bias, no BatchNorm)."
)

# name -> (D_F, M, N, D_K, stride, alpha, rho, image input): layers of MobileNets (arXiv:1704.04861v1)
PRESETS = {
    "MobileNet Table 3 layer: 14×14×512 → 512, 3×3": (14, 512, 512, 3, 1, 1.0, 1.0, False),
    "Table 3 with width multiplier α = 0.75": (14, 512, 512, 3, 1, 0.75, 1.0, False),
    "Table 3 with α = 0.75 and ρ = 0.714 (160 px input)": (14, 512, 512, 3, 1, 0.75, 0.714, False),
    "First layer: 224×224×3 → 32, 3×3, stride 2": (224, 3, 32, 3, 2, 1.0, 1.0, True),
    "Early layer: 112×112×32 → 64, 3×3": (112, 32, 64, 3, 1, 1.0, 1.0, False),
    "Downsampling: 112×112×64 → 128, stride 2": (112, 64, 128, 3, 2, 1.0, 1.0, False),
    "Last layer: 7×7×1024 → 1024, 3×3": (7, 1024, 1024, 3, 1, 1.0, 1.0, False),
    "Large kernel: 28×28×256 → 256, 5×5": (28, 256, 256, 5, 1, 1.0, 1.0, False),
}
PRESET_FIELDS = ("input_size", "in_channels", "out_channels", "kernel", "stride", "alpha", "rho")


def preset_values(name: str) -> dict:
    """The page's settings a preset sets: its layer, "same" padding (D_K // 2), one group."""
    *numbers, image = PRESETS[name]
    return {**dict(zip(PRESET_FIELDS, numbers, strict=True)), "image": image, "padding": "same"}


def formula_sections(c: ConvComparison) -> list[tuple[str, list[str]]]:
    """(heading, LaTeX lines) of the Formulas view: eq. 2, eq. 5, the reduction (section 3.1),
    the weights and, when α or ρ is not 1, eq. 7 (sections 3.3-3.4)."""
    sections = [
        ("**Cost of a standard convolution** (eq. 2)", formulas.standard_latex(c)),
        ("**Cost of a depthwise separable convolution** (eq. 5)", formulas.separable_latex(c)),
        ("**The reduction** (section 3.1)", formulas.ratio_latex(c)),
        ("**Parameters** (weights only)", formulas.params_latex(c)),
    ]
    if multipliers := formulas.multipliers_latex(c):
        sections.append(
            ("**Width and resolution multipliers** (sections 3.3 and 3.4)", [multipliers])
        )
    return sections


GROUPS_TEXT = (
    "A **grouped** convolution splits the M input channels into g groups and filters each group "
    "separately: cost D_K²·(M/g)·N·D_O². g = 1 is the standard conv; g = M (with N = M) is the "
    "depthwise conv, which then needs a pointwise conv to let channels talk to each other."
)


def group_metrics(c: ConvComparison, groups: int) -> list[Metric]:
    """A grouped conv with g groups: D_K²·(M/g)·N·D_O² MACs, D_K²·(M/g)·N weights."""
    grouped = grouped_conv_cost(
        c.in_channels, c.out_channels, c.config.kernel, c.output_size, groups
    )
    return [
        Metric(f"Grouped conv (g = {groups}) MACs", grouped.macs, help=f"{grouped.macs:,} MACs"),
        Metric("Params", grouped.params, help=f"{grouped.params:,}"),
        Metric("Saving vs standard", f"{c.standard.macs / grouped.macs:.1f}×"),
    ]


THEORY_TEXT = (
    "The MAC ratio predicts the speed-up only if every MAC costs the same time. Press the button "
    "to time the real PyTorch layers for this configuration on the server (batch 1, one warm-up "
    "call each). It repeats rounds until every median is known to ±5% (95% interval) or the time "
    "budget runs out, and times the depthwise and pointwise convs separately, so the explanation "
    "below is picked from what was measured."
)


def timing_notes(c: ConvComparison, t, *, max_weights: int, max_values: int) -> list[str]:
    """What was timed instead of the configured layer, when it was too large for a shared server.

    ``t`` is a ``runtime.layer_timing.LayerTiming``; ``max_weights`` and ``max_values`` are its
    caps on the standard conv's weights and on one activation (fp32 values)."""
    notes = []
    if t.channels_scaled:
        n_note = (
            ""
            if t.out_channels == c.out_channels
            else f" and N = {t.out_channels} instead of {c.out_channels} (the MAC ratio below is "
            "for this N)"
        )
        notes.append(
            "This layer's weights are too large to time on a shared server "
            f"({c.standard.params * 4 / 1e9:,.1f} GB of fp32 for the standard conv): timed with "
            f"M = {t.in_channels} instead of {c.in_channels}{n_note}, at most "
            f"{max_weights / 1e6:.0f}M weights ({max_weights * 4 / 1e6:.0f} MB). The MAC ratio "
            "D_K²·N / (D_K² + N) does not depend on M."
        )
    if t.scaled:
        notes.append(
            f"This layer is large: timed at D_F = {t.input_size} instead of {c.input_size} to keep "
            "one round short (at most 1 G MACs for the standard conv, "
            f"{max_values * 4 / 1e6:.0f} MB per activation). The MAC ratio does not depend on D_F."
        )
    return notes


def timing_metrics(t) -> list[Metric]:
    """Median time per call of both layers, the measured speed-up (its 95% interval when too
    noisy to give one number) and the MAC ratio it is compared with."""
    sp = t.speedup
    return [
        Metric("Standard conv", f"{t.standard.median:.3f} ms", help="median per call"),
        Metric(
            "Depthwise + pointwise",
            f"{t.separable.median:.3f} ms",
            help=f"median of the pair as one call; depthwise {t.depthwise.median:.3f} ms and "
            f"pointwise {t.pointwise.median:.3f} ms timed separately",
        ),
        Metric(
            "Measured speed-up",
            f"{sp.ci_low:.1f}–{sp.ci_high:.1f}×" if t.too_noisy else f"{t.measured_speedup:.2f}×",
            help=f"median over {t.rounds} rounds; 95% interval of the median {sp.ci_low:.2f}–"
            f"{sp.ci_high:.2f}×; middle half of the rounds {sp.low:.2f}–{sp.high:.2f}×",
        ),
        Metric("Theoretical (MAC ratio)", f"{t.theoretical_speedup:.2f}×"),
    ]


def timing_rows(t) -> list[dict]:
    """One row per timed layer: median, the median's 95% interval, the middle half of the rounds
    (ms) and the G MACs/s reached (MACs / median time)."""
    layers = (
        ("standard conv", t.standard, t.standard_macs),
        ("depthwise conv", t.depthwise, t.depthwise_macs),
        ("pointwise (1×1) conv", t.pointwise, t.pointwise_macs),
        ("depthwise + pointwise, one call", t.separable, t.depthwise_macs + t.pointwise_macs),
        ("a 1-MAC conv (a call's fixed cost)", t.overhead, 0),
    )
    return [
        {
            "layer": name,
            "median (ms)": f"{spread.median:.4g}",
            "95% interval of the median (ms)": f"{spread.ci_low:.4g} – {spread.ci_high:.4g}",
            "middle half of the rounds (ms)": f"{spread.low:.4g} – {spread.high:.4g}",
            "G MACs/s": f"{macs / (spread.median * 1e6):.3g}" if macs else "–",
        }
        for name, spread, macs in layers
    ]


def timing_caption(t, budget_s: float) -> str:
    """How many rounds ran, on how many threads, and why they stopped."""
    why = {
        "converged": "stopped when every median was known to within ±5%.",
        "rounds": f"stopped at the limit of {t.rounds} rounds.",
    }.get(t.stopped, f"stopped when the {budget_s:g} s budget ran out.")
    threads = f"{t.threads} thread{'s' if t.threads != 1 else ''}"
    return f"{t.rounds} rounds in {t.elapsed_s:.1f} s, {threads}, {why}"


MULTIPLIERS_TEXT = (
    "**Width multiplier α** thins every layer (M → αM, N → αN); **resolution multiplier ρ** "
    "shrinks every feature map (D_F → ρD_F). A separable layer then costs (MobileNets, "
    "arXiv:1704.04861v1, eq. 7; at stride 2 the output size D_O of ρD_F):"
)
MULTIPLIERS_NETWORK_TEXT = (
    "The pointwise term αM·αN·(ρD_F)² holds almost all of the cost, so the cost falls roughly as "
    "**α²** (section 3.3) and as **ρ²** (section 3.4); the weights D_K²·αM + αM·αN fall as α² and "
    "do not depend on ρ. Move α and ρ above (under *More settings* in presenter mode) to see this "
    "layer change. For a whole network, MobileNetV1 with the published ImageNet top-1 of each "
    "setting (Tables 6 and 7):"
)
MULTIPLIERS_NOTE = (
    "MACs and weights computed by the library for MobileNetV1 (equal to a torch build in the "
    "tests); top-1 quoted from the paper. The first layer keeps its 3 colour channels at every α, "
    "and the classifier's 1000 outputs do not shrink, so the network's MACs fall a little slower "
    "than α² and its weights (the FC layer's 1024α × 1000 dominate at small α) between α² and α."
)


def multiplier_rows(alpha_points, rho_points) -> list[dict]:
    """MobileNetV1 at each α (224 px) and each resolution (α = 1): MACs and weights against the
    1.0-224 network (the last resolution point) next to α²ρ², with the published top-1
    (``analytic.multipliers.network_sweep``; Tables 6 and 7)."""
    full = rho_points[-1]
    return [
        {
            "α": p.alpha,
            "input (px)": p.resolution,
            "MACs (M)": round(p.macs / 1e6, 1),
            "weights (M)": round(p.weights / 1e6, 2),
            "MACs vs 1.0-224": f"{p.macs / full.macs:.3f}",
            "α²ρ²": f"{(p.alpha * p.resolution / full.resolution) ** 2:.3f}",
            "published top-1 %": p.top1,
        }
        for p in alpha_points + rho_points[:-1]
    ]
