"""Home: what MobileNets are, and where each idea lives in the app."""

import streamlit as st

from mobilenet_viz.analytic.notation import glossary_markdown
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

st.title("MobileNet Lab")
st.markdown(
    """
**MobileNets** are convolutional networks built to run fast on phones. Their trick is the
**depthwise separable convolution**: instead of one big filter that looks at every input channel
at once, a *depthwise* step filters each channel on its own and a cheap *pointwise* (1×1) step mixes
the channels. For a 3×3 layer that is **8–9× fewer multiply-adds** for a small loss of accuracy
(Howard et al., 2017).

**MobileNetV2** (Sandler et al., 2018) stacks these into **inverted residual blocks**: a thin
bottleneck is *expanded*, filtered depthwise, and *projected* back down by a **linear** 1×1 conv,
with a shortcut between the thin ends.
"""
)

with st.expander("Notation used across the app (the two papers name things differently)"):
    st.markdown(glossary_markdown())

st.markdown("Pick a page to explore:")
cols = st.columns(2)
with cols[0]:
    st.page_link(
        "pages/separable.py", label="Standard vs depthwise separable", icon=":material/call_split:"
    )
    st.caption("Configure one layer and watch the cost formulas, the saving and real timings.")
    st.page_link("pages/filters.py", label="How the filters work", icon=":material/filter:")
    st.caption("See what standard, depthwise and pointwise filters do to a real image.")
    st.page_link(
        "pages/inverted_residual.py", label="Inverted residual block", icon=":material/swap_vert:"
    )
    st.caption("Expand → depthwise → project: shapes, costs, memory and the linear bottleneck.")
    st.page_link("pages/architectures.py", label="Architectures", icon=":material/account_tree:")
    st.caption("MobileNetV1, V2 and V3 layer by layer, with width and resolution multipliers.")
with cols[1]:
    st.page_link("pages/mobilenet_v3.py", label="MobileNetV3", icon=":material/bolt:")
    st.caption(
        "What V3 changed after V2: squeeze-and-excite, h-swish, a cheaper last stage, search; measured."
    )
    st.page_link("pages/classify.py", label="Classify", icon=":material/image_search:")
    st.caption("Run a real MobileNetV2 on your photos, with honest timing.")
    st.page_link("pages/on_a_phone.py", label="On a phone (int8)", icon=":material/smartphone:")
    st.caption(
        "The same network in 8-bit integers: 4× smaller, faster, and why depthwise layers need per-channel scales."
    )
    st.page_link("pages/class_questions.py", label="Class questions", icon=":material/quiz:")
    st.caption(
        "Ask the class a question computed by the app; answers from phones, live on the projector."
    )
