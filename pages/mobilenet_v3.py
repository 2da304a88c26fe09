"""MobileNetV3: what changed after V2, measured (Howard et al., "Searching for MobileNetV3",
arXiv:1905.02244v5, sections 4-5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from mobilenet_viz.analytic import activations, published
from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.analytic.v3_block import (
    MNAS_W,
    PAPER_SAVED_MACS,
    PAPER_SAVED_MS,
    PAPER_SAVED_SHARE,
    TABLE_NUMBERS,
    V3_SMALL_W,
    last_stage_saving,
    placement,
    reward_curves,
    reward_factor,
    v3_block,
    v3_presets,
)
from mobilenet_viz.figures import architectures as arch_figures
from mobilenet_viz.figures import v3 as figures
from mobilenet_viz.inputs.samples import get_sample, list_samples
from mobilenet_viz.runtime.inference import inference_slot
from mobilenet_viz.runtime.se_attention import compare, se_scales
from mobilenet_viz.runtime.v3_timing import ACTIVATION_SHAPES, time_activations, time_last_stages
from ui import presenter
from ui.layout import fmt_count, show_plotly
from ui.model import get_v3_model
from ui.params import ChoiceParam, IntParam, PageParams
from ui.routing import through_router
from ui.text import md

through_router()  # a deep link that is a fresh server's first request still goes through app.py

PAPER = "arXiv:1905.02244v5"
MODELS = {"v3-large": "V3-Large (Table 1)", "v3-small": "V3-Small (Table 2)"}
ALPHAS = ("0.5", "0.75", "1.0", "1.25")
VIEWS = ("The V3 block", "h-swish", "Last stage", "Search", "SE on a photo")
SAMPLES = [s.name for s in list_samples()]
SE_BLOCKS_LARGE = [p.number for p in v3_presets("v3-large") if p.config.use_se]
PARAMS = PageParams(
    "v3",
    {
        "model": ChoiceParam("v3-large", tuple(MODELS)),
        "block": IntParam(13, 1, 15),
        "alpha": ChoiceParam("1.0", ALPHAS),
        "runs": IntParam(50, 5, 200),
        "stage_runs": IntParam(30, 5, 100),
        "se_block": ChoiceParam("13", tuple(map(str, SE_BLOCKS_LARGE))),
        "photo_a": ChoiceParam("cat.jpg" if "cat.jpg" in SAMPLES else SAMPLES[0], tuple(SAMPLES)),
        "photo_b": ChoiceParam(
            "coins.jpg" if "coins.jpg" in SAMPLES else SAMPLES[-1], tuple(SAMPLES)
        ),
        "view": ChoiceParam(VIEWS[0], VIEWS),
    },
)
NUMBERS = {
    name: st.column_config.NumberColumn(format="localized")
    for name in ("MACs", "params", "SE MACs", "SE params", "nonlinearity elements")
}


@st.cache_data(max_entries=64, show_spinner=False)
def presets(model: str, alpha: float):
    return v3_presets(model, 224, alpha)


@st.cache_data(max_entries=64, show_spinner=False)
def block_cost(config):
    return v3_block(config)


@st.cache_data(max_entries=4, show_spinner=False)
def placement_rows(model: str) -> list[dict]:
    return placement(model)


@st.cache_data(max_entries=1, show_spinner=False)
def curves() -> tuple[dict, dict]:
    return activations.curves(), activations.max_differences()


@st.cache_data(max_entries=64, show_spinner=False)
def photo_scales(_model, model_name: str, _transforms, photo: str, block: int) -> np.ndarray:
    """SE scales of one sample photo (a pure function of the weights, photo and block)."""
    image = Image.open(get_sample(photo).path).convert("RGB")
    with inference_slot():
        return se_scales(_model, block, _transforms(image).unsqueeze(0))


def stage_table(cost) -> pd.DataFrame:
    shape = lambda s: f"{s[1]}×{s[2]}×{s[0]}"  # noqa: E731
    return pd.DataFrame([
        {"stage": s.name, "operator": s.operator, "activation": s.activation, "input (h×w×c)": shape(s.input_shape),
         "output (h×w×c)": shape(s.output_shape), "MACs": s.macs, "params": s.params,
         "part of": "SE branch" if s.se else "main path"}
        for s in cost.stages
    ])  # fmt: skip


def check_block_in_range() -> None:
    """V3-Small has 11 blocks: a block number beyond that (a link, or switching model) becomes 11."""
    n = len(presets(PARAMS.value("model"), 1.0))
    if PARAMS.value("block") > n:
        st.warning(
            f"{MODELS[PARAMS.value('model')].split(' (')[0]} has {n} blocks; showing block {n}.",
            icon=":material/info:",
        )
        PARAMS.set(block=n)


st.title("MobileNetV3: what changed after V2")
st.caption(
    f"Howard et al., *Searching for MobileNetV3* (2019, {PAPER}): MobileNetV2's inverted residual "
    "plus **squeeze-and-excite**, the **h-swish** nonlinearity, a **cheaper last stage**, and a network "
    "found by **search**. Costs come from the library and equal torchvision's modules (checked in the "
    "tests); timings are measured on this server when you press a button. MACs = multiply-accumulates "
    "(the paper's MAdds); FLOPs = 2 × MACs; params include BatchNorm and biases."
)

PARAMS.restore()
check_block_in_range()
tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

# --- the V3 block --------------------------------------------------------------------------------
if tabs[0].open:
    with tabs[0]:
        row = st.columns([2, 3])
        row[0].radio(
            "Network",
            tuple(MODELS),
            key=PARAMS.key("model"),
            format_func=MODELS.get,
            horizontal=True,
        )
        model = PARAMS.value("model")
        with presenter.more_controls("width α"):
            st.select_slider(
                "Width multiplier α (torchvision rounds every channel count to a multiple of 8)",
                ALPHAS,
                key=PARAMS.key("alpha"),
            )
        alpha = float(PARAMS.value("alpha"))
        choices = presets(model, alpha)
        row[1].selectbox(
            "Block (224×224 input)",
            [p.number for p in choices],
            key=PARAMS.key("block"),
            format_func=lambda n: choices[n - 1].label,
        )
        preset = choices[PARAMS.value("block") - 1]
        cost = block_cost(preset.config)
        m = st.columns(5)
        m[0].metric(
            "Block MACs", fmt_count(cost.macs), help=f"{cost.macs:,} MACs = {cost.flops:,} FLOPs"
        )
        m[1].metric(
            "Block params",
            fmt_count(cost.params),
            help=f"{cost.params:,} (conv weights + BN + SE biases)",
        )
        if cost.squeeze_channels:
            m[2].metric(
                "SE MACs",
                f"{cost.se_macs / cost.macs:.1%}",
                help=f"{cost.se_macs:,} of {cost.macs:,} MACs",
            )
            m[3].metric(
                "SE params",
                f"{cost.se_params / cost.params:.1%}",
                help=f"{cost.se_params:,} of {cost.params:,} params",
            )
        else:
            m[2].metric("SE MACs", "no SE")
            m[3].metric("SE params", "no SE")
        m[4].metric(
            "Residual",
            "yes" if cost.residual else "no",
            help="x + F(x) when stride 1 and in = out channels, as in MobileNetV2",
        )
        c = cost.expanded_channels
        if cost.squeeze_channels:
            s, ho = cost.squeeze_channels, cost.output_shape[1]
            st.markdown(
                f"**The SE branch** (section 5.3: squeeze to ¼ of the expansion layer): pool {ho}×{ho}×{c} → "
                f"1×1×{c} → 1×1 conv to **{s}** = make_divisible({c} // 4, 8), ReLU → 1×1 conv back to {c}, "
                f"hard-sigmoid → one scale in [0, 1] per channel → multiply the {ho}×{ho}×{c} tensor channel by "
                f"channel. The two 1×1 convs run on a 1×1 map, so SE costs **{cost.se_macs / cost.macs:.1%} of "
                f"the MACs** but **{cost.se_params / cost.params:.1%} of the parameters**; its {cost.se_scale_multiplies:,} "
                "scaling multiplies are elementwise (not counted as MACs, like BN and activations)."
            )
        else:
            st.markdown(
                f"This block has **no SE** (Table {TABLE_NUMBERS[model]}): expand, "
                f"{preset.config.kernel}×{preset.config.kernel} depthwise, linear project."
            )
        st.dataframe(stage_table(cost), hide_index=True, width="stretch", column_config=NUMBERS)
        show_plotly(figures.block_cost_bars(cost), key="v3_fig_block")
        st.subheader("Where V3 puts SE and h-swish")
        rows = placement_rows(model)
        se_numbers = [r["block"] for r in rows if r["SE"]]
        hs_numbers = [r["block"] for r in rows if r["NL"] == "h-swish"]
        total_macs = sum(r["MACs"] for r in rows)
        total_params = sum(r["params"] for r in rows)
        se_macs = sum(r["SE MACs"] for r in rows)
        se_params = sum(r["SE params"] for r in rows)
        network_params = build(model).params
        st.markdown(
            f"{MODELS[model]}: SE in blocks **{', '.join(map(str, se_numbers))}**; h-swish in blocks "
            f"**{hs_numbers[0]}–{hs_numbers[-1]}** (and the stem conv, section 5.1), ReLU before. Over all "
            f"{len(rows)} blocks at α = 1, SE does {se_macs / total_macs:.1%} of the blocks' MACs but holds "
            f"**{se_params / total_params:.1%} of their parameters** ({se_params / network_params:.0%} of the "
            f"whole network's {network_params / 1e6:.2f}M): cheap in compute, not in memory. Section 5.3 sized "
            "every SE at ¼ of the expansion layer (MnasNet had sized it from the bottleneck) and reports, against "
            'that, "a modest increase of number of parameters, and no discernible latency cost".'
        )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=NUMBERS)

# --- h-swish -------------------------------------------------------------------------------------------
if tabs[1].open:
    with tabs[1]:
        data, worst = curves()
        st.markdown(
            f"Section 5.2 ({PAPER}): swish(x) = x·σ(x) improves accuracy, but the sigmoid is expensive on "
            "mobile CPUs and awkward in fixed point, so V3 uses its piece-wise linear analog "
            "**hard-sigmoid = ReLU6(x + 3)/6** and **h-swish(x) = x·ReLU6(x + 3)/6**."
        )
        cols = st.columns(2)
        with cols[0]:
            show_plotly(figures.activation_curves(data, activations.NAMES), key="v3_fig_curves")
        with cols[1]:
            show_plotly(figures.activation_differences(data), key="v3_fig_diff")
        hs, hsig = worst["h-swish vs swish"], worst["hard-sigmoid vs sigmoid"]
        st.caption(
            f"Largest gaps: |h-swish − swish| = {hs[0]:.3f} at x = {hs[1]:.2f}; |hard-sigmoid − sigmoid| = "
            f"{hsig[0]:.3f} at x = {hsig[1]:.2f}. Both hard versions are exactly 0 below −3; "
            "h-swish is exactly x above 3 and hard-sigmoid exactly 1."
        )
        st.subheader("What each costs on this CPU")
        shape_text = " and ".join(f"{h}×{w}×{c}" for c, h, w in ACTIVATION_SHAPES)
        st.markdown(
            f"Each function runs on a real-sized activation tensor ({shape_text}: V3-Large's first "
            "block and its last blocks' expanded tensor), fp32, batch 1, one thread, median of the "
            "runs after a warm-up, all functions interleaved in one measurement."
        )
        st.slider("Runs per function", 5, 200, key=PARAMS.key("runs"))
        runs = PARAMS.value("runs")
        if st.button(
            "Measure the nonlinearities on this machine", key="v3_measure_act", type="primary"
        ):
            with st.spinner("Timing ReLU6, sigmoid, hard-sigmoid, swish and h-swish…"):
                st.session_state["v3_act_timing"] = (
                    runs,
                    [t.as_dict() for t in time_activations(runs=runs)],
                )
        stored = st.session_state.get("v3_act_timing")
        rows = placement_rows("v3-large")
        relu_elements = sum(r["nonlinearity elements"] for r in rows if r["NL"] == "ReLU")
        hs_elements = sum(r["nonlinearity elements"] for r in rows if r["NL"] == "h-swish")
        if stored and stored[0] == runs:
            timing = stored[1]
            show_plotly(figures.activation_timing_bars(timing), key="v3_fig_act_timing")
            table = pd.DataFrame(
                [
                    {
                        "function": t["name"],
                        "tensor (h×w×c)": f"{t['shape'][1]}×{t['shape'][2]}×{t['shape'][0]}",
                        "median µs": round(t["median_ms"] * 1e3, 2),
                        "ns per element": round(t["ns_per_element"], 3),
                    }
                    for t in timing
                ]
            )
            st.dataframe(table, hide_index=True, width="stretch")
            big = {t["name"]: t for t in timing if tuple(t["shape"]) == ACTIVATION_SHAPES[0]}
            small = {t["name"]: t for t in timing if tuple(t["shape"]) == ACTIVATION_SHAPES[-1]}
            ratio_swish = big["swish"]["ns_per_element"] / big["h-swish"]["ns_per_element"]
            ratio_relu = big["h-swish"]["ns_per_element"] / big["ReLU6"]["ns_per_element"]
            ratio_sig = big["sigmoid"]["ns_per_element"] / big["hard-sigmoid"]["ns_per_element"]
            swish_word = "slower" if ratio_swish > 1 else "faster"
            relu_word = (
                "close to"
                if abs(ratio_relu - 1) < 0.25
                else ("above" if ratio_relu > 1 else "below")
            )
            st.markdown(
                f"Measured here ({runs} runs, on the {shape_text.split(' and ')[0]} tensor): swish is "
                f"**{ratio_swish:.2f}×** {swish_word} than h-swish, sigmoid {ratio_sig:.2f}× hard-sigmoid, and h-swish "
                f"costs {ratio_relu:.2f}× ReLU6 ({relu_word} it). torch fuses each function into one pass over "
                "memory, so the cheap ones are limited by reading and writing the tensor; the paper's phones "
                "ran TFLite, where it reports h-swish as a piece-wise function saving memory accesses."
            )
            st.markdown(
                f"**Why only the deeper half** (section 5.2): the cost of a nonlinearity is proportional to the "
                "number of activation elements, and those shrink as the resolution halves. In V3-Large the "
                f"ReLU blocks 1–6 push **{relu_elements / 1e6:.2f}M** elements through their nonlinearities, "
                f"the h-swish blocks 7–15 only **{hs_elements / 1e6:.2f}M**. At the measured rates, h-swish in "
                f"the deeper half costs ≈{hs_elements * small['h-swish']['ns_per_element'] / 1e3:.0f} µs here "
                f"(vs ≈{hs_elements * small['ReLU6']['ns_per_element'] / 1e3:.0f} µs for ReLU6); swish there "
                f"would cost ≈{hs_elements * small['swish']['ns_per_element'] / 1e3:.0f} µs. The paper also "
                'found "most of the benefits of swish are realized by using them only in the deeper layers". '
                "(Estimates: elements × ns/element measured on the 7×7×960 tensor.)"
            )
        else:
            st.info(
                "Press the button to measure. Nothing is measured until you ask (the numbers are of this "
                "moment on this server, never cached).",
                icon=":material/timer:",
            )
        show_plotly(figures.placement_chart(rows), key="v3_fig_placement")
        st.caption(
            f"V3-Large: {relu_elements / 1e6:.2f}M elements through ReLU (blocks 1–6) vs "
            f"{hs_elements / 1e6:.2f}M through h-swish (blocks 7–15); expand and depthwise outputs, from "
            "the library's block shapes."
        )

# --- last stage ----------------------------------------------------------------------------------------
if tabs[2].open:
    with tabs[2]:
        saving = last_stage_saving()
        st.markdown(
            f"Section 5.1 and Figure 5 ({PAPER}): V2-style networks end with a bottleneck (1×1 expand to 960, "
            "depthwise, 1×1 project to 320) and a 1×1 conv to 1280 **at 7×7**, then pool. V3 moves the "
            "1280-wide layer **past the average pool** (computed at 1×1) and drops the depthwise and projection "
            f'layers. The paper: it "reduces the latency by {PAPER_SAVED_MS} milliseconds which is '
            f"{PAPER_SAVED_SHARE:.0%} of the running time and reduces the number of operations by 30 millions "
            'MAdds with almost no loss of accuracy".'
        )
        o, e = saving["original"], saving["efficient"]
        m = st.columns(4)
        m[0].metric(
            "Original stage",
            f"{o['macs'] / 1e6:.1f}M MACs",
            help=f"{o['macs']:,} MACs, {o['params']:,} params",
        )
        m[1].metric(
            "Efficient stage",
            f"{e['macs'] / 1e6:.1f}M MACs",
            help=f"{e['macs']:,} MACs, {e['params']:,} params",
        )
        m[2].metric(
            "MACs saved",
            f"{saving['macs_saved'] / 1e6:.1f}M",
            delta=f"paper: ~{PAPER_SAVED_MACS / 1e6:.0f}M",
            delta_color="off",
        )
        m[3].metric(
            "Params",
            f"{-saving['params_saved'] / 1e6:+.2f}M",
            help=f"efficient − original: {e['params']:,} − {o['params']:,}",
        )
        st.markdown(
            f"Counted here for the layers of Figure 5: **{saving['macs_saved'] / 1e6:.1f}M MACs saved** "
            f"({saving['macs_saved'] / o['macs']:.0%} of the original stage); the paper rounds to ~30M. The "
            f"redesign is not free in memory: the 960→1280 layer has more weights than the 320→1280 one it "
            f"replaces, so the efficient stage has **{-saving['params_saved']:,} more parameters**."
        )
        show_plotly(figures.last_stage_bars(saving), key="v3_fig_last")
        with st.expander("The layers of both stages", expanded=presenter.expanded()):
            layers = [
                {
                    "stage": kind,
                    "layer": x["name"],
                    "operator": x["operator"],
                    "output (h×w×c)": f"{x['output_shape'][1]}×{x['output_shape'][2]}×{x['output_shape'][0]}",
                    "MACs": x["macs"],
                    "params": x["params"],
                }
                for kind in ("original", "efficient")
                for x in saving[kind]["layers"]
            ]
            st.dataframe(
                pd.DataFrame(layers), hide_index=True, width="stretch", column_config=NUMBERS
            )
        st.slider("Runs per stage", 5, 100, key=PARAMS.key("stage_runs"))
        runs = PARAMS.value("stage_runs")
        if st.button("Measure both stages on this machine", key="v3_measure_last", type="primary"):
            with st.spinner(
                "Timing the original and the efficient last stage and the whole network…"
            ):
                network = get_v3_model().model
                st.session_state["v3_last_timing"] = (
                    runs,
                    time_last_stages(runs=runs, network=network).as_dict(),
                )
        stored = st.session_state.get("v3_last_timing")
        if stored and stored[0] == runs:
            t = stored[1]
            tm = st.columns(4)
            tm[0].metric("Original stage", f"{t['original_ms']:.2f} ms")
            tm[1].metric("Efficient stage", f"{t['efficient_ms']:.2f} ms")
            tm[2].metric("Saved", f"{t['saved_ms']:.2f} ms", help=f"{t['speedup']:.2f}× faster")
            tm[3].metric(
                "Share of the network",
                f"{t['saved_share']:.0%}",
                help=f"saved / (whole V3-Large {t['network_ms']:.1f} ms − efficient + original stage)",
            )
            st.caption(
                f"Eager PyTorch, fp32, batch 1, one thread, median of {runs} interleaved runs; random weights "
                "(time does not depend on their values). The paper's 7 ms / 11% were measured on Pixel phones "
                f"with TFLite (section 6); here the saving is {t['saved_ms']:.2f} ms, {t['saved_share']:.0%} of the "
                f"{t['network_ms'] - t['efficient_ms'] + t['original_ms']:.1f} ms the network would take with "
                "the original stage."
            )
        else:
            st.info(
                "Press the button to time both stages (and the whole V3-Large for the share).",
                icon=":material/timer:",
            )

# --- search --------------------------------------------------------------------------------------------
if tabs[3].open:
    with tabs[3]:
        st.markdown(
            f"V3 was not designed by hand layer by layer (section 4, {PAPER}). Two searches, then hand fixes:\n\n"
            "1. **Platform-aware NAS** (as MnasNet): an RNN controller proposes whole networks block by block "
            "from a factorized search space; each is trained, its accuracy ACC(m) measured and its latency "
            "LAT(m) **measured on a real phone**, and the controller is rewarded with "
            "ACC(m)·[LAT(m)/TAR]^w for a target latency TAR. For V3-Large the authors reused MnasNet-A1 "
            "(the same search found similar results); for V3-Small they searched again with w = −0.15 instead "
            "of −0.07, because accuracy changes faster with latency for small models.\n"
            "2. **NetAdapt**, layer by layer: starting from that seed, each step proposes changes that cut "
            "latency by at least δ = 0.01·|L| (shrink one expansion layer, or shrink a bottleneck shared by "
            "blocks with a residual), fine-tunes each proposal for T = 10000 steps and keeps the one with the "
            "largest ΔAcc / |Δlatency|, until the target latency is reached; then it retrains from scratch.\n"
            "3. **Hand changes** outside the search space: the last stage, 16 stem filters with h-swish, "
            "h-swish in the deeper half, SE at ¼ of the expansion (section 5).\n\n"
            "So the tables below are what a latency-driven search found on a Pixel phone, not a rule like "
            "V2's \"t = 6 everywhere\": expansion sizes such as 184 and 200 come from NetAdapt's trimming."
        )
        st.latex(
            r"\text{reward}(m) = \mathrm{ACC}(m)\times\left[\frac{\mathrm{LAT}(m)}{\mathrm{TAR}}\right]^{w}"
        )
        slow_mnas, slow_small = 1 / reward_factor(2, MNAS_W), 1 / reward_factor(2, V3_SMALL_W)
        cols = st.columns([3, 2])
        with cols[0]:
            show_plotly(figures.reward_chart(reward_curves()), key="v3_fig_reward")
        cols[1].markdown(
            f"What w means: a model **twice as slow** as the target keeps 2^w of its accuracy as reward, so "
            f"to tie with an on-target model it must be **{slow_mnas - 1:.1%}** more accurate (relatively) "
            f"with w = {MNAS_W:g}, and **{slow_small - 1:.1%}** with V3-Small's w = {V3_SMALL_W:g}: the "
            "steeper penalty keeps the small-model search from buying accuracy with latency."
        )
        for model in MODELS:
            st.markdown(
                f"**MobileNet{MODELS[model]}**: the Architectures page's layer table, costs computed by "
                "the library"
            )
            st.dataframe(
                pd.DataFrame(placement_rows(model)),
                hide_index=True,
                width="stretch",
                column_config=NUMBERS,
            )
        current = build("v3-large")
        show_plotly(
            arch_figures.accuracy_scatter(list(published.POINTS), current), key="v3_fig_published"
        )
        st.caption(
            f"Published ImageNet top-1 against mult-adds (V1 Tables 6–7, V2 Table 4, V3 Table 3, torchvision's "
            f"weights); the dashed line is V3-Large 1.0-224 as counted here ({current.macs / 1e6:.1f}M MACs). "
            "The paper's latencies (Pixel phones, TFLite) are not reproduced here: time the networks on this "
            "server on the Classify page and the other tabs."
        )

# --- SE on a photo -------------------------------------------------------------------------------------
if tabs[4].open:
    with tabs[4]:
        st.markdown(
            "The SE module looks at the whole image (global pooling) and gives every channel of the expanded "
            "tensor its own scale in [0, 1]: channels that matter for **this** image are kept, others damped. "
            "Pick a block and two photos to compare the scales a real MobileNetV3-Large computes."
        )
        cols = st.columns(3)
        cols[0].selectbox(
            "SE block of V3-Large",
            tuple(map(str, SE_BLOCKS_LARGE)),
            key=PARAMS.key("se_block"),
            format_func=lambda n: presets("v3-large", 1.0)[int(n) - 1].label,
        )
        titles = {s.name: s.title for s in list_samples()}
        cols[1].selectbox("First photo", SAMPLES, key=PARAMS.key("photo_a"), format_func=titles.get)
        cols[2].selectbox(
            "Second photo", SAMPLES, key=PARAMS.key("photo_b"), format_func=titles.get
        )
        loaded = get_v3_model()
        if not loaded.pretrained:
            st.warning(
                f"**Untrained MobileNetV3-Large** ({md(loaded.name)}): random weights, so these scales show "
                "the mechanism (one scale per channel, image-dependent), not learned attention. "
                + (md(loaded.message) if loaded.message else ""),
                icon=":material/warning:",
            )
        else:
            st.caption(f"Pretrained weights: {md(loaded.describe())}.")
        block = int(PARAMS.value("se_block"))
        a_name, b_name = PARAMS.value("photo_a"), PARAMS.value("photo_b")
        model_name = f"{loaded.arch}:{loaded.name}:{loaded.source}"
        try:
            with st.spinner("Running the network up to the SE module…"):
                a = photo_scales(loaded.model, model_name, loaded.transforms, a_name, block)
                b = photo_scales(loaded.model, model_name, loaded.transforms, b_name, block)
        except (OSError, ValueError, RuntimeError) as exc:
            st.error(f"Could not compute the SE scales: {md(exc)}", icon=":material/error:")
        else:
            summary = compare(a, b)
            pics = st.columns([1, 1, 4])
            pics[0].image(str(get_sample(a_name).path), caption=titles[a_name], width="stretch")
            pics[1].image(str(get_sample(b_name).path), caption=titles[b_name], width="stretch")
            with pics[2]:
                show_plotly(
                    figures.se_scale_lines(a, b, (titles[a_name], titles[b_name])), key="v3_fig_se"
                )
            sm = st.columns(4)
            sm[0].metric("Channels", summary["channels"])
            sm[1].metric(
                "Correlation of the scales",
                "—" if np.isnan(summary["correlation"]) else f"{summary['correlation']:.2f}",
            )
            sm[2].metric("Mean |difference|", f"{summary['mean_abs_difference']:.3f}")
            sm[3].metric(
                "Channels damped below 0.5",
                f"{summary['damped_a']} / {summary['damped_b']}",
                help=f"{titles[a_name]} / {titles[b_name]}",
            )
            if a_name == b_name:
                st.info(
                    "Both photos are the same: pick two different ones to see the attention change."
                )
            st.caption(
                "Scales are the hard-sigmoid outputs of the SE module (ReLU6(x + 3)/6, so exactly 0 or 1 when "
                "saturated). Most different channels: "
                + ", ".join(map(str, summary["most_different"]))
                + "."
            )

PARAMS.share()
