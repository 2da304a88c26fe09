"""Standard vs depthwise separable convolution (MobileNets, arXiv:1704.04861, section 3)."""

import streamlit as st

from mobilenet_viz.analytic import formulas, multipliers
from mobilenet_viz.analytic.costs import ConvConfig, compare, grouped_conv_cost, valid_groups
from mobilenet_viz.figures import multipliers as multiplier_figures
from mobilenet_viz.figures import separable as figures
from mobilenet_viz.runtime.layer_timing import (
    MAX_ACTIVATION_VALUES,
    MAX_STANDARD_WEIGHTS,
    explain,
    time_layers,
)
from ui import presenter
from ui.layout import fmt_count, show_plotly
from ui.params import BoolParam, ChoiceParam, FloatParam, IntParam, PageParams
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

PADDINGS = ("same", *(str(p) for p in range(8)))
VIEWS = (
    "Formulas",
    "Charts",
    "Groups",
    "Theory vs practice",
    "PyTorch code",
    "Width α and resolution ρ",
)
PARAMS = PageParams(
    "sep",
    {
        "input_size": IntParam(14, 1, 1024),
        "in_channels": IntParam(512, 1, 4096),
        "out_channels": IntParam(512, 1, 4096),
        "kernel": IntParam(3, 1, 15),
        "stride": IntParam(1, 1, 4),
        "padding": ChoiceParam("same", PADDINGS),
        "alpha": FloatParam(1.0, 0.05, 1.0),
        "rho": FloatParam(1.0, 0.05, 1.0),
        "image": BoolParam(False),
        "groups": IntParam(1, 1, 4096),
        "view": ChoiceParam(VIEWS[0], VIEWS),
    },
)

# name -> (D_F, M, N, D_K, stride, alpha, rho, image input)
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
PRESET_FIELDS = (
    "input_size",
    "in_channels",
    "out_channels",
    "kernel",
    "stride",
    "alpha",
    "rho",
    "image",
)


def preset_values(name: str) -> dict:
    """The control values a preset sets (padding "same", one group)."""
    return {**dict(zip(PRESET_FIELDS, PRESETS[name], strict=True)), "padding": "same"}


def apply_preset() -> None:
    name = st.session_state.get("sep_preset")
    if name in PRESETS:
        PARAMS.set(**preset_values(name), groups=1)


st.title("Standard vs depthwise separable")
st.caption(
    "A standard convolution filters and combines channels in one step. MobileNets split it into a "
    "**depthwise** convolution (one D_K×D_K filter per input channel) and a **pointwise** 1×1 "
    "convolution that mixes channels (Howard et al., 2017, section 3.1). MACs = multiply-accumulates "
    "(the paper's mult-adds); FLOPs = 2 × MACs; params = weights (no bias, no BatchNorm)."
)

PARAMS.restore()
# The box names a preset only while every control still matches it (a changed control clears it).
chosen = st.session_state.get("sep_preset")
if chosen in PRESETS and any(PARAMS.value(k) != v for k, v in preset_values(chosen).items()):
    st.session_state["sep_preset"] = None
st.selectbox(
    "Load a preset",
    list(PRESETS),
    index=None,
    key="sep_preset",
    on_change=apply_preset,
    placeholder="Choose a layer from the paper…",
)

row1 = st.columns(4)
row1[0].number_input("Input size D_F (height = width, px)", 1, 1024, key=PARAMS.key("input_size"))
row1[1].number_input("Input channels M", 1, 4096, key=PARAMS.key("in_channels"))
row1[2].number_input("Output channels N", 1, 4096, key=PARAMS.key("out_channels"))
row1[3].slider("Kernel size D_K", 1, 15, key=PARAMS.key("kernel"))
with presenter.more_controls("stride s, padding p, width α, resolution ρ"):
    row2 = st.columns(4)
    row2[0].slider("Stride s", 1, 4, key=PARAMS.key("stride"))
    row2[1].selectbox(
        "Padding p",
        PADDINGS,
        key=PARAMS.key("padding"),
        format_func=lambda p: "D_K // 2" if p == "same" else p,
        help="D_K // 2 keeps the size (D_O = D_F at stride 1) for odd kernels only; an even kernel grows the "
        "map by one (see the note below the controls).",
    )
    row2[2].slider(
        "Width multiplier α",
        0.05,
        1.0,
        step=0.05,
        key=PARAMS.key("alpha"),
        help="Thins every layer: M → αM and N → αN (section 3.3); an image's colour channels stay.",
    )
    row2[3].number_input(
        "Resolution multiplier ρ",
        0.05,
        1.0,
        step=0.001,
        format="%.3f",
        key=PARAMS.key("rho"),
        help="Shrinks the feature map: D_F → ρ·D_F (section 3.4). 0.857, 0.714, 0.571 = 192, 160, 128 px.",
    )
    st.checkbox(
        "The input is the RGB image (α keeps its M colour channels)",
        key=PARAMS.key("image"),
        help="A network's first layer reads the image: α thins feature channels, not colours (M stays 3).",
    )

values = PARAMS.values()
config = ConvConfig(
    input_size=values["input_size"],
    in_channels=values["in_channels"],
    out_channels=values["out_channels"],
    kernel=values["kernel"],
    stride=values["stride"],
    padding=None if values["padding"] == "same" else int(values["padding"]),
    alpha=values["alpha"],
    rho=values["rho"],
    image_input=values["image"],
)
try:
    c = compare(config)
except ValueError as exc:
    PARAMS.stop(f"This layer is impossible: {exc}.")

groups_options = valid_groups(c.in_channels, c.out_channels)
if st.session_state[PARAMS.key("groups")] not in groups_options:
    st.session_state[PARAMS.key("groups")] = max(
        g for g in groups_options if g <= st.session_state[PARAMS.key("groups")]
    )

shape_note = f"Input {c.in_channels}×{c.input_size}×{c.input_size} → output {c.out_channels}×{c.output_size}×{c.output_size} (C×H×W)"
size_note = formulas.output_size_note(c)
st.caption(shape_note + (f". {size_note}." if size_note else "."))
if (even_note := formulas.padding_note(c)) is not None:
    st.caption(even_note)

m1, m2, m3 = st.columns(3)
m1.metric(
    "Standard conv MACs",
    fmt_count(c.standard.macs),
    help=f"{c.standard.macs:,} MACs = {c.standard.flops:,} FLOPs",
)
m2.metric(
    "Separable MACs",
    fmt_count(c.separable.macs),
    delta=f"-{(1 - c.ratio) * 100:.1f}%",
    delta_color="inverse",
    help=f"{c.separable.macs:,} MACs = {c.separable.flops:,} FLOPs",
)
m3.metric("Saving", f"{c.saving:.1f}×", help="How many times fewer MACs: standard / separable")
p1, p2, p3 = st.columns(3)
p1.metric(
    "Standard conv params", fmt_count(c.standard.params), help=f"{c.standard.params:,} weights"
)
p2.metric("Separable params", fmt_count(c.separable.params), help=f"{c.separable.params:,} weights")
p3.metric(
    "Pointwise share of separable MACs",
    f"{c.pointwise_share * 100:.1f}%",
    help="The 1×1 conv dominates: with many channels it is almost all of the cost.",
)

# Lazy tabs: only the open tab runs, so a rerun builds one view's figures, not all of them.
tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

if tabs[0].open:
    with tabs[0]:
        st.markdown("**Cost of a standard convolution** (eq. 2)")
        for line in formulas.standard_latex(c):
            st.latex(line)
        st.markdown("**Cost of a depthwise separable convolution** (eq. 5)")
        for line in formulas.separable_latex(c):
            st.latex(line)
        st.markdown("**The reduction** (section 3.1)")
        for line in formulas.ratio_latex(c):
            st.latex(line)
        st.markdown("**Parameters** (weights only)")
        for line in formulas.params_latex(c):
            st.latex(line)
        multipliers = formulas.multipliers_latex(c)
        if multipliers:
            st.markdown("**Width and resolution multipliers** (sections 3.3 and 3.4)")
            st.latex(multipliers)
        st.download_button(
            "Download the cost table (CSV)",
            formulas.cost_table_csv(c, st.session_state[PARAMS.key("groups")]),
            file_name="separable_costs.csv",
            mime="text/csv",
            key="sep_csv",
        )

if tabs[1].open:
    with tabs[1]:
        left, right = st.columns(2)
        with left:
            show_plotly(figures.ratio_vs_out_channels(c), key="sep_fig_ratio")
        with right:
            show_plotly(figures.saving_heatmap(c), key="sep_fig_heatmap")
        show_plotly(figures.cost_split(c), key="sep_fig_split")

if tabs[2].open:
    with tabs[2]:
        st.markdown(
            "A **grouped** convolution splits the M input channels into g groups and filters each group "
            "separately: cost D_K²·(M/g)·N·D_O². g = 1 is the standard conv; g = M (with N = M) is the "
            "depthwise conv, which then needs a pointwise conv to let channels talk to each other."
        )
        groups = st.select_slider("Groups g", groups_options, key=PARAMS.key("groups"))
        grouped = grouped_conv_cost(
            c.in_channels, c.out_channels, c.config.kernel, c.output_size, groups
        )
        g1, g2, g3 = st.columns(3)
        g1.metric(
            f"Grouped conv (g = {groups}) MACs",
            fmt_count(grouped.macs),
            help=f"{grouped.macs:,} MACs",
        )
        g2.metric("Params", fmt_count(grouped.params), help=f"{grouped.params:,}")
        g3.metric("Saving vs standard", f"{c.standard.macs / grouped.macs:.1f}×")
        show_plotly(figures.groups_sweep(c, groups_options, groups), key="sep_fig_groups")

if tabs[3].open:
    with tabs[3]:
        st.markdown(
            "The MAC ratio predicts the speed-up only if every MAC costs the same time. Press the button "
            "to time the real PyTorch layers for this configuration on the server (batch 1, one warm-up "
            "call each). It repeats rounds until every median is known to ±5% (95% interval) or the time "
            "budget runs out, and times the depthwise and pointwise convs separately, so the explanation "
            "below is picked from what was measured."
        )
        budget = st.slider("Time budget (s)", 1, 10, 3, key="sep_budget")
        timing_key = (config, budget)
        if st.button("Measure on this machine", key="sep_measure", type="primary"):
            with st.spinner(
                "Timing the standard conv, the depthwise conv, the pointwise conv and the pair…"
            ):
                st.session_state["sep_timing"] = (timing_key, time_layers(c, budget_s=budget))
        stored = st.session_state.get("sep_timing")
        if stored and stored[0] == timing_key:
            t = stored[1]
            if t.channels_scaled:
                n_note = (
                    ""
                    if t.out_channels == c.out_channels
                    else f" and N = {t.out_channels} instead of {c.out_channels} (the MAC ratio below is for this N)"
                )
                st.info(
                    f"This layer's weights are too large to time on a shared server ({c.standard.params * 4 / 1e9:,.1f} GB "
                    f"of fp32 for the standard conv): timed with M = {t.in_channels} instead of {c.in_channels}{n_note}, "
                    f"at most {MAX_STANDARD_WEIGHTS / 1e6:.0f}M weights ({MAX_STANDARD_WEIGHTS * 4 / 1e6:.0f} MB). "
                    "The MAC ratio D_K²·N / (D_K² + N) does not depend on M."
                )
            if t.scaled:
                st.info(
                    f"This layer is large: timed at D_F = {t.input_size} instead of {c.input_size} to keep one "
                    f"round short (at most 1 G MACs for the standard conv, {MAX_ACTIVATION_VALUES * 4 / 1e6:.0f} MB "
                    "per activation). The MAC ratio does not depend on D_F."
                )
            t1, t2, t3, t4 = st.columns(4)
            t1.metric("Standard conv", f"{t.standard.median:.3f} ms", help="median per call")
            t2.metric(
                "Depthwise + pointwise",
                f"{t.separable.median:.3f} ms",
                help=f"median of the pair as one call; depthwise {t.depthwise.median:.3f} ms and pointwise "
                f"{t.pointwise.median:.3f} ms timed separately",
            )
            t3.metric(
                "Measured speed-up",
                f"{t.speedup.ci_low:.1f}–{t.speedup.ci_high:.1f}×"
                if t.too_noisy
                else f"{t.measured_speedup:.2f}×",
                help=f"median over {t.rounds} rounds; 95% interval of the median {t.speedup.ci_low:.2f}–"
                f"{t.speedup.ci_high:.2f}×; middle half of the rounds {t.speedup.low:.2f}–{t.speedup.high:.2f}×",
            )
            t4.metric("Theoretical (MAC ratio)", f"{t.theoretical_speedup:.2f}×")
            st.dataframe(
                [
                    {
                        "layer": name,
                        "median (ms)": f"{spread.median:.4g}",
                        "95% interval of the median (ms)": f"{spread.ci_low:.4g} – {spread.ci_high:.4g}",
                        "middle half of the rounds (ms)": f"{spread.low:.4g} – {spread.high:.4g}",
                        "G MACs/s": f"{macs / (spread.median * 1e6):.3g}" if macs else "–",
                    }
                    for name, spread, macs in (
                        ("standard conv", t.standard, t.standard_macs),
                        ("depthwise conv", t.depthwise, t.depthwise_macs),
                        ("pointwise (1×1) conv", t.pointwise, t.pointwise_macs),
                        (
                            "depthwise + pointwise, one call",
                            t.separable,
                            t.depthwise_macs + t.pointwise_macs,
                        ),
                        ("a 1-MAC conv (a call's fixed cost)", t.overhead, 0),
                    )
                ],
                hide_index=True,
                width="stretch",
            )
            st.caption(
                f"{t.rounds} rounds in {t.elapsed_s:.1f} s, {t.threads} thread{'s' if t.threads != 1 else ''}, "
                + {
                    "converged": "stopped when every median was known to within ±5%.",
                    "rounds": f"stopped at the limit of {t.rounds} rounds.",
                }.get(t.stopped, f"stopped when the {budget} s budget ran out.")
            )
            for sentence in explain(t):
                st.markdown(sentence)

if tabs[4].open:
    with tabs[4]:
        st.code(
            formulas.pytorch_code(c, st.session_state[PARAMS.key("groups")]),
            language="python",
            wrap_lines=True,
        )

if tabs[5].open:
    with tabs[5]:
        st.markdown(
            "**Width multiplier α** thins every layer (M → αM, N → αN); **resolution multiplier ρ** shrinks "
            "every feature map (D_F → ρD_F). A separable layer then costs (MobileNets, arXiv:1704.04861v1, "
            "eq. 7; at stride 2 the output size D_O of ρD_F):"
        )
        for line in multipliers.layer_latex(c):
            st.latex(line)
        st.markdown(
            "The pointwise term αM·αN·(ρD_F)² holds almost all of the cost, so the cost falls roughly as "
            "**α²** (section 3.3) and as **ρ²** (section 3.4); the weights D_K²·αM + αM·αN fall as α² and do "
            "not depend on ρ. Move α and ρ above (under *More settings* in presenter mode) to see this layer "
            "change. For a whole network, MobileNetV1 with the published ImageNet top-1 of each setting "
            "(Tables 6 and 7):"
        )
        alpha_points, rho_points = multipliers.network_sweep("v1")
        show_plotly(
            multiplier_figures.multiplier_sweep(alpha_points, rho_points), key="sep_fig_multipliers"
        )
        st.dataframe(
            [
                {
                    "α": p.alpha,
                    "input (px)": p.resolution,
                    "MACs (M)": round(p.macs / 1e6, 1),
                    "weights (M)": round(p.weights / 1e6, 2),
                    "MACs vs 1.0-224": f"{p.macs / rho_points[-1].macs:.3f}",
                    "α²ρ²": f"{(p.alpha * p.resolution / 224) ** 2:.3f}",
                    "published top-1 %": p.top1,
                }
                for p in alpha_points + rho_points[:-1]
            ],
            hide_index=True,
            width="stretch",
        )
        st.caption(
            "MACs and weights computed by the library for MobileNetV1 (equal to a torch build in the tests); "
            "top-1 quoted from the paper. The first layer keeps its 3 colour channels at every α, and the "
            "classifier's 1000 outputs do not shrink, so the network's MACs fall a little slower than α² and its "
            "weights (the FC layer's 1024α × 1000 dominate at small α) between α² and α."
        )

PARAMS.share()
